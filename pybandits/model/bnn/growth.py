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

from typing import Any

import numpy as np

from pybandits.model.bnn.network import Layer, Network
from pybandits.model.priors import LocationScale

__all__ = ["carried_family", "check_growth", "grow_network"]


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


def carried_family(action_id: str, learned: Any, template: Any) -> Any:
    """The template's family with the standardisation the learned weights are expressed in (transfer)."""
    loc, scale = getattr(learned, "reward_loc", None), getattr(learned, "reward_scale", None)
    if scale is None:
        return template
    if template.reward_scale is not None and (template.reward_loc, template.reward_scale) != (loc, scale):
        raise ValueError(
            f"new_mab: expected no standardisation, or current_mab's (reward_loc={loc}, reward_scale={scale}), "
            f"for action {action_id!r}: the learned weights are in those units; got "
            f"reward_loc={template.reward_loc}, reward_scale={template.reward_scale}"
        )
    return template.model_copy(update={"reward_loc": loc, "reward_scale": scale})


def check_growth(action_id: str, current: Network, template: Network) -> None:
    """Refuse, naming the setting, a template whose network cannot hold ``current`` (``ValueError``)."""

    def refuse(setting: str, before: Any, after: Any, rule: str) -> None:
        raise ValueError(
            f"new_mab: expected {setting} to extend the learned network ({setting} {rule}) for action {action_id!r}, "
            f"got {before!r} in current_mab and {after!r} in new_mab"
        )

    if current.activation != template.activation:
        refuse("activation", current.activation, template.activation, "must match")
    if current.use_residual_connections != template.use_residual_connections:
        refuse(
            "use_residual_connections",
            current.use_residual_connections,
            template.use_residual_connections,
            "must match",
        )
    if template.n_features < current.n_features:
        refuse("n_features", current.n_features, template.n_features, "cannot shrink")
    before, after = current.hidden_dim_list, template.hidden_dim_list
    if len(before) != len(after):
        refuse("hidden_dim_list", before, after, "must keep the number of hidden layers")
    if any(b > a for b, a in zip(before, after, strict=True)):
        refuse("hidden_dim_list", before, after, "cannot narrow a layer")
