"""Quantitative actions of contextual bandits: learning a dose that depends on the context, and prediction speed.

**Learning.** Two features ``x ~ N(0, I)``, one quantitative action "dose" (``d = 1``), purchase
probability ``sigmoid(1.5 - 12 (q - q*(x))**2)`` with ``q*(x) = 0.5 + 0.35 tanh(1.5 x0)``;
``CmabBernoulli.cold_start(quantitative_action_ids=["dose"], n_features=2, hidden_dim_list=[16])``
with every other setting at its default; 10 batches of 200 rows (predict, then update with the
choices and the purchases), seeds 0, 1, 2. Regret ratio: the cumulative ``max_q p(x, q) - p(x, q
played)`` over the cumulative ``max_q p(x, q) - mean_q p(x, q)`` (a uniformly random dose), both
on a grid of 201 doses. Target: at most 0.4. For information, the same with the previous
behaviour (no warm-up, raw quantity inputs) and each change alone, and a variant with an
ordinary action of constant purchase probability 0.4 beside the dose (random: either action with
probability 1/2, a uniform dose).

**Prediction speed.** ``predict_arrays`` of 10,000 rows on a trained bandit with 5 features,
``hidden_dim_list=[16]`` and 32 candidate quantities: one quantitative and one ordinary action,
and two quantitative actions. Target: at least 200,000 rows/s.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from pybandits.cmab import CmabBernoulli

FINE = np.linspace(0.0, 1.0, 201)
ORDINARY_P = 0.4


def probability(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(1.5 - 12.0 * (q - 0.5 - 0.35 * np.tanh(1.5 * x[..., 0])) ** 2)))


def learn(seed: int, *, ordinary: bool = False, raw: bool = False, **update_kwargs) -> tuple[float, list[float]]:
    """Regret ratio over 10 batches of 200, and every batch's."""
    rng = np.random.default_rng(seed)
    mab = CmabBernoulli.cold_start(
        action_ids=["none"] if ordinary else None,
        quantitative_action_ids=["dose"],
        n_features=2,
        hidden_dim_list=[16],
        update_kwargs=update_kwargs or None,
        random_seed=seed,
    )
    if raw:  # the inputs before this change: the quantity itself
        mab.actions["dose"] = mab.actions["dose"].model_copy(update={"quantity_encoding": "raw"})
    regret = random = 0.0
    batches = []
    for _ in range(10):
        context = rng.normal(size=(200, 2))
        choices, _, _ = mab.predict(context)
        dose = np.array([c.quantity[0] if c.quantity else 0.0 for c in choices])
        p = np.where([c.action_id == "dose" for c in choices], probability(context, dose), ORDINARY_P)
        grid = probability(context[:, None, :], FINE[None, :])
        best, mean = grid.max(axis=1), grid.mean(axis=1)
        if ordinary:
            best, mean = np.maximum(best, ORDINARY_P), 0.5 * (mean + ORDINARY_P)
        batch_regret, batch_random = float((best - p).sum()), float((best - mean).sum())
        regret, random = regret + batch_regret, random + batch_random
        batches.append(batch_regret / batch_random)
        mab.update(choices, (rng.random(200) < p).astype(int), context)
    return regret / random, batches


def learning() -> None:
    print("learning: best dose depending on a feature, 10 batches of 200, hidden_dim_list=[16], seeds 0 1 2")
    variants = [
        ("defaults (standardised quantity inputs, warmup_steps=200)", {}),
        ("before: raw quantity inputs, no warm-up", {"raw": True, "warmup_steps": 0}),
        ("standardised inputs, no warm-up", {"warmup_steps": 0}),
        ("raw inputs, warmup_steps=200", {"raw": True}),
        ("defaults, with an ordinary action of p=0.4", {"ordinary": True}),
    ]
    for name, settings in variants:
        start = time.perf_counter()
        results = [learn(seed, **settings) for seed in (0, 1, 2)]
        ratios = [ratio for ratio, _ in results]
        per_seed = ", ".join(f"{ratio:.3f}" for ratio in ratios)
        print(
            f"  {name}: regret {statistics.mean(ratios):.3f}x a random dose (per seed {per_seed}); "
            f"{(time.perf_counter() - start) / 3:.1f} s per seed"
        )
        if not settings:
            for seed, (_, batches) in enumerate(results):
                print(f"    seed {seed} per batch: {' '.join(f'{b:.2f}' for b in batches)}")


def trained(quantitative: list[str], ordinary: list[str], seed: int = 0) -> CmabBernoulli:
    rng = np.random.default_rng(seed)
    mab = CmabBernoulli.cold_start(
        action_ids=ordinary or None,
        quantitative_action_ids=quantitative,
        n_features=5,
        hidden_dim_list=[16],
        update_kwargs={"num_steps": 300},
        random_seed=seed,
    )
    context = rng.normal(size=(2000, 5))
    choices, _, _ = mab.predict(context)
    mab.update(choices, rng.integers(0, 2, 2000), context)  # every network fitted: Normal posteriors
    return mab


def speed() -> None:
    context = np.random.default_rng(5).normal(size=(10_000, 5))
    for name, quantitative, ordinary in (
        ("1 quantitative + 1 ordinary", ["dose"], ["plain"]),
        ("2 quantitative", ["dose", "bonus"], []),
    ):
        mab = trained(quantitative, ordinary)
        mab.predict_arrays(context)
        times = []
        for _ in range(15):
            start = time.perf_counter()
            mab.predict_arrays(context)
            times.append(time.perf_counter() - start)
        median, best = statistics.median(times), min(times)
        print(
            f"predict_arrays 10,000 rows, 5 features, hidden [16], 32 candidates, {name}: median "
            f"{median * 1e3:.1f} ms = {10_000 / median / 1e3:.0f}k rows/s (best {10_000 / best / 1e3:.0f}k rows/s)"
        )


def run() -> None:
    print("\n## Quantitative actions of contextual bandits (CmabBernoulli, networks taking the quantity)")
    learning()
    speed()


if __name__ == "__main__":
    run()
