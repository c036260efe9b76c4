"""Forgetting (``decay_factor``): exact for the conjugate models, per row, toward the prior, on every kind."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli, CmabGaussian
from pybandits.model.backbone.buffer import ReplayBuffer
from pybandits.model.backbone.heads import LinearHead
from pybandits.model.beta import Beta
from pybandits.model.forgetting import mean_field_forgotten, row_weights
from pybandits.model.nig import NormalInverseGamma
from pybandits.model.priors import LocationScale
from pybandits.smab import SmabBernoulli, SmabBernoulliCC, SmabBernoulliMO, SmabGaussian, SmabGaussianMO
from pybandits.transfer import edit_model_on_the_fly

GAMMA = 0.95
PRIOR = {"mu": 1.0, "kappa": 2.0, "alpha": 2.0, "beta": 3.0}


def _rows(cls, n, rng):
    actions = rng.choice(["a", "b"], size=n).tolist()
    if cls in (SmabGaussian, SmabGaussianMO):
        rewards = rng.normal(2.0, 1.5, size=(n, 2) if cls is SmabGaussianMO else n)
    else:
        rewards = (rng.random((n, 2) if cls is SmabBernoulliMO else n) < 0.6).astype(int)
    return actions, rewards.tolist()


def _cold(cls, **kwargs):
    extra = {"prior": PRIOR} if cls in (SmabGaussian, SmabGaussianMO) else {}
    if cls in (SmabBernoulliMO, SmabGaussianMO):
        extra["n_objectives"] = 2
    if cls is SmabBernoulliCC:
        return cls.cold_start(action_ids_cost={"a": 1.0, "b": 2.0, "c": 0.5}, random_seed=0, **kwargs)
    return cls.cold_start(action_ids=["a", "b", "c"], random_seed=0, **extra, **kwargs)


def _params(mab):
    return json.loads(mab.get_state()[1])["bandit"]["actions"]


def _close(one, two):
    if isinstance(one, dict):
        assert one.keys() == two.keys()
        for key in one:
            _close(one[key], two[key])
    elif isinstance(one, list):
        for x, y in zip(one, two, strict=True):
            _close(x, y)
    elif isinstance(one, float | int) and one is not None:
        assert one == pytest.approx(two, rel=1e-9, abs=1e-12)
    else:
        assert one == two


@pytest.mark.parametrize("cls", [SmabBernoulli, SmabBernoulliCC, SmabBernoulliMO, SmabGaussian, SmabGaussianMO])
def test_one_update_of_n_rows_equals_n_updates_of_one_row(cls):
    rng = np.random.default_rng(1)
    actions, rewards = _rows(cls, 60, rng)
    batched, one_by_one = _cold(cls, decay_factor=GAMMA), _cold(cls, decay_factor=GAMMA)
    batched.update(actions[:20], rewards[:20])
    batched.update(actions[20:], rewards[20:])
    for action, reward in zip(actions, rewards, strict=True):
        one_by_one.update([action], [reward])
    _close(_params(batched), _params(one_by_one))


def test_beta_counts_follow_the_per_row_rule():
    rewards = [1, 0, 1, 1, 0, 1]
    mab = SmabBernoulli.cold_start(action_ids=["a", "b"], decay_factor=0.9)
    mab.update(["a"] * 3, [1, 1, 0])
    mab.update(["a", "b", "a"], rewards[3:])
    weights = 0.9 ** np.arange(5, -1, -1)
    played_a = np.array([1, 1, 1, 1, 0, 1], bool)
    outcome = np.array([1, 1, 0, 1, 0, 1])
    expected_s = 1 + (weights * outcome * played_a).sum()
    expected_f = 1 + (weights * (1 - outcome) * played_a).sum()
    assert mab.actions["a"].n_successes == pytest.approx(expected_s, rel=1e-12)
    assert mab.actions["a"].n_failures == pytest.approx(expected_f, rel=1e-12)
    # b was played once, at row 4 (weight 0.9): 0 reward
    assert mab.actions["b"].n_failures == pytest.approx(1 + 0.9, rel=1e-12)


def test_normal_inverse_gamma_forgetting_is_the_weighted_likelihood_posterior():
    """Brute force in natural parameters: prior + sum_i w_i T(y_i), T(y) = (1, y, 1/2, y^2)."""
    rng = np.random.default_rng(2)
    y = rng.normal(3.0, 2.0, size=40)
    mab = SmabGaussian.cold_start(action_ids=["a"], decay_factor=GAMMA, prior=PRIOR)
    mab.update(["a"] * 15, y[:15].tolist())
    mab.update(["a"] * 25, y[15:].tolist())
    w = row_weights(GAMMA, 40)
    m0, k0, a0, b0 = PRIOR["mu"], PRIOR["kappa"], PRIOR["alpha"], PRIOR["beta"]
    kappa = k0 + w.sum()
    mu = (k0 * m0 + (w * y).sum()) / kappa
    alpha = a0 + 0.5 * w.sum()
    beta = b0 + 0.5 * (k0 * m0**2 + (w * y * y).sum() - kappa * mu**2)
    model = mab.actions["a"]
    assert (model.kappa, model.mu, model.alpha, model.beta) == pytest.approx((kappa, mu, alpha, beta), rel=1e-9)


def test_an_action_never_played_again_returns_to_its_prior():
    mab = SmabGaussian.cold_start(action_ids=["a", "b"], decay_factor=0.9, prior=PRIOR)
    rng = np.random.default_rng(3)
    mab.update(["a"] * 50, rng.normal(8.0, 0.5, size=50).tolist())
    prior = NormalInverseGamma(**PRIOR)
    scales = []
    for _ in range(30):
        mab.update(["b"] * 5, rng.normal(size=5).tolist())
        scales.append(mab.actions["a"].mean_scale)
    model = mab.actions["a"]
    assert model.mu == pytest.approx(prior.mu, abs=1e-4)
    assert (model.kappa, model.alpha, model.beta) == pytest.approx((prior.kappa, prior.alpha, prior.beta), rel=1e-4)
    # the mean's scale may pass the prior's for a while (the spread term of a learned mean far from the
    # prior's), then returns to it monotonically: never an ever wider belief
    peak = int(np.argmax(scales))
    assert np.all(np.diff(scales[peak:]) <= 0) and scales[-1] == pytest.approx(prior.mean_scale, rel=1e-4)
    bernoulli = SmabBernoulli.cold_start(action_ids=["a", "b"], decay_factor=0.9)
    bernoulli.update(["a"] * 40, [1] * 40)
    for _ in range(40):
        bernoulli.update(["b"] * 5, [0] * 5)
    assert bernoulli.actions["a"].n_successes == pytest.approx(1.0, abs=1e-6)
    assert bernoulli.actions["a"].n_failures == 1


def test_beta_forgotten_many_stays_between_posterior_and_prior():
    model = Beta(n_successes=30, n_failures=5)
    for weight in (0.0, 0.3, 1.0):
        (new,) = Beta.forgotten_many([model], Beta(), weight)
        assert 1 <= new.n_successes <= 30 and 1 <= new.n_failures <= 5
        assert new.n_successes == pytest.approx(1 + weight * 29)


def test_mean_field_forgetting_mixes_precisions_and_never_widens_past_the_prior():
    mu, sigma = np.array([2.0, -1.0]), np.array([0.1, 0.5])
    for weight in (0.0, 0.5, 0.99):
        new_mu, new_sigma = mean_field_forgotten(mu, sigma, 0.0, 1.0, weight)
        tau = weight / sigma**2 + (1 - weight) / 1.0
        np.testing.assert_allclose(new_sigma, tau**-0.5)
        np.testing.assert_allclose(new_mu, weight * mu / sigma**2 / tau)
        assert np.all(new_sigma <= 1.0 + 1e-12) and np.all(new_sigma >= sigma - 1e-12)
    dist = LocationScale(mu=[[0.5]], sigma=[[1.0]], nu=[[5.0]])
    assert dist.forgotten(LocationScale(mu=[0.5], sigma=[1.0]), 0.3).nu == dist.nu  # at the prior: stays there


def test_a_network_never_played_again_returns_to_its_prior():
    mab = CmabBernoulli.cold_start(
        action_ids=["a", "b"], n_features=2, update_kwargs={"num_steps": 30}, decay_factor=0.98, random_seed=0
    )
    rng = np.random.default_rng(4)
    context = rng.normal(size=(100, 2))
    mab.update(["a"] * 100, (context[:, 0] > 0).astype(int).tolist(), context)
    learned = mab.actions["a"].network.layers[0].weight
    assert np.all(learned.sigma < 0.6)
    for _ in range(3):
        mab.update(["b"] * 100, [1] * 100, context)
    weight = mab.actions["a"].network.layers[0].weight
    kept = 0.98**300
    expected_mu, expected_sigma = mean_field_forgotten(learned.mu, learned.sigma, 0.0, 1.0, kept)
    np.testing.assert_allclose(weight.mu, expected_mu, rtol=1e-9)
    np.testing.assert_allclose(weight.sigma, expected_sigma, rtol=1e-9)
    assert np.all(weight.sigma > learned.sigma) and np.all(weight.sigma <= 1.0)
    assert np.all(np.abs(weight.mu) < np.abs(learned.mu))


def test_row_weights_reach_the_network_fit():
    """Rows weighted down count less: a fit where the old rows weigh ~0 follows the recent ones."""
    rng = np.random.default_rng(5)
    context = rng.normal(size=(300, 1))
    rewards = np.r_[(context[:150, 0] > 0), (context[150:, 0] < 0)].astype(int)
    slopes = {}
    for decay in (None, 0.97):
        mab = CmabBernoulli.cold_start(
            action_ids=["a"], n_features=1, update_kwargs={"num_steps": 200}, decay_factor=decay, random_seed=0
        )
        mab.update(["a"] * 300, rewards.tolist(), context)
        slopes[decay] = float(mab.actions["a"].network.layers[0].weight.mu[0, 0])
    assert slopes[0.97] < -1.0 < 0.5 < abs(slopes[0.97]) and abs(slopes[None]) < abs(slopes[0.97])


def test_weighted_linear_head_equals_duplicated_rows():
    rng = np.random.default_rng(6)
    features, rewards = rng.normal(size=(20, 3)), rng.normal(size=20)
    for family in ("gaussian", "bernoulli"):
        head = LinearHead.cold_start(3, family=_family(family))
        targets = rewards if family == "gaussian" else (rewards > 0).astype(float)
        weighted = head.posterior(features, targets, weights=np.full(20, 2.0))
        doubled = head.posterior(np.r_[features, features], np.r_[targets, targets])
        np.testing.assert_allclose(weighted.mean, doubled.mean, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(weighted.scale_factor, doubled.scale_factor, rtol=1e-7, atol=1e-9)


def _family(name):
    from pybandits.model.family import Bernoulli, Gaussian

    return Gaussian(reward_loc=0.0, reward_scale=1.0) if name == "gaussian" else Bernoulli()


def test_priority_buffer_prefers_recent_rows_and_its_weights_are_unbiased():
    gamma, capacity, n_rows = 0.99, 60, 600
    values = np.sin(np.arange(n_rows) / 37.0) + 2.0
    exact = (gamma ** np.arange(n_rows - 1, -1, -1) * values).sum()
    estimates, ages = [], []
    for seed in range(300):
        rng = np.random.default_rng(seed)
        buffer = ReplayBuffer.empty(n_features=1, capacity=capacity)
        for start in range(0, n_rows, 50):
            rows = np.arange(start, start + 50, dtype=float)[:, None]
            buffer = buffer.added(rows, ["a"] * 50, values[start : start + 50], rng, gamma)
        seen = buffer.context[:, 0].astype(int)
        estimates.append((buffer.row_weights(gamma) * values[seen]).sum())
        ages.append(np.mean(n_rows - 1 - seen))
    standard_error = np.std(estimates) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - exact) < 4 * standard_error
    assert np.mean(ages) < 0.5 * (n_rows / 2)  # a uniform sample's mean age is ~300 rows


def test_trunk_under_forgetting_round_trips_and_weighs_its_buffer():
    mab = CmabGaussian.cold_start(
        action_ids=["a", "b"],
        n_features=2,
        backbone_hidden_dim_list=[3],
        backbone_kwargs={"num_steps": 5, "buffer_size": 30},
        decay_factor=0.9,
        random_seed=0,
    )
    rng = np.random.default_rng(7)
    for _ in range(3):
        mab.update(rng.choice(["a", "b"], size=20).tolist(), rng.normal(size=20).tolist(), rng.normal(size=(20, 2)))
    buffer = mab.backbone.buffer
    assert len(buffer) == 30 and buffer.n_seen == 60 and buffer.threshold is not None
    assert buffer.seen_at.mean() > 40  # priorities at gamma 0.9 keep recent rows (a uniform sample: about 30)
    assert type(mab).from_state(mab.get_state()[1]) == mab


@pytest.mark.parametrize("value", [0.0, -0.1, 1.5, float("nan"), float("inf"), True, "0.9"])
@pytest.mark.parametrize("cls", [SmabBernoulli, CmabBernoulli])
def test_a_bad_decay_factor_is_refused_by_name(cls, value):
    extra = {"n_features": 2} if cls is CmabBernoulli else {}
    with pytest.raises((TypeError, ValueError), match="decay_factor"):
        cls.cold_start(action_ids=["a", "b"], decay_factor=value, **extra)


def test_state_without_forgetting_is_unchanged_and_with_it_round_trips():
    plain = SmabBernoulli.cold_start(action_ids=["a"])
    assert "decay_factor" not in plain.get_state()[1] and "prior" not in plain.get_state()[1]
    forgetting = SmabGaussian.cold_start(action_ids=["a"], decay_factor=0.99, prior=PRIOR, random_seed=0)
    forgetting.update(["a"] * 3, [1.0, 2.0, 3.0])
    again = SmabGaussian.from_state(forgetting.get_state()[1])
    assert again == forgetting and again.decay_factor == 0.99 and again.prior == PRIOR
    with pytest.raises(ValueError, match="decay_factor"):
        SmabBernoulli.from_state(plain.get_state()[1].replace('"strategy"', '"decay_factor": 2.0, "strategy"'))


def test_transfer_takes_the_template_decay_factor_and_keeps_what_was_learned():
    current = SmabBernoulli.cold_start(action_ids=["a", "b"])
    current.update(["a"] * 10, [1] * 10)
    evolved = edit_model_on_the_fly(current, SmabBernoulli.cold_start(action_ids=["a", "b"], decay_factor=0.9))
    assert evolved.decay_factor == 0.9 and evolved.actions["a"].n_successes == 11
    evolved.update(["b"], [0])
    assert evolved.actions["a"].n_successes == pytest.approx(1 + 0.9 * 10)


def _every_class():
    from pybandits import cmab, smab

    names = [n for n in dir(smab) + dir(cmab) if n.startswith(("Smab", "Cmab")) and n[4].isupper()]
    modules = {**{n: smab for n in dir(smab)}, **{n: cmab for n in dir(cmab)}}
    return sorted({getattr(modules[n], n) for n in names if isinstance(getattr(modules[n], n), type)}, key=str)


@pytest.mark.parametrize("cls", _every_class(), ids=lambda c: c.__name__)
def test_every_bandit_class_takes_the_drift_settings(cls):
    args = {"action_ids_cost": {"a": 1.0, "b": 2.0}} if cls.__name__.endswith("CC") else {"action_ids": ["a", "b"]}
    if "MO" in cls.__name__:
        args["n_objectives"] = 2
    if cls.__name__.startswith("Cmab"):
        args["n_features"] = 2
    if "DP" in cls.__name__:
        args["action_ids_price"] = {"a": 1.0, "b": 2.0}
    mab = cls.cold_start(**args, decay_factor=0.9, change_detection={"memory_size": 10})
    assert mab.decay_factor == 0.9 and mab.change_detection.memory_size == 10
    assert type(mab).from_state(mab.get_state()[1]) == mab
    if cls.__name__.startswith("Smab"):
        rewards = [[1, 0]] * 20 if "MO" in cls.__name__ else [1] * 20
        mab.update(["a"] * 20, rewards)
        mab.update(["b"] * 30, [[0, 1]] * 30 if "MO" in cls.__name__ else [0] * 30)
        model = mab.actions["a"]
        name = "kappa" if "Gaussian" in cls.__name__ else "n_successes"  # both: 1 + the rows' weights
        value = getattr(model, name)[0] if "MO" in cls.__name__ else getattr(model, name)
        assert value == pytest.approx(1 + 0.9**30 * sum(0.9**k for k in range(20)))


def test_a_quantitative_action_forgets_toward_its_prior():
    mab = SmabBernoulli.cold_start(quantitative_action_ids=["q"], decay_factor=0.9, random_seed=0)
    mab.update([("q", [0.2])] * 40, [1] * 40)
    learned = mab.actions["q"].n_observations
    mab.update([("q", [0.7])], [0])
    segments = mab.actions["q"].segments
    assert sum(s.posterior.n_observations for s in segments) < learned * 0.9 + 1 + 1e-9
    assert all(s.posterior.n_successes >= 1 for s in segments)
