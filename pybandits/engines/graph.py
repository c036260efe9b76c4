"""The PyMC model of a batch of networks: every input a data container, swapped per fit.

:func:`build_model` builds the model both engines fit: ``n_slots`` networks of one description's
architecture and reward family (ADVI's batched graph), or one network without the slot axis
(NUTS's). Every prior parameter, the rows, the mask and every slot's number of rows are
``pm.Data``, so a compiled model serves every fit of its shape: :func:`stack_priors` and
:func:`stack_rows` arrange a fit's descriptions and rows as arrays, :func:`set_inputs` swaps
them in.

The network's forward pass is :func:`pybandits.model.bnn.forward.forward` run with PyTensor's
operations (:data:`PYTENSOR_OPS`), and the likelihood is the reward family's, written once for
numpy and PyTensor alike.

**One graph for prior and posterior.** Every tensor is a Student-t with per-element degrees of
freedom ``nu``; a Normal element (every posterior, a Normal prior) is a Student-t with
``nu = 1e12`` (:data:`NORMAL_NU`), the same density and gradients to machine precision. So the
cold-start prior (Student-t) and a posterior (Normal) share the compiled graph, and a new bandit's
second update does not compile again.

Examples
--------
>>> from pybandits.model.bnn.action import Bnn
>>> model = build_model(Bnn.cold_start(n_features=2), n_slots=3, batch_size=None)
>>> model.named_vars["context"].get_value().shape, sorted(stack_priors([Bnn.cold_start(n_features=2)], 3))
((3, 1, 2), ['b0', 'w0'])
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from pybandits.engines.backend import import_pymc
from pybandits.model.bnn.forward import forward
from pybandits.model.bnn.settings import VISettings
from pybandits.model.ops import ArrayOps

pm = import_pymc()
import pytensor  # noqa: E402
import pytensor.tensor as pt  # noqa: E402

__all__ = ["NORMAL_NU", "PYTENSOR_OPS", "build_model", "graph_key", "set_inputs", "stack_priors", "stack_rows"]

#: PyTensor's operations: the forward pass and the likelihoods build the PyMC graph with them.
PYTENSOR_OPS = ArrayOps(
    tanh=pt.tanh,
    exp=pt.exp,
    maximum=pt.maximum,
    softplus=pt.softplus,
    matmul=lambda hidden, weight: hidden @ weight,
    concatenate=lambda tensors: pt.concatenate(list(tensors), axis=-1),
    codes=lambda values: pt.cast(pt.round(values), "int64"),
)
#: Degrees of freedom standing for a Normal element (see the module notes).
NORMAL_NU = 1e12


def build_model(action: Any, n_slots: int | None, batch_size: int | None) -> Any:
    """A PyMC model of ``n_slots`` networks of ``action``'s architecture and family, every input in ``pm.Data``.

    The data are ``(slots, rows, ...)`` blocks, padded with masked rows, contiguous for the batched
    matrix product. With minibatches, every step draws ``batch_size`` rows of each network's own
    rows (uniformly, with replacement) and scales that network's likelihood by its rows over
    ``batch_size``: each network's estimate is unbiased and as precise as in a fit of its own.
    ``n_slots=None`` builds one network without the slot axis (``(rows, ...)`` data, plain matrix
    products): NUTS's model, whose gradient that makes several times cheaper.
    """
    network, family = action.network, action.family
    lead = () if n_slots is None else (n_slots,)
    with pm.Model() as model:
        context = pm.Data("context", np.zeros((*lead, 1, network.n_features)))
        rewards = pm.Data("rewards", np.zeros((*lead, 1)))
        mask = pm.Data("mask", np.zeros((*lead, 1)))
        slot_rows = pm.Data("slot_rows", np.zeros(n_slots or 1))  # real rows of every slot (0: a padding slot)
        # mask: a real row's likelihood weight (1, or less under forgetting), 0 for a padding row
        tensors = {}
        for name, dist in action.parameters.items():
            shape = (*lead, *dist.shape)
            mu = pm.Data(f"{name}_mu", np.zeros(shape))
            sigma = pm.Data(f"{name}_sigma", np.ones(shape))
            nu = pm.Data(f"{name}_nu", np.full(shape, NORMAL_NU))
            tensors[name] = pm.Flat(name, shape=shape)
            # the Student-t log density up to terms that depend only on nu and sigma (data, not
            # parameters): the same gradients and posterior, without a log-gamma per element and step
            z = (tensors[name] - mu) / sigma
            pm.Potential(f"{name}_prior", (-0.5 * (nu + 1.0) * pt.log1p(z * z / nu)).sum())
        scale = 1.0
        if batch_size is not None:
            # the generator of this draw is updated by every step, and reseeded per fit like ADVI's own
            uniform = _uniform((n_slots, batch_size))
            rows = pt.cast(pt.floor(uniform * slot_rows[:, None]), "int64")  # in [0, rows of the slot)
            slots = pt.arange(n_slots)[:, None]
            context, rewards, mask = context[slots, rows], rewards[slots, rows], mask[slots, rows]
            scale = slot_rows[:, None] / batch_size
        n_layers = len(network.layers)
        weights = [tensors[f"w{index}"] for index in range(n_layers)]  # (slots, n_in, n_out)
        tables = [(column, tensors[f"e{column}"]) for column, _ in network.lookups]  # (slots, cardinality, dim)
        if n_slots is None:
            biases = [tensors[f"b{index}"] for index in range(n_layers)]
            lookup, aux = None, {name: tensors[name] for name in action.aux}
        else:
            biases = [tensors[f"b{index}"][:, None, :] for index in range(n_layers)]  # (slots, 1, n_out)
            lookup = partial(_gather_rows, n_slots)
            aux = {name: tensors[name][:, None] for name in action.aux}  # (slots, 1, *shape)
        outputs = forward(
            PYTENSOR_OPS,
            context,
            weights,
            biases,
            network.activation,
            network.residual,
            numeric_columns=network.numeric_columns,
            embeddings=tables,
            lookup=lookup,
        )
        # a switch, not a product: a padding row's likelihood never reaches the loss, even if it overflows
        log_likelihood = pt.switch(mask > 0, mask * family.log_likelihood(PYTENSOR_OPS, outputs, rewards, aux), 0.0)
        pm.Potential("likelihood", (scale * log_likelihood).sum())
    return model


def _gather_rows(n_slots: int, table: Any, codes: Any) -> Any:
    """Every slot's vectors of its codes: ``table`` ``(slots, cardinality, dim)``, ``codes`` ``(slots, rows)``.

    One gather from the table flattened to a vector, with a flat index: PyTensor (2 and 3) has a C
    scatter-add for the gradient of a vector indexed by a vector; indexing a matrix by rows falls
    back to numpy's ``add.at``, ten times slower.
    """
    _, cardinality, dim = table.type.shape
    rows = (codes + cardinality * pt.arange(n_slots)[:, None]) * dim  # (slots, rows): start of each vector
    index = (rows[:, :, None] + pt.arange(dim)).flatten()
    return table.flatten()[index].reshape((n_slots, codes.shape[1], dim))


def _uniform(size: tuple[int, ...]):
    """Uniform draws in [0, 1) from a generator of their own (PyTensor 2 and 3 spell the call differently)."""
    rng = pytensor.shared(np.random.default_rng())
    try:
        _, value = pt.random.uniform(0.0, 1.0, size=size, rng=rng, return_next_rng=True)  # PyTensor 3
    except TypeError:  # PyTensor 2: the next generator is a hidden output
        value = pt.random.uniform(0.0, 1.0, size=size, rng=rng)
    return value


def stack_priors(actions: Sequence[Any], n_slots: int) -> dict[str, dict[str, np.ndarray]]:
    """Every tensor's prior ``mu``, ``sigma``, ``nu`` stacked over slots; padding slots standard Normal."""
    stacked = {}
    for name, first in actions[0].parameters.items():
        shape = (n_slots, *first.shape)
        mu, sigma, nu = np.zeros(shape), np.ones(shape), np.full(shape, NORMAL_NU)
        for slot, action in enumerate(actions):
            dist = action.parameters[name]
            mu[slot], sigma[slot] = dist.mu, dist.sigma
            if dist.nu is not None:
                nu[slot] = np.minimum(dist.nu, NORMAL_NU)
        stacked[name] = {"mu": mu, "sigma": sigma, "nu": nu}
    return stacked


def stack_rows(
    actions: Sequence[Any],
    contexts: Sequence[np.ndarray],
    rewards: Sequence[np.ndarray],
    n_slots: int,
    weights: Sequence[np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``(slots, rows, ...)`` context block, rewards and mask of every slot, padded with masked rows.

    The mask holds every real row's likelihood weight: 1, or ``weights`` (forgetting); 0 for padding.
    """
    n_rows = max(1, *(len(r) for r in rewards))
    if n_slots == 1 and len(rewards) == 1 and len(rewards[0]) == n_rows:  # one network, no padding: no copy
        block = np.ascontiguousarray(contexts[0], dtype=np.float64)[None]
        if not block.flags.aligned:  # rows that crossed a process boundary may be unaligned; PyTensor needs aligned
            block = block.copy()
        fitting = np.asarray(actions[0].family.fitting_rewards(rewards[0]), dtype=np.float64)[None]
        mask = np.ones((1, n_rows)) if weights is None else np.asarray(weights[0], dtype=np.float64)[None]
        return block, fitting, mask
    block = np.zeros((n_slots, n_rows, actions[0].network.n_features))
    fitting = np.zeros((n_slots, n_rows))
    mask = np.zeros((n_slots, n_rows))
    for slot, (action, context, observed) in enumerate(zip(actions, contexts, rewards, strict=True)):
        block[slot, : len(observed)] = context
        fitting[slot, : len(observed)] = action.family.fitting_rewards(observed)
        mask[slot, : len(observed)] = 1.0 if weights is None else weights[slot]
    return block, fitting, mask


def set_inputs(model: Any, priors: dict, block: np.ndarray, fitting: np.ndarray, mask: np.ndarray) -> None:
    """Swap a fit's priors (as :func:`stack_priors`, or fewer) and rows (as :func:`stack_rows`) into ``model``."""
    data = model.named_vars
    data["context"].set_value(block, borrow=True)  # fresh arrays of stack_rows: no second copy of the rows
    data["rewards"].set_value(fitting, borrow=True)
    data["mask"].set_value(mask, borrow=True)
    data["slot_rows"].set_value(np.atleast_1d((mask > 0).sum(axis=-1).astype(np.float64)))
    for name, arrays in priors.items():
        for part, value in arrays.items():
            data[f"{name}_{part}"].set_value(value)


def graph_key(action: Any, settings: VISettings) -> tuple:
    """The compile-cache key of ``action``'s ADVI graph, without the slot count.

    Derived from the descriptions: :attr:`~pybandits.model.bnn.network.Network.architecture`
    (layer shapes, activation, residual rule), the family's
    :attr:`~pybandits.model.family.RewardFamily.graph_key` and the settings'
    :attr:`~pybandits.model.bnn.settings.VISettings.graph_key`.
    """
    return (action.network.architecture, action.family.graph_key, settings.graph_key)
