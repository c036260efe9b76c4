"""Checks of arguments at the public boundary.

One short function per check. Each returns the value in its normalised form or raises a
``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong value) whose message
starts with the argument's name and says what was expected and what came.
"""

from __future__ import annotations

import functools
import numbers
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from pybandits.exceptions import DataWarning

_REPR_LIMIT = 80


def describe(value: object) -> str:
    """A short description of ``value`` for error messages."""
    text = repr(value)
    if len(text) > _REPR_LIMIT:
        text = text[: _REPR_LIMIT - 3] + "..."
    return f"{text} ({type(value).__name__})"


def is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_action_ids(action_ids: Iterable[str], name: str = "action_ids") -> list[str]:
    """Return the action ids sorted; they must be unique non-empty strings, at least one.

    Ids are sorted so that a bandit built from a ``set`` has the same action order in every
    process (string hashing varies between processes), which keeps seeded runs reproducible.
    """
    if isinstance(action_ids, str | bytes) or not isinstance(action_ids, Iterable):
        raise TypeError(
            f"{name}: expected a collection of action id strings (a set or list), got {describe(action_ids)}"
        )
    ids = list(action_ids)
    if not ids:
        raise ValueError(f"{name}: expected at least one action id, got none")
    bad = [a for a in ids if not isinstance(a, str) or not a]
    if bad:
        raise TypeError(f"{name}: expected every action id to be a non-empty string, got {bad!r}")
    duplicates = sorted({a for a in ids if ids.count(a) > 1}) if len(set(ids)) != len(ids) else []
    if duplicates:
        raise ValueError(f"{name}: expected unique action ids, got duplicates {duplicates}")
    return sorted(ids)


def check_action_costs(action_ids_cost: Mapping[str, float], name: str = "action_ids_cost") -> dict[str, float]:
    """Return ``{action_id: cost}`` sorted by id; costs must be finite real numbers >= 0."""
    if not isinstance(action_ids_cost, Mapping):
        raise TypeError(f"{name}: expected a mapping of action id to cost, got {describe(action_ids_cost)}")
    ids = check_action_ids(action_ids_cost.keys(), name)
    costs = {}
    for action_id in ids:
        cost = action_ids_cost[action_id]
        if not is_real(cost):
            raise TypeError(f"{name}: expected a real number as the cost of {action_id!r}, got {describe(cost)}")
        if not np.isfinite(cost) or cost < 0:
            raise ValueError(f"{name}: expected a finite cost >= 0 for {action_id!r}, got {cost!r}")
        costs[action_id] = float(cost)
    return costs


def check_probability(value: float | None, name: str, allow_none: bool = True) -> float | None:
    """Return ``value`` as a float in [0, 1] (or None where allowed)."""
    if value is None and allow_none:
        return None
    if not is_real(value):
        raise TypeError(f"{name}: expected a real number in [0, 1], got {describe(value)}")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value!r}")
    return float(value)


def check_open_probability(value: object, name: str) -> float:
    """Return ``value`` as a float in the open interval (0, 1): a credible interval's probability.

    Examples
    --------
    >>> check_open_probability(0.94, "ci_prob")
    0.94
    """
    if not is_real(value):
        raise TypeError(f"{name}: expected a real number in (0, 1), got {describe(value)}")
    if not 0.0 < value < 1.0:  # type: ignore[operator]
        raise ValueError(f"{name}: expected a number in (0, 1), got {value!r}")
    return float(value)  # type: ignore[arg-type]


def check_decay_factor(value: float | None) -> float | None:
    """Return a ``decay_factor`` as a float in (0, 1], or None (no forgetting)."""
    if value is None:
        return None
    if not is_real(value):
        raise TypeError(f"decay_factor: expected a real number in (0, 1] or None, got {describe(value)}")
    if not 0.0 < value <= 1.0:
        raise ValueError(
            f"decay_factor: expected a number in (0, 1] (the weight a row keeps per later row; 1 or None forgets "
            f"nothing), got {value!r}"
        )
    return float(value)


def is_positive_int(value: object) -> bool:
    """Whether ``value`` is an integer >= 1 (not a bool), for checks that word their own message."""
    return _is_int(value) and value >= 1  # type: ignore[operator]


def check_positive_int(value: int, name: str) -> int:
    """Return ``value`` as an int >= 1."""
    if not _is_int(value):
        raise TypeError(f"{name}: expected an integer >= 1, got {describe(value)}")
    if value < 1:
        raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")
    return int(value)


#: Where a Linux container's memory limit is written (cgroup v2, then v1).
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


@functools.cache
def memory_limit() -> int:
    """The bytes a setting may make the library hold: this machine's physical memory, or a container's
    smaller limit (1 TiB where neither is known). Read once per process: a prediction checks its
    size against it, and reading the limit's files each time cost more than the prediction."""
    try:
        limit = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): a bound no machine reaches today
        limit = 2**40
    for path in _CGROUP_LIMITS:
        try:
            with open(path) as handle:
                text = handle.read().strip()
        except OSError:
            continue
        if text.isdigit():
            limit = min(limit, int(text))
    return limit


def check_memory(name: str, value: object, n_bytes: float, what: str) -> None:
    """Refuse a setting whose arrays would not fit in memory (``ValueError`` naming it, with the figure)."""
    limit = memory_limit()
    if n_bytes > limit:
        raise ValueError(
            f"{name}: expected a value whose arrays fit in this machine's memory ({_bytes(limit)}), got {value!r}, "
            f"which needs {what}: {_bytes(n_bytes)}"
        )


def _bytes(n_bytes: float) -> str:
    """``n_bytes`` in the largest binary unit below it, e.g. ``7.28 TiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n_bytes < 1024 or unit == "PiB":
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1024
    raise AssertionError("unreachable")


def check_random_seed(random_seed: int | None) -> int | None:
    """Return the seed as an int >= 0, or None for a seed drawn from the operating system."""
    if random_seed is None:
        return None
    if not _is_int(random_seed):
        raise TypeError(f"random_seed: expected an integer >= 0 or None, got {describe(random_seed)}")
    if random_seed < 0:
        raise ValueError(f"random_seed: expected an integer >= 0 or None, got {random_seed!r}")
    return int(random_seed)


def check_default_action(default_action: str | None, action_ids: Sequence[str], epsilon: float | None) -> None:
    """A default action must be one of the actions and comes with an ``epsilon``."""
    if default_action is None:
        return
    if not isinstance(default_action, str):
        raise TypeError(f"default_action: expected an action id string or None, got {describe(default_action)}")
    if default_action not in action_ids:
        raise ValueError(f"default_action: expected one of the actions {list(action_ids)}, got {default_action!r}")
    if epsilon is None:
        raise ValueError(
            f"default_action: {default_action!r} is only played during epsilon-greedy exploration, "
            "so it needs an epsilon; got epsilon=None"
        )


def check_forbidden_actions(forbidden_actions: Iterable[str] | None, action_ids: Sequence[str]) -> list[str]:
    """Return the allowed action ids, in the bandit's order.

    Every forbidden action must be an action of the bandit, and at least one must stay allowed.
    """
    if forbidden_actions is None:
        return list(action_ids)
    if isinstance(forbidden_actions, str | bytes) or not isinstance(forbidden_actions, Iterable):
        raise TypeError(
            f"forbidden_actions: expected a collection of action ids or None, got {describe(forbidden_actions)}"
        )
    forbidden = set(forbidden_actions)
    unknown = sorted(str(a) for a in forbidden if a not in action_ids)
    if unknown:
        raise ValueError(
            f"forbidden_actions: expected actions of this bandit {list(action_ids)}, got unknown {unknown}"
        )
    allowed = [a for a in action_ids if a not in forbidden]
    if not allowed:
        raise ValueError(
            f"forbidden_actions: expected at least one action to stay allowed, got all of {list(action_ids)} forbidden"
        )
    return allowed


def check_actions(actions: Sequence[str], action_ids: Sequence[str]) -> np.ndarray:
    """Return the index (into ``action_ids``) of every played action, shape ``(n_rows,)``.

    Rows are grouped through ``numpy.unique``: one Python step per distinct action, not per row,
    for arrays of strings.
    """
    if isinstance(actions, str | bytes) or not (isinstance(actions, Sequence) or hasattr(actions, "__array__")):
        raise TypeError(f"actions: expected a sequence of action ids, got {describe(actions)}")
    few = isinstance(actions, list | tuple) and len(actions) <= 16
    if few and all(isinstance(a, str) for a in actions):  # a few rows (one per step): a dict is faster
        position = {a: i for i, a in enumerate(action_ids)}
        unknown = sorted({a for a in actions if a not in position})
        if unknown:
            raise ValueError(f"actions: expected actions of this bandit {list(action_ids)}, got unknown {unknown}")
        return np.array([position[a] for a in actions], dtype=np.intp)
    array = actions if isinstance(actions, np.ndarray) else None
    if array is None or array.dtype.kind != "U":
        array = np.asarray(actions, dtype=object)
        not_str = next((a for a in array.reshape(-1) if not isinstance(a, str)), None)
        if not_str is not None:
            raise TypeError(f"actions: expected action id strings, got {describe(not_str)}")
        # Kept as Python strings: numpy's fixed-width unicode would drop trailing NUL characters.
    if array.ndim != 1:
        raise ValueError(f"actions: expected a one-dimensional sequence of action ids, got shape {array.shape}")
    if array.size == 0:
        return np.empty(0, dtype=np.intp)
    unique, inverse = np.unique(array, return_inverse=True)
    position = {a: i for i, a in enumerate(action_ids)}
    unknown = [str(a) for a in unique if a not in position]
    if unknown:
        raise ValueError(f"actions: expected actions of this bandit {list(action_ids)}, got unknown {unknown}")
    lookup = np.array([position[a] for a in unique], dtype=np.intp)
    return lookup[inverse.reshape(-1)]


def reward_array(
    rewards: object, n_rows: int, n_objectives: int | None, what: str, allow_bool: bool = True
) -> np.ndarray:
    """Return the rewards as a float64 array of finite numbers: the checks every reward family shares.

    Shape ``(n_rows,)``, or ``(n_rows, n_objectives)`` for multi-objective bandits; booleans are read
    as 0 and 1. ``what`` names the rewards the family expects, for messages. The family then checks
    the values' range (:mod:`pybandits.model.family`).
    """
    if isinstance(rewards, str | bytes) or not (isinstance(rewards, Sequence) or hasattr(rewards, "__array__")):
        raise TypeError(f"rewards: expected a sequence of {what}, got {describe(rewards)}")
    try:
        array = np.asarray(rewards)
    except ValueError as error:  # ragged nested lists
        raise ValueError(
            f"rewards: expected one reward per objective ({n_objectives}) in every row, got rows of different lengths"
        ) from error
    if array.size == 0 and n_rows == 0:
        return np.empty((0,) if n_objectives is None else (0, n_objectives))
    if array.dtype.kind not in ("biuf" if allow_bool else "iuf"):
        raise TypeError(f"rewards: expected {what}, got values of type {array.dtype}")
    expected = (n_rows,) if n_objectives is None else (n_rows, n_objectives)
    n_given = array.shape[0] if array.ndim else 0
    if n_given != n_rows:
        raise ValueError(f"rewards: expected one entry per action played ({n_rows} actions), got {n_given}")
    if array.shape != expected:
        shape_of = (
            f"a sequence of {what}" if n_objectives is None else f"rows of {n_objectives} rewards, one per objective"
        )
        raise ValueError(f"rewards: expected {shape_of}, shape {expected}, got shape {array.shape}")
    array = array.astype(np.float64)
    finite = np.isfinite(array)
    if not finite.all():
        raise ValueError(f"rewards: expected finite numbers, got {array[~finite][:5].tolist()}")
    return array


def float_column(column: Any) -> tuple[np.ndarray, int | None]:
    """A pandas Series as float64, and the position of its first cell that is not a finite number.

    Numbers convert natively; text is parsed, and a cell that is not a number counts as bad. The
    position is None when every cell is a finite number. Callers name the column in their message.
    Dates and durations (a Parquet file's datetime or timedelta column) are not numbers: every
    cell is bad, rather than read as nanoseconds.

    Examples
    --------
    >>> import pandas as pd
    >>> float_column(pd.Series(["1.5", "2", "x"]))
    (array([1.5, 2. , nan]), 2)
    >>> float_column(pd.Series(pd.to_datetime(["2024-01-01"])))
    (array([nan]), 0)
    """
    import pandas as pd

    if column.dtype.kind in "mM":
        values = np.full(len(column), np.nan)
    elif column.dtype.kind in "biuf":
        values = column.to_numpy(dtype=np.float64)
    else:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    return values, (int(np.flatnonzero(bad)[0]) if bad.any() else None)


def check_context(
    context: object,
    n_features: int,
    n_rows: int | None = None,
    allow_empty: bool = False,
    categorical: Mapping[int, int] | None = None,
) -> np.ndarray:
    """Return the context as a C-contiguous float64 array ``(n_rows, n_features)`` of finite numbers.

    ``categorical`` maps a column to its cardinality: its values must be integer codes in
    ``[0, cardinality)``.
    """
    if isinstance(context, str | bytes) or context is None:
        raise TypeError(f"context: expected a 2-D array of numbers (n_rows, {n_features}), got {describe(context)}")
    if getattr(getattr(context, "dtype", None), "kind", "") in ("m", "M"):  # not read as nanoseconds
        raise TypeError(
            f"context: expected a 2-D array of numbers (n_rows, {n_features}), got dates or durations ({context.dtype})"
        )
    try:
        array = np.asarray(context, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"context: expected a 2-D array of numbers (n_rows, {n_features}), got {describe(context)}"
        ) from None
    if array.ndim != 2:
        raise ValueError(
            f"context: expected a 2-D array (n_rows, {n_features}), got {array.ndim}-D with shape {array.shape}"
        )
    if array.shape[0] == 0 and not allow_empty:
        raise ValueError(f"context: expected at least one row, got shape {array.shape}")
    if array.shape[1] != n_features:
        raise ValueError(f"context: expected {n_features} features (columns), got {array.shape[1]}")
    if n_rows is not None and array.shape[0] != n_rows:
        raise ValueError(f"context: expected one row per action played ({n_rows} actions), got {array.shape[0]} rows")
    if not np.all(np.isfinite(array)):
        bad_rows = np.flatnonzero(~np.isfinite(array).all(axis=1))
        raise ValueError(f"context: expected finite numbers, got NaN or infinity in rows {bad_rows[:5].tolist()}")
    for column, cardinality in (categorical or {}).items():
        codes = array[:, column]
        bad = (codes != np.floor(codes)) | (codes < 0) | (codes >= cardinality)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"context: expected integer codes in [0, {cardinality}) in categorical column {column}, got "
                f"{codes[row]:g} in row {row} ({int(bad.sum())} such rows); a new category needs a larger "
                "cardinality (edit_model_on_the_fly)"
            )
    return np.ascontiguousarray(array)


def check_hidden_dim_list(hidden_dim_list: object) -> list[int]:
    """Return the hidden layer widths as a list of ints >= 1 (empty for no hidden layer)."""
    if hidden_dim_list is None:
        return []
    if isinstance(hidden_dim_list, str | bytes) or not isinstance(hidden_dim_list, Sequence):
        raise TypeError(f"hidden_dim_list: expected a list of layer widths, got {describe(hidden_dim_list)}")
    bad = [w for w in hidden_dim_list if not _is_int(w) or w < 1]
    if bad:
        raise ValueError(f"hidden_dim_list: expected widths that are integers >= 1, got {list(hidden_dim_list)}")
    return [int(w) for w in hidden_dim_list]


def check_choice(value: object, name: str, choices: Sequence[object]) -> object:
    """``value`` must be one of ``choices``."""
    if isinstance(value, bool) and not any(isinstance(c, bool) for c in choices):
        raise TypeError(f"{name}: expected one of {list(choices)}, got {describe(value)}")
    if value not in choices:
        raise ValueError(f"{name}: expected one of {list(choices)}, got {value!r}")
    return value


def pydantic_problems(error: Exception) -> str:
    """One line per problem of a pydantic ``ValidationError``: ``field: message (got value)``."""
    problems = []
    for item in error.errors():  # type: ignore[attr-defined]
        where = ".".join(map(str, item["loc"])) or "value"
        message, got = item["msg"], f"{item['input']!r:.60}"
        if message.startswith("Input should be "):
            problems.append(f"{where}: expected {message.removeprefix('Input should be ')}, got {got}")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{where}: expected no such setting, got {where}={got}")
        elif item["type"] == "missing":
            problems.append(f"{where}: expected a value, got none")
        elif item["type"] == "value_error" and not item["loc"]:  # a model's own check: its message names the field
            problems.append(message.removeprefix("Value error, "))
        else:
            problems.append(f"{where}: expected valid input ({message}), got {got}")
    return "; ".join(problems)


def warn_uninformative_features(context: np.ndarray, columns: Sequence[int] | None = None) -> None:
    """Warn (:class:`~pybandits.exceptions.DataWarning`) about numeric features the batch cannot learn from.

    ``columns``: the numeric columns to look at (default all; categorical codes are not scaled).
    """
    if len(context) < 2 or (columns is not None and not len(columns)):
        return
    names = np.arange(context.shape[1]) if columns is None else np.asarray(columns)
    context = context if columns is None else context[:, names]
    spread = context.std(axis=0)
    flat = context.max(axis=0) == context.min(axis=0)  # exactly constant (std can be ~1e-17 then)
    constant = names[flat]
    if constant.size:
        warnings.warn(
            f"context: features {constant.tolist()} are constant in this batch; their weights cannot be told "
            "apart from the bias and stay near their prior",
            DataWarning,
            stacklevel=3,
        )
    scale = np.abs(context).max(axis=0)
    odd = np.flatnonzero((scale > 1e3) | (~flat & (spread < 1e-6)))
    if odd.size:
        warnings.warn(
            f"context: features {names[odd].tolist()} are far from unit scale (largest magnitudes "
            f"{scale[odd][:3].tolist()}); the priors assume standardised features, so standardise them",
            DataWarning,
            stacklevel=3,
        )


_TYPE_ERRORS = ("_type", "_parsing", "bool_", "int_from_float")


def pydantic_error(error: Exception, name: str) -> TypeError | ValueError:
    """The error to raise for a pydantic ``ValidationError`` of argument ``name``.

    A ``TypeError`` when every problem is a value of the wrong kind (a string for a number), a
    ``ValueError`` otherwise; the message starts with ``name`` (see :func:`pydantic_problems`).
    """
    kinds = [item["type"] for item in error.errors()]  # type: ignore[attr-defined]
    wrong_kind = all(any(marker in kind for marker in _TYPE_ERRORS) for kind in kinds)
    return (TypeError if wrong_kind else ValueError)(f"{name}: {pydantic_problems(error)}")
