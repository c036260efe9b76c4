"""Fitting a shared trunk: a penalised point estimate by Adam on the replay buffer, through PyTensor.

The objective is the mean negative log-likelihood (reward family's) of the buffered rows under a
point-estimate readout per action (a linear layer on the trunk's features: the trunk's training
head), plus weight decay on every weight (not the biases), and a Normal(0, ``embedding_sigma``)
prior on every embedding entry, per buffered row (``n`` rows):

    loss = -mean_rows log p(reward | phi(x) . w_a + c_a) + weight_decay / 2 * |weights|^2
           + |embeddings|^2 / (2 * embedding_sigma^2 * n)

(``embedding_sigma=None``: the embeddings under ``weight_decay`` with the weights.)

The graph is built once per trunk shape and family with the library's one forward pass
(:func:`~pybandits.model.bnn.forward.forward`, PyTensor operations), compiled to a function
returning the loss and its gradients, and kept in the process's engine cache
(:data:`~pybandits.engines.cache.ENGINES`: bounded, a lock per entry). Adam runs in numpy on
minibatches drawn from the buffer, warm-started from the current trunk and readouts; its moment
estimates start afresh at every update.

This module imports PyMC's stack; a bandit's update imports it (:mod:`pybandits.engines.backbone`),
prediction never does.

Examples
--------
>>> from pybandits.model.backbone import Backbone, Trunk
>>> from pybandits.model.family import Bernoulli
>>> rng = np.random.default_rng(0)
>>> trunk = Trunk.cold_start(2, [3], "tanh", False, rng)
>>> settings = Backbone.model_fields["settings"].default.model_copy(update={"num_steps": 5})
>>> result = train_trunk(trunk, np.zeros((4, 1)), Bernoulli(), np.zeros((6, 2)), np.zeros(6, dtype=np.int64),
...                      np.ones(6), settings, rng)
>>> result.readout.shape, len(result.losses)
((4, 1), 5)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pybandits.engines.backend import import_pymc
from pybandits.engines.cache import ENGINES
from pybandits.engines.graph import PYTENSOR_OPS
from pybandits.engines.rewrites import compile_mode
from pybandits.exceptions import FitError
from pybandits.model.bnn.forward import forward

import_pymc()  # PyTensor is imported quietly and configured first
import pytensor  # noqa: E402
import pytensor.tensor as pt  # noqa: E402

__all__ = ["TrainingResult", "train_trunk"]

_BETA1, _BETA2, _ADAM_EPSILON = 0.9, 0.999, 1e-8


@dataclass(frozen=True)
class TrainingResult:
    """A trained trunk's arrays and readouts, and the loss of every step."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    tables: dict[int, np.ndarray]
    readout: np.ndarray  # (width + 1, n_actions): per action, its weights then its bias
    losses: np.ndarray


def _build(trunk: Any, family: Any) -> Any:
    """The compiled ``(context, action index, rewards, *parameters) -> (loss, *gradients)``."""
    n_layers = len(trunk.weights)
    context = pt.matrix("context")
    played = pt.lvector("played")
    rewards = pt.vector("rewards")
    decay = pt.scalar("weight_decay")
    table_decay = pt.scalar("table_decay")
    weights = [pt.matrix(f"w{i}") for i in range(n_layers)]
    biases = [pt.vector(f"b{i}") for i in range(n_layers)]
    columns = sorted(trunk.tables)
    tables = [pt.matrix(f"e{column}") for column in columns]
    readout = pt.matrix("readout")
    features = forward(
        PYTENSOR_OPS,
        context,
        weights,
        biases,
        trunk.activation,
        trunk.residual,
        numeric_columns=trunk.numeric_columns,
        embeddings=list(zip(columns, tables, strict=True)),
        output=False,
    )
    chosen = readout[:, played]  # (width + 1, rows)
    outputs = (features * chosen[:-1].T).sum(axis=1) + chosen[-1]
    aux = {name: pt.zeros(dist.shape) for name, dist in family.aux_prior().items()}  # unit noise (standardised)
    log_likelihood = family.log_likelihood(PYTENSOR_OPS, outputs, rewards, aux)
    penalty = sum((w**2).sum() for w in weights) + (readout[:-1] ** 2).sum()
    table_penalty = sum(((table**2).sum() for table in tables), pt.constant(0.0))
    loss = -log_likelihood.mean() + 0.5 * decay * penalty + 0.5 * table_decay * table_penalty
    parameters = [*weights, *biases, *tables, readout]
    gradients = pytensor.grad(loss, parameters)
    return pytensor.function(
        [context, played, rewards, decay, table_decay, *parameters],
        [loss, *gradients],
        mode=compile_mode(),
        on_unused_input="ignore",
    )


def _rows_of_step(n_rows: int, batch_size: int, rng: np.random.Generator) -> Any:
    """The buffered rows one Adam step reads: all of them, or a minibatch drawn with replacement.

    A step of one row reads it twice, which gives the same mean loss and gradients: PyTensor 2.x
    (PyMC 5) takes the gradient of a single gathered row for a broadcast and refuses it ("Runtime
    broadcasting not allowed" in ``AdvancedIncSubtensor1``).
    """
    if n_rows <= batch_size:
        return slice(None) if n_rows > 1 else np.zeros(2, dtype=np.int64)
    rows = rng.integers(0, n_rows, batch_size)
    return np.repeat(rows, 2) if batch_size == 1 else rows


def train_trunk(
    trunk: Any,
    readout: np.ndarray,
    family: Any,
    context: np.ndarray,
    played: np.ndarray,
    rewards: np.ndarray,
    settings: Any,
    rng: np.random.Generator,
) -> TrainingResult:
    """Adam steps from ``trunk`` and ``readout`` on the rows ``(context, played, rewards)``.

    ``played`` indexes ``readout``'s columns; ``rewards`` are in the family's fitting scale.
    Raises :class:`~pybandits.exceptions.FitError` when the loss stops being finite.
    """
    columns = sorted(trunk.tables)
    parameters = [
        *(np.array(w) for w in trunk.weights),
        *(np.array(b) for b in trunk.biases),
        *(np.array(trunk.tables[c]) for c in columns),
        np.array(readout),
    ]
    first = [np.zeros_like(p) for p in parameters]
    second = [np.zeros_like(p) for p in parameters]
    losses = np.empty(settings.num_steps)
    n_rows = len(played)
    sigma = settings.embedding_sigma
    table_decay = settings.weight_decay if sigma is None else 1.0 / (sigma**2 * max(n_rows, 1))
    key = ("trunk", trunk.architecture, family.graph_key)
    with ENGINES.hold(key, build=lambda: _build(trunk, family)) as step:
        for t in range(1, settings.num_steps + 1):
            rows = _rows_of_step(n_rows, settings.batch_size, rng)
            loss, *gradients = step(
                context[rows], played[rows], rewards[rows], settings.weight_decay, table_decay, *parameters
            )
            if not np.isfinite(loss):
                raise FitError(f"the shared trunk's training loss is {loss} at step {t}; try a smaller learning_rate")
            losses[t - 1] = loss
            for parameter, gradient, m, v in zip(parameters, gradients, first, second, strict=True):
                m *= _BETA1
                m += (1.0 - _BETA1) * gradient
                v *= _BETA2
                v += (1.0 - _BETA2) * gradient**2
                step_size = settings.learning_rate * np.sqrt(1.0 - _BETA2**t) / (1.0 - _BETA1**t)
                parameter -= step_size * m / (np.sqrt(v) + _ADAM_EPSILON)
    n_layers = len(trunk.weights)
    return TrainingResult(
        weights=parameters[:n_layers],
        biases=parameters[n_layers : 2 * n_layers],
        tables=dict(zip(columns, parameters[2 * n_layers : 2 * n_layers + len(columns)], strict=True)),
        readout=parameters[-1],
        losses=losses,
    )
