"""Shared test helpers."""

import os

import numpy as np
import pytest
from hypothesis import settings

# In CI, property tests use a fixed sequence of examples so that a run is reproducible; locally they
# explore new examples each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", help="also run the soak versions of the fault loops")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--long"):
        return
    skip = pytest.mark.skip(reason="soak version of a fault loop; run with --long")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


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
