"""Contexts given as pandas DataFrames: columns picked by name, categories mapped to codes.

The cold-start checks of ``feature_names`` and ``categorical_features``, which declare the columns
and vocabularies this module reads with, are the specs' (:mod:`pybandits.model.specs`).

A contextual bandit's network reads a float array whose categorical columns hold integer codes.
Users' data holds category values ("FR", "ios"), so a bandit may keep, per categorical column, a
*vocabulary*: the list of its values, the position of a value being its code. This module turns a
DataFrame into the array, through the vocabularies, and grows a vocabulary when an update brings
values it has room for.

The rules (documented for users in the concepts page):

- In a DataFrame, a categorical column holds category values (strings or integers) and is always
  mapped through the vocabulary; in an array it holds codes. A bandit with ``feature_names``
  picks a DataFrame's columns by name (other columns are ignored); one without takes a
  DataFrame's columns in order, and it must have exactly ``n_features`` of them.
- ``update`` appends values never seen to the vocabulary, in order of first appearance, while it
  has room (its size is the column's cardinality); values beyond that are refused, naming them.
- ``predict`` gives a value never seen the code ``cardinality``, one past the table: the bandit
  then draws that row's embedding from the cold-start prior, as for a brand-new category.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pybandits.boundary.validation import describe, float_column

__all__ = [
    "Category",
    "check_category",
    "column_label",
    "context_from_frame",
    "is_frame",
]

#: A category value a vocabulary can hold (kept as JSON in the state).
Category = str | int


def is_frame(context: object) -> bool:
    """Whether ``context`` is a pandas DataFrame (without importing pandas when it was not)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(context, pandas.DataFrame)


def column_label(column: int, feature_names: Sequence[str] | None) -> str:
    """How messages name a column: ``'country' (column 3)`` or ``column 3``."""
    return f"{feature_names[column]!r} (column {column})" if feature_names else f"column {column}"


def check_category(value: object, where: str) -> Category:
    """A category value as a plain non-empty ``str`` or an ``int``.

    Booleans and floats are a ``TypeError`` (``True`` would otherwise match the level ``1``), an
    empty or blank string a ``ValueError`` (what a missing cell becomes in a text file).
    """
    if isinstance(value, np.generic) and not isinstance(value, np.bool_ | np.floating):
        value = value.item()
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(f"{where}: expected non-empty category values, got {value!r}")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"{where}: expected category values that are strings or integers, got {describe(value)}")


def context_from_frame(
    frame: Any,
    *,
    n_features: int,
    feature_names: Sequence[str] | None,
    categorical: Mapping[int, int],
    vocabularies: Mapping[int, Sequence[Category]],
    learn: bool,
) -> tuple[np.ndarray, dict[int, list[Category]]]:
    """The context array of a DataFrame, and the vocabularies after it (grown when ``learn``).

    Numeric columns become float64; a categorical column becomes the codes of its values.
    Without ``learn`` (prediction), a value not in the vocabulary gets the code ``cardinality``.
    Raises a ``ValueError`` or ``TypeError`` naming the column (and value) for anything else.
    """

    if frame.columns.duplicated().any():
        duplicated = sorted(map(str, frame.columns[frame.columns.duplicated()]))
        raise ValueError(f"context: expected distinct DataFrame column names, got {duplicated} more than once")
    if feature_names is not None:
        missing = [name for name in feature_names if name not in frame.columns]
        if missing:
            raise ValueError(
                f"context: expected a DataFrame with the bandit's feature columns {list(feature_names)}, "
                f"missing {missing}"
            )
        series = [frame[name] for name in feature_names]
    else:
        if frame.shape[1] != n_features:
            raise ValueError(
                f"context: expected a DataFrame of {n_features} columns (the bandit has no feature_names, so "
                f"columns are taken in order), got {frame.shape[1]}"
            )
        series = [frame.iloc[:, j] for j in range(n_features)]
    array = np.empty((len(frame), n_features))
    grown = {column: list(values) for column, values in vocabularies.items()}
    for j, column in enumerate(series):
        label = column_label(j, feature_names)
        if j in categorical:
            array[:, j], grown[j] = _encode(column, grown.get(j, []), categorical[j], learn, label)
            continue
        values, row = float_column(column)
        if row is not None:
            raise ValueError(
                f"context: expected finite numbers in numeric {label}, got {column.iloc[row]!r} in row {row}"
            )
        array[:, j] = values
    return array, dict(sorted(grown.items()))


def _encode(
    column: Any, vocabulary: list[Category], cardinality: int, learn: bool, label: str
) -> tuple[np.ndarray, list[Category]]:
    import pandas as pd

    if column.isna().any():
        row = int(np.flatnonzero(column.isna().to_numpy())[0])
        raise ValueError(f"context: expected a category value in every row of {label}, got a missing one in row {row}")
    values = column.astype(object)
    for value in pd.unique(values):  # every distinct value, learned ones too: True must not pass for 1
        check_category(value, f"context {label}")
    codes = pd.Index(vocabulary, dtype=object).get_indexer(values)
    unseen = codes < 0
    if not unseen.any():
        return codes.astype(np.float64), vocabulary
    new = list(pd.unique(values[unseen]))
    if not learn:
        codes[unseen] = cardinality
        return codes.astype(np.float64), vocabulary
    room = cardinality - len(vocabulary)
    if len(new) > room:
        raise ValueError(
            f"context: {label} holds {len(new)} value{'s' * (len(new) > 1)} not in its vocabulary "
            f"({_preview(new)}), but the vocabulary has room for {room} more (cardinality {cardinality}); "
            "grow the cardinality with edit_model_on_the_fly to learn them"
        )
    vocabulary = vocabulary + new
    codes = pd.Index(vocabulary, dtype=object).get_indexer(values)
    return codes.astype(np.float64), vocabulary


def _preview(values: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")
