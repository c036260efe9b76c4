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


def traced_peak_mib(n_actions: int) -> float:
    """Peak of the memory numpy and PyTensor allocate during one steady-state update (tracemalloc)."""
    import tracemalloc

    from pybandits.cmab import CmabBernoulli

    ids = [f"a{index:04d}" for index in range(n_actions)]
    mab = CmabBernoulli.cold_start(
        action_ids=ids, n_features=N_FEATURES, update_kwargs={"num_steps": STEPS}, random_seed=0
    )
    rng = np.random.default_rng(0)
    mab.update(*_batch(ids, rng))
    batch = _batch(ids, rng)
    tracemalloc.start()
    mab.update(*batch)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


CLI_JOB = textwrap.dedent(
    """
    import sys, numpy as np, pandas as pd
    import pybandits
    from pybandits.cmab import CmabBernoulli
    folder, n_rows, n_actions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(0)
    ids = [f"a{i:03d}" for i in range(n_actions)]
    context = rng.normal(size=(n_rows, 10)).round(5)
    actions = np.array(ids)[rng.integers(0, n_actions, n_rows)]
    logits = context @ rng.normal(scale=0.5, size=10)
    rewards = (rng.random(n_rows) < 1 / (1 + np.exp(-logits))).astype(int)
    frame = pd.DataFrame({"action": actions, "reward": rewards, **{f"f{j}": context[:, j] for j in range(10)}})
    frame.to_csv(f"{folder}/day.csv", index=False)
    mab = CmabBernoulli.cold_start(action_ids=ids, n_features=10, update_kwargs={"num_steps": 200}, random_seed=0)
    pybandits.save(mab, f"{folder}/state.json")
    """
)


def cli_update(n_rows: int = 1_000_000, n_actions: int = 200) -> tuple[float, float]:
    """Wall time and peak memory of ``pybandits update`` on ``n_rows`` CSV rows over ``n_actions`` actions."""
    import resource
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-c", CLI_JOB, folder, str(n_rows), str(n_actions)], check=True)
        command = [sys.executable, "-m", "pybandits.cli", "update", "--state", f"{folder}/state.json"]
        command += ["--data", f"{folder}/day.csv", "--quiet"]
        subprocess.run([*command, "--out", f"{folder}/warm.json"], check=True)  # compiles this shape's engines
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run([*command, "--out", f"{folder}/new.json"], check=True)
        wall = time.perf_counter() - start
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return wall, peak


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
    small, large = traced_peak_mib(100), traced_peak_mib(1000)
    print(
        f"memory allocated during an update (tracemalloc peak): 100 actions {small:.0f} MiB, 1000 actions "
        f"{large:.0f} MiB: about {(large - small) / 900 * 1024:.0f} KiB per action of {ROWS_PER_ACTION} rows "
        f"x {N_FEATURES} features"
    )
    wall, peak = cli_update()
    print(
        f"pybandits update (CLI), 1,000,000 CSV rows over 200 actions, 10 features, 200 steps, parsing included: "
        f"{wall:.1f} s wall, peak memory {peak:.0f} MiB"
    )


if __name__ == "__main__":
    run()
