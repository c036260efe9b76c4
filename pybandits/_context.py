"""Contexts given as pandas DataFrames: columns picked by name, categories mapped to codes.

Also the cold-start checks of ``feature_names`` and ``categorical_features`` (:func:`check_feature_names`,
:func:`check_categorical`), which declare the columns and vocabularies this module reads with.

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

from pybandits._validation import _is_int, describe, float_column, is_positive_int
from pybandits.model.bnn.network import default_embedding_dim

__all__ = [
    "Category",
    "check_categorical",
    "check_category",
    "check_feature_names",
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
    """A category value as a plain ``str`` or ``int``; anything else is a ``TypeError``."""
    if isinstance(value, np.generic) and not isinstance(value, np.bool_ | np.floating):
        value = value.item()
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
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
    codes = pd.Index(vocabulary, dtype=object).get_indexer(column.astype(object))
    unseen = codes < 0
    if not unseen.any():
        return codes.astype(np.float64), vocabulary
    new = [check_category(value, f"context {label}") for value in pd.unique(column[unseen].astype(object))]
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
    codes = pd.Index(vocabulary, dtype=object).get_indexer(column.astype(object))
    return codes.astype(np.float64), vocabulary


def _preview(values: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")


def check_feature_names(feature_names: object, n_features: int) -> list[str] | None:
    if feature_names is None:
        return None
    if isinstance(feature_names, str | bytes) or not isinstance(feature_names, Sequence):
        raise TypeError(f"feature_names: expected a list of column names, got {describe(feature_names)}")
    if not all(isinstance(name, str) and name for name in feature_names):
        raise TypeError(f"feature_names: expected non-empty strings, got {list(feature_names)!r:.200}")
    if len(feature_names) != n_features:
        raise ValueError(f"feature_names: expected {n_features} names (n_features), got {len(feature_names)}")
    if len(set(feature_names)) != len(feature_names):
        repeated = sorted({name for name in feature_names if feature_names.count(name) > 1})
        raise ValueError(f"feature_names: expected distinct names, got {repeated} more than once")
    return list(feature_names)


def check_categorical(
    categorical_features: object,
    embedding_dims: object,
    n_features: int,
    feature_names: list[str] | None,
    linear: bool,
) -> tuple[dict[int, tuple[int, int]], dict[int, list[Category]]]:
    """``{column: (cardinality, dim)}`` and the declared vocabularies, or a clear error naming the argument."""
    specs: dict[int, tuple[int, int]] = {}
    vocabularies: dict[int, list[Category]] = {}
    for name, mapping in (("categorical_features", categorical_features), ("embedding_dims", embedding_dims)):
        if mapping is not None and not isinstance(mapping, Mapping):
            raise TypeError(f"{name}: expected a mapping keyed by column index or name, got {describe(mapping)}")

    def column_of(name: str, column: object) -> int:
        if isinstance(column, str) and not column.isdigit():
            if feature_names is None or column not in feature_names:
                known = f"feature_names {feature_names}" if feature_names else "no feature_names"
                raise ValueError(f"{name}: got column {column!r}, which is not a feature name (the bandit has {known})")
            return feature_names.index(column)
        column = int(column) if isinstance(column, str) else column  # TOML/JSON keys are strings
        if not _is_int(column) or not 0 <= column < n_features:
            raise ValueError(
                f"{name}: expected column indices in [0, {n_features}) (n_features counts every column) or "
                f"feature names, got {column!r}"
            )
        return int(column)

    for key, value in dict(categorical_features or {}).items():
        column = column_of("categorical_features", key)
        label = column_label(column, feature_names)
        if column in specs:
            raise ValueError(f"categorical_features: got {label} twice (by index and by name)")
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            values = [check_category(v, f"categorical_features {label}") for v in value]
            if len(set(values)) != len(values):
                repeated = ", ".join(sorted({repr(v) for v in values if values.count(v) > 1}))
                raise ValueError(f"categorical_features: expected distinct values for {label}, got {repeated} twice")
            vocabularies[column], value = values, len(values)
        if not _is_int(value) or value < 2:
            raise ValueError(
                f"categorical_features: expected a cardinality that is an integer >= 2 (or a list of at least two "
                f"values) for {label}, got {value!r}"
            )
        specs[column] = (int(value), default_embedding_dim(int(value), linear))
    for key, dim in dict(embedding_dims or {}).items():
        column = column_of("embedding_dims", key)
        if column not in specs:
            raise ValueError(
                f"embedding_dims: expected columns of categorical_features {sorted(specs)}, got "
                f"{column_label(column, feature_names)}"
            )
        if not is_positive_int(dim):
            raise ValueError(
                f"embedding_dims: expected an integer >= 1 for {column_label(column, feature_names)}, got {dim!r}"
            )
        specs[column] = (specs[column][0], int(dim))
    return dict(sorted(specs.items())), vocabularies
