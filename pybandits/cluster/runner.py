"""Running a list of Dask tasks: on a ``distributed`` cluster, or in this process one partition at a time.

With a :class:`distributed.Client` (given, or the one a notebook already made current), the tasks
are submitted at once and run where their partitions are read; a worker that dies is replaced and
its tasks rerun by Dask (they are pure functions of their inputs: the result is the same). Without
one, the same graph runs in this process on Dask's synchronous scheduler.

A failed task cancels the others and raises one error that names the task (its partition, or its
actions); nothing the caller holds has changed. :meth:`Runner.reduce` merges the tasks' results where
they were computed, in a tree of merges fixed by the number of tasks: only the merged result reaches
the client, and it is the same, bit for bit, on a cluster and in this process. The bar
(:mod:`pybandits.boundary.progress`: rich in a terminal, an HTML bar in a notebook) counts finished
tasks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
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
        #: Seconds spent per stage (the ``what`` of :meth:`run`), summed over its runs.
        self.timings: dict[str, float] = {}

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
        start = time.perf_counter()
        try:
            return self._run(tasks, labels, what, wrap_as, alone)
        finally:
            self.timings[what] = self.timings.get(what, 0.0) + time.perf_counter() - start

    def _run(self, tasks: Sequence[Any], labels: Sequence[str], what: str, wrap_as: type, alone: bool) -> list[Any]:
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

    def reduce(
        self,
        tasks: Sequence[Any],
        labels: Sequence[str],
        merge: Callable[[Any, Any], Any],
        what: str,
        wrap_as: type = DataError,
    ) -> Any:
        """The tasks' results merged by ``merge`` (associative), left to right; only the merged result returns.

        On a cluster the merges run on the workers as results arrive; in this process the tasks run
        one at a time and each result is merged as soon as it is computed, so that at most one result
        per level of the tree is held (an intermediate task that several tasks share is computed for
        each of them). The tree depends on the number of tasks only (:func:`_merge_tree`), so the
        result is the same wherever the tasks ran. Errors are those of :meth:`run`, naming the
        failed task's label.
        """
        if self.client is None:
            import dask

            stack: list[tuple[int, Any]] = []
            with progress_bar(len(tasks), what, self.progressbar) as bar:
                for task, label in zip(tasks, labels, strict=True):
                    try:
                        result = dask.compute(task, scheduler="synchronous")[0]
                    except Exception as error:
                        raise _wrapped(error, label, wrap_as) from error
                    _push(stack, result, merge)
                    bar.advance()
            return _fold(stack, merge)
        from distributed import as_completed

        futures = self.client.compute(list(tasks))
        merges: list[Any] = []

        def submitted(left: Any, right: Any) -> Any:
            merges.append(self.client.submit(merge, left, right, pure=False))
            return merges[-1]

        index = {future.key: k for k, future in enumerate(futures)}
        try:
            root = _merge_tree(futures, submitted)
            with progress_bar(len(futures), what, self.progressbar) as bar:
                for future in as_completed(futures):
                    if future.status == "error":
                        error = future.exception()
                        raise _wrapped(error, labels[index[future.key]], wrap_as) from error
                    bar.advance()
            return root.result()
        finally:
            for future in [*futures, *merges]:
                future.release()

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


def _push(stack: list[tuple[int, Any]], item: Any, merge: Callable[[Any, Any], Any]) -> None:
    """Add ``item`` to a binary counter of merged runs: two runs of the same size merge, left then right."""
    size = 1
    while stack and stack[-1][0] == size:
        _, left = stack.pop()
        item, size = merge(left, item), 2 * size
    stack.append((size, item))


def _fold(stack: list[tuple[int, Any]], merge: Callable[[Any, Any], Any]) -> Any:
    """The runs left by :func:`_push`, merged from the right (the smallest) to the left."""
    if not stack:
        raise ValueError("expected at least one task to merge, got none")
    _, item = stack.pop()
    while stack:
        item = merge(stack.pop()[1], item)
    return item


def _merge_tree(items: Sequence[Any], merge: Callable[[Any, Any], Any]) -> Any:
    """``items`` merged left to right in the tree :func:`_push` and :func:`_fold` make: one per number of items.

    Examples
    --------
    >>> _merge_tree(["a", "b", "c", "d", "e"], lambda left, right: f"({left}{right})")
    '(((ab)(cd))e)'
    """
    stack: list[tuple[int, Any]] = []
    for item in items:
        _push(stack, item, merge)
    return _fold(stack, merge)


def _wrapped(error: BaseException, label: str, wrap_as: type) -> BaseException:
    """``error`` as ``wrap_as`` naming ``label``, unless it names it already (a check that knows its partition)."""
    if isinstance(error, (DataError, FitError)) and label in str(error):
        return type(error)(str(error))
    if wrap_as is FitError or isinstance(error, FitError):
        return FitError(f"{label}: {type(error).__name__}: {error}")
    if isinstance(error, (ValueError, TypeError, KeyError, OSError)):
        return DataError(f"{label}: {error}")
    return error
