"""Pictures of a simulation: regret against random play, action shares, what the bandit believes.

Every function takes a :class:`~pybandits.simulation.SimulationResult` and returns a
``matplotlib.figure.Figure`` (shown inline in a notebook; ``fig.savefig(path)`` elsewhere). They
build figures without pyplot, so they work headless. Needs matplotlib:
the ``plot`` extra (``pip install ".[plot]"`` from a clone, or ``pip install matplotlib``).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from pybandits.boundary.figures import figure
from pybandits.simulation.base import SimulationResult

__all__ = ["plot_action_shares", "plot_beliefs", "plot_quantities", "plot_regret"]


_figure = figure


def _check(result: object) -> SimulationResult:
    if not isinstance(result, SimulationResult):
        raise TypeError(f"result: expected a SimulationResult from a simulator's run(), got {type(result).__name__}")
    return result


def plot_regret(result: SimulationResult) -> Any:
    """Cumulative expected regret per decision, against a uniformly random policy on the same rounds.

    Examples
    --------
    >>> from pybandits.simulation import SmabSimulator
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    >>> result = SmabSimulator(mab, {"a": 0.2, "b": 0.6}, random_seed=0).run()
    >>> figure = plot_regret(result)
    >>> [line.get_label() for line in figure.axes[0].get_lines()]
    ['bandit', 'uniform random']
    """
    result = _check(result)
    figure = _figure()
    axes = figure.add_subplot()
    decisions = np.arange(1, len(result.data) + 1)
    axes.plot(decisions, result.data["regret"].cumsum(), label="bandit")
    axes.plot(decisions, result.data["random_regret"].cumsum(), label="uniform random", linestyle="--")
    axes.set_xlabel("decisions")
    axes.set_ylabel("cumulative expected regret")
    axes.set_title(f"Regret: {result.summary.regret_ratio:.2f}x random")
    axes.legend()
    return figure


def plot_action_shares(result: SimulationResult) -> Any:
    """Share of each action among the decisions of every round, stacked.

    Examples
    --------
    >>> from pybandits.simulation import SmabSimulator
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    >>> result = SmabSimulator(mab, {"a": 0.2, "b": 0.6}, random_seed=0).run()
    >>> len(plot_action_shares(result).axes[0].collections)
    2
    """
    result = _check(result)
    figure = _figure()
    axes = figure.add_subplot()
    shares = result.summary.action_shares
    rounds = np.arange(1, len(next(iter(shares.values()))) + 1)
    axes.stackplot(rounds, *shares.values(), labels=list(shares))
    axes.set_xlabel("round")
    axes.set_ylabel("share of decisions")
    axes.set_ylim(0, 1)
    axes.set_title("Actions played")
    axes.legend(loc="upper left", fontsize="small")
    return figure


def plot_beliefs(result: SimulationResult) -> Any:
    """What the bandit believes against the truth.

    Stochastic bandits: each action's Beta posterior density with its true probability marked.
    Contextual bandits: each action's predicted probability (the mean of Thompson draws) against
    the true one, on fresh contexts from the simulator's generator.

    Examples
    --------
    >>> from pybandits.simulation import SmabSimulator
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    >>> result = SmabSimulator(mab, {"a": 0.2, "b": 0.6}, random_seed=0).run()
    >>> plot_beliefs(result).axes[0].get_title()
    'Posteriors'
    """
    result = _check(result)
    if result.mab.quantity_dimensions:
        raise ValueError(
            "result: plot_beliefs draws the posteriors of ordinary actions; the bandit has quantitative actions "
            f"{sorted(result.mab.quantity_dimensions)}: draw their played quantities with plot_quantities"
        )
    if "probs_reward" in result.truth:
        return _smab_beliefs(result)
    return _cmab_beliefs(result)


def plot_quantities(result: SimulationResult, action_id: str) -> Any:
    """The quantities a quantitative action was played at, decision after decision (one series per dimension).

    For a stochastic world the best quantity (on the simulator's grid) is drawn as a dashed line.

    Examples
    --------
    >>> from pybandits.simulation import SmabSimulator
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(quantitative_action_ids=["bonus"], random_seed=0)
    >>> result = SmabSimulator(mab, {"bonus": lambda q: 0.9 - 0.5 * abs(q[:, 0] - 0.3)}, random_seed=0).run()
    >>> [line.get_label() for line in plot_quantities(result, "bonus").axes[0].get_lines()]
    ['quantity', 'best on the grid']
    """
    result = _check(result)
    dimensions = result.mab.quantity_dimensions
    if action_id not in dimensions or "quantity" not in result.data:
        raise ValueError(
            f"action_id: expected one of the bandit's quantitative actions {sorted(dimensions)}, got {action_id!r}"
        )
    played = (result.data["action"] == action_id).to_numpy()
    decisions = np.flatnonzero(played) + 1
    quantities = np.array(result.data["quantity"][played].tolist(), dtype=float).reshape(-1, dimensions[action_id])
    best = result.truth.get("best_quantity", {}).get(action_id)
    figure = _figure()
    axes = figure.add_subplot()
    for j in range(dimensions[action_id]):
        label = "quantity" if dimensions[action_id] == 1 else f"quantity[{j}]"
        axes.plot(decisions, quantities[:, j], marker=".", linestyle="none", markersize=3, color=f"C{j}", label=label)
        if best is not None:
            best_label = "best on the grid" if j == 0 else "_nolegend_"
            axes.axhline(best[j], color=f"C{j}", linestyle="--", linewidth=1, label=best_label)
    axes.set_xlabel("decisions")
    axes.set_ylabel("quantity played")
    axes.set_ylim(-0.02, 1.02)
    axes.set_title(f"Quantities of {action_id} ({len(decisions)} plays)")
    axes.legend(fontsize="small")
    return figure


def _smab_beliefs(result: SimulationResult) -> Any:
    figure = _figure()
    axes = figure.add_subplot()
    posteriors = []
    for action_id, model in result.mab.actions.items():
        objectives = model.objectives if model.n_objectives else [model]
        truth = np.atleast_1d(result.truth["probs_reward"][action_id])
        posteriors.append((action_id, objectives, truth))
    ranges = np.array([o.plot_range() for _, objectives, _ in posteriors for o in objectives])
    grid = np.linspace(ranges[:, 0].min(), ranges[:, 1].max(), 501)
    for index, (action_id, objectives, truth) in enumerate(posteriors):
        color = f"C{index}"
        for number, (posterior, true_value) in enumerate(zip(objectives, truth, strict=True)):
            label = action_id if len(objectives) == 1 else f"{action_id}, objective {number}"
            density = posterior.pdf(grid)
            axes.plot(grid, density, color=color, linestyle=["-", "--", ":", "-."][number % 4], label=label)
            axes.axvline(true_value, color=color, linewidth=0.8, alpha=0.6)
    axes.set_xlabel(f"{result.mab.family.expected_label} (vertical lines: the truth)")
    axes.set_ylabel("posterior density")
    axes.set_title("Posteriors")
    axes.legend(fontsize="small")
    return figure


def _cmab_beliefs(result: SimulationResult) -> Any:
    mab = result.mab
    context = result.truth["test_context"]
    seen = context[:, : mab.input_dim]
    truth = result.truth["reward_fn"](context)
    n_draws = 200
    # drawn by a copy: its own generator in the same state, so plotting leaves the bandit's stream alone
    allowed, _, expected = copy.copy(mab).predict_arrays(np.repeat(seen, n_draws, axis=0))
    predicted = expected.reshape(len(seen), n_draws, *expected.shape[1:]).mean(axis=1)
    figure = _figure(5.5, 5.0)
    axes = figure.add_subplot()
    for index, action_id in enumerate(allowed):
        true_p = np.asarray(truth[action_id]).reshape(len(seen), -1)
        guess = predicted[:, index].reshape(len(seen), -1)
        axes.scatter(true_p.ravel(), guess.ravel(), s=8, alpha=0.6, color=f"C{index}", label=action_id)
    what = mab.family.expected_label
    values = np.concatenate([predicted.ravel(), *(np.ravel(v) for v in truth.values())])
    low, high = mab.family.expected_range or _padded(values.min(), values.max())
    axes.plot([low, high], [low, high], color="grey", linewidth=0.8)
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_xlabel(f"true {what}")
    axes.set_ylabel(f"predicted {what} (mean of Thompson draws)")
    axes.set_title("Predicted against true")
    axes.legend(fontsize="small")
    return figure


def _padded(low: float, high: float) -> tuple[float, float]:
    pad = 0.05 * ((high - low) or 1.0)
    return float(low - pad), float(high + pad)
