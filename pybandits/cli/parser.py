"""The argument parser of ``pybandits`` (:mod:`pybandits.cli`)."""

from __future__ import annotations

import argparse

import pybandits
from pybandits.cli.commands import _edit, _evaluate, _info, _init, _predict, _update

__all__ = ["parser"]


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pybandits", description="Create, retrain, predict with and evolve saved bandits."
    )
    parser.add_argument("--version", action="version", version=f"pybandits {pybandits.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="create a cold-started bandit from a config file")
    init.add_argument(
        "--config", required=True, help="TOML (.toml) or JSON (.json): the bandit class and its cold_start arguments"
    )
    init.add_argument("--out", required=True, help="where to write the new bandit (atomically)")
    init.add_argument("--force", action="store_true", help="replace an existing --out file")
    init.add_argument("--quiet", action="store_true", help="no message on stderr")
    init.set_defaults(run=_init)

    update = commands.add_parser("update", help="update a saved bandit with logged rows")
    update.add_argument("--state", required=True, help="the bandit to update (a pybandits.save file)")
    update.add_argument(
        "--data",
        required=True,
        help="CSV or Parquet file, or a dataset (a folder of Parquet or CSV files, a glob, an fsspec URL): "
        "action,reward,<features>, and for quantitative actions quantity (or quantity_0, ...)",
    )
    update.add_argument("--out", required=True, help="where to write the updated bandit (atomically)")
    update.add_argument(
        "--workers",
        type=int,
        default=1,
        help="fit the groups of actions in this many processes (default 1; see actions_per_fit)",
    )
    update.add_argument(
        "--scheduler",
        help="run on Dask: the address of a running scheduler (tcp://host:8786), or local:N for a local cluster of N "
        "worker processes; without it a dataset (folder, glob, URL) is read partition by partition in this process",
    )
    update.add_argument("--quiet", action="store_true", help="no progress on stderr")
    update.set_defaults(run=_update)

    predict = commands.add_parser("predict", help="choose actions for contexts")
    predict.add_argument("--state", required=True)
    predict.add_argument(
        "--data", required=True, help="CSV or Parquet of feature columns, or a dataset (folder, glob, URL) of them"
    )
    predict.add_argument(
        "--out",
        required=True,
        help="CSV: the chosen action (and its quantity, for quantitative actions), then every action's sampled "
        "expected reward (sampled_probability_<action> or sampled_mean_<action>: one Thompson draw, not the "
        "probability of playing it)",
    )
    predict.add_argument(
        "--propensity",
        action="store_true",
        help="also write 'propensity': the probability that the bandit plays the chosen action in that row (the "
        "logging propensity off-policy evaluation needs), estimated from --draws repeated selections; the action is "
        "then drawn from those probabilities, so the propensity is exactly the one it was played with",
    )
    predict.add_argument("--draws", type=int, default=1000, help="selections per row for --propensity (default 1000)")
    predict.add_argument(
        "--scheduler",
        help="run on Dask: the address of a running scheduler (tcp://host:8786), or local:N for a local cluster of N "
        "worker processes; without it a dataset (folder, glob, URL) is read partition by partition in this process",
    )
    predict.set_defaults(run=_predict)

    edit = commands.add_parser("edit", help="evolve a bandit to a template's configuration (transfer)")
    edit.add_argument("--state", required=True)
    edit.add_argument(
        "--template",
        required=True,
        help="a saved, usually cold-started, bandit, or a config file (.toml, or .json with 'class' and 'cold_start')",
    )
    edit.add_argument("--out", required=True)
    edit.add_argument("--quiet", action="store_true", help="do not print the edit's summary")
    edit.set_defaults(run=_edit)

    evaluate = commands.add_parser(
        "evaluate", help="estimate a saved bandit's value on logged rows (off-policy evaluation)"
    )
    evaluate.add_argument("--state", required=True, help="the bandit to evaluate")
    evaluate.add_argument(
        "--data",
        required=True,
        help="CSV or Parquet of logged rows, or a dataset (folder, glob, URL): action,reward,<features>, and "
        "propensity (the logging policy's probability of the logged action; estimated from the action frequencies "
        "when absent)",
    )
    evaluate.add_argument("--out", required=True, help="CSV report: estimator,value,lower,upper,std")
    evaluate.add_argument("--plot", help="also draw the estimates to this image file (needs matplotlib)")
    evaluate.add_argument("--draws", type=int, default=100, help="selections per row for the bandit's probabilities")
    evaluate.add_argument("--bootstrap", type=int, default=1000, help="bootstrap replicates (default 1000)")
    evaluate.add_argument("--seed", type=int, default=None, help="random seed of the evaluation")
    evaluate.add_argument(
        "--scheduler",
        help="run on Dask: a scheduler's address or local:N (see update); a dataset without it is read partition by "
        "partition in this process",
    )
    evaluate.add_argument("--quiet", action="store_true", help="do not print the report")
    evaluate.set_defaults(run=_evaluate)

    info = commands.add_parser("info", help="describe a saved bandit")
    info.add_argument("--state", required=True)
    info.set_defaults(run=_info)
    return parser
