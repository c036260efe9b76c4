"""The original library's simulators: their arguments and result tables, over :mod:`pybandits.simulation`.

The rounds are played by :class:`pybandits.simulation.SmabSimulator` and
:class:`pybandits.simulation.CmabSimulator` (one code plays every simulation); these classes take
the original's arguments (``mab``, or ``smab`` / ``cmab``, ``probs_reward`` optional, the contextual
one's ``context`` and ``group``, ``verbose``, ``visualize``, ``save``, ``path``, ``file_prefix``) and
present the result as the original's tables: ``results`` (one row per decision),
``selected_actions_count`` (per batch, and cumulated; per group too for the contextual one) and
``positive_reward_proportion`` (per action, and group).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pybandits.boundary.validation import describe
from pybandits.cmab import BaseCmab
from pybandits.simulation import CmabSimulator as _ContextualRounds
from pybandits.simulation import SmabSimulator as _Rounds
from pybandits.smab import BaseSmab

__all__ = ["CmabSimulator", "SmabSimulator"]


def _the_bandit(mab: Any, other: Any, other_name: str) -> Any:
    if (mab is None) == (other is None):
        raise TypeError(
            f"mab: expected the bandit once, as mab or {other_name}, got {describe(mab)} and {describe(other)}"
        )
    return mab if mab is not None else other


def _check_flags(save: object, path: str, verbose: object, visualize: object) -> None:
    for name, flag in (("save", save), ("verbose", verbose), ("visualize", visualize)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name}: expected True or False, got {describe(flag)}")
    if save and not Path(path or ".").is_dir():
        raise ValueError(f"path: expected an existing folder to save in, got {path!r}")


def _counts(results: Any, action_ids: Sequence[str]) -> Any:
    """Rows per batch choosing each action, a ``total`` row, then the counts cumulated (``cum_<action>``)."""
    counts = results.groupby(["batch", "action"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=sorted(action_ids), fill_value=0)
    counts.columns.name = "action"
    counts.loc["total"] = counts.sum()
    cumulated = counts.drop(index="total").cumsum()
    cumulated.loc["total"] = cumulated.iloc[-1]
    counts[[f"cum_{a}" for a in counts.columns]] = cumulated.to_numpy()
    counts.index.name = "batch"
    return counts


class _Tables:
    """The original's result tables and outputs, from a run of this package's simulator."""

    mab: Any
    save: bool
    path: str
    file_prefix: str
    verbose: bool
    visualize: bool
    _results: Any
    _result: Any
    figure: Any

    def _finish(self) -> None:
        if self.verbose:
            print("Simulation results (first 10 observations):\n", self.results.head(10), "\n")
            print("Count of actions selected by the bandit:\n", self.selected_actions_count, "\n")
            print("Observed proportion of positive rewards for each action:\n", self.positive_reward_proportion)
        if self.save:
            for name in ("results", "selected_actions_count", "positive_reward_proportion"):
                stem = f"simulation_{name}" if name == "results" else name
                table = getattr(self, name)  # the results' index is a row number, as the original writes it: none
                table.to_csv(Path(self.path or ".") / f"{self.file_prefix}{stem}.csv", index=name != "results")
        if self.visualize:
            self._plot()

    @property
    def results(self) -> Any:
        """One row per decision: batch, action, reward, its and the best action's probability, regret."""
        if self._results is None:
            raise ValueError("results: expected a run first (simulator.run())")
        return self._results

    def _plot(self) -> None:
        """Each action's share per round (:func:`~pybandits.simulation.plots.plot_action_shares`), shown or saved."""
        from pybandits.simulation.plots import plot_action_shares

        self.figure = plot_action_shares(self._result)
        if self.save:
            self.figure.savefig(Path(self.path or ".") / f"{self.file_prefix}simulation_results.png")
        else:
            _show(self.figure)


def _results_of(data: Any, action_ids: list[str], **extra: Any) -> Any:
    """The original's ``results`` from a run's data: batch, action, reward, ``extra`` columns, probabilities, regret."""
    expected = data[[f"expected_{a}" for a in action_ids]].to_numpy(dtype=np.float64)
    played = data["action"].map({a: j for j, a in enumerate(action_ids)}).to_numpy()
    results = data[["round", "action", "reward"]].rename(columns={"round": "batch"}).assign(**extra)
    results["selected_prob_reward"] = expected[np.arange(len(results)), played]
    results["max_prob_reward"] = expected.max(axis=1)
    results["regret"] = results["max_prob_reward"] - results["selected_prob_reward"]
    results["cum_regret"] = results["regret"].cumsum()
    return results


class SmabSimulator(_Tables):
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
        mab = _the_bandit(mab, smab, "smab")
        if not isinstance(mab, BaseSmab) or mab.family.name != "bernoulli" or mab.quantity_dimensions:
            raise TypeError(
                f"mab: expected a stochastic Bernoulli bandit without quantitative actions, got {describe(mab)}; "
                "pybandits.simulation.SmabSimulator plays the others"
            )
        _check_flags(save, path, verbose, visualize)
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
        self._results = _results_of(self._result.data, list(self.mab.actions))
        self._finish()

    @property
    def selected_actions_count(self) -> Any:
        """Rows per batch (and a ``total`` row) choosing each action, then the counts cumulated (``cum_<action>``)."""
        return _counts(self.results, list(self.mab.actions))

    @property
    def positive_reward_proportion(self) -> Any:
        """Each action's observed share of rewards of 1 (column ``proportion``)."""
        return self.results.groupby("action")[["reward"]].mean().rename(columns={"reward": "proportion"})


class CmabSimulator(_Tables):
    """Play a contextual Bernoulli bandit on given context rows and groups, as the original's simulator does.

    Parameters
    ----------
    mab : BaseCmab
        The bandit (``cmab=`` is the original's other name for it); :meth:`run` trains it in place.
    context : array of shape (batch_size * n_updates, n_features)
        The rows the bandit plays, in order: batch ``k`` plays rows ``k * batch_size`` onwards.
    group : list, optional
        Each row's group (turned into text; all ``"0"`` when None). Rows of a group share their
        reward probabilities.
    n_updates, batch_size : int, default 10 and 100
        Rounds, and decisions per round.
    probs_reward : dict, optional
        ``{group: {action_id: p}}``, ``p(row) -> probability`` a function of one context row (a
        1-D array). Drawn at random when None: for each group and action a logistic function of
        a random linear combination of the row (the original draws random splines).
    save, path, file_prefix :
        Write the three tables as CSV files in ``path`` (``<file_prefix>_`` before each name).
    random_seed : int, optional
        Seeds the random probabilities, the rewards and the bandit: one seed fixes the run.
    verbose, visualize : bool
        Print the tables after the run; draw the share of each action per round (matplotlib, from
        the ``plot`` extra, kept in ``figure``; the original draws with bokeh).

    Examples
    --------
    >>> from pybandits.cmab import CmabBernoulli
    >>> cmab = CmabBernoulli.cold_start(action_ids=["a1", "a2"], n_features=2, update_kwargs={"num_steps": 20})
    >>> context = np.random.default_rng(0).normal(size=(40, 2))
    >>> simulator = CmabSimulator(cmab=cmab, context=context, n_updates=2, batch_size=20, random_seed=0)
    >>> simulator.run()
    >>> simulator.selected_actions_count.loc[("total", "total"), ["a1", "a2"]].sum()
    np.int64(40)
    """

    def __init__(
        self,
        mab: BaseCmab | None = None,
        *,
        cmab: BaseCmab | None = None,
        context: Any,
        group: Sequence[Any] | None = None,
        n_updates: int = 10,
        batch_size: int = 100,
        probs_reward: Mapping[Any, Mapping[str, Callable[[np.ndarray], float]]] | None = None,
        save: bool = False,
        path: str = "",
        file_prefix: str = "",
        random_seed: int | None = None,
        verbose: bool = False,
        visualize: bool = False,
    ) -> None:
        mab = _the_bandit(mab, cmab, "cmab")
        if not isinstance(mab, BaseCmab) or mab.family.name != "bernoulli" or mab.quantity_dimensions:
            raise TypeError(
                f"mab: expected a contextual Bernoulli bandit without quantitative actions, got {describe(mab)}; "
                "pybandits.simulation.CmabSimulator plays the others"
            )
        if mab.n_objectives is not None:
            raise TypeError(
                f"mab: expected one reward per decision, got a multi-objective {type(mab).__name__}; "
                "pybandits.simulation.CmabSimulator plays it"
            )
        _check_flags(save, path, verbose, visualize)
        rows = _context_rows(context, mab.input_dim, batch_size * n_updates)
        if group is None:
            labels = ["0"] * len(rows)
        elif isinstance(group, str | bytes) or not isinstance(group, Sequence | np.ndarray) or len(group) != len(rows):
            raise ValueError(f"group: expected one group per context row ({len(rows)}), got {describe(group)}")
        else:
            labels = [str(g) for g in group]
        groups = sorted(set(labels))
        if probs_reward is None:
            probs_reward = _random_probabilities(groups, list(mab.actions), rows.shape[1], random_seed)
        self.probs_reward = _checked_probabilities(probs_reward, groups, list(mab.actions))
        self.context, self.group, self._groups = rows, labels, groups
        codes = np.array([groups.index(g) for g in labels], dtype=float)[:, None]
        self._world_rows = np.hstack([rows, codes])  # the bandit sees the context; the world reads the group too
        self._served = 0
        self._rounds = _ContextualRounds(
            mab,
            self._probabilities,
            n_updates,
            batch_size,
            n_features=rows.shape[1] + 1,
            context_generator=self._next_rows,
            random_seed=random_seed,
            progressbar=False,
        )
        self.mab, self.n_updates, self.batch_size, self.random_seed = mab, n_updates, batch_size, random_seed
        self.save, self.path, self.file_prefix = save, path, f"{file_prefix}_" if file_prefix else ""
        self.verbose, self.visualize = verbose, visualize
        self._results: Any = None
        self._result: Any = None
        self.figure: Any = None

    def _next_rows(self, rng: np.random.Generator, n_rows: int) -> np.ndarray:
        """The next batch of the given rows (after the rounds, the first rows again, for belief plots)."""
        if self._served >= self.n_updates:
            return self._world_rows[:n_rows]
        start = self._served * self.batch_size
        self._served += 1
        return self._world_rows[start : start + n_rows]

    def _probabilities(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Every action's probability in every row, from its group's functions of the row."""
        out = {}
        for action_id in self.mab.actions:
            values = np.empty(len(rows))
            for i, row in enumerate(rows):
                group = self._groups[int(row[-1])]
                values[i] = _probability(self.probs_reward[group][action_id], row[:-1], group, action_id)
            out[action_id] = values
        return out

    def run(self) -> None:
        """Play ``n_updates`` rounds of ``batch_size`` rows, updating the bandit after each."""
        self._served = 0
        self._result = self._rounds.run()
        self._results = _results_of(self._result.data, list(self.mab.actions), group=self.group)
        self._finish()

    @property
    def selected_actions_count(self) -> Any:
        """Per group: rows per batch choosing each action, a ``total`` row, cumulated counts; then an overall total."""
        import pandas as pd

        ids = list(self.mab.actions)
        tables = {group: _counts(self.results[self.results["group"] == group], ids) for group in self._groups}
        total = pd.concat([table.loc[["total"]] for table in tables.values()]).sum().to_frame().T
        total.index = ["total"]
        tables["total"] = total
        counts = pd.concat(tables, names=["group", "batch"])
        counts.columns.name = "action"
        return counts

    @property
    def positive_reward_proportion(self) -> Any:
        """Each action's observed share of rewards of 1 in each group (column ``proportion``)."""
        means = self.results.groupby(["action", "group"])[["reward"]].mean()
        return means.rename(columns={"reward": "proportion"})


def _context_rows(context: Any, n_features: int, n_rows: int) -> np.ndarray:
    try:
        rows = np.asarray(context, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"context: expected an array of numbers, got {describe(context)}") from None
    if rows.ndim != 2 or rows.shape != (n_rows, n_features):
        raise ValueError(
            f"context: expected batch_size x n_updates = {n_rows} rows of the bandit's {n_features} features, "
            f"got shape {rows.shape}"
        )
    if not np.isfinite(rows).all():
        raise ValueError("context: expected finite numbers, got NaN or infinity")
    return rows


def _random_probabilities(
    groups: list[str], action_ids: list[str], n_features: int, seed: int | None
) -> dict[str, dict[str, Callable[[np.ndarray], float]]]:
    """For each group and action, ``sigmoid(w . x + b)`` with ``w ~ N(0, 1/n_features)``, ``b ~ N(0, 1)``."""
    rng = np.random.default_rng(None if seed is None else [seed, 28])
    out: dict[str, dict[str, Callable[[np.ndarray], float]]] = {}
    for group in groups:
        out[group] = {}
        for action_id in action_ids:
            weights, bias = rng.normal(scale=n_features**-0.5, size=n_features), float(rng.normal())
            out[group][action_id] = _Logistic(weights, bias)
    return out


class _Logistic:
    """``p(row) = sigmoid(weights . row + bias)``: a random world's probability of a reward."""

    def __init__(self, weights: np.ndarray, bias: float) -> None:
        self.weights, self.bias = weights, bias

    def __call__(self, row: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-(self.weights @ row + self.bias))))

    def __repr__(self) -> str:
        return f"sigmoid({np.round(self.weights, 3).tolist()} . x + {self.bias:.3f})"


def _checked_probabilities(probs_reward: Any, groups: list[str], action_ids: list[str]) -> dict:
    if not isinstance(probs_reward, Mapping) or {str(g) for g in probs_reward} != set(groups):
        got = sorted(map(str, probs_reward)) if isinstance(probs_reward, Mapping) else describe(probs_reward)
        raise ValueError(f"probs_reward: expected a mapping with the groups {groups} as keys, got {got}")
    out = {}
    for group, functions in probs_reward.items():
        if not isinstance(functions, Mapping) or set(functions) != set(action_ids):
            got = sorted(functions) if isinstance(functions, Mapping) else describe(functions)
            raise ValueError(f"probs_reward[{group!r}]: expected a mapping of the actions {action_ids}, got {got}")
        for action_id, function in functions.items():
            if not callable(function):
                raise TypeError(
                    f"probs_reward[{group!r}][{action_id!r}]: expected a function of a context row, "
                    f"got {describe(function)}"
                )
        out[str(group)] = dict(functions)
    return out


def _probability(function: Callable[[np.ndarray], float], row: np.ndarray, group: str, action_id: str) -> float:
    value = function(row.copy())
    try:
        probability = float(value)
    except (TypeError, ValueError):
        probability = float("nan")
    if not 0.0 <= probability <= 1.0:
        raise ValueError(
            f"probs_reward[{group!r}][{action_id!r}]: expected a probability in [0, 1], got {value!r} for the row "
            f"{row.tolist()}"
        )
    return probability


def _show(figure: Any) -> None:
    try:  # a notebook displays the figure; elsewhere it stays in ``simulator.figure``
        from IPython.display import display
    except ImportError:
        return
    display(figure)
