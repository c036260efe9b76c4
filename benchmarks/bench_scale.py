"""The engine at scale: updates of many actions (batched ADVI), memory per action.

Every update here: ``CmabBernoulli``, 10 features, no hidden layer, 200 ADVI steps, 200 rows per
played action, on a bandit whose actions already hold a posterior (steady state: engines compiled).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import textwrap
import time

import numpy as np

N_FEATURES, ROWS_PER_ACTION, STEPS = 10, 200, 200


def _batch(action_ids: list[str], rng: np.random.Generator):
    n_rows = ROWS_PER_ACTION * len(action_ids)
    context = rng.normal(size=(n_rows, N_FEATURES))
    actions = np.repeat(np.asarray(action_ids, dtype=object), ROWS_PER_ACTION)
    weights = rng.normal(scale=0.5, size=N_FEATURES)
    rewards = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-(context @ weights)))).astype(int)
    return actions.tolist(), rewards, context


def update_seconds(n_actions: int, actions_per_fit: int = 128, repeat: int = 3) -> list[float]:
    """Wall time of steady-state updates that play every one of ``n_actions`` actions."""
    from pybandits.cmab import CmabBernoulli

    ids = [f"a{index:04d}" for index in range(n_actions)]
    settings = {"num_steps": STEPS, "actions_per_fit": actions_per_fit}
    mab = CmabBernoulli.cold_start(action_ids=ids, n_features=N_FEATURES, update_kwargs=settings, random_seed=0)
    rng = np.random.default_rng(0)
    mab.update(*_batch(ids, rng))  # compiles the engines of this update's group sizes
    times = []
    for _ in range(repeat):
        batch = _batch(ids, rng)
        start = time.perf_counter()
        mab.update(*batch)
        times.append(time.perf_counter() - start)
    return times


MEMORY = textwrap.dedent(
    """
    import resource, sys, numpy as np
    sys.path.insert(0, "benchmarks")
    from bench_scale import update_seconds
    update_seconds(int(sys.argv[1]), repeat=1)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)


def _peak_mib(n_actions: int) -> float:
    out = subprocess.run([sys.executable, "-c", MEMORY, str(n_actions)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1024


def run() -> None:
    import pymc

    print(
        f"\n## Many actions (CmabBernoulli, {N_FEATURES} features, no hidden layer, {STEPS} ADVI steps, "
        f"{ROWS_PER_ACTION} rows per played action), PyMC {pymc.__version__}"
    )
    medians = {}
    for n_actions in (2, 10, 100, 1000):
        times = update_seconds(n_actions, repeat=3 if n_actions < 1000 else 2)
        medians[n_actions] = statistics.median(times)
        print(
            f"update of {n_actions:>4} actions ({n_actions * ROWS_PER_ACTION:>7,} rows): "
            f"median {medians[n_actions] * 1e3:7.1f} ms ({medians[n_actions] / n_actions * 1e3:.2f} ms per action)"
        )
    print(f"100 actions cost {medians[100] / medians[2]:.1f}x the update of 2 actions (50x the rows)")
    for n_actions in (2, 100):
        times = update_seconds(n_actions, actions_per_fit=1, repeat=2)
        print(
            f"one network per fit (actions_per_fit=1), {n_actions} actions: median "
            f"{statistics.median(times) * 1e3:.1f} ms = {statistics.median(times) / medians[n_actions]:.1f}x batched"
        )
    small, large = _peak_mib(10), _peak_mib(1000)
    print(
        f"peak memory of a process updating 10 actions: {small:.0f} MiB, 1000 actions: {large:.0f} MiB "
        f"(about {(large - small) / 990 * 1024:.0f} KiB per action of {ROWS_PER_ACTION} rows x {N_FEATURES} features)"
    )


if __name__ == "__main__":
    run()
