"""Shared test helpers."""

import os
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import settings

import pybandits

# In CI, property tests use a fixed sequence of examples so that a run is reproducible; locally they
# explore new examples each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The suite builds more fitting engines (shapes x families x slot counts) than the default cache keeps (32): with
# the default, an engine dropped by one test file is built again by a later one. Keep them all for the session;
# the tests of the bound itself set their own size and put this one back.
pybandits.set_engine_cache_size(256)


# Scripts that wrote the recorded data are not tests (they run against other versions of pybandits).
collect_ignore_glob = ["data/*"]


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", help="also run the soak versions of the fault loops")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--long"):
        return
    skip = pytest.mark.skip(reason="soak version of a fault loop; run with --long")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


@dataclass(frozen=True)
class LogisticWorld:
    """A logistic world: ``P(reward = 1 | x) = sigmoid(x @ weights + bias)``.

    Tests get it from the ``logistic`` fixture (tests never import this module: under
    ``--import-mode=importlib`` it is not importable); ``dataclasses.replace`` gives variants.
    """

    weights: np.ndarray
    bias: float

    def probability(self, context: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(context @ self.weights + self.bias)))

    def sample(self, n_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Contexts and 0/1 rewards of ``n_rows`` rows, and their true probabilities."""
        rng = np.random.default_rng(seed)
        context = rng.normal(size=(n_rows, len(self.weights)))
        probability = self.probability(context)
        rewards = (rng.random(n_rows) < probability).astype(int)
        return context, rewards, probability


@pytest.fixture(scope="session")
def logistic() -> LogisticWorld:
    """The shared logistic world of the contextual tests: weights (1, -1, 0.5), bias 0.2."""
    return LogisticWorld(weights=np.array([1.0, -1.0, 0.5]), bias=0.2)


@pytest.fixture(scope="module")
def worker_compiledirs(tmp_path_factory):
    """``worker_compiledirs()``: worker compile directories for a module's tests (set before any worker starts).

    Call it once this process has compiled what the workers will need: the two slots the workers
    claim start with a copy of that code (C modules with PyMC 5, Numba's cache with PyMC 6), so a
    worker loads it from its own slot instead of compiling it again (minutes on a busy two-core
    machine), and compiles there whatever is missing.
    """
    import shutil
    from pathlib import Path

    made: list[Path] = []
    flags = os.environ.get("PYTENSOR_FLAGS")

    def make() -> Path:
        import pytensor

        folder = tmp_path_factory.mktemp("worker-compiledirs")
        compiled = Path(pytensor.config.compiledir)  # this process's, from the user's flags
        numba_cache = Path(pytensor.config.base_compiledir) / "numba"
        for slot in range(2):
            target = folder / f"slot-{slot}" / compiled.name
            shutil.copytree(compiled, target, ignore=shutil.ignore_patterns("lock_dir"))
            if numba_cache.is_dir():
                shutil.copytree(numba_cache, folder / f"slot-{slot}" / "numba")
        if flags is not None:  # a base_compiledir chosen by the user would (rightly) switch the slots off
            kept = ",".join(f for f in flags.split(",") if not f.strip().startswith("base_compiledir"))
            os.environ["PYTENSOR_FLAGS"] = kept
        os.environ["PYBANDITS_WORKER_COMPILEDIR"] = str(folder)
        made.append(folder)
        return folder

    yield make
    if made:
        os.environ.pop("PYBANDITS_WORKER_COMPILEDIR", None)
        if flags is not None:
            os.environ["PYTENSOR_FLAGS"] = flags
