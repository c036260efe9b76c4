"""action_probabilities: the probability that a bandit plays each action, as its own selection does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from pybandits.cmab import CmabBernoulli, CmabBernoulliCC, CmabGaussianMO
from pybandits.smab import SmabBernoulli, SmabBernoulliMOCC, SmabGaussian


def test_stochastic_probabilities_match_the_beta_integral():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=0)
    mab.update(actions=["a"] * 10 + ["b"] * 10, rewards=[1] * 6 + [0] * 4 + [1] * 4 + [0] * 6)
    a, b = stats.beta(7, 5), stats.beta(5, 7)
    exact = integrate.quad(lambda x: a.pdf(x) * b.cdf(x), 0, 1)[0]  # P(draw of a > draw of b)
    ids, p = mab.action_probabilities(n_draws=40_000)
    assert ids == ["a", "b"] and p.shape == (1, 2)
    assert p.sum() == pytest.approx(1.0)
    assert abs(p[0, 0] - exact) < 4 * np.sqrt(exact * (1 - exact) / 40_000)


def test_epsilon_and_the_default_action_are_mixed_in_exactly():
    explore_all = SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, epsilon=1.0, random_seed=0)
    np.testing.assert_array_equal(explore_all.action_probabilities(n_draws=10)[1], [[1 / 3, 1 / 3, 1 / 3]])
    to_default = SmabBernoulli.cold_start(action_ids={"a", "b", "c"}, epsilon=1.0, default_action="c", random_seed=0)
    np.testing.assert_array_equal(to_default.action_probabilities(n_draws=10)[1], [[0.0, 0.0, 1.0]])
    # a forbidden default action is not explored: exploration is uniform over the allowed ones
    _, p = to_default.action_probabilities(n_draws=10, forbidden_actions=["c"])
    np.testing.assert_array_equal(p, [[0.5, 0.5, 0.0]])


def test_forbidden_actions_get_zero_and_rows_sum_to_one():
    mab = CmabBernoulli.cold_start(action_ids={"a", "b", "c"}, n_features=2, epsilon=0.1, random_seed=0)
    ids, p = mab.action_probabilities(
        np.random.default_rng(0).normal(size=(7, 2)), n_draws=300, forbidden_actions={"b"}
    )
    assert ids == ["a", "b", "c"] and p.shape == (7, 3)
    np.testing.assert_array_equal(p[:, 1], 0.0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_contextual_probabilities_agree_with_the_frequencies_of_predict():
    mab = CmabBernoulli.cold_start(
        action_ids={"a", "b", "c"}, n_features=2, update_kwargs={"num_steps": 100}, random_seed=0
    )
    rng = np.random.default_rng(1)
    context = rng.normal(size=(300, 2))
    rewards = (context[:, 0] > 0).astype(int)
    mab.update(rng.choice(["a", "b", "c"], 300).tolist(), rewards, context)
    rows = np.array([[1.5, 0.0], [-1.5, 0.0], [0.0, 0.0]])
    _, p = mab.action_probabilities(rows, n_draws=20_000)
    n = 20_000
    _, chosen, _ = mab.predict_arrays(np.repeat(rows, n, axis=0))
    frequencies = np.stack([np.bincount(chosen[i * n : (i + 1) * n], minlength=3) / n for i in range(3)])
    np.testing.assert_allclose(p, frequencies, atol=4 * np.sqrt(0.25 / n) * np.sqrt(2))
    assert np.ptp(p[:, 0]) > 0.05  # the rows really differ: the check can fail


def test_blocks_of_rows_give_the_same_shape_and_sums(monkeypatch):
    import pybandits.bandits.contextual as contextual

    monkeypatch.setattr(contextual, "_TILED_ROWS", 50)  # blocks of one row at 50 draws
    mab = CmabGaussianMO.cold_start(action_ids={"a", "b"}, n_features=2, n_objectives=2, random_seed=0)
    _, p = mab.action_probabilities(np.zeros((5, 2)), n_draws=50)
    assert p.shape == (5, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "mab",
    [
        SmabBernoulliMOCC.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, n_objectives=2, random_seed=0),
        SmabGaussian.cold_start(action_ids={"a", "b"}, random_seed=0),
    ],
)
def test_every_stochastic_strategy_gives_probabilities(mab):
    _, p = mab.action_probabilities(n_draws=200)
    assert p.shape == (1, 2) and p.sum() == pytest.approx(1.0) and (p >= 0).all()


def test_categorical_values_never_seen_get_probabilities_and_nothing_else_changes():
    mab = CmabBernoulliCC.cold_start(
        action_ids_cost={"a": 1.0, "b": 0.5},
        n_features=2,
        feature_names=["x", "country"],
        categorical_features={"country": 4},
        random_seed=0,
    )
    frame = pd.DataFrame({"x": [0.0, 1.0], "country": ["FR", "never seen"]})
    before = mab.model_dump()
    _, p = mab.action_probabilities(frame, n_draws=100)
    assert p.shape == (2, 2) and mab.model_dump() == before and mab.vocabularies == {}


def test_bad_arguments_are_refused():
    smab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    with pytest.raises(TypeError, match="context: a stochastic bandit takes no context"):
        smab.action_probabilities(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="n_draws"):
        smab.action_probabilities(n_draws=0)
    cmab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2)
    with pytest.raises(ValueError, match="context: expected 2 features"):
        cmab.action_probabilities(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="forbidden"):
        cmab.action_probabilities(np.zeros((2, 2)), forbidden_actions={"a", "b"})
