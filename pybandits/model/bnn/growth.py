"""Growing a network to a larger architecture while keeping what it learned.

Transfer (:mod:`pybandits.transfer`) grows every shared action's network to the template's shape:
more input features (new rows of the first weight matrix), wider hidden layers (new columns, and
new rows of the next layer's matrix), or both. Every learned entry keeps its distribution; every
new entry takes the template's cold-start prior. Because the cold-start prior is centred at 0,
the grown network's logits at the distributions' means equal the old ones when the new features
are 0; with only new features the whole predictive distribution is unchanged, since a new input
row only ever multiplies a 0.
"""

from __future__ import annotations

import numpy as np

from pybandits.model.bnn.network import Layer, Network
from pybandits.model.priors import LocationScale

__all__ = ["grow_network"]


def _embed(learned: LocationScale, prior: LocationScale) -> LocationScale:
    """``prior``'s arrays with ``learned`` written into their leading corner."""
    corner = tuple(slice(0, size) for size in learned.shape)
    mu = np.array(prior.mu)
    sigma = np.array(prior.sigma)
    mu[corner] = learned.mu
    sigma[corner] = learned.sigma
    if learned.nu is None and prior.nu is None:
        nu = None
    else:
        nu = np.full(prior.shape, np.inf) if prior.nu is None else np.array(prior.nu)
        nu[corner] = np.inf if learned.nu is None else learned.nu
    return LocationScale(mu=mu, sigma=sigma, nu=nu)


def grow_network(current: Network, template: Network) -> Network:
    """``current`` grown to ``template``'s layer shapes, with ``template``'s structure settings.

    The caller has checked that the template is at least as large everywhere, has the same
    number of layers, and the same activation and residual setting.
    """
    layers = []
    for learned, prior in zip(current.layers, template.layers, strict=True):
        if learned.shape == prior.shape:
            layers.append(learned)
        else:
            layers.append(Layer(weight=_embed(learned.weight, prior.weight), bias=_embed(learned.bias, prior.bias)))
    return Network(
        layers=layers, activation=current.activation, use_residual_connections=current.use_residual_connections
    )
