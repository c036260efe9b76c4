"""Quantitative actions of contextual bandits: drawing at candidate quantities, and fitting with the quantity.

A contextual bandit's quantitative action is a :class:`~pybandits.model.bnn.action.Bnn` whose
network takes the quantity after the context (``quantity_dim``). A prediction draws one network per
row and evaluates it at the action's candidate quantities (:mod:`pybandits.model.bnn.candidates`);
the candidate with the best score (the sampled reward, or the revenue for dynamic pricing)
represents the action in that row. An update fits it on its rows with the quantities they were
played at as extra input columns. Both see a quantity through
:func:`~pybandits.model.bnn.candidates.quantity_inputs`, with the encoding the action records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from pybandits.engines.executors import fit_actions
from pybandits.model.bnn.action import draw_actions
from pybandits.model.bnn.candidates import candidates, forbidden_mask, outputs_at_candidates, quantity_inputs

__all__ = ["draw_with_quantities", "fit_with_quantities"]


def draw_with_quantities(
    mab: Any, models: Sequence[Any], allowed: list[str], rows: np.ndarray, regions: Mapping[str, list]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
    """Expected rewards and details ``(n_rows, n_allowed)``, quantitative actions' quantities, and prices."""
    n_rows = len(rows)
    expected = np.empty((n_rows, len(allowed)))
    detail = np.empty((n_rows, len(allowed)))
    prices = np.empty((n_rows, len(allowed))) if mab.strategy.uses_prices else None
    ordinary = [j for j, model in enumerate(models) if not model.quantity_dim]
    if ordinary:
        expected[:, ordinary], detail[:, ordinary] = draw_actions([models[j] for j in ordinary], rows, mab._rng)
        if prices is not None:
            prices[:, ordinary] = [float(mab.action_prices[allowed[j]]) for j in ordinary]
    quantities = {}
    for j, (action_id, model) in enumerate(zip(allowed, models, strict=True)):
        if not model.quantity_dim:
            continue
        points = candidates(model.quantity_dim, model.n_candidates, mab._rng)
        inputs = quantity_inputs(points, model.quantity_encoding)
        outputs = outputs_at_candidates(model.network, rows, inputs, mab._rng)
        # Without prices a candidate's score is its expected reward, which every family makes increasing
        # in the network's output: candidates are ranked by their outputs, and the expected reward is
        # computed for the best one alone. With prices the score needs every candidate's expected reward.
        values = outputs if prices is None else model.family.expected_reward(outputs)
        if regions.get(action_id):
            values[:, forbidden_mask(points, regions[action_id])] = -np.inf  # never the best: outputs stay usable
        tiled = np.broadcast_to(points, (n_rows, *points.shape))
        best_values, quantities[action_id], price, best = mab._best_candidates(action_id, values, tiled)
        best_outputs = outputs[np.arange(n_rows), best]
        expected[:, j] = model.family.expected_reward(best_outputs) if prices is None else best_values
        detail[:, j] = model.family.prediction_detail(best_outputs, model.aux)
        if prices is not None:
            prices[:, j] = price
    return expected, detail, quantities, prices


def fit_with_quantities(
    mab: Any,
    tasks: list[tuple[str, np.ndarray, int]],
    features: np.ndarray,
    observed: np.ndarray,
    played_quantities: Mapping[int, np.ndarray],
    executor: Executor | None,
    report: Callable[[str, int], None],
) -> dict[str, Any]:
    """Fit every task's network: ordinary ones on the context, quantitative ones on the context and quantity."""
    by_dimension: dict[int, list[tuple[str, np.ndarray, int]]] = {}
    for task in tasks:
        by_dimension.setdefault(mab.actions[task[0]].quantity_dim, []).append(task)
    fitted: dict[str, Any] = {}
    for dimension, group in sorted(by_dimension.items()):
        inputs = features
        if dimension:
            extra = np.zeros((len(features), dimension))
            for action_id, rows, _ in group:
                played = np.stack([played_quantities[row] for row in rows.tolist()])
                extra[rows] = quantity_inputs(played, mab.actions[action_id].quantity_encoding)
            inputs = np.concatenate([features, extra], axis=1)
        fitted.update(fit_actions(mab.actions, group, inputs, observed, executor, report))
    return fitted
