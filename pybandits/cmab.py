"""Contextual multi-armed bandits: a Bayesian neural network per action (per objective).

Prediction draws, for every context row and action, one network from the action's posterior
and plays the strategy on the expected rewards it gives (Thompson sampling); it uses numpy only.
An update fits each played action's posterior to its rows with PyMC (ADVI or NUTS).

Every class has the same :meth:`~BaseCmab.cold_start`; they differ in their reward family and
strategy:

====================  ==========  ==================================  ======================
class                 rewards     strategy                            action model
====================  ==========  ==================================  ======================
CmabBernoulli         0/1         ClassicBandit                       Bnn
CmabBernoulliBAI      0/1         BestActionIdentificationBandit      Bnn
CmabBernoulliCC       0/1         CostControlBandit                   Bnn with a cost
CmabBernoulliDP       0/1         DynamicPricingBandit                Bnn (a price per action)
CmabBernoulliMO       0/1         MultiObjectiveBandit                BnnMO
CmabBernoulliMOCC     0/1         MultiObjectiveCostControlBandit     BnnMO with a cost
CmabGaussian          real        ClassicBandit                       Bnn
CmabGaussianBAI       real        BestActionIdentificationBandit      Bnn
CmabGaussianCC        real        CostControlBandit                   Bnn with a cost
CmabGaussianMO        real        MultiObjectiveBandit                BnnMO
CmabGaussianMOCC      real        MultiObjectiveCostControlBandit     BnnMO with a cost
====================  ==========  ==================================  ======================

Bernoulli bandits predict ``(actions, probs, weighted_sums)`` (sampled probabilities and their
logits); Gaussian bandits predict ``(actions, sampled_means, noise_sd)`` (sampled expected rewards
and each action's noise standard deviation, in reward units). Every class has a runnable example in
its docstring.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pybandits.bandits.contextual import BaseCmab
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
    "BaseCmab",
    "CmabBernoulli",
    "CmabBernoulliBAI",
    "CmabBernoulliCC",
    "CmabBernoulliDP",
    "CmabBernoulliMO",
    "CmabBernoulliMOCC",
    "CmabGaussian",
    "CmabGaussianBAI",
    "CmabGaussianCC",
    "CmabGaussianMO",
    "CmabGaussianMOCC",
]


@register_bandit
class CmabBernoulli(BaseCmab):
    """Contextual Bernoulli bandit with Thompson sampling (:class:`~pybandits.bandits.strategies.ClassicBandit`).

    Examples
    --------
    >>> import numpy as np
    >>> mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, hidden_dim_list=[4], random_seed=0)
    >>> actions, probs, weighted_sums = mab.predict(context=np.ones((2, 3)))
    >>> len(actions), mab.actions["a"].hidden_dim_list
    (2, [4])
    """

    strategy: ClassicBandit = Field(default_factory=ClassicBandit)


@register_bandit
class CmabBernoulliBAI(BaseCmab):
    """Contextual Bernoulli bandit for best-action identification (top-two Thompson sampling).

    Examples
    --------
    >>> mab = CmabBernoulliBAI.cold_start(action_ids={"a", "b"}, n_features=2)
    >>> type(mab.strategy).__name__, mab.strategy.exploit_p
    ('BestActionIdentificationBandit', 0.5)
    """

    strategy: BestActionIdentificationBandit = Field(default_factory=BestActionIdentificationBandit)


@register_bandit
class CmabBernoulliCC(BaseCmab):
    """Contextual Bernoulli bandit that trades probability for cost (cost control).

    Examples
    --------
    >>> mab = CmabBernoulliCC.cold_start(action_ids_cost={"a": 1.0, "b": 3.0}, n_features=2)
    >>> mab.actions["b"].cost
    3.0
    """

    strategy: CostControlBandit = Field(default_factory=CostControlBandit)


@register_bandit
class CmabBernoulliDP(BaseCmab):
    """Contextual Bernoulli bandit for dynamic pricing (:class:`~pybandits.bandits.strategies.DynamicPricingBandit`).

    Every action (an offer at its price) has a price (``action_ids_price``); a reward is a purchase
    (1) or not (0), and the bandit plays the action with the highest sampled revenue
    ``price * purchase probability`` in each context. ``predict`` returns the sampled purchase
    probabilities, as every Bernoulli bandit does.

    Examples
    --------
    >>> import numpy as np
    >>> mab = CmabBernoulliDP.cold_start(
    ...     action_ids=["basic", "premium"], n_features=2, action_ids_price={"basic": 5.0, "premium": 12.0}
    ... )
    >>> actions, probs, logits = mab.predict(np.zeros((3, 2)))
    >>> len(actions), sorted(probs[0]), mab.action_prices
    (3, ['basic', 'premium'], {'basic': 5.0, 'premium': 12.0})
    """

    strategy: DynamicPricingBandit = Field(default_factory=DynamicPricingBandit)


@register_bandit
class CmabBernoulliMO(BaseCmab):
    """Contextual Bernoulli bandit on several objectives: one network per objective and action.

    Examples
    --------
    >>> import numpy as np
    >>> mab = CmabBernoulliMO.cold_start(action_ids={"a", "b"}, n_features=2, n_objectives=2, random_seed=0)
    >>> _, probs, _ = mab.predict(context=np.zeros((1, 2)))
    >>> len(probs[0]["a"])
    2
    """

    strategy: MultiObjectiveBandit = Field(default_factory=MultiObjectiveBandit)


@register_bandit
class CmabBernoulliMOCC(BaseCmab):
    """Contextual multi-objective Bernoulli bandit that plays the cheapest Pareto-optimal action.

    Examples
    --------
    >>> mab = CmabBernoulliMOCC.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, n_features=2, n_objectives=2)
    >>> mab.n_objectives, mab.actions["a"].cost
    (2, 1.0)
    """

    strategy: MultiObjectiveCostControlBandit = Field(default_factory=MultiObjectiveCostControlBandit)


@register_bandit
class CmabGaussian(BaseCmab):
    """Contextual bandit with real-valued (Gaussian) rewards: revenue, time spent, ratings.

    Each action's network gives its standardised mean reward; the action also learns its noise
    scale. ``predict`` returns ``(actions, sampled_means, noise_sd)`` in reward units.

    Examples
    --------
    >>> import numpy as np
    >>> mab = CmabGaussian.cold_start(
    ...     action_ids={"a", "b"}, n_features=2, reward_loc=20.0, reward_scale=5.0, random_seed=0
    ... )
    >>> actions, sampled_means, noise_sd = mab.predict(context=np.zeros((3, 2)))
    >>> len(actions), round(noise_sd[0]["a"], 2)  # the prior's median noise: half the reward scale
    (3, 2.5)
    """

    strategy: ClassicBandit = Field(default_factory=ClassicBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian


@register_bandit
class CmabGaussianBAI(BaseCmab):
    """Contextual Gaussian bandit for best-action identification (top-two Thompson sampling).

    Examples
    --------
    >>> CmabGaussianBAI.cold_start(action_ids={"a", "b"}, n_features=2).family.name
    'gaussian'
    """

    strategy: BestActionIdentificationBandit = Field(default_factory=BestActionIdentificationBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian


@register_bandit
class CmabGaussianCC(BaseCmab):
    """Contextual Gaussian bandit that trades expected reward for cost (cost control).

    Examples
    --------
    >>> mab = CmabGaussianCC.cold_start(action_ids_cost={"a": 1.0, "b": 3.0}, n_features=2)
    >>> mab.actions["b"].cost, mab.strategy.subsidy_factor
    (3.0, 0.5)
    """

    strategy: CostControlBandit = Field(default_factory=CostControlBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian


@register_bandit
class CmabGaussianMO(BaseCmab):
    """Contextual Gaussian bandit on several objectives, each with its own standardisation.

    Examples
    --------
    >>> import numpy as np
    >>> mab = CmabGaussianMO.cold_start(action_ids={"a", "b"}, n_features=2, n_objectives=2, random_seed=0)
    >>> _, sampled_means, noise_sd = mab.predict(context=np.zeros((1, 2)))
    >>> len(sampled_means[0]["a"]), len(noise_sd[0]["b"])
    (2, 2)
    """

    strategy: MultiObjectiveBandit = Field(default_factory=MultiObjectiveBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian


@register_bandit
class CmabGaussianMOCC(BaseCmab):
    """Contextual multi-objective Gaussian bandit that plays the cheapest Pareto-optimal action.

    Examples
    --------
    >>> mab = CmabGaussianMOCC.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, n_features=2, n_objectives=2)
    >>> mab.n_objectives, mab.actions["a"].cost
    (2, 1.0)
    """

    strategy: MultiObjectiveCostControlBandit = Field(default_factory=MultiObjectiveCostControlBandit)
    family_type: ClassVar[type[RewardFamily]] = Gaussian
