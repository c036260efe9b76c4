"""Quantitative actions: the zooming model's partition, draws, split rule, transfer and checks."""

import math

import numpy as np
import pytest

from pybandits.model.beta import Beta
from pybandits.model.family import Bernoulli, Gaussian
from pybandits.model.nig import NormalInverseGamma
from pybandits.model.segments import Segment, log_bayes_factor
from pybandits.model.segments import outer_posterior as _outer
from pybandits.model.zooming import Zooming


def fed(model, expected, n_rows, seed, batch=200, gaussian_sd=None):
    """``model`` after ``n_rows`` quantities uniform in the box, in batches, with rewards around ``expected(q)``."""
    rng = np.random.default_rng(seed)
    for _ in range(n_rows // batch):
        q = rng.random((batch, model.dimension))
        mean = expected(q)
        rewards = (rng.random(batch) < mean).astype(int) if gaussian_sd is None else rng.normal(mean, gaussian_sd)
        model = model.updated(q, rewards)
    return model


def cuts(model, axis=0):
    """The positions along ``axis`` where segments begin, besides 0."""
    return sorted({s.low[axis] for s in model.segments} - {0.0})


def play_peak(seed, n_decisions=5000):
    """The benchmark's narrow-peak world played by Thompson sampling; the model and the peak."""
    rng = np.random.default_rng(seed)
    peak = rng.uniform(0.15, 0.85)
    model, most = Zooming.cold_start(), 1
    for _ in range(n_decisions // 100):
        values, candidates = model.draw(100, rng)
        q = candidates[np.arange(100), values.argmax(axis=1)]
        p = 0.2 + 0.6 * np.exp(-(((q[:, 0] - peak) / 0.05) ** 2) / 2)
        model = model.updated(q, (rng.random(100) < p).astype(int))
        most = max(most, len(model.segments))
    return model, peak, most


# -- cold start --------------------------------------------------------------------------------


def test_cold_start_is_the_whole_box_at_the_prior():
    model = Zooming.cold_start(dimension=2, cost=1.5)
    (segment,) = model.segments
    assert (segment.low, segment.high, segment.axis) == ([0.0, 0.0], [1.0, 1.0], 0)
    assert segment.posterior == Beta() and segment.halves == [Beta()] * 4 and segment.middles == [Beta()] * 2
    assert (model.n_observations, model.n_max_segments, model.cost, model.prior) == (0, 16, 1.5, Beta())


@pytest.mark.parametrize("family", ["gaussian", "Gaussian", Gaussian, Gaussian(reward_loc=1.0, reward_scale=2.0)])
def test_cold_start_of_a_gaussian_action_takes_the_prior(family):
    model = Zooming.cold_start(family=family, prior={"mu": 5.0, "beta": 4.0}, split_evidence=50.0)
    assert model.prior == NormalInverseGamma(mu=5.0, beta=4.0) == model.segments[0].posterior
    assert model.split_evidence == 50.0
    assert Zooming.cold_start(family=Bernoulli()).prior == Beta()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"family": "poisson"}, ValueError, "family: expected 'bernoulli', 'gaussian'"),
        ({"prior": {"mu": 1.0}}, TypeError, "prior: bernoulli rewards take None"),
        ({"family": "gaussian", "prior": [1.0]}, TypeError, "prior: gaussian rewards take a mapping"),
        ({"family": "gaussian", "prior": {"kappa": -1.0}}, ValueError, "prior"),
        ({"family": "gaussian", "prior": {"sigma": 1.0}}, ValueError, "prior"),
        ({"split_after": 3}, TypeError, "split settings: expected among .* got unknown \\['split_after'\\]"),
        ({"split_evidence": 0.5}, ValueError, "split_evidence"),
        ({"n_max_segments": 0}, ValueError, "n_max_segments"),
        ({"dimension": 0}, ValueError, "dimension"),
    ],
)
def test_cold_start_refuses_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        Zooming.cold_start(**kwargs)


# -- draws -------------------------------------------------------------------------------------


def test_draws_have_one_value_and_one_candidate_per_sample_and_segment_inside_it():
    model = fed(Zooming.cold_start(dimension=2), lambda q: np.where(q[:, 1] < 0.5, 0.1, 0.9), 2000, seed=0)
    assert len(model.segments) > 1
    values, quantities = model.draw(500, np.random.default_rng(1))
    assert values.shape == (500, len(model.segments)) and quantities.shape == (500, len(model.segments), 2)
    low, high = np.array([s.low for s in model.segments]), np.array([s.high for s in model.segments])
    assert np.all((quantities >= low) & (quantities < high))
    assert np.all(model.segment_index(quantities.reshape(-1, 2)).reshape(500, -1) == np.arange(len(model.segments)))
    # each value is drawn from its segment's posterior: the better segments draw higher on average
    assert np.corrcoef(values.mean(axis=0), model.means)[0, 1] > 0.9


def test_forbidden_boxes_are_never_offered():
    model = fed(Zooming.cold_start(dimension=2), lambda q: np.where(q[:, 0] < 0.5, 0.1, 0.9), 2000, seed=0)
    forbidden = [([0.0, 0.0], [0.5, 0.5]), ([0.4, 0.2], [0.9, 0.7]), ([0.5, 0.5], [1.0, 1.0])]
    values, quantities = model.draw(2000, np.random.default_rng(0), forbidden=forbidden)
    assert not np.isnan(values).any()
    allowed = np.isfinite(values)
    for low, high in forbidden:
        inside = np.all((quantities >= low) & (quantities <= high), axis=-1)
        assert not (inside & allowed).any()
    assert allowed.mean() > 0.5  # the allowed part of a segment is found by the redraws


def test_forbidden_boxes_may_be_an_array():
    forbidden = np.array([[[0.0, 0.0], [1.0, 0.5]]])  # one box: the lower half along axis 1
    values, quantities = Zooming.cold_start(dimension=2).draw(50, np.random.default_rng(0), forbidden=forbidden)
    assert np.all((quantities[..., 1] > 0.5) | (values == -np.inf)) and np.isfinite(values).mean() > 0.9


def test_a_segment_inside_forbidden_boxes_is_always_minus_infinity():
    model = fed(Zooming.cold_start(), lambda q: np.where(q[:, 0] < 0.5, 0.1, 0.9), 1000, seed=0)
    index = [j for j, s in enumerate(model.segments) if s.high[0] <= 0.5]
    forbidden = [([0.0], [0.3]), ([0.3], [0.5])]  # together they cover [0, 0.5]
    values, _ = model.draw(300, np.random.default_rng(0), forbidden=forbidden)
    assert index and np.all(values[:, index] == -np.inf) and np.isfinite(np.delete(values, index, axis=1)).all()


@pytest.mark.parametrize(
    ("forbidden", "error", "match"),
    [
        ("[0, 1]", TypeError, "forbidden: expected a list of boxes"),
        ([([0.2], [0.1])], ValueError, "low <= high"),
        ([([0.2, 0.3], [0.4, 0.5])], ValueError, "boxes \\(low, high\\) of 1 numbers"),
        ([([float("nan")], [0.5])], ValueError, "forbidden"),
        ([(0.1,)], ValueError, "forbidden"),
    ],
)
def test_draw_refuses_bad_forbidden_boxes(forbidden, error, match):
    with pytest.raises(error, match=match):
        Zooming.cold_start().draw(3, np.random.default_rng(0), forbidden=forbidden)


def test_draw_refuses_bad_arguments():
    with pytest.raises(ValueError, match="n_samples"):
        Zooming.cold_start().draw(0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        Zooming.cold_start().draw(3, 0)


# -- the split rule ----------------------------------------------------------------------------


def test_segments_split_where_a_step_function_changes():
    model = fed(Zooming.cold_start(), lambda q: np.where(q[:, 0] < 0.3, 0.3, 0.6), 10_000, seed=0)
    positions = cuts(model)
    assert min(abs(c - 0.3) for c in positions) < 1 / 32  # a cut at the step, to a 32nd
    step = next(s for s in model.segments if s.low[0] <= 0.3 < s.high[0])
    assert step.high[0] - step.low[0] <= 1 / 16


def test_a_two_dimensional_step_is_cut_along_its_axis_only():
    model = fed(Zooming.cold_start(dimension=2), lambda q: np.where(q[:, 1] < 0.625, 0.2, 0.7), 8000, seed=3)
    assert all((s.low[0], s.high[0]) == (0.0, 1.0) for s in model.segments)  # slabs: axis 0 is never cut
    assert 0.625 in cuts(model, axis=1) and len(model.segments) <= 5
    assert Zooming.model_validate(model.model_dump()) == model  # still a partition


@pytest.mark.parametrize("family", ["bernoulli", "gaussian"])
def test_a_flat_function_never_splits_over_many_rows(family):
    gaussian = family == "gaussian"
    for seed in range(3):
        start = Zooming.cold_start(family=family, prior={"mu": 5.0, "beta": 4.0} if gaussian else None)
        model = fed(
            start, lambda q: np.full(len(q), 5.0 if gaussian else 0.3), 20_000, seed, 500, 2.0 if gaussian else None
        )
        assert len(model.segments) == 1 and model.n_observations == 20_000


def test_a_bump_in_the_middle_splits_though_its_halves_are_equal():
    model = fed(Zooming.cold_start(), lambda q: np.where(np.abs(q[:, 0] - 0.5) < 0.1, 0.7, 0.2), 3000, seed=0)
    assert 0.5 in cuts(model)


def test_zoom_after_splits_a_flat_function_on_its_schedule():
    model = fed(Zooming.cold_start(zoom_after=1000), lambda q: np.full(len(q), 0.3), 3000, seed=0, batch=100)
    assert [s.low[0] for s in model.segments] == [0.0, 0.5]  # width 1 at 1000 rewards; width 1/2 needs 4000


def test_the_number_of_segments_stays_within_the_bound():
    model = Zooming.cold_start(n_max_segments=3)
    for seed in range(5):  # a staircase: every segment has a reason to split
        model = fed(model, lambda q: np.floor(q[:, 0] * 8) / 8, 2000, seed)
        assert len(model.segments) <= 3
    assert len(model.segments) == 3
    assert len(fed(Zooming.cold_start(n_max_segments=1), lambda q: q[:, 0], 4000, seed=0).segments) == 1


def test_children_take_the_halves_and_start_fresh_contrasts():
    model = Zooming.cold_start(min_samples_to_split=4)
    model = model.updated([[0.1], [0.2], [0.3], [0.6], [0.9], [0.95]], [0, 0, 0, 1, 1, 1])
    assert model.n_observations == 6 and len(model.segments) == 1  # 3 against 3: not enough evidence yet
    segment = model.segments[0]
    assert segment.halves == [Beta(n_failures=4), Beta(n_successes=4)]
    assert segment.middles == [Beta(n_successes=2, n_failures=2)]  # 0.3 and 0.6
    model = model.updated([[0.05]] * 5 + [[0.55]] * 5, [0] * 5 + [1] * 5)
    lower, upper = model.segments
    assert (lower.high, upper.low) == ([0.5], [0.5])
    assert lower.posterior == Beta(n_failures=9) and upper.posterior == Beta(n_successes=9)
    assert lower.halves == upper.halves == [Beta(), Beta()] and lower.middles == [Beta()]


def test_updated_is_deterministic_and_leaves_the_model_unchanged():
    model = Zooming.cold_start()
    q, rewards = np.random.default_rng(0).random((500, 1)), (np.arange(500) % 3 == 0).astype(int)
    assert model.updated(q, rewards) == model.updated(q, rewards)
    assert model == Zooming.cold_start() and model.updated(np.empty((0, 1)), []) is model


def test_soft_rewards_and_one_dimensional_quantities():
    model = Zooming.cold_start().updated([0.2, 0.7], [0.25, 1.0])
    assert model.segments[0].posterior == Beta(n_successes=2.25, n_failures=1.75)
    assert model.n_observations == 2
    rng = np.random.default_rng(0)
    q = rng.random((3000, 1))
    soft = Zooming.cold_start().updated(q, np.clip(np.where(q[:, 0] < 0.5, 0.1, 0.9) + rng.normal(0, 0.1, 3000), 0, 1))
    assert 0.5 in cuts(soft)


def test_log_bayes_factor_weighs_the_difference():
    assert log_bayes_factor(Beta(), Beta(n_successes=30, n_failures=10), Beta(n_successes=10, n_failures=30)) > 5
    assert log_bayes_factor(Beta(), Beta(n_successes=21, n_failures=21), Beta(n_successes=21, n_failures=21)) < -1
    assert log_bayes_factor(Beta(), Beta(n_successes=9), Beta()) == 0.0
    prior = NormalInverseGamma(mu=-100.0, kappa=1.0, alpha=1.0, beta=1.0)
    same = prior.updated(40, 3.0, 40.0)
    assert log_bayes_factor(prior, same, same) < -1 and log_bayes_factor(prior, same, prior) == 0.0
    assert log_bayes_factor(prior, same, prior.updated(40, 4.0, 40.0)) > 5


def test_log_bayes_factor_of_gaussian_groups_is_the_ratio_of_marginal_likelihoods():
    y1, y2 = np.array([0.3, 1.1, 0.7]), np.array([2.0, 1.4, 2.6, 1.9])
    prior = NormalInverseGamma(mu=5.0, kappa=2.0, alpha=1.5, beta=0.8)

    def posterior(y):
        return prior.updated(len(y), y.mean(), ((y - y.mean()) ** 2).sum())

    def log_marginal(groups):  # shared variance, means' prior centred on the pooled mean
        centre, k0 = np.concatenate(groups).mean(), prior.kappa
        alpha = prior.alpha + sum(len(y) for y in groups) / 2
        beta = prior.beta + sum(
            0.5 * ((y - y.mean()) ** 2).sum() + k0 * len(y) * (y.mean() - centre) ** 2 / (2 * (k0 + len(y)))
            for y in groups
        )
        return math.lgamma(alpha) - alpha * math.log(beta) + sum(0.5 * math.log(k0 / (k0 + len(y))) for y in groups)

    expected = log_marginal([y1, y2]) - log_marginal([np.concatenate([y1, y2])])
    assert log_bayes_factor(prior, posterior(y1), posterior(y2)) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("gaussian", [False, True])
def test_the_outer_quarters_posterior_is_the_halves_without_the_middle(gaussian):
    rng = np.random.default_rng(1)
    position = rng.random(60)
    y = rng.normal(3.0, 2.0, 60) if gaussian else (rng.random(60) < 0.4).astype(int)
    prior = NormalInverseGamma(mu=1.0, kappa=2.0, alpha=1.5, beta=2.0) if gaussian else Beta()

    def posterior(mask):
        v = y[mask]
        if gaussian:
            return prior.updated(len(v), v.mean(), ((v - v.mean()) ** 2).sum())
        return prior.updated(int(v.sum()), int(len(v) - v.sum()))

    central = (position >= 0.25) & (position < 0.75)
    outer = _outer(prior, posterior(position < 0.5), posterior(position >= 0.5), posterior(central))
    expected = posterior(~central)
    if gaussian:
        assert outer.n_observations == expected.n_observations
        assert [outer.mu, outer.kappa, outer.alpha, outer.beta] == pytest.approx(
            [expected.mu, expected.kappa, expected.alpha, expected.beta]
        )
    else:
        assert outer == expected


# -- Gaussian rewards --------------------------------------------------------------------------


def test_gaussian_rewards_split_at_a_step_of_the_mean_whatever_the_prior_mean():
    start = Zooming.cold_start(family="gaussian", prior={"mu": 0.0, "beta": 25.0})
    model = fed(start, lambda q: np.where(q[:, 0] < 0.75, 100.0, 103.0), 6000, seed=0, gaussian_sd=5.0)
    assert 0.75 in cuts(model)
    assert all(isinstance(s.posterior, NormalInverseGamma) for s in model.segments)
    values, _ = model.draw(200, np.random.default_rng(0))
    right = [j for j, s in enumerate(model.segments) if s.low[0] >= 0.75]
    assert values[:, right].mean() == pytest.approx(103.0, abs=0.5)
    with pytest.raises(ValueError, match="rewards"):
        model.updated([[0.5]], [1e300])


# -- transfer, state ---------------------------------------------------------------------------


def test_grown_keeps_the_learned_segments_with_the_template_settings():
    learned = fed(Zooming.cold_start(n_max_segments=8), lambda q: np.where(q[:, 0] < 0.5, 0.1, 0.9), 1000, seed=0)
    template = Zooming.cold_start(n_max_segments=32, cost=2.0, split_evidence=100.0, zoom_after=500)
    grown = learned.grown(template, "discount")
    assert grown.segments == learned.segments and grown.prior == learned.prior
    assert (grown.n_max_segments, grown.cost, grown.split_evidence, grown.zoom_after) == (32, 2.0, 100.0, 500)


@pytest.mark.parametrize(
    ("template", "error", "match"),
    [
        (Zooming.cold_start(dimension=2), ValueError, "action 'discount' quantities of dimension 1 .* got dimension 2"),
        (Zooming.cold_start(n_max_segments=1), ValueError, "n_max_segments >= its 2 learned segments"),
        (Beta(), TypeError, "expected a Zooming action .* for action .discount., got Beta$"),
        (Zooming.cold_start(family="gaussian"), TypeError, "for action 'discount', got NormalInverseGamma posteriors"),
    ],
)
def test_grown_refuses_an_incompatible_template(template, error, match):
    learned = fed(Zooming.cold_start(), lambda q: np.where(q[:, 0] < 0.5, 0.1, 0.9), 1000, seed=0)
    assert len(learned.segments) == 2
    with pytest.raises(error, match=match):
        learned.grown(template, "discount")


@pytest.mark.parametrize("family", ["bernoulli", "gaussian"])
def test_json_round_trip(family):
    expected = (lambda q: np.where(q[:, 0] < 0.5, 0.1, 0.9)) if family == "bernoulli" else (lambda q: 3.0 * q[:, 1])
    start = Zooming.cold_start(dimension=2, family=family, cost=0.5, zoom_after=300)
    model = fed(start, expected, 2000, seed=0, gaussian_sd=None if family == "bernoulli" else 1.0)
    assert len(model.segments) > 1
    assert Zooming.model_validate_json(model.model_dump_json()) == model


def test_summary_and_best_segment():
    model = Zooming.cold_start().updated([[0.1], [0.2], [0.7]], [1, 0, 1])
    assert model.summary() == "1 segments, 3 observations: [0, 1] n=3 mean=0.6"
    assert model.best_segment() is model.segments[0]


# -- checks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantities", "rewards", "error", "match"),
    [
        ([[1.5, 0.5]], [1], ValueError, r"quantities: expected numbers in \[0, 1\], shape \(n, 2\), got \[1.5\]"),
        ([[-0.1, 0.5]], [1], ValueError, r"quantities: .* got \[-0.1\]"),
        ([[float("nan"), 0.5]], [1], ValueError, r"quantities: .* got \[nan\]"),
        ([0.5, 0.5], [1, 1], ValueError, r"quantities: expected .* shape \(n, 2\), got shape \(2,\)"),
        (np.zeros((2, 3)), [1, 1], ValueError, r"got shape \(2, 3\)"),
        ("0.5", [1], TypeError, "quantities"),
        ([["a", "b"]], [1], TypeError, "quantities"),
        ([[0.5, 0.5]], [1, 0], ValueError, r"rewards: expected one reward per row of quantities \(1\), got 2"),
        ([[0.5, 0.5]], [2], ValueError, r"rewards: expected 0 or 1 \(or a fraction in \[0, 1\]\), got \[2.0\]"),
        ([[0.5, 0.5]], [float("nan")], ValueError, "rewards: expected finite numbers"),
        ([[0.5, 0.5]], "1", TypeError, "rewards"),
    ],
)
def test_updated_refuses_bad_input(quantities, rewards, error, match):
    model = Zooming.cold_start(dimension=2)
    with pytest.raises(error, match=match):
        model.updated(quantities, rewards)


def test_segments_must_partition_the_box():
    def box(low, high, posterior=None):
        return Segment.fresh(low, high, posterior or Beta(), posterior or Beta())

    with pytest.raises(ValueError, match="total volume 1 and no overlap, got volume 0.5"):
        Zooming(segments=[box([0.0], [0.5])])
    with pytest.raises(ValueError, match=r"segments \(0, 1\) overlapping"):
        Zooming(segments=[box([0.0], [0.6]), box([0.5], [0.9])])
    with pytest.raises(ValueError, match="at most n_max_segments=1 boxes of dimension 1, got 2"):
        Zooming(segments=[box([0.0], [0.5]), box([0.5], [1.0])], n_max_segments=1)
    with pytest.raises(ValueError, match="boxes of dimension 2, got 1 of dimension 1"):
        Zooming(dimension=2, segments=[box([0.0], [1.0])])
    with pytest.raises(ValueError, match="expected posteriors like the prior, Beta"):
        Zooming(segments=[box([0.0], [0.5]), box([0.5], [1.0], NormalInverseGamma())])
    with pytest.raises(ValueError, match=r"0 <= low < high <= 1"):
        box([0.5], [0.5])
    with pytest.raises(ValueError, match=r"expected axis 1 \(the longest side\), got 0"):
        Segment(low=[0.0, 0.0], high=[0.5, 1.0], posterior=Beta(), halves=[Beta()] * 4, middles=[Beta()] * 2, axis=0)
    with pytest.raises(ValueError, match="prior: expected a posterior with no observations"):
        Zooming(segments=[box([0.0], [1.0])], prior=Beta(n_successes=3))
    assert len(Zooming(segments=[box([0.0], [0.5]), box([0.5], [1.0])]).segments) == 2


# -- the target ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_thompson_sampling_finds_a_narrow_peak(seed):
    model, peak, most = play_peak(seed)
    best = model.best_segment()
    assert best.low[0] <= peak <= best.high[0] and best.high[0] - best.low[0] <= 1 / 16
    assert most <= model.n_max_segments
