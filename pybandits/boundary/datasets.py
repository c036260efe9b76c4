"""Datasets bigger than one machine: logged rows as a Dask DataFrame, read where they lie.

:func:`open_dataset` takes what a retraining job points at: a Dask DataFrame it built itself, a
CSV or Parquet file, a Parquet dataset directory (one file per day, say, or hive partitions such as
``action=a/``), a folder of CSV files or a glob (``logs/2026-*.parquet``), on a local disk or at
any URL fsspec reads (``s3://bucket/logs/`` with ``s3fs`` installed, ``gcs://``, ...). Files are
read by ``dask.dataframe.read_parquet`` / ``read_csv`` with only the columns the bandit needs when it
knows their names, and in the same formats as the single-file readers
(:mod:`pybandits.boundary.tabular`): CSV cells of ``action`` and categorical columns are read as
text, as written.

Nothing is read here: the frame is lazy. Each partition is checked where it is read, and errors
name the dataset and the partition (:class:`Partition`), and the row within it.

Needs the ``dask`` extra (``pip install "pybandits[dask]"``).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pybandits.boundary.tabular import DataError
from pybandits.boundary.validation import describe

__all__ = ["Partition", "is_dask_frame", "open_dataset", "partitions"]

_PARQUET = (".parquet", ".pq")


@dataclass(frozen=True)
class Partition:
    """One partition of a dataset, for messages: the dataset and the partition's position (from 0).

    Examples
    --------
    >>> where = Partition("logs/", 3)
    >>> str(where), where.at(0)
    ('logs/, partition 3', 'logs/, partition 3: row 0 of the partition (counted from 0)')
    """

    source: str
    index: int

    def __str__(self) -> str:
        return f"{self.source}, partition {self.index}"

    def at(self, row: int) -> str:
        """Where row ``row`` of the partition is."""
        return f"{self}: row {row} of the partition (counted from 0)"


def is_dask_frame(value: object) -> bool:
    """Whether ``value`` is a Dask DataFrame (without importing Dask when it is not loaded)."""
    module = type(value).__module__ or ""
    if not module.startswith("dask"):
        return False
    import dask.dataframe as dd

    return isinstance(value, dd.DataFrame)


def _dask() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise ImportError(
            "reading a dataset with Dask needs the 'dask' extra: pip install \"pybandits[dask]\""
        ) from None
    return dd


def open_dataset(
    data: Any,
    columns: list[str] | None = None,
    text_columns: list[str] | tuple[str, ...] = (),
    name: str = "data",
) -> tuple[Any, str]:
    """``data`` as a lazy Dask DataFrame, and the words that name it in messages.

    Parameters
    ----------
    data : dask.dataframe.DataFrame, str or os.PathLike
        A Dask DataFrame, or where the rows are: a ``.csv`` or ``.parquet`` file, a Parquet dataset
        directory, a folder of ``.csv`` files, a glob, or an fsspec URL of any of these.
    columns : list of str, optional
        Read only these columns (all when None); a column the dataset lacks is refused by name.
    text_columns : sequence of str
        Columns read from CSV as text, as written (``action`` always is).
    name : str
        The argument's name, for errors.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> folder = tempfile.mkdtemp()
    >>> for day in range(2):
    ...     pd.DataFrame({"action": ["a", "b"], "reward": [1, 0]}).to_parquet(os.path.join(folder, f"{day}.parquet"))
    >>> frame, label = open_dataset(folder)
    >>> frame.npartitions, len(frame), list(frame.columns)
    (2, 4, ['action', 'reward'])
    """
    if is_dask_frame(data):
        missing = [c for c in columns or [] if c not in data.columns]
        if missing:
            raise DataError(f"{name}: expected the columns {columns}, missing {missing} (got {list(data.columns)})")
        count = data.npartitions
        return data, f"{name} (a Dask DataFrame of {count} partition{'s' * (count != 1)})"
    if not isinstance(data, (str, os.PathLike)):
        raise TypeError(
            f"{name}: expected a Dask DataFrame, or the path or URL of a CSV or Parquet file or dataset, got "
            f"{describe(data)}"
        )
    dd = _dask()
    path = os.fspath(data)
    kind, target = _layout(path, name)
    try:
        if kind == "parquet":
            frame = dd.read_parquet(target, columns=columns)
        else:
            frame = dd.read_csv(
                target,
                usecols=columns,
                dtype=dict.fromkeys(["action", *text_columns], str),
                keep_default_na=False,
                na_filter=False,
                blocksize="64MB",
            )
    except (FileNotFoundError, OSError) as error:
        raise DataError(f"{name}: expected a readable CSV or Parquet dataset, got {path}: {error}") from None
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise DataError(f"{name}: {path}: cannot read the dataset with the columns {columns}: {error}") from None
    missing = [c for c in columns or [] if c not in frame.columns]
    if missing:
        raise DataError(f"{name}: {path}: expected the columns {columns}, missing {missing}")
    return frame, path


def _layout(path: str, name: str) -> tuple[str, str]:
    """``("parquet" | "csv", what to read)`` for a path, a folder, a glob or a URL."""
    remote = "://" in path
    suffix = Path(path.rstrip("/")).suffix.lower()
    if any(character in path for character in "*?["):
        kind = "parquet" if suffix in _PARQUET else "csv" if suffix == ".csv" else None
        if kind is None:
            raise DataError(f"{name}: expected a glob of .csv or .parquet files, got {path}")
        if not remote and not glob.glob(path):
            raise DataError(f"{name}: expected files matching {path}, got none")
        return kind, path
    if suffix in _PARQUET:
        if not remote and not Path(path).exists():
            raise DataError(f"{name}: expected a CSV or Parquet file or dataset, got no such file or folder {path}")
        return "parquet", path
    if suffix == ".csv":
        if not remote and not Path(path).is_file():
            raise DataError(f"{name}: expected a CSV file, got no such file {path}")
        return "csv", path
    if remote:
        return "parquet", path  # a dataset directory at a URL
    folder = Path(path)
    if not folder.exists():
        raise DataError(f"{name}: expected a CSV or Parquet file or dataset, got no such file or folder {path}")
    if not folder.is_dir():
        raise DataError(f"{name}: expected a .csv or .parquet file, or a dataset folder, got {path}")
    if any(p.suffix.lower() in _PARQUET for p in folder.rglob("*") if p.is_file()):
        return "parquet", path
    if any(folder.glob("*.csv")):
        return "csv", str(folder / "*.csv")
    raise DataError(f"{name}: expected a folder of .parquet or .csv files, got {path} with none")


def partitions(frame: Any) -> list[Any]:
    """The frame's partitions as Dask delayed objects, one per file (or Parquet row group) as read.

    Dask may fuse small Parquet files into one partition when only some columns are read (a
    partition of at least 75 MB by default); here every file stays a partition of its own, so that a
    task holds one file's rows at a time (a day of logs, say) and errors name that partition.
    """
    import dask

    with dask.config.set({"dataframe.parquet.minimum-partition-size": 1}):
        return list(frame.to_delayed())
