"""Beta-Bernoulli action models of the stochastic bandits.

An action's success probability has a Beta posterior. It starts as Beta(1, 1), the uniform
prior, and every observed reward adds one to ``n_successes`` (reward 1) or ``n_failures``
(reward 0), so the posterior after ``s`` successes and ``f`` failures is Beta(1 + s, 1 + f).

Action models are immutable values: an update returns a new model, so a bandit can compute every
action's new posterior first and swap them in all at once.

Examples
--------
>>> from pybandits.model import Beta
>>> Beta().updated(successes=3, failures=1)
Beta(n_successes=4, n_failures=2, cost=None)
>>> round(Beta(n_successes=4, n_failures=2).mean, 4)
0.6667
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar

import numpy as np
from pydantic import ConfigDict, Field

from pybandits.base import PyBanditsBaseModel
from pybandits.model.cost import Cost
from pybandits.model.display import Displayed
from pybandits.model.objectives import PerObjective
from pybandits.model.protocol import ConjugateActions, ConjugateObjectives

__all__ = ["Beta", "BetaMO", "Cost", "Count", "add_count"]

#: A Beta parameter: a whole number >= 1, or a fraction >= 1 once soft rewards were observed.
Count = Annotated[int, Field(ge=1, strict=True)] | Annotated[float, Field(ge=1.0, allow_inf_nan=False)]


class Beta(Displayed, ConjugateActions, PyBanditsBaseModel):
    """Beta posterior of one action's success probability.

    Attributes
    ----------
    n_successes : int or float, default 1
        First Beta parameter: 1 (the prior) plus the sum of the rewards (the number of 1s).
    n_failures : int or float, default 1
        Second Beta parameter: 1 (the prior) plus the sum of ``1 - reward`` (the number of 0s).
        Soft rewards in [0, 1] make both fractional.
    cost : float, optional
        Cost of playing the action, for cost-control bandits.

    Examples
    --------
    >>> import numpy as np
    >>> model = Beta().updated(successes=9, failures=1)
    >>> model.n_successes, model.n_failures, round(model.mean, 3)
    (10, 2, 0.833)
    >>> model.sample_proba(3, np.random.default_rng(0)).shape
    (3,)
    """

    model_config = ConfigDict(frozen=True)

    n_successes: Count = 1
    n_failures: Count = 1
    cost: Cost | None = None

    #: The parameters :meth:`draw` takes, as arrays.
    draw_parameters: ClassVar[tuple[str, ...]] = ("n_successes", "n_failures")
    #: The prior settings ``cold_start(prior=...)`` takes: none, the prior is Beta(1, 1).
    prior_parameters: ClassVar[tuple[str, ...]] = ()

    @property
    def n_observations(self) -> int | float:
        """Number of rewards observed."""
        return self.n_successes + self.n_failures - 2

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Posterior density of the success probability at ``x`` in [0, 1].

        Computed in logs, so that large counts neither overflow nor underflow. At the ends of
        [0, 1] the density is 0, finite (a parameter equal to 1) or infinite, as in the limit.

        Examples
        --------
        >>> Beta(n_successes=2, n_failures=2).pdf(np.array([0.0, 0.5, 1.0])).round(12).tolist()
        [0.0, 1.5, 0.0]
        >>> Beta(n_successes=1, n_failures=3).pdf(np.array([0.0, 1.0])).round(12).tolist()
        [3.0, 0.0]
        """
        a, b = float(self.n_successes), float(self.n_failures)
        x = np.asarray(x, dtype=float)
        log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            # (a - 1) log(x), with 0 log(0) read as 0 so that a == 1 (or b == 1) stays finite at the ends
            log_x = np.zeros_like(x) if a == 1.0 else (a - 1.0) * np.log(x)
            log_1mx = np.zeros_like(x) if b == 1.0 else (b - 1.0) * np.log1p(-x)
            return np.exp(log_norm + log_x + log_1mx)

    def plot_range(self) -> tuple[float, float]:
        """Where the posterior's density lives: [0, 1]."""
        return 0.0, 1.0

    @staticmethod
    def draw(params: dict[str, np.ndarray], n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Success probabilities drawn for arrays of Beta parameters, shape ``(n_samples, *shape)``."""
        alpha, beta = params["n_successes"], params["n_failures"]
        return rng.beta(alpha, beta, size=(n_samples, *alpha.shape))

    @staticmethod
    def batch_stats(
        played: np.ndarray, rewards: np.ndarray, n_actions: int, weights: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per action, the sum of its rewards and of their complements (whole numbers for 0/1 rewards).

        ``weights``: every row's weight (forgetting, :mod:`pybandits.model.forgetting`): the sums of
        ``weight * reward`` and ``weight * (1 - reward)``.
        """
        if weights is not None:
            successes = np.bincount(played, weights=weights * rewards, minlength=n_actions)
            return successes, np.bincount(played, weights=weights * (1.0 - rewards), minlength=n_actions)
        count = np.bincount(played, minlength=n_actions)
        successes = np.bincount(played, weights=rewards, minlength=n_actions)
        if rewards.dtype.kind in "biu":
            successes = successes.astype(np.int64)
        return successes, count - successes

    @staticmethod
    def merged_stats(first: tuple[np.ndarray, ...], second: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """The :meth:`batch_stats` of two sets of rows together (sums: a cluster's partitions merge so).

        Examples
        --------
        >>> Beta.merged_stats((np.array([2]), np.array([1])), (np.array([1]), np.array([4])))
        (array([3]), array([5]))
        """
        return tuple(a + b for a, b in zip(first, second, strict=True))

    @staticmethod
    def scaled_stats(stats: tuple[np.ndarray, ...], factor: float) -> tuple[np.ndarray, ...]:
        """The :meth:`batch_stats` of the same rows with every row weight times ``factor`` (forgetting)."""
        return tuple(np.asarray(s, dtype=np.float64) * factor for s in stats)

    @classmethod
    def forgotten_many(cls, models: list[Beta], prior: Beta, weight: float) -> list[Beta]:
        """Every model's posterior raised to ``weight``, times the prior raised to ``1 - weight``.

        For Beta posteriors this is exact: the counts above the prior's shrink by ``weight``,
        ``n <- n0 + weight (n - n0)`` (:mod:`pybandits.model.forgetting`).

        Examples
        --------
        >>> Beta.forgotten_many([Beta(n_successes=11, n_failures=3)], Beta(), 0.5)
        [Beta(n_successes=6, n_failures=2, cost=None)]
        """
        a0, b0 = float(prior.n_successes), float(prior.n_failures)
        return [
            model._replaced(
                n_successes=add_count(a0, weight * (model.n_successes - a0)),
                n_failures=add_count(b0, weight * (model.n_failures - b0)),
            )
            for model in models
        ]

    @property
    def mean(self) -> float:
        """Posterior mean of the success probability."""
        return self.n_successes / (self.n_successes + self.n_failures)

    def credible_interval(self, prob: float = 0.94) -> tuple[float, float]:
        """The equal-tailed ``prob`` interval of the success probability (exact Beta quantiles).

        Examples
        --------
        >>> [round(x, 3) for x in Beta().credible_interval(0.9)]
        [0.05, 0.95]
        """
        from scipy.stats import beta

        low, high = beta.ppf([(1 - prob) / 2, (1 + prob) / 2], self.n_successes, self.n_failures)
        return float(low), float(high)

    @property
    def std(self) -> float:
        """Posterior standard deviation of the success probability."""
        a, b = self.n_successes, self.n_failures
        return float(np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))))

    def sample_proba(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n_samples`` success probabilities from the posterior, shape ``(n_samples,)``."""
        return rng.beta(self.n_successes, self.n_failures, size=n_samples)

    @classmethod
    def updated_many(cls, models: list[Beta], successes: np.ndarray, failures: np.ndarray) -> list[Beta]:
        """:meth:`updated` of many models at once (the stochastic bandits' update)."""
        return [model.updated(s, f) for model, s, f in zip(models, successes.tolist(), failures.tolist(), strict=True)]

    def updated(self, successes: float, failures: float) -> Beta:
        """The posterior after ``successes`` more rewards of 1 and ``failures`` more of 0 (fractions allowed)."""
        if successes < 0 or failures < 0:
            raise ValueError(f"successes and failures: expected counts >= 0, got {successes} and {failures}")
        return self._replaced(  # counts >= 0 added to valid counts: valid by construction, not revalidated
            n_successes=add_count(self.n_successes, successes), n_failures=add_count(self.n_failures, failures)
        )


def add_count(count: int | float, more: float) -> int | float:
    """``count + more``, a whole number (int) whenever it is one: 0/1 rewards keep integer counts.

    Examples
    --------
    >>> add_count(3, 2.0), add_count(3, 0.5)
    (5, 3.5)
    """
    total = count + float(more)
    return int(total) if float(total).is_integer() else total


class BetaMO(Displayed, PerObjective, ConjugateObjectives, PyBanditsBaseModel):
    """Beta posteriors of one action's success probabilities on several objectives.

    Attributes
    ----------
    objectives : list of Beta
        One Beta posterior per objective (their own ``cost`` stays None).
    cost : float, optional
        Cost of playing the action, for cost-control bandits.

    Examples
    --------
    >>> model = BetaMO.cold_start(n_objectives=2, cost=1.5).updated([1, 0], [0, 1])
    >>> model.n_successes, model.n_failures, model.cost
    ([2, 1], [1, 2], 1.5)
    """

    model_config = ConfigDict(frozen=True)

    objectives: list[Beta] = Field(min_length=1)
    cost: Cost | None = None

    objective_type: ClassVar[type] = Beta

    def sample_proba(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draw success probabilities, shape ``(n_samples, n_objectives)``."""
        return rng.beta(self.n_successes, self.n_failures, size=(n_samples, self.n_objectives))
