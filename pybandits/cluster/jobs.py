"""What the command line needs to run on Dask: a scheduler from ``--scheduler``, and whether ``--data`` is a dataset.

``--scheduler ADDRESS`` connects to a running scheduler (``tcp://host:8786``); ``--scheduler
local:N`` starts a :class:`distributed.LocalCluster` of ``N`` worker processes of one thread each
for the command's duration. Without ``--scheduler``, a dataset (a folder, a glob or a URL) is read
partition by partition in the command's own process.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

__all__ = ["evaluate_job", "is_dataset", "predict_job", "scheduler_client", "update_job"]

#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT = 10


def is_dataset(path: str) -> bool:
    """Whether ``--data`` names a dataset rather than one local file: a folder, a glob or a URL.

    Examples
    --------
    >>> is_dataset("logs.csv"), is_dataset("logs/*.parquet"), is_dataset("s3://bucket/logs/")
    (False, True, True)
    """
    return "://" in path or any(c in path for c in "*?[") or os.path.isdir(path)


@contextlib.contextmanager
def scheduler_client(scheduler: str | None, option: str = "--scheduler") -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (None: yields None); a ``ValueError`` names what is wrong."""
    if scheduler is None:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError(f"{option}: running on Dask needs the 'dask' extra: pip install \"pybandits[dask]\"") from None
    if scheduler.startswith("local:"):
        count = scheduler.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"{option}: expected local:N with N an integer >= 1, got {scheduler!r}")
        with (
            LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True, dashboard_address=None) as local,
            Client(local) as client,
        ):
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        raise ValueError(
            f"{option}: expected the address of a running Dask scheduler (tcp://host:8786) or local:N, could not "
            f"reach {scheduler!r} in {CONNECT_TIMEOUT} s: {error}"
        ) from None
    with client:
        yield client


def update_job(mab: Any, data: str, scheduler: str | None, progressbar: bool) -> Any:
    """``pybandits update`` on a dataset or a scheduler: the :class:`~pybandits.cluster.updates.UpdateReport`.

    A scheduler that cannot be reached is a ``ValueError`` starting with ``--scheduler:``; data
    errors are :class:`~pybandits.boundary.tabular.DataError` naming the partition and row.
    """
    from pybandits.cluster import update

    with scheduler_client(scheduler) as client:
        return update(mab, data, client=False if client is None else client, progressbar=progressbar)


def predict_job(mab: Any, data: str, out: str, scheduler: str | None, propensity: bool, n_draws: int) -> None:
    """``pybandits predict`` on a dataset or a scheduler: predictions written to the CSV file ``out``.

    The workers write the partitions one after another into a temporary file beside ``out``, which
    then replaces ``out`` in one rename: an interrupted job leaves ``out`` as it was.
    """
    import tempfile

    from pybandits.cluster import predict

    with scheduler_client(scheduler) as client:
        frame = predict(mab, data, propensity=propensity, n_draws=n_draws, client=False if client is None else client)
        folder = os.path.dirname(os.path.abspath(out))
        handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(out)}.", suffix=".tmp", dir=folder)
        os.close(handle)
        try:
            if client is None:
                frame.to_csv(temporary, single_file=True, index=False, compute_kwargs={"scheduler": "synchronous"})
            else:
                frame.to_csv(temporary, single_file=True, index=False)
            os.replace(temporary, out)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


def evaluate_job(mab: Any, data: str, scheduler: str | None, settings: dict[str, Any], progressbar: bool) -> Any:
    """``pybandits evaluate`` on a dataset or a scheduler: the report of :func:`pybandits.cluster.evaluate`."""
    from pybandits.cluster import evaluate

    with scheduler_client(scheduler) as client:
        return evaluate(mab, data, **settings, client=False if client is None else client, progressbar=progressbar)
