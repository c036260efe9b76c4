"""Contextual Gaussian bandits: standardisation, noise, settings and wrong calls."""

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli, CmabGaussian, CmabGaussianMO
from pybandits.transfer import edit_model_on_the_fly

FAST = {"num_steps": 200}


def linear_world(n_rows, seed, loc=1000.0, scale=50.0, noise=20.0):
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n_rows, 2))
    mean = loc + scale * (context @ np.array([1.0, -0.5]))
    return context, mean, mean + noise * rng.normal(size=n_rows)


def test_the_first_batch_fits_the_standardisation_and_the_posterior_is_in_reward_units():
    context, mean, rewards = linear_world(600, seed=0)
    mab = CmabGaussian.cold_start(action_ids={"a"}, n_features=2, update_kwargs=FAST, random_seed=0)
    mab.update(actions=["a"] * 600, rewards=rewards, context=context)
    family = mab.family
    assert family.reward_loc == pytest.approx(rewards.mean()) and family.reward_scale == pytest.approx(rewards.std())
    action = mab.actions["a"]
    assert action.n_observations == 600 and action.reward_mean == pytest.approx(rewards.mean())
    predicted = family.expected_reward(action.network.mean_outputs(context))
    assert np.abs(predicted - mean).mean() < 5.0  # against noise of 20 and a spread of 55
    assert family.noise_sd(action.aux) == pytest.approx(20.0, rel=0.15)
    # a second batch keeps the standardisation: the weights are in its units
    context2, _, rewards2 = linear_world(100, seed=1, loc=0.0)
    mab.update(actions=["a"] * 100, rewards=rewards2, context=context2)
    assert mab.family == family


def test_a_given_standardisation_is_kept():
    context, _, rewards = linear_world(50, seed=2)
    mab = CmabGaussian.cold_start(
        action_ids={"a", "b"}, n_features=2, reward_loc=900.0, reward_scale=100.0, update_kwargs={"num_steps": 20}
    )
    mab.update(actions=["a"] * 50, rewards=rewards, context=context)
    assert (mab.family.reward_loc, mab.family.reward_scale) == (900.0, 100.0)
    assert mab.actions["b"].family == mab.actions["a"].family


def test_each_objective_has_its_own_standardisation():
    rng = np.random.default_rng(3)
    context = rng.normal(size=(40, 2))
    mab = CmabGaussianMO.cold_start(
        action_ids={"a", "b"}, n_features=2, n_objectives=2, update_kwargs={"num_steps": 20}
    )
    rewards = np.column_stack([rng.normal(10.0, 1.0, 40), rng.normal(-500.0, 30.0, 40)])
    mab.update(actions=["a", "b"] * 20, rewards=rewards, context=context)
    locs = [family.reward_loc for family in mab.families]
    assert locs == pytest.approx([rewards[:, 0].mean(), rewards[:, 1].mean()])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"reward_scale": 0.0, "reward_loc": 1.0}, ValueError, "reward_scale: expected a number > 0, got 0.0"),
        ({"reward_scale": -2.0, "reward_loc": 1.0}, ValueError, "reward_scale: expected a number > 0"),
        ({"reward_loc": 1.0}, ValueError, "reward_scale: expected it with reward_loc"),
        ({"reward_scale": 1.0}, ValueError, "reward_loc: expected it with reward_scale"),
        ({"noise_prior": {"mu": "x"}}, TypeError, "noise_prior: mu: expected a valid number"),
        ({"reward_loc": "1", "reward_scale": 1.0}, TypeError, "reward_loc: expected a real number"),
        ({"noise_prior": {"mu": 0.0, "sigma": -1.0}}, ValueError, "noise_prior: sigma: expected greater than 0"),
        ({"noise_prior": {"tau": 1.0}}, ValueError, "noise_prior: tau: expected no such setting"),
        ({"noise_prior": 3.0}, TypeError, "noise_prior: expected a mapping"),
    ],
)
def test_bad_gaussian_settings_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        CmabGaussian.cold_start(action_ids={"a"}, n_features=2, **kwargs)


@pytest.mark.parametrize("setting", [{"noise_prior": {"mu": 0.0}}, {"reward_loc": 0.0, "reward_scale": 1.0}])
def test_gaussian_settings_on_a_bernoulli_bandit_are_refused(setting):
    name = next(iter(setting))
    with pytest.raises(TypeError, match=f"{name}: not a setting of Bernoulli rewards, which CmabBernoulli has"):
        CmabBernoulli.cold_start(action_ids={"a"}, n_features=2, **setting)


@pytest.mark.parametrize("rewards", [[1.0, float("nan")], [1.0, float("inf")], [1.0, 1e12], ["a", "b"]])
def test_bad_rewards_change_nothing(rewards):
    mab = CmabGaussian.cold_start(action_ids={"a"}, n_features=2, update_kwargs={"num_steps": 20}, random_seed=0)
    before = mab.get_state()
    with pytest.raises((ValueError, TypeError), match="rewards: expected"):
        mab.update(actions=["a", "a"], rewards=rewards, context=np.zeros((2, 2)))
    assert mab.get_state() == before


def test_integer_rewards_are_fine():
    mab = CmabGaussian.cold_start(action_ids={"a"}, n_features=2, update_kwargs={"num_steps": 20}, random_seed=0)
    mab.update(actions=["a"] * 3, rewards=[1, 2, 4], context=np.eye(3, 2))
    assert mab.actions["a"].reward_mean == pytest.approx(7 / 3)


def test_transfer_keeps_the_standardisation_and_refuses_another():
    context, _, rewards = linear_world(100, seed=4)
    mab = CmabGaussian.cold_start(action_ids={"a"}, n_features=2, update_kwargs={"num_steps": 20})
    mab.update(actions=["a"] * 100, rewards=rewards, context=context)
    evolved = edit_model_on_the_fly(mab, CmabGaussian.cold_start(action_ids={"a", "b"}, n_features=3))
    assert evolved.families == mab.families and evolved.actions["b"].family == mab.family
    other = CmabGaussian.cold_start(action_ids={"a"}, n_features=2, reward_loc=0.0, reward_scale=1.0)
    with pytest.raises(ValueError, match="new_mab: expected no standardisation, or current_mab's"):
        edit_model_on_the_fly(mab, other)


def test_a_multi_objective_bandit_takes_one_standardisation_per_objective():
    mab = CmabGaussianMO.cold_start(
        action_ids={"a", "b"}, n_features=2, n_objectives=2, reward_loc=[10.0, -500.0], reward_scale=[1.0, 30.0]
    )
    assert [(f.reward_loc, f.reward_scale) for f in mab.families] == [(10.0, 1.0), (-500.0, 30.0)]
    same = CmabGaussianMO.cold_start(action_ids={"a"}, n_features=2, n_objectives=2, reward_loc=5.0, reward_scale=2.0)
    assert [(f.reward_loc, f.reward_scale) for f in same.families] == [(5.0, 2.0), (5.0, 2.0)]
    with pytest.raises(ValueError, match=r"reward_loc: expected one value per objective \(2\), got 3"):
        CmabGaussianMO.cold_start(
            action_ids={"a"}, n_features=2, n_objectives=2, reward_loc=[1.0, 2.0, 3.0], reward_scale=[1.0, 1.0]
        )
    with pytest.raises(TypeError, match=r"reward_loc: expected a real number \(one objective\)"):
        CmabGaussian.cold_start(action_ids={"a"}, n_features=2, reward_loc=[1.0], reward_scale=[1.0])
