"""A retraining job on a partitioned dataset, on a local Dask cluster, with the ``pybandits`` command line.

1. ``pybandits init`` writes a cold-started bandit from a config kept in version control.
2. A week of logged traffic arrives as a Parquet dataset, one file per day (here: simulated).
3. ``pybandits update --data DATASET --scheduler local:2`` fits every row where it is read, on two
   worker processes; only posteriors come back. The same command without ``--scheduler`` reads the
   dataset partition by partition in its own process, with the same result.
4. ``pybandits evaluate`` estimates the new bandit's value on the same dataset, reduced on the
   workers; ``pybandits predict`` writes a choice for every row of a dataset of contexts.

On a real cluster, ``--scheduler tcp://scheduler:8786`` replaces ``local:2`` and ``--data`` may be
a URL (``s3://bucket/logs/``, with the fsspec backend installed).

Run with ``python examples/cluster_retraining/run_job.py [FOLDER] [--rows N]`` (a temporary folder and
7 x 20,000 rows by default). Needs the ``dask`` extra: ``pip install "pybandits[dask]"``.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ACTIONS = ["banner", "email", "push"]
WEIGHTS = {"banner": [0.6, -0.3, 0.0], "email": [-0.4, 0.5, 0.2], "push": [0.1, 0.1, -0.6]}
CONFIG = """\
class = "CmabBernoulli"

[cold_start]
action_ids = ["banner", "email", "push"]
n_features = 3
feature_names = ["recency", "frequency", "tenure"]
update_kwargs = { num_steps = 300 }
random_seed = 0
"""


def cli(*args: str) -> str:
    """Run ``pybandits ARGS`` as a job scheduler would; fail loudly on a non-zero exit."""
    result = subprocess.run([sys.executable, "-m", "pybandits.cli", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"pybandits {args[0]} failed ({result.returncode}): {result.stderr}")
    return result.stdout + result.stderr


def write_week(folder: Path, rows_per_day: int) -> None:
    """Seven days of logs, one Parquet file per day; a uniform logging policy (propensity 1/3)."""
    folder.mkdir(exist_ok=True)
    for day in range(7):
        rng = np.random.default_rng(day)
        context = rng.normal(size=(rows_per_day, 3)).round(4)
        actions = rng.choice(ACTIONS, rows_per_day)
        logits = np.einsum("ij,ij->i", context, np.array([WEIGHTS[a] for a in actions])) - 0.5
        rewards = (rng.random(rows_per_day) < 1 / (1 + np.exp(-logits))).astype(int)
        frame = pd.DataFrame({"action": actions, "reward": rewards, "recency": context[:, 0]})
        frame["frequency"], frame["tenure"], frame["propensity"] = context[:, 1], context[:, 2], 1 / 3
        frame.to_parquet(folder / f"day={day}.parquet")


def main(folder: Path, rows_per_day: int) -> None:
    (folder / "bandit.toml").write_text(CONFIG)
    state, week = folder / "bandit.json", folder / "week"
    cli("init", "--config", str(folder / "bandit.toml"), "--out", str(state), "--force", "--quiet")
    write_week(week, rows_per_day)
    print(f"wrote 7 days x {rows_per_day} logged rows to {week.name}/")

    start = time.perf_counter()
    messages = cli("update", "--state", str(state), "--data", str(week), "--out", str(state), "--scheduler", "local:2")
    summary = next(line for line in messages.splitlines() if "rows from" in line)
    print(f"update on a local cluster ({time.perf_counter() - start:.0f} s): {summary}")

    report = folder / "report.csv"
    cli(
        "evaluate",
        "--state",
        str(state),
        "--data",
        str(week),
        "--out",
        str(report),
        "--scheduler",
        "local:2",
        "--bootstrap",
        "200",
        "--draws",
        "50",
        "--seed",
        "0",
        "--quiet",
    )
    table = pd.read_csv(report).set_index("estimator")
    print("evaluate (the new bandit against the uniform logging policy):")
    for name in ("ipw", "dr", "logged"):
        row = table.loc[name]
        print(f"  {name:>6}: {row['value']:.3f}  [{row['lower']:.3f}, {row['upper']:.3f}]")

    contexts = folder / "contexts"
    contexts.mkdir(exist_ok=True)
    pd.read_parquet(week / "day=6.parquet").iloc[:1000, 2:5].to_parquet(contexts / "part-0.parquet")
    cli("predict", "--state", str(state), "--data", str(contexts), "--out", str(folder / "choices.csv"))
    choices = pd.read_csv(folder / "choices.csv")
    shares = choices["action"].value_counts(normalize=True).round(2).to_dict()
    print(f"predict: {len(choices)} choices, shares {shares}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", help="where the job's files go (a temporary folder by default)")
    parser.add_argument("--rows", type=int, default=20_000, help="logged rows per day (default 20,000)")
    args = parser.parse_args()
    if args.folder is None:
        with tempfile.TemporaryDirectory() as temporary:
            main(Path(temporary), args.rows)
    else:
        main(Path(args.folder), args.rows)
