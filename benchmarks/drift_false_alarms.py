"""False alarms of the GLR tests of ``pybandits.model.changepoint`` on stationary streams (issue 26 study).

For ``R`` streams of ``N`` rows, tested after every row (as a bandit tests an action after every
update), the share of streams on which the test ever raises an alarm, for several ``delta``:

- Bernoulli rewards, p in {0.05, 0.3, 0.5, 0.9}: the Bernoulli-kl GLR with the union-bound
  threshold (``bernoulli_threshold``), Besson et al.'s proved threshold (``besson_threshold``) and
  the one of their experiments, ``log(3 n^1.5 / delta)``; the Gaussian GLR with sigma = 1/2;
- Gaussian N(0, 1) rewards: the Gaussian GLR with sigma known (= 1) and with sigma estimated by the
  standard deviation of the rows so far;
- bounded residuals ``y - p``, ``p ~ U(0.02, 0.98)`` per row and ``y ~ Bernoulli(p)``: the Gaussian
  GLR with sigma = 1/2.

The largest statistic over the splits is computed once per stream and row count (vectorised,
O(R N^2)), then compared with every threshold. ``python benchmarks/drift_false_alarms.py 1000 2000``
takes about ten minutes.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from pybandits.model import changepoint

DELTAS = (0.5, 0.1, 0.01, 0.001)


def _xlogx(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)


def max_statistics(y: np.ndarray, kind: str, sigma: float = 1.0) -> np.ndarray:
    """``(R, N)``: entry ``[r, n-1]`` is the largest statistic over the splits of the first ``n`` rows of ``y[r]``."""
    n_streams, length = y.shape
    cumulative = np.concatenate([np.zeros((n_streams, 1)), np.cumsum(y, axis=1)], axis=1)
    out = np.zeros((n_streams, length))
    for n in range(2, length + 1):
        s = np.arange(1, n, dtype=float)
        sum1, total = cumulative[:, 1:n], cumulative[:, n : n + 1]
        if kind == "kl":
            sum2 = total - sum1
            statistic = (
                _xlogx(sum1)
                + _xlogx(s - sum1)
                - _xlogx(s)
                + _xlogx(sum2)
                + _xlogx(n - s - sum2)
                - _xlogx(n - s)
                - (_xlogx(total) + _xlogx(n - total) - _xlogx(np.array(float(n))))
            )
        else:
            gap = sum1 / s - (total - sum1) / (n - s)
            statistic = s * (n - s) / n * gap**2 / (2 * sigma**2)
        out[:, n - 1] = statistic.max(axis=1)
    return out


def share(maxima: np.ndarray, thresholds: np.ndarray) -> float:
    return float((maxima >= thresholds[None, :]).any(axis=1).mean())


def main(n_streams: int, length: int) -> None:
    n = np.arange(1, length + 1, dtype=float)
    rows = []
    for p in (0.05, 0.3, 0.5, 0.9):
        start = time.perf_counter()
        y = (np.random.default_rng([1, int(p * 100)]).random((n_streams, length)) < p).astype(float)
        kl, gauss = max_statistics(y, "kl"), max_statistics(y, "gauss", 0.5)
        for delta in DELTAS:
            rows.append(
                (
                    f"Bernoulli p={p}",
                    delta,
                    {
                        "kl, union threshold": share(kl, changepoint.bernoulli_threshold(n, delta)),
                        "kl, Besson et al.": share(kl, changepoint.besson_threshold(n, delta)),
                        "kl, log(3n^1.5/delta)": share(kl, np.log(3 * n**1.5 / delta)),
                        "Gaussian GLR, sigma=1/2": share(gauss, changepoint.gaussian_threshold(n, delta)),
                    },
                )
            )
        print(f"Bernoulli p={p}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    y = np.random.default_rng([2]).normal(size=(n_streams, length))
    known = max_statistics(y, "gauss", 1.0)
    running_var = np.ones_like(y)
    count = np.arange(1, length + 1)
    cumulative, squares = np.cumsum(y, axis=1), np.cumsum(y**2, axis=1)
    running_var[:, 1:] = np.maximum(squares[:, 1:] - cumulative[:, 1:] ** 2 / count[1:], 0) / (count[1:] - 1)
    estimated = known / np.maximum(running_var, 1e-300)
    for delta in DELTAS:
        thresholds = changepoint.gaussian_threshold(n, delta)
        rows.append(
            (
                "Gaussian N(0,1)",
                delta,
                {"sigma known": share(known, thresholds), "sigma estimated": share(estimated, thresholds)},
            )
        )
    rng = np.random.default_rng([3])
    p = rng.uniform(0.02, 0.98, size=(n_streams, length))
    residuals = (rng.random((n_streams, length)) < p) - p
    bounded = max_statistics(residuals, "gauss", 0.5)
    for delta in DELTAS:
        rows.append(("residuals y - p", delta, {"sigma=1/2": share(bounded, changepoint.gaussian_threshold(n, delta))}))
    print(f"Share of {n_streams} stationary streams with an alarm within {length} rows, tested after every row")
    for stream, delta, shares in rows:
        cells = ", ".join(f"{name} {value:.3f}" for name, value in shares.items())
        print(f"{stream:<18} delta={delta:<6g} {cells}")


def delays(n_streams: int = 100, before: int = 500, after: int = 1000, delta: float = 0.05) -> None:
    """Detection delay (rows after the change) of each Bernoulli test, for changes p0 -> p1 at row ``before``."""
    n = np.arange(1, before + after + 1, dtype=float)
    tests = {
        "kl, union": ("kl", changepoint.bernoulli_threshold(n, delta)),
        "Gaussian sigma=1/2": ("gauss", changepoint.gaussian_threshold(n, delta)),
        "kl, log(3n^1.5/delta)": ("kl", np.log(3 * n**1.5 / delta)),
    }
    print(f"Detection delay in rows (median; share detected within {after} rows), delta={delta}, {n_streams} streams")
    for p0, p1 in ((0.02, 0.05), (0.05, 0.02), (0.1, 0.2), (0.4, 0.3), (0.5, 0.7), (0.9, 0.7), (0.3, 0.9)):
        rng = np.random.default_rng([4, int(p0 * 100), int(p1 * 100)])
        y = np.concatenate([rng.random((n_streams, before)) < p0, rng.random((n_streams, after)) < p1], axis=1)
        maxima = {"kl": max_statistics(y.astype(float), "kl"), "gauss": max_statistics(y.astype(float), "gauss", 0.5)}
        cells = [f"{name} {_delay(maxima[kind] >= t[None, :], before)}" for name, (kind, t) in tests.items()]
        half = {
            "kl": changepoint.bernoulli_threshold(n, delta / 2),
            "gauss": changepoint.gaussian_threshold(n, delta / 2),
        }
        combined = (maxima["kl"] >= half["kl"][None, :]) | (maxima["gauss"] >= half["gauss"][None, :])
        cells.append(f"combined (each delta/2) {_delay(combined, before)}")
        print(f"  {p0} -> {p1}: " + "; ".join(cells))


def _delay(found: np.ndarray, before: int) -> str:
    late = found[:, before:]
    detected = late.any(axis=1) & ~found[:, :before].any(axis=1)
    first = late.argmax(axis=1)[detected]
    return f"{np.median(first) if detected.any() else float('nan'):.0f} ({detected.mean():.2f})"


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
    delays()
