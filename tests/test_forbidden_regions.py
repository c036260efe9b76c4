"""Forbidden regions of a quantity: drawn around exactly, never refused while some quantity is allowed.

A prediction with regions forbidden plays a quantity of the allowed part (the quantity space minus
the regions), uniform on it for a stochastic bandit's segments, and is refused only when the
regions leave nothing, before anything is drawn. The statistical checks use fixed seeds and
thresholds (p > 0.001) that a sampler drawing from the wrong distribution fails.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pybandits.cmab import CmabBernoulli
from pybandits.model.zooming import Zooming
from pybandits.smab import SmabBernoulli, SmabBernoulliDP, SmabGaussian


def _smab(seed: int = 0, dimension: int = 1, **kwargs) -> SmabBernoulli:
    return SmabBernoulli.cold_start(
        action_ids=["a"], quantitative_action_ids={"dose": dimension}, random_seed=seed, **kwargs
    )


def _cmab(seed: int = 0, dimension: int = 1, **kwargs) -> CmabBernoulli:
    return CmabBernoulli.cold_start(
        action_ids=["a"],
        quantitative_action_ids={"dose": dimension},
        n_features=2,
        hidden_dim_list=[4],
        random_seed=seed,
        **kwargs,
    )


def _quantities(choices) -> np.ndarray:
    return np.array([choice.quantity for choice in choices if choice.action_id == "dose"], dtype=float)


def _inside(points: np.ndarray, boxes) -> np.ndarray:
    return np.any([np.all((points >= low) & (points <= high), axis=1) for low, high in boxes], axis=0)


# -- stochastic bandits ------------------------------------------------------------------------


def test_a_forbidden_part_of_the_range_is_never_refused_whatever_the_seed():
    """[0, 0.7] forbidden: 10 redraws used to miss the allowed 30% in about 3% of the draws, and refuse."""
    forbidden = {"a": None, "dose": [([0.0], [0.7])]}
    played = []
    for seed in range(300):
        choices, _ = _smab(seed).predict(n_samples=5, forbidden_actions=forbidden)
        played.append(_quantities(choices))
    played = np.concatenate(played)
    assert len(played) == 1500 and np.all(played > 0.7) and np.all(played <= 1.0)


def test_the_quantities_played_are_uniform_on_the_allowed_part():
    choices, _ = _smab(1).predict(n_samples=4000, forbidden_actions={"a": None, "dose": [([0.0], [0.7])]})
    played = _quantities(choices)[:, 0]
    assert np.all(played > 0.7)
    assert stats.kstest(played, stats.uniform(loc=0.7, scale=0.3).cdf).pvalue > 1e-3


def test_two_dimensional_quantities_are_uniform_on_a_box_minus_a_box():
    """The square minus its lower-left quarter: an L of three quarters, each a third of the draws, uniform in it."""
    boxes = [([0.0, 0.0], [0.5, 0.5])]
    choices, _ = _smab(2, dimension=2).predict(n_samples=6000, forbidden_actions={"a": None, "dose": boxes})
    played = _quantities(choices)
    assert len(played) == 6000 and not _inside(played, boxes).any()
    quarter = (played[:, 0] > 0.5).astype(int) + 2 * (played[:, 1] > 0.5)
    counts = np.bincount(quarter, minlength=4)
    assert counts[0] == 0 and stats.chisquare(counts[1:]).pvalue > 1e-3
    for axis in range(2):  # within the upper-right quarter, each coordinate is uniform on (0.5, 1]
        upper = played[quarter == 3, axis]
        assert stats.kstest(upper, stats.uniform(loc=0.5, scale=0.5).cdf).pvalue > 1e-3


def test_each_segment_draws_uniformly_on_its_own_allowed_part():
    """Segments [0, 0.5) and [0.5, 1] with [0.2, 0.6] forbidden: candidates uniform on [0, 0.2) and (0.6, 1]."""
    model = Zooming.cold_start(min_samples_to_split=4, split_evidence=2.0)
    q = np.linspace(0.0, 1.0, 200)[:, None]
    model = model.updated(q, (q[:, 0] >= 0.5).astype(int))
    assert [(s.low, s.high) for s in model.segments] == [([0.0], [0.5]), ([0.5], [1.0])]
    values, candidates = model.draw(3000, np.random.default_rng(0), forbidden=[([0.2], [0.6])])
    assert np.isfinite(values).all()
    lower, upper = candidates[:, 0, 0], candidates[:, 1, 0]
    assert np.all((lower >= 0.0) & (lower < 0.2)) and np.all((upper > 0.6) & (upper <= 1.0))
    assert stats.kstest(lower, stats.uniform(loc=0.0, scale=0.2).cdf).pvalue > 1e-3
    assert stats.kstest(upper, stats.uniform(loc=0.6, scale=0.4).cdf).pvalue > 1e-3


def test_a_narrow_gap_between_regions_is_played_not_refused():
    boxes = [([0.0], [0.5]), ([0.5000001], [1.0])]
    choices, _ = _smab(3).predict(n_samples=50, forbidden_actions={"a": None, "dose": boxes})
    played = _quantities(choices)[:, 0]
    assert np.all((played > 0.5) & (played < 0.5000001))


@pytest.mark.parametrize(
    "boxes",
    [
        [([0.0], [1.0])],
        [([0.0], [0.3]), ([0.3], [1.0])],  # two boxes that meet
        [([0.0], [0.5]), ([float(np.nextafter(0.5, 1.0))], [1.0])],  # no float between them
    ],
    ids=["one box", "two boxes", "no float left"],
)
@pytest.mark.parametrize("call", ["predict", "action_probabilities"])
def test_regions_that_leave_nothing_are_refused_before_any_draw(boxes, call):
    mab = _smab(0)
    before = mab.get_state()
    kwargs = {"n_samples": 3} if call == "predict" else {"n_draws": 10}
    with pytest.raises(ValueError, match=r"forbidden_actions: expected regions of 'dose' that leave some quantity"):
        getattr(mab, call)(forbidden_actions={"dose": boxes}, **kwargs)
    assert mab.get_state() == before


def test_without_regions_the_draws_are_unchanged():
    """No region, or an empty list of regions: the draws a bandit made before regions were exact."""
    one, two = _smab(5), _smab(5)
    assert one.predict(n_samples=20) == two.predict(n_samples=20, forbidden_actions={"dose": []})


def test_a_gaussian_bandit_draws_in_the_allowed_part_too():
    mab = SmabGaussian.cold_start(quantitative_action_ids={"level": 1}, random_seed=0)
    choices, _ = mab.predict(n_samples=500, forbidden_actions={"level": [([0.1], [0.95])]})
    played = np.array([choice.quantity[0] for choice in choices])
    assert np.all((played < 0.1) | (played > 0.95))
    assert abs(np.mean(played < 0.1) - 0.1 / 0.15) < 0.1  # by length: 2 / 3 of the draws below 0.1


def test_a_price_function_never_sees_a_forbidden_quantity():
    """Segments that the region covers are not played, and their candidates are allowed quantities too."""
    seen = []

    def price(quantities):
        seen.append(quantities.copy())
        return 1.0 + quantities[:, 0]

    mab = SmabBernoulliDP.cold_start(
        action_ids=["a"],
        quantitative_action_ids=["dose"],
        action_ids_price={"a": 1.0, "dose": price},
        quantitative_kwargs={"zoom_after": 1},
        random_seed=0,
    )
    q = np.linspace(0.0, 1.0, 400)
    for rows in np.array_split(np.arange(400), 20):  # a segment splits at most once per update
        mab.update(["dose"] * len(rows), (q[rows] > 0.5).astype(int).tolist(), q[rows, None].tolist())
    segments = mab.actions["dose"].segments
    assert sum(s.high[0] <= 0.3 for s in segments) >= 2  # segments inside the region exist
    seen.clear()
    choices, _ = mab.predict(n_samples=200, forbidden_actions={"dose": [([0.0], [0.3])]})
    assert np.all(np.concatenate(seen) > 0.3)
    assert all(c.quantity[0] > 0.3 for c in choices if c.action_id == "dose")


def test_a_zooming_model_whose_segments_are_all_covered_gives_minus_infinity():
    values, _ = Zooming.cold_start().draw(5, np.random.default_rng(0), forbidden=[([0.0], [1.0])])
    assert np.all(values == -np.inf)


# -- contextual bandits ------------------------------------------------------------------------


def test_a_contextual_gap_between_grid_points_is_played_not_refused():
    """The 32-point grid has no point in (0.5, 0.51): the candidates are spread over the allowed part instead."""
    boxes = [([0.0], [0.5]), ([0.51], [1.0])]
    mab = _cmab()
    before = mab.get_state()
    choices, _, _ = mab.predict(np.zeros((40, 2)), forbidden_actions={"a": None, "dose": boxes})
    played = _quantities(choices)[:, 0]
    assert len(played) == 40 and np.all((played > 0.5) & (played < 0.51))
    assert mab.get_state() != before  # it drew


def test_contextual_two_dimensional_regions_are_never_refused_whatever_the_seed():
    """92% of the square forbidden: 32 uniform candidates used to miss the allowed part in about 7% of the calls."""
    boxes = [([0.0, 0.0], [0.92, 1.0])]
    for seed in range(60):
        choices, _, _ = _cmab(seed, dimension=2).predict(np.zeros((3, 2)), forbidden_actions={"a": None, "dose": boxes})
        played = _quantities(choices)
        assert len(played) == 3 and np.all(played[:, 0] > 0.92)


def test_contextual_regions_that_leave_nothing_are_refused_before_any_draw():
    mab = _cmab()
    before = mab.get_state()
    for call in ("predict", "predict_arrays", "action_probabilities"):
        with pytest.raises(ValueError, match="forbidden_actions: expected regions of 'dose' that leave some quantity"):
            getattr(mab, call)(np.zeros((2, 2)), forbidden_actions={"dose": [([0.0], [1.0])]})
        assert mab.get_state() == before


# -- a function of the quantity (networks) ------------------------------------------------------


def _simplex(q: np.ndarray) -> float:
    """The original's kind of constraint: the first two coordinates may sum to at most 1."""
    return float(q[0] + q[1] - 1.0)


@pytest.mark.parametrize("call", ["predict", "action_probabilities"])
def test_a_function_forbids_quantities_of_a_network(call):
    mab = _cmab(dimension=2, epsilon=0.5)  # exploration too plays an allowed quantity
    context = np.random.default_rng(0).normal(size=(200, 2))
    if call == "action_probabilities":
        _, probabilities = mab.action_probabilities(context[:5], n_draws=50, forbidden_actions={"dose": _simplex})
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
        return
    choices, _, _ = mab.predict(context, forbidden_actions={"dose": _simplex})
    played = _quantities(choices)
    assert len(played) > 20 and (played.sum(axis=1) <= 1.0).all()
    # the allowed triangle is covered, not a corner of it: its points are spread over both coordinates
    assert played[:, 0].max() > 0.5 and played[:, 1].max() > 0.5


def test_a_one_dimensional_function_keeps_the_allowed_grid_points():
    mab = _cmab()
    choices, _, _ = mab.predict(np.zeros((50, 2)), forbidden_actions={"dose": lambda q: float(q[0] - 0.3)})
    played = _quantities(choices)
    assert len(played) and (played <= 0.3).all()


@pytest.mark.parametrize(
    ("make", "forbidden", "error", "match"),
    [
        (_cmab, {"dose": lambda q: 1.0}, ValueError, "allows some quantity .* forbid the whole action"),
        (_cmab, {"dose": lambda q: "high"}, ValueError, "give a finite number for a quantity"),
        (_cmab, {"dose": lambda q: float("nan")}, ValueError, "give a finite number"),
        (_smab, {"dose": _simplex}, TypeError, "a function forbids quantities of an action whose model is a network"),
    ],
)
def test_a_function_that_cannot_be_used_is_refused_before_any_draw(make, forbidden, error, match, monkeypatch):
    def drew(*args, **kwargs):
        raise AssertionError("a candidate was drawn before the refusal")

    monkeypatch.setattr("pybandits.kinds.per_action.constrained_candidates", drew)
    monkeypatch.setattr("pybandits.kinds.per_action.candidates", drew)
    mab = make()
    state = mab._rng.bit_generator.state
    arguments = {"context": np.zeros((3, 2))} if make is _cmab else {"n_samples": 3}
    with pytest.raises(error, match=match):
        mab.predict(**arguments, forbidden_actions=forbidden)
    assert mab._rng.bit_generator.state == state


def test_several_functions_forbid_what_any_of_them_forbids():
    mab = _cmab()
    forbidden = {"dose": [lambda q: float(q[0] - 0.5), lambda q: float(0.2 - q[0])]}  # allowed: [0.2, 0.5]
    choices, _, _ = mab.predict(np.zeros((60, 2)), forbidden_actions=forbidden)
    played = _quantities(choices)
    assert len(played) and (played >= 0.2).all() and (played <= 0.5).all()


def test_a_narrow_allowed_interval_between_grid_points_is_played_not_refused():
    mab = _cmab()  # 32 grid points are 1/31 apart; the allowed interval is 0.002 wide
    choices, _, _ = mab.predict(np.zeros((40, 2)), forbidden_actions={"dose": lambda q: abs(q[0] - 0.1234) - 0.001})
    played = _quantities(choices)
    assert len(played) and (np.abs(played - 0.1234) <= 0.001).all()
