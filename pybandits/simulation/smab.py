"""Simulating a stochastic bandit against known reward probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pybandits.boundary.progress import progress_bar
from pybandits.boundary.validation import describe, is_real
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
from pybandits.simulation.quantities import (
    QuantityWorld,
    played_columns,
    split_choices,
    uses_quantity_world,
    value_columns,
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
        multi-objective bandits). For a quantitative action, a *reward surface*: a function of the
        quantities, an array ``(n, d)``, giving their ``n`` expected rewards (a number is a
        constant surface). A callable for an ordinary action is refused.
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

    Notes
    -----
    The regret of a decision is the best expected reward of the row minus the expected reward of
    the played action (at its quantity). For a quantitative action the best is taken on
    :func:`~pybandits.simulation.quantities.quantity_grid` (1001 points for ``d = 1``); a played
    quantity between grid points may beat it slightly, so a row's regret is clipped at 0. For a
    dynamic-pricing bandit (``mab.strategy.uses_prices``) the regret is in revenue, ``price *
    purchase probability``, each play priced by the bandit's own prices (its numbers, or its
    price functions of the quantity). The random policy plays a uniformly random action, at a
    uniformly random quantity (its expected reward is the surface's mean on the grid).

    With quantitative actions or prices the data has the columns ``round``, ``action``,
    ``quantity`` (the played tuple, None for an ordinary action), ``price`` (pricing), ``reward``,
    ``expected`` (the played action's expected reward at its quantity), ``revenue`` (pricing:
    ``price * expected``), ``expected_<action>`` (each action's best expected value, in the
    regret's unit: its best revenue for pricing), ``regret`` and ``random_regret``; ``truth``
    holds ``probs_reward`` and ``best_quantity`` (each quantitative action's best grid point).

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    >>> result = SmabSimulator(mab, {"a": 0.2, "b": 0.5}, n_updates=20, random_seed=1).run()
    >>> bool(result.summary.action_shares["b"][-1] > 0.8)
    True

    A quantitative action whose reward peaks at a quantity of 0.7:

    >>> mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["bonus"], random_seed=0)
    >>> surface = lambda q: 0.8 - (q[:, 0] - 0.7) ** 2
    >>> result = SmabSimulator(mab, {"a": 0.3, "bonus": surface}, n_updates=5, random_seed=0).run()
    >>> result.truth["best_quantity"], list(result.data.columns[:4])
    ({'bonus': (0.7,)}, ['round', 'action', 'quantity', 'reward'])
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
        self.progressbar = progressbar
        if uses_quantity_world(mab):
            self._world = QuantityWorld(mab, "probs_reward", row_bound=False)
            self.surfaces = self._check_surfaces(probs_reward)
        else:
            self.truth = self._check_probs(probs_reward)

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

    def _check_surfaces(self, probs_reward: Mapping) -> dict[str, object]:
        """Every action's number, or a quantitative action's reward surface, checked on the grid."""
        if not isinstance(probs_reward, Mapping):
            raise TypeError(
                "probs_reward: expected a mapping of action id to expected reward (a reward surface, a function of "
                f"the quantities, for a quantitative action), got {describe(probs_reward)}"
            )
        ids, dimensions = list(self.mab.actions), self.mab.quantity_dimensions
        if set(probs_reward) != set(ids):
            raise ValueError(
                f"probs_reward: expected an expected reward for exactly the actions {ids}, got {sorted(probs_reward)}"
            )
        surfaces = {}
        for action_id in ids:
            surface = probs_reward[action_id]
            if not callable(surface) and not is_real(surface):
                raise TypeError(
                    f"probs_reward: expected a number for {action_id!r}"
                    + (" (or a reward surface, a function of its quantities)" if action_id in dimensions else "")
                    + f", got {describe(surface)}"
                )
            surfaces[action_id] = surface if callable(surface) else float(surface)
        self._world.summary(surfaces, 1)  # every surface is called once on its grid, and checked
        return surfaces

    def run(self) -> SimulationResult:
        """Play ``n_updates`` rounds; return the per-decision data and a summary.

        The bandit learns in place. A run that fails (a world that raises or gives bad values in some
        round, an interruption) leaves the bandit as it was before the run, random generator included.
        """
        with self.mab._unchanged_on_failure():
            return self._play()

    def _play(self) -> SimulationResult:
        if uses_quantity_world(self.mab):
            return self._run_quantity_world()
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

    def _run_quantity_world(self) -> SimulationResult:
        world = reseed(self.mab, self.random_seed)
        ids, has_quantities = list(self.mab.actions), bool(self.mab.quantity_dimensions)
        best, means = self._world.summary(self.surfaces, 1)
        best_rows = np.broadcast_to(best, (self.batch_size, len(ids)))
        random_regret = np.full(self.batch_size, best.max() - means.mean())
        records = []
        with progress_bar(self.n_updates, "simulating", self.progressbar) as bar:
            for round_index in range(self.n_updates):
                choices, _ = self.mab.predict(n_samples=self.batch_size)
                played, quantities = split_choices(choices)
                expected, prices = self._world.played(self.surfaces, played, quantities)
                rewards = self.mab.family.simulate(expected, world, self.noise_sd)
                self.mab.update(actions=choices, rewards=rewards)
                records.append(
                    {
                        "round": np.full(self.batch_size, round_index),
                        **played_columns(played, quantities, prices, has_quantities),
                        **reward_columns(rewards),
                        **value_columns(expected, prices, best_rows, random_regret, ids),
                    }
                )
                bar.advance()
        truth = {"probs_reward": dict(self.surfaces), "best_quantity": self._world.best_quantities(self.surfaces)}
        return build_result(records, self.mab, truth)
