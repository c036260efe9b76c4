"""Thompson sampling of networks: one network drawn per context row, many networks at once.

:func:`sample_networks` runs the one forward pass (:func:`~pybandits.model.bnn.forward.forward`)
with a ``layer`` hook that draws each layer's pre-activations from the layer's distributions
instead of multiplying by fixed weights: exactly, with one Normal draw per unit for mean-field
Normal layers (the local reparameterisation), and one more gamma draw per Student-t weight for
layers with Student-t elements (see
:meth:`~pybandits.model.bnn.network.Network.sample_outputs` for why both are exact).

The two kernels of these draws are public, so that every sampler of the library draws with the
same code (the candidates' sampler of quantitative actions, :mod:`pybandits.model.bnn.candidates`):
:func:`student_variances` (a Student-t element's variance, per row) and :func:`normal_units`
(units drawn from their means and variances).

Examples
--------
>>> import numpy as np
>>> from pybandits.model.bnn.network import Network
>>> nets = [Network.cold_start(3, [4], "tanh", False, mu=m, sigma=0.1, nu=5.0) for m in (0.0, 1.0)]
>>> sample_networks(nets, np.zeros((5, 3)), np.random.default_rng(0)).shape
(5, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from pybandits.model.bnn.forward import forward
from pybandits.model.ops import NUMPY_OPS
from pybandits.model.priors import LocationScale

__all__ = ["normal_units", "sample_networks", "student_factors", "student_variances"]


#: Rows are drawn in chunks whose largest array has at most about this many elements: the units
#: of every network in a stack for a Normal layer (the temporaries stay in the cache), the weights
#: for a per-weight layer (the memory stays bounded whatever the number of rows).
_CHUNK_UNITS = 1 << 17
_CHUNK_WEIGHTS = 1 << 18


def _is_normal(dist: LocationScale) -> bool:
    """Whether every element is Normal (no ``nu``, or every ``nu`` infinite)."""
    return dist.nu is None or bool(np.all(np.isinf(dist.nu)))


@dataclass(frozen=True)
class _NormalStack:
    """Weights (or biases) of a stack of networks' layer, ready for local reparameterisation.

    ``mean`` and ``variance`` (``sigma**2``) have shape ``(n_networks, n_in, n_out)`` (weights) or
    ``(n_networks, n_out)`` (biases); ``shared_mean`` and ``shared_variance``, for weights only,
    are the same as ``(n_in, n_networks * n_out)`` matrices, for an input shared by every network.
    ``nu`` (same shape, infinite for Normal elements) is None when every element is Normal.
    """

    mean: np.ndarray
    variance: np.ndarray
    shared_mean: np.ndarray | None = None
    shared_variance: np.ndarray | None = None
    nu: np.ndarray | None = None

    @classmethod
    def of(cls, dists: Sequence[LocationScale]) -> _NormalStack:
        mean = np.stack([dist.mu for dist in dists])
        variance = np.stack([dist.sigma for dist in dists]) ** 2
        nu = None
        if not all(_is_normal(dist) for dist in dists):
            nu = np.stack([np.full(dist.shape, np.inf) if dist.nu is None else dist.nu for dist in dists])
        if mean.ndim == 2:
            return cls(mean, variance, nu=nu)
        n_in = mean.shape[1]
        return cls(
            mean,
            variance,
            mean.transpose(1, 0, 2).reshape(n_in, -1),
            variance.transpose(1, 0, 2).reshape(n_in, -1),
            nu,
        )


def _stack_per_weight(dists: Sequence[LocationScale]) -> LocationScale:
    """The distributions of a stack of networks' tensors as one, shape ``(n_networks, *shape)``."""
    mu = np.stack([dist.mu for dist in dists])
    sigma = np.stack([dist.sigma for dist in dists])
    if all(dist.nu is None for dist in dists):
        return LocationScale(mu=mu, sigma=sigma)
    nu = np.stack([np.full(dist.shape, np.inf) if dist.nu is None else dist.nu for dist in dists])
    return LocationScale(mu=mu, sigma=sigma, nu=nu)


def _stacked_matmul(hidden: np.ndarray, matrices: np.ndarray, shared: np.ndarray) -> np.ndarray:
    """``(n_rows, 1 or n_networks, n_in)`` inputs times every network's matrix: ``(n_rows, n_networks, n_out)``."""
    if hidden.shape[1] == 1:  # one input for every network (the context): one matrix product
        return (hidden[:, 0, :] @ shared).reshape(hidden.shape[0], matrices.shape[0], matrices.shape[2])
    return np.matmul(hidden.transpose(1, 0, 2), matrices).transpose(1, 0, 2)


def _sampled_layer(
    rng: np.random.Generator,
    hidden: np.ndarray,
    weight: _NormalStack | LocationScale,
    bias: _NormalStack | LocationScale,
) -> np.ndarray:
    """The ``layer`` hook of :func:`forward` that draws a stack's pre-activations, one network per row.

    ``hidden`` is ``(n_rows, 1 or n_networks, n_in)``; the result ``(n_rows, n_networks, n_out)``.
    A :class:`_NormalStack` draws every unit from its exact Normal distribution given the input
    (local reparameterisation), given every Student-t element's variance factor drawn per row
    first; the reference (``LocationScale`` stacks) draws every weight, then multiplies.
    """
    if isinstance(weight, _NormalStack):  # z ~ Normal(h @ mu_W + mu_b, h**2 @ sigma_W**2 + sigma_b**2)
        n_rows = hidden.shape[0]
        mean = _stacked_matmul(hidden, weight.mean, weight.shared_mean)
        mean += bias.mean
        if weight.nu is None:
            z = _stacked_matmul(hidden * hidden, weight.variance, weight.shared_variance)
        else:  # one variance per row and weight: sigma_W**2 times the Student-t factors
            z = NUMPY_OPS.matmul(hidden * hidden, student_variances(rng, weight.variance, weight.nu, n_rows))
        if bias.nu is None:
            z += bias.variance
        else:
            z += student_variances(rng, bias.variance, bias.nu, n_rows)
        return normal_units(rng, mean, z)
    n_rows = hidden.shape[0]
    return NUMPY_OPS.matmul(hidden, weight.sample(n_rows, rng)) + bias.sample(n_rows, rng)


def student_factors(rng: np.random.Generator, nu: np.ndarray) -> np.ndarray:
    """Per element of ``nu``, a Student-t's random variance factor: ``nu / chi2(nu)``, 1 where ``nu`` is infinite.

    A Student-t is a Normal whose variance is scaled by this factor (a Gaussian scale mixture):
    ``mu + sigma * sqrt(factor) * N(0, 1)`` is ``mu + sigma * t(nu)``, as numpy's ``standard_t``
    draws it. One gamma draw per Student-t element, one call when they share their ``nu``.

    Examples
    --------
    >>> student_factors(np.random.default_rng(0), np.array([np.inf, 5.0])).shape
    (2,)
    >>> float(student_factors(np.random.default_rng(0), np.array([np.inf]))[0])  # a Normal element
    1.0
    """
    factors = np.ones(nu.shape)
    heavy = np.isfinite(nu)
    nu_heavy = nu[heavy]
    if nu_heavy.size:
        first = nu_heavy[0]
        shape = first / 2 if (nu_heavy == first).all() else nu_heavy / 2
        factors[heavy] = nu_heavy / (2.0 * rng.standard_gamma(shape, size=nu_heavy.size))
    return factors


def student_variances(rng: np.random.Generator, variance: np.ndarray, nu: np.ndarray, n_rows: int) -> np.ndarray:
    """Every element's variance for each of ``n_rows`` rows: ``variance`` times a drawn Student-t factor.

    ``variance`` (``sigma**2``) and ``nu`` have the tensor's shape; the result ``(n_rows, *shape)``.
    Given the factors (:func:`student_factors`, drawn row by row in one call), a tensor of
    Student-t elements is mean-field Normal with these variances: the Student-t kernel of every
    sampler of the library.

    Examples
    --------
    >>> student_variances(np.random.default_rng(0), np.ones((2, 3)), np.full((2, 3), 5.0), 4).shape
    (4, 2, 3)
    """
    return variance * student_factors(rng, np.broadcast_to(nu, (n_rows, *nu.shape)))


def normal_units(rng: np.random.Generator, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """Units drawn from their Normal distributions, in place of ``variance``: the local reparameterisation.

    Every unit of a layer whose weights are (given their Student-t factors) mean-field Normal is
    Normal given the layer's input, with ``mean`` ``h @ mu_W + mu_b`` and ``variance``
    ``h**2 @ var_W + var_b``, independent of the other units. ``variance`` is overwritten (the
    arrays are large) with one standard Normal draw per element, scaled and shifted.

    Examples
    --------
    >>> units = normal_units(np.random.default_rng(0), np.zeros((3, 2)), np.ones((3, 2)))
    >>> units.shape
    (3, 2)
    """
    np.sqrt(variance, out=variance)  # the standard deviation,
    variance *= rng.standard_normal(variance.shape)  # times one standard Normal per row, network and unit,
    variance += mean  # plus the mean
    return variance


def _sampled_lookup(rng: np.random.Generator, tables: Sequence[LocationScale], codes: np.ndarray) -> np.ndarray:
    """The ``lookup`` hook of :func:`forward` for a stack: every row's vectors drawn from its networks' tables.

    ``tables`` holds the table of every network of the stack, ``codes`` is ``(n_rows, 1)``; the
    result ``(n_rows, n_networks, dim)``. Each row has its own networks, and a row's output depends
    on a table only through the looked-up row, whose entries are independent of every other entry,
    so drawing just that row is exactly drawing the whole table per row. Only those rows are read
    (a table is never copied whole), and a Student-t entry is its Normal noise times the square
    root of :func:`student_factors`.
    """
    picked = codes[:, 0]
    vectors = np.empty((len(picked), len(tables), tables[0].shape[1]))
    for index, table in enumerate(tables):
        scale = np.take(table.sigma, picked, axis=0)
        if table.nu is not None:
            scale *= np.sqrt(student_factors(rng, np.take(table.nu, picked, axis=0)))
        scale *= rng.standard_normal(scale.shape)
        np.add(np.take(table.mu, picked, axis=0), scale, out=vectors[:, index])
    return vectors


def _stack_key(network: Any, per_weight: bool) -> tuple:
    """What networks must share to be drawn as one stack: shapes, activation, residual rule, samplers, embeddings.

    A layer's sampler is ``"normal"`` (local reparameterisation), ``"student"`` (the same, given a
    variance factor per Student-t element and row) or ``"weights"`` (every weight, the reference).
    """
    normal = tuple(
        "weights" if per_weight else "normal" if _is_normal(layer.weight) and _is_normal(layer.bias) else "student"
        for layer in network.layers
    )
    inputs = (tuple(network.numeric_columns), tuple((e.column, e.table.shape) for e in network.embeddings))
    return (tuple(layer.shape for layer in network.layers), network.activation, network.residual, inputs, normal)


def _rows_per_chunk(shapes: Sequence[tuple[int, int]], samplers: Sequence[str], n_networks: int) -> int:
    """Rows drawn at once for a stack: its largest array stays within :data:`_CHUNK_UNITS` or :data:`_CHUNK_WEIGHTS`."""
    per_layer = [
        _CHUNK_UNITS // max(shape) if sampler == "normal" else _CHUNK_WEIGHTS // (shape[0] * shape[1])
        for shape, sampler in zip(shapes, samplers, strict=True)
    ]
    return max(1, min(per_layer) // n_networks)


def sample_networks(
    networks: Sequence[Any], context: np.ndarray, rng: np.random.Generator, *, per_weight: bool = False
) -> np.ndarray:
    """Outputs of one network drawn per row of ``context`` from each of ``networks``: ``(n_rows, n_networks)``.

    ``networks`` are :class:`~pybandits.model.bnn.network.Network` descriptions. The sampler of
    :meth:`~pybandits.model.bnn.network.Network.sample_outputs` (see there why it is exact), vectorised across
    networks: networks with the same layer shapes, activation, residual rule and per-layer
    sampler (Normal, Student-t or per-weight) are stacked, and each stack runs :func:`forward` once per chunk
    of rows, its layers' distributions stacked along a network axis (embedding tables are only
    read, a row per context row). Stacks are drawn in the order of their first network, chunks in
    row order, so a generator in a given state always gives the same outputs for the same networks
    and context. ``per_weight=True`` draws every weight of
    every layer (the reference sampler).

    Examples
    --------
    >>> from pybandits.model.bnn.network import Network
    >>> nets = [Network.cold_start(3, [4], "tanh", False, mu=m, sigma=0.1, nu=None) for m in (0.0, 1.0)]
    >>> sample_networks(nets, np.zeros((5, 3)), np.random.default_rng(0)).shape
    (5, 2)
    """
    n_rows = context.shape[0]
    outputs = np.empty((n_rows, len(networks)))
    stacks: dict[tuple, list[int]] = {}
    for index, network in enumerate(networks):
        stacks.setdefault(_stack_key(network, per_weight), []).append(index)
    hook, lookup = partial(_sampled_layer, rng), partial(_sampled_lookup, rng)
    for (shapes, activation, residual, (numeric_columns, tables), samplers), members in stacks.items():
        weights, biases = [], []
        for index, sampler in enumerate(samplers):
            layers = [networks[member].layers[index] for member in members]
            stack = _stack_per_weight if sampler == "weights" else _NormalStack.of
            weights.append(stack([layer.weight for layer in layers]))
            biases.append(stack([layer.bias for layer in layers]))
        embeddings = [
            (column, [networks[member].embeddings[index].table for member in members])
            for index, (column, _) in enumerate(tables)
        ]
        chunk = _rows_per_chunk(shapes, samplers, len(members))
        columns = members if len(members) < len(networks) else slice(None)
        for start in range(0, n_rows, chunk):
            rows = slice(start, start + chunk)
            outputs[rows, columns] = forward(
                NUMPY_OPS,
                context[rows, None, :],
                weights,
                biases,
                activation,
                residual,
                layer=hook,
                numeric_columns=numeric_columns,
                embeddings=embeddings,
                lookup=lookup,
            )
    return outputs
