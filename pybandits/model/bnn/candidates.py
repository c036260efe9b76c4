"""Thompson draws of a quantitative action's network at candidate quantities.

A quantitative action of a contextual bandit is a network whose inputs are the context followed by
the inputs of a quantity ``q`` in ``[0, 1]^d`` (:func:`quantity_inputs`). Thompson sampling for one
decision draws one network from the posterior and plays the quantity maximising that network's
output: so every row here gets one network, and that network is evaluated at every candidate.

**Quantity inputs.** The network does not see ``q`` itself but its encoding, recorded in the action
model (:attr:`~pybandits.model.bnn.action.Bnn.quantity_encoding`) and computed by
:func:`quantity_inputs` alone, for fitting and for prediction alike:

- ``"standardised"`` (what a cold start records): every coordinate as ``sqrt(3) * (2 q - 1)``, which
  has mean 0 and variance 1 when ``q`` is uniform on [0, 1]: the scale of the standardised features
  the default prior is made for (:class:`~pybandits.model.bnn.action.DistParams`). A centred input
  also leaves a mean-field posterior little correlation to miss between the quantity's weights and
  the biases; with inputs in [0, 1] every weight and its unit's bias are strongly correlated.
  In ``benchmarks/bench_quantitative.py`` (a best dose depending on a feature, 10 batches of 200,
  3 seeds, with the ADVI warm-up of quantitative actions) the regret against a random dose is 0.20
  (0.17 to 0.22 per seed) with standardised inputs and 0.68 (0.26 to 1.25) with raw ones;
- ``"raw"``: ``q`` itself (states written before the encoding was recorded).

**Candidates.** ``d = 1``: ``n_candidates`` evenly spaced quantities from 0 to 1 (both ends
included; 32 by default, a step of 1/31). ``d > 1``: ``n_candidates`` points drawn uniformly in
``[0, 1]^d`` per call, shared by the call's rows. With forbidden regions the candidates are spread
over what the regions leave (:mod:`pybandits.model.regions`, disjoint boxes computed exactly):
``d = 1``, ``n_candidates`` quantities evenly spaced along the allowed intervals' length, from the
lowest allowed quantity to the highest; ``d > 1``, ``n_candidates`` points uniform on the allowed
part. Every candidate is allowed, so a prediction is refused only when the regions leave nothing.

**One network per row, evaluated at every candidate.** Drawing each candidate's output on its own
(the local reparameterisation of ordinary actions, :func:`~pybandits.model.bnn.sampler.sample_networks`)
would give every candidate an independent network, and the best candidate would be chosen by noise.
Here one network is drawn per row, and the work is arranged around what its candidates share:

- *the first layer*: a row's candidates differ only in the quantity's inputs, so the first layer's
  pre-activations are ``a + u(q) @ W_q``, with ``a = x @ W_x + b`` the context's part (``x`` the
  context's inputs, embedding vectors included) and ``W_q`` the rows of the quantity's inputs.
  ``a`` is computed once per row, not per candidate, and drawn directly: ``W_x`` and ``b`` enter
  the row's network only through ``a``, and they are independent of ``W_q`` and of every other
  layer, so drawing ``a`` from its exact distribution is drawing ``W_x`` and ``b`` (Normal with
  mean ``x @ mu_Wx + mu_b`` and variance ``x**2 @ sigma_Wx**2 + sigma_b**2`` for mean-field Normal
  elements; the same given a variance factor per Student-t element and row, as in
  :meth:`~pybandits.model.bnn.network.Network.sample_outputs`). ``W_q`` is drawn per row, and
  ``u(q) @ W_q`` is evaluated at every candidate;
- *the other layers*: every weight and bias is drawn per row (Normal or Student-t elements) and
  multiplies every candidate's activations.

So every candidate of a row is evaluated by the same network, and that network is an exact draw
from the posterior. The work has two steps. First the networks of a block of rows are drawn, in a
few calls for all the rows at once: the first layer's inputs (embedding vectors drawn by row, by
:func:`~pybandits.model.bnn.forward.first_layer_inputs`), ``a``, ``W_q`` and the other layers'
weights. Then they are evaluated at the candidates, chunk by chunk of rows whose activations
``(n_candidates, rows, width)`` stay in the cache (:data:`_CHUNK_ELEMENTS`): the first layer is
one matrix product ``[u(q), 1] @ [W_q; a]`` for all the candidates and rows of the chunk, the
activation is computed in place, and the hidden layers, activations, residual connections and
output are :func:`~pybandits.model.bnn.forward.forward`'s, with a ``layer`` hook that multiplies by
the drawn weights.

Examples
--------
>>> import numpy as np
>>> from pybandits.model.bnn.network import Network
>>> net = Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None)  # 2 context features, d = 1
>>> rng = np.random.default_rng(1)
>>> points = candidates(1, 8, rng)
>>> outputs = outputs_at_candidates(net, np.zeros((5, 2)), quantity_inputs(points, "standardised"), rng)
>>> outputs.shape
(5, 8)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal

import numpy as np

from pybandits.model import regions
from pybandits.model.bnn.forward import first_layer_inputs, forward
from pybandits.model.bnn.network import Network
from pybandits.model.bnn.sampler import normal_units, student_factors, student_variances
from pybandits.model.ops import NUMPY_OPS
from pybandits.model.priors import LocationScale

__all__ = ["QuantityEncoding", "candidates", "constrained_candidates", "outputs_at_candidates", "quantity_inputs"]

#: How a quantitative network sees its quantity (see the module notes).
QuantityEncoding = Literal["raw", "standardised"]

_SQRT3 = float(np.sqrt(3.0))

#: numpy's operations with the activations computed in place: every layer of the hook returns a new
#: array that only the activation reads, so it may overwrite it (an allocation and a pass saved).
_IN_PLACE_OPS = replace(
    NUMPY_OPS, tanh=lambda z: np.tanh(z, out=z), maximum=lambda z, floor: np.maximum(z, floor, out=z)
)

#: Rows evaluated at once: about this many hidden activations per chunk (512 rows of 32 candidates
#: and 16 units), which stay in the cache between the first layer, the activation and the next layer.
_CHUNK_ELEMENTS = 1 << 18
#: Rows whose networks are drawn at once: their weights hold about this many numbers (20,000 rows of
#: a network of 16 hidden units).
_BLOCK_WEIGHTS = 1 << 20


def quantity_inputs(quantities: np.ndarray, encoding: str) -> np.ndarray:
    """The network's inputs for quantities ``(n, d)`` in ``[0, 1]``: ``(n, d)`` (see the module notes).

    The one place where a quantity becomes network inputs: fitting appends them to the context
    (:mod:`pybandits.kinds.per_action`), prediction evaluates the network
    at the candidates' (:func:`outputs_at_candidates`).

    Examples
    --------
    >>> quantity_inputs(np.array([[0.0], [0.5], [1.0]]), "standardised").round(3).tolist()
    [[-1.732], [0.0], [1.732]]
    >>> quantity_inputs(np.array([[0.25]]), "raw").tolist()
    [[0.25]]
    """
    quantities = np.asarray(quantities, dtype=np.float64)
    if encoding == "standardised":
        return _SQRT3 * (2.0 * quantities - 1.0)
    if encoding == "raw":
        return quantities.copy()
    raise ValueError(f"quantity_encoding: expected 'standardised' or 'raw', got {encoding!r}")


def candidates(
    dimension: int,
    n_candidates: int,
    rng: np.random.Generator,
    allowed: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The candidate quantities of one call, ``(n_candidates, dimension)`` (see the module notes).

    ``allowed``: the disjoint boxes forbidden regions leave of ``[0, 1]^d``
    (:func:`~pybandits.model.regions.allowed_boxes`); the candidates are then spread over them
    (evenly along their length when ``d = 1``, uniform in them otherwise), all allowed.
    """
    if allowed is not None:
        if dimension == 1:
            return regions.spread_in(*allowed, n_candidates)
        return regions.uniform_in(*allowed, rng.random(n_candidates), rng.random((n_candidates, dimension)))
    if dimension == 1:
        return np.linspace(0.0, 1.0, n_candidates)[:, None]
    return rng.random((n_candidates, dimension))


#: Rounds of ``n_candidates`` uniform points a constraint may reject before a prediction is refused.
_CONSTRAINT_ROUNDS = 64


def constrained_candidates(
    dimension: int, n_candidates: int, rng: np.random.Generator, allowed: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """The candidates a constraint allows (``allowed(points) -> (n,) bool``), ``(k, dimension)``, ``k <= n_candidates``.

    For ``d = 1`` the allowed points of the even grid (of one 128 times finer, evenly thinned, where
    fewer than a quarter are allowed); otherwise uniform points drawn in rounds of
    ``n_candidates`` until ``n_candidates`` are allowed (or :data:`_CONSTRAINT_ROUNDS` rounds, when
    the allowed ones are kept: a small allowed region gets fewer candidates, never a forbidden one).
    """
    if dimension == 1:  # the allowed points of the even grid; where they are few, of a grid 128 times finer
        grid = np.linspace(0.0, 1.0, n_candidates)[:, None]
        kept = grid[allowed(grid)]
        if len(kept) < max(1, n_candidates // 4):
            fine = np.linspace(0.0, 1.0, 128 * n_candidates)[:, None]
            fine = fine[allowed(fine)]
            kept = fine[np.unique(np.linspace(0, len(fine) - 1, min(n_candidates, len(fine))).round().astype(int))]
    else:
        found, count = [], 0
        for _ in range(_CONSTRAINT_ROUNDS):
            points = rng.random((n_candidates, dimension))
            points = points[allowed(points)]
            found.append(points)
            count += len(points)
            if count >= n_candidates:
                break
        kept = np.concatenate(found)[:n_candidates]
    if not len(kept):
        raise ValueError(
            f"forbidden_actions: the function forbids every candidate quantity tried ({n_candidates} "
            f"{'grid points' if dimension == 1 else f'x {_CONSTRAINT_ROUNDS} uniform draws'}); forbid the whole "
            "action, or allow a larger part of the box"
        )
    return kept


# -- drawing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tensor:
    """A tensor's element distributions as arrays; ``nu`` None when every element is Normal."""

    mu: np.ndarray
    sigma: np.ndarray
    nu: np.ndarray | None

    @classmethod
    def of(cls, dist: LocationScale, rows: np.ndarray | slice = slice(None)) -> _Tensor:
        """``dist`` (or its ``rows``) as arrays."""
        nu = None if dist.nu is None else dist.nu[rows]
        heavy = nu is not None and bool(np.isfinite(nu).any())
        return cls(dist.mu[rows], dist.sigma[rows], nu if heavy else None)

    def draw(self, n_rows: int, rng: np.random.Generator) -> np.ndarray:
        """One draw of the tensor per row, ``(n_rows, *shape)``."""
        noise = rng.standard_normal((n_rows, *self.mu.shape))
        if self.nu is not None:  # a Student-t element: its Normal noise times sqrt(nu / chi2(nu))
            noise *= np.sqrt(student_factors(rng, np.broadcast_to(self.nu, noise.shape)))
        noise *= self.sigma
        noise += self.mu
        return noise

    def variances(self, n_rows: int, rng: np.random.Generator) -> np.ndarray:
        """Every element's variance per row: ``sigma**2``, times a drawn factor for a Student-t element."""
        if self.nu is None:
            return np.broadcast_to(self.sigma**2, (n_rows, *self.sigma.shape))
        return student_variances(rng, self.sigma**2, self.nu, n_rows)


def _context_part(rng: np.random.Generator, x: np.ndarray, weight: _Tensor, bias: _Tensor) -> np.ndarray:
    """``x @ W_x + b`` for ``W_x`` and ``b`` drawn per row, drawn directly from its distribution: ``(n_rows, width)``.

    Given the Student-t elements' variance factors, every unit is Normal with mean
    ``x @ mu_W + mu_b`` and variance ``x**2 @ var_W + var_b``, and units share no weight.
    """
    n_rows = len(x)
    mean = x @ weight.mu
    mean += bias.mu
    squared = x * x
    if weight.nu is None:
        variance = squared @ (weight.sigma**2)
    else:
        variance = np.einsum("ri,rio->ro", squared, weight.variances(n_rows, rng))
    variance += bias.variances(n_rows, rng)
    return normal_units(rng, mean, variance)


@dataclass(frozen=True)
class _Plan:
    """A network's tensors arranged for drawing at candidates (see the module notes).

    ``context_rows`` and ``quantity_rows`` are the first layer's input rows of the context (its
    numeric columns and embedding vectors) and of the quantity; ``augmented`` the candidates'
    quantity inputs with a column of ones, ``(n_candidates, d + 1)``.
    """

    context_rows: np.ndarray
    quantity_rows: np.ndarray
    context_weight: _Tensor
    first_bias: _Tensor
    quantity_weight: _Tensor
    weights: list[_Tensor]
    biases: list[_Tensor]
    augmented: np.ndarray

    @classmethod
    def of(cls, network: Network, n_features: int, inputs: np.ndarray) -> _Plan:
        first = network.layers[0]
        # the first layer's inputs are the numeric columns (the quantity's last), then the embeddings
        quantity_rows = np.array([network.numeric_columns.index(n_features + k) for k in range(inputs.shape[1])])
        context_rows = np.setdiff1d(np.arange(first.shape[0]), quantity_rows)
        return cls(
            context_rows=context_rows,
            quantity_rows=quantity_rows,
            context_weight=_Tensor.of(first.weight, context_rows),
            first_bias=_Tensor.of(first.bias),
            quantity_weight=_Tensor.of(first.weight, quantity_rows),
            weights=[_Tensor.of(layer.weight) for layer in network.layers[1:]],
            biases=[_Tensor.of(layer.bias) for layer in network.layers[1:]],
            augmented=np.column_stack([inputs, np.ones(len(inputs))]),
        )


@dataclass(frozen=True)
class _FirstLayer:
    """A chunk's first layer: ``stacked`` holds ``W_q`` and ``a`` of its rows, ``(d + 1, rows, width)``."""

    stacked: np.ndarray
    augmented: np.ndarray


def _candidate_layer(hidden: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    """The ``layer`` hook of :func:`forward`: a layer of drawn networks (one per row) at every candidate.

    The first layer (a :class:`_FirstLayer`; ``hidden`` is not read) returns the pre-activations
    ``(n_candidates, rows, width)``; a later layer multiplies the activations ``(n_candidates,
    rows, n_in)`` by every row's drawn ``weight`` ``(rows, n_in, n_out)`` and adds its ``bias``.
    """
    if isinstance(weight, _FirstLayer):  # [u(q), 1] @ [W_q; a]: every candidate and row at once
        n_inputs, n_rows, width = weight.stacked.shape
        return (weight.augmented @ weight.stacked.reshape(n_inputs, -1)).reshape(-1, n_rows, width)
    if weight.shape[2] == 1:  # the output layer: one dot product per candidate and row
        z = np.einsum("crh,rh->cr", hidden, weight[:, :, 0])[..., None]
    else:
        z = np.einsum("crh,rho->cro", hidden, weight)
    z += bias
    return z


def _lookup_rows(rng: np.random.Generator, table: LocationScale, codes: np.ndarray) -> np.ndarray:
    """The ``lookup`` hook: every row's vector, drawn from the looked-up row of the table only, ``(rows, dim)``."""
    picked = np.asarray(codes, dtype=np.intp)
    noise = rng.standard_normal((len(picked), table.shape[1]))
    if table.nu is not None:
        noise *= np.sqrt(student_factors(rng, table.nu[picked]))
    return table.mu[picked] + table.sigma[picked] * noise


def outputs_at_candidates(
    network: Network, context: np.ndarray, inputs: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One network drawn per row of ``context``, evaluated at every candidate: outputs ``(n_rows, n_candidates)``.

    ``context`` is ``(n_rows, n_features)`` (the bandit's columns, categorical ones as codes);
    ``inputs`` the candidates' quantity inputs ``(n_candidates, d)`` (:func:`quantity_inputs`).
    The network's inputs are the context followed by the quantity inputs; see the module notes for
    how the draw is made. The generator's draws depend only on its state, the network and the
    context's length (blocks of rows are drawn in order).
    """
    n_rows, n_features = context.shape
    n_candidates, dimension = inputs.shape
    plan = _Plan.of(network, n_features, inputs)
    # a first layer that adds its input to its output needs every candidate's inputs
    tiled = any(network.residual[:1])
    widest = max(layer.shape[1] for layer in network.layers) + (network.layers[0].shape[0] if tiled else 0)
    chunk = max(1, _CHUNK_ELEMENTS // (n_candidates * widest))
    per_row = sum(layer.shape[0] * layer.shape[1] + layer.shape[1] for layer in network.layers)
    block = chunk * max(1, _BLOCK_WEIGHTS // (per_row * chunk))
    columns = np.zeros((min(block, n_rows), n_features + dimension))  # the quantity's columns stay 0
    outputs = np.empty((n_candidates, n_rows))  # returned transposed: written chunk by chunk without a copy
    for start in range(0, n_rows, block):
        rows = context[start : start + block]
        n_block = len(rows)
        # 1. the block's networks, one per row
        columns[:n_block, :n_features] = rows
        x = first_layer_inputs(
            NUMPY_OPS, columns[:n_block], network.numeric_columns, network.lookups, partial(_lookup_rows, rng)
        )
        stacked = np.empty((dimension + 1, n_block, network.layers[0].shape[1]))
        stacked[dimension] = _context_part(rng, x[:, plan.context_rows], plan.context_weight, plan.first_bias)
        stacked[:dimension] = plan.quantity_weight.draw(n_block, rng).transpose(1, 0, 2)
        weights = [tensor.draw(n_block, rng) for tensor in plan.weights]
        biases = [tensor.draw(n_block, rng) for tensor in plan.biases]
        # 2. evaluated at every candidate, chunk by chunk
        for low in range(0, n_block, chunk):
            high = min(low + chunk, n_block)
            if tiled:  # the first layer's own inputs, at every candidate
                hidden = np.broadcast_to(x[low:high], (n_candidates, high - low, x.shape[1])).copy()
                hidden[..., plan.quantity_rows] = inputs[:, None, :]
            else:  # not read
                hidden = x[None, low:high]
            outputs[:, start + low : start + high] = forward(
                _IN_PLACE_OPS,
                hidden,
                [_FirstLayer(stacked[:, low:high], plan.augmented), *(w[low:high] for w in weights)],
                [None, *(b[low:high] for b in biases)],
                network.activation,
                network.residual,
                layer=_candidate_layer,
            )
    return outputs.T
