"""Fitting actions in parallel: in worker processes, or on a cluster through any ``Executor``.

Each action's fit is independent of the others, so ``update(..., executor=...)`` submits one task
per played action to a :class:`concurrent.futures.Executor`. A task carries only plain data (the
action's model, a pydantic object of numpy arrays, and its rows); nothing PyMC crosses a process
boundary. With the same seeds the result equals the sequential one.

Works with :func:`process_pool` (a ``ProcessPoolExecutor`` set up for PyMC), any other
``ProcessPoolExecutor``, and Dask distributed (``Client(...).get_executor()``; install
the ``dask`` extra). A ``ThreadPoolExecutor`` gives the same result too, but brings no speed: a
process holds one compiled engine per network shape, and fits of one shape take turns on it.

PyTensor serialises compilation in one compile directory with a file lock, so workers sharing a
directory wait on each other. A worker process that has not imported PyTensor yet claims one of a
set of numbered compile directories (``~/.pytensor/pybandits-workers/slot-N``) for its lifetime,
held with a lock file; the slots persist, so the next job's workers find their caches warm.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["process_pool"]

_SLOT_HANDLE: Any = None  # the open lock file of this process's compile slot


def _claim_compile_slot() -> None:
    """Give this worker process a compile directory of its own, if PyTensor is not imported yet.

    Only in processes started by ``multiprocessing`` (pool and Dask workers): the user's own
    process keeps PyTensor's default compile directory.
    """
    global _SLOT_HANDLE
    if _SLOT_HANDLE is not None or "pytensor" in sys.modules or multiprocessing.parent_process() is None:
        return  # already done, too late, or not a worker process (the user's own process keeps its setup)
    if "base_compiledir" in os.environ.get("PYTENSOR_FLAGS", ""):
        return  # the user chose a directory
    try:
        import fcntl
    except ImportError:  # not POSIX: share the default directory and its lock
        return
    root = Path(os.environ.get("PYBANDITS_WORKER_COMPILEDIR", Path.home() / ".pytensor" / "pybandits-workers"))
    root.mkdir(parents=True, exist_ok=True)
    for slot in range(256):
        handle = open(root / f"slot-{slot}.lock", "w")  # noqa: SIM115 (held for the process's life)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _SLOT_HANDLE = handle
        flags = os.environ.get("PYTENSOR_FLAGS", "")
        directory = root / f"slot-{slot}"
        os.environ["PYTENSOR_FLAGS"] = (
            f"{flags},base_compiledir={directory}" if flags else f"base_compiledir={directory}"
        )
        return


def fit_action(model: Any, context: np.ndarray, rewards: np.ndarray, seed: int) -> Any:
    """Fit one action's model to its rows; the task a worker runs. Returns the new model."""
    _claim_compile_slot()
    return model.updated(context, rewards, seed)


def fit_actions(
    models: Mapping[str, Any],
    tasks: list[tuple[str, np.ndarray, int]],
    features: np.ndarray,
    observed: np.ndarray,
    executor: Executor | None,
    callback: Callable[[str, int], None] | None,
) -> dict[str, Any]:
    """Fit every ``(action_id, rows, seed)`` task, here or on ``executor``; all succeed or it raises.

    On the first failure the remaining tasks are cancelled and the exception propagates, so the
    caller keeps its old models.
    """
    fitted = {}
    if executor is None:
        for action_id, rows, seed in tasks:
            fitted[action_id] = models[action_id].updated(features[rows], observed[rows], seed)
            if callback is not None:
                callback(action_id, len(rows))
        return fitted
    futures = {
        executor.submit(fit_action, models[action_id], features[rows], observed[rows], seed): (action_id, len(rows))
        for action_id, rows, seed in tasks
    }
    try:
        for future in as_completed(futures):
            action_id, n_rows = futures[future]
            fitted[action_id] = future.result()
            if callback is not None:
                callback(action_id, n_rows)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return fitted


def _start_worker() -> None:
    """Initializer of :func:`process_pool` workers: claim a compile slot and import PyMC up front."""
    _claim_compile_slot()
    import pybandits.model.bnn.fit  # noqa: F401  (imports PyMC and configures PyTensor)


def _ready() -> int:
    return os.getpid()


def process_pool(max_workers: int, start: bool = True) -> ProcessPoolExecutor:
    """A process pool for ``update(..., executor=...)``.

    Workers are started with the ``spawn`` method (a clean interpreter: no forked PyTensor state
    or locks); each claims a compile directory of its own and imports PyMC as it starts.

    Parameters
    ----------
    max_workers : int
        Number of worker processes.
    start : bool, default True
        Start every worker now, so that their start-up (a few seconds, mostly importing PyMC)
        overlaps whatever the caller does next, such as reading the day's data.

    Examples
    --------
    >>> with process_pool(2, start=False) as executor:
    ...     type(executor).__name__
    'ProcessPoolExecutor'
    """
    if not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1:
        raise ValueError(f"max_workers: expected an integer >= 1, got {max_workers!r}")
    pool = ProcessPoolExecutor(
        max_workers=max_workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
    )
    if start:
        for _ in range(max_workers):
            pool.submit(_ready)
    return pool
