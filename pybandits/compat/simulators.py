"""The original library's ``SmabSimulator``: its arguments and result tables, over :mod:`pybandits.simulation`.

The rounds are played by :class:`pybandits.simulation.SmabSimulator` (one code plays every
simulation); this class takes the original's arguments (``mab`` or ``smab``, ``probs_reward``
optional, ``verbose``, ``visualize``, ``save``, ``path``, ``file_prefix``) and presents the
result as the original's tables: ``results`` (one row per decision), ``selected_actions_count``
(per batch, and cumulated) and ``positive_reward_proportion`` (per action).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pybandits.boundary.validation import describe
from pybandits.simulation import SmabSimulator as _Rounds
from pybandits.smab import BaseSmab

__all__ = ["SmabSimulator"]


class SmabSimulator:
    """Play a stochastic Bernoulli bandit against fixed reward probabilities, as the original's simulator does.

    Parameters
    ----------
    mab : BaseSmab
        The bandit (``smab=`` is the original's other name for it); :meth:`run` trains it in place.
    n_updates, batch_size : int, default 10 and 100
        Rounds, and decisions per round.
    probs_reward : dict, optional
        Every action's probability of a reward; drawn uniformly in [0, 1] per action when None.
    save, path, file_prefix :
        Write the three tables as CSV files in ``path`` (``<file_prefix>_`` before each name).
    random_seed : int, optional
        Seeds the world and the bandit: one seed fixes the run.
    verbose, visualize : bool
        Print the tables after the run; draw the share of each action per round
        (:func:`~pybandits.simulation.plots.plot_action_shares`, matplotlib from the ``plot`` extra,
        kept in ``figure``; the original draws with bokeh).

    Examples
    --------
    >>> from pybandits.model import Beta
    >>> from pybandits.smab import SmabBernoulli
    >>> smab = SmabBernoulli(actions={"a1": Beta(), "a2": Beta()})
    >>> simulator = SmabSimulator(mab=smab, probs_reward={"a1": 0.1, "a2": 0.8}, n_updates=5, random_seed=0)
    >>> simulator.run()
    >>> simulator.selected_actions_count.loc["total", ["a1", "a2"]].sum(), list(simulator.results.columns)[:3]
    (np.int64(500), ['batch', 'action', 'reward'])
    """

    def __init__(
        self,
        mab: BaseSmab | None = None,
        *,
        smab: BaseSmab | None = None,
        n_updates: int = 10,
        batch_size: int = 100,
        probs_reward: Mapping[str, float] | None = None,
        save: bool = False,
        path: str = "",
        file_prefix: str = "",
        random_seed: int | None = None,
        verbose: bool = False,
        visualize: bool = False,
    ) -> None:
        if (mab is None) == (smab is None):
            raise TypeError(f"mab: expected the bandit once, as mab or smab, got {describe(mab)} and {describe(smab)}")
        mab = mab if mab is not None else smab
        if not isinstance(mab, BaseSmab) or mab.family.name != "bernoulli" or mab.quantity_dimensions:
            raise TypeError(
                f"mab: expected a stochastic Bernoulli bandit without quantitative actions, got {describe(mab)}; "
                "pybandits.simulation.SmabSimulator plays the others"
            )
        for name, flag in (("save", save), ("verbose", verbose), ("visualize", visualize)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name}: expected True or False, got {describe(flag)}")
        if save and not Path(path or ".").is_dir():
            raise ValueError(f"path: expected an existing folder to save in, got {path!r}")
        if probs_reward is None:
            draws = np.random.default_rng(random_seed).random(len(mab.actions))
            probs_reward = dict(zip(mab.actions, draws.tolist(), strict=True))
        self._rounds = _Rounds(mab, probs_reward, n_updates, batch_size, random_seed, progressbar=False)
        self.mab, self.probs_reward = mab, dict(probs_reward)
        self.n_updates, self.batch_size, self.random_seed = n_updates, batch_size, random_seed
        self.save, self.path, self.file_prefix = save, path, f"{file_prefix}_" if file_prefix else ""
        self.verbose, self.visualize = verbose, visualize
        self._results: Any = None
        self._result: Any = None
        self.figure: Any = None

    def run(self) -> None:
        """Play ``n_updates`` rounds of ``batch_size`` decisions, updating the bandit after each."""
        self._result = self._rounds.run()
        data = self._result.data
        expected = data[[f"expected_{a}" for a in self.mab.actions]].to_numpy(dtype=np.float64)
        played = data["action"].map({a: j for j, a in enumerate(self.mab.actions)}).to_numpy()
        results = data[["round", "action", "reward"]].rename(columns={"round": "batch"})
        results["selected_prob_reward"] = expected[np.arange(len(data)), played]
        results["max_prob_reward"] = expected.max(axis=1)
        results["regret"] = results["max_prob_reward"] - results["selected_prob_reward"]
        results["cum_regret"] = results["regret"].cumsum()
        self._results = results
        if self.verbose:
            print("Simulation results (first 10 observations):\n", self.results.head(10), "\n")
            print("Count of actions selected by the bandit:\n", self.selected_actions_count, "\n")
            print("Observed proportion of positive rewards for each action:\n", self.positive_reward_proportion)
        if self.save:
            for name in ("results", "selected_actions_count", "positive_reward_proportion"):
                stem = f"simulation_{name}" if name == "results" else name
                getattr(self, name).to_csv(Path(self.path or ".") / f"{self.file_prefix}{stem}.csv")
        if self.visualize:
            self._plot()

    @property
    def results(self) -> Any:
        """One row per decision: batch, action, reward, its and the best action's probability, regret."""
        if self._results is None:
            raise ValueError("results: expected a run first (simulator.run())")
        return self._results

    @property
    def selected_actions_count(self) -> Any:
        """Rows per batch (and a ``total`` row) choosing each action, then the counts cumulated (``cum_<action>``)."""
        counts = self.results.groupby(["batch", "action"]).size().unstack(fill_value=0)
        counts = counts.reindex(columns=sorted(self.mab.actions), fill_value=0)
        counts.loc["total"] = counts.sum()
        cumulated = counts.drop(index="total").cumsum()
        cumulated.loc["total"] = cumulated.iloc[-1]
        counts[[f"cum_{a}" for a in counts.columns]] = cumulated.to_numpy()
        counts.index.name = "batch"
        return counts

    @property
    def positive_reward_proportion(self) -> Any:
        """Each action's observed share of rewards of 1 (column ``proportion``)."""
        return self.results.groupby("action")[["reward"]].mean().rename(columns={"reward": "proportion"})

    def _plot(self) -> None:
        """Each action's share per round (:func:`~pybandits.simulation.plots.plot_action_shares`), shown or saved."""
        from pybandits.simulation.plots import plot_action_shares

        self.figure = plot_action_shares(self._result)
        if self.save:
            self.figure.savefig(Path(self.path or ".") / f"{self.file_prefix}simulation_results.png")
        else:
            _show(self.figure)


def _show(figure: Any) -> None:
    try:  # a notebook displays the figure; elsewhere it stays in ``simulator.figure``
        from IPython.display import display
    except ImportError:
        return
    display(figure)
