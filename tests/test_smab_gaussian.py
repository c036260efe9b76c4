"""Stochastic Gaussian bandits: the Normal-Inverse-Gamma posterior is exact."""

import numpy as np
import pytest

from pybandits.model.nig import NormalInverseGamma
from pybandits.smab import (
    SmabBernoulli,
    SmabGaussian,
    SmabGaussianBAI,
    SmabGaussianCC,
    SmabGaussianMO,
    SmabGaussianMOCC,
)


def closed_form(prior, rewards):
    """The conjugate update written from the joint density's sums (no running means)."""
    mu0, kappa0, alpha0, beta0 = prior
    n, total, squares = len(rewards), rewards.sum(), (rewards**2).sum()
    kappa = kappa0 + n
    mu = (kappa0 * mu0 + total) / kappa
    alpha = alpha0 + n / 2
    beta = beta0 + 0.5 * (squares + kappa0 * mu0**2 - kappa * mu**2)
    return mu, kappa, alpha, beta


def test_the_posterior_is_the_closed_form_after_several_updates():
    rng = np.random.default_rng(0)
    prior = {"mu": 3.0, "kappa": 0.5, "alpha": 2.0, "beta": 4.0}
    mab = SmabGaussian.cold_start(action_ids={"a", "b"}, prior=prior, random_seed=0)
    seen = {"a": [], "b": []}
    for _ in range(4):
        actions = rng.choice(["a", "b"], size=50).tolist()
        rewards = rng.normal(5.0, 2.0, size=50)
        mab.update(actions=actions, rewards=rewards)
        for action, reward in zip(actions, rewards, strict=True):
            seen[action].append(reward)
    for action in ("a", "b"):
        model = mab.actions[action]
        mu, kappa, alpha, beta = closed_form(tuple(prior.values()), np.array(seen[action]))
        assert (model.mu, model.kappa, model.alpha) == pytest.approx((mu, kappa, alpha), rel=1e-12)
        assert model.beta == pytest.approx(beta, rel=1e-9)
        assert model.n_observations == len(seen[action])


def test_thompson_draws_follow_the_marginal_student_t():
    model = NormalInverseGamma(mu=2.0, kappa=3.0, alpha=4.0, beta=5.0)
    rng = np.random.default_rng(1)
    draws = model.sample(200_000, rng)
    # the same distribution drawn hierarchically: variance from the inverse gamma, then the mean
    variance = 1.0 / rng.gamma(4.0, 1.0 / 5.0, size=200_000)
    hierarchical = rng.normal(2.0, np.sqrt(variance / 3.0))
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        assert np.quantile(draws, q) == pytest.approx(np.quantile(hierarchical, q), abs=0.03)
    assert model.mean_scale == pytest.approx(np.sqrt(5.0 / 12.0))


def test_the_best_mean_wins_on_any_scale_and_sign():
    rng = np.random.default_rng(2)
    means = {"low": -1000.0, "mid": -990.0, "high": -985.0}
    mab = SmabGaussian.cold_start(action_ids=set(means), prior={"mu": -990.0, "beta": 100.0}, random_seed=0)
    for _ in range(20):
        actions, _ = mab.predict(n_samples=50)
        mab.update(actions=actions, rewards=[means[a] + rng.normal(0, 5.0) for a in actions])
    actions, sampled = mab.predict(n_samples=200)
    assert actions.count("high") > 150
    assert all(set(row) == set(means) for row in sampled)


def test_variants_predict_and_update():
    cc = SmabGaussianCC.cold_start(action_ids_cost={"a": 1.0, "b": 5.0}, random_seed=0)
    cc.update(actions=["a", "b"], rewards=[10.0, 10.5])
    assert len(cc.predict(n_samples=3)[0]) == 3
    bai = SmabGaussianBAI.cold_start(action_ids={"a", "b"}, random_seed=0)
    bai.update(actions=["a"], rewards=[1])
    mo = SmabGaussianMO.cold_start(action_ids={"a", "b"}, n_objectives=2, random_seed=0)
    mo.update(actions=["a", "b"], rewards=[[1.0, 2.0], [3.0, -4.0]])
    _, sampled = mo.predict(n_samples=2)
    assert len(sampled[0]["a"]) == 2
    assert mo.actions["b"].mu == [1.5, -2.0]
    mocc = SmabGaussianMOCC.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, n_objectives=2, random_seed=0)
    mocc.update(actions=["a"], rewards=[[0.5, 0.5]])
    assert mocc.actions["a"].n_observations == [1, 1]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: SmabGaussian.cold_start(action_ids={"a"}, prior={"kappa": 0.0}), ValueError, "prior: kappa"),
        (lambda: SmabGaussian.cold_start(action_ids={"a"}, prior={"sigma": 1.0}), ValueError, "prior: expected keys"),
        (lambda: SmabGaussian.cold_start(action_ids={"a"}, prior=[1.0]), TypeError, "prior: expected a mapping"),
        (
            lambda: SmabBernoulli.cold_start(action_ids={"a"}, prior={"mu": 1.0}),
            TypeError,
            "prior: SmabBernoulli has Bernoulli rewards, whose Beta prior takes no settings",
        ),
    ],
)
def test_bad_cold_start_settings_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_refused_rewards_change_nothing():
    mab = SmabGaussian.cold_start(action_ids={"a", "b"}, random_seed=0)
    before = mab.get_state()
    for rewards in ([1.0, float("nan")], [1.0, float("inf")], ["x", "y"], [1.0]):
        with pytest.raises((ValueError, TypeError), match="rewards"):
            mab.update(actions=["a", "b"], rewards=rewards)
    assert mab.get_state() == before


def test_state_round_trips():
    mab = SmabGaussianMO.cold_start(action_ids={"a", "b"}, n_objectives=2, random_seed=3)
    mab.update(actions=["a"], rewards=[[0.1, 0.2]])
    restored = SmabGaussianMO.from_state(mab.get_state()[1])
    assert restored == mab
    assert restored.predict(n_samples=4) == mab.predict(n_samples=4)
