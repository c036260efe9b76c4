"""What the simulators share: the round loop, regret bookkeeping and results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pybandits.boundary import validation as check

__all__ = ["SimulationResult", "SimulationSummary", "pareto_regret"]


def pareto_regret(truth: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Expected regret of the chosen actions, per row.

    ``truth`` holds the expected reward of every action in every row: ``(n_rows, n_actions)``, or
    ``(n_rows, n_actions, n_objectives)`` for multi-objective bandits. With one objective the
    regret is the best expected reward minus the chosen one's. With several it is the Pareto
    regret: the smallest amount that, added to every objective of the chosen action, makes it
    dominated by no other action (0 for a Pareto-optimal choice).

    Examples
    --------
    >>> import numpy as np
    >>> pareto_regret(np.array([[0.2, 0.5]]), np.array([0])).round(2)
    array([0.3])
    >>> pareto_regret(np.array([[[0.9, 0.1], [0.1, 0.9], [0.05, 0.05]]]), np.array([2])).round(2)  # dominated
    array([0.05])
    """
    rows = np.arange(len(chosen))
    if truth.ndim == 2:
        return truth.max(axis=1) - truth[rows, chosen]
    gaps = truth - truth[rows, chosen][:, None, :]  # [row, other action, objective]
    return np.maximum(gaps.min(axis=2).max(axis=1), 0.0)


def random_policy_regret(truth: np.ndarray) -> np.ndarray:
    """Expected regret per row of playing every action with equal probability."""
    n_actions = truth.shape[1]
    per_action = np.stack(
        [pareto_regret(truth, np.full(truth.shape[0], a)) for a in range(n_actions)],
        axis=1,
    )
    return per_action.mean(axis=1)


@dataclass(frozen=True)
class SimulationSummary:
    """Totals of a simulation.

    Attributes
    ----------
    cumulative_regret : float
        Sum of the expected regret of every decision.
    random_regret : float
        The same for a uniformly random policy on the same rounds.
    regret_per_round : numpy.ndarray
        Expected regret summed within each round.
    action_shares : dict
        Action id to its share of the decisions in each round (an array per action).

    Examples
    --------
    >>> from pybandits.simulation import SmabSimulator
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    >>> result = SmabSimulator(mab, {"a": 0.1, "b": 0.9}, random_seed=0).run()
    >>> bool(result.summary.regret_ratio < 1.0), len(result.summary.regret_per_round)
    (True, 10)
    """

    cumulative_regret: float
    random_regret: float
    regret_per_round: np.ndarray
    action_shares: dict[str, np.ndarray]

    @property
    def regret_ratio(self) -> float:
        """Cumulative regret as a fraction of the random policy's."""
        return self.cumulative_regret / self.random_regret if self.random_regret > 0 else float("nan")

    def __str__(self) -> str:
        final = ", ".join(f"{a} {s[-1]:.0%}" for a, s in self.action_shares.items())
        return (
            f"cumulative expected regret {self.cumulative_regret:.2f} "
            f"({self.regret_ratio:.2f}x a uniformly random policy's {self.random_regret:.2f}); "
            f"action shares in the last round: {final}"
        )


@dataclass(frozen=True)
class SimulationResult:
    """Everything a simulation recorded.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per decision: ``round``, the context (``x0``, ``x1``, ... for contextual bandits),
        ``action``, ``reward`` (``reward_0``, ... per objective), the expected reward of every
        action (``expected_<action>``, a list per objective), ``regret`` and ``random_regret``.
        A bandit with quantitative actions or prices adds ``quantity``, ``price``, ``expected`` and
        ``revenue`` (see :class:`~pybandits.simulation.SmabSimulator`'s notes).
    summary : SimulationSummary
    truth : dict
        For plots: what the simulator knows (true probabilities per action and so on).
    mab : BaseMab
        The bandit the simulation trained.

    Examples
    --------
    >>> from pybandits.simulation import SmabSimulator
    >>> from pybandits.smab import SmabBernoulli
    >>> result = SmabSimulator(SmabBernoulli.cold_start(action_ids={"a"}), {"a": 0.5}, n_updates=2, batch_size=3).run()
    >>> result.data.shape, result.truth["probs_reward"]
    ((6, 6), {'a': 0.5})
    """

    data: Any
    summary: SimulationSummary
    truth: dict[str, Any]
    mab: Any


def check_noise_sd(mab: Any, noise_sd: float | None) -> float | None:
    """``noise_sd`` for a Gaussian bandit's world: None or a finite number > 0; Bernoulli worlds have none."""
    if noise_sd is None:
        return None
    if not check.is_real(noise_sd):
        raise TypeError(f"noise_sd: expected a real number > 0, got {check.describe(noise_sd)}")
    mab.family.simulate(np.zeros(0), np.random.default_rng(0), noise_sd)  # a family without noise refuses it
    if not (np.isfinite(noise_sd) and noise_sd > 0):
        raise ValueError(f"noise_sd: expected a finite number > 0, got {noise_sd!r}")
    return float(noise_sd)


def check_sizes(n_updates: int, batch_size: int, random_seed: int | None) -> tuple[int, int, int | None]:
    """Validate the loop sizes and the seed shared by every simulator."""
    return (
        check.check_positive_int(n_updates, "n_updates"),
        check.check_positive_int(batch_size, "batch_size"),
        check.check_random_seed(random_seed),
    )


def build_result(records: list[dict[str, np.ndarray]], mab: Any, truth: dict[str, Any]) -> SimulationResult:
    """Assemble the per-round records into a DataFrame and a summary."""
    import pandas as pd

    columns = {name: np.concatenate([r[name] for r in records]) for name in records[0]}
    data = pd.DataFrame({k: (list(v) if v.ndim > 1 else v) for k, v in columns.items()})
    shares = {a: np.array([np.mean(r["action"] == a) for r in records]) for a in mab.actions}
    summary = SimulationSummary(
        cumulative_regret=float(columns["regret"].sum()),
        random_regret=float(columns["random_regret"].sum()),
        regret_per_round=np.array([r["regret"].sum() for r in records]),
        action_shares=shares,
    )
    return SimulationResult(data=data, summary=summary, truth=truth, mab=mab)


def reseed(mab: Any, seed: int | None) -> np.random.Generator:
    """The world's generator for ``seed``; with a seed, also reseed the bandit so one seed fixes the run."""
    if seed is None:
        return np.random.default_rng()
    world, bandit = np.random.SeedSequence(seed).spawn(2)
    mab._rng = np.random.default_rng(bandit)
    return np.random.default_rng(world)


def expected_columns(action_ids: list[str], truth: np.ndarray) -> dict[str, np.ndarray]:
    """``expected_<action>`` columns from ``(n_rows, n_actions[, n_objectives])`` probabilities."""
    return {f"expected_{a}": truth[:, j] for j, a in enumerate(action_ids)}


def reward_columns(rewards: np.ndarray) -> dict[str, np.ndarray]:
    """``reward`` (one objective) or ``reward_0``, ``reward_1``, ... columns."""
    if rewards.ndim == 1:
        return {"reward": rewards}
    return {f"reward_{o}": rewards[:, o] for o in range(rewards.shape[1])}
