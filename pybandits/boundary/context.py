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
  DataFrame's columns in order, and it must have exactly ``n_features`` of them. A cell of
  another type (a bool, a float) is refused, naming its row, even when it equals a level
  (``True == 1``).
- A category is its text: a cell matches the level of the same text (``str(level) == str(cell)``),
  so the text ``"1"`` read from a file is the level ``1`` learned from Python integers, and the
  reverse. A vocabulary never holds two levels of one text (``1`` and ``"1"``): cold start and
  transfer refuse it, and an update learns such a pair, in one batch, as one level (the first).
  In a state written before this rule that holds both, the level equal to the cell (type
  included) wins. The file readers (:mod:`pybandits.boundary.tabular`) read categorical cells as
  text.
- ``update`` appends values never seen to the vocabulary, in order of first appearance, while it
  has room (its size is the column's cardinality); values beyond that are refused, naming them.
- ``predict`` gives a value never seen the code ``cardinality``, one past the table: the bandit
  then draws that row's embedding from the cold-start prior, as for a brand-new category.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from pybandits.boundary.validation import describe, float_column

__all__ = [
    "Category",
    "CategoryError",
    "category_text",
    "cells_are_categories",
    "check_category",
    "check_distinct_texts",
    "column_label",
    "context_from_frame",
    "encode_column",
    "is_frame",
    "level_of",
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
            array[:, j], grown[j] = encode_column(column, grown.get(j, []), categorical[j], learn, label)
            continue
        values, row = float_column(column)
        if row is not None:
            raise ValueError(
                f"context: expected finite numbers in numeric {label}, got {column.iloc[row]!r} in row {row}"
            )
        array[:, j] = values
    return array, dict(sorted(grown.items()))


class CategoryError(ValueError):
    """A categorical column whose values do not fit its vocabulary; ``row`` is the position of the first cell
    that does not fit, and ``problem`` the message without the column, for readers that name rows their own way."""

    def __init__(self, label: str, row: int, problem: str):
        super().__init__(f"context: {label} {problem} (row {row} holds the first value past the room)")
        self.row, self.problem = row, problem


def category_text(value: Category) -> str:
    """The text of a category value: what a file holds, and what matches a cell to a level (``1`` is ``"1"``)."""
    return str(value)


def level_of(vocabulary: Sequence[Category]) -> Callable[[Category], int]:
    """``code(value)``: the code of the level equal to ``value``, else of the level with its text, else -1.

    A level and a cell match when their texts are equal, so a vocabulary learned from integers
    takes the text cells of a file; the level equal to the value wins in a vocabulary that holds
    two levels of one text (only states written before that rule can).

    Examples
    --------
    >>> code = level_of([1, 2, "vip"])
    >>> code(2), code("2"), code("vip"), code("02")
    (1, 1, 2, -1)
    """
    exact = {value: code for code, value in enumerate(vocabulary)}
    by_text: dict[str, int] = {}
    for code, value in enumerate(vocabulary):
        by_text.setdefault(category_text(value), code)
    return lambda value: exact.get(value, by_text.get(category_text(value), -1))


def check_distinct_texts(values: Sequence[Category], name: str, label: str) -> None:
    """Refuse two values of one text (``1`` and ``"1"``) for the column ``label``: a file could not tell them apart.

    Examples
    --------
    >>> check_distinct_texts([1, "1"], "categorical_features", "column 2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: categorical_features: expected distinct values for column 2, got 1 and '1', which have the same ...
    """
    seen: dict[str, Category] = {}
    for value in values:
        first = seen.setdefault(category_text(value), value)
        if first is not value and first != value:
            raise ValueError(
                f"{name}: expected distinct values for {label}, got {first!r} and {value!r}, which have the same text "
                f"{category_text(value)!r} (a category is matched by its text, as a file holds it)"
            )


def _category_cells(column: Any, label: str) -> tuple[np.ndarray, list[Category]]:
    """The position of each cell's value among the distinct values, and those values as ``str``/``int``.

    A cell that is not a string or an integer (a bool, a float...) is a ``TypeError`` naming its row,
    even when it equals a level (``True == 1``): it is checked before values are compared.
    """
    import pandas as pd

    if column.isna().any():
        row = int(np.flatnonzero(column.isna().to_numpy())[0])
        raise ValueError(f"context: expected a category value in every row of {label}, got a missing one in row {row}")
    cells = column.astype(object)
    if column.dtype.kind not in "iu" and pd.api.types.infer_dtype(cells, skipna=False) not in ("string", "integer"):
        bad = ~cells_are_categories(cells)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise TypeError(
                f"context {label}: expected category values that are strings or integers, "
                f"got {describe(cells.iloc[row])} in row {row}"
            )
    positions, distinct = pd.factorize(cells)
    return positions, [check_category(value, f"context {label}") for value in distinct]


def cells_are_categories(cells: Any) -> np.ndarray:
    """Per cell of an object Series, whether it can be a category (judged once per Python type).

    Examples
    --------
    >>> import pandas as pd
    >>> cells_are_categories(pd.Series(["FR", 7, True, 1.5], dtype=object))
    array([ True,  True, False, False])
    """
    kinds = cells.map(type)
    return kinds.map({kind: _is_category_type(kind) for kind in kinds.unique()}).to_numpy(dtype=bool)


def _is_category_type(kind: type) -> bool:
    """Whether values of the type ``kind`` can be categories: strings and integers (numpy's too), not bools."""
    return issubclass(kind, str | int | np.integer) and not issubclass(kind, bool | np.bool_)


def encode_column(
    column: Any, vocabulary: list[Category], cardinality: int, learn: bool, label: str
) -> tuple[np.ndarray, list[Category]]:
    """The codes of a categorical column (a pandas Series of values), and its vocabulary after it.

    Without ``learn``, a value in no level gets the code ``cardinality``; with it, such values join
    the vocabulary in order of first appearance, or, when they do not fit, a :class:`CategoryError`
    names the row of the first one past the room. A cell that is not a category is a ``TypeError``
    naming its row; ``label`` names the column.
    """
    positions, values = _category_cells(column, label)
    code = level_of(vocabulary)
    codes = np.array([code(value) for value in values], dtype=np.int64)
    unseen = np.flatnonzero(codes < 0)
    if len(unseen) and not learn:
        codes[unseen] = cardinality
    elif len(unseen):
        new: dict[str, Category] = {}  # by text: 7 and "7" in one batch are one new level
        for k in unseen:
            new.setdefault(category_text(values[k]), values[k])
        room = cardinality - len(vocabulary)
        if len(new) > room:
            first_beyond = list(new)[room]  # the first new value past the room, by first appearance
            k = next(k for k in unseen if category_text(values[k]) == first_beyond)
            raise CategoryError(label, int(np.argmax(positions == k)), _no_room(list(new.values()), room, cardinality))
        vocabulary = vocabulary + list(new.values())
        code = level_of(vocabulary)
        codes = np.array([code(value) for value in values], dtype=np.int64)
    return codes[positions].astype(np.float64), vocabulary


def _no_room(new: list[Category], room: int, cardinality: int) -> str:
    """What a column whose new values do not fit its vocabulary holds, and what it could take."""
    return (
        f"holds {len(new)} value{'s' * (len(new) > 1)} not in its vocabulary ({_preview(new)}), but the vocabulary "
        f"has room for {room} more (cardinality {cardinality}; expected at most {room} new values, got {len(new)}); "
        "grow the cardinality with edit_model_on_the_fly to learn them"
    )


def _preview(values: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")
