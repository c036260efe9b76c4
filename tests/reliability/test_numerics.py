"""Numerical robustness: extreme or degenerate data gives finite posteriors and predictions, and a warning."""

import warnings

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli
from pybandits.exceptions import DataWarning
from pybandits.smab import SmabBernoulli

RNG = np.random.default_rng(0)
CONTEXT = RNG.normal(size=(100, 3))
REWARDS = RNG.integers(0, 2, 100)


def fit(context, rewards, hidden=()):
    mab = CmabBernoulli.cold_start(
        action_ids={"a"},
        n_features=context.shape[1],
        hidden_dim_list=list(hidden),
        update_kwargs={"num_steps": 100},
        random_seed=0,
    )
    mab.update(["a"] * len(rewards), rewards, context)
    network = mab.actions["a"].network
    for layer in network.layers:
        for tensor in (layer.weight, layer.bias):
            assert np.all(np.isfinite(tensor.mu)) and np.all(np.isfinite(tensor.sigma)) and np.all(tensor.sigma > 0)
    _, probs, sums = mab.predict(context=context[:20])
    assert all(
        np.isfinite(p["a"]) and 0 <= p["a"] <= 1 and np.isfinite(z["a"]) for p, z in zip(probs, sums, strict=True)
    )
    return mab


@pytest.mark.parametrize("scale", [1e6, 1e-12])
def test_extreme_magnitudes_warn_and_stay_finite(scale):
    with pytest.warns(DataWarning, match="far from unit scale"):
        fit(CONTEXT * scale, REWARDS)


def test_constant_columns_warn_and_stay_finite():
    context = CONTEXT.copy()
    context[:, 1] = 4.0
    with pytest.warns(DataWarning, match=r"features \[1\] are constant"):
        fit(context, REWARDS)


@pytest.mark.parametrize("reward", [0, 1])
def test_all_equal_rewards(reward):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # nothing wrong with the features
        mab = fit(CONTEXT, np.full(100, reward))
    mean = np.mean([p["a"] for p in mab.predict(context=CONTEXT)[1]])
    assert (mean > 0.8) if reward else (mean < 0.2)


def test_one_row_batches():
    fit(CONTEXT[:1], REWARDS[:1])


def test_deep_and_wide_networks():
    fit(CONTEXT, REWARDS, hidden=(16, 16, 16))


def test_thousands_of_stochastic_actions():
    mab = SmabBernoulli.cold_start(action_ids={f"a{i}" for i in range(5000)}, random_seed=0)
    actions, probs = mab.predict(n_samples=10)
    mab.update(actions=actions, rewards=[1] * 10)
    assert len(probs[0]) == 5000 and sum(m.n_observations for m in mab.actions.values()) == 10
