"""Retraining on a cluster: ``pybandits update`` / ``evaluate`` of a 20 M-row dataset on a local Dask cluster.

What it measures (the targets of the cluster issue), on a ``LocalCluster`` of 2 workers x 1 thread
with ``memory_limit`` 1.5 GiB each, and a Parquet dataset partitioned by day (not by action) of
20 M rows, 10 float features, 200 actions with Zipf-like traffic and Bernoulli rewards
(:mod:`benchmarks.cluster_data` writes it):

- ``update``: the CLI with ``--scheduler``; the client's peak RSS, seconds per row, worker restarts
  and memory complaints in the workers' logs; against the single-process CLI on the first 1 M rows
  (a CSV file), per row. Per-action networks, and a shared trunk ``[32]`` with linear heads.
- ``evaluate`` (``--evaluate``): the client's peak RSS on the 20 M rows, the 1 M-row subset on the cluster
  against in memory for the updated bandits (Monte Carlo probabilities), and for a stochastic bandit (exact).

Each CLI run is a child process, so its peak RSS is its own (``RUSAGE_CHILDREN`` read around it).
Run::

    python benchmarks/cluster_data.py                # once: writes /tmp/pybandits_bench/...
    python benchmarks/cluster_data.py --rows 1000000 --csv /tmp/pybandits_bench/one_million.csv
    python benchmarks/bench_cluster.py [--kinds networks,trunk] [--steps 200]

The first fit of a network shape in a fresh PyTensor cache compiles for tens of seconds (in each
worker's own compile directory, once).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path("/tmp/pybandits_bench")
BIG = ROOT / "day_partitioned"
SMALL_CSV = ROOT / "one_million.csv"


def config(kind: str, steps: int) -> dict:
    """The bandit's cold start: 200 actions a000..a199, 10 features x0..x9."""
    world = json.loads((BIG / "_world.json").read_text())
    arguments = {
        "action_ids": world["actions"],
        "n_features": 10,
        "feature_names": [f"x{j}" for j in range(10)],
        "update_kwargs": {"num_steps": steps},
        "random_seed": 0,
    }
    if kind == "stochastic":  # Beta counts: the evaluation's own costs (scan, folds, sums, bootstrap) alone
        return {"class": "SmabBernoulli", "cold_start": {"action_ids": world["actions"], "random_seed": 0}}
    if kind == "trunk":  # linear heads in closed form: the steps are the trunk's training
        arguments["backbone_hidden_dim_list"] = [32]
        del arguments["update_kwargs"]
    return {"class": "CmabBernoulli", "cold_start": arguments}


def run_cli(*arguments: str) -> tuple[float, float, str]:
    """Seconds, the command's own peak RSS in GiB (``wait4``), and its stderr; raises when the command fails."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen([sys.executable, "-m", "pybandits.cli", *arguments], stderr=errors, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read()
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"pybandits {' '.join(arguments)} failed ({child.returncode}):\n{stderr}")
    return seconds, usage.ru_maxrss / 2**20, stderr


def evaluate_big(state: Path, address: str, draws: int) -> None:
    """``pybandits evaluate`` of the 20 M rows on the cluster: its time and the client's peak RSS."""
    out = state.parent / "report-20m.csv"
    seconds, rss, _ = run_cli(
        "evaluate",
        "--state",
        str(state),
        "--data",
        str(BIG),
        "--out",
        str(out),
        "--scheduler",
        address,
        "--bootstrap",
        "200",
        "--draws",
        str(draws),
        "--seed",
        "0",
        "--quiet",
    )
    print(
        f"evaluate, cluster, 20 M rows (10 estimators, 200 bootstrap draws, {draws} draws per row): {seconds:.1f} s, "
        f"client peak RSS {rss:.2f} GiB"
    )


def evaluate(state: Path, address: str, draws: int, subset_only: bool = False) -> None:
    """``pybandits evaluate`` of the 20 M rows on the cluster (client RSS), and the 1 M-row subset both ways."""
    if not subset_only:
        evaluate_big(state, address, draws)
    import pandas as pd

    reports = {}
    for name, data, extra in (
        ("cluster", str(ROOT / "one_million"), ["--scheduler", address]),
        ("in memory", str(SMALL_CSV), []),
    ):
        out = state.parent / f"report-1m-{name.replace(' ', '-')}.csv"
        seconds, rss, _ = run_cli(
            "evaluate",
            "--state",
            str(state),
            "--data",
            data,
            "--out",
            str(out),
            *extra,
            "--bootstrap",
            "200",
            "--draws",
            str(draws),
            "--seed",
            "0",
            "--quiet",
        )
        print(f"evaluate, {name}, 1 M rows: {seconds:.1f} s, peak RSS {rss:.2f} GiB")
        reports[name] = pd.read_csv(out).set_index("estimator")
    difference = (reports["cluster"]["value"] - reports["in memory"]["value"]).abs()
    spread = reports["in memory"]["std"]
    print("1 M-row subset, |cluster - in memory| per estimator (and the in-memory bootstrap sd):")
    for estimator in difference.index:
        print(f"    {estimator:>9}: {difference[estimator]:.2e} (sd {spread[estimator]:.2e})")


def evaluate_exact(work: Path, address: str) -> None:
    """A stochastic bandit's probabilities are exact: its estimates on the 1 M rows, on the cluster and in memory."""
    import pandas as pd

    world = json.loads((BIG / "_world.json").read_text())
    config = {"class": "SmabBernoulli", "cold_start": {"action_ids": world["actions"]}}
    (work / "smab.json").write_text(json.dumps(config))
    state = work / "smab-state.json"
    run_cli("init", "--config", str(work / "smab.json"), "--out", str(state), "--quiet")
    logs = work / "smab-logs.csv"  # a stochastic bandit reads action,reward only
    pd.read_csv(SMALL_CSV, usecols=["action", "reward"]).to_csv(logs, index=False)
    run_cli("update", "--state", str(state), "--data", str(logs), "--out", str(state), "--quiet")
    values = {}
    for name, data, extra in (
        ("cluster", str(ROOT / "one_million"), ["--scheduler", address]),
        ("in memory", str(SMALL_CSV), []),
    ):
        out = work / f"smab-report-{name.replace(' ', '-')}.csv"
        arguments = ["--state", str(state), "--data", data, "--out", str(out), "--bootstrap", "200", "--quiet"]
        run_cli("evaluate", *arguments, "--seed", "0", *extra)
        values[name] = pd.read_csv(out).set_index("estimator")["value"]
    largest = float((values["cluster"] - values["in memory"]).abs().max())
    print(f"stochastic bandit, 1 M rows: largest |cluster - in memory| over the estimates {largest:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default="networks,trunk", help="networks, trunk, stochastic (comma-separated)")
    parser.add_argument("--steps", type=int, default=200, help="ADVI num_steps of the networks (default 200)")
    parser.add_argument("--skip-baseline", action="store_true", help="do not run the single-process 1 M-row update")
    parser.add_argument("--skip-cluster", action="store_true", help="only the single-process 1 M-row baseline")
    parser.add_argument(
        "--evaluate", action="store_true", help="also evaluate the updated bandits, and a stochastic one"
    )
    parser.add_argument(
        "--subset-only",
        action="store_true",
        help="only the 1 M-row subset: the single-process update, and --evaluate on the cluster and in memory",
    )
    parser.add_argument("--draws", type=int, default=10, help="selections per row for the policy probabilities")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    print(f"dataset {BIG} ({sum(p.stat().st_size for p in BIG.glob('*.parquet')) / 2**30:.2f} GiB on disk)")
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit="1.5GiB", processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        address = cluster.scheduler_address
        pids = client.run(os.getpid)
        for kind in args.kinds.split(","):
            (work / f"{kind}.json").write_text(json.dumps(config(kind, args.steps)))
            state = work / f"{kind}-state.json"
            run_cli("init", "--config", str(work / f"{kind}.json"), "--out", str(state), "--quiet")
            baseline = None
            if kind == "stochastic":  # its logs carry features it does not read: evaluate its cold state
                if args.evaluate:
                    evaluate(state, address, args.draws, args.subset_only)
                continue
            if not args.skip_baseline:
                seconds, rss, _ = run_cli(
                    "update",
                    "--state",
                    str(state),
                    "--data",
                    str(SMALL_CSV),
                    "--out",
                    str(work / f"{kind}-1m.json"),
                    "--quiet",
                )
                baseline = seconds / 1e6
                print(
                    f"{kind}: single process, 1 M rows: {seconds:.1f} s, {baseline * 1e6:.2f} us/row, "
                    f"peak RSS {rss:.2f} GiB"
                )
            if args.subset_only:
                if args.evaluate:
                    evaluate(work / f"{kind}-1m.json", address, args.draws, subset_only=True)
                continue
            if args.skip_cluster:
                continue
            seconds, rss, stderr = run_cli(
                "update",
                "--state",
                str(state),
                "--data",
                str(BIG),
                "--out",
                str(work / f"{kind}-20m.json"),
                "--scheduler",
                address,
            )
            per_row = seconds / 20e6
            print(
                f"{kind}: cluster, 20 M rows: {seconds:.1f} s, {per_row * 1e6:.2f} us/row, client peak RSS "
                f"{rss:.2f} GiB"
                + ("" if baseline is None else f", {per_row / baseline:.2f}x the single-process time per row")
            )
            print(
                "   ",
                " | ".join(line.strip() for line in stderr.splitlines() if "rows from" in line or "stages" in line),
            )
            if args.evaluate:
                evaluate(work / f"{kind}-20m.json", address, args.draws, args.subset_only)
        if args.evaluate and "stochastic" not in args.kinds.split(","):  # the stochastic kind is exact already
            evaluate_exact(work, address)
        restarted = client.run(os.getpid) != pids
        logs = client.get_worker_logs()
        complaints = [
            line
            for lines in logs.values()
            for _, line in lines
            if any(word in line.lower() for word in ("spill", "restart", "memory use is high", "paus"))
        ]
        print(f"worker restarts: {'yes' if restarted else 'none'}; memory complaints in worker logs: {len(complaints)}")
        for line in complaints[:5]:
            print("   ", line[:200])


if __name__ == "__main__":
    main()
