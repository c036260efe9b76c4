"""Fitting actions in parallel: in worker processes, or on a cluster through any ``Executor``.

An update fits its played actions in groups (:func:`~pybandits.engines.plan.plan_fits`: up to
``actions_per_fit`` networks of one shape in one batched ADVI graph, one network per NUTS fit).
The groups are independent, so ``update(..., executor=...)`` submits one task per group to a
:class:`concurrent.futures.Executor`: fewer, bigger tasks than one per action. A task carries only
plain data (the actions' models, pydantic objects of numpy arrays, and their rows); nothing PyMC
crosses a process boundary. The groups do not depend on the executor, so with the same seeds the
result equals the sequential one. To spread an update of few actions over more workers, lower
``actions_per_fit`` (for example to 1: one task per action).

Works with :func:`process_pool` (a ``ProcessPoolExecutor`` set up for PyMC), any other
``ProcessPoolExecutor``, Dask distributed (``Client(...).get_executor()``, workers with one or
more threads; install the ``dask`` extra), and a ``ThreadPoolExecutor``. Threads give the
sequential result too, but little speed: a process holds one compiled engine per network shape
and group size, and fits on one engine take turns (a lock per engine).

PyTensor serialises compilation in one compile directory with a file lock, so workers sharing a
directory wait on each other: a worker process claims a compile directory of its own before it
imports PyTensor (:func:`~pybandits.engines.backend.claim_compile_slot`).

This module imports no PyMC: the bandits import it, and a worker imports PyMC when it starts
(:func:`process_pool`) or runs its first fit.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from pybandits.engines.backend import claim_compile_slot
from pybandits.engines.fit import run_group
from pybandits.engines.plan import FitGroup, assemble, plan_fits

__all__ = ["fit_actions", "fit_group_task", "process_pool"]


def fit_group_task(group: FitGroup) -> list[Any]:
    """Fit one group of networks; the task a worker runs. Returns the new models.

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> models = {"a": Bnn.cold_start(n_features=2, update_kwargs={"num_steps": 20})}
    >>> (group,) = plan_fits(models, [("a", np.arange(3), 1)], np.zeros((3, 2)), np.ones(3))
    >>> fit_group_task(group)[0].n_successes
    4
    """
    claim_compile_slot()
    return run_group(group)


def fit_actions(
    models: Mapping[str, Any],
    tasks: list[tuple[str, np.ndarray, int]],
    features: np.ndarray,
    observed: np.ndarray,
    executor: Executor | None,
    callback: Callable[[str, int], None] | None,
    weights: np.ndarray | None = None,
) -> dict[str, Any]:
    """Fit every ``(action_id, rows, seed)`` task, here or on ``executor``; all succeed or it raises.

    ``weights``: every row's likelihood weight (forgetting, :mod:`pybandits.model.forgetting`).

    The networks are fitted in the groups of :func:`~pybandits.engines.plan.plan_fits` (one
    task per group). ``callback(action_id, n_rows)`` runs once an action's every network is
    fitted. On the first failure the remaining tasks are cancelled and the exception propagates,
    so the caller keeps its old models.

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> models = {a: Bnn.cold_start(n_features=2, update_kwargs={"num_steps": 20}) for a in "ab"}
    >>> tasks = [("a", np.arange(3), 1), ("b", np.arange(3, 5), 2)]
    >>> fitted = fit_actions(models, tasks, np.zeros((5, 2)), np.ones(5), None, print)
    a 3
    b 2
    >>> fitted["a"].n_successes, fitted["b"].n_successes
    (4, 3)
    """
    groups = plan_fits(models, tasks, features, observed, weights)
    n_rows = {action_id: len(rows) for action_id, rows, _ in tasks}
    pending = {action_id: 0 for action_id in n_rows}
    for group in groups:
        for action_id, _ in group.members:
            pending[action_id] += 1
    fitted: list[list[Any] | None] = [None] * len(groups)

    def done(index: int, models_of_group: list[Any]) -> None:
        fitted[index] = models_of_group
        for action_id, _ in groups[index].members:
            pending[action_id] -= 1
            if pending[action_id] == 0 and callback is not None:
                callback(action_id, n_rows[action_id])

    if executor is None:
        for index, group in enumerate(groups):
            done(index, run_group(group))
        return assemble(models, groups, fitted)  # type: ignore[arg-type]
    futures = {executor.submit(fit_group_task, group): index for index, group in enumerate(groups)}
    try:
        for future in as_completed(futures):
            done(futures[future], future.result())
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return assemble(models, groups, fitted)  # type: ignore[arg-type]


def _start_worker() -> None:
    """Initializer of :func:`process_pool` workers: claim a compile slot and import PyMC up front."""
    claim_compile_slot()
    import pybandits.engines.advi  # noqa: F401  (imports PyMC and configures PyTensor)


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
