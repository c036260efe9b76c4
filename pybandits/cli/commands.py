"""The commands of ``pybandits`` (:mod:`pybandits.cli`): one function per command, taking the parsed arguments."""

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
from pybandits.bandits.describe import summary_lines
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
    if _on_dask(args):
        from pybandits.cluster.jobs import update_job

        report = _dask_call(args, update_job, mab, args.data, args.scheduler, not args.quiet and default_enabled())
        if not args.quiet:
            print(
                f"{report.n_rows} rows from {report.n_partitions} partitions of {args.data}, path: {report.path}, "
                f"{report.n_fits} fit tasks on {report.where}",
                file=sys.stderr,
            )
            stages = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in report.stages.items())
            print(f"stages: {stages}", file=sys.stderr)
        pybandits.save(mab, args.out)
        if not args.quiet:
            print(f"wrote {args.out} ({time.perf_counter() - start:.1f} s in all)", file=sys.stderr)
        return
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

    from pybandits.cluster import prediction_frame

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
    if args.propensity and args.draws < 1:
        raise _UsageError(f"--draws: expected an integer >= 1, got {args.draws}")
    if _on_dask(args):
        from pybandits.cluster.jobs import predict_job

        _dask_call(args, predict_job, mab, args.data, args.out, args.scheduler, args.propensity, args.draws)
        return
    context = read_contexts(args.data, mab.input_dim, **_schema(mab))
    if not dimensions:
        write_csv_atomically(prediction_frame(mab, context, args.propensity, args.draws), args.out)
        return
    columns, allowed, expected = _predict_quantities(mab, context)
    name = f"sampled_{mab.family.expected_column}"
    columns |= {f"{name}_{a}": expected[:, j] for j, a in enumerate(allowed)}
    write_csv_atomically(pd.DataFrame(columns), args.out)


def _on_dask(args: argparse.Namespace) -> bool:
    """Whether the command runs on Dask: a scheduler is given, or ``--data`` is a dataset (folder, glob, URL)."""
    from pybandits.cluster.jobs import is_dataset

    if args.scheduler is None and not is_dataset(args.data):
        return False
    if getattr(args, "workers", 1) > 1:
        raise _UsageError("--workers: with a dataset or --scheduler the workers are Dask's; use --scheduler local:N")
    return True


def _dask_call(args: argparse.Namespace, job: Callable[..., Any], *arguments: Any) -> Any:
    """Run a Dask job; a scheduler that cannot be reached or a refused bandit is a usage error naming the option."""
    try:
        return job(*arguments)
    except DataError as error:  # it names the dataset, the partition and the row
        raise DataError(str(error).removeprefix("data: ")) from None
    except (ValueError, TypeError) as error:
        message = str(error)
        raise _UsageError(message if message.startswith("--") else f"--data: {args.data}: {message}") from None


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
    print("\n".join(summary_lines(mab)))


def _evaluate(args: argparse.Namespace) -> None:
    from pybandits.offline import evaluate

    _check_outputs(args, ["--out", "--plot"], ["--state", "--data"])
    plot_format = _plot_format(args.plot)
    mab = _load(args.state, "--state", prices=True)
    for option, value in (("--draws", args.draws), ("--bootstrap", args.bootstrap)):
        if value < 1:
            raise _UsageError(f"{option}: expected an integer >= 1, got {value}")
    if _on_dask(args):
        from pybandits.cluster.jobs import evaluate_job

        settings = {"n_draws": args.draws, "n_bootstrap": args.bootstrap, "random_seed": args.seed}
        report = _dask_call(
            args, evaluate_job, mab, args.data, args.scheduler, settings, not args.quiet and default_enabled()
        )
    else:
        report = _evaluate_here(args, mab, evaluate)
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


def _evaluate_here(args: argparse.Namespace, mab: BaseMab, evaluate: Callable[..., Any]) -> Any:
    """The in-memory evaluation of ``--data`` (one file)."""
    try:
        return evaluate(mab, args.data, n_draws=args.draws, n_bootstrap=args.bootstrap, random_seed=args.seed)
    except DataError:
        raise  # it names the file, the row and the column
    except (ValueError, TypeError) as error:
        raise _UsageError(f"--data: {args.data}: {error}") from None


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
