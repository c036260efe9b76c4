"""Thompson draws of a quantitative action's network at candidate quantities.

A quantitative action of a contextual bandit is a network whose inputs are the context followed by
the quantity ``q`` in ``[0, 1]^d``. Thompson sampling for one decision draws one network from the
posterior and plays the quantity maximising that network's output: so every row here gets one
network, drawn weight by weight (not by local reparameterisation, which would give every
candidate its own independent network), and that network is evaluated at every candidate.

**Candidates.** ``d = 1``: ``n_candidates`` evenly spaced quantities from 0 to 1 (both ends
included; 32 by default, a step of 1/31). ``d > 1``: ``n_candidates`` points drawn uniformly in
``[0, 1]^d`` per call, shared by the call's rows. Candidates inside a forbidden region are given
the value ``-inf``.

Examples
--------
>>> import numpy as np
>>> from pybandits.model.bnn.network import Network
>>> net = Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None)  # 2 context features, d = 1
>>> rng = np.random.default_rng(1)
>>> outputs = outputs_at_candidates(net, np.zeros((5, 2)), candidates(1, 8, rng), rng)
>>> outputs.shape
(5, 8)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pybandits.model.bnn.network import NUMPY_OPS, Network, forward
from pybandits.model.priors import LocationScale

__all__ = ["candidates", "forbidden_mask", "outputs_at_candidates"]


def candidates(dimension: int, n_candidates: int, rng: np.random.Generator) -> np.ndarray:
    """The candidate quantities of one call, ``(n_candidates, dimension)`` (see the module notes)."""
    if dimension == 1:
        return np.linspace(0.0, 1.0, n_candidates)[:, None]
    return rng.random((n_candidates, dimension))


def forbidden_mask(points: np.ndarray, regions: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Which candidates (``(n, d)``) lie in a forbidden box ``(low, high)`` (closed boxes)."""
    blocked = np.zeros(len(points), dtype=bool)
    for low, high in regions:
        blocked |= np.all((points >= low) & (points <= high), axis=1)
    return blocked


def _row_draws(dist: LocationScale, n_rows: int, rng: np.random.Generator) -> np.ndarray:
    """One draw of a tensor per row, ``(n_rows, *shape)``."""
    return dist.sample(n_rows, rng)


def _row_vectors(table: LocationScale, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Every row's embedding vector, drawn from the looked-up row of the table only, ``(n_rows, dim)``."""
    picked = np.asarray(codes, dtype=np.intp)
    noise = rng.standard_normal((len(picked), table.shape[1]))
    if table.nu is not None:
        nu = table.nu[picked]
        heavy = np.isfinite(nu)
        if heavy.any():
            noise[heavy] *= np.sqrt(nu[heavy] / (2.0 * rng.standard_gamma(nu[heavy] / 2.0)))
    return table.mu[picked] + table.sigma[picked] * noise


def outputs_at_candidates(
    network: Network, context: np.ndarray, quantities: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One network drawn per row of ``context``, evaluated at every candidate: outputs ``(n_rows, n_candidates)``.

    ``context`` is ``(n_rows, n_features)`` (the bandit's columns, categorical ones as codes);
    ``quantities`` ``(n_candidates, d)``. The network's inputs are the context followed by the quantity.
    """
    n_rows, n_candidates = len(context), len(quantities)
    tiled = np.empty((n_rows, n_candidates, context.shape[1] + quantities.shape[1]))
    tiled[:, :, : context.shape[1]] = context[:, None, :]
    tiled[:, :, context.shape[1] :] = quantities[None, :, :]
    weights = [_row_draws(layer.weight, n_rows, rng)[:, None] for layer in network.layers]
    biases = [_row_draws(layer.bias, n_rows, rng)[:, None] for layer in network.layers]
    vectors = [(column, _row_vectors(table, context[:, column], rng)[:, None, :]) for column, table in network.lookups]
    return forward(
        NUMPY_OPS,
        tiled,
        weights,
        biases,
        network.activation,
        network.residual,
        numeric_columns=network.numeric_columns,
        embeddings=vectors,
        lookup=lambda drawn, codes: drawn,
    )
