"""Change-point tests on an action's recent rewards: generalized likelihood ratio (GLR) scans.

A bandit that watches for changes keeps, per action, the rows since the action's last restart (the
most recent ones in a bounded memory, the older ones summarised by their number and sum) and asks
after every update whether the mean of these rows changed at some point. The tests here answer:
each scans every split of the rows (cumulative sums: O(n) for n rows) and compares the largest
likelihood-ratio statistic with a threshold that holds the probability of *ever* raising a false
alarm on a stationary stream, tested after every row for as long as it runs, below ``delta``.

Tests
-----
:func:`bernoulli_glr`
    Rewards in [0, 1] (0/1 rewards, or fractions): the Bernoulli-kl GLR of Besson, Kaufmann,
    Maillard & Seznec (2022). The statistic of the split after ``s`` of ``n`` rows is
    ``s kl(m_1:s, m_1:n) + (n - s) kl(m_s+1:n, m_1:n)`` with ``kl`` the Bernoulli Kullback-Leibler
    divergence; it is compared with :func:`bernoulli_threshold`. Valid for any rewards bounded in
    [0, 1] (they are sub-Bernoulli), and it adapts to the variance: a change from 0.1 to 0.2 needs
    fewer rows than one from 0.5 to 0.6.
:func:`gaussian_glr`
    Rewards with sub-Gaussian noise of known scale ``sigma`` (Gaussian rewards with a known or
    estimated noise standard deviation; standardised residuals, ``sigma=1``; residuals bounded in an
    interval of length 1 such as ``reward - predicted probability`` of 0/1 rewards, ``sigma=1/2``).
    The statistic is ``s (n - s) / n * (m_1:s - m_s+1:n)^2 / (2 sigma^2)``, compared with
    :func:`gaussian_threshold` (Maillard 2019).

Both return a :class:`Change` (where, statistic, threshold) or None.

References
----------
- L. Besson, E. Kaufmann, O.-A. Maillard, J. Seznec. Efficient change-point detection for tackling
  piecewise-stationary bandits. Journal of Machine Learning Research 23(77), 2022 (arXiv:1902.01575).
- O.-A. Maillard. Sequential change-point detection: Laplace concentration of scan statistics and
  non-asymptotic delay bounds. Algorithmic Learning Theory (ALT), PMLR 98, 2019.
- E. Kaufmann, W. M. Koolen. Mixture martingales revisited with applications to sequential tests and
  confidence intervals. Journal of Machine Learning Research 22(246), 2021 (the function ``T``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

__all__ = [
    "Change",
    "bernoulli_glr",
    "bernoulli_statistics",
    "bernoulli_threshold",
    "gaussian_glr",
    "gaussian_statistics",
    "gaussian_threshold",
]


@dataclass(frozen=True)
class Change:
    """A change found by a GLR test.

    Attributes
    ----------
    index : int
        Position, within the values tested, of the first row after the change: the rows from
        ``index`` on are the new regime. 0 means that every value tested is after the change and
        only the rows summarised by ``n_before`` and ``sum_before`` came before it.
    statistic : float
        The largest GLR statistic over the splits (in nats), reached at ``index``.
    threshold : float
        The threshold it reached, for the number of rows tested.
    """

    index: int
    statistic: float
    threshold: float


# -- thresholds -------------------------------------------------------------------------------------


def _h_inverse(y: np.ndarray) -> np.ndarray:
    """The solution ``u >= 1`` of ``u - log(u) = y``, for ``y >= 1`` (Newton's method)."""
    u = np.maximum(y + np.log(y), 1.0 + 1e-12)
    for _ in range(60):
        step = (u - np.log(u) - y) / (1.0 - 1.0 / u)
        u = np.maximum(u - step, 1.0 + 1e-12)
        if np.all(np.abs(step) <= 1e-12 * u):
            break
    return u


_Z = 1.5  # the exponent of Kaufmann & Koolen's h-tilde used by Besson et al.
_H_TILDE_SWITCH = float(_h_inverse(np.array(1.0 / math.log(_Z))))


def _h_tilde(x: np.ndarray) -> np.ndarray:
    large = x >= _H_TILDE_SWITCH
    u = _h_inverse(np.where(large, x, _H_TILDE_SWITCH))
    return np.where(large, np.exp(1.0 / u) * u, _Z * (x - math.log(math.log(_Z))))


def calibration_t(x: np.ndarray | float) -> np.ndarray | float:
    """Kaufmann & Koolen's calibration function ``T(x) = 2 h~((h^-1(1 + x) + log(2 zeta(2))) / 2)``.

    About ``x + 4 log(1 + x + sqrt(2 x))`` for ``x >= 5``.

    Examples
    --------
    >>> round(float(calibration_t(10.0)), 2)
    21.76
    """
    x = np.asarray(x, dtype=float)
    value = 2.0 * _h_tilde((_h_inverse(1.0 + x) + math.log(math.pi**2 / 3.0)) / 2.0)
    return float(value) if value.ndim == 0 else value


def _check_delta(delta: object) -> float:
    if isinstance(delta, bool) or not isinstance(delta, Real):
        raise TypeError(f"delta must be a number in (0, 1), got {type(delta).__name__} {delta!r}")
    if not 0.0 < float(delta) < 1.0:
        raise ValueError(f"delta must be in (0, 1), got {delta!r}")
    return float(delta)


def _check_n(n: object) -> np.ndarray:
    array = np.asarray(n)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"n must be a number of rows (an integer >= 1, or an array of them), got {n!r}")
    if not np.all(np.isfinite(array)) or np.any(array < 1):
        raise ValueError(f"n must be >= 1 rows, got {n!r}")
    return array.astype(float)


def bernoulli_threshold(n: int | np.ndarray, delta: float) -> float | np.ndarray:
    """Threshold of :func:`bernoulli_glr` for ``n`` rows since the last restart.

    ``beta(n, delta) = 2 T(log(3 n sqrt(n) / delta) / 2) + 6 log(1 + log n)`` with ``T`` the
    calibration function of Kaufmann & Koolen (2021), :func:`calibration_t`. With it, on rewards of
    constant mean (bounded in [0, 1]), the probability that the GLR statistic ever exceeds the
    threshold, for any number of rows ``n`` and any split, is at most ``delta`` (Besson et al. 2022).

    Examples
    --------
    >>> round(float(bernoulli_threshold(1000, 0.01)), 1)
    50.5
    """
    delta = _check_delta(delta)
    rows = _check_n(n)
    value = 2.0 * np.asarray(calibration_t(np.log(3.0 * rows**1.5 / delta) / 2.0)) + 6.0 * np.log1p(np.log(rows))
    return float(value) if value.ndim == 0 else value


def gaussian_threshold(n: int | np.ndarray, delta: float) -> float | np.ndarray:
    """Threshold of :func:`gaussian_glr` for ``n`` rows since the last restart.

    ``beta(n, delta) = (1 + 1/n) log(2 n sqrt(n + 2) / delta)``: the time-uniform scan bound of
    Maillard (2019) for sigma-sub-Gaussian noise, written for the statistic
    ``s (n - s) / n * (m_1:s - m_s+1:n)^2 / (2 sigma^2)``.

    Examples
    --------
    >>> round(float(gaussian_threshold(1000, 0.01)), 2)
    16.15
    """
    delta = _check_delta(delta)
    rows = _check_n(n)
    value = (1.0 + 1.0 / rows) * np.log(2.0 * rows * np.sqrt(rows + 2.0) / delta)
    return float(value) if value.ndim == 0 else value
