"""Batch retraining benchmarks: the CLI on a million rows, and fan-out over worker processes."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import pybandits
from pybandits.cmab import CmabBernoulli
from pybandits.engines.executors import process_pool

SETTINGS = {"num_steps": 2000, "batch_size": 1024}


def write_day(path: Path, n_rows: int, n_features: int = 10, seed: int = 0) -> None:
    """A day of logged rows: three actions, logistic rewards."""
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n_rows, n_features)).round(5)
    actions = rng.choice(["a", "b", "c"], n_rows)
    weights = {a: rng.normal(scale=0.5, size=n_features) for a in "abc"}
    logits = np.select([actions == a for a in "abc"], [context @ weights[a] for a in "abc"])
    rewards = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logits))).astype(int)
    frame = pd.DataFrame({"action": actions, "reward": rewards, **{f"f{j}": context[:, j] for j in range(n_features)}})
    frame.to_csv(path, index=False)


def _cli(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pybandits.cli", *args], check=True)
    return time.perf_counter() - start


def run() -> None:
    print("\n## Batch retraining (CLI, 3 actions, 10 features, num_steps=2000, batch_size=1024)")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        state = folder / "state.json"
        mab = CmabBernoulli.cold_start(action_ids={"a", "b", "c"}, n_features=10, update_kwargs=SETTINGS, random_seed=0)
        pybandits.save(mab, state)
        write_day(folder / "day.csv", 1_000_000)
        _cli(
            "update",
            "--state",
            str(state),
            "--data",
            str(folder / "day.csv"),
            "--out",
            str(folder / "warm.json"),
            "--quiet",
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        wall = _cli(
            "update",
            "--state",
            str(state),
            "--data",
            str(folder / "day.csv"),
            "--out",
            str(folder / "new.json"),
            "--quiet",
        )
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        size = os.path.getsize(folder / "day.csv") / 2**20
        print(
            f"pybandits update, 1,000,000 rows ({size:.0f} MiB CSV), parsing included: {wall:.1f} s wall, "
            f"peak memory {peak:.0f} MiB"
        )

        write_day(folder / "day200k.csv", 200_000, seed=1)
        cli_times = {}
        for workers in (1, 2, 1, 2):  # the first of each warms the compile caches
            cli_times[workers] = _cli(
                "update", "--state", str(state), "--data", str(folder / "day200k.csv"), "--out",
                str(folder / f"new{workers}.json"), "--workers", str(workers), "--quiet",
            )  # fmt: skip
        print(
            f"pybandits update, 200,000 rows, whole job: --workers 1 {cli_times[1]:.1f} s, --workers 2 "
            f"{cli_times[2]:.1f} s ({cli_times[1] / cli_times[2]:.2f}x; worker start-up included)"
        )

        rows = pd.read_csv(folder / "day200k.csv")
        actions, rewards = rows["action"].to_numpy(str), rows["reward"].to_numpy()
        context = rows.iloc[:, 2:].to_numpy()
        heavy = {"num_steps": 10000, "batch_size": 1024, "actions_per_fit": 1}  # one task per action
        timings = {}
        with process_pool(2) as executor:
            for label, run_executor in (("none", None), ("2 processes", executor)):
                for _attempt in range(2):  # the first compiles
                    bandit = CmabBernoulli.cold_start(
                        action_ids={"a", "b", "c"}, n_features=10, update_kwargs=heavy, random_seed=1
                    )
                    start = time.perf_counter()
                    bandit.update(actions, rewards, context, executor=run_executor)
                    timings[label] = time.perf_counter() - start
            print(
                f"update of 200,000 rows in a running process, num_steps=10000: executor none {timings['none']:.2f} s, "
                f"2 warm worker processes {timings['2 processes']:.2f} s "
                f"({timings['none'] / timings['2 processes']:.2f}x)"
            )
