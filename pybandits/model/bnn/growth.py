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

from pybandits.model.bnn.network import Embedding, Layer, Network
from pybandits.model.priors import LocationScale

__all__ = ["carried_family", "check_growth", "grow_network", "with_prior_rows"]


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


def _input_rows(network: Network) -> dict[tuple, int]:
    """Every first-layer input row by what it carries: ``("numeric", column)`` or ``("embedding", column, j)``."""
    rows: dict[tuple, int] = {}
    for column in network.numeric_columns:
        rows[("numeric", column)] = len(rows)
    for embedding in network.embeddings:
        for j in range(embedding.dim):
            rows[("embedding", embedding.column, j)] = len(rows)
    return rows


def _grow_first_weight(learned: LocationScale, prior: LocationScale, moves: list[tuple[int, int]]) -> LocationScale:
    """``prior``'s first weight matrix with ``learned``'s rows written where their inputs now sit."""
    mu, sigma = np.array(prior.mu), np.array(prior.sigma)
    nu = None
    if learned.nu is not None or prior.nu is not None:
        nu = np.full(prior.shape, np.inf) if prior.nu is None else np.array(prior.nu)
    width = learned.shape[1]
    for old, new in moves:
        mu[new, :width] = learned.mu[old]
        sigma[new, :width] = learned.sigma[old]
        if nu is not None:
            nu[new, :width] = np.inf if learned.nu is None else learned.nu[old]
    return LocationScale(mu=mu, sigma=sigma, nu=nu)


def grow_network(current: Network, template: Network, moved: dict[int, int] | None = None) -> Network:
    """``current`` grown to ``template``'s layer shapes, with ``template``'s structure settings.

    The caller has checked (:func:`check_growth`) that the template is at least as large
    everywhere, has the same number of layers, activation and residual setting, and keeps every
    categorical column categorical with the same embedding dimension. New numeric columns and
    new embeddings take their place in the first layer's inputs (numeric columns first, then
    embeddings in column order); learned rows move with their inputs. Embedding tables keep their
    learned rows; new categories take the template's prior. ``moved`` maps a numeric input column of
    ``current`` to its column in ``template`` where they differ (a quantitative network's quantity
    follows the context, so it moves when the context widens).
    """
    targets = _input_rows(template)
    moved = moved or {}

    def target(key: tuple) -> int:
        if key[0] == "numeric" and key[1] in moved:
            return targets[("numeric", moved[key[1]])]
        return targets[key]

    moves = [(row, target(key)) for key, row in _input_rows(current).items()]
    layers = []
    for index, (learned, prior) in enumerate(zip(current.layers, template.layers, strict=True)):
        if learned.shape == prior.shape and (index > 0 or all(old == new for old, new in moves)):
            layers.append(learned)
        elif index == 0:
            weight = _grow_first_weight(learned.weight, prior.weight, moves)
            layers.append(Layer(weight=weight, bias=_embed(learned.bias, prior.bias)))
        else:
            layers.append(Layer(weight=_embed(learned.weight, prior.weight), bias=_embed(learned.bias, prior.bias)))
    learned_tables = {embedding.column: embedding.table for embedding in current.embeddings}
    embeddings = [
        Embedding(
            column=e.column, table=_embed(learned_tables[e.column], e.table) if e.column in learned_tables else e.table
        )
        for e in template.embeddings
    ]
    return Network(
        layers=layers,
        activation=current.activation,
        use_residual_connections=current.use_residual_connections,
        embeddings=embeddings,
    )


def with_prior_rows(network: Network, columns: Any, mu: float, sigma: float, nu: float | None) -> Network:
    """``network`` with one more row, at the prior ``(mu, sigma, nu)``, after its tables of ``columns``."""
    embeddings = [
        Embedding(
            column=e.column,
            table=_embed(e.table, LocationScale.full((e.cardinality + 1, e.dim), mu, sigma, nu)),
        )
        if e.column in columns
        else e
        for e in network.embeddings
    ]
    return network._replaced(embeddings=embeddings)  # a prediction path: tables one prior row longer, not revalidated


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
    if template.reward_scale is not None:
        return template  # the same standardisation, given: it stays fixed from now on
    fitted_on = getattr(learned, "fitted_on", None)  # a fitted one keeps following the rewards as it did
    return template.model_copy(update={"reward_loc": loc, "reward_scale": scale, "fitted_on": fitted_on})


def check_growth(action_id: str, current: Network, template: Network, *, trunk: bool = False) -> None:
    """Refuse, naming the setting, a template whose network cannot hold ``current`` (``ValueError``).

    ``trunk``: the networks are a bandit's shared trunk (messages name it and ``backbone_hidden_dim_list``).
    """
    owner = "the shared trunk" if trunk else f"action {action_id!r}"

    def refuse(setting: str, before: Any, after: Any, rule: str) -> None:
        raise ValueError(
            f"new_mab: expected {setting} to extend the learned network ({setting} {rule}) for {owner}, "
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
    before_cat, after_cat = current.categorical, template.categorical
    switched = sorted(c for c in range(current.n_features) if (c in before_cat) != (c in after_cat))
    if switched:
        raise ValueError(
            f"new_mab: expected every column to stay numeric or categorical for {owner}, got columns "
            f"{switched} changing kind (categorical in current_mab: {sorted(before_cat)}, "
            f"in new_mab: {sorted(after_cat)})"
        )
    dims = {e.column: e.dim for e in template.embeddings}
    for embedding in current.embeddings:
        if dims[embedding.column] != embedding.dim:
            raise ValueError(
                f"new_mab: expected the embedding dimension of column {embedding.column} to stay {embedding.dim} "
                f"(learned vectors keep their length) for {owner}, got {dims[embedding.column]}; give "
                f"new_mab's cold_start embedding_dims={{{embedding.column}: {embedding.dim}}} (the default dimension "
                "grows with the cardinality)"
            )
        if after_cat[embedding.column] < embedding.cardinality:
            raise ValueError(
                f"new_mab: expected the cardinality of column {embedding.column} to stay at least "
                f"{embedding.cardinality} (categories learned) for {owner}, "
                f"got {after_cat[embedding.column]}"
            )
    before, after = current.hidden_dim_list, template.hidden_dim_list
    layers = "backbone_hidden_dim_list" if trunk else "hidden_dim_list"
    if len(before) != len(after):
        refuse(layers, before, after, "must keep the number of hidden layers")
    if any(b > a for b, a in zip(before, after, strict=True)):
        refuse(layers, before, after, "cannot narrow a layer")
