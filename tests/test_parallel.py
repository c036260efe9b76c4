"""Fan-out: per-action fits on a process pool or a Dask cluster equal the sequential result."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli
from pybandits.engines.executors import process_pool
from pybandits.exceptions import FitError

SETTINGS = {"num_steps": 60, "actions_per_fit": 1}  # one task per action: the executor gets three


@pytest.fixture(scope="module")
def batch(logistic):
    """``batch(n_rows)``: actions a, b, c in turn, rewards and contexts of the logistic world."""

    def make(n_rows=300):
        context, rewards, _ = logistic.sample(n_rows, seed=21)
        actions = np.array(["a", "b", "c"])[np.arange(n_rows) % 3]
        return actions, rewards, context

    return make


def fresh():
    return CmabBernoulli.cold_start(action_ids={"a", "b", "c"}, n_features=3, update_kwargs=SETTINGS, random_seed=8)


@pytest.fixture(scope="module")
def sequential(batch):
    mab = fresh()
    mab.update(*batch())
    return mab


@pytest.fixture(scope="module")
def workers_dir(sequential, worker_compiledirs):
    """Worker compile directories, seeded with what ``sequential`` compiled in this process."""
    return worker_compiledirs()


def test_process_pool_equals_sequential(sequential, workers_dir, batch):
    mab = fresh()
    seen = []
    with process_pool(2) as executor:
        mab.update(*batch(), executor=executor, callback=lambda action_id, n_rows: seen.append((action_id, n_rows)))
    assert mab == sequential
    assert sorted(seen) == [("a", 100), ("b", 100), ("c", 100)]
    slots = sorted(p.name for p in workers_dir.iterdir() if p.is_dir())
    assert slots and all(name.startswith("slot-") for name in slots)  # each worker compiled in its own slot
    assert (workers_dir / "slot-0.lock").exists()  # claimed by a worker (the copies above are not claims)


def test_dask_executor_equals_sequential(sequential, batch):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=2, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        mab = fresh()
        mab.update(*batch(), executor=client.get_executor())
    assert mab == sequential


def test_a_failing_task_leaves_the_bandit_unchanged(monkeypatch, batch):
    mab = fresh()
    before = mab.get_state()

    def explode(models, contexts, rewards, seeds, weights=None, n_slots=None):
        raise FitError("injected in a worker")

    from pybandits.engines import fit as batching

    monkeypatch.setattr(batching, "fit_group", explode)
    with ThreadPoolExecutor(2) as executor, pytest.raises(FitError, match="injected in a worker"):
        mab.update(*batch(), executor=executor)
    assert mab.get_state() == before


def test_executor_must_be_an_executor(batch):
    mab = fresh()
    with pytest.raises(TypeError, match="executor: expected a concurrent.futures.Executor or None"):
        mab.update(*batch(30), executor=4)
    with pytest.raises(TypeError, match="callback: expected a callable or None"):
        mab.update(*batch(30), callback="print")
    with pytest.raises(ValueError, match="max_workers: expected an integer >= 1, got 0"):
        process_pool(0)
