"""Transfer benchmarks: edit time, first update after an edit, and the learning benefit."""

from __future__ import annotations

import statistics
import time

import numpy as np
from worlds import Phase

from pybandits.cmab import CmabBernoulli
from pybandits.transfer import edit_model_on_the_fly


def _cold(actions, n_features, seed):
    return CmabBernoulli.cold_start(
        action_ids=set(actions), n_features=n_features, update_kwargs={"num_steps": 200}, random_seed=seed
    )


def run() -> None:
    print("\n## Transfer (edit_model_on_the_fly)")
    phase1 = Phase(n_batches=6, batch_size=200, seed=1)
    phase2 = Phase(n_batches=6, batch_size=200, seed=2)
    v1 = _cold(["A", "B"], 3, seed=10)
    regret1, random1 = phase1.play(v1, ["A", "B"], n_features=3)
    print(f"phase 1 (3 features, A and B, 6 x 200): regret {regret1:.1f} = {regret1 / random1:.2f}x uniform random")

    template = _cold(["A", "B", "C"], 4, seed=11)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        edit_model_on_the_fly(v1, template)
        times.append(time.perf_counter() - start)
    print(f"edit 2 trained actions 3 -> 4 features, add C: median {statistics.median(times) * 1e3:.1f} ms")

    transferred = edit_model_on_the_fly(v1, template)
    context = np.random.default_rng(0).normal(size=(200, 4))
    chosen, _, _ = transferred.predict(context=context)
    start = time.perf_counter()
    transferred.update(actions=chosen, rewards=np.ones(200, dtype=int), context=context)
    print(f"first update after the edit (new shape compiles once, warm cache): {time.perf_counter() - start:.2f} s")

    ratios = []
    for seed in range(3):
        transferred = edit_model_on_the_fly(v1, _cold(["A", "B", "C"], 4, seed=20 + seed))
        cold = _cold(["A", "B", "C"], 4, seed=20 + seed)
        regret_t, random2 = phase2.play(transferred, ["A", "B", "C"], n_features=4)
        regret_c, _ = phase2.play(cold, ["A", "B", "C"], n_features=4)
        ratios.append(regret_t / regret_c)
        print(
            f"phase 2 (4 features, A, B, C, 6 x 200), seed {seed}: transferred regret {regret_t:.1f} "
            f"({regret_t / random2:.2f}x random), cold start {regret_c:.1f} ({regret_c / random2:.2f}x random), "
            f"ratio {regret_t / regret_c:.2f}"
        )
    print(f"phase 2 regret ratio transferred / cold start: mean {np.mean(ratios):.2f}")
