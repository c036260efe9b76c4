"""Worlds of quantitative actions and prices: reward surfaces over the quantity, demand curves, the grid.

A quantitative action is played with a quantity ``q`` in ``[0, 1]^d`` (:mod:`pybandits.boundary.quantities`).
Its world is a *reward surface*: a function of the quantities, an array ``(n, d)``, giving the
``n`` expected rewards (probabilities for Bernoulli bandits). For a dynamic-pricing bandit the
reward is a purchase, the surface gives purchase probabilities, and the regret is measured in
revenue, ``price * purchase probability``, the price of a row being the bandit's own (a number,
or its price function of the quantity).

The simulators need the best a bandit could have done in every row; for a quantitative action they
take it on :func:`quantity_grid` (1001 points for ``d = 1``), and they measure a uniformly random
policy (a random action, at a uniformly random quantity) by the surface's mean on the same grid.

Examples
--------
A pricing world: a quantity ``q`` sets the price ``1 + 9 q``, customers buy with a logistic demand.

>>> import numpy as np
>>> demand = LogisticDemand(intercept=3.0, slope=0.6)
>>> price = lambda q: 1.0 + 9.0 * q[:, 0]
>>> surface = demand.surface(price)  # purchase probability of each quantity
>>> surface(np.array([[0.0], [1.0]])).round(3).tolist()
[0.917, 0.047]
>>> round(demand.optimal_price(1.0, 10.0), 2)  # the revenue-maximising price
4.26
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from pybandits.boundary import quantities as _quantities
from pybandits.boundary import validation as check

__all__ = ["LogisticDemand", "quantity_grid"]

#: A world's reward surface of a quantitative action: quantities ``(n, d)`` to ``n`` expected rewards.
RewardSurface = Callable[[np.ndarray], Any]

#: Points of the grid a best quantity is searched on, for ``d = 1``.
GRID_POINTS_1D = 1001
#: Roughly how many points the grid has for ``d > 1``.
GRID_SIZE = 10_000
#: Above this dimension the grid would be too coarse: a fixed random set is used instead.
GRID_MAX_DIMENSION = 8


def quantity_grid(dimension: int) -> np.ndarray:
    """The quantities a simulator takes the best (and the mean) of a reward surface on, shape ``(n, d)``.

    ``d = 1``: 1001 evenly spaced points of [0, 1] (spacing 0.001). ``1 < d <= 8``: the regular
    grid with ``k = floor(10000 ** (1 / d))`` evenly spaced values per axis, corners included
    (``k = 100`` for ``d = 2``, 21 for ``d = 3``, 10 for ``d = 4``, 3 for ``d = 8``). ``d > 8``:
    10,000 points drawn uniformly from ``[0, 1]^d`` with a fixed seed (the same set every time).
    The best on the grid is the regret's reference, so a played quantity may do better than it by
    up to the surface's change over one grid step: the regret of a row is clipped at 0.

    Examples
    --------
    >>> quantity_grid(1).shape, quantity_grid(2).shape, quantity_grid(3).shape
    ((1001, 1), (10000, 2), (9261, 3))
    >>> quantity_grid(2)[[0, -1]].tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    dimension = check.check_positive_int(dimension, "dimension")
    if dimension == 1:
        return np.linspace(0.0, 1.0, GRID_POINTS_1D).round(12)[:, None]
    if dimension > GRID_MAX_DIMENSION:
        return np.random.default_rng(0).random((GRID_SIZE, dimension))
    per_axis = int(np.floor(GRID_SIZE ** (1.0 / dimension) + 1e-9))
    axis = np.linspace(0.0, 1.0, per_axis).round(12)
    return np.array(list(itertools.product(axis, repeat=dimension)))


class LogisticDemand:
    """A demand curve: the probability that a customer buys at a price, ``sigmoid(intercept - slope * price)``.

    Parameters
    ----------
    intercept : float
        The log-odds of a purchase at price 0.
    slope : float
        How fast the log-odds fall per unit of price (> 0 for a demand that falls with the price).

    Examples
    --------
    >>> import numpy as np
    >>> demand = LogisticDemand(3.0, 0.6)
    >>> demand(np.array([1.0, 5.0, 10.0])).round(3).tolist()
    [0.917, 0.5, 0.047]
    >>> price = lambda q: 1.0 + 9.0 * q[:, 0]
    >>> from pybandits.smab import SmabBernoulliDP
    >>> from pybandits.simulation import SmabSimulator
    >>> mab = SmabBernoulliDP.cold_start(quantitative_action_ids=["price"], action_ids_price={"price": price})
    >>> simulator = SmabSimulator(mab, {"price": demand.surface(price)}, n_updates=20, random_seed=0)
    >>> result = simulator.run()
    >>> bool(result.summary.regret_ratio < 0.6)  # revenue regret, against random prices
    True
    """

    def __init__(self, intercept: float, slope: float) -> None:
        for name, value in (("intercept", intercept), ("slope", slope)):
            if not check.is_real(value) or not np.isfinite(value):
                raise TypeError(f"{name}: expected a finite real number, got {check.describe(value)}")
        self.intercept, self.slope = float(intercept), float(slope)

    def __repr__(self) -> str:
        return f"LogisticDemand(intercept={self.intercept!r}, slope={self.slope!r})"

    def __call__(self, price: Any) -> np.ndarray:
        """Purchase probabilities of the prices (any shape)."""
        return 1.0 / (1.0 + np.exp(-(self.intercept - self.slope * np.asarray(price, dtype=float))))

    def surface(self, price_function: Callable[[np.ndarray], Any]) -> RewardSurface:
        """The reward surface of an action priced by ``price_function``: quantities to purchase probabilities.

        ``price_function`` maps quantities ``(n, d)`` to ``n`` prices, as the bandit's does.
        """
        if not callable(price_function):
            raise TypeError(
                f"price_function: expected a function of the quantities, got {check.describe(price_function)}"
            )
        return lambda quantities: self(price_function(quantities))

    def optimal_price(self, low: float, high: float, n_points: int = 100_001) -> float:
        """The price in ``[low, high]`` with the highest expected revenue ``price * demand(price)`` (on a grid)."""
        if not (check.is_real(low) and check.is_real(high) and 0 <= low < high and np.isfinite(high)):
            raise ValueError(f"low, high: expected 0 <= low < high, finite, got {low!r}, {high!r}")
        prices = np.linspace(low, high, check.check_positive_int(n_points, "n_points"))
        return float(prices[np.argmax(prices * self(prices))])


# -- what the simulators share -------------------------------------------------------------------


def _first_bad(array: np.ndarray, family: Any) -> int | None:
    """The index of the first value that is not a finite expected reward the family accepts, or None."""
    bad = ~np.isfinite(array) | family.invalid_rewards(np.where(np.isfinite(array), array, 0.0))
    return int(np.flatnonzero(bad)[0]) if bad.any() else None


def check_world_values(values: Any, n_rows: int, family: Any, what: str) -> np.ndarray:
    """``values`` as ``n_rows`` finite expected rewards the family accepts, or a ValueError starting with ``what``."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: expected {n_rows} expected rewards, got {check.describe(values)}") from None
    if array.shape != (n_rows,):
        raise ValueError(f"{what}: expected {n_rows} expected rewards, shape ({n_rows},), got shape {array.shape}")
    if (row := _first_bad(array, family)) is not None:
        raise ValueError(f"{what}: expected {family.expected_kind}, got {float(array[row])!r}")
    return array


def evaluate_surface(surface: Any, quantities: np.ndarray, family: Any, what: str, action_id: str) -> np.ndarray:
    """A reward surface's expected rewards at ``quantities`` ``(n, d)``: a number is a constant surface.

    The surface gets a read-only copy of the quantities (a simulator's grid stays as it is).
    Failures name the action: ``what`` is the argument (``probs_reward``, ``reward_fn``).
    """
    if not callable(surface):
        return check_world_values(np.full(len(quantities), surface, dtype=float), len(quantities), family, what)
    try:
        values = np.asarray(surface(_quantities.read_only_copy(quantities)), dtype=float)  # ours stay ours
    except Exception as error:  # the user's code: any failure is reported with the action
        raise ValueError(
            f"{what}: the reward surface of {action_id!r} failed: expected {len(quantities)} expected rewards, got "
            f"{error!r:.200}"
        ) from None
    if values.shape != (len(quantities),):
        raise ValueError(
            f"{what}: the reward surface of {action_id!r} should map quantities of shape {quantities.shape} to "
            f"{len(quantities)} expected rewards, got shape {values.shape}"
        )
    if (row := _first_bad(values, family)) is not None:
        raise ValueError(
            f"{what}: the reward surface of {action_id!r} gave {float(values[row])!r} at quantity "
            f"{quantities[row].tolist()}; expected {family.expected_kind}"
        )
    return values


def split_choices(choices: Sequence[Any]) -> tuple[np.ndarray, list[tuple[float, ...] | None]]:
    """The action ids of ``predict``'s choices (ids or ActionChoice tuples), and their quantities (None for ids)."""
    ids = np.empty(len(choices), dtype=object)
    quantities: list[tuple[float, ...] | None] = []
    for row, choice in enumerate(choices):
        if isinstance(choice, _quantities.ActionChoice):
            ids[row] = choice.action_id
            quantities.append(choice.quantity)
        else:
            ids[row] = choice
            quantities.append(None)
    return ids, quantities


def object_column(values: Sequence[Any]) -> np.ndarray:
    """A 1-d object array of ``values`` (tuples stay whole)."""
    column = np.empty(len(values), dtype=object)
    for row, value in enumerate(values):
        column[row] = value
    return column


def prices_at(mab: Any, action_id: str, quantities: np.ndarray | None, n_rows: int) -> np.ndarray:
    """The bandit's prices of ``n_rows`` plays of an action: its number, or its function of ``quantities``."""
    price = mab.action_prices[action_id]
    if quantities is None:
        return np.full(n_rows, float(price))
    return _quantities.evaluate_prices(action_id, price, mab._price_functions.get(action_id), quantities)


def uses_quantity_world(mab: Any) -> bool:
    """Whether a simulation of ``mab`` needs surfaces and revenue: quantitative actions, or prices."""
    return bool(mab.quantity_dimensions) or mab.strategy.uses_prices


class QuantityWorld:
    """How a simulator values a bandit's plays in a world of reward surfaces: the grids and their prices.

    ``what`` names the simulator's world argument in messages. ``outputs`` map every action to
    the world's output: a number (stochastic) or an array of a value per row (contextual) for an
    ordinary action, a reward surface (or such a constant) for a quantitative one. A stochastic
    world's surfaces take any number of quantities (``row_bound`` False); a contextual world's
    take one quantity per context row (``row_bound`` True).
    """

    def __init__(self, mab: Any, what: str, row_bound: bool) -> None:
        self.mab, self.what, self.row_bound = mab, what, row_bound
        self.ids, self.dimensions, self.family = list(mab.actions), mab.quantity_dimensions, mab.family
        self.pricing = bool(mab.strategy.uses_prices)
        self.grids = {a: quantity_grid(d) for a, d in self.dimensions.items()}
        self.grid_prices = {}
        if self.pricing:
            self.grid_prices = {
                a: prices_at(mab, a, self.grids.get(a), len(self.grids[a]) if a in self.grids else 1) for a in self.ids
            }

    def grid_values(self, action_id: str, output: Any, n_rows: int) -> np.ndarray:
        """An action's expected values (revenue for pricing) in each row at each grid point, ``(n_rows, n_points)``.

        An ordinary action (or a constant surface without a price function) has one point.
        """
        if callable(output) and action_id not in self.dimensions:
            raise TypeError(
                f"{self.what}: a reward surface (a function of the quantity) needs a quantitative action, got one for "
                f"the ordinary action {action_id!r}; expected "
                + (f"an array of {n_rows} expected rewards" if self.row_bound else "a number")
            )
        if not callable(output):
            given = output if self.row_bound else np.full(n_rows, output, dtype=float)
            values = check_world_values(given, n_rows, self.family, f"{self.what}: {action_id!r}")[:, None]
        elif not self.row_bound:
            values = evaluate_surface(output, self.grids[action_id], self.family, self.what, action_id)[None, :]
        else:
            columns = [
                evaluate_surface(output, np.repeat(point[None], n_rows, axis=0), self.family, self.what, action_id)
                for point in self.grids[action_id]
            ]
            values = np.stack(columns, axis=1)
        return values * self.grid_prices[action_id][None, :] if self.pricing else values

    def summary(self, outputs: Mapping[str, Any], n_rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Every action's best and mean expected value on the grid per row, each ``(n_rows, n_actions)``."""
        best, means = np.empty((n_rows, len(self.ids))), np.empty((n_rows, len(self.ids)))
        for j, action_id in enumerate(self.ids):
            values = self.grid_values(action_id, outputs[action_id], n_rows)
            best[:, j], means[:, j] = values.max(axis=1), values.mean(axis=1)
        return best, means

    def played(
        self, outputs: Mapping[str, Any], played: np.ndarray, quantities: list[tuple[float, ...] | None]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The played actions' expected rewards at their quantities, and their prices (pricing, else None)."""
        n_rows = len(played)
        expected = np.empty(n_rows)
        prices = np.empty(n_rows) if self.pricing else None
        for action_id in np.unique(played.astype(str)).tolist():
            rows = np.flatnonzero(played == action_id)
            output, points = outputs[action_id], None
            if action_id in self.dimensions:
                points = np.array([quantities[row] for row in rows.tolist()], dtype=float)
            if not callable(output):
                expected[rows] = np.asarray(output, dtype=float)[rows] if self.row_bound else float(output)
            elif self.row_bound:
                every = np.zeros((n_rows, self.dimensions[action_id]))  # the surface takes a quantity per row
                every[rows] = points
                expected[rows] = evaluate_surface(output, every, self.family, self.what, action_id)[rows]
            else:
                expected[rows] = evaluate_surface(output, points, self.family, self.what, action_id)
            if prices is not None:
                prices[rows] = prices_at(self.mab, action_id, points, len(rows))
        return expected, prices

    def best_quantities(self, outputs: Mapping[str, Any]) -> dict[str, tuple[float, ...] | None]:
        """A stochastic world's best grid point of every quantitative action (by revenue for pricing).

        None for an action whose value does not depend on its quantity (every point is best).
        """
        best: dict[str, tuple[float, ...] | None] = {}
        for action_id in self.dimensions:
            values = self.grid_values(action_id, outputs[action_id], 1)[0]
            index = int(np.argmax(values))
            best[action_id] = None if np.ptp(values) == 0 else tuple(self.grids[action_id][index].tolist())
        return best


def played_columns(
    ids: np.ndarray, quantities: list[tuple[float, ...] | None], prices: np.ndarray | None, has_quantities: bool
) -> dict[str, np.ndarray]:
    """``action``, ``quantity`` (a bandit with quantitative actions) and ``price`` (pricing) of a round's rows."""
    columns: dict[str, np.ndarray] = {"action": ids}
    if has_quantities:
        columns["quantity"] = object_column(quantities)
    if prices is not None:
        columns["price"] = prices
    return columns


def value_columns(
    expected: np.ndarray,
    prices: np.ndarray | None,
    best: np.ndarray,
    random_regret: np.ndarray,
    action_ids: list[str],
) -> dict[str, np.ndarray]:
    """``expected`` (the played action at its quantity), ``revenue`` (pricing), ``expected_<action>``, the regrets.

    ``best`` ``(n_rows, n_actions)``: each action's best expected value in each row (its revenue
    for pricing; for a quantitative action the best on :func:`quantity_grid`). The regret of a row
    is the best of them minus the played value, clipped at 0.
    """
    value = expected if prices is None else prices * expected
    columns = {"expected": expected}
    if prices is not None:
        columns["revenue"] = value
    columns |= {f"expected_{a}": best[:, j] for j, a in enumerate(action_ids)}
    columns["regret"] = np.maximum(best.max(axis=1) - value, 0.0)
    columns["random_regret"] = random_regret
    return columns
