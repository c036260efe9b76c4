"""Shared test helpers."""

import numpy as np
import pytest

TRUE_WEIGHTS = np.array([1.0, -1.0, 0.5])
TRUE_BIAS = 0.2


def logistic_data(n_rows: int, seed: int, weights: np.ndarray = TRUE_WEIGHTS, bias: float = TRUE_BIAS):
    """Contexts and 0/1 rewards of a logistic world, and the true probabilities."""
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n_rows, len(weights)))
    probability = 1.0 / (1.0 + np.exp(-(context @ weights + bias)))
    rewards = (rng.random(n_rows) < probability).astype(int)
    return context, rewards, probability


@pytest.fixture
def logistic():
    return logistic_data
