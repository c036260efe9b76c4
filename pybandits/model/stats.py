"""What an action of each reward family counts: binary counts, or the moments of real rewards.

Kept with every action (its statistics, reported by ``info`` and used by the stochastic
bandits' conjugate posteriors), and by a Gaussian standardisation fitted to the rewards
(:attr:`pybandits.model.family.Gaussian.fitted_on`).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import ConfigDict, Field, NonNegativeInt

from pybandits.base import PyBanditsBaseModel
from pybandits.model.beta import Count, add_count

__all__ = ["BinaryCounts", "Moments"]


class BinaryCounts(PyBanditsBaseModel):
    """What an action with Bernoulli rewards counts: 1 plus the sum of rewards, 1 plus the sum of misses.

    With 0/1 rewards these are whole numbers (the counts of 1s and 0s); soft rewards in [0, 1]
    add their fraction to ``n_successes`` and the rest to ``n_failures``.

    Examples
    --------
    >>> BinaryCounts().added(np.array([1, 0, 1]))
    BinaryCounts(n_successes=3, n_failures=2)
    """

    model_config = ConfigDict(frozen=True)

    n_successes: Count = 1
    n_failures: Count = 1

    @property
    def n_observations(self) -> int | float:
        """Number of rewards observed."""
        return self.n_successes + self.n_failures - 2

    def describe(self) -> str:
        """The counts as text."""
        return f"n_successes={self.n_successes}, n_failures={self.n_failures}"

    def added(self, rewards: np.ndarray) -> BinaryCounts:
        """The counts after ``rewards`` (checked by :meth:`Bernoulli.check_rewards`)."""
        return self.added_summary(len(rewards), float(rewards.sum()), None)

    def added_summary(self, count: int, total: float, moments: Moments | None) -> BinaryCounts:
        """The counts after ``count`` rewards summing to ``total`` (summed over a cluster's partitions)."""
        return BinaryCounts(
            n_successes=add_count(self.n_successes, total), n_failures=add_count(self.n_failures, count - total)
        )


class Moments(PyBanditsBaseModel):
    """What an action with real-valued rewards keeps: the count, mean and spread of its rewards.

    ``m2`` is the sum of squared deviations from the mean; merged batch by batch with the
    parallel form of Welford's update, so it stays exact for rewards far from 0.

    Examples
    --------
    >>> stats = Moments().added(np.array([1.0, 3.0])).added(np.array([5.0]))
    >>> stats.n_observations, stats.reward_mean, stats.reward_sd
    (3, 3.0, 2.0)
    """

    model_config = ConfigDict(frozen=True)

    n_observations: NonNegativeInt = 0
    reward_mean: float = Field(default=0.0, allow_inf_nan=False)
    m2: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)

    @property
    def reward_sd(self) -> float | None:
        """Sample standard deviation of the rewards seen (None before two rewards)."""
        return math.sqrt(self.m2 / (self.n_observations - 1)) if self.n_observations > 1 else None

    def describe(self) -> str:
        """The count, mean and standard deviation of the rewards, as text."""
        sd = "none" if self.reward_sd is None else f"{self.reward_sd:.6g}"
        return f"n_observations={self.n_observations}, reward_mean={self.reward_mean:.6g}, reward_sd={sd}"

    def added(self, rewards: np.ndarray) -> Moments:
        """The moments after ``rewards``."""
        n_new = len(rewards)
        if n_new == 0:
            return self
        mean_new = float(np.mean(rewards))
        return self.merged(
            Moments(n_observations=n_new, reward_mean=mean_new, m2=float(np.sum((rewards - mean_new) ** 2)))
        )

    def added_summary(self, count: int, total: float, moments: Moments | None) -> Moments:
        """The moments after rewards of these ``moments`` (summed over a cluster's partitions)."""
        return self if moments is None else self.merged(moments)

    def merged(self, other: Moments) -> Moments:
        """The moments of this set of rewards and ``other``'s together (the parallel form of Welford's update).

        Examples
        --------
        >>> rewards = np.array([1.0, 2.0, 4.0])
        >>> both = Moments().added(rewards[:1]).merged(Moments().added(rewards[1:]))
        >>> both.n_observations, round(both.reward_mean, 12), round(both.m2, 12)
        (3, 2.333333333333, 4.666666666667)
        """
        if other.n_observations == 0:
            return self
        n = self.n_observations + other.n_observations
        delta = other.reward_mean - self.reward_mean
        return Moments(
            n_observations=n,
            reward_mean=self.reward_mean + delta * other.n_observations / n,
            m2=self.m2 + other.m2 + delta**2 * self.n_observations * other.n_observations / n,
        )
