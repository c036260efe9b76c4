"""A trunk shared by every action, with a Bayesian head per action (see :mod:`pybandits.model.backbone`).

The bandit keeps the trunk, its readouts and the replay buffer in its ``backbone`` field and a
head per action in ``actions``: a :class:`~pybandits.model.backbone.heads.LinearHead` (exact or
Laplace posterior) or, with ``hidden_dim_list``, a :class:`~pybandits.model.bnn.action.Bnn` on the
trunk's features. An update offers the rows to the buffer, trains the trunk on it, then recomputes
every head from its prior on its buffered rows through the new trunk.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any, ClassVar

import numpy as np

from pybandits.boundary import validation as check
from pybandits.boundary.progress import fit_reporter
from pybandits.engines.backbone import refit_heads, updated_backbone
from pybandits.kinds.base import ContextualKind, Draw, FitBatch, tiled
from pybandits.kinds.per_action import cold_network, inference_changes
from pybandits.model.backbone import Backbone, LinearHead, draw_heads
from pybandits.model.backbone.heads import coefficient_draws, default_head_sigma
from pybandits.model.bnn.action import Bnn, DistParams
from pybandits.model.bnn.effects import Stage, network_stage
from pybandits.model.bnn.multi import draw_actions
from pybandits.model.specs import NetworkSpec

__all__ = ["SharedTrunk"]


class SharedTrunk(ContextualKind):
    """A shared trunk with a linear or network head per action."""

    name: ClassVar[str] = "shared trunk"

    def cold_start(
        self,
        spec: NetworkSpec,
        costs: Mapping[str, float | None],
        families: Sequence[Any],
        n_objectives: int | None,
        seed: int | None,
    ) -> dict[str, Any]:
        trunk = spec.trunk
        assert trunk is not None, "the bandit chose this kind because there is a trunk"
        rng = np.random.default_rng(None if seed is None else (seed, 16))  # the trunk's own stream
        backbone = Backbone.cold_start(
            list(costs),
            spec.n_features,
            trunk.hidden_dim_list,
            spec.activation,
            spec.use_residual_connections,
            rng,
            spec.categorical,
            trunk.kwargs,
        )
        if spec.hidden_dim_list:
            prototype = cold_network(spec, backbone.width, None)(family=families[0])
        else:
            prototype = _linear_head(backbone.width, families[0], spec)
        actions = {a: prototype.model_copy(update={"cost": cost}) for a, cost in costs.items()}
        return {"actions": actions, "backbone": backbone}

    def check(self, mab: Any) -> None:
        backbone = mab.backbone
        if mab.strategy_type.multi_objective:
            raise ValueError(f"backbone: {type(mab).__name__} is multi-objective; a shared trunk has one objective")
        if set(backbone.readout) != set(mab.actions):
            raise ValueError(
                f"backbone: expected a readout for every action {sorted(mab.actions)}, got {sorted(backbone.readout)}"
            )
        inputs = next(iter(mab.actions.values())).n_features  # the bandit checked that every action agrees
        if inputs != backbone.width:
            raise ValueError(f"actions: expected heads on the backbone's {backbone.width} features, got {inputs}")
        kinds = {type(model) for model in mab.actions.values()}
        heads = {issubclass(kind, LinearHead) for kind in kinds}
        if len(heads) > 1 or not all(issubclass(kind, Bnn | LinearHead) for kind in kinds):
            raise ValueError(
                f"actions: {type(mab).__name__} expects Bnn or LinearHead actions of one kind, "
                f"got {sorted(kind.__name__ for kind in kinds)}"
            )
        if any(isinstance(model, Bnn) and model.network.embeddings for model in mab.actions.values()):
            raise ValueError("actions: with a backbone, the trunk embeds the categorical columns, not the heads")

    def input_dim(self, mab: Any) -> int:
        return mab.backbone.trunk.n_features

    def network(self, mab: Any) -> Any:
        return mab.backbone.trunk

    def sampler(self, mab: Any, allowed: list[str], unseen: list[int], regions: Mapping[str, list]) -> Draw:
        models = [mab.actions[a] for a in allowed]
        backbone = mab.backbone.with_prior_rows(unseen) if unseen else mab.backbone
        if isinstance(models[0], LinearHead):  # a head's mean and spread once per row, whatever the repeats
            return lambda rows, repeats=1: (*draw_heads(models, backbone.features(rows), mab._rng, repeats), {}, None)
        return lambda rows, repeats=1: (
            *draw_actions(models, tiled(backbone.features(rows), repeats), mab._rng),
            {},
            None,
        )

    def reward_stages(self, mab: Any, action_id: str, n_draws: int, rng: np.random.Generator) -> list[tuple[Any, list]]:
        trunk = mab.backbone.trunk
        shared = Stage(
            weights=list(trunk.weights),
            biases=list(trunk.biases),
            activation=trunk.activation,
            residual=trunk.residual,
            output=False,
            numeric_columns=trunk.numeric_columns,
            embeddings=sorted(trunk.tables.items()),
        )
        head = mab.actions[action_id]
        if isinstance(head, Bnn):
            return [(head.family, [shared, network_stage(head.network, n_draws, rng)])]
        coefficients, _ = coefficient_draws([head], n_draws, rng)  # (n_draws, 1, width + 1)
        linear = Stage(
            weights=[coefficients[:, 0, :-1, None]],
            biases=[coefficients[:, 0, None, -1:]],
            activation=trunk.activation,
            residual=(),
            output=True,
        )
        return [(head.family, [shared, linear])]

    def fit(
        self,
        mab: Any,
        batch: FitBatch,
        executor: Executor | None,
        callback: Callable[[str, int], None] | None,
        progressbar: bool | None,
    ) -> dict[str, Any]:
        """Buffer, trunk, every head; ``callback`` and the bar count heads, with their buffered rows."""
        played = np.asarray(batch.action_ids)[batch.played]
        observed = batch.observed
        backbone = updated_backbone(
            mab.backbone, batch.features, played.tolist(), observed, mab.family, mab._rng, batch.decay_factor
        )
        seeds = {action_id: int(mab._rng.integers(2**63)) for action_id in mab.actions}
        with fit_reporter(len(mab.actions), "fitting heads", progressbar, callback) as report:
            heads = refit_heads(mab.actions, backbone, seeds.__getitem__, executor, report, batch.decay_factor)
        for action_id in np.unique(played).tolist():
            head = heads[action_id]
            heads[action_id] = head.model_copy(update={"stats": head.stats.added(observed[played == action_id])})
        return {"backbone": backbone, "actions": heads}

    def with_families(self, mab: Any, families: Sequence[Any]) -> dict[str, Any]:
        """The heads and the trunk's training readouts in the new families' units."""
        fields = super().with_families(mab, families)
        change = families[0].output_change(mab.family)
        if change is not None:
            fields["backbone"] = mab.backbone.with_output_change(*change)
        return fields

    def grown(self, current: Any, template: Any, actions: dict[str, Any], kept: list[str]) -> dict[str, Any]:
        """The grown trunk, and the actions with every linear head recomputed on the kept buffer through it.

        Linear heads are the exact (or Laplace) posteriors given the trunk, so they are computed
        again on the buffer: with only new features (at 0 in the buffer's rows) they are unchanged;
        wider layers give them new features to learn from. Network heads keep their grown
        posteriors until the next update refits them.
        """
        backbone = current.backbone.grown(template.backbone, kept, copy.deepcopy(template._rng))
        linear = {action_id: model for action_id, model in actions.items() if isinstance(model, LinearHead)}
        decay = template.decay_factor if template._forgets else None
        refitted = refit_heads(linear, backbone, seed_for=lambda _: 0, decay_factor=decay)
        return {"backbone": backbone, "actions": {**actions, **refitted}}

    def settings_changes(self, current: Any, template: Any, kept: list[str]) -> dict[str, tuple[Any, Any]]:
        changes: dict[str, tuple[Any, Any]] = {}
        trunks = (current.backbone.trunk.hidden_dim_list, template.backbone.trunk.hidden_dim_list)
        buffers = (current.backbone.buffer.capacity, template.backbone.buffer.capacity)
        for name, (before, after) in (("backbone_hidden_dim_list", trunks), ("buffer_size", buffers)):
            if before != after:
                changes[name] = (before, after)
        if current.backbone.settings != template.backbone.settings:
            changes["backbone_kwargs"] = (repr(current.backbone.settings), repr(template.backbone.settings))
        networks = [a for a in kept if isinstance(template.actions[a], Bnn) and isinstance(current.actions[a], Bnn)]
        return {**changes, **inference_changes(current, template, networks)}

    def hidden_dim_list(self, mab: Any) -> list[int]:
        first = next(iter(mab.actions.values()))
        return first.network.hidden_dim_list if isinstance(first, Bnn) else []

    def describe(self, mab: Any) -> list[str]:
        trunk, buffer = mab.backbone.trunk, mab.backbone.buffer
        first = next(iter(mab.actions.values()))
        if isinstance(first, Bnn):
            heads = f"hidden {first.network.hidden_dim_list}"
            inference = f"{first.update_method} {first.update_kwargs}"
        else:
            heads, inference = "linear", f"{first.update_method} (closed form)"
        return [
            f"backbone   {mab.input_dim} features, trunk {trunk.hidden_dim_list}, {trunk.activation}, residual "
            f"{trunk.use_residual_connections}; buffer {len(buffer)} of {buffer.capacity} rows ({buffer.n_seen} seen)",
            f"heads      {heads}",
            f"inference  {inference}",
        ]


def _linear_head(width: int, family: Any, spec: NetworkSpec) -> LinearHead:
    """A cold linear head on ``width`` trunk features, refusing the fitting settings it has no use for.

    Its prior is ``N(mu, sigma**2)`` with ``dist_params_init``'s ``mu`` (default 0) and ``sigma``
    when given, :func:`~pybandits.model.backbone.heads.default_head_sigma` otherwise.
    """
    why = "linear heads on a shared trunk are computed in closed form; give hidden_dim_list for network heads"
    if spec.update_method != "VI":
        raise ValueError(f"update_method: {why} (fitted by VI or MCMC); expected 'VI', got {spec.update_method!r}")
    if spec.update_kwargs is not None:
        raise ValueError(f"update_kwargs: {why}; expected None, got {check.describe(spec.update_kwargs)}")
    given = dict(spec.dist_params_given or {})
    if "nu" in given:
        raise ValueError(f"dist_params_init: a linear head's prior is Normal (mu, sigma); expected no nu, got {given}")
    params = DistParams.model_validate(given)
    sigma = params.sigma if "sigma" in given else default_head_sigma(width)
    return LinearHead.cold_start(width, family, params.mu, sigma)
