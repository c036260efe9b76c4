"""An off-policy evaluation's logs: read from files, and checked (rewards, actions, propensities, probabilities)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pybandits.boundary.validation import describe, is_real

__all__ = ["Log", "check_lambda", "check_log", "reward_columns_of"]

#: How far a row of probabilities may sum from 1.
ROW_SUM_TOLERANCE = 1e-6


# --------------------------------------------------------------------------------------------------------------------
# Reading logs


def reward_columns_of(mab: Any) -> list[str]:
    """The reward columns of the logs: ``reward``, or ``reward_0``... for a multi-objective bandit."""
    return ["reward"] if mab.n_objectives is None else [f"reward_{o}" for o in range(mab.n_objectives)]


# --------------------------------------------------------------------------------------------------------------------
# Input checks (one place)


def _real_array(value: object, name: str, ndim: int, shape_text: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected an array of real numbers of shape {shape_text}, got {describe(value)}")
    if array.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array of shape {shape_text}, got shape {array.shape}")
    array = array.astype(float)
    if not np.all(np.isfinite(array)):
        bad = np.flatnonzero(~np.isfinite(array.ravel()))[:5].tolist()
        raise ValueError(f"{name}: expected finite numbers, got nan or inf (at flat positions {bad})")
    return array


def _check_length(array: np.ndarray, name: str, n: int) -> None:
    if array.shape[0] != n:
        raise ValueError(f"{name}: expected {n} rows (one per logged reward), got {array.shape[0]}")


@dataclass(frozen=True, eq=False)
class Log:
    """Checked logged data, with the derived per-row quantities the estimators share."""

    rewards: np.ndarray
    actions: np.ndarray
    propensities: np.ndarray
    policy_probabilities: np.ndarray
    estimated_rewards: np.ndarray | None

    @property
    def policy_of_logged(self) -> np.ndarray:
        """pi(a_i | x_i)."""
        return self.policy_probabilities[np.arange(self.rewards.shape[0]), self.actions]

    @property
    def weights(self) -> np.ndarray:
        """w_i = pi(a_i | x_i) / p_i."""
        return self.policy_of_logged / self.propensities

    @property
    def model_value(self) -> np.ndarray:
        """dm_i = sum_a pi(a | x_i) q(x_i, a)."""
        return np.sum(self.policy_probabilities * self.estimated_rewards, axis=1)

    @property
    def residuals(self) -> np.ndarray:
        """r_i - q(x_i, a_i)."""
        return self.rewards - self.estimated_rewards[np.arange(self.rewards.shape[0]), self.actions]


def check_log(
    estimator: str,
    rewards: object,
    actions: object,
    propensities: object,
    policy_probabilities: object,
    estimated_rewards: object,
    needs_model: bool,
) -> Log:
    rewards = _real_array(rewards, "rewards", 1, "(n,)")
    n = rewards.shape[0]
    if n == 0:
        raise ValueError("rewards: expected at least one logged row, got an empty array")

    raw_actions = np.asarray(actions)
    if raw_actions.dtype.kind not in "iuf":
        raise TypeError(f"actions: expected integer action indices of shape (n,), got {describe(actions)}")
    if raw_actions.ndim != 1:
        raise ValueError(f"actions: expected a 1-D array of shape (n,), got shape {raw_actions.shape}")
    _check_length(raw_actions, "actions", n)
    if raw_actions.dtype.kind == "f":
        whole = np.isfinite(raw_actions) & (raw_actions == np.round(raw_actions))
        if not np.all(whole):
            bad = raw_actions[~whole][:5].tolist()
            raise TypeError(f"actions: expected integer action indices, got non-integer values {bad}")
    actions = raw_actions.astype(np.int64)

    propensities = _real_array(propensities, "propensities", 1, "(n,)")
    _check_length(propensities, "propensities", n)
    outside = (propensities <= 0) | (propensities > 1)
    if np.any(outside):
        bad = propensities[outside][:5].tolist()
        raise ValueError(f"propensities: expected probabilities in (0, 1], got {bad}")

    policy_probabilities = _real_array(policy_probabilities, "policy_probabilities", 2, "(n, n_actions)")
    _check_length(policy_probabilities, "policy_probabilities", n)
    n_actions = policy_probabilities.shape[1]
    if n_actions == 0:
        raise ValueError("policy_probabilities: expected at least one action column, got shape (n, 0)")
    if np.any(policy_probabilities < 0):
        bad = policy_probabilities[policy_probabilities < 0][:5].tolist()
        raise ValueError(f"policy_probabilities: expected probabilities >= 0, got {bad}")
    row_sums = policy_probabilities.sum(axis=1)
    off = np.abs(row_sums - 1.0) > ROW_SUM_TOLERANCE
    if np.any(off):
        rows = np.flatnonzero(off)[:5].tolist()
        raise ValueError(
            f"policy_probabilities: expected every row to sum to 1 (within {ROW_SUM_TOLERANCE:g}), "
            f"got sums {row_sums[off][:5].tolist()} in rows {rows}"
        )

    out_of_range = (actions < 0) | (actions >= n_actions)
    if np.any(out_of_range):
        bad = actions[out_of_range][:5].tolist()
        raise ValueError(
            f"actions: expected indices in [0, {n_actions}) (the columns of policy_probabilities), got {bad}"
        )

    if estimated_rewards is None:
        if needs_model:
            raise TypeError(
                f"estimated_rewards: {estimator} needs a reward model's predictions, "
                f"an array of shape ({n}, {n_actions}), got None"
            )
    else:
        estimated_rewards = _real_array(estimated_rewards, "estimated_rewards", 2, f"({n}, {n_actions})")
        if estimated_rewards.shape != policy_probabilities.shape:
            raise ValueError(
                f"estimated_rewards: expected shape ({n}, {n_actions}) like policy_probabilities, "
                f"got {estimated_rewards.shape}"
            )
    return Log(rewards, actions, propensities, policy_probabilities, estimated_rewards)


def check_lambda(value: object, upper: float = math.inf, name: str = "lambda_") -> float:
    if not is_real(value):
        raise TypeError(f"{name}: expected a real number, got {describe(value)}")
    value = float(value)
    if math.isnan(value) or value < 0 or value > upper:
        interval = "[0, inf]" if upper == math.inf else f"[0, {upper:g}]"
        raise ValueError(f"{name}: expected a number in {interval}, got {value!r}")
    return value
