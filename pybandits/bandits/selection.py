"""How every bandit chooses: the strategy per row, epsilon-greedy exploration, the best quantity and price.

The limited actions' gate and the default action's share of exploration are drawn here too, with
the helpers of :mod:`pybandits.bandits.availability`.

:class:`Selection` is a part of :class:`~pybandits.bandits.base.BaseMab`: the stochastic and the
contextual bandits draw their sampled rewards their own way, then choose through these methods,
written once. :meth:`Selection._draw_with_candidates` is the one place a quantitative action's
quantity is chosen, for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from pybandits.bandits import availability
from pybandits.boundary import quantities as _quantities
from pybandits.boundary import validation as check
from pybandits.model.regions import allowed_in_unit_box

__all__ = ["Selection"]


class Selection:
    """Choosing actions from sampled expected rewards (a part of :class:`~pybandits.bandits.base.BaseMab`)."""

    def _allowed_action_ids(self, forbidden_actions: Iterable[str] | None) -> list[str]:
        return check.check_forbidden_actions(forbidden_actions, list(self.actions))

    def _select_indices(self, probs: np.ndarray, allowed: list[str], prices: np.ndarray | None = None) -> np.ndarray:
        """Apply the limited actions' gate, the strategy and epsilon-greedy exploration to sampled expected rewards.

        ``probs`` has the allowed actions on axis 1, in the order of ``allowed``; the result is
        the index into ``allowed`` of the action chosen in every row. With ``limited_actions``, one
        gate is drawn per row first; a row whose gate is closed chooses, by strategy and by
        exploration, among the other actions only (:mod:`pybandits.bandits.availability`).
        """
        n_rows, rng = len(probs), self.__pydantic_private__["_rng"]  # direct: pydantic's lookup is slow
        closed = availability.closed_columns(allowed, self.limited_actions)
        if self.limited_actions:
            is_open = availability.draw_gate(rng, n_rows, self.limited_action_fraction)
        if closed is None:
            chosen = self._strategy_indices(probs, allowed, prices)
        else:
            chosen = np.empty(n_rows, dtype=np.intp)
            for rows, columns in ((np.flatnonzero(is_open), None), (np.flatnonzero(~is_open), closed)):
                if rows.size:
                    chosen[rows] = self._strategy_among(
                        probs[rows], allowed, None if prices is None else prices[rows], columns
                    )
        if self.epsilon:
            explore = np.flatnonzero(rng.random(n_rows) < self.epsilon)
            if explore.size:
                offered = None  # every exploring row may play every allowed action
                if closed is not None:
                    offered = np.zeros((explore.size, len(allowed)), dtype=bool)
                    offered[:, closed] = True
                    offered[is_open[explore]] = True
                chosen[explore] = availability.draw_explored(
                    rng,
                    explore.size,
                    len(allowed),
                    offered,
                    allowed.index(self.default_action) if self.default_action in allowed else None,
                    self.default_action_fraction,
                )
        return chosen

    def _strategy_among(
        self, probs: np.ndarray, allowed: list[str], prices: np.ndarray | None, columns: np.ndarray | None
    ) -> np.ndarray:
        """The strategy's choice (index into ``allowed``) among the actions at ``columns`` (all when None)."""
        if columns is None:
            return self._strategy_indices(probs, allowed, prices)
        kept = [allowed[j] for j in columns]
        return columns[self._strategy_indices(probs[:, columns], kept, None if prices is None else prices[:, columns])]

    def _strategy_indices(self, probs: np.ndarray, allowed: list[str], prices: np.ndarray | None = None) -> np.ndarray:
        """The strategy's choice (index into ``allowed``) in every row, before epsilon-greedy exploration.

        ``prices`` (rows, allowed actions): dynamic pricing's prices; the actions' fixed prices when None.
        Sampled rewards that are NaN or infinite are refused as :meth:`Strategy.select` refuses them.
        """
        self.strategy.check_finite(probs)  # as Strategy.select; the shapes are ours
        costs = np.array([self.actions[a].cost for a in allowed], dtype=float) if self.strategy.uses_costs else None
        if not self.strategy.uses_prices:
            return self.strategy._select(probs, self.__pydantic_private__["_rng"], costs)
        if prices is None:
            prices = np.broadcast_to([float(self.action_prices[a]) for a in allowed], probs.shape[:2])  # type: ignore[index]
        return self.strategy._select(probs, self._rng, costs, prices=prices)

    def _choice_probabilities(
        self, probs: np.ndarray, allowed: list[str], n_rows: int, prices: np.ndarray | None = None
    ) -> np.ndarray:
        """Per row, the probability of playing each action, from ``n_draws`` tiled Thompson draws.

        ``probs`` holds the sampled expected rewards of ``n_draws`` copies of ``n_rows`` rows,
        copy after copy (``numpy.tile`` of the rows). The strategy's choices are counted; the
        limited actions' gate and epsilon exploration (the default action's share included) are
        mixed in exactly, not drawn: with the gate open (probability ``limited_action_fraction``)
        the strategy chooses among every allowed action, closed among the others, on the same
        draws. Returns ``(n_rows, n_actions)`` in the order of :attr:`actions`, forbidden actions at 0.
        """
        n_allowed = len(allowed)
        n_draws = len(probs) // n_rows
        rows = np.tile(np.arange(n_rows), n_draws)
        default_column = allowed.index(self.default_action) if self.default_action in allowed else None
        default_share = self.default_action_fraction

        def shares_among(columns: np.ndarray | None) -> np.ndarray:
            chosen = self._strategy_among(probs, allowed, prices, columns)
            counts = np.bincount(rows * n_allowed + chosen, minlength=n_rows * n_allowed).reshape(n_rows, n_allowed)
            shares = counts / n_draws
            if self.epsilon:
                offered = np.arange(n_allowed) if columns is None else columns
                explored = availability.explored_shares(n_allowed, offered, default_column, default_share)
                shares = (1.0 - self.epsilon) * shares + self.epsilon * explored
            return shares

        closed = availability.closed_columns(allowed, self.limited_actions)
        if closed is None:
            shares = shares_among(None)
        else:
            fraction = float(self.limited_action_fraction)  # type: ignore[arg-type]
            weighted = [(weight, columns) for weight, columns in ((fraction, None), (1.0 - fraction, closed)) if weight]
            shares = sum(weight * shares_among(columns) for weight, columns in weighted)
        probabilities = np.zeros((n_rows, len(self.actions)))
        action_ids = list(self.actions)
        probabilities[:, [action_ids.index(a) for a in allowed]] = shares
        return probabilities

    def _allowed_and_regions(self, forbidden_actions: object) -> tuple[list[str], dict[str, list]]:
        """The allowed actions, and the forbidden regions of quantitative actions' quantities.

        Checked before anything is drawn: regions that cover an allowed action's whole quantity
        space are refused here, so that no refusal comes after the random generator has moved.
        """
        if forbidden_actions is None:  # the common case, on every one-row step: nothing to check
            return list(self.actions), {}
        dimensions, name = self.quantity_dimensions, "forbidden_actions"
        whole, regions = _quantities.split_forbidden(forbidden_actions, list(self.actions), dimensions)
        allowed = self._allowed_action_ids(whole)
        for action_id, boxes in regions.items():
            if isinstance(boxes, _quantities.Constraint):
                if getattr(self.actions[action_id], "network", None) is None:
                    raise TypeError(
                        f"forbidden_actions: a function forbids quantities of an action whose model is a network; "
                        f"{action_id!r} is a {type(self.actions[action_id]).__name__}: give (low, high) boxes"
                    )
                if action_id in allowed and not boxes.any_allowed():
                    raise ValueError(
                        f"forbidden_actions: expected a function of {action_id!r} that allows some quantity of "
                        f"[0, 1]^{dimensions[action_id]}, got one > 0 on all of 4,096 probes; forbid the whole "
                        f"action instead ({{{action_id!r}: None}})"
                    )
                continue
            if action_id in allowed and boxes and not len(allowed_in_unit_box(boxes, dimensions[action_id], name)[0]):
                raise ValueError(
                    f"forbidden_actions: expected regions of {action_id!r} that leave some quantity of "
                    f"[0, 1]^{dimensions[action_id]} to play, got {len(boxes)} region(s) covering all of it; forbid "
                    f"the whole action instead ({{{action_id!r}: None}})"
                )
        return allowed, regions

    def _draw_with_candidates(
        self,
        allowed: list[str],
        n_rows: int,
        quantitative: list[int],
        draw_ordinary: Callable[[list[int]], Any],
        draw_candidates: Callable[[int], tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], tuple[Any, Any]] | None]],
        *,
        with_detail: bool = False,
    ) -> tuple[Any, ...]:
        """Thompson draws of the allowed actions when some are quantitative: the one place a quantity is chosen.

        ``draw_ordinary(indices)`` draws the ordinary actions at ``indices`` of ``allowed`` (expected
        rewards, and details when ``with_detail``). ``draw_candidates(j)`` draws quantitative action
        ``allowed[j]`` at its candidate quantities: its values ``(n_rows, n_candidates)`` (the
        scores before prices), the candidates ``(n_rows, n_candidates, d)``, and ``finish(best)``
        giving the chosen candidates' expected rewards (None: the values are the expected rewards)
        and details. :meth:`_best_candidates` picks each row's candidate; ordinary actions come
        first, then quantitative ones in ``allowed`` order, so the random stream is the same
        whoever calls.

        Returns ``(expected, quantities, prices)``, with the details after ``expected`` when
        ``with_detail``: ``prices`` are None unless the strategy uses prices.
        """
        expected = np.empty((n_rows, len(allowed)))
        detail = np.empty((n_rows, len(allowed))) if with_detail else None
        prices = np.empty((n_rows, len(allowed))) if self.strategy.uses_prices else None
        is_quantitative = set(quantitative)
        ordinary = [j for j in range(len(allowed)) if j not in is_quantitative]
        if ordinary:
            drawn = draw_ordinary(ordinary)
            if detail is not None:
                expected[:, ordinary], detail[:, ordinary] = drawn
            else:
                expected[:, ordinary] = drawn
            if prices is not None:
                prices[:, ordinary] = [float(self.action_prices[allowed[j]]) for j in ordinary]  # type: ignore[index]
        quantities = {}
        for j in quantitative:
            values, points, finish = draw_candidates(j)
            best_values, quantities[allowed[j]], price, best = self._best_candidates(allowed[j], values, points)
            value, extra = (None, None) if finish is None else finish(best)
            expected[:, j] = best_values if value is None else value
            if detail is not None:
                detail[:, j] = extra
            if prices is not None:
                prices[:, j] = price
        return (expected, detail, quantities, prices) if with_detail else (expected, quantities, prices)

    def _best_candidates(
        self, action_id: str, values: np.ndarray, quantities: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
        """A quantitative action's best candidate per row: its sampled reward, quantity, price and index.

        ``values`` ``(n_rows, n_candidates)`` and ``quantities`` ``(n_rows, n_candidates, d)``:
        the action's Thompson draws at its candidate quantities. The candidate maximising the
        strategy's score (the reward; ``price * reward`` for dynamic pricing) represents the action
        in that row, and the strategy then chooses among actions.
        """
        n_rows, n_candidates = values.shape
        prices = None
        if self.strategy.uses_prices:
            flat = quantities.reshape(n_rows * n_candidates, -1)
            price = self.action_prices[action_id]  # type: ignore[index]
            prices = _quantities.evaluate_prices(action_id, price, self._price_functions.get(action_id), flat)
            prices = prices.reshape(n_rows, n_candidates)
        scores = self.strategy.scores(values, prices)
        best = scores.argmax(axis=1)
        rows = np.arange(n_rows)
        if np.isneginf(scores[rows, best]).any():  # regions covering everything are refused before the draws
            raise ValueError(
                f"forbidden_actions: expected a quantity of {action_id!r} to play in every row, got none allowed in "
                f"{int(np.isneginf(scores[rows, best]).sum())} row(s); forbid the whole action instead"
            )
        return values[rows, best], quantities[rows, best], None if prices is None else prices[rows, best], best

    def _choices(self, allowed: list[str], chosen: np.ndarray, quantities: Mapping[str, np.ndarray]) -> list[Any]:
        """The chosen action per row: its id, or an :class:`~pybandits.boundary.quantities.ActionChoice` when the
        bandit has quantitative actions (with the quantity, None for an ordinary action)."""
        ids = np.asarray(allowed, dtype=object)[chosen].tolist()
        if not self.quantity_dimensions:
            return ids
        return [
            _quantities.ActionChoice(a, tuple(quantities[a][row].tolist()) if a in quantities else None)
            for row, a in enumerate(ids)
        ]
