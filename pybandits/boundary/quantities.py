"""Quantitative actions and prices: what a bandit checks at its boundary.

A *quantitative* action is played with a quantity ``q`` in ``[0, 1]^d`` (a discount level, a bonus
size, a normalised price): ``cold_start(..., quantitative_action_ids={"discount": 1})`` declares it
beside the ordinary ``action_ids``. A bandit with quantitative actions predicts an
:class:`ActionChoice` per row, ``(action_id, quantity)``, with ``quantity`` None for an ordinary
action; it is updated with the quantity each row was played at (``update(..., quantities=...)``, or
the choices themselves as ``actions``).

``forbidden_actions`` may forbid a whole action (its id) or regions of a quantitative action's
quantity space: a mapping ``{action_id: None or [(low, high), ...]}`` of boxes, or, for an action
whose model is a network, ``{action_id: g}`` with ``g(q) > 0`` where a quantity ``q`` (a 1-D array
of ``d`` numbers) is forbidden (a :class:`Constraint`: a constraint such as ``q[0] + q[1] <= 1`` is
``lambda q: q[0] + q[1] - 1``), or a list of such functions (a quantity any of them forbids is
forbidden).

Dynamic-pricing bandits take ``action_ids_price={action: price}``: a number > 0 for an ordinary
action; for a quantitative action a number or a function of the quantities (an array
``(n, d)`` to ``n`` prices > 0). Functions are code: a bandit's state records that an action's
price is a function, and loading the state asks for it by action.

Examples
--------
>>> ActionChoice("discount", (0.25,))
ActionChoice(action_id='discount', quantity=(0.25,))
>>> check_quantitative_ids({"discount": 1, "bonus": 2}, ["a"])
{'bonus': 2, 'discount': 1}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from pybandits.boundary import validation as check

__all__ = [
    "ActionChoice",
    "Constraint",
    "PriceFunction",
    "check_prices",
    "check_quantitative_ids",
    "evaluate_prices",
    "read_only_copy",
    "split_forbidden",
    "split_played",
]

#: A quantitative action's price: quantities ``(n, d)`` to ``n`` prices > 0.
PriceFunction = Callable[[np.ndarray], Any]
#: A forbidden region's function: one quantity (``(d,)``) to a number, > 0 where it is forbidden.
_Margin = Callable[[np.ndarray], Any]
#: What a state records for an action whose price is a function (the function itself is code).
PRICE_FUNCTION = "function"


class ActionChoice(NamedTuple):
    """A chosen action with its quantity: what bandits with quantitative actions predict per row.

    ``quantity`` is a tuple of ``d`` numbers in [0, 1] for a quantitative action, None for an
    ordinary one. It unpacks as ``action_id, quantity = choice`` and compares as a tuple.

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"], random_seed=0)
    >>> [type(choice).__name__ for choice in mab.predict(n_samples=2)[0]]
    ['ActionChoice', 'ActionChoice']
    >>> action_id, quantity = ActionChoice("q", (0.5,))
    """

    action_id: str
    quantity: tuple[float, ...] | None


def check_quantitative_ids(quantitative_action_ids: object, action_ids: object) -> dict[str, int]:
    """``{action_id: d}`` (sorted) from a mapping of dimensions or a collection of ids (``d = 1``).

    The ids must be new (not among ``action_ids``, whose own checks come later), non-empty
    strings; dimensions integers >= 1.
    """
    if quantitative_action_ids is None:
        return {}
    iterable = isinstance(action_ids, Iterable) and not isinstance(action_ids, str | bytes)
    action_ids = list(action_ids) if iterable else []  # type: ignore[call-overload]
    if isinstance(quantitative_action_ids, str | bytes) or not isinstance(quantitative_action_ids, Iterable):
        raise TypeError(
            "quantitative_action_ids: expected a mapping {action_id: dimension} or a collection of action ids, "
            f"got {check.describe(quantitative_action_ids)}"
        )
    ids = list(quantitative_action_ids)
    for action_id in ids:
        if not isinstance(action_id, str) or not action_id:
            raise ValueError(f"quantitative_action_ids: expected non-empty string ids, got {action_id!r}")
    duplicates = sorted({a for a in ids if ids.count(a) > 1})
    if duplicates:
        raise ValueError(f"quantitative_action_ids: expected unique action ids, got duplicates {duplicates}")
    given = dict(quantitative_action_ids) if isinstance(quantitative_action_ids, Mapping) else dict.fromkeys(ids, 1)
    for action_id, dimension in given.items():
        if not check.is_positive_int(dimension):
            raise ValueError(
                f"quantitative_action_ids: expected a dimension that is an integer >= 1 for {action_id!r}, "
                f"got {dimension!r}"
            )
    both = sorted(set(given) & set(action_ids))
    if both:
        raise ValueError(f"quantitative_action_ids: expected ids that are not also ordinary action_ids, got {both}")
    return {action_id: int(dimension) for action_id, dimension in sorted(given.items())}


def _check_box(action_id: str, box: object, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        low, high = (np.asarray(corner, dtype=float).reshape(-1) for corner in box)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(
            f"forbidden_actions: expected regions of {action_id!r} as (low, high) pairs of {dimension} numbers, "
            f"got {box!r:.80}"
        ) from None
    if low.shape != (dimension,) or high.shape != (dimension,) or not np.all((low >= 0) & (low < high) & (high <= 1)):
        raise ValueError(
            f"forbidden_actions: expected a region of {action_id!r} with 0 <= low < high <= 1 in each of its "
            f"{dimension} dimensions, got low={low.tolist()}, high={high.tolist()}"
        )
    return low, high


class Constraint:
    """A quantitative action's forbidden region given as a function: ``g(q) > 0`` where ``q`` is forbidden.

    Examples
    --------
    >>> constraint = Constraint(lambda q: q[0] + q[1] - 1.0, "offer", 2)
    >>> constraint.allowed(np.array([[0.2, 0.3], [0.9, 0.9]])).tolist()
    [True, False]
    """

    def __init__(
        self,
        function: Callable[[np.ndarray], Any] | Sequence[Callable[[np.ndarray], Any]],
        action_id: str,
        dimension: int,
    ) -> None:
        self.functions = list(function) if isinstance(function, Sequence) else [function]
        self.action_id, self.dimension = action_id, dimension

    def allowed(self, points: np.ndarray) -> np.ndarray:
        """Whether each row of ``points`` (``(n, d)`` quantities) is allowed: ``g(q) <= 0``."""
        allowed = np.ones(len(points), dtype=bool)
        for function in self.functions:  # several functions: a quantity any of them forbids is forbidden
            for i, point in enumerate(points):
                value = function(point.copy())
                try:
                    margin = float(value)
                except (TypeError, ValueError):
                    margin = np.nan
                if not np.isfinite(margin):
                    raise ValueError(
                        f"forbidden_actions: expected the function of {self.action_id!r} to give a finite number for "
                        f"a quantity (> 0 where it is forbidden), got {value!r:.60} at {point.tolist()}"
                    )
                allowed[i] &= margin <= 0.0
        return allowed

    def any_allowed(self) -> bool:
        """Whether some quantity is allowed, probed on 4,096 fixed points (the bandit's generator does not move)."""
        probe = np.random.default_rng(0).random((4096, self.dimension))
        return bool(self.allowed(probe).any())


def split_forbidden(
    forbidden_actions: object, action_ids: Sequence[str], dimensions: Mapping[str, int]
) -> tuple[list[str], dict[str, list[tuple[np.ndarray, np.ndarray]]]]:
    """Whole actions forbidden, and forbidden regions per quantitative action.

    ``forbidden_actions`` is None, a collection of ids, or a mapping ``{action_id: None, regions or a
    function}``; a function becomes a :class:`Constraint`.
    """
    if not isinstance(forbidden_actions, Mapping):
        return ([] if forbidden_actions is None else forbidden_actions), {}  # type: ignore[return-value]
    whole, regions = [], {}
    for action_id, boxes in forbidden_actions.items():
        if boxes is None:
            whole.append(action_id)
            continue
        if action_id not in dimensions:
            known = action_id in action_ids
            raise ValueError(
                f"forbidden_actions: expected regions for the quantitative actions {sorted(dimensions)} only, "
                f"got regions for {'the ordinary action' if known else 'the unknown action'} {action_id!r}"
            )
        if callable(boxes) or (isinstance(boxes, list | tuple) and boxes and all(map(callable, boxes))):
            regions[action_id] = Constraint(boxes, action_id, dimensions[action_id])  # type: ignore[arg-type]
            continue
        if isinstance(boxes, str | bytes | Mapping) or not isinstance(boxes, Iterable):
            raise TypeError(
                f"forbidden_actions: expected a list of (low, high) regions or a function of the quantity for "
                f"{action_id!r}, got {check.describe(boxes)}"
            )
        regions[action_id] = [_check_box(action_id, box, dimensions[action_id]) for box in boxes]
    return whole, regions


def _check_quantity(action_id: str, quantity: object, dimension: int, row: int) -> np.ndarray:
    try:
        value = np.asarray(quantity, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        value = None
    if value is None or value.shape != (dimension,) or not np.all(np.isfinite(value)):
        raise ValueError(
            f"quantities: expected {dimension} finite number(s) for the quantitative action {action_id!r} in row "
            f"{row}, got {quantity!r:.60}"
        )
    if not np.all((value >= 0.0) & (value <= 1.0)):
        raise ValueError(
            f"quantities: expected quantities in [0, 1] for {action_id!r} in row {row}, got {value.tolist()}"
        )
    return value


def split_played(
    actions: Sequence[Any], quantities: Sequence[Any] | None, dimensions: Mapping[str, int], action_ids: Sequence[str]
) -> tuple[list[Any], dict[int, np.ndarray]]:
    """The played action ids, and the quantity of every row of a quantitative action (row -> array).

    ``actions`` holds ids or :class:`ActionChoice` tuples (whose quantities are used when
    ``quantities`` is None); ``quantities`` has one entry per row, None for ordinary actions.
    Rows of an id that is not among ``action_ids`` are left to the ids' own check, which names them.
    """
    if isinstance(actions, str | bytes) or not isinstance(actions, Sequence | np.ndarray):
        return actions, {}  # type: ignore[return-value]  # the ids' own check names the problem
    ids = [item[0] if isinstance(item, tuple) and len(item) == 2 else item for item in actions]
    if quantities is None:
        quantities = [item[1] if isinstance(item, tuple) and len(item) == 2 else None for item in actions]
    elif isinstance(quantities, str | bytes) or not isinstance(quantities, Sequence | np.ndarray):
        raise TypeError(
            f"quantities: expected a sequence with one entry per row ({len(ids)}, None for ordinary actions), got "
            f"{check.describe(quantities)}"
        )
    elif len(quantities) != len(ids):
        raise ValueError(
            f"quantities: expected one entry per row ({len(ids)}, None for ordinary actions), got "
            f"{check.describe(quantities)}"
        )
    known = set(action_ids)
    played: dict[int, np.ndarray] = {}
    for row, (action_id, quantity) in enumerate(zip(ids, quantities, strict=True)):
        if not isinstance(action_id, str) or action_id not in known:
            continue
        dimension = dimensions.get(action_id)
        if dimension is None:
            if quantity is not None:
                raise ValueError(
                    f"quantities: expected None for the ordinary action {action_id!r} in row {row}, "
                    f"got {quantity!r:.60}"
                )
            continue
        if quantity is None:
            raise ValueError(
                f"quantities: expected the quantity the quantitative action {action_id!r} was played at in row {row}, "
                "got None"
            )
        played[row] = _check_quantity(action_id, quantity, dimension, row)
    return ids, played


def check_prices(
    action_ids_price: object, action_ids: Sequence[str], dimensions: Mapping[str, int]
) -> tuple[dict[str, float | str], dict[str, PriceFunction]]:
    """The prices a state records (a number, or ``"function"``) and the price functions, by action."""
    if not isinstance(action_ids_price, Mapping):
        raise TypeError(
            f"action_ids_price: expected a mapping {{action_id: price}}, got {check.describe(action_ids_price)}"
        )
    every = [*action_ids, *dimensions]
    missing, unknown = sorted(set(every) - set(action_ids_price)), sorted(set(action_ids_price) - set(every))
    if missing or unknown:
        raise ValueError(
            f"action_ids_price: expected a price for every action {sorted(every)}, got missing {missing}, unknown "
            f"{unknown}"
        )
    recorded: dict[str, float | str] = {}
    functions: dict[str, PriceFunction] = {}
    for action_id in sorted(every):
        price = action_ids_price[action_id]
        if callable(price):
            if action_id not in dimensions:
                raise TypeError(
                    f"action_ids_price: a price function needs a quantitative action, got one for the ordinary action "
                    f"{action_id!r}; expected a number"
                )
            recorded[action_id], functions[action_id] = PRICE_FUNCTION, price
        elif check.is_real(price) and np.isfinite(price) and price > 0:
            recorded[action_id] = float(price)
        else:
            raise ValueError(
                f"action_ids_price: expected a price > 0 (or a function of the quantity) for {action_id!r}, "
                f"got {price!r:.60}"
            )
    return recorded, functions


def read_only_copy(array: np.ndarray) -> np.ndarray:
    """A copy of ``array`` that cannot be written to: what the user's functions (prices, worlds) are given.

    A function that writes into its argument changes its own copy at most, never the library's
    arrays (the quantities a prediction plays, a simulator's grid or context).

    Examples
    --------
    >>> ours = np.zeros((2, 1))
    >>> theirs = read_only_copy(ours)
    >>> theirs.flags.writeable, np.shares_memory(ours, theirs)
    (False, False)
    """
    copy = np.array(array, dtype=float, copy=True)
    copy.flags.writeable = False
    return copy


def evaluate_prices(
    action_id: str, price: float | str, function: PriceFunction | None, quantities: np.ndarray
) -> np.ndarray:
    """Prices of ``quantities`` (``(n, d)``) of one action: its number, or its function's values, checked.

    The function gets a read-only copy of the quantities (:func:`read_only_copy`); what it returns
    is copied too.
    """
    if price != PRICE_FUNCTION:
        return np.full(len(quantities), float(price))
    if function is None:
        raise ValueError(
            f"action_ids_price: the price of {action_id!r} is a function, and none was given: expected its function "
            "(from_state or load with price_functions={...}), got none"
        )
    expected = f"{len(quantities)} finite prices > 0 for {len(quantities)} quantities"
    try:
        returned = function(read_only_copy(quantities))
    except Exception as error:  # the user's code: any failure is reported with the action
        raise ValueError(
            f"action_ids_price: the price function of {action_id!r} failed: expected {expected}, got {error!r:.200}"
        ) from None
    values = _prices_returned(returned)
    if values is None or values.shape != (len(quantities),):
        got = check.describe(returned) if values is None else f"shape {values.shape}"
        raise ValueError(f"action_ids_price: the price function of {action_id!r}: expected {expected}, got {got}")
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"action_ids_price: the price function of {action_id!r}: expected {expected}, got "
            f"{float(values[row])!r} at quantity {quantities[row].tolist()}"
        )
    return values


def _prices_returned(returned: object) -> np.ndarray | None:
    """What a price function returned as a flat float array (a copy), or None when it is not numbers."""
    try:
        array = np.asarray(returned)
    except (TypeError, ValueError):
        return None
    if array.dtype.kind not in "iuf":  # None, strings, booleans, objects
        return None
    return np.array(array, dtype=float).reshape(-1)
