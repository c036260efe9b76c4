"""A nightly retraining job, end to end, with the ``pybandits`` command line.

1. Yesterday's bandit is on disk (here: a cold start, created if missing).
2. A day of logged (action, reward, context) rows arrives as CSV (here: simulated).
3. ``pybandits update`` fits the day into the bandit and writes the new state atomically.
4. ``pybandits info`` and ``pybandits predict`` check and use the new state.
5. ``pybandits edit`` evolves it to a template with a new action and a new feature.

Run with ``python examples/batch_retraining/run_job.py [FOLDER]`` (a temporary folder by default).
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import pybandits
from pybandits.cmab import CmabBernoulli

N_ROWS, N_FEATURES = 20_000, 4


def cli(*args: str) -> str:
    """Run ``pybandits ARGS`` as a job scheduler would; fail loudly on a non-zero exit."""
    result = subprocess.run([sys.executable, "-m", "pybandits.cli", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"pybandits {args[0]} failed ({result.returncode}): {result.stderr}")
    return result.stdout


def write_day(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(N_ROWS, N_FEATURES)).round(4)
    actions = rng.choice(["email", "push"], N_ROWS)
    weights = {"email": np.array([0.8, -0.4, 0.3, 0.0]), "push": np.array([-0.5, 0.6, 0.0, 0.4])}
    logits = np.where(actions == "email", context @ weights["email"], context @ weights["push"])
    rewards = (rng.random(N_ROWS) < 1 / (1 + np.exp(-logits))).astype(int)
    columns = {f"f{j}": context[:, j] for j in range(N_FEATURES)}
    pd.DataFrame({"action": actions, "reward": rewards, **columns}).to_csv(path, index=False)


def main(folder: Path) -> None:
    state, day = folder / "bandit.json", folder / "day.csv"
    if not state.exists():
        cold = CmabBernoulli.cold_start(
            action_ids={"email", "push"},
            n_features=N_FEATURES,
            update_kwargs={"num_steps": 1000, "batch_size": 512},
            random_seed=0,
        )
        pybandits.save(cold, state)
    write_day(day, seed=1)
    print(f"wrote {N_ROWS} logged rows to {day.name}")

    before = pybandits.load(state)
    cli("update", "--state", str(state), "--data", str(day), "--out", str(state), "--quiet")
    after = pybandits.load(state)
    print("update: counts before -> after")
    for action_id in after.actions:
        old, new = before.actions[action_id], after.actions[action_id]
        print(f"  {action_id}: {old.n_successes}/{old.n_failures} -> {new.n_successes}/{new.n_failures}")

    print("info:")
    print("  " + cli("info", "--state", str(state)).strip().replace("\n", "\n  "))

    pd.read_csv(day).iloc[:5, 2:].to_csv(folder / "contexts.csv", index=False)
    cli(
        "predict",
        "--state",
        str(state),
        "--data",
        str(folder / "contexts.csv"),
        "--out",
        str(folder / "predictions.csv"),
    )
    print("predict (first 5 contexts):")
    print("  " + pd.read_csv(folder / "predictions.csv").round(3).to_string(index=False).replace("\n", "\n  "))

    template = CmabBernoulli.cold_start(action_ids={"email", "push", "sms"}, n_features=N_FEATURES + 1)
    pybandits.save(template, folder / "template.json")
    summary = cli(
        "edit",
        "--state",
        str(state),
        "--template",
        str(folder / "template.json"),
        "--out",
        str(folder / "bandit_v2.json"),
    )
    print("edit:")
    print("  " + summary.strip().replace("\n", "\n  "))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as temporary:
            main(Path(temporary))
