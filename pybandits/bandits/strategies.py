"""Selection strategies: how a bandit turns sampled expected rewards into an action.

A Thompson-sampling bandit draws, for every row of a prediction, one expected reward per allowed
action (one per objective for multi-objective bandits) from the actions' posteriors: a success
probability for Bernoulli rewards, a mean reward of any sign and scale for Gaussian ones. A
strategy then picks one action per row. Strategies are small, immutable pydantic models holding
only their parameters; they use numpy alone.

Two entry points:

- :meth:`Strategy.select` is vectorised over rows: it takes an array of sampled expected rewards of
  shape ``(n_rows, n_actions)`` (``(n_rows, n_actions, n_objectives)`` for multi-objective
  strategies) and returns the index of the chosen action for every row. Bandits call it.
- :meth:`Strategy.select_action` takes one row as a mapping ``{action_id: probability}`` and
  returns the chosen action id: the convenient form for a single decision.

Ties are broken uniformly at random with the generator given, so a seeded generator makes every
choice reproducible.

Examples
--------
>>> import numpy as np
>>> from pybandits.bandits.strategies import ClassicBandit, CostControlBandit
>>> rng = np.random.default_rng(0)
>>> ClassicBandit().select_action({"a": 0.2, "b": 0.7}, rng)
'b'
>>> CostControlBandit(subsidy_factor=0.5).select_action(
...     {"a": 0.60, "b": 0.70}, rng, costs={"a": 1.0, "b": 5.0}
... )
'a'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Annotated, ClassVar

import numpy as np
from pydantic import ConfigDict, Field

from pybandits.base import PyBanditsBaseModel
from pybandits.boundary import validation as check

__all__ = [
    "BestActionIdentificationBandit",
    "ClassicBandit",
    "CostControlBandit",
    "DynamicPricingBandit",
    "MultiObjectiveBandit",
    "MultiObjectiveCostControlBandit",
    "Strategy",
]

#: A parameter of a strategy that is a probability-like weight in [0, 1].
_UnitInterval = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class Strategy(PyBanditsBaseModel, ABC):
    """Base class of the selection strategies.

    Subclasses implement :meth:`_select`; the public methods validate their input and call it.

    Examples
    --------
    >>> import numpy as np
    >>> ClassicBandit().select(np.array([[0.1, 0.9], [0.8, 0.3]]), np.random.default_rng(0))
    array([1, 0])
    """

    model_config = ConfigDict(frozen=True)

    #: Whether the strategy needs a cost per action.
    uses_costs: ClassVar[bool] = False
    #: Whether the strategy works on one probability vector per action (multi-objective).
    multi_objective: ClassVar[bool] = False
    #: Whether the strategy needs a price per row and action (dynamic pricing).
    uses_prices: ClassVar[bool] = False

    def scores(self, probs: np.ndarray, prices: np.ndarray | None = None) -> np.ndarray:
        """What the strategy maximises among the candidate quantities of one quantitative action.

        The sampled expected reward itself (revenue ``price * probability`` for dynamic pricing):
        a quantitative action is reduced to its best candidate by this score, then the strategy
        chooses among actions.
        """
        return probs

    def select(
        self,
        probs: np.ndarray,
        rng: np.random.Generator,
        costs: np.ndarray | None = None,
        prices: np.ndarray | None = None,
    ) -> np.ndarray:
        """Choose one action per row.

        Parameters
        ----------
        probs : numpy.ndarray
            Sampled expected rewards (probabilities for Bernoulli bandits; any finite numbers),
            shape ``(n_rows, n_actions)``, or ``(n_rows, n_actions, n_objectives)`` for
            multi-objective strategies.
        rng : numpy.random.Generator
            Source of randomness for ties and exploration.
        costs : numpy.ndarray, optional
            Cost of each action, shape ``(n_actions,)``; required by cost-control strategies.
        prices : numpy.ndarray, optional
            Price of each action in each row, shape ``(n_rows, n_actions)``, finite and > 0;
            required by dynamic pricing.

        Returns
        -------
        numpy.ndarray
            Integer indices into the action axis, shape ``(n_rows,)``.
        """
        probs = self._check_probs(probs)
        costs = self._check_costs(costs, probs.shape[1])
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        if self.uses_prices:
            return self._select(probs, rng, costs, prices=self._check_prices(prices, probs.shape[:2]))
        return self._select(probs, rng, costs)

    def select_action(
        self,
        probs: Mapping[str, float | Sequence[float]],
        rng: np.random.Generator | None = None,
        costs: Mapping[str, float] | None = None,
        prices: Mapping[str, float] | None = None,
    ) -> str:
        """Choose one action from one row of sampled probabilities.

        Parameters
        ----------
        probs : Mapping[str, float] or Mapping[str, Sequence[float]]
            Sampled expected reward of every allowed action (a sequence with one value per
            objective for multi-objective strategies).
        rng : numpy.random.Generator, optional
            Source of randomness for ties; a fresh unseeded generator when omitted.
        costs : Mapping[str, float], optional
            Cost of every action in ``probs``; required by cost-control strategies.
        prices : Mapping[str, float], optional
            Price of every action in ``probs``, finite and > 0; required by dynamic pricing
            (:class:`DynamicPricingBandit`), refused by the other strategies.

        Returns
        -------
        str
            The chosen action id.
        """
        if not isinstance(probs, Mapping) or len(probs) == 0:
            raise ValueError(f"probs: expected a non-empty mapping of action id to probability, got {probs!r}")
        action_ids = list(probs)
        row = np.asarray([probs[a] for a in action_ids], dtype=float)[None, ...]
        cost_array = None
        if costs is not None:
            missing = [a for a in action_ids if a not in costs]
            if missing:
                raise ValueError(f"costs: expected a cost for every action in probs, missing {missing}")
            cost_array = np.asarray([costs[a] for a in action_ids], dtype=float)
        price_array = self._price_row(prices, action_ids)
        index = self.select(row, rng if rng is not None else np.random.default_rng(), cost_array, price_array)
        return action_ids[int(index[0])]

    def _price_row(self, prices: object, action_ids: list[str]) -> np.ndarray | None:
        """``select_action``'s prices as one row ``(1, n_actions)`` in the order of ``action_ids``."""
        name = type(self).__name__
        if not self.uses_prices:
            if prices is not None:
                raise TypeError(f"prices: {name} does not use prices, expected None, got {check.describe(prices)}")
            return None
        if prices is None:
            raise ValueError(f"prices: {name} needs a price for every action in probs {action_ids}, got None")
        if not isinstance(prices, Mapping):
            raise TypeError(f"prices: expected a mapping of action id to price, got {prices!r}")
        missing = [a for a in action_ids if a not in prices]
        if missing:
            raise ValueError(f"prices: expected a price for every action in probs, missing {missing}")
        try:
            return np.asarray([[prices[a] for a in action_ids]], dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"prices: expected numbers, got {[prices[a] for a in action_ids]}") from None

    @abstractmethod
    def _select(self, probs: np.ndarray, rng: np.random.Generator, costs: np.ndarray | None) -> np.ndarray:
        """Return the chosen index per row; input already validated."""

    # -- validation ------------------------------------------------------------------------

    def _check_probs(self, probs: np.ndarray) -> np.ndarray:
        probs = np.asarray(probs, dtype=float)
        expected_ndim = 3 if self.multi_objective else 2
        shape_name = "(n_rows, n_actions, n_objectives)" if self.multi_objective else "(n_rows, n_actions)"
        if probs.ndim != expected_ndim or probs.shape[1] == 0:
            raise ValueError(
                f"probs: {type(self).__name__} expects an array of shape {shape_name} with at least "
                f"one action, got shape {probs.shape}"
            )
        self.check_finite(probs)
        return probs

    @staticmethod
    def check_finite(probs: np.ndarray) -> None:
        """Refuse sampled expected rewards that are NaN or infinite (the check every selection goes through)."""
        if not np.isfinite(probs).all():
            raise ValueError("probs: expected finite sampled expected rewards, got NaN or infinity")

    def _check_prices(self, prices: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
        if prices is None:
            raise ValueError(f"prices: {type(self).__name__} needs a price per row and action, got None")
        prices = np.asarray(prices, dtype=float)
        if prices.shape != shape:
            raise ValueError(f"prices: expected shape {shape} (rows, actions), got {prices.shape}")
        if not np.all(np.isfinite(prices) & (prices > 0.0)):
            raise ValueError(
                f"prices: expected finite prices > 0, got {prices[~(np.isfinite(prices) & (prices > 0))][:3]}"
            )
        return prices

    def _check_costs(self, costs: np.ndarray | None, n_actions: int) -> np.ndarray | None:
        if not self.uses_costs:
            return None
        if costs is None:
            raise ValueError(f"costs: {type(self).__name__} needs a cost per action, got None")
        costs = np.asarray(costs, dtype=float)
        if costs.shape != (n_actions,):
            raise ValueError(f"costs: expected shape ({n_actions},), got {costs.shape}")
        if not np.all(np.isfinite(costs) & (costs >= 0.0)):
            raise ValueError(f"costs: expected finite costs >= 0, got {costs.tolist()}")
        return costs


# -- shared selection helpers ------------------------------------------------------------------


def _argmax_random_ties(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row-wise argmax of ``scores`` with ties broken uniformly at random."""
    best = scores.max(axis=1, keepdims=True)
    is_best = scores == best
    choice = is_best.argmax(axis=1)
    tied_rows = np.flatnonzero(is_best.sum(axis=1) > 1)
    if tied_rows.size:
        keys = rng.random((tied_rows.size, scores.shape[1]))
        keys[~is_best[tied_rows]] = -1.0
        choice[tied_rows] = keys.argmax(axis=1)
    return choice


def _rank_descending(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Action indices per row from the most to the least probable, ties in random order."""
    tie_keys = rng.random(probs.shape)
    return np.lexsort((tie_keys, -probs), axis=1)


def _cheapest(
    candidates: np.ndarray,
    costs: np.ndarray,
    rng: np.random.Generator,
    probs: np.ndarray | None = None,
) -> np.ndarray:
    """Per row, the cheapest candidate; ties go to the more probable (when given), then at random."""
    masked_costs = np.where(candidates, costs[None, :], np.inf)
    keys: tuple[np.ndarray, ...] = (rng.random(candidates.shape),)
    if probs is not None:
        keys += (-probs,)
    keys += (masked_costs,)
    return np.lexsort(keys, axis=1)[:, 0]


def _pareto_front(probs: np.ndarray) -> np.ndarray:
    """Boolean mask ``(n_rows, n_actions)`` of the actions no other action dominates.

    Action ``b`` dominates ``a`` when it is at least as probable on every objective and more
    probable on at least one.
    """
    other = probs[:, :, None, :]  # [row, b, ., objective]
    this = probs[:, None, :, :]  # [row, ., a, objective]
    dominates = (other >= this).all(axis=-1) & (other > this).any(axis=-1)  # [row, b, a]
    return ~dominates.any(axis=1)


# -- the strategies ----------------------------------------------------------------------------


class ClassicBandit(Strategy):
    """Play the action with the highest sampled probability (plain Thompson sampling).

    Ties are broken uniformly at random.

    Examples
    --------
    >>> ClassicBandit().select_action({"a": 0.1, "b": 0.9})
    'b'
    """

    def _select(self, probs, rng, costs):
        return _argmax_random_ties(probs, rng)


class BestActionIdentificationBandit(Strategy):
    """Play the best action with probability ``exploit_p``, else the second best.

    Top-two Thompson sampling, suited to identifying the best action rather than to
    maximising reward during the experiment. With a single allowed action that action is played.

    Parameters
    ----------
    exploit_p : float, default 0.5
        Probability of playing the action with the highest sampled probability, in [0, 1].

    Examples
    --------
    >>> probs = {"a": 0.2, "b": 0.9, "c": 0.5}
    >>> BestActionIdentificationBandit(exploit_p=1.0).select_action(probs)
    'b'
    >>> BestActionIdentificationBandit(exploit_p=0.0).select_action(probs)
    'c'
    """

    exploit_p: _UnitInterval = 0.5

    def __init__(self, exploit_p: float = 0.5, **data):
        super().__init__(exploit_p=exploit_p, **data)

    def _select(self, probs, rng, costs):
        ranked = _rank_descending(probs, rng)
        if probs.shape[1] == 1:
            return ranked[:, 0]
        exploit = rng.random(probs.shape[0]) < self.exploit_p
        return np.where(exploit, ranked[:, 0], ranked[:, 1])


class CostControlBandit(Strategy):
    """Play the cheapest action among those whose expected reward is nearly the best.

    The candidates are the actions whose sampled expected reward is at least
    ``best - subsidy_factor * |best|``, where ``best`` is the highest one in the row; the cheapest
    candidate is played, ties going to the more rewarding one. For probabilities (and any
    rewards >= 0) that is ``(1 - subsidy_factor) * best``: a share of the best reward may be
    given up for a cheaper action.

    Costs are never added to or subtracted from rewards: they only rank the candidates, so any
    cost unit works. The tolerance is relative to the best reward's magnitude, which is
    meaningful for rewards measured from a natural zero (revenue, time, probabilities). For
    rewards with an arbitrary zero (a rating shifted by a constant), shift them so that 0 means
    "worth nothing" before using cost control.

    Parameters
    ----------
    subsidy_factor : float, default 0.5
        Share of the best expected reward that may be given up for a cheaper action, in [0, 1]:
        0 always plays the most rewarding action, 1 the cheapest one whose reward is within
        ``|best|`` of the best (for rewards >= 0: always the cheapest).

    Examples
    --------
    >>> CostControlBandit(subsidy_factor=0.2).select_action({"a": 0.6, "b": 0.7}, costs={"a": 1.0, "b": 5.0})
    'a'
    >>> CostControlBandit(subsidy_factor=0.1).select_action({"a": 0.6, "b": 0.7}, costs={"a": 1.0, "b": 5.0})
    'b'
    """

    uses_costs: ClassVar[bool] = True

    subsidy_factor: _UnitInterval = 0.5

    def __init__(self, subsidy_factor: float = 0.5, **data):
        super().__init__(subsidy_factor=subsidy_factor, **data)

    def _select(self, probs, rng, costs):
        best = probs.max(axis=1, keepdims=True)
        return _cheapest(probs >= best - self.subsidy_factor * np.abs(best), costs, rng, probs)


class DynamicPricingBandit(Strategy):
    """Play the action (and quantity) with the highest sampled revenue: ``price * purchase probability``.

    Each action has a price (a number, or a function of the quantity for quantitative actions; see
    :class:`~pybandits.smab.SmabBernoulliDP`), and the sampled expected reward is the probability
    that the customer buys at that price; the strategy maximises their product, ties broken at
    random. Used by the dynamic-pricing bandits, whose prices the bandit passes row by row.

    Examples
    --------
    >>> import numpy as np
    >>> probs = np.array([[0.9, 0.5], [0.9, 0.2]])
    >>> prices = np.array([[1.0, 3.0], [1.0, 3.0]])  # revenues 0.9 vs 1.5, then 0.9 vs 0.6
    >>> DynamicPricingBandit().select(probs, np.random.default_rng(0), prices=prices)
    array([1, 0])
    >>> DynamicPricingBandit().select_action({"a": 0.9, "b": 0.5}, prices={"a": 1.0, "b": 3.0})
    'b'
    """

    uses_prices: ClassVar[bool] = True

    def scores(self, probs: np.ndarray, prices: np.ndarray | None = None) -> np.ndarray:
        if prices is None:
            raise ValueError("prices: DynamicPricingBandit needs a price per row and action, got None")
        return prices * probs

    def _select(self, probs, rng, costs, prices=None):
        return _argmax_random_ties(self.scores(probs, prices), rng)


class MultiObjectiveBandit(Strategy):
    """Play an action of the Pareto front of the sampled probability vectors, uniformly at random.

    Examples
    --------
    >>> probs = {"a": [0.9, 0.1], "b": [0.1, 0.9], "c": [0.05, 0.05]}  # c is dominated
    >>> MultiObjectiveBandit().select_action(probs) in {"a", "b"}
    True
    """

    multi_objective: ClassVar[bool] = True

    def _select(self, probs, rng, costs):
        front = _pareto_front(probs)
        return _argmax_random_ties(np.where(front, 1.0, 0.0), rng)


class MultiObjectiveCostControlBandit(Strategy):
    """Play the cheapest action of the Pareto front of the sampled probability vectors.

    Ties between equally cheap Pareto-optimal actions are broken at random.

    Examples
    --------
    >>> probs = {"a": [0.9, 0.1], "b": [0.1, 0.9], "c": [0.05, 0.05]}
    >>> MultiObjectiveCostControlBandit().select_action(probs, costs={"a": 3.0, "b": 2.0, "c": 0.0})
    'b'
    """

    multi_objective: ClassVar[bool] = True
    uses_costs: ClassVar[bool] = True

    def _select(self, probs, rng, costs):
        return _cheapest(_pareto_front(probs), costs, rng)
