"""A Bayesian network per action: the contextual model kind fitted by ADVI or NUTS.

Every action keeps a :class:`~pybandits.model.bnn.action.Bnn` (a :class:`BnnMO` per objective for
multi-objective bandits). Categorical embeddings and quantity inputs are properties of those
networks, not kinds of their own:

- categorical columns are embedding tables inside each network (the same columns for every action);
- a *quantitative* action's network takes the quantity after the context (``quantity_dim``). A
  prediction draws one network per row and evaluates it at the action's candidate quantities
  (:mod:`pybandits.model.bnn.candidates`); the bandit base picks the best candidate
  (:meth:`~pybandits.bandits.base.BaseMab._best_candidates`). An update fits it with the quantities the rows
  were played at as extra inputs, through
  :func:`~pybandits.model.bnn.candidates.quantity_inputs`, with the encoding the action records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from functools import partial
from typing import Any, ClassVar

import numpy as np

from pybandits.boundary.progress import fit_reporter
from pybandits.boundary.quantities import Constraint
from pybandits.engines.executors import fit_actions
from pybandits.kinds.base import ContextualKind, Draw, FitBatch, tiled
from pybandits.model.backbone.heads import LinearHead
from pybandits.model.bnn.action import Bnn
from pybandits.model.bnn.candidates import (
    candidates,
    constrained_candidates,
    outputs_at_candidates,
    quantity_inputs,
)
from pybandits.model.bnn.effects import network_stage
from pybandits.model.bnn.multi import BnnMO, draw_actions
from pybandits.model.regions import allowed_in_unit_box
from pybandits.model.specs import NetworkSpec

__all__ = ["PerActionNetworks"]


class PerActionNetworks(ContextualKind):
    """One Bayesian network per action (per objective)."""

    name: ClassVar[str] = "networks per action"

    def cold_start(
        self,
        spec: NetworkSpec,
        costs: Mapping[str, float | None],
        families: Sequence[Any],
        n_objectives: int | None,
        seed: int | None,
    ) -> dict[str, Any]:
        network = cold_network(spec, spec.n_features, spec.categorical)
        quantitative = spec.quantities.dimensions
        if n_objectives is not None:
            prototypes = [network(family=family) for family in families]
            return {"actions": {a: BnnMO(objectives=prototypes, cost=cost) for a, cost in costs.items()}}
        prototype = network(family=families[0])
        n_candidates = spec.quantities.n_candidates() if quantitative else 0
        actions = {
            a: network(cost=cost, family=families[0], quantity_dim=quantitative[a], n_candidates=n_candidates)
            if a in quantitative
            else prototype.model_copy(update={"cost": cost})
            for a, cost in costs.items()
        }
        return {"actions": actions}

    def check(self, mab: Any) -> None:
        if any(isinstance(model, LinearHead) for model in mab.actions.values()):
            raise ValueError("actions: linear heads need a backbone (the shared trunk they read), got none")
        kinds = {type(model) for model in mab.actions.values()}
        expected = BnnMO if mab.strategy_type.multi_objective else Bnn
        if not all(issubclass(kind, expected) for kind in kinds):
            raise ValueError(
                f"actions: {type(mab).__name__} expects {expected.__name__} actions of one kind, "
                f"got {sorted(kind.__name__ for kind in kinds)}"
            )
        networks = [m.network for a in mab.actions.values() for m in (a.objectives if isinstance(a, BnnMO) else [a])]
        if any(network.categorical != networks[0].categorical for network in networks[1:]):
            raise ValueError("actions: expected the same categorical columns and cardinalities for every action")

    def input_dim(self, mab: Any) -> int:
        return next(iter(mab.actions.values())).n_features  # a quantitative action's network also reads its quantity

    def network(self, mab: Any) -> Any:
        first = next(iter(mab.actions.values()))
        return first.objectives[0].network if isinstance(first, BnnMO) else first.network

    def sampler(self, mab: Any, allowed: list[str], unseen: list[int], regions: Mapping[str, list]) -> Draw:
        models = [mab.actions[a] for a in allowed]
        if unseen:
            models = [model.with_prior_rows(unseen) for model in models]
        if any(isinstance(model, Bnn) and model.quantity_dim for model in models):
            quantities = partial(_draw_with_quantities, mab, models, allowed, regions)
            return lambda rows, repeats=1: quantities(tiled(rows, repeats))
        return lambda rows, repeats=1: (*draw_actions(models, tiled(rows, repeats), mab._rng), {}, None)

    def fit(
        self,
        mab: Any,
        batch: FitBatch,
        executor: Executor | None,
        callback: Callable[[str, int], None] | None,
        progressbar: bool | None,
    ) -> dict[str, Any]:
        by_action = batch.rows_by_action()
        models, seeds = self.prepared(mab, [action_id for action_id, _ in by_action], batch.kept, batch.restarted)
        tasks = [(action_id, rows, seed) for (action_id, rows), seed in zip(by_action, seeds, strict=True)]
        with fit_reporter(len(tasks), "fitting actions", progressbar, callback) as report:
            if mab.quantity_dimensions:
                fitted = _fit_with_quantities(models, tasks, batch, executor, report)
            else:
                fitted = fit_actions(models, tasks, batch.features, batch.observed, executor, report, batch.weights)
        return {"actions": {**models, **fitted}}

    def prepared(
        self, mab: Any, played: Sequence[str], kept: float = 1.0, restarted: frozenset[str] = frozenset()
    ) -> tuple[dict[str, Any], list[int]]:
        """Every action's model before the fits, and a seed per ``played`` action (in the bandit's action order).

        The seeds are drawn from the bandit's generator in that order, whatever runs the fits (here,
        an executor, a cluster: :mod:`pybandits.cluster`). Under forgetting every action's belief
        first moves toward its prior (``kept``), played or not; an action whose rows changed
        (``restarted``) starts again from its prior.
        """
        seeds = [int(mab._rng.integers(2**63)) for _ in played]
        models = {a: model.at_prior() if a in restarted else model.forgotten(kept) for a, model in mab.actions.items()}
        return models, seeds

    def reward_stages(self, mab: Any, action_id: str, n_draws: int, rng: np.random.Generator) -> list[tuple[Any, list]]:
        model = mab.actions[action_id]
        objectives = model.objectives if isinstance(model, BnnMO) else [model]
        return [(objective.family, [network_stage(objective.network, n_draws, rng)]) for objective in objectives]

    def check_change_detection(self, mab: Any) -> None:
        if mab.quantity_dimensions:
            raise ValueError(
                "change_detection: expected a contextual bandit without quantitative actions, got quantitative "
                f"actions {sorted(mab.quantity_dimensions)}; forgetting (decay_factor) follows their drift"
            )

    def predicted(self, mab: Any, batch: FitBatch) -> np.ndarray:
        predictions = np.zeros(batch.observed.shape)
        for action_id, rows in batch.rows_by_action():
            model = mab.actions[action_id]
            objectives = model.objectives if isinstance(model, BnnMO) else [model]
            for k, objective in enumerate(objectives):
                expected = objective.family.expected_reward(objective.network.mean_outputs(batch.features[rows]))
                if predictions.ndim == 1:
                    predictions[rows] = expected
                else:
                    predictions[rows, k] = expected
        return predictions

    def grown(self, current: Any, template: Any, actions: dict[str, Any], kept: list[str]) -> dict[str, Any]:
        return {"actions": actions}

    def settings_changes(self, current: Any, template: Any, kept: list[str]) -> dict[str, tuple[Any, Any]]:
        return inference_changes(current, template, kept)

    def hidden_dim_list(self, mab: Any) -> list[int]:
        return next(iter(mab.actions.values())).hidden_dim_list

    def describe(self, mab: Any) -> list[str]:
        first = next(iter(mab.actions.values()))
        return [
            f"network    {mab.input_dim} features, hidden {first.hidden_dim_list}, {first.activation}, "
            f"residual {first.use_residual_connections}",
            f"inference  {first.update_method} {first.update_kwargs}",
        ]


def cold_network(spec: NetworkSpec, n_inputs: int, categorical: Any) -> Callable[..., Bnn]:
    """``Bnn.cold_start`` with the spec's network settings, on ``n_inputs`` columns: call it per action."""
    return partial(
        Bnn.cold_start,
        n_inputs,
        spec.hidden_dim_list,
        spec.activation,  # type: ignore[arg-type]
        spec.use_residual_connections,
        spec.dist_type,  # type: ignore[arg-type]
        spec.dist_params,
        spec.update_method,
        spec.update_kwargs,
        categorical=categorical,
    )


def inference_changes(current: Any, template: Any, kept: list[str]) -> dict[str, tuple[Any, Any]]:
    """How the kept actions' networks are fitted, before and after (``update_method``, ``dist_type``, ...)."""
    changes: dict[str, tuple[Any, Any]] = {}
    for action_id in kept:
        before, after = current.actions[action_id], template.actions[action_id]
        for setting in ("update_method", "dist_type"):
            if getattr(before, setting) != getattr(after, setting):
                changes.setdefault(setting, (getattr(before, setting), getattr(after, setting)))
        old_kwargs, new_kwargs = before.update_kwargs, after.update_kwargs
        for key in sorted(set(old_kwargs) | set(new_kwargs)):
            if old_kwargs.get(key) != new_kwargs.get(key):
                changes.setdefault(f"update_kwargs.{key}", (old_kwargs.get(key), new_kwargs.get(key)))
    return changes


def _draw_with_quantities(
    mab: Any, models: Sequence[Any], allowed: list[str], regions: Mapping[str, list], rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
    """Expected rewards and details ``(n_rows, n_allowed)``, quantitative actions' quantities, and prices."""
    n_rows = len(rows)

    def draw_ordinary(indices: list[int]) -> tuple[np.ndarray, np.ndarray]:
        return draw_actions([models[j] for j in indices], rows, mab._rng)

    def draw_candidates(j: int) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], tuple[Any, Any]]]:
        model = models[j]
        boxes = regions.get(allowed[j])
        if isinstance(boxes, Constraint):
            points = constrained_candidates(model.quantity_dim, model.n_candidates, mab._rng, boxes.allowed)
        else:
            allowed_part = allowed_in_unit_box(boxes, model.quantity_dim, "forbidden_actions") if boxes else None
            points = candidates(model.quantity_dim, model.n_candidates, mab._rng, allowed_part)
        inputs = quantity_inputs(points, model.quantity_encoding)
        outputs = outputs_at_candidates(model.network, rows, inputs, mab._rng)
        # Without prices a candidate's score is its expected reward, which every family makes increasing
        # in the network's output: candidates are ranked by their outputs, and the expected reward is
        # computed for the best one alone. With prices the score needs every candidate's expected reward.
        values = outputs if not mab.strategy.uses_prices else model.family.expected_reward(outputs)

        def finish(best: np.ndarray) -> tuple[Any, Any]:
            best_outputs = outputs[np.arange(n_rows), best]
            expected = model.family.expected_reward(best_outputs) if not mab.strategy.uses_prices else None
            return expected, model.family.prediction_detail(best_outputs, model.aux)

        return values, np.broadcast_to(points, (n_rows, *points.shape)), finish

    quantitative = [j for j, model in enumerate(models) if model.quantity_dim]
    return mab._draw_with_candidates(allowed, n_rows, quantitative, draw_ordinary, draw_candidates, with_detail=True)


def _fit_with_quantities(
    models: Mapping[str, Any],
    tasks: list[tuple[str, np.ndarray, int]],
    batch: FitBatch,
    executor: Executor | None,
    report: Callable[[str, int], None],
) -> dict[str, Any]:
    """Fit every task's network: ordinary ones on the context, quantitative ones on the context and quantity."""
    by_dimension: dict[int, list[tuple[str, np.ndarray, int]]] = {}
    for task in tasks:
        by_dimension.setdefault(models[task[0]].quantity_dim, []).append(task)
    fitted: dict[str, Any] = {}
    features = batch.features
    for dimension, group in sorted(by_dimension.items()):
        inputs = features
        if dimension:
            extra = np.zeros((len(features), dimension))
            for action_id, rows, _ in group:
                played = np.stack([batch.quantities[row] for row in rows.tolist()])
                extra[rows] = quantity_inputs(played, models[action_id].quantity_encoding)
            inputs = np.concatenate([features, extra], axis=1)
        fitted.update(fit_actions(models, group, inputs, batch.observed, executor, report, batch.weights))
    return fitted
