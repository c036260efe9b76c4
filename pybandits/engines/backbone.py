"""The fitting steps of a shared-trunk update: the trunk trained on the buffer, every head refitted.

A bandit with a shared trunk (:mod:`pybandits.model.backbone`) updates in two steps, both here,
both taking descriptions and rows and returning descriptions:

1. :func:`updated_backbone`: the batch is offered to the replay buffer (reservoir sampling,
   bounded), then the trunk and the readouts are trained from where they are, by Adam on the
   buffer (:mod:`pybandits.engines.trunk`);
2. :func:`refit_heads`: every action's head is recomputed from its cold-start prior on its rows in
   the buffer, through the new trunk: linear heads in closed form, network heads by the ADVI or
   NUTS engine. The heads are therefore always the posteriors given the current trunk: nothing
   learned under an older trunk is left in them.

This module imports no PyMC: the trunk's training is imported when an update runs.

Examples
--------
>>> import numpy as np
>>> from pybandits.model.backbone import Backbone, LinearHead
>>> backbone = Backbone.cold_start(["a", "b"], 2, [3], "tanh", False, np.random.default_rng(0))
>>> heads = {a: LinearHead.cold_start(backbone.width) for a in ("a", "b")}
>>> sorted(refit_heads(heads, backbone, seed_for=lambda action_id: 0))
['a', 'b']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from pybandits.engines.executors import fit_actions
from pybandits.model.backbone.backbone import Backbone
from pybandits.model.backbone.heads import LinearHead
from pybandits.model.backbone.trunk import Trunk

__all__ = ["refit_heads", "trained_backbone", "updated_backbone"]


def updated_backbone(
    backbone: Backbone,
    context: np.ndarray,
    actions: Sequence[str],
    rewards: np.ndarray,
    family: Any,
    rng: np.random.Generator,
    decay_factor: float | None = None,
) -> Backbone:
    """The backbone after a batch: rows offered to the buffer, trunk and readouts trained on the buffer.

    ``rng`` draws the buffer's reservoir sample, then the training's minibatches. Under forgetting
    (``decay_factor``) the buffer is a priority sample that prefers recent rows
    (:class:`~pybandits.model.backbone.buffer.ReplayBuffer`); the trunk trains on it unweighted.

    Examples
    --------
    >>> from pybandits.model.family import Bernoulli
    >>> rng = np.random.default_rng(0)
    >>> backbone = Backbone.cold_start(["a", "b"], 2, [3], "tanh", False, rng, backbone_kwargs={"num_steps": 5})
    >>> new = updated_backbone(backbone, np.ones((4, 2)), ["a", "b", "a", "a"], np.ones(4), Bernoulli(), rng)
    >>> len(new.buffer), new.trunk.width
    (4, 3)
    """
    return trained_backbone(backbone, backbone.buffer.added(context, actions, rewards, rng, decay_factor), family, rng)


def trained_backbone(backbone: Backbone, buffer: Any, family: Any, rng: np.random.Generator) -> Backbone:
    """The backbone with this buffer, its trunk and readouts trained on it (``rng`` draws the minibatches)."""
    from pybandits.engines import trunk as training  # PyTensor: imported by the first update

    order = list(backbone.readout)
    index = {action_id: i for i, action_id in enumerate(order)}
    played = np.array([index[a] for a in buffer.actions], dtype=np.int64)
    readout = np.column_stack([backbone.readout[a] for a in order])
    result = training.train_trunk(
        backbone.trunk,
        readout,
        family,
        buffer.context,
        played,
        family.fitting_rewards(buffer.rewards),
        backbone.settings,
        rng,
    )
    trunk = Trunk(
        weights=result.weights,
        biases=result.biases,
        tables=result.tables,
        activation=backbone.trunk.activation,
        use_residual_connections=backbone.trunk.use_residual_connections,
    )
    readouts = {a: result.readout[:, i] for i, a in enumerate(order)}
    return Backbone(trunk=trunk, readout=readouts, buffer=buffer, settings=backbone.settings)


def refit_heads(
    heads: Mapping[str, Any],
    backbone: Backbone,
    seed_for: Callable[[str], int],
    executor: Executor | None = None,
    callback: Callable[[str, int], None] | None = None,
    decay_factor: float | None = None,
) -> dict[str, Any]:
    """Every action's head recomputed from its cold-start prior on its buffered rows, through the current trunk.

    Under forgetting (``decay_factor``) each buffered row's likelihood counts with its weight
    (:meth:`~pybandits.model.backbone.buffer.ReplayBuffer.row_weights`): older rows weigh less.

    Linear heads are computed in closed form; network heads (:class:`~pybandits.model.bnn.action.Bnn`
    on the trunk's features) are fitted by their engine, on ``executor`` when given. Statistics are
    kept as they are (the caller counts the batch). ``seed_for(action_id)`` seeds a network head's fit;
    ``callback(action_id, n_rows)`` runs once per head, with its number of buffered rows.

    Examples
    --------
    >>> backbone = Backbone.cold_start(["a"], 2, [3], "tanh", False, np.random.default_rng(0))
    >>> refit_heads({"a": LinearHead.cold_start(3)}, backbone, seed_for=lambda _: 0)["a"] == LinearHead.cold_start(3)
    True
    """
    buffer = backbone.buffer
    weights = buffer.row_weights(decay_factor)
    features = backbone.features(buffer.context) if len(buffer) else np.zeros((0, backbone.width))
    rows_of: dict[str, list[int]] = {}
    for row, action_id in enumerate(buffer.actions):
        rows_of.setdefault(action_id, []).append(row)
    refitted: dict[str, Any] = {}
    networks: dict[str, Any] = {}
    tasks = []
    for action_id, head in heads.items():
        rows = np.asarray(rows_of.get(action_id, []), dtype=np.int64)
        if isinstance(head, LinearHead):
            if rows.size:
                row_weights = None if weights is None else weights[rows]
                refitted[action_id] = head.refitted(features[rows], buffer.rewards[rows], row_weights)
            else:
                refitted[action_id] = head.at_prior()
            if callback is not None:
                callback(action_id, int(rows.size))
        else:
            networks[action_id] = head.at_prior()
            if rows.size:
                tasks.append((action_id, rows, seed_for(action_id)))
            elif callback is not None:
                callback(action_id, 0)
    if networks:
        rewards = next(iter(networks.values())).family.check_rewards(buffer.rewards, len(buffer))
        fitted = fit_actions(networks, tasks, features, rewards, executor, callback, weights) if tasks else {}
        for action_id, network in networks.items():
            model = fitted.get(action_id, network)
            refitted[action_id] = model.model_copy(update={"stats": heads[action_id].stats})
    return {action_id: refitted[action_id] for action_id in heads}
