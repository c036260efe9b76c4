"""Quantitative actions (pybandits.model.zooming): Thompson sampling on the zooming model alone.

Two worlds, ten seeds each, decisions in batches of 100:

- a narrow peak: Bernoulli rewards with ``p(q) = 0.2 + 0.6 exp(-((q - q*) / 0.05)^2 / 2)``, ``q*``
  uniform in [0.15, 0.85] per seed; each decision plays the candidate of the segment with the best
  draw. Target: in at least 9 of 10 seeds the most played segment holds ``q*``, and the model never
  has more than ``n_max_segments`` segments.
- pricing: price ``1 + 9 q`` in [1, 10], purchase probability ``sigmoid(3 - 0.6 price)``, reward the
  purchase (0/1); each decision maximises ``price(candidate) * draw`` over the segments. Target:
  revenue regret at most 0.3x a uniformly random price's.
- for information, a two-dimensional peak (``sigma`` 0.1 per axis), 10,000 decisions, 5 seeds, at
  most 32 segments.

Regret is expected regret (the true probabilities of the quantities played), against the best
quantity; "uniform" is the expected regret of quantities drawn uniformly in [0, 1].
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from pybandits.model.zooming import Zooming

GRID = np.linspace(0.0, 1.0, 100_001)


def peak_curve(q: np.ndarray, peak: float) -> np.ndarray:
    return 0.2 + 0.6 * np.exp(-(((q - peak) / 0.05) ** 2) / 2)


def price_of(q: np.ndarray) -> np.ndarray:
    return 1.0 + 9.0 * q


def revenue_curve(q: np.ndarray) -> np.ndarray:
    price = price_of(q)
    return price / (1.0 + np.exp(-(3.0 - 0.6 * price)))


def play(expected, n_decisions: int, seed: int, price=None, n_max_segments: int = 16, **settings) -> dict:
    """Thompson sampling on one Zooming model; ``expected(q)`` is the mean reward of quantity ``q``."""
    rng = np.random.default_rng(seed)
    model = Zooming.cold_start(n_max_segments=n_max_segments, **settings)
    gain = revenue_curve if price is not None else expected
    best = float(gain(GRID).max())
    regret, most_segments = 0.0, 1
    for _ in range(n_decisions // 100):
        values, candidates = model.draw(100, rng)
        score = values if price is None else price(candidates[..., 0]) * values
        quantities = candidates[np.arange(100), score.argmax(axis=1)]
        rewards = (rng.random(100) < expected(quantities[:, 0])).astype(int)
        regret += float((best - gain(quantities[:, 0])).sum())
        model = model.updated(quantities, rewards)
        most_segments = max(most_segments, len(model.segments))
    uniform = n_decisions * (best - float(gain(GRID).mean()))
    return {"model": model, "regret": regret, "uniform": uniform, "most_segments": most_segments}


def narrow_peak(n_seeds: int = 10, n_decisions: int = 5000, **settings) -> list[dict]:
    results = []
    for seed in range(n_seeds):
        peak = float(np.random.default_rng(1000 + seed).uniform(0.15, 0.85))
        result = play(lambda q, peak=peak: peak_curve(q, peak), n_decisions, seed, **settings)
        segment = result["model"].best_segment()
        result.update(peak=peak, segment=segment, hit=segment.low[0] <= peak <= segment.high[0])
        results.append(result)
    return results


def pricing(n_seeds: int = 10, n_decisions: int = 2000, **settings) -> list[dict]:
    def demand(q: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(3.0 - 0.6 * price_of(q))))

    return [play(demand, n_decisions, seed, price=price_of, **settings) for seed in range(n_seeds)]


def two_dimensional(n_seeds: int = 5, n_decisions: int = 10_000) -> list[dict]:
    results = []
    for seed in range(n_seeds):
        rng = np.random.default_rng(seed)
        peak = rng.uniform(0.15, 0.85, size=2)
        model, regret, most = Zooming.cold_start(dimension=2, n_max_segments=32), 0.0, 1
        uniform = 0.8 - float(np.mean(0.2 + 0.6 * np.exp(-(((rng.random((200_000, 2)) - peak) / 0.1) ** 2).sum(1) / 2)))
        for _ in range(n_decisions // 100):
            values, candidates = model.draw(100, rng)
            q = candidates[np.arange(100), values.argmax(axis=1)]
            p = 0.2 + 0.6 * np.exp(-(((q - peak) / 0.1) ** 2).sum(axis=1) / 2)
            regret += float((0.8 - p).sum())
            model = model.updated(q, (rng.random(100) < p).astype(int))
            most = max(most, len(model.segments))
        segment = model.best_segment()
        hit = all(lo <= x <= hi for lo, x, hi in zip(segment.low, peak, segment.high, strict=True))
        results.append({"ratio": regret / (n_decisions * uniform), "hit": hit, "most_segments": most})
    return results


def run() -> None:
    print("\n## Quantitative actions (Zooming, default settings, n_max_segments=16)")
    start = time.perf_counter()
    results = narrow_peak()
    elapsed = time.perf_counter() - start
    print("narrow peak, Bernoulli, 5,000 decisions in batches of 100, 10 seeds:")
    for seed, r in enumerate(results):
        s = r["segment"]
        print(
            f"  seed {seed}: q*={r['peak']:.3f} most played [{s.low[0]:.4f}, {s.high[0]:.4f}] "
            f"({'holds q*' if r['hit'] else 'MISSES q*'}), {len(r['model'].segments)} segments "
            f"(most {r['most_segments']}), regret {r['regret']:.0f} = {r['regret'] / r['uniform']:.2f}x uniform"
        )
    ratios = [r["regret"] / r["uniform"] for r in results]
    print(
        f"  most played segment holds q* in {sum(r['hit'] for r in results)}/10 seeds; most segments ever "
        f"{max(r['most_segments'] for r in results)} (bound 16); regret / uniform random quantity: "
        f"mean {statistics.mean(ratios):.2f}, median {statistics.median(ratios):.2f}, worst {max(ratios):.2f}; "
        f"{elapsed / len(results):.2f} s per seed"
    )
    results = pricing()
    ratios = [r["regret"] / r["uniform"] for r in results]
    regret = sum(r["regret"] for r in results)
    uniform = sum(r["uniform"] for r in results)
    print(
        "pricing, price 1 + 9q, demand sigmoid(3 - 0.6 price), 2,000 decisions in batches of 100, 10 seeds: "
        f"revenue regret {regret / uniform:.2f}x a uniformly random price's (per seed: mean "
        f"{statistics.mean(ratios):.2f}, worst {max(ratios):.2f}); "
        f"most segments ever {max(r['most_segments'] for r in results)}"
    )
    results = two_dimensional()
    print(
        "two-dimensional peak (sigma 0.1), 10,000 decisions, 5 seeds, n_max_segments=32: most played segment holds "
        f"the peak in {sum(r['hit'] for r in results)}/5; regret {statistics.mean(r['ratio'] for r in results):.2f}x "
        f"uniform random (worst {max(r['ratio'] for r in results):.2f}); most segments ever "
        f"{max(r['most_segments'] for r in results)}"
    )


if __name__ == "__main__":
    run()
