"""Stochastic multi-armed bandits: one conjugate posterior per action (per objective).

Bernoulli bandits keep a Beta posterior of each action's success probability; Gaussian bandits a
Normal-Inverse-Gamma posterior of each action's mean reward and noise variance. Both are exact,
updated in closed form. Every class has the same :meth:`~BaseSmab.cold_start`; they differ in
their reward family and strategy:

====================  ==========  ==================================  =========================
class                 rewards     strategy                            action model
====================  ==========  ==================================  =========================
SmabBernoulli         0/1         ClassicBandit                       Beta
SmabBernoulliBAI      0/1         BestActionIdentificationBandit      Beta
SmabBernoulliCC       0/1         CostControlBandit                   Beta with a cost
SmabBernoulliDP       0/1         DynamicPricingBandit                Beta (prices per action)
SmabBernoulliMO       0/1         MultiObjectiveBandit                BetaMO
SmabBernoulliMOCC     0/1         MultiObjectiveCostControlBandit     BetaMO with a cost
SmabGaussian          real        ClassicBandit                       NormalInverseGamma
SmabGaussianBAI       real        BestActionIdentificationBandit      NormalInverseGamma
SmabGaussianCC        real        CostControlBandit                   ... with a cost
SmabGaussianMO        real        MultiObjectiveBandit                NormalInverseGammaMO
SmabGaussianMOCC      real        MultiObjectiveCostControlBandit     ... with a cost
====================  ==========  ==================================  =========================

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

from typing import ClassVar

from pydantic import Field

from pybandits.bandits.stochastic import BaseSmab
from pybandits.bandits.strategies import (
    BestActionIdentificationBandit,
    ClassicBandit,
    CostControlBandit,
    DynamicPricingBandit,
    MultiObjectiveBandit,
    MultiObjectiveCostControlBandit,
)
from pybandits.model.family import Gaussian, RewardFamily
from pybandits.persistence.registry import register_bandit

__all__ = [
    "BaseSmab",
    "SmabBernoulli",
    "SmabBernoulliBAI",
    "SmabBernoulliCC",
    "SmabBernoulliDP",
    "SmabBernoulliMO",
    "SmabBernoulliMOCC",
    "SmabGaussian",
    "SmabGaussianBAI",
    "SmabGaussianCC",
    "SmabGaussianMO",
    "SmabGaussianMOCC",
]


@register_bandit
class SmabBernoulli(BaseSmab):
    """Stochastic Bernoulli bandit with Thompson sampling (:class:`~pybandits.bandits.strategies.ClassicBandit`).

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

    strategy: ClassicBandit = Field(default_factory=ClassicBandit)


@register_bandit
class SmabBernoulliBAI(BaseSmab):
    """Stochastic Bernoulli bandit for best-action identification (top-two Thompson sampling).

    Examples
    --------
    >>> from pybandits.bandits.strategies import BestActionIdentificationBandit
    >>> mab = SmabBernoulliBAI.cold_start(action_ids={"a", "b"}, strategy=BestActionIdentificationBandit(0.7))
    >>> mab.strategy.exploit_p
    0.7
    """

    strategy: BestActionIdentificationBandit = Field(default_factory=BestActionIdentificationBandit)


@register_bandit
class SmabBernoulliCC(BaseSmab):
    """Stochastic Bernoulli bandit that trades probability for cost (cost control).

    Examples
    --------
    >>> mab = SmabBernoulliCC.cold_start(action_ids_cost={"cheap": 1.0, "dear": 10.0}, random_seed=0)
    >>> mab.actions["dear"].cost
    10.0
    """

    strategy: CostControlBandit = Field(default_factory=CostControlBandit)


@register_bandit
class SmabBernoulliDP(BaseSmab):
    """Stochastic Bernoulli bandit for dynamic pricing (:class:`~pybandits.bandits.strategies.DynamicPricingBandit`).

    Every action has a price (``action_ids_price``); a reward is a purchase (1) or not (0), and the
    bandit plays the action, and for a quantitative action the quantity, with the highest sampled
    revenue ``price * purchase probability``. A quantitative action's price may be a function of its
    quantity, e.g. a price of ``1 + 9 q`` for ``q`` in [0, 1]; a state records that a function is
    needed, and :meth:`~pybandits.bandits.base.BaseMab.from_state` (or ``pybandits.load``) takes it again
    as ``price_functions``.

    Examples
    --------
    >>> mab = SmabBernoulliDP.cold_start(
    ...     action_ids=["basic"], quantitative_action_ids=["premium"],
    ...     action_ids_price={"basic": 5.0, "premium": lambda q: 8.0 + 4.0 * q[:, 0]}, random_seed=0,
    ... )
    >>> choices, probs = mab.predict(n_samples=2)
    >>> [choice.action_id in {"basic", "premium"} for choice in choices]
    [True, True]
    >>> mab.update(choices, rewards=[1, 0])
    """

    strategy: DynamicPricingBandit = Field(default_factory=DynamicPricingBandit)


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

    strategy: MultiObjectiveBandit = Field(default_factory=MultiObjectiveBandit)


@register_bandit
class SmabBernoulliMOCC(BaseSmab):
    """Stochastic Bernoulli bandit on several objectives that plays the cheapest Pareto-optimal action.

    Examples
    --------
    >>> mab = SmabBernoulliMOCC.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, n_objectives=3)
    >>> mab.n_objectives, mab.actions["b"].cost
    (3, 2.0)
    """

    strategy: MultiObjectiveCostControlBandit = Field(default_factory=MultiObjectiveCostControlBandit)


@register_bandit
class SmabGaussian(BaseSmab):
    """Stochastic bandit with real-valued rewards: an exact Normal-Inverse-Gamma posterior per action.

    Examples
    --------
    >>> mab = SmabGaussian.cold_start(action_ids={"a", "b"}, random_seed=0)
    >>> mab.update(actions=["a", "a", "b"], rewards=[1.5, 2.5, -1.0])
    >>> mab.actions["a"].n_observations, mab.actions["a"].mu
    (2, 1.3333333333333333)
    >>> actions, sampled_means = mab.predict(n_samples=2)
    >>> len(actions), sorted(sampled_means[0])
    (2, ['a', 'b'])
    """

    strategy: ClassicBandit = Field(default_factory=ClassicBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian


@register_bandit
class SmabGaussianBAI(BaseSmab):
    """Stochastic Gaussian bandit for best-action identification (top-two Thompson sampling).

    Examples
    --------
    >>> SmabGaussianBAI.cold_start(action_ids={"a", "b"}).strategy.exploit_p
    0.5
    """

    strategy: BestActionIdentificationBandit = Field(default_factory=BestActionIdentificationBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian


@register_bandit
class SmabGaussianCC(BaseSmab):
    """Stochastic Gaussian bandit that trades expected reward for cost (cost control).

    Examples
    --------
    >>> mab = SmabGaussianCC.cold_start(action_ids_cost={"cheap": 1.0, "dear": 10.0}, prior={"mu": 5.0})
    >>> mab.actions["dear"].cost, mab.actions["dear"].mu
    (10.0, 5.0)
    """

    strategy: CostControlBandit = Field(default_factory=CostControlBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian


@register_bandit
class SmabGaussianMO(BaseSmab):
    """Stochastic Gaussian bandit on several objectives (Pareto-front Thompson sampling).

    Examples
    --------
    >>> mab = SmabGaussianMO.cold_start(action_ids={"a", "b"}, n_objectives=2, random_seed=0)
    >>> mab.update(actions=["a"], rewards=[[1.0, -2.0]])
    >>> mab.actions["a"].n_observations
    [1, 1]
    """

    strategy: MultiObjectiveBandit = Field(default_factory=MultiObjectiveBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian


@register_bandit
class SmabGaussianMOCC(BaseSmab):
    """Stochastic Gaussian bandit on several objectives that plays the cheapest Pareto-optimal action.

    Examples
    --------
    >>> mab = SmabGaussianMOCC.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, n_objectives=3)
    >>> mab.n_objectives, mab.actions["b"].cost
    (3, 2.0)
    """

    strategy: MultiObjectiveCostControlBandit = Field(default_factory=MultiObjectiveCostControlBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian
