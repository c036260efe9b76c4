"""Drifting contextual worlds, and what forgetting and change detection cost per step and per update.

Worlds
------
3 actions, 4 standard Normal features, 30 batches of 200 rows (one ``predict`` and one ``update``
per batch). Each action's weights (4, Normal with sd 1.5) and bias (Normal, sd 0.5) are drawn per
regime; the *changing* world draws new ones at batches 10 and 20, the *steady* world keeps the first.
Logistic: reward Bernoulli(sigmoid(x w + b)); linear-Gaussian: reward x w + b + N(0, 0.5^2). Regret
against the best expected reward of each row, summed, mean ± s.e. over the seeds. Bandits: networks
per action without hidden layer (logistic or linear regression), ADVI with the default 200 steps.

Targets (issue 26): with changes, change detection's regret <= 0.6x the same bandit's without it;
without changes, <= 1.1x.

Costs
-----
- a stochastic ``predict`` + ``update`` of one row (3 actions), plain, with forgetting and with
  change detection (target: under 0.3 ms);
- a contextual update of 200 rows (3 actions, 4 features), plain and with change detection
  (target: memory and detection add at most 20%).

Run ``python benchmarks/bench_drift_contextual.py`` (3 seeds) or ``--quick`` (1 seed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np

from pybandits.cmab import CmabBernoulli, CmabGaussian
from pybandits.smab import SmabBernoulli

N_BATCHES, BATCH, N_FEATURES, ACTIONS = 30, 200, 4, ["0", "1", "2"]


def play(family: str, changing: bool, seed: int, **settings) -> tuple[float, int]:
    """Regret of one run, and the changes the bandit detected."""
    rng = np.random.default_rng(seed)
    regimes = [(rng.normal(0, 1.5, (3, N_FEATURES)), rng.normal(0, 0.5, 3)) for _ in range(3)]
    if not changing:
        regimes = [regimes[0]] * 3
    cls = CmabBernoulli if family == "logistic" else CmabGaussian
    mab = cls.cold_start(action_ids=ACTIONS, n_features=N_FEATURES, random_seed=seed, **settings)
    regret, rows = 0.0, np.arange(BATCH)
    for batch in range(N_BATCHES):
        weights, bias = regimes[batch * 3 // N_BATCHES]
        context = rng.normal(size=(BATCH, N_FEATURES))
        logits = context @ weights.T + bias
        means = 1.0 / (1.0 + np.exp(-logits)) if family == "logistic" else logits
        chosen = np.array([int(a) for a in mab.predict(context)[0]])
        regret += float((means.max(axis=1) - means[rows, chosen]).sum())
        played = means[rows, chosen]
        rewards = (
            (rng.random(BATCH) < played).astype(int) if family == "logistic" else played + rng.normal(0, 0.5, BATCH)
        )
        mab.update([str(a) for a in chosen], rewards.tolist(), context)
    detector = mab.change_detection
    return regret, 0 if detector is None else detector.n_changes


def worlds(n_seeds: int) -> None:
    print(
        f"\n## Drifting contextual worlds: regret over {N_BATCHES} batches of {BATCH}, mean ± s.e. over {n_seeds} seeds"
    )
    print(f"{'world':<28} {'plain':>18} {'change detection':>18} {'ratio':>7} {'changes':>8}")
    for family in ("logistic", "linear-Gaussian"):
        for changing in (True, False):
            plain = [play(family, changing, seed)[0] for seed in range(n_seeds)]
            watched = [play(family, changing, seed, change_detection=True) for seed in range(n_seeds)]
            regret = np.array([r for r, _ in watched])
            name = f"{family}, {'2 changes' if changing else 'steady'}"
            print(
                f"{name:<28} {_cell(plain):>18} {_cell(regret):>18} {regret.mean() / np.mean(plain):7.2f} "
                f"{np.mean([c for _, c in watched]):8.1f}"
            )


def _cell(values: Sequence[float]) -> str:
    values = np.asarray(values, dtype=float)
    error = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
    return f"{values.mean():.1f} ± {error:.1f}"


def costs() -> None:
    print("\n## Costs: stochastic one-row step (3 actions), contextual update of 200 rows")
    for name, settings in (
        ("plain", {}),
        ("decay_factor=0.995", {"decay_factor": 0.995}),
        ("change_detection", {"change_detection": True}),
    ):
        mab = SmabBernoulli.cold_start(action_ids=ACTIONS, random_seed=0, **settings)
        rng = np.random.default_rng(0)
        for _ in range(1500):  # a full memory
            (action,), _ = mab.predict()
            mab.update([action], [int(rng.random() < 0.5)])
        n = 3000
        start = time.perf_counter()
        for _ in range(n):
            (action,), _ = mab.predict()
            mab.update([action], [int(rng.random() < 0.5)])
        print(f"stochastic step, {name:<20} {(time.perf_counter() - start) / n * 1e3:.3f} ms")
    for name, settings in (
        ("plain", {}),
        ("change_detection", {"change_detection": True}),
        ("decay_factor=0.999", {"decay_factor": 0.999}),
    ):
        mab = CmabBernoulli.cold_start(action_ids=ACTIONS, n_features=N_FEATURES, random_seed=0, **settings)
        rng = np.random.default_rng(0)
        times = []
        for _ in range(12):
            context = rng.normal(size=(BATCH, N_FEATURES))
            actions = rng.choice(ACTIONS, size=BATCH).tolist()
            rewards = (rng.random(BATCH) < 0.5).astype(int).tolist()
            start = time.perf_counter()
            mab.update(actions, rewards, context)
            times.append(time.perf_counter() - start)
        print(
            f"contextual update of 200 rows, {name:<20} median {np.median(times[2:]) * 1e3:.1f} ms (2 warm-up updates)"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 seed")
    args = parser.parse_args(argv)
    costs()
    worlds(1 if args.quick else args.seeds)


def run() -> None:
    main(["--seeds", "2"])


if __name__ == "__main__":
    main(sys.argv[1:])
