"""What :func:`~pybandits.offline.evaluate.evaluate` checks before it computes anything: bandit, logs, settings.

Every refusal is a ``ValueError`` or ``TypeError`` whose message starts with the argument it names
(``mab``, ``logs``, ``estimators``, ``hyperparameters``, ``estimated_rewards``,
``reward_model_kwargs``), and comes before any model is fitted or any action probability drawn.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pybandits.boundary import validation as check
from pybandits.offline.logs import reward_columns_of
from pybandits.offline.terms import ESTIMATORS, check_hyperparameters

__all__ = [
    "DEFAULT_HYPERPARAMETERS",
    "Arguments",
    "check_arguments",
    "check_estimated_rewards",
    "check_estimators",
    "check_no_quantities",
    "check_reward_model_kwargs",
    "hyperparameters_of",
    "logged",
    "read_logs",
]

#: ``lambda_`` of the estimators that need one, unless ``hyperparameters`` says otherwise: switch_dr
#: keeps the correction of rows whose weight is at most 10 and dros shrinks weights above about 3
#: (``lambda_ = 10``); the sub-Gaussian estimators use ``lambda_ = 0.1``.
DEFAULT_HYPERPARAMETERS: dict[str, dict[str, float]] = {
    "switch_dr": {"lambda_": 10.0},
    "dros": {"lambda_": 10.0},
    "sg_ipw": {"lambda_": 0.1},
    "sg_dr": {"lambda_": 0.1},
}


@dataclass(frozen=True)
class Arguments:
    """An evaluation's arguments, checked (:func:`check_arguments`)."""

    names: list[str]
    n_draws: int
    n_bootstrap: int
    n_folds: int
    level: float
    settings: dict[str, dict[str, float]]
    random_seed: int | None
    contextual: bool


def check_arguments(
    mab: Any,
    estimators: object,
    n_draws: object,
    n_bootstrap: object,
    random_seed: object,
    level: object,
    n_folds: object,
    hyperparameters: object,
    reward_model_kwargs: object,
) -> Arguments:
    """Every argument of an evaluation but the logs, checked in one place for both evaluations (in memory, cluster)."""
    from pybandits.bandits.base import BaseMab
    from pybandits.cmab import BaseCmab

    if not isinstance(mab, BaseMab):
        raise TypeError(f"mab: expected a pybandits bandit (the policy to evaluate), got {check.describe(mab)}")
    check_no_quantities(mab)
    names = check_estimators(estimators)
    n_draws = check.check_positive_int(n_draws, "n_draws")
    n_bootstrap = check.check_positive_int(n_bootstrap, "n_bootstrap")
    n_folds = check.check_positive_int(n_folds, "n_folds")
    if n_folds < 2:
        raise ValueError(f"n_folds: expected at least 2 folds (cross-fitting), got {n_folds}")
    if not check.is_real(level):
        raise TypeError(f"level: expected a number in (0, 1), got {check.describe(level)}")
    if not 0 < level < 1:
        raise ValueError(f"level: expected a number in (0, 1), got {level!r}")
    settings = hyperparameters_of(hyperparameters, names)
    seed = check.check_random_seed(random_seed)
    contextual = isinstance(mab, BaseCmab)
    check_reward_model_kwargs(mab, contextual, reward_model_kwargs)
    return Arguments(names, n_draws, n_bootstrap, n_folds, float(level), settings, seed, contextual)


def check_no_quantities(mab: Any) -> None:
    """Refuse quantitative actions: the bandit gives no density of the quantity to weight rows by."""
    if quantitative := sorted(mab.quantity_dimensions):
        raise ValueError(
            f"mab: {type(mab).__name__} has quantitative actions {quantitative}; weighting a logged (action, "
            "quantity) needs both policies' probability density at the logged quantity, which action_probabilities "
            "(one probability per action) does not give; offline evaluation expected a bandit without quantitative "
            "actions (simulate quantitative ones: pybandits.simulation), got one with them"
        )


def check_estimators(estimators: object) -> list[str]:
    """The estimators' names, all of them by default, each once."""
    if estimators is None:
        return list(ESTIMATORS)
    if isinstance(estimators, str) or not isinstance(estimators, Sequence):
        raise TypeError(f"estimators: expected a list of estimator names, got {check.describe(estimators)}")
    unknown = [name for name in estimators if name not in ESTIMATORS]
    if unknown or not estimators:
        raise ValueError(f"estimators: expected names among {list(ESTIMATORS)}, got {list(estimators)}")
    return list(dict.fromkeys(estimators))


def hyperparameters_of(given: object, names: list[str]) -> dict[str, dict[str, float]]:
    """Every chosen estimator's hyperparameters (over :data:`DEFAULT_HYPERPARAMETERS`), checked."""
    if given is not None and not isinstance(given, Mapping):
        raise TypeError(f"hyperparameters: expected {{estimator: {{name: value}}}}, got {check.describe(given)}")
    unknown = sorted(set(given or {}) - set(ESTIMATORS))
    if unknown:
        raise ValueError(f"hyperparameters: expected estimator names among {list(ESTIMATORS)}, got {unknown}")
    settings = {name: dict(DEFAULT_HYPERPARAMETERS.get(name, {})) for name in names}
    for name, values in (given or {}).items():
        if not isinstance(values, Mapping):
            raise TypeError(f"hyperparameters: expected {{name: value}} for {name}, got {check.describe(values)}")
        if name in settings:
            settings[name].update(values)
    for name, values in settings.items():
        try:
            check_hyperparameters(name, values)
        except (TypeError, ValueError) as error:
            message = str(error) if str(error).startswith(f"{name}:") else f"{name}: {error}"
            raise type(error)(f"hyperparameters: {message}") from None
    return settings


def check_reward_model_kwargs(mab: Any, contextual: bool, given: object) -> None:
    """Refuse reward model settings a stochastic bandit has no use for, or a contextual model refuses."""
    if given is None:
        return
    if not contextual:
        raise TypeError(
            "reward_model_kwargs: a stochastic bandit's reward model is each action's posterior mean, which takes no "
            f"settings; expected None, got {check.describe(given)}"
        )
    if not isinstance(given, Mapping):
        raise TypeError(f"reward_model_kwargs: expected a mapping of update_kwargs, got {check.describe(given)}")
    from pybandits.cmab import CmabGaussian

    try:  # a cold model with these settings, as the cross-fitting builds; nothing is fitted
        CmabGaussian.cold_start(action_ids=list(mab.actions), n_features=mab.input_dim, update_kwargs=dict(given))
    except (TypeError, ValueError) as error:
        raise type(error)(f"reward_model_kwargs: {error}") from None


def read_logs(logs: Any, mab: Any) -> Any:
    """The logs as a DataFrame: given as one, or read from a CSV or Parquet path.

    A file's categorical columns are read as text, as ``pybandits update`` reads them.
    """
    import pandas as pd

    if isinstance(logs, str | os.PathLike):
        from pybandits.boundary.tabular import DataError, read_table

        try:
            logs = read_table(
                logs,
                skip={"action", *reward_columns_of(mab), "propensity"},
                feature_names=getattr(mab, "feature_names", None),
                categorical=getattr(mab, "categorical_features", {}),
            )
        except DataError as error:  # a missing file, a folder, cells that cannot be read: named by the reader
            raise ValueError(f"logs: {error}") from None
        except OSError as error:  # a file that cannot be opened
            raise ValueError(f"logs: expected a readable CSV or Parquet file, got {logs!s}: {error}") from None
    if not isinstance(logs, pd.DataFrame):
        raise TypeError(f"logs: expected a pandas DataFrame or a CSV/Parquet path, got {check.describe(logs)}")
    duplicated = sorted({str(c) for c in logs.columns[logs.columns.duplicated()]})
    if duplicated:
        raise ValueError(f"logs: expected columns with distinct names, got {duplicated} more than once")
    return logs


def logged(mab: Any, frame: Any, contextual: bool) -> tuple[np.ndarray, np.ndarray, Any, np.ndarray | None, str]:
    """Logged action indices, rewards, context, propensities and how they were obtained."""
    import pandas as pd

    action_ids = list(mab.actions)
    reward_columns = reward_columns_of(mab)
    missing = [c for c in ["action", *reward_columns] if c not in frame.columns]
    if missing:
        raise ValueError(
            f"logs: expected the columns action, {', '.join(reward_columns)}, missing {missing}; got the columns "
            f"{[str(c) for c in frame.columns][:20]}"
        )
    if len(frame) == 0:
        raise ValueError("logs: expected at least one logged row, got none")
    logged_ids = frame["action"].astype(str).to_numpy()
    unknown = sorted(set(logged_ids) - set(action_ids))
    if unknown:
        raise ValueError(
            f"logs: column action holds actions the bandit does not have: expected actions among {action_ids}, got "
            f"{unknown[:5]}"
        )
    actions = pd.Index(action_ids).get_indexer(logged_ids)
    raw = np.column_stack([_numeric_column(frame, column) for column in reward_columns])
    try:
        rewards = mab.family.check_rewards(raw[:, 0] if mab.n_objectives is None else raw, len(frame), mab.n_objectives)
    except (TypeError, ValueError) as error:
        raise type(error)(f"logs: column {', '.join(reward_columns)}: {error}") from None
    propensities, source = _propensities(frame)
    context = None
    if contextual:
        features = frame.drop(columns=[c for c in ["action", *reward_columns, "propensity"] if c in frame.columns])
        try:
            context = (features, mab._context(features, learn=False)[0])  # as given, and as codes (the model's)
        except (TypeError, ValueError) as error:
            raise type(error)(f"logs: the feature columns (the context): {error}") from None
    return actions, rewards, context, propensities, source


def _propensities(frame: Any) -> tuple[np.ndarray | None, str]:
    """The ``propensity`` column, checked, and how the propensities are obtained."""
    if "propensity" not in frame.columns:
        return None, "estimated"
    propensities = _numeric_column(frame, "propensity")
    bad = ~((propensities > 0) & (propensities <= 1))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"logs: expected propensities in (0, 1] (the logging policy's probability of the logged action), "
            f"got {float(propensities[row])!r} in row {row}"
        )
    return propensities, "given (column propensity)"


def _numeric_column(frame: Any, column: str) -> np.ndarray:
    """A column as float64; the first cell that is not a finite number is named with its row."""
    values, row = check.float_column(frame[column])
    if row is not None:
        raise ValueError(
            f"logs: expected finite numbers in column {column!r}, got {frame[column].iloc[row]!r} in row {row}"
        )
    return values


def check_estimated_rewards(value: object, n: int, n_actions: int, n_objectives: int | None) -> np.ndarray:
    """Your own reward model's predictions, ``(n, n_actions, n_objectives or 1)``."""
    expected = (n, n_actions) if n_objectives is None else (n, n_actions, n_objectives)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"estimated_rewards: expected an array of numbers of shape {expected}, got {check.describe(value)}"
        ) from None
    if array.shape != expected:
        raise ValueError(f"estimated_rewards: expected an array of shape {expected}, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"estimated_rewards: expected finite numbers, got {int((~np.isfinite(array)).sum())} NaN or inf"
        )
    return array[..., None] if n_objectives is None else array
