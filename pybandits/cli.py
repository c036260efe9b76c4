"""The ``pybandits`` command: create, retrain, predict, evolve and inspect saved bandits from scripts and jobs.

::

    pybandits init --config BANDIT.toml --out STATE.json [--force] [--quiet]
    pybandits update --state STATE.json --data DATA.csv --out NEW.json [--workers N] [--quiet]
    pybandits predict --state STATE.json --data CONTEXTS.csv --out PREDICTIONS.csv [--propensity [--draws N]]
    pybandits edit --state STATE.json --template TEMPLATE.toml|TEMPLATE.json --out NEW.json [--quiet]
    pybandits info --state STATE.json
    pybandits evaluate --state STATE.json --data LOGS.csv --out REPORT.csv [--plot REPORT.png]

States are the files of :func:`pybandits.save`. Configs are TOML (``.toml``) or JSON (``.json``)
files naming a bandit class and the arguments of its ``cold_start`` (format: :mod:`pybandits.config`);
``init`` writes the cold-started bandit a config describes, so a bandit's configuration can live
in version control. ``edit``'s template is a saved bandit or a config: a ``.toml`` file is a
config; a ``.json`` file is a config when its top-level object has a ``class`` or ``cold_start``
key and no ``schema_version`` (every saved state has one), a saved state otherwise; a file of any
other extension is a saved state.

Update data is CSV (Parquet with pyarrow) with the header ``action,reward,`` and then the feature
columns in order (rewards as the bandit's family takes them: 0/1 or fractions for Bernoulli
bandits, real numbers for Gaussian ones); prediction data holds only the feature columns. A bandit
with ``feature_names`` reads its features by name, in any order, ignoring other columns, and its
categorical columns hold category values such as ``FR`` or ``ios`` (:mod:`pybandits.boundary.tabular`). The
predictions hold the chosen action, with ``--propensity`` the probability that the bandit plays it
(``propensity``, estimated from ``--draws`` repeated selections, the action then being drawn from
those probabilities: what off-policy evaluation needs logged), and every action's sampled expected
reward (``sampled_probability_<action>`` or ``sampled_mean_<action>``: one Thompson draw per action,
not a propensity).
A bandit with quantitative actions reads the quantity each row was played at from ``quantity``
(every quantitative action of dimension 1) or ``quantity_0`` ... ``quantity_{D-1}`` (``D`` the
largest dimension; an action of dimension ``d`` fills the first ``d``), anywhere after
``action,reward``; the cells of an ordinary action's row are empty. ``predict`` writes the chosen
quantity in the same columns after ``action`` (``--propensity`` is refused: a quantity has no
probability to log). A dynamic-pricing bandit whose prices are functions of the quantity (code a
state does not hold) is updated, edited and described, but ``predict`` and ``evaluate``, which
need its prices, refuse it: predict with it in Python, ``pybandits.load(path, price_functions=...)``.
Categorical cells are read as text and matched to a bandit's levels by text (``1`` in a file is
the level ``1`` of a bandit trained from Python integers; ``007`` stays ``"007"``).
Outputs are checked before any work (a folder, a missing folder, an output that would replace an
input, a ``--plot`` format matplotlib cannot write: nothing is written) and written atomically: a
failed or killed job leaves an existing output file as it was.
Exit codes: 0 success, 2 bad arguments or input (the message names the option and the file, and
the row and column of data), 1 a failed fit or another error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import pybandits
from pybandits.bandits.base import BaseMab
from pybandits.bandits.describe import settings_lines
from pybandits.boundary.files import atomic_write_bytes, check_writable
from pybandits.boundary.progress import default_enabled
from pybandits.boundary.tabular import (
    DataError,
    LoggedRows,
    quantity_columns,
    read_contexts,
    read_logged_rows,
    write_csv_atomically,
)
from pybandits.cmab import BaseCmab
from pybandits.config import bandit_from_config, is_config

__all__ = ["main"]


class _UsageError(Exception):
    """Bad arguments or input: exit code 2."""


def _load(path: str, option: str, expected: str = "a saved bandit", prices: bool = False) -> BaseMab:
    """The bandit saved at ``path``; ``prices``: the command chooses actions, so it needs the bandit's prices.

    A dynamic-pricing bandit whose prices are functions is loaded without them (nothing but a
    prediction evaluates them); a command that needs them refuses it, naming the actions.
    """
    try:
        mab = BaseMab._from_state(Path(path).read_bytes())  # pybandits.load, without asking for price functions
    except FileNotFoundError:
        raise _UsageError(f"{option}: expected {expected}, got no such file {path}") from None
    except IsADirectoryError:
        raise _UsageError(f"{option}: expected {expected}, got the folder {path}") from None
    except OSError as error:
        raise _UsageError(f"{option}: expected {expected} that can be read, got {path}: {error.strerror}") from None
    except (ValueError, TypeError) as error:
        raise _UsageError(f"{option}: expected {expected}, got {path}: {error}") from None
    functions = sorted(a for a, price in (mab.action_prices or {}).items() if price == "function")
    if prices and functions:
        raise _UsageError(
            f"{option}: {path}: the prices of {functions} are functions of the quantity, code that a saved state does "
            "not hold, and this command needs them; use the bandit in Python: "
            "pybandits.load(path, price_functions={action: function})"
        )
    return mab


def _from_config(path: str, option: str) -> BaseMab:
    """The bandit the config file ``path`` describes; every problem is a usage error naming the file."""
    try:
        return bandit_from_config(path)
    except FileNotFoundError:
        raise _UsageError(f"{option}: expected a config file, got no such file {path}") from None
    except OSError as error:
        raise _UsageError(f"{option}: expected a readable config file, got {path}: {error.strerror or error}") from None
    except (ValueError, TypeError) as error:  # the message starts with the file's path
        raise _UsageError(f"{option}: {error}") from None


def _check_outputs(args: argparse.Namespace, outputs: Sequence[str], inputs: Sequence[str]) -> None:
    """Before any work: every output can be written, and replaces none of the ``inputs`` nor another output.

    Options are named as on the command line (``--out``); an output left out (``--plot``) is skipped.
    """
    given = {option: getattr(args, option[2:]) for option in outputs if getattr(args, option[2:]) is not None}
    for option, path in given.items():
        try:
            check_writable(path, option)
        except ValueError as error:
            raise _UsageError(str(error)) from None
    others = [(option, getattr(args, option[2:])) for option in inputs] + list(given.items())
    for option, path in given.items():
        for other, other_path in others:
            if other != option and Path(path).resolve() == Path(other_path).resolve():
                raise _UsageError(f"{option}: expected a file other than {other} {other_path}, got {path}")


def _is_json_config(path: str) -> bool:
    """Whether ``path`` holds a JSON config (rather than a state); unreadable files are left to the state loader."""
    try:
        document = json.loads(Path(path).read_bytes())
    except (OSError, ValueError, RecursionError):
        return False
    return is_config(document)


def _template(path: str) -> BaseMab:
    """The template of ``edit``: a config (``.toml``, or ``.json`` with a config's keys) or a saved bandit."""
    suffix = Path(path).suffix.lower()
    if suffix == ".toml" or (suffix == ".json" and _is_json_config(path)):
        return _from_config(path, "--template")
    return _load(path, "--template", "a saved bandit or a config file (.toml, or .json with 'class' and 'cold_start')")


def _n_features(mab: BaseMab) -> int:
    return mab.input_dim if isinstance(mab, BaseCmab) else 0


def _schema(mab: BaseMab, learn: bool = False) -> dict[str, Any]:
    """How the readers find a contextual bandit's features: by name, and which hold categories.

    With ``learn`` (an update), the vocabularies too: the reader refuses, naming the row, values
    that would not fit them.
    """
    if not isinstance(mab, BaseCmab):
        return {}
    schema = {"feature_names": mab.feature_names, "categorical": dict(mab.categorical_features)}
    return schema | ({"vocabularies": mab.vocabularies} if learn else {})


def _progress(quiet: bool) -> Callable[[str, int], None] | None:
    """The per-action fit callback: a line on stderr per fitted action (the update draws the bar)."""
    if quiet:
        return None
    start = time.perf_counter()

    def report(action_id: str, n_rows: int) -> None:
        print(f"  fitted {action_id} on {n_rows} rows ({time.perf_counter() - start:.1f} s)", file=sys.stderr)

    return report


def _init(args: argparse.Namespace) -> None:
    _check_outputs(args, ["--out"], ["--config"])
    if Path(args.out).exists() and not args.force:
        raise _UsageError(
            f"--out: expected a new file (a cold start would replace the bandit saved there), got the existing "
            f"{args.out}; pass --force to replace it"
        )
    mab = _from_config(args.config, "--config")
    pybandits.save(mab, args.out)
    if not args.quiet:
        print(f"wrote {args.out}: {type(mab).__name__} with actions {list(mab.actions)}", file=sys.stderr)


def _update(args: argparse.Namespace) -> None:
    _check_outputs(args, ["--out"], ["--data"])  # --out may be --state: the bandit is updated in place
    mab = _load(args.state, "--state")
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        executor = None
        if isinstance(mab, BaseCmab) and args.workers > 1:
            from pybandits.engines.executors import process_pool

            executor = stack.enter_context(process_pool(args.workers))  # workers start while the data is read
        rows = read_logged_rows(
            args.data,
            _n_features(mab),
            list(mab.actions),
            mab.family,
            **_schema(mab, learn=True),
            quantity_dimensions=mab.quantity_dimensions,
        )
        if not args.quiet:
            print(
                f"read {len(rows.actions)} rows from {args.data} in {time.perf_counter() - start:.1f} s",
                file=sys.stderr,
            )
        try:
            _fit(mab, rows, executor, args.quiet)
        except (ValueError, TypeError) as error:  # a row the bandit refuses that the reader let through
            raise _UsageError(f"--data: {args.data}: {error}") from None
    pybandits.save(mab, args.out)
    if not args.quiet:
        print(f"wrote {args.out} ({time.perf_counter() - start:.1f} s in all)", file=sys.stderr)


def _fit(mab: BaseMab, rows: LoggedRows, executor: Any, quiet: bool) -> None:
    """Update ``mab`` with the rows read: a contextual bandit with its context, a progress line per action."""
    if not isinstance(mab, BaseCmab):
        mab.update(rows.actions, rows.rewards, quantities=rows.quantities)
        return
    mab.update(
        rows.actions,
        rows.rewards,
        rows.context,
        executor=executor,
        callback=_progress(quiet),
        progressbar=False if quiet else default_enabled(),  # a bar over the actions, on a terminal
        quantities=rows.quantities,
    )


def _predict(args: argparse.Namespace) -> None:
    import pandas as pd

    _check_outputs(args, ["--out"], ["--state", "--data"])
    mab = _load(args.state, "--state", prices=True)
    if not isinstance(mab, BaseCmab):
        raise _UsageError(f"{args.state}: predict takes a contextual bandit's state, got {type(mab).__name__}")
    dimensions = mab.quantity_dimensions
    if args.propensity and dimensions:
        raise _UsageError(
            f"--propensity: the bandit has quantitative actions {sorted(dimensions)}, whose quantities have no "
            "probability to log; predict without --propensity"
        )
    context = read_contexts(args.data, mab.input_dim, **_schema(mab))
    name = f"sampled_{mab.family.expected_column}"
    if dimensions:
        columns, allowed, expected = _predict_quantities(mab, context)
    else:
        allowed, chosen, expected = mab.predict_arrays(context)
        columns = {"action": np.asarray(allowed, dtype=object)[chosen]}
    if args.propensity:
        # The action is drawn from the estimated probabilities of the bandit's selection, so the logged
        # propensity is exactly the probability it was played with (never 0 for a played action).
        if args.draws < 1:
            raise _UsageError(f"--draws: expected an integer >= 1, got {args.draws}")
        action_ids, probabilities = mab.action_probabilities(context, n_draws=args.draws)
        uniform = mab._rng.random(len(probabilities))[:, None]
        drawn = np.minimum((probabilities.cumsum(axis=1) < uniform).sum(axis=1), len(action_ids) - 1)
        columns["action"] = np.asarray(action_ids, dtype=object)[drawn]
        columns["propensity"] = probabilities[np.arange(len(drawn)), drawn]
    if expected.ndim == 2:
        columns |= {f"{name}_{a}": expected[:, j] for j, a in enumerate(allowed)}
    else:
        for j, a in enumerate(allowed):
            columns |= {f"{name}_{a}_{o}": expected[:, j, o] for o in range(expected.shape[2])}
    write_csv_atomically(pd.DataFrame(columns), args.out)


def _predict_quantities(mab: BaseCmab, context: Any) -> tuple[dict[str, Any], list[str], np.ndarray]:
    """Predictions of a bandit with quantitative actions: the action and quantity columns, and the sampled rewards."""
    choices, sampled, _ = mab.predict(context)
    allowed = list(mab.actions)
    expected = np.array([[row[a] for a in allowed] for row in sampled], dtype=float).reshape(len(choices), -1)
    names = quantity_columns(mab.quantity_dimensions)
    quantities = np.full((len(choices), len(names)), np.nan)
    for row, (_, quantity) in enumerate(choices):
        if quantity is not None:
            quantities[row, : len(quantity)] = quantity
    columns = {"action": np.array([choice.action_id for choice in choices], dtype=object)}
    return columns | {name: quantities[:, j] for j, name in enumerate(names)}, allowed, expected


def _edit(args: argparse.Namespace) -> None:
    from pybandits.transfer import edit_model_on_the_fly

    _check_outputs(args, ["--out"], ["--template"])  # --out may be --state: the bandit evolves in place
    current = _load(args.state, "--state")
    template = _template(args.template)
    try:
        evolved, summary = edit_model_on_the_fly(current, template, return_summary=True)
    except (TypeError, ValueError) as error:
        raise _UsageError(f"--template: {error}") from None
    pybandits.save(evolved, args.out)
    if not args.quiet:
        print(summary)


def _info(args: argparse.Namespace) -> None:
    mab = _load(args.state, "--state")
    print(f"class      {type(mab).__name__}")
    print(f"strategy   {mab.strategy!r}")
    for line in settings_lines(mab):
        print(line)
    if isinstance(mab, BaseCmab):
        for line in mab.kind.describe(mab):
            print(line)
        names = mab.feature_names or [f"column {j}" for j in range(mab.input_dim)]
        for column, cardinality in mab.categorical_features.items():
            known = len(mab.vocabularies.get(column, []))
            print(f"category   {names[column]}: cardinality {cardinality}, {known} values in the vocabulary")
        if mab.feature_names:
            print(f"features   {', '.join(mab.feature_names)}")
    families = mab.families if isinstance(mab, BaseCmab) else [mab.family]
    print(f"rewards    {'; '.join(family.describe() for family in families)}")
    dimensions = mab.quantity_dimensions
    if dimensions:
        described = ", ".join(f"{a} (d={d})" for a, d in dimensions.items())
        print(f"quantities {described}; data columns {', '.join(quantity_columns(dimensions))}")
    if mab.action_prices is not None:
        print(f"prices     {', '.join(f'{a} {price}' for a, price in mab.action_prices.items())}")
    print("actions")
    for action_id, model in mab.actions.items():
        cost = "" if model.cost is None else f"  cost {model.cost}"
        kind = f" quantitative d={dimensions[action_id]};" if action_id in dimensions else ""
        price = "" if mab.action_prices is None else f"  price {mab.action_prices[action_id]}"
        print(f"  {action_id}:{kind} {model.summary()}{cost}{price}")


def _evaluate(args: argparse.Namespace) -> None:
    from pybandits.offline import evaluate

    _check_outputs(args, ["--out", "--plot"], ["--state", "--data"])
    plot_format = _plot_format(args.plot)
    mab = _load(args.state, "--state", prices=True)
    for option, value in (("--draws", args.draws), ("--bootstrap", args.bootstrap)):
        if value < 1:
            raise _UsageError(f"{option}: expected an integer >= 1, got {value}")
    try:
        report = evaluate(mab, args.data, n_draws=args.draws, n_bootstrap=args.bootstrap, random_seed=args.seed)
    except DataError:
        raise  # it names the file, the row and the column
    except (ValueError, TypeError) as error:
        raise _UsageError(f"--data: {args.data}: {error}") from None
    image = None
    if args.plot:  # drawn before anything is written
        from pybandits.offline.plots import image_bytes, plot_evaluation

        image = image_bytes(plot_evaluation(report), plot_format)
    write_csv_atomically(report, args.out)
    if image is not None:
        atomic_write_bytes(args.plot, image)
    if not args.quiet:
        print(f"propensities: {report.attrs['propensities']}", file=sys.stderr)
        print(f"reward model: {report.attrs['reward_model']}", file=sys.stderr)
        print(report.round(4).to_string(index=False), file=sys.stderr)


def _plot_format(path: str | None) -> str | None:
    """The image format of ``--plot``, checked before the evaluation runs (matplotlib, a known extension)."""
    if path is None:
        return None
    from pybandits.offline.plots import image_format

    try:
        return image_format(path, "--plot")
    except ImportError as error:
        raise _UsageError(f"--plot: expected matplotlib to draw {path}, got none installed: {error}") from None
    except ValueError as error:
        raise _UsageError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
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
        help="CSV or Parquet: action,reward,<features>, and for quantitative actions quantity (or quantity_0, ...)",
    )
    update.add_argument("--out", required=True, help="where to write the updated bandit (atomically)")
    update.add_argument(
        "--workers",
        type=int,
        default=1,
        help="fit the groups of actions in this many processes (default 1; see actions_per_fit)",
    )
    update.add_argument("--quiet", action="store_true", help="no progress on stderr")
    update.set_defaults(run=_update)

    predict = commands.add_parser("predict", help="choose actions for contexts")
    predict.add_argument("--state", required=True)
    predict.add_argument("--data", required=True, help="CSV or Parquet of feature columns")
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
        help="CSV or Parquet of logged rows: action,reward,<features>, and propensity (the logging policy's "
        "probability of the logged action; estimated from the action frequencies when absent)",
    )
    evaluate.add_argument("--out", required=True, help="CSV report: estimator,value,lower,upper,std")
    evaluate.add_argument("--plot", help="also draw the estimates to this image file (needs matplotlib)")
    evaluate.add_argument("--draws", type=int, default=100, help="selections per row for the bandit's probabilities")
    evaluate.add_argument("--bootstrap", type=int, default=1000, help="bootstrap replicates (default 1000)")
    evaluate.add_argument("--seed", type=int, default=None, help="random seed of the evaluation")
    evaluate.add_argument("--quiet", action="store_true", help="do not print the report")
    evaluate.set_defaults(run=_evaluate)

    info = commands.add_parser("info", help="describe a saved bandit")
    info.add_argument("--state", required=True)
    info.set_defaults(run=_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    if getattr(args, "workers", 1) < 1:
        print(f"pybandits: error: --workers: expected an integer >= 1, got {args.workers}", file=sys.stderr)
        return 2
    try:
        args.run(args)
    except _UsageError as error:
        print(f"pybandits: error: {error}", file=sys.stderr)
        return 2
    except DataError as error:
        print(f"pybandits: error: --data: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a failed fit, a full disk...: reported, and the old files are intact
        print(f"pybandits: error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
