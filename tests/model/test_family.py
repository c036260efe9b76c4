"""Reward families: checks, links, likelihoods and statistics against their textbook forms."""

import math

import numpy as np
import pytest

from pybandits.model.family import STANDARDISATION_ROWS, Bernoulli, BinaryCounts, Gaussian, Moments, NoisePrior
from pybandits.model.ops import NUMPY_OPS


def test_bernoulli_likelihood_is_the_log_likelihood_of_fractions():
    z = np.array([-3.0, -0.5, 0.0, 2.0, 30.0])
    y = np.array([0.0, 0.25, 1.0, 0.6, 1.0])
    p = 1.0 / (1.0 + np.exp(-z))
    textbook = y * np.log(p) + (1.0 - y) * np.log1p(-p)
    np.testing.assert_allclose(Bernoulli().log_likelihood(NUMPY_OPS, z, y, {}), textbook, rtol=1e-12, atol=1e-14)
    # numerically safe where the textbook form is not
    assert np.isfinite(Bernoulli().log_likelihood(NUMPY_OPS, np.array([800.0]), np.array([0.0]), {})).all()


def test_gaussian_likelihood_is_the_normal_log_density_in_standardised_units():
    family = Gaussian(reward_loc=10.0, reward_scale=4.0)
    rewards = np.array([6.0, 10.0, 19.0])
    outputs = np.array([0.5, -0.2, 1.0])
    log_sd = np.array([math.log(0.7)])
    y = (rewards - 10.0) / 4.0
    textbook = -0.5 * ((y - outputs) / 0.7) ** 2 - math.log(0.7) - 0.5 * math.log(2 * math.pi)
    got = family.log_likelihood(NUMPY_OPS, outputs, family.fitting_rewards(rewards), {"log_noise_sd": log_sd})
    np.testing.assert_allclose(got, textbook, rtol=1e-12)
    np.testing.assert_allclose(family.expected_reward(outputs), 10.0 + 4.0 * outputs)


def test_bernoulli_rewards_keep_integers_and_accept_fractions():
    assert Bernoulli().check_rewards([1, 0, True], 3).dtype == np.int8
    assert Bernoulli().check_rewards([1, 0.5], 2).dtype == np.float64


@pytest.mark.parametrize(
    ("family", "rewards", "error", "match"),
    [
        (Bernoulli(), [1, 2], ValueError, r"rewards: expected 0 or 1 \(or a fraction in \[0, 1\]\), got \[2.0\]"),
        (Bernoulli(), [1, -0.1], ValueError, "rewards: expected 0 or 1"),
        (Bernoulli(), [1, float("nan")], ValueError, "rewards: expected finite numbers, got \\[nan\\]"),
        (Gaussian(), [1.0, float("inf")], ValueError, "rewards: expected finite numbers"),
        (Gaussian(), [1.0, 1e9], ValueError, "rewards: expected a real number of magnitude <= 1e\\+06"),
        (Gaussian(), ["1", "2"], TypeError, "rewards: expected real-valued rewards"),
        (Gaussian(), [True, False], TypeError, "rewards: expected real-valued rewards, got values of type bool"),
    ],
)
def test_refused_rewards_are_named(family, rewards, error, match):
    with pytest.raises(error, match=match):
        family.check_rewards(rewards, len(rewards))


def test_integers_are_fine_for_gaussian_rewards():
    assert Gaussian().check_rewards([1, 2, 3], 3).tolist() == [1.0, 2.0, 3.0]


def test_gaussian_standardisation_follows_the_rewards_until_it_has_seen_enough():
    family = Gaussian().fitted_to(np.array([2.0, 4.0, 6.0]))
    assert family.reward_loc == 4.0 and family.reward_scale == pytest.approx(np.std([2.0, 4.0, 6.0]))
    moved = family.fitted_to(np.array([100.0, 200.0]))  # refitted on all five rewards seen
    assert moved.reward_loc == pytest.approx(62.4) and moved.reward_scale == pytest.approx(np.std([2, 4, 6, 100, 200]))
    settled = Gaussian().fitted_to(np.arange(STANDARDISATION_ROWS, dtype=float))
    assert settled.fitted_to(np.array([1e4, 2e4])) is settled
    given = Gaussian(reward_loc=1.0, reward_scale=2.0)
    assert given.fitted_to(np.array([1e4, 2e4])) is given


def test_equal_rewards_or_one_reward_give_their_magnitude_never_a_tiny_scale():
    # a scale too small would blow later rewards up (the scale of one reward was once 1e-3 x it, for good)
    assert Gaussian().fitted_to(np.array([50.0, 50.0])).reward_scale == 50.0
    assert Gaussian().fitted_to(np.array([100.0, 100.001])).reward_scale == pytest.approx(100.0005)
    assert Gaussian().fitted_to(np.array([0.0])).reward_scale == 1.0
    assert Gaussian().fitted_to(np.array([-7.0])).reward_scale == 7.0


def test_an_output_change_maps_old_standardised_outputs_onto_the_same_rewards():
    before = Gaussian().fitted_to(np.array([10.0]))
    after = before.fitted_to(np.array([4.0, 1.0]))
    a, b = after.output_change(before)
    outputs = np.array([-1.5, 0.0, 2.0])
    np.testing.assert_allclose(after.expected_reward(a * outputs + b), before.expected_reward(outputs), rtol=1e-12)
    assert after.output_change(after) is None and before.output_change(Gaussian()) is None


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"reward_loc": 1.0}, "both or neither"),
        ({"reward_loc": 1.0, "reward_scale": 0.0}, "reward_scale"),
        ({"noise_prior": NoisePrior(sigma=1.0), "reward_loc": 0.0, "reward_scale": -1.0}, "reward_scale"),
    ],
)
def test_bad_gaussian_settings_are_refused(settings, match):
    with pytest.raises(ValueError, match=match):
        Gaussian(**settings)


def test_statistics_merge_exactly():
    rng = np.random.default_rng(0)
    rewards = 1e5 + rng.normal(size=1000)
    stats = Moments()
    for chunk in np.array_split(rewards, 7):
        stats = stats.added(chunk)
    assert stats.n_observations == 1000
    assert stats.reward_mean == pytest.approx(rewards.mean(), rel=1e-14)
    assert stats.reward_sd == pytest.approx(rewards.std(ddof=1), rel=1e-9)
    counts = BinaryCounts().added(np.array([1, 0, 1], dtype=np.int8)).added(np.array([0.5, 0.25]))
    assert counts.n_successes == 3.75 and counts.n_failures == 3.25
    assert isinstance(BinaryCounts().added(np.array([1, 1], dtype=np.int8)).n_successes, int)


def test_a_scale_earlier_versions_fixed_from_one_reward_follows_the_rewards_again():
    # the defect's signature: a thousandth of |reward_loc| (or of 1), and no record of what it was fitted on
    frozen = Gaussian.model_validate({"name": "gaussian", "reward_loc": 7.0, "reward_scale": 0.007})
    assert frozen.fitted_on.n_observations == 1
    refitted = frozen.fitted_to(np.array([10.0, 4.0, 13.0]))
    assert refitted.reward_loc == pytest.approx(8.5) and refitted.reward_scale == pytest.approx(np.std([7, 10, 4, 13]))
    kept = Gaussian.model_validate({"name": "gaussian", "reward_loc": 7.0, "reward_scale": 2.0})
    assert kept.fitted_on is None and kept.fitted_to(np.array([100.0])) is kept


def test_equal_rewards_do_not_settle_the_standardisation():
    equal = Gaussian().fitted_to(np.zeros(STANDARDISATION_ROWS + 20))
    assert (equal.reward_loc, equal.reward_scale) == (0.0, 1.0)
    moved = equal.fitted_to(np.array([500.0, 1000.0]))
    assert moved.reward_scale > 50.0  # the spread of the rewards since, not the 1 of the equal ones


def test_a_record_of_rewards_that_disagrees_with_reward_loc_is_refused():
    with pytest.raises(ValueError, match="fitted_on: expected rewards whose mean is reward_loc=1.0"):
        Gaussian(reward_loc=1.0, reward_scale=2.0, fitted_on=Moments(n_observations=3, reward_mean=4.0, m2=1.0))
