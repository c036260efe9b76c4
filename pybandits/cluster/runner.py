"""Running a list of Dask tasks: on a ``distributed`` cluster, or in this process one partition at a time.

With a :class:`distributed.Client` (given, or the one a notebook already made current), the tasks
are submitted at once and run where their partitions are read; a worker that dies is replaced and
its tasks rerun by Dask (they are pure functions of their inputs: the result is the same). Without
one, the same graph runs in this process on Dask's synchronous scheduler.

A failed task cancels the others and raises one error that names the task (its partition, or its
actions); nothing the caller holds has changed. The bar (:mod:`pybandits.boundary.progress`: rich in
a terminal, an HTML bar in a notebook) counts finished tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pybandits.boundary.progress import progress_bar
from pybandits.boundary.tabular import DataError
from pybandits.exceptions import FitError

__all__ = ["Runner", "current_client"]


def current_client() -> Any:
    """The ``distributed`` client this process made current (a notebook's ``Client()``), or None."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:  # no client
        return None


class Runner:
    """Where a cluster operation's tasks run, and how their progress is shown.

    Parameters
    ----------
    client : distributed.Client or None
        The cluster; None runs in this process (Dask's synchronous scheduler).
    progressbar : bool
        Show a bar over the tasks.
    """

    def __init__(self, client: Any, progressbar: bool) -> None:
        self.client = client
        self.progressbar = progressbar

    @property
    def where(self) -> str:
        """The words for where the tasks run, for reports."""
        if self.client is None:
            return "this process (Dask's synchronous scheduler)"
        workers = self.client.scheduler_info().get("workers", {})
        return f"the cluster at {self.client.scheduler.address} ({len(workers)} workers)"

    def memory(self) -> int:
        """Bytes the tasks may hold at once: the workers' memory limits summed (this machine's, in this process)."""
        from pybandits.boundary.validation import memory_limit

        if self.client is None:
            return memory_limit()
        workers = self.client.scheduler_info().get("workers", {}).values()
        limits = [worker.get("memory_limit") or memory_limit() for worker in workers]
        return int(sum(limits)) if limits else memory_limit()

    def run(
        self, tasks: Sequence[Any], labels: Sequence[str], what: str, wrap_as: type = DataError, alone: bool = True
    ) -> list[Any]:
        """Every task's result, in order; the first failure raises ``wrap_as`` naming its label.

        ``alone``: in this process, compute the tasks one at a time (each partition read, checked
        and dropped in turn); tasks that share inputs (fits sharing a partition's split) are
        computed together instead, and name themselves in their errors.
        """
        if self.client is None:
            return self._here(tasks, labels, what, wrap_as, alone)
        from distributed import as_completed

        futures = self.client.compute(list(tasks))
        index = {future.key: k for k, future in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        try:
            with progress_bar(len(futures), what, self.progressbar) as bar:
                for future in as_completed(futures):
                    k = index[future.key]
                    if future.status == "error":
                        error = future.exception()
                        raise _wrapped(error, labels[k], wrap_as) from error
                    results[k] = future.result()
                    bar.advance()
        finally:
            for future in futures:
                future.release()
        return results

    def _here(self, tasks: Sequence[Any], labels: Sequence[str], what: str, wrap_as: type, alone: bool) -> list[Any]:
        import dask

        with progress_bar(len(tasks), what, self.progressbar) as bar:
            if not alone:
                results = list(dask.compute(*tasks, scheduler="synchronous"))  # shared inputs computed once
                bar.advance(len(tasks))
                return results
            results = []
            for task, label in zip(tasks, labels, strict=True):
                try:
                    results.append(dask.compute(task, scheduler="synchronous")[0])
                except Exception as error:
                    raise _wrapped(error, label, wrap_as) from error
                bar.advance()
        return results


def _wrapped(error: BaseException, label: str, wrap_as: type) -> BaseException:
    """``error`` as ``wrap_as`` naming ``label``, unless it names it already (a check that knows its partition)."""
    if isinstance(error, (DataError, FitError)) and label in str(error):
        return type(error)(str(error))
    if wrap_as is FitError or isinstance(error, FitError):
        return FitError(f"{label}: {type(error).__name__}: {error}")
    if isinstance(error, (ValueError, TypeError, KeyError, OSError)):
        return DataError(f"{label}: {error}")
    return error
