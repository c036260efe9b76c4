"""Change-point tests on an action's recent rewards: generalized likelihood ratio (GLR) scans.

A bandit that watches for changes keeps, per action, the rows since the action's last restart (the
most recent ones in a bounded memory, the older ones summarised by their number and sum) and asks
after every update whether their mean changed at some point. The tests here answer: each scans
every split of the rows (cumulative sums: O(n) for n rows) and compares the largest statistic with a
threshold that holds the probability of *ever* raising a false alarm on a stream of constant mean
(independent rows, or more generally rows whose mean given the past is constant, as a bandit's
rewards are), tested after every row for as long as it runs, below ``delta``. A bounded memory keeps the
guarantee: the rows that left it enter as one block, which only removes splits.

Tests
-----
:func:`bernoulli_glr`
    Rewards in [0, 1] (0/1, or fractions). Two scans, each at ``delta / 2``, and an alarm when either
    fires: the Bernoulli-kl GLR of Besson, Kaufmann, Maillard & Seznec (2022), which adapts to the
    variance (a change from 0.02 to 0.05 needs far fewer rows than one from 0.5 to 0.53), with the
    union-bound threshold :func:`bernoulli_threshold`; and the sub-Gaussian GLR of Maillard (2019)
    with ``sigma = 1/2``, whose threshold is about half as large, for means near 1/2.
:func:`gaussian_glr`
    Values with sub-Gaussian noise of scale ``sigma`` (Maillard 2019): Gaussian rewards, with the
    noise standard deviation known or estimated; standardised residuals (``sigma=1``); residuals
    bounded in an interval of length 1, such as ``reward - predicted probability`` of 0/1 rewards
    (``sigma=1/2``, Hoeffding's lemma).

Both return a :class:`Change` (where, statistic, threshold, which scan) or None. The statistics of
every split are :func:`bernoulli_statistics` and :func:`gaussian_statistics`.

References
----------
- L. Besson, E. Kaufmann, O.-A. Maillard, J. Seznec. Efficient change-point detection for tackling
  piecewise-stationary bandits. Journal of Machine Learning Research 23(77), 2022 (arXiv:1902.01575).
- O.-A. Maillard. Sequential change-point detection: Laplace concentration of scan statistics and
  non-asymptotic delay bounds. Algorithmic Learning Theory (ALT), PMLR 98, 2019.
- E. Kaufmann, W. M. Koolen. Mixture martingales revisited with applications to sequential tests and
  confidence intervals. Journal of Machine Learning Research 22(246), 2021 (``calibration_t``).
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
    "besson_threshold",
    "calibration_t",
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
        Position, within the values tested, of the first row after the change: ``values[index:]``
        is the new regime. 0 means that only the older rows summarised by ``n_before`` and
        ``sum_before`` came before it.
    statistic : float
        The largest statistic over the splits (in nats), reached at ``index``.
    threshold : float
        The threshold it reached, for the number of rows since the restart.
    test : str
        The scan that fired: ``"kl"`` (Bernoulli-kl) or ``"gaussian"``.
    """

    index: int
    statistic: float
    threshold: float
    test: str = "gaussian"


# -- input checks -----------------------------------------------------------------------------------


def _check_delta(delta: object) -> float:
    if isinstance(delta, bool) or not isinstance(delta, Real):
        raise TypeError(f"delta must be a number in (0, 1), got {type(delta).__name__} {delta!r}")
    if not 0.0 < float(delta) < 1.0:
        raise ValueError(f"delta must be in (0, 1), got {delta!r}")
    return float(delta)


def _check_n(n: object) -> np.ndarray | float:
    """A number of rows (>= 1) as a float, or an array of them as floats."""
    if isinstance(n, Integral) and not isinstance(n, bool):
        if n < 1:
            raise ValueError(f"n must be a number of rows >= 1, got {n!r}")
        return float(n)
    array = np.asarray(n)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"n must be a number of rows (an integer >= 1, or an array of them), got {n!r}")
    if not np.all(np.isfinite(array)) or np.any(array < 1):
        raise ValueError(f"n must be a number of rows >= 1, got {n!r}")
    return array.astype(float)


def _check_values(values: object, bounded: bool) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"values must be numbers, got an array of {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {array.shape}")
    if array.dtype.kind != "f" or array.dtype.itemsize != 8:
        array = array.astype(float)
    if array.size:
        low, high = float(array.min()), float(array.max())  # NaN and infinities show in these two
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError("values must be finite, got NaN or infinite values")
        if bounded and (low < 0.0 or high > 1.0):
            raise ValueError(f"values must be in [0, 1], got values from {low} to {high}")
    return array


def _check_before(n_before: object, sum_before: object, bounded: bool) -> tuple[int, float]:
    if isinstance(n_before, bool) or not isinstance(n_before, Integral):
        raise TypeError(f"n_before must be an integer >= 0, got {type(n_before).__name__} {n_before!r}")
    if n_before < 0:
        raise ValueError(f"n_before must be >= 0, got {n_before}")
    if isinstance(sum_before, bool) or not isinstance(sum_before, Real):
        raise TypeError(f"sum_before must be a number, got {type(sum_before).__name__} {sum_before!r}")
    if not math.isfinite(sum_before):
        raise ValueError(f"sum_before must be finite, got {sum_before}")
    if n_before == 0 and sum_before != 0:
        raise ValueError(f"sum_before must be 0 when n_before is 0, got {sum_before}")
    if bounded and not 0.0 <= sum_before <= n_before:
        raise ValueError(
            f"sum_before must be in [0, n_before] = [0, {n_before}] for values in [0, 1], got {sum_before}"
        )
    return int(n_before), float(sum_before)


def _check_sigma(sigma: object) -> float:
    if isinstance(sigma, bool) or not isinstance(sigma, Real):
        raise TypeError(f"sigma must be a positive number, got {type(sigma).__name__} {sigma!r}")
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be positive and finite, got {sigma!r}")
    return float(sigma)


def _scalar_or_array(value: np.ndarray) -> float | np.ndarray:
    return float(value) if value.ndim == 0 else value


# -- thresholds -------------------------------------------------------------------------------------


def _gamma2_quantile(target: float) -> float:
    """The ``y >= 0`` with ``y - log(1 + y) = target >= 0`` (the tail ``(1 + y) exp(-y)`` of a Gamma(2, 1))."""
    y = target + math.log1p(target) + 1.0  # above the root: Newton's iterates then decrease to it
    for _ in range(6):
        y -= (y - math.log1p(y) - target) * (1.0 + y) / y
    return y


def _bernoulli_threshold(n: float, delta: float) -> float:
    if n < 2:
        return math.inf
    target = math.log(n) + 2.0 * math.log(n - 1.0) - math.log(delta)
    return 2.0 * math.log(2.0) + _gamma2_quantile(max(target, 0.0))


def _gaussian_threshold(n: float, delta: float) -> float:
    return (1.0 + 1.0 / n) * math.log(2.0 * n * math.sqrt(n + 2.0) / delta)


def bernoulli_threshold(n: int | np.ndarray, delta: float) -> float | np.ndarray:
    """Threshold of the Bernoulli-kl GLR for ``n`` rows since the last restart.

    ``beta(n, delta) = 2 log 2 + y``, with ``y`` the solution of ``(1 + y) exp(-y) = delta / (n (n - 1)^2)``;
    about ``3 log n + log(1 / delta) + log log``; infinite for ``n = 1`` (no split).

    Why the probability of ever raising a false alarm is at most ``delta``: on i.i.d. rewards in
    [0, 1] of mean ``mu``, the statistic of a split is at most ``A + B`` with ``A = c1 kl(m1, mu)``
    and ``B = c2 kl(m2, mu)``, because the pooled mean minimises ``c1 kl(m1, x) + c2 kl(m2, x)``.
    ``A`` and ``B`` are independent, each with ``P(. >= u) <= 2 exp(-u)`` (Chernoff), so each lies
    stochastically below ``log 2 + Exp(1)`` and ``P(A + B >= 2 log 2 + y) <= (1 + y) exp(-y)``. A
    union bound over the ``n - 1`` splits of each ``n`` spends ``delta / (n (n - 1))`` on ``n``; the
    sum over all ``n >= 2`` is ``delta``. Below ``n = 10^12`` it is smaller than the threshold Besson
    et al. (2022) prove (:func:`besson_threshold`: 30.1 against 50.5 at ``n = 1000, delta = 0.01``).

    Examples
    --------
    >>> round(bernoulli_threshold(1000, 0.01), 2)
    30.1
    >>> bernoulli_threshold(np.array([1, 2, 100]), 0.01).round(2)
    array([  inf,  8.82, 22.9 ])
    """
    delta = _check_delta(delta)
    rows = _check_n(n)
    if isinstance(rows, float):
        return _bernoulli_threshold(rows, delta)
    return np.vectorize(_bernoulli_threshold, otypes=[float])(rows, delta)


def gaussian_threshold(n: int | np.ndarray, delta: float) -> float | np.ndarray:
    """Threshold of the Gaussian GLR for ``n`` rows since the last restart.

    ``beta(n, delta) = (1 + 1/n) log(2 n sqrt(n + 2) / delta)``: the time-uniform bound of Maillard
    (2019) on the scan of sigma-sub-Gaussian values (as implemented in SMPyBandits'
    ``threshold_SubGaussianGLR_joint``), written for the statistic of :func:`gaussian_statistics`.

    Examples
    --------
    >>> round(gaussian_threshold(1000, 0.01), 2)
    15.68
    """
    delta = _check_delta(delta)
    rows = _check_n(n)
    if isinstance(rows, float):
        return _gaussian_threshold(rows, delta)
    return (1.0 + 1.0 / rows) * np.log(2.0 * rows * np.sqrt(rows + 2.0) / delta)


def _h_inverse(y: np.ndarray) -> np.ndarray:
    """The solution ``u >= 1`` of ``u - log(u) = y`` for ``y >= 1`` (Newton's method, from above)."""
    u = y + np.log(y) + 1.0
    for _ in range(40):
        u = u - (u - np.log(u) - y) * u / (u - 1.0)
    return u


def calibration_t(x: float | np.ndarray) -> float | np.ndarray:
    """Kaufmann & Koolen's calibration function ``T(x) = 2 h~((h^-1(1 + x) + log(2 zeta(2))) / 2)``.

    ``h(u) = u - log u``; ``h~(z) = exp(1 / h^-1(z)) h^-1(z)`` if ``z >= h^-1(1 / log 1.5)``, else
    ``1.5 (z - log log 1.5)``. About ``x + 4 log(1 + x + sqrt(2 x))`` for ``x >= 5``.

    Examples
    --------
    >>> round(calibration_t(10.0), 2)
    21.45
    """
    x = np.asarray(x, dtype=float)
    z = (_h_inverse(1.0 + x) + math.log(math.pi**2 / 3.0)) / 2.0
    switch = float(_h_inverse(np.array(1.0 / math.log(1.5))))
    u = _h_inverse(np.maximum(z, switch))
    return _scalar_or_array(2.0 * np.where(z >= switch, np.exp(1.0 / u) * u, 1.5 * (z - math.log(math.log(1.5)))))


def besson_threshold(n: int | np.ndarray, delta: float) -> float | np.ndarray:
    """The time-uniform threshold Besson et al. (2022) prove for the Bernoulli-kl GLR, for comparison.

    ``2 T(log(3 n sqrt(n) / delta) / 2) + 6 log(1 + log n)`` with ``T`` = :func:`calibration_t`.
    Their experiments run ``log(3 n sqrt(n) / delta)`` instead, which has no proof.

    Examples
    --------
    >>> round(besson_threshold(1000, 0.01), 2)
    50.53
    """
    delta = _check_delta(delta)
    rows = _check_n(n)
    return _scalar_or_array(
        2.0 * np.asarray(calibration_t(np.log(3.0 * rows**1.5 / delta) / 2.0)) + 6.0 * np.log1p(np.log(rows))
    )


# -- statistics -------------------------------------------------------------------------------------


def _splits(values: np.ndarray, n_before: int, sum_before: float) -> tuple[np.ndarray, ...]:
    """Count and sum of both sides of every split ``j`` (rows before ``values[j]`` | ``values[j:]``)."""
    n = len(values)
    count1 = n_before + np.arange(n, dtype=float)
    sum1 = np.empty(n)
    sum1[0] = sum_before
    np.cumsum(values[:-1], out=sum1[1:])
    sum1[1:] += sum_before
    total_count, total_sum = n_before + n, sum_before + float(values.sum())
    return count1, sum1, total_count - count1, total_sum - sum1, float(total_count), total_sum


def _xlogx(x: np.ndarray) -> np.ndarray:
    return x * np.log(np.where(x > 0.0, x, 1.0))


def _bernoulli_statistics(values: np.ndarray, n_before: int, sum_before: float) -> np.ndarray:
    count1, sum1, count2, sum2, total_count, total_sum = _splits(values, n_before, sum_before)
    # c kl(m_side, m) summed over the sides = L(side 1) + L(side 2) - L(all), L(c, m) = c (m log m + (1-m) log(1-m)),
    # and c L = xlogx(s) + xlogx(c - s) - xlogx(c) for a side of c rows summing to s.
    statistic = (
        _xlogx(sum1)
        + _xlogx(np.maximum(count1 - sum1, 0.0))
        - _xlogx(count1)
        + _xlogx(sum2)
        + _xlogx(np.maximum(count2 - sum2, 0.0))
        - _xlogx(count2)
    )
    everything = _xlogx(np.array([total_sum, max(total_count - total_sum, 0.0), total_count]))
    return np.maximum(statistic - (everything[0] + everything[1] - everything[2]), 0.0)


def _gaussian_statistics(
    values: np.ndarray, sigma: float, n_before: int, sum_before: float, total: float | None = None
) -> np.ndarray:
    # With the values centred on the mean of all n rows, c1 c2 / n (m1 - m2)^2 = n S1^2 / (c1 c2), where
    # S1 is the centred sum before the split: one cumulative sum, and exact differences far from 0.
    n = n_before + len(values)
    mean = (sum_before + float(values.sum()) if total is None else total) / n
    centred = values - mean
    before = np.cumsum(centred)
    before -= centred  # the centred sum of the values before each split
    before += sum_before - n_before * mean  # and of the older rows
    pairs = np.arange(n_before, n, dtype=float)
    pairs *= n - pairs  # c1 c2
    if n_before == 0:
        pairs[0] = 1.0  # no row before the first split (and there before = 0)
    before *= before
    before *= n / (2.0 * sigma * sigma)
    before /= pairs
    return before


def bernoulli_statistics(values: np.ndarray, *, n_before: int = 0, sum_before: float = 0.0) -> np.ndarray:
    """Bernoulli-kl GLR statistic of every split of the rows since the last restart.

    Entry ``j`` tests "the rows before ``values[j]``" against "``values[j:]``":
    ``c1 kl(m1, m) + c2 kl(m2, m)``, with ``c1, m1`` the count and mean before the split (the
    ``n_before`` older rows summing to ``sum_before`` included), ``c2, m2`` after it, ``m`` the mean of
    all and ``kl`` the Bernoulli Kullback-Leibler divergence. 0 where no row is before the split.

    Examples
    --------
    >>> bernoulli_statistics(np.array([0, 0, 1, 1])).round(3)
    array([0.   , 0.863, 2.773, 0.863])
    >>> bernoulli_statistics(np.array([1, 1]), n_before=2, sum_before=0).round(3)
    array([2.773, 0.863])
    """
    values = _check_values(values, bounded=True)
    n_before, sum_before = _check_before(n_before, sum_before, bounded=True)
    return _bernoulli_statistics(values, n_before, sum_before) if values.size else values


def gaussian_statistics(values: np.ndarray, sigma: float, *, n_before: int = 0, sum_before: float = 0.0) -> np.ndarray:
    """Gaussian GLR statistic (noise scale ``sigma``) of every split of the rows since the last restart.

    Entry ``j`` is ``c1 c2 / (c1 + c2) * (m1 - m2)^2 / (2 sigma^2)``, for "the rows before
    ``values[j]``" (count ``c1``, mean ``m1``, the ``n_before`` older rows summing to ``sum_before``
    included) against "``values[j:]``" (``c2``, ``m2``). 0 where no row is before the split.

    Examples
    --------
    >>> gaussian_statistics(np.array([0.0, 0.0, 2.0, 2.0]), sigma=1.0).round(3)
    array([0.   , 0.667, 2.   , 0.667])
    """
    values = _check_values(values, bounded=False)
    sigma = _check_sigma(sigma)
    n_before, sum_before = _check_before(n_before, sum_before, bounded=False)
    return _gaussian_statistics(values, sigma, n_before, sum_before) if values.size else values


# -- tests ------------------------------------------------------------------------------------------


def _largest(statistics: np.ndarray, threshold: float, test: str) -> Change | None:
    index = int(np.argmax(statistics))
    statistic = float(statistics[index])
    return Change(index, statistic, float(threshold), test) if statistic >= threshold else None


def bernoulli_glr(values: np.ndarray, delta: float, *, n_before: int = 0, sum_before: float = 0.0) -> Change | None:
    """Test rewards in [0, 1] for a change in their mean since the last restart.

    An alarm when the Bernoulli-kl statistic (:func:`bernoulli_statistics`) reaches
    :func:`bernoulli_threshold` at ``delta / 2``, or the Gaussian one with ``sigma = 1/2``
    (:func:`gaussian_statistics`) reaches :func:`gaussian_threshold` at ``delta / 2``: the first
    adapts to the variance (means near 0 or 1), the second has the smaller threshold (means near 1/2).

    Parameters
    ----------
    values : array of shape (n,)
        The rows since the last restart that are in memory, oldest first, each in [0, 1].
    delta : float in (0, 1)
        Bound on the probability of ever raising a false alarm on rewards of constant mean
        (independent, or of constant mean given the past), however long the test runs (tested
        after every new row), from one restart to the next. 0.01 is a cautious choice.
    n_before, sum_before : int, float
        Number and sum of the older rows since the last restart that left the memory: they enter
        both scans as one block before ``values``. 0 when every row since the restart is in ``values``.

    Returns
    -------
    Change or None
        The split with the largest statistic of the scan that fired (the kl scan when both do).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> rewards = np.concatenate([rng.random(300) < 0.2, rng.random(200) < 0.6]).astype(int)
    >>> change = bernoulli_glr(rewards, delta=0.01)
    >>> change.index, change.test, change.statistic > change.threshold
    (301, 'kl', True)
    >>> print(bernoulli_glr(rewards[:300], delta=0.01))
    None
    """
    delta = _check_delta(delta)
    values = _check_values(values, bounded=True)
    n_before, sum_before = _check_before(n_before, sum_before, bounded=True)
    n = n_before + len(values)
    if n < 2 or not values.size:
        return None
    total = sum_before + float(values.sum())
    gaussian = _gaussian_statistics(values, 0.5, n_before, sum_before, total)
    best = int(gaussian.argmax())
    mean, largest = total / n, float(gaussian[best])
    kl_threshold = _bernoulli_threshold(n, delta / 2)
    # kl(p, q) <= (p - q)^2 / (q (1 - q)) bounds every kl statistic by the Gaussian one / (2 m (1 - m)):
    # the logarithms are computed only when that bound reaches the threshold.
    if 0.0 < mean < 1.0 and largest >= kl_threshold * 2.0 * mean * (1.0 - mean):
        kl = _largest(_bernoulli_statistics(values, n_before, sum_before), kl_threshold, "kl")
        if kl is not None:
            return kl
    threshold = _gaussian_threshold(n, delta / 2)
    return Change(best, largest, threshold, "gaussian") if largest >= threshold else None


def gaussian_glr(
    values: np.ndarray, delta: float, sigma: float, *, n_before: int = 0, sum_before: float = 0.0
) -> Change | None:
    """Test values with sub-Gaussian noise of scale ``sigma`` for a change in their mean (Maillard 2019).

    Parameters
    ----------
    values : array of shape (n,)
        The rows since the last restart that are in memory, oldest first.
    delta : float in (0, 1)
        Bound on the probability of ever raising a false alarm on values of constant mean whose noise
        is sigma-sub-Gaussian, however long the test runs (tested after every new row).
    sigma : float > 0
        The noise scale: the noise standard deviation of Gaussian rewards; 1 for standardised
        residuals; 1/2 for values in an interval of length 1, such as ``reward - predicted
        probability`` of 0/1 rewards. For Gaussian rewards of unknown noise, pass the standard
        deviation of the rows since the restart (the older rows included, so keep their sum of
        squares too; when all are equal there is no change to find): a change inflates it, which
        makes the test more cautious, and with it the statistic is at most ``(n - 1) / 2``, below
        the threshold for small ``n``.
    n_before, sum_before : int, float
        Number and sum of the older rows since the last restart that left the memory (see
        :func:`bernoulli_glr`).

    Returns
    -------
    Change or None
        The split with the largest statistic (:func:`gaussian_statistics`) if it reaches
        :func:`gaussian_threshold` for ``n_before + n`` rows, else None.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> values = np.concatenate([rng.normal(0.0, 1.0, 200), rng.normal(1.0, 1.0, 50)])
    >>> change = gaussian_glr(values, delta=0.01, sigma=1.0)
    >>> change.index, round(change.statistic, 1), round(change.threshold, 1)
    (203, 17.2, 13.6)
    >>> print(gaussian_glr(values[:200], delta=0.01, sigma=1.0))
    None
    """
    delta = _check_delta(delta)
    sigma = _check_sigma(sigma)
    values = _check_values(values, bounded=False)
    n_before, sum_before = _check_before(n_before, sum_before, bounded=False)
    n = n_before + len(values)
    if n < 2 or not values.size:
        return None
    return _largest(
        _gaussian_statistics(values, sigma, n_before, sum_before), _gaussian_threshold(n, delta), "gaussian"
    )
