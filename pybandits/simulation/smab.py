"""Simulating a stochastic bandit against known reward probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pybandits._progress import progress_bar
from pybandits._validation import describe
from pybandits.simulation.base import (
    SimulationResult,
    build_result,
    check_noise_sd,
    check_sizes,
    expected_columns,
    pareto_regret,
    random_policy_regret,
    reseed,
    reward_columns,
)
from pybandits.smab import BaseSmab

__all__ = ["SmabSimulator"]


class SmabSimulator:
    """Play a stochastic bandit against a world with a fixed reward probability per action.

    Parameters
    ----------
    mab : BaseSmab
        The bandit; :meth:`run` trains it in place (pass a copy to keep the original).
    probs_reward : mapping
        The true expected reward of every action of ``mab``: its reward probability for Bernoulli
        bandits, its mean reward for Gaussian ones (a sequence with one value per objective for
        multi-objective bandits).
    n_updates : int, default 10
        Rounds of predict, reward and update.
    batch_size : int, default 100
        Decisions per round.
    random_seed : int, optional
        Seeds the world's draws and reseeds the bandit's generator: one seed fixes the whole run.
    noise_sd : float, optional
        Gaussian bandits only: the standard deviation of the rewards around their means (1 by
        default).
    progressbar : bool, optional
        Show a progress bar over the rounds (on stderr, or in the notebook). By default it is
        shown in a Jupyter notebook or when stderr is a terminal, and never under pytest.

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    >>> result = SmabSimulator(mab, {"a": 0.2, "b": 0.5}, n_updates=20, random_seed=1).run()
    >>> bool(result.summary.action_shares["b"][-1] > 0.8)
    True
    """

    def __init__(
        self,
        mab: BaseSmab,
        probs_reward: Mapping[str, float | Sequence[float]],
        n_updates: int = 10,
        batch_size: int = 100,
        random_seed: int | None = None,
        progressbar: bool | None = None,
        noise_sd: float | None = None,
    ) -> None:
        if not isinstance(mab, BaseSmab):
            raise TypeError(f"mab: expected a stochastic bandit (pybandits.smab), got {type(mab).__name__}")
        self.noise_sd = check_noise_sd(mab, noise_sd)
        self.n_updates, self.batch_size, self.random_seed = check_sizes(n_updates, batch_size, random_seed)
        self.mab = mab
        self.truth = self._check_probs(probs_reward)
        self.progressbar = progressbar

    def _check_probs(self, probs_reward: Mapping) -> np.ndarray:
        if not isinstance(probs_reward, Mapping):
            raise TypeError(
                "probs_reward: expected a mapping of action id to expected reward (probability), "
                f"got {describe(probs_reward)}"
            )
        ids = list(self.mab.actions)
        if set(probs_reward) != set(ids):
            raise ValueError(
                f"probs_reward: expected an expected reward for exactly the actions {ids}, got {sorted(probs_reward)}"
            )
        try:
            truth = np.array([probs_reward[a] for a in ids], dtype=float)
        except (TypeError, ValueError):
            raise TypeError("probs_reward: expected numbers (a list of numbers per objective for MO bandits)") from None
        expected_shape = (len(ids),) if self.mab.n_objectives is None else (len(ids), self.mab.n_objectives)
        if truth.shape != expected_shape:
            raise ValueError(
                f"probs_reward: expected values of shape {expected_shape[1:] or 'scalar'} per action, "
                f"got {truth.shape[1:]}"
            )
        family = self.mab.family
        if not np.all(np.isfinite(truth)) or family.invalid_rewards(truth).any():
            raise ValueError(f"probs_reward: expected {family.expected_kind} per action, got {truth.tolist()}")
        return truth

    def run(self) -> SimulationResult:
        """Play ``n_updates`` rounds; return the per-decision data and a summary."""
        world = reseed(self.mab, self.random_seed)
        ids = list(self.mab.actions)
        index = {a: j for j, a in enumerate(ids)}
        truth = np.broadcast_to(self.truth, (self.batch_size, *self.truth.shape))
        random_regret = random_policy_regret(truth)
        records = []
        with progress_bar(self.n_updates, "simulating", self.progressbar) as bar:
            for round_index in range(self.n_updates):
                actions, _ = self.mab.predict(n_samples=self.batch_size)
                chosen = np.array([index[a] for a in actions])
                chosen_truth = truth[np.arange(self.batch_size), chosen]
                rewards = self.mab.family.simulate(chosen_truth, world, self.noise_sd)
                self.mab.update(actions=actions, rewards=rewards)
                records.append(
                    {
                        "round": np.full(self.batch_size, round_index),
                        "action": np.array(actions, dtype=object),
                        **reward_columns(rewards),
                        **expected_columns(ids, truth),
                        "regret": pareto_regret(truth, chosen),
                        "random_regret": random_regret,
                    }
                )
                bar.advance()
        return build_result(records, self.mab, {"probs_reward": dict(zip(ids, self.truth.tolist(), strict=True))})
