"""Reading logged rows (CSV, or Parquet with pyarrow) into the arrays ``update`` and ``predict`` take.

Update data has the header ``action,reward,`` followed by the feature columns in order (none for a
stochastic bandit); prediction data has only the feature columns. A bandit with ``feature_names``
reads its features by name instead, in any order, and other columns are ignored. Categorical
columns hold category values, read as text (``007`` stays ``"007"``, a Parquet integer column
becomes its digits) and matched to the bandit's levels by text: the context is then a DataFrame
whose categorical columns the bandit maps through its vocabularies. Dates and durations are not
numbers. Errors name the file, the row (as a line number of the file, the header being line 1)
and the column.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pybandits.boundary.context import CategoryError, cells_are_categories, encode_column
from pybandits.boundary.validation import describe, float_column

__all__ = [
    "DataError",
    "LoggedRows",
    "action_positions",
    "contexts_of",
    "logged_rows_of",
    "text_categories",
    "quantity_columns",
    "read_contexts",
    "read_logged_rows",
    "read_table",
    "write_csv_atomically",
]


class DataError(ValueError):
    """A data file that cannot be used; the message names the file, row and column."""


@dataclass(frozen=True)
class LoggedRows:
    """Rows of a log: the action played, its reward, the context features, and the quantities played."""

    actions: np.ndarray
    rewards: np.ndarray
    context: Any  # a float array, or a DataFrame when there are categorical columns
    quantities: list[tuple[float, ...] | None] | None = None  # per row, with quantitative actions


def _at(where: Any, index: int, header_offset: int = 2) -> str:
    """Where a row is: ``where``'s own words for it (a partition of a dataset), else a line of the file ``where``.

    A file's rows are its line numbers, the header being line 1.
    """
    at = getattr(where, "at", None)
    return at(index) if callable(at) else f"{where}: row {index + header_offset}"


def quantity_columns(quantity_dimensions: Mapping[str, int]) -> list[str]:
    """The names of the quantity columns of a bandit's data: none, ``quantity``, or ``quantity_0`` ... .

    Examples
    --------
    >>> quantity_columns({}), quantity_columns({"q": 1}), quantity_columns({"q": 1, "r": 2})
    ([], ['quantity'], ['quantity_0', 'quantity_1'])
    """
    largest = max(quantity_dimensions.values(), default=0)
    return ["quantity"] if largest == 1 else [f"quantity_{j}" for j in range(largest)]


def _optional_numbers(path, frame, column: str) -> np.ndarray:
    """A column of numbers or empty cells as float64, NaN for an empty cell; anything else is reported."""
    import pandas as pd

    values = frame[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        text_bad = np.zeros(len(numbers), dtype=bool)
    else:
        text = values.astype(str).str.strip()
        empty = values.isna().to_numpy() | (text == "").to_numpy()
        numbers = pd.to_numeric(text.where(~empty, "nan"), errors="coerce").to_numpy(dtype=float)
        text_bad = np.isnan(numbers) & ~empty
    bad = text_bad | np.isinf(numbers)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{_at(path, index)}, column {column!r}: expected a number in [0, 1] or an empty cell, "
            f"got {_cell(frame, column, index)!r}"
        )
    return numbers


def action_positions(actions: np.ndarray, action_ids: Sequence[str]) -> np.ndarray:
    """Every row's action as its position in ``action_ids``, -1 for an action not among them (a hash lookup).

    >>> action_positions(np.array(["b", "z", "a"], dtype=object), ["a", "b"]).tolist()
    [1, -1, 0]
    """
    import pandas as pd

    return pd.Index(list(action_ids), dtype=object).get_indexer(np.asarray(actions, dtype=object)).astype(np.int64)


def _quantities(path, frame, actions: np.ndarray, dimensions: Mapping[str, int]) -> list[tuple[float, ...] | None]:
    """The quantity of every row: a tuple for a quantitative action's row, None for an ordinary one's."""
    names = quantity_columns(dimensions)
    quantitative = action_positions(actions, list(dimensions)) >= 0
    missing = [name for name in names if name not in frame.columns]
    if missing:
        if not quantitative.any():
            return [None] * len(actions)
        index = int(np.flatnonzero(quantitative)[0])
        raise DataError(
            f"{_at(path, index)}, column {missing[0]!r}: expected the quantity the quantitative action "
            f"{actions[index]!r} was played at, got no such column (quantity columns: {', '.join(names)})"
        )
    values = np.stack([_optional_numbers(path, frame, name) for name in names], axis=1)
    needed = np.zeros(values.shape, dtype=bool)  # the cells a row must fill: its action's dimension
    for action_id, dimension in dimensions.items():
        needed[actions == action_id, :dimension] = True
    empty = np.isnan(values)
    problem = (needed & empty) | (~needed & ~empty) | (needed & ~empty & ((values < 0) | (values > 1)))
    if problem.any():
        index, column = (int(k) for k in np.argwhere(problem)[0])
        action_id, name = actions[index], names[column]
        if not needed[index, column]:
            kind = (
                f"the ordinary action {action_id!r}"
                if action_id not in dimensions
                else f"the quantitative action {action_id!r} past its dimension {dimensions[action_id]}"
            )
            raise DataError(
                f"{_at(path, index)}, column {name!r}: expected an empty cell for {kind}, "
                f"got {_cell(frame, name, index)!r}"
            )
        got = "an empty cell" if empty[index, column] else repr(_cell(frame, name, index))
        raise DataError(
            f"{_at(path, index)}, column {name!r}: expected the quantity the quantitative action {action_id!r} "
            f"was played at, a number in [0, 1], got {got}"
        )
    return [
        tuple(values[row, : dimensions[action_id]].tolist()) if action_id in dimensions else None
        for row, action_id in enumerate(actions.tolist())
    ]


def read_table(
    path: str | os.PathLike,
    *,
    skip: Collection[str] = (),
    feature_names: Sequence[str] | None = None,
    categorical: Collection[int] = (),
) -> Any:
    """A CSV or Parquet file as a DataFrame whose categorical feature columns hold text.

    A category is its text (:mod:`pybandits.boundary.context`): a CSV's categorical cells are read
    as written (``007`` stays ``"007"``, and ``1`` is ``"1"`` in every file, whatever the rest of
    the column holds), a Parquet integer column becomes the integers' text, and a cell of another
    type (a bool, a float, a date) or an empty one is a :class:`DataError` naming its row.
    The features are ``feature_names`` when given, else the columns not in ``skip``, in order;
    ``categorical`` holds the positions of the categorical ones among them.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"expected a CSV or Parquet file, got no such file {path}")
    if path.is_dir():
        raise DataError(f"expected a CSV or Parquet file, got the folder {path}")

    def names(header: list[str]) -> list[str]:
        features = list(feature_names) if feature_names is not None else [c for c in header if c not in skip]
        return [features[j] for j in sorted(categorical) if j < len(features) and features[j] in header]

    try:
        if path.suffix.lower() in {".parquet", ".pq"}:
            frame = _read_parquet(path)
            text = names(list(map(str, frame.columns)))
        else:
            text = names(list(map(str, _read_csv(path, nrows=0).columns)))
            frame = _read_csv(path, text)
    except OSError as error:
        raise DataError(f"{path}: expected a readable CSV or Parquet file, got {error.strerror or error}") from None
    return text_categories(path, frame, feature_names, categorical, skip)


def _read_parquet(path: Path) -> Any:
    """A Parquet file as pandas reads it; a file pyarrow cannot read is a :class:`DataError`."""
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except ImportError:
        raise DataError(f"{path}: reading Parquet needs pyarrow (the 'parquet' extra): pip install pyarrow") from None
    except (ValueError, TypeError, KeyError, IndexError, NotImplementedError) as error:  # pyarrow's Arrow*Error
        raise DataError(f"{path}: expected a Parquet file, got one that cannot be read ({error})") from None


def _read_csv(path: Path, text: Collection[str] = (), nrows: int | None = None) -> Any:
    """A CSV file; ``action`` and the ``text`` columns are read as written, as strings."""
    import pandas as pd

    try:
        # Numbers parse natively (fast); a column holding text comes back as strings and is
        # examined cell by cell only then, to name the offending row.
        return pd.read_csv(
            path,
            dtype=dict.fromkeys(["action", *text], str),
            keep_default_na=False,
            na_filter=False,
            engine="c",
            nrows=nrows,
        )
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected a header line") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV file ({error})") from None


#: Text cells a categorical column of a file refuses: booleans (as Parquet and DataFrames refuse them)
#: and integers written as decimals (``1.0``: a code exported as a float, which would not match ``1``).
_NOT_CATEGORY_TEXT = re.compile(r"(?i:true|false)|[+-]?\d+\.0*")


def _category_text(path, frame, column: str) -> Any:
    """A categorical column as text (integers as their digits, surrounding blanks removed).

    An empty cell, a boolean (typed, or the text ``True``/``False``), a float (typed, or an
    integer written as a decimal, ``1.0``) or another type is reported with its row.
    """
    import pandas as pd

    values = frame[column]
    missing = values.isna().to_numpy()
    if values.dtype.kind in "iu" and not missing.any():
        return values.astype(str)
    cells = values.astype(object).map(lambda cell: cell.strip() if isinstance(cell, str) else cell)
    empty = missing | (cells == "").to_numpy()
    bad = empty.copy()
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "integer", "empty"):
        bad |= ~cells_are_categories(cells)
    texts = cells.map(lambda cell: isinstance(cell, str) and _NOT_CATEGORY_TEXT.fullmatch(cell) is not None)
    bad |= texts.to_numpy(dtype=bool)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        if empty[index]:
            got = ", got an empty cell"
        else:
            got = f" (text or an integer), got {describe(_cell(frame, column, index))}"
            if texts.iloc[index]:
                got += ": a boolean or a decimal number; give the category a name, or write integer codes as integers"
        raise DataError(f"{_at(path, index)}, column {column!r}: expected a category value{got}")
    return cells.map(str)


def _cell(frame, column: str, index: int) -> object:
    """A cell as a plain Python value, for messages."""
    value = frame[column].iloc[index]
    return value.item() if isinstance(value, np.generic) else value


def _numeric(path, frame, column: str, header_offset: int = 2) -> np.ndarray:
    """A column as float64; the first cell that is not a finite number is reported."""
    values, index = float_column(frame[column])
    if index is not None:
        raise DataError(
            f"{_at(path, index, header_offset)}, column {column!r}: "
            f"expected a finite number, got {_cell(frame, column, index)!r}"
        )
    return values


def _check_header(path, columns: list[str], expected_first: list[str], n_features: int) -> list[str]:
    if columns[: len(expected_first)] != expected_first:
        raise DataError(
            f"{path}: expected the header to start with {','.join(expected_first) or '(features)'}, "
            f"got {','.join(columns[: len(expected_first) or 3])}"
        )
    features = columns[len(expected_first) :]
    if len(features) != n_features:
        raise DataError(f"{path}: expected {n_features} feature columns after {expected_first}, got {len(features)}")
    return features


def _features(
    path,
    frame,
    expected_first: list[str],
    n_features: int,
    feature_names: list[str] | None,
    categorical: Collection[int],
    header_offset: int = 2,
) -> Any:
    """The context: a float array, or a DataFrame of the features when some are categorical."""
    columns = list(map(str, frame.columns))
    if feature_names is None:
        features = _check_header(path, columns, expected_first, n_features)
    else:
        _check_header(path, columns, expected_first, len(columns) - len(expected_first))
        missing = [name for name in feature_names if name not in columns]
        if missing:
            raise DataError(f"{path}: expected the bandit's feature columns {feature_names}, missing {missing}")
        features = list(feature_names)
    if not categorical:
        context = np.empty((len(frame), n_features))
        for j, column in enumerate(features):
            context[:, j] = _numeric(path, frame, column, header_offset)
        return context
    import pandas as pd

    data = {}
    for j, column in enumerate(features):
        if j not in categorical:
            data[column] = _numeric(path, frame, column, header_offset)
        else:
            data[column] = frame[column].to_numpy()  # text (read_table)
    return pd.DataFrame(data, columns=features)


def _check_room(path, context: Any, categorical: Mapping[int, int], vocabularies: Mapping[int, Sequence[Any]]) -> None:
    """Refuse, naming the row, a categorical column whose new values would not fit its vocabulary."""
    for j, column in enumerate(context.columns):
        if j in categorical:
            try:
                encode_column(context[column], list(vocabularies.get(j, [])), categorical[j], True, repr(column))
            except CategoryError as error:
                raise DataError(f"{_at(path, error.row)}, column {column!r}: {error.problem}") from None


def read_logged_rows(
    path: str | os.PathLike,
    n_features: int,
    action_ids: list[str],
    family: Any,
    feature_names: list[str] | None = None,
    categorical: Collection[int] = (),
    quantity_dimensions: Mapping[str, int] | None = None,
    vocabularies: Mapping[int, Sequence[Any]] | None = None,
) -> LoggedRows:
    """Read ``action,reward,<features>`` rows; ``n_features`` is 0 for stochastic bandits.

    Rewards are checked by the bandit's reward ``family`` (:mod:`pybandits.model.family`); the first
    one it refuses is reported with its row. With ``feature_names`` the features are read by
    name; ``categorical`` columns are kept as values (the context is then a DataFrame). With
    ``quantity_dimensions`` (``{action_id: d}`` of the quantitative actions) the quantity columns
    (:func:`quantity_columns`) are read apart from the features, into ``quantities``. With the
    bandit's ``vocabularies`` (and ``categorical`` its ``{column: cardinality}``), the values an
    update would learn must fit: the row of the first one past a vocabulary's room is reported.
    """
    dimensions = dict(quantity_dimensions or {})
    frame = read_table(
        path,
        skip={"action", "reward", *(quantity_columns(dimensions) if dimensions else [])},
        feature_names=feature_names,
        categorical=categorical,
    )
    return logged_rows_of(
        path, frame, n_features, action_ids, family, feature_names, categorical, dimensions, vocabularies
    )


def text_categories(
    where: Any,
    frame: Any,
    feature_names: Sequence[str] | None,
    categorical: Collection[int],
    skip: Collection[str] = (),
) -> Any:
    """``frame`` with its categorical feature columns as text, as :func:`read_table` reads them (a copy if changed).

    For frames that did not come from :func:`read_table`, such as a dataset's partitions; ``where``
    names them in errors.
    """
    header = list(map(str, frame.columns))
    features = list(feature_names) if feature_names is not None else [c for c in header if c not in skip]
    text = [features[j] for j in sorted(categorical) if j < len(features) and features[j] in header]
    if text:
        frame = frame.copy()
        for column in text:
            frame[column] = _category_text(where, frame, column)
    return frame


def logged_rows_of(
    where: Any,
    frame: Any,
    n_features: int,
    action_ids: list[str],
    family: Any,
    feature_names: list[str] | None = None,
    categorical: Collection[int] = (),
    quantity_dimensions: Mapping[str, int] | None = None,
    vocabularies: Mapping[int, Sequence[Any]] | None = None,
) -> LoggedRows:
    """The checked rows of a table of ``action,reward,<features>`` (:func:`read_logged_rows`, once read).

    ``where`` names the table in errors: a file's path, or a dataset's partition (anything with an
    ``at(row)`` method that says where a row is).
    """
    path, dimensions = where, dict(quantity_dimensions or {})
    quantity_frame = None
    if dimensions:
        names = quantity_columns(dimensions)
        other = ["quantity_0"] if names == ["quantity"] else ["quantity"]
        if other[0] in frame.columns:
            raise DataError(
                f"{path}: column {other[0]!r}: expected the quantity columns {', '.join(names)} (the largest dimension "
                f"of the quantitative actions {dict(dimensions)} is {max(dimensions.values())}), got {other[0]!r}"
            )
        present = [name for name in names if name in frame.columns]
        quantity_frame, frame = frame[present], frame.drop(columns=present)
    _check_header(path, list(map(str, frame.columns)), ["action", "reward"], len(frame.columns) - 2)
    actions = frame["action"].astype(str).to_numpy()
    unknown = action_positions(actions, action_ids) < 0
    if unknown.any():
        index = int(np.flatnonzero(unknown)[0])
        raise DataError(f"{_at(path, index)}, column 'action': expected one of {action_ids}, got {actions[index]!r}")
    rewards = _numeric(path, frame, "reward")
    refused = family.invalid_rewards(rewards)
    if refused.any():
        index = int(np.flatnonzero(refused)[0])
        raise DataError(
            f"{_at(path, index)}, column 'reward': expected {family.reward_kind}, got {_cell(frame, 'reward', index)!r}"
        )
    context = _features(path, frame, ["action", "reward"], n_features, feature_names, categorical)
    if vocabularies is not None and categorical and isinstance(categorical, Mapping):  # a DataFrame context
        _check_room(path, context, categorical, vocabularies)
    quantities = None if quantity_frame is None else _quantities(path, quantity_frame, actions, dimensions)
    return LoggedRows(
        actions=actions.astype(str),
        rewards=family.check_rewards(rewards, len(rewards)),
        context=context,
        quantities=quantities,
    )


def read_contexts(
    path: str | os.PathLike,
    n_features: int,
    feature_names: list[str] | None = None,
    categorical: Collection[int] = (),
) -> Any:
    """Read a table of ``n_features`` feature columns (by name with ``feature_names``)."""
    frame = read_table(path, feature_names=feature_names, categorical=categorical)
    if len(frame) == 0:
        raise DataError(f"{path}: expected at least one row of features, got none")
    return _features(path, frame, [], n_features, feature_names, categorical)


def contexts_of(
    where: Any, frame: Any, n_features: int, feature_names: list[str] | None = None, categorical: Collection[int] = ()
) -> Any:
    """The context of a table of features already read (a dataset's partition, named ``where`` in errors).

    Columns other than the features are ignored when the features are known by name.
    """
    frame = text_categories(where, frame, feature_names, categorical)
    return _features(where, frame, [], n_features, feature_names, categorical)


def write_csv_atomically(frame, path: str | os.PathLike) -> None:
    """Write a DataFrame as CSV so that ``path`` is always either the old file or the new one."""
    from pybandits.boundary.files import atomic_write_text

    atomic_write_text(path, frame.to_csv(index=False))
