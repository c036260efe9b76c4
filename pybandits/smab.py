"""Stochastic multi-armed bandits: one Beta-Bernoulli posterior per action (per objective).

The five classes differ only in their strategy and action model:

====================  ==================================  ======================
class                 strategy                            action model
====================  ==================================  ======================
SmabBernoulli         ClassicBandit                       Beta
SmabBernoulliBAI      BestActionIdentificationBandit      Beta
SmabBernoulliCC       CostControlBandit                   Beta with a cost
SmabBernoulliMO       MultiObjectiveBandit                BetaMO
SmabBernoulliMOCC     MultiObjectiveCostControlBandit     BetaMO with a cost
====================  ==================================  ======================

Examples
--------
>>> from pybandits.smab import SmabBernoulli
>>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=7)
>>> actions, probs = mab.predict(n_samples=3)
>>> len(actions), sorted(probs[0])
(3, ['a', 'b'])
>>> mab.update(actions=["a", "a", "b"], rewards=[1, 0, 1])
>>> mab.actions["a"].n_successes, mab.actions["a"].n_failures
(2, 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, model_validator

from pybandits import _validation as check
from pybandits._rows import rows_as_dicts
from pybandits.base import ActionId
from pybandits.mab import BaseMab
from pybandits.model.beta import Beta, BetaMO
from pybandits.state import register_bandit
from pybandits.strategy import (
    BestActionIdentificationBandit,
    ClassicBandit,
    CostControlBandit,
    MultiObjectiveBandit,
    MultiObjectiveCostControlBandit,
    Strategy,
)

__all__ = [
    "BaseSmab",
    "SmabBernoulli",
    "SmabBernoulliBAI",
    "SmabBernoulliCC",
    "SmabBernoulliMO",
    "SmabBernoulliMOCC",
]


class BaseSmab(BaseMab):
    """Shared behaviour of the stochastic bandits: Thompson sampling from Beta posteriors.

    Examples
    --------
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=0)
    >>> isinstance(mab, BaseSmab), mab.n_objectives
    (True, None)
    """

    actions: dict[ActionId, Beta | BetaMO]

    @model_validator(mode="after")
    def _check_objectives(self) -> BaseSmab:
        counts = {model.n_objectives for model in self.actions.values() if isinstance(model, BetaMO)}
        if len(counts) > 1:
            raise ValueError(f"actions: expected the same number of objectives for every action, got {sorted(counts)}")
        return self

    @property
    def n_objectives(self) -> int | None:
        """Number of objectives of a multi-objective bandit, None for a single-objective one."""
        first = next(iter(self.actions.values()))
        return first.n_objectives if isinstance(first, BetaMO) else None

    @classmethod
    def _build(
        cls,
        costs: Mapping[str, float | None],
        strategy: Strategy | None,
        epsilon: float | None,
        default_action: str | None,
        random_seed: int | None,
        n_objectives: int | None = None,
    ) -> Any:
        """A cold-started bandit: every action at the Beta(1, 1) prior."""
        strategy, epsilon, seed = cls._check_cold_start(list(costs), strategy, epsilon, default_action, random_seed)
        if n_objectives is None:
            actions = {a: Beta(cost=cost) for a, cost in costs.items()}
        else:
            actions = {a: BetaMO.cold_start(n_objectives, cost) for a, cost in costs.items()}
        return cls(actions=actions, strategy=strategy, epsilon=epsilon, default_action=default_action, random_seed=seed)

    def predict(
        self, n_samples: int = 1, forbidden_actions: Iterable[str] | None = None
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """Choose ``n_samples`` actions by Thompson sampling.

        Parameters
        ----------
        n_samples : int, default 1
            Number of independent decisions.
        forbidden_actions : collection of str, optional
            Actions that may not be chosen; at least one action must stay allowed.

        Returns
        -------
        actions : list of str
            The chosen action of every decision.
        probs : list of dict
            For every decision, the sampled success probability of every allowed action (a list
            with one value per objective for multi-objective bandits).
        """
        n_samples = check.check_positive_int(n_samples, "n_samples")
        allowed = self._allowed_action_ids(forbidden_actions)
        alpha = np.array([self.actions[a].n_successes for a in allowed], dtype=float)
        beta = np.array([self.actions[a].n_failures for a in allowed], dtype=float)
        sampled = self._rng.beta(alpha, beta, size=(n_samples, *alpha.shape))
        chosen = self._select(sampled, allowed)
        return chosen, rows_as_dicts(allowed, sampled)

    def update(self, actions: Sequence[str], rewards: Sequence[int] | Sequence[Sequence[int]]) -> None:
        """Add the observed rewards to the played actions' posteriors.

        Parameters
        ----------
        actions : sequence of str
            The action played in every row.
        rewards : sequence of {0, 1}
            The reward of every row (booleans accepted); for multi-objective bandits a row of
            ``n_objectives`` rewards per played action.

        Notes
        -----
        The input is validated before anything changes: a rejected update leaves the bandit as it
        was. An update with no rows is a no-op.
        """
        action_ids = list(self.actions)
        played = check.check_actions(actions, action_ids)
        observed = check.check_rewards(rewards, len(played), self.n_objectives)
        if played.size == 0:
            return
        n_played = np.bincount(played, minlength=len(action_ids))
        if self.n_objectives is None:
            successes = np.bincount(played, weights=observed, minlength=len(action_ids)).astype(np.int64)
        else:
            successes = np.stack(
                [
                    np.bincount(played, weights=observed[:, o], minlength=len(action_ids))
                    for o in range(self.n_objectives)
                ],
                axis=1,
            ).astype(np.int64)
        failures = (n_played if self.n_objectives is None else n_played[:, None]) - successes
        self.actions = {
            action_id: (model.updated(successes[j], failures[j]) if n_played[j] else model)
            for j, (action_id, model) in enumerate(self.actions.items())
        }


@register_bandit
class SmabBernoulli(BaseSmab):
    """Stochastic Bernoulli bandit with Thompson sampling (:class:`~pybandits.strategy.ClassicBandit`).

    Examples
    --------
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, epsilon=0.1, default_action="a", random_seed=1)
    >>> actions, probs = mab.predict(n_samples=2, forbidden_actions={"b"})
    >>> actions
    ['a', 'a']
    >>> mab.update(actions=["a", "b"], rewards=[1, 0])
    >>> mab.actions["b"].n_failures
    2
    """

    actions: dict[ActionId, Beta]
    strategy: ClassicBandit = Field(default_factory=ClassicBandit)
    strategy_type: ClassVar[type[Strategy]] = ClassicBandit

    @classmethod
    def cold_start(
        cls,
        action_ids: Iterable[str],
        strategy: ClassicBandit | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> SmabBernoulli:
        """A bandit whose every action starts at the Beta(1, 1) prior.

        Parameters
        ----------
        action_ids : collection of str
            Unique, non-empty action ids (a set or a list); stored in sorted order.
        strategy : ClassicBandit, optional
            Defaults to ``ClassicBandit()``.
        epsilon, default_action, random_seed
            See :class:`~pybandits.mab.BaseMab`.
        """
        ids = check.check_action_ids(action_ids)
        return cls._build(dict.fromkeys(ids), strategy, epsilon, default_action, random_seed)


@register_bandit
class SmabBernoulliBAI(BaseSmab):
    """Stochastic Bernoulli bandit for best-action identification (top-two Thompson sampling).

    Examples
    --------
    >>> from pybandits.strategy import BestActionIdentificationBandit
    >>> mab = SmabBernoulliBAI.cold_start(action_ids={"a", "b"}, strategy=BestActionIdentificationBandit(0.7))
    >>> mab.strategy.exploit_p
    0.7
    """

    actions: dict[ActionId, Beta]
    strategy: BestActionIdentificationBandit = Field(default_factory=BestActionIdentificationBandit)
    strategy_type: ClassVar[type[Strategy]] = BestActionIdentificationBandit

    @classmethod
    def cold_start(
        cls,
        action_ids: Iterable[str],
        strategy: BestActionIdentificationBandit | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> SmabBernoulliBAI:
        """As :meth:`SmabBernoulli.cold_start`; ``strategy`` defaults to ``exploit_p=0.5``."""
        ids = check.check_action_ids(action_ids)
        return cls._build(dict.fromkeys(ids), strategy, epsilon, default_action, random_seed)


@register_bandit
class SmabBernoulliCC(BaseSmab):
    """Stochastic Bernoulli bandit that trades probability for cost (cost control).

    Examples
    --------
    >>> mab = SmabBernoulliCC.cold_start(action_ids_cost={"cheap": 1.0, "dear": 10.0}, random_seed=0)
    >>> mab.actions["dear"].cost
    10.0
    """

    actions: dict[ActionId, Beta]
    strategy: CostControlBandit = Field(default_factory=CostControlBandit)
    strategy_type: ClassVar[type[Strategy]] = CostControlBandit

    @classmethod
    def cold_start(
        cls,
        action_ids_cost: Mapping[str, float],
        strategy: CostControlBandit | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> SmabBernoulliCC:
        """A cold-started bandit from ``{action_id: cost}``, costs finite and >= 0.

        ``strategy`` defaults to ``CostControlBandit(subsidy_factor=0.5)``.
        """
        costs = check.check_action_costs(action_ids_cost)
        return cls._build(costs, strategy, epsilon, default_action, random_seed)


@register_bandit
class SmabBernoulliMO(BaseSmab):
    """Stochastic Bernoulli bandit on several objectives (Pareto-front Thompson sampling).

    Examples
    --------
    >>> mab = SmabBernoulliMO.cold_start(action_ids={"a", "b"}, n_objectives=2, random_seed=0)
    >>> mab.update(actions=["a"], rewards=[[1, 0]])
    >>> mab.actions["a"].n_successes, mab.actions["a"].n_failures
    ([2, 1], [1, 2])
    """

    actions: dict[ActionId, BetaMO]
    strategy: MultiObjectiveBandit = Field(default_factory=MultiObjectiveBandit)
    strategy_type: ClassVar[type[Strategy]] = MultiObjectiveBandit

    @classmethod
    def cold_start(
        cls,
        action_ids: Iterable[str],
        n_objectives: int,
        strategy: MultiObjectiveBandit | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> SmabBernoulliMO:
        """A cold-started bandit with a Beta(1, 1) prior on each of ``n_objectives`` objectives."""
        ids = check.check_action_ids(action_ids)
        n_objectives = check.check_positive_int(n_objectives, "n_objectives")
        return cls._build(dict.fromkeys(ids), strategy, epsilon, default_action, random_seed, n_objectives)


@register_bandit
class SmabBernoulliMOCC(BaseSmab):
    """Stochastic Bernoulli bandit on several objectives that plays the cheapest Pareto-optimal action.

    Examples
    --------
    >>> mab = SmabBernoulliMOCC.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, n_objectives=3)
    >>> mab.n_objectives, mab.actions["b"].cost
    (3, 2.0)
    """

    actions: dict[ActionId, BetaMO]
    strategy: MultiObjectiveCostControlBandit = Field(default_factory=MultiObjectiveCostControlBandit)
    strategy_type: ClassVar[type[Strategy]] = MultiObjectiveCostControlBandit

    @classmethod
    def cold_start(
        cls,
        action_ids_cost: Mapping[str, float],
        n_objectives: int,
        strategy: MultiObjectiveCostControlBandit | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> SmabBernoulliMOCC:
        """A cold-started multi-objective bandit from ``{action_id: cost}``."""
        costs = check.check_action_costs(action_ids_cost)
        n_objectives = check.check_positive_int(n_objectives, "n_objectives")
        return cls._build(costs, strategy, epsilon, default_action, random_seed, n_objectives)
