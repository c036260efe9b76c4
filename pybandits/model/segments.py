"""Segments of a quantity space, and the exact Bayes factor that decides when a segment splits."""

from __future__ import annotations

import math

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.beta import Beta
from pybandits.model.nig import NormalInverseGamma

__all__ = ["Posterior", "Segment", "log_bayes_factor", "outer_posterior"]

#: A segment's conjugate posterior.
Posterior = Beta | NormalInverseGamma
_Moments = tuple[float, float, float]  # count, mean, sum of squared deviations


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _moments(prior: NormalInverseGamma, post: NormalInverseGamma) -> _Moments:
    """The count, mean and sum of squared deviations of the rewards that took ``prior`` to ``post``."""
    n = post.n_observations - prior.n_observations
    if n == 0:
        return 0, 0.0, 0.0
    mean = (post.kappa * post.mu - prior.kappa * prior.mu) / n
    return n, mean, max(2.0 * (post.beta - prior.beta) - prior.kappa * n * (mean - prior.mu) ** 2 / post.kappa, 0.0)


def _pooled(a: _Moments, b: _Moments) -> _Moments:
    """The moments of two disjoint groups' rewards together."""
    n = a[0] + b[0]
    if n == 0:
        return 0, 0.0, 0.0
    return n, (a[0] * a[1] + b[0] * b[1]) / n, a[2] + b[2] + a[0] * b[0] / n * (a[1] - b[1]) ** 2


def _without(a: _Moments, b: _Moments) -> _Moments:
    """The moments of group ``a``'s rewards that are not in its subgroup ``b``."""
    n = a[0] - b[0]
    if n <= 0:
        return 0, 0.0, 0.0
    mean = (a[0] * a[1] - b[0] * b[1]) / n
    return n, mean, max(a[2] - b[2] - n * b[0] / a[0] * (mean - b[1]) ** 2, 0.0)


def outer_posterior(prior: Posterior, lower: Posterior, upper: Posterior, middle: Posterior) -> Posterior:
    """The posterior of the rewards in the two halves but not in the middle half (the outer quarters)."""
    if isinstance(prior, Beta):
        a = lower.n_successes + upper.n_successes - middle.n_successes  # type: ignore[union-attr]
        b = lower.n_failures + upper.n_failures - middle.n_failures  # type: ignore[union-attr]
        return Beta(
            n_successes=max(a, prior.n_successes), n_failures=max(b, prior.n_failures)
        )  # rounding of soft counts
    both = _pooled(_moments(prior, lower), _moments(prior, upper))  # type: ignore[arg-type]
    n, mean, squares = _without(both, _moments(prior, middle))  # type: ignore[arg-type]
    return prior.updated(n, mean, squares)


def log_bayes_factor(prior: Posterior, first: Posterior, second: Posterior) -> float:
    """Log Bayes factor of "two groups, two means" against "one mean", from the groups' posteriors.

    ``first`` and ``second`` are posteriors started at ``prior``. Beta: the ratio of the Beta-Binomial
    marginal likelihoods. Normal-Inverse-Gamma: one shared noise variance, the means' prior centred on
    the pooled mean (see the module notes). An empty group gives 0.

    Examples
    --------
    >>> round(log_bayes_factor(Beta(), Beta(n_successes=6), Beta(n_failures=6)), 2)  # 5 ones against 5 zeros
    4.34
    >>> round(log_bayes_factor(Beta(), Beta(n_successes=6, n_failures=6), Beta(n_successes=6, n_failures=6)), 2)
    -0.68
    """
    if isinstance(prior, Beta):
        a0, b0, a1, b1 = prior.n_successes, prior.n_failures, first.n_successes, first.n_failures  # type: ignore[union-attr]
        a2, b2 = second.n_successes, second.n_failures  # type: ignore[union-attr]
        return _log_beta(a1, b1) + _log_beta(a2, b2) - _log_beta(a0, b0) - _log_beta(a1 + a2 - a0, b1 + b2 - b0)
    (n1, m1, s1), (n2, m2, s2) = one, two = _moments(prior, first), _moments(prior, second)  # type: ignore[arg-type]
    if n1 == 0 or n2 == 0:
        return 0.0
    n, mean, squares = _pooled(one, two)
    k0 = prior.kappa  # type: ignore[union-attr]
    split = prior.beta + 0.5 * (s1 + s2 + k0 * (n1 * (m1 - mean) ** 2 / (k0 + n1) + n2 * (m2 - mean) ** 2 / (k0 + n2)))
    alpha = prior.alpha + 0.5 * n  # type: ignore[union-attr]
    occam = 0.5 * math.log(k0 * (k0 + n) / ((k0 + n1) * (k0 + n2)))
    return alpha * (math.log(prior.beta + 0.5 * squares) - math.log(split)) + occam


class Segment(PyBanditsBaseModel):
    """A box of the quantity space, with the posterior of its expected reward.

    Attributes
    ----------
    low, high : list of float
        The box's corners, ``0 <= low < high <= 1``; the box is ``[low, high)``, closed at 1.
    posterior : Beta or NormalInverseGamma
        The rewards observed in the segment (and, for a child, in its half of the parent).
    halves : list of Beta or NormalInverseGamma
        Per axis ``k``, the rewards in the lower (``halves[2 k]``) and the upper half (``halves[2 k + 1]``)
        of the segment along ``k``, since the segment was created: two posteriors when ``d`` is 1.
    middles : list of Beta or NormalInverseGamma
        Per axis, the rewards in the middle half of the segment along it (its two central quarters).
    axis : int
        The longest side's axis (the first of equals): where ``zoom_after`` splits the segment.

    Examples
    --------
    >>> segment = Segment.fresh([0.0, 0.0], [0.5, 1.0], Beta(), Beta())
    >>> segment.axis, len(segment.halves), len(segment.middles)
    (1, 4, 2)
    """

    model_config = ConfigDict(frozen=True)

    low: list[float] = Field(min_length=1)
    high: list[float] = Field(min_length=1)
    posterior: Posterior
    halves: list[Posterior] = Field(min_length=2)
    middles: list[Posterior] = Field(min_length=1)
    axis: int = Field(ge=0)

    @classmethod
    def fresh(cls, low: list[float], high: list[float], posterior: Posterior, prior: Posterior) -> Segment:
        """A segment holding ``posterior``, with its contrasts at ``prior``."""
        d, axis = len(low), int(np.argmax(np.subtract(high, low)))
        return cls(low=low, high=high, posterior=posterior, halves=[prior] * 2 * d, middles=[prior] * d, axis=axis)

    @model_validator(mode="after")
    def _check(self) -> Segment:
        low, high = np.array(self.low), np.array(self.high)
        if low.shape != high.shape or not np.all((low >= 0) & (low < high) & (high <= 1)):
            raise ValueError(f"segment: expected 0 <= low < high <= 1, got low={self.low} and high={self.high}")
        width = high - low
        if self.axis >= len(width) or width[self.axis] < width.max() * (1 - 1e-12):
            raise ValueError(f"segment: expected axis {int(np.argmax(width))} (the longest side), got {self.axis}")
        if (len(self.halves), len(self.middles)) != (2 * len(low), len(low)):
            raise ValueError(
                f"segment: expected {2 * len(low)} halves and {len(low)} middles (two and one per axis), "
                f"got {len(self.halves)} and {len(self.middles)}"
            )
        if any(type(m) is not type(self.posterior) for m in (*self.halves, *self.middles)):
            raise ValueError(f"segment: expected halves and middles like the posterior, {type(self.posterior)}")
        return self

    @property
    def n_observations(self) -> float:
        """Rewards the posterior holds."""
        return self.posterior.n_observations

    def evidence(self, prior: Posterior) -> tuple[float, int]:
        """The strongest contrast's log Bayes factor, and its axis.

        Per axis: the lower against the upper half, and the middle half against the outer quarters.
        """
        best = (-math.inf, self.axis)
        for k, middle in enumerate(self.middles):
            lower, upper = self.halves[2 * k : 2 * k + 2]
            outer = outer_posterior(prior, lower, upper, middle)
            best = max(best, (max(log_bayes_factor(prior, lower, upper), log_bayes_factor(prior, middle, outer)), k))
        return best

    def children(self, prior: Posterior, axis: int) -> list[Segment]:
        """The lower and upper halves along ``axis``, as segments holding their half's posterior."""
        mid = 0.5 * (self.low[axis] + self.high[axis])
        cut = [[mid if k == axis else v for k, v in enumerate(corner)] for corner in (self.high, self.low)]
        lower, upper = self.halves[2 * axis : 2 * axis + 2]
        return [Segment.fresh(self.low, cut[0], lower, prior), Segment.fresh(cut[1], self.high, upper, prior)]

    def describe(self) -> str:
        """The box as text."""
        return "x".join(f"[{a:.4g}, {b:.4g}{']' if b >= 1 else ')'}" for a, b in zip(self.low, self.high, strict=True))
