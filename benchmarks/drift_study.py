"""The study behind the library's forgetting and change detection defaults (issue 26).

Plays the prototypes of ``drift_policies`` on the worlds of ``bench_drift`` (50 runs each, seed 0)
and prints one table per question; ``--json PATH`` also writes every figure. Questions:

``gamma``       discounted Thompson sampling at several ``gamma`` (per row, every action decays)
``glr``         Thompson sampling + Bernoulli GLR: threshold and delta, memory size, forced
                exploration, local or global restart, refit on the rows after the change or not
``delay``       detection delays and false alarms of the chosen configuration
``gaussian``    Gaussian rewards (the worlds' means times 2, noise N(0, 1)): Normal-inverse-gamma
                Thompson sampling alone, and with the Gaussian GLR, noise sd known or estimated

Run ``python benchmarks/drift_study.py gamma glr`` (about half an hour on one core).
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from bench_drift import GAUSSIAN_WORLDS, HORIZON, WORLDS, play_vectorised, table
from drift_policies import DiscountedThompson, GaussianGLRThompson, GaussianThompson, GLRThompson, Thompson

GAMMAS = (0.9, 0.95, 0.97, 0.98, 0.99, 0.993, 0.995, 0.997, 0.998, 0.999)

BASE = {
    "delta": 0.01,
    "window": 1000,
    "epsilon": 0.0,
    "restart": "local",
    "refit": True,
    "threshold": "union",
    "test": "kl",
}
GLR_OPTIONS = [
    {},
    {"delta": 0.1},
    {"delta": 0.001},
    {"threshold": "practical"},
    {"threshold": "practical", "delta": 0.004},
    {"window": 200},
    {"window": 500},
    {"window": 2000},
    {"window": 5000},
    {"refit": False},
    {"epsilon": 0.01},
    {"epsilon": 0.02},
    {"epsilon": 0.05},
    {"restart": "global"},
    {"restart": "global", "refit": False},
    {"restart": "global", "epsilon": 0.01},
    {"restart": "global", "epsilon": 0.02},
    {"threshold": "practical", "epsilon": 0.02},
    {"threshold": "practical", "restart": "global"},
]


def study_gamma(n_runs: int, worlds: list[str]) -> list:
    results = [play_vectorised(WORLDS[w], lambda r, k: Thompson(r, k), n_runs) for w in worlds]
    for gamma in GAMMAS:
        results += [
            play_vectorised(WORLDS[w], lambda r, k, g=gamma: DiscountedThompson(r, k, g), n_runs) for w in worlds
        ]
    return results


def study_glr(n_runs: int, worlds: list[str], options: list[dict]) -> list:
    results = []
    for option in options:
        settings = {**BASE, **option}
        for w in worlds:
            results.append(play_vectorised(WORLDS[w], lambda r, k, s=settings: GLRThompson(r, k, HORIZON, **s), n_runs))
        print(table(results[-len(worlds) :]).splitlines()[-1], flush=True)
    return results


def study_gaussian(n_runs: int) -> list:
    makers = [
        lambda r, k: GaussianThompson(r, k),
        lambda r, k: GaussianGLRThompson(r, k, HORIZON, sigma=1.0, delta=0.05),
        lambda r, k: GaussianGLRThompson(r, k, HORIZON, sigma="estimated", delta=0.05),
        lambda r, k: GaussianGLRThompson(r, k, HORIZON, sigma="estimated", delta=0.01),
    ]
    return [play_vectorised(world, make, n_runs) for make in makers for world in GAUSSIAN_WORLDS.values()]


def delays(result, world) -> dict:
    """Per change time: share of runs that detected a change on any action within 500 steps, mean delay."""
    policy = result.extra["policy"]
    out = {}
    for change in world.change_times:
        first = {}
        for run, _action, step in policy.detections:
            if change <= step < change + 500 and run not in first:
                first[run] = step - change
        out[change] = (len(first) / len(result.regret), float(np.mean(list(first.values()))) if first else None)
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="+", choices=["gamma", "glr", "delay", "gaussian"])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--worlds", nargs="+", default=list(WORLDS))
    parser.add_argument("--options", type=json.loads, default=None, help="JSON list of GLR settings to try")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    results = []
    if "gamma" in args.questions:
        results += study_gamma(args.runs, args.worlds)
        print(table(results), flush=True)
    if "gaussian" in args.questions:
        gaussian = study_gaussian(args.runs)
        print(table(gaussian), flush=True)
        results += gaussian
    if "glr" in args.questions or "delay" in args.questions:
        glr = study_glr(args.runs, args.worlds, args.options or GLR_OPTIONS)
        print(table(glr), flush=True)
        if "delay" in args.questions:
            for r in glr:
                print(r.policy, r.world, delays(r, WORLDS[r.world]))
        results += glr
    if args.json:
        figures = [
            {
                "policy": r.policy,
                "world": r.world,
                "mean": r.mean,
                "se": r.standard_error,
                "restarts": float(r.restarts.mean()),
                "runs_with_restart": float((r.restarts > 0).mean()),
                "curve": r.curve[::50].round(2).tolist(),
            }
            for r in results
        ]
        with open(args.json, "w") as handle:
            json.dump(figures, handle)


if __name__ == "__main__":
    main(sys.argv[1:])
