"""A bandit's beliefs as an ArviZ object: draws of every action's posterior, with named dimensions.

:func:`inference_data` is :meth:`~pybandits.bandits.base.BaseMab.to_inference_data`. The draws use
their own generator (``random_seed``): the bandit's own stream does not move, and nothing about the
bandit changes.

What it holds:

- a **stochastic bandit** (Beta or Normal-inverse-gamma per action): ``expected_reward`` per action
  (and objective), with ``noise_sd`` for Gaussian rewards, drawn jointly; the posterior's
  parameters as constant data (``n_successes``, ``n_failures``; or ``mu``, ``kappa``, ``alpha``,
  ``beta``);
- a stochastic bandit's **zooming actions** (quantitative): per action ``a``,
  ``expected_reward_<a>`` (and ``noise_sd_<a>``) over its segments (``<a>_segment``, labelled by
  their boxes);
- a **bandit with a network per action**: every layer's weights ``w{k}`` and biases ``b{k}`` per
  action (and ``objective``), float32, the embedding tables ``embedding_<column>`` with the
  vocabulary's values as coordinates, and each action's last ADVI losses (``loss``, constant data
  over ``step``) where kept. The first layer's inputs are named: the numeric features, each
  embedding's coordinates (``<column>[j]``), then a quantitative action's quantity inputs
  (``quantity[i]``);
- a **shared trunk**: linear heads' coefficients ``head`` over ``action`` and ``trunk_feature``
  (the trunk's outputs ``h0 ..`` and ``bias``), with ``noise_sd`` for Gaussian rewards, drawn
  jointly; or network heads' weights as for networks per action, their inputs the trunk's outputs;
  the trunk's point weights as constant data (``trunk_w{k}``, ``trunk_b{k}``);
- every network's last fit, where it has one, as constant data over ``action``: ``fit_<field>`` for
  the numbers of :class:`~pybandits.model.bnn.diagnostics.FitDiagnostics` (ADVI's steps and final
  loss; NUTS's draws, tune, chains, largest r_hat, smallest bulk ESS and divergences), NaN where a
  field does not apply. NUTS's own draws are not kept by the bandit (it keeps their means and
  standard deviations, the posterior it then uses), so there is no ``sample_stats`` group;
- attributes: the bandit's class, its reward family, ``n_draws`` and ``random_seed``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pybandits.boundary import validation as check
from pybandits.boundary.inference_data import build
from pybandits.model.backbone.heads import LinearHead, coefficient_draws

__all__ = ["inference_data"]


def inference_data(mab: Any, n_draws: int, random_seed: int | None) -> Any:
    """The ArviZ object of ``mab``'s posteriors (see the module).

    Examples
    --------
    >>> from pybandits.smab import SmabGaussian
    >>> data = inference_data(SmabGaussian.cold_start(action_ids=["a"]), n_draws=10, random_seed=0)
    >>> sorted(data["posterior"].data_vars)
    ['expected_reward', 'noise_sd']
    """
    n_draws = check.check_positive_int(n_draws, "n_draws")
    random_seed = check.check_random_seed(random_seed)
    mab = mab._view()  # one state, whatever another thread installs meanwhile
    per_draw = 4 * _n_values(mab)
    check.check_memory("n_draws", n_draws, per_draw * n_draws, f"{per_draw} bytes per draw of every action's posterior")
    rng = np.random.default_rng(random_seed)
    draws = _Draws(list(mab.actions))
    attrs = {
        "bandit": type(mab).__name__,
        "family": mab.family.name,
        "n_draws": n_draws,
        "random_seed": "none" if random_seed is None else random_seed,
    }
    family = mab.families[0] if hasattr(mab, "families") else mab.family
    if getattr(family, "standardised", False):  # networks and heads speak standardised rewards
        attrs["reward_loc"], attrs["reward_scale"] = float(family.reward_loc), float(family.reward_scale)
    models = list(mab.actions.values())
    backbone = getattr(mab, "backbone", None)
    if backbone is not None:
        _trunk(draws, mab, backbone.trunk)
        if isinstance(models[0], LinearHead):
            _linear_heads(draws, models, n_draws, rng)
        else:
            _networks(draws, mab, [f"h{i}" for i in range(backbone.width)], n_draws, rng)
    elif hasattr(mab, "categorical_features"):
        _networks(draws, mab, None, n_draws, rng)
    else:
        _stochastic(draws, mab, n_draws, rng)
    return build(draws.posterior, draws.constant, draws.coords, draws.dims, attrs)


class _Draws:
    """The groups being filled: posterior and constant variables, their dimensions and the coordinates."""

    def __init__(self, action_ids: list[str]) -> None:
        self.posterior: dict[str, np.ndarray] = {}
        self.constant: dict[str, np.ndarray] = {}
        self.dims: dict[str, list[str]] = {}
        self.coords: dict[str, list[Any]] = {"action": action_ids}

    def add(self, name: str, values: np.ndarray, dims: list[str], *, constant: bool = False) -> None:
        (self.constant if constant else self.posterior)[name] = values
        self.dims[name] = dims


def _stochastic(draws: _Draws, mab: Any, n_draws: int, rng: np.random.Generator) -> None:
    """Ordinary actions' (and objectives') expected rewards from conjugate posteriors; zooming ones' per segment."""
    zooming = {a: m for a, m in mab.actions.items() if hasattr(m, "segments")}
    ordinary = {a: m for a, m in mab.actions.items() if a not in zooming}
    draws.coords["action"] = list(ordinary)
    if ordinary:
        objectives = getattr(next(iter(ordinary.values())), "objectives", None)
        per_action = [m.objectives if objectives is not None else [m] for m in ordinary.values()]
        dims = ["action", "objective"] if objectives is not None else ["action"]
        if objectives is not None:
            draws.coords["objective"] = list(range(len(objectives)))
        _conjugate(draws, per_action, dims, "", n_draws, rng)
    for action_id, model in zooming.items():
        axis = f"{action_id}_segment"
        draws.coords[axis] = [_box(segment) for segment in model.segments]
        _conjugate(draws, [[segment.posterior] for segment in model.segments], [axis], f"_{action_id}", n_draws, rng)


def _conjugate(
    draws: _Draws, posteriors: list[list[Any]], dims: list[str], suffix: str, n_draws: int, rng: np.random.Generator
) -> None:
    """Draws of conjugate posteriors (rows of a grid: actions or segments, by objectives), and their parameters."""
    conjugate = type(posteriors[0][0])
    params = {
        name: np.array([[getattr(m, name) for m in row] for row in posteriors], dtype=float)
        for name in conjugate.draw_parameters
    }
    if len(dims) == 1:
        params = {name: values[:, 0] for name, values in params.items()}
    for name, values in conjugate.posterior_draws(params, n_draws, rng).items():
        draws.add(f"{name}{suffix}", values, dims)
    for name, values in params.items():
        draws.add(f"{name}{suffix}", values, dims, constant=True)


def _box(segment: Any) -> str:
    return "x".join(f"[{low:.4g}, {high:.4g})" for low, high in zip(segment.low, segment.high, strict=True))


def _linear_heads(draws: _Draws, heads: list[Any], n_draws: int, rng: np.random.Generator) -> None:
    """A trunk's linear heads drawn from their posteriors: coefficients ``mean + s S z`` (:func:`coefficient_draws`)."""
    coefficients, noise_sd = coefficient_draws(heads, n_draws, rng)
    if noise_sd is not None:
        draws.add("noise_sd", noise_sd, ["action"])
    draws.add("head", coefficients, ["action", "trunk_feature"])
    draws.coords["trunk_feature"] = [*(f"h{i}" for i in range(coefficients.shape[2] - 1)), "bias"]


def _trunk(draws: _Draws, mab: Any, trunk: Any) -> None:
    """The trunk's point weights and embedding tables, as constant data, its inputs named."""
    network = trunk.as_network()
    draws.coords["trunk_input"] = _input_names(mab, network, trunk.n_features)
    for k, (weight, bias) in enumerate(zip(trunk.weights, trunk.biases, strict=True)):
        inputs = "trunk_input" if k == 0 else f"trunk_hidden{k - 1}"
        draws.add(f"trunk_w{k}", weight, [inputs, f"trunk_hidden{k}"], constant=True)
        draws.add(f"trunk_b{k}", bias, [f"trunk_hidden{k}"], constant=True)
        draws.coords[f"trunk_hidden{k}"] = list(range(weight.shape[1]))
    for column, table in sorted(trunk.tables.items()):
        label = _column_label(mab, column)
        draws.coords[f"{label}_level"] = _levels(mab, column, table.shape[0])
        draws.coords[f"{label}_dim"] = list(range(table.shape[1]))
        draws.add(f"trunk_embedding_{label}", table, [f"{label}_level", f"{label}_dim"], constant=True)


def _networks(draws: _Draws, mab: Any, names: list[str] | None, n_draws: int, rng: np.random.Generator) -> None:
    """Every action's (and objective's) network weights drawn from its posterior, stacked over the actions.

    Ordinary actions' networks are stacked over ``action``; quantitative actions' networks, which
    read ``d`` more inputs, over ``action_q{d}``, their variables named with ``_q{d}`` too.
    ``names``: the first layer's inputs (None: the context's, :func:`_input_names`).
    """
    by_width: dict[int, list[str]] = {}
    for action_id, model in mab.actions.items():
        single = model.objectives[0] if hasattr(model, "objectives") else model
        by_width.setdefault(getattr(single, "quantity_dim", 0), []).append(action_id)
    ordinary = by_width.get(0, [])
    draws.coords["action"] = ordinary
    for d, action_ids in sorted(by_width.items()):
        models = [mab.actions[a] for a in action_ids]
        suffix = f"_q{d}" if d else ""
        if d:
            draws.coords[f"action{suffix}"] = action_ids
        single = models[0].objectives[0] if hasattr(models[0], "objectives") else models[0]
        inputs = names or _input_names(mab, single.network, single.network.n_features - d)
        _network_group(draws, mab, models, inputs, suffix, n_draws, rng)


def _network_group(
    draws: _Draws, mab: Any, models: list[Any], names: list[str], suffix: str, n_draws: int, rng: np.random.Generator
) -> None:
    """One group of same-shaped networks: ``w{k}``, ``b{k}``, embeddings and fits, named with ``suffix``."""
    objectives = getattr(models[0], "objectives", None)
    groups = [[m.objectives[j] for m in models] for j in range(len(objectives))] if objectives else [models]
    shapes = {tuple(layer.shape for layer in m.network.layers) for group in groups for m in group}
    if len(shapes) > 1:
        raise AssertionError(f"networks of one group differ in shape: {sorted(shapes)}")
    network = groups[0][0].network
    if len(names) != network.layers[0].shape[0]:  # a layout this function does not know: fail loudly
        raise AssertionError(f"input names {names} do not match the first layer's {network.layers[0].shape[0]} inputs")
    draws.coords[f"input{suffix}"] = names
    lead = [f"action{suffix}", "objective"] if objectives else [f"action{suffix}"]
    if objectives:
        draws.coords["objective"] = list(range(len(objectives)))

    def stacked(tensor: Any) -> np.ndarray:  # (n_draws, n_actions[, n_objectives], *shape)
        parts = [_draw([tensor(m) for m in group], n_draws, rng) for group in groups]
        return np.stack(parts, axis=2) if objectives else parts[0]

    n_layers = len(network.layers)
    for k in range(n_layers):
        inputs = f"input{suffix}" if k == 0 else f"hidden{k - 1}"
        outputs = "output" if k == n_layers - 1 else f"hidden{k}"
        draws.coords.setdefault(outputs, list(range(network.layers[k].shape[1])))
        draws.add(f"w{k}{suffix}", stacked(lambda m, k=k: m.network.layers[k].weight), [*lead, inputs, outputs])
        draws.add(f"b{k}{suffix}", stacked(lambda m, k=k: m.network.layers[k].bias), [*lead, outputs])
    for j, embedding in enumerate(network.embeddings):
        label = _column_label(mab, embedding.column)
        draws.coords[f"{label}_level"] = _levels(mab, embedding.column, embedding.cardinality)
        draws.coords[f"{label}_dim"] = list(range(embedding.dim))
        dims = [*lead, f"{label}_level", f"{label}_dim"]
        draws.add(f"embedding_{label}{suffix}", stacked(lambda m, j=j: m.network.embeddings[j].table), dims)
    _fits(draws, groups, lead, suffix)


def _draw(dists: list[Any], n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_draws, n_actions, *shape)`` float32 draws of same-shaped distributions (:meth:`LocationScale.sample`)."""
    out = np.empty((n_draws, len(dists), *dists[0].shape), dtype=np.float32)
    for i, dist in enumerate(dists):
        out[:, i] = dist.sample(n_draws, rng, dtype=np.float32)
    return out


def _n_values(mab: Any) -> int:
    """Numbers drawn per draw of every action's posterior: network tensors, head coefficients, conjugate pairs."""
    total = 0
    for model in mab.actions.values():
        for part in getattr(model, "objectives", None) or [model]:
            network = getattr(part, "network", None)
            if network is not None:
                total += sum(dist.mu.size for dist in network.parameters.values())
            elif isinstance(part, LinearHead):
                total += part.mean.size + 1
            else:  # a conjugate posterior (mean and noise), or one per zooming segment
                total += 2 * len(getattr(part, "segments", [part]))
    return total


#: The numbers of a fit's diagnostics kept as ``fit_<field>``.
_FIT_FIELDS = (
    "n_rows",
    "num_steps",
    "final_loss",
    "draws",
    "tune",
    "chains",
    "max_rhat",
    "min_ess_bulk",
    "divergences",
)


def _fits(draws: _Draws, groups: list[list[Any]], lead: list[str], suffix: str) -> None:
    """Each network's last ADVI losses (over ``step``) and its last fit's diagnostics, as constant data."""

    def grid(value: Any) -> np.ndarray:  # (n_actions[, n_objectives]) of a per-model number
        values = np.array([[value(m) for m in group] for group in groups], dtype=float).T
        return values if len(lead) == 2 else values[:, 0]

    fits = [m.last_fit for group in groups for m in group]
    for field in _FIT_FIELDS:
        if any(fit is not None and getattr(fit, field) is not None for fit in fits):
            draws.add(f"fit_{field}{suffix}", grid(lambda m, f=field: _number(m.last_fit, f)), lead, constant=True)
    losses = [m.loss_history for group in groups for m in group]
    if any(loss is not None for loss in losses):
        steps = max(len(loss) for loss in losses if loss is not None)
        padded = np.full((len(groups), len(groups[0]), steps), np.nan)
        for j, group in enumerate(groups):
            for i, model in enumerate(group):
                if model.loss_history is not None:
                    padded[j, i, : len(model.loss_history)] = model.loss_history
        values = padded.transpose(1, 0, 2) if len(lead) == 2 else padded[0]
        draws.add(f"loss{suffix}", values, [*lead, f"step{suffix}"], constant=True)
        draws.coords[f"step{suffix}"] = list(range(steps))


def _number(fit: Any, field: str) -> float:
    value = None if fit is None else getattr(fit, field)
    return np.nan if value is None else float(value)


def _column_label(mab: Any, column: int) -> str:
    return mab.feature_names[column] if mab.feature_names else f"x{column}"


def _levels(mab: Any, column: int, cardinality: int) -> list[Any]:
    """An embedding table's rows: the vocabulary's values where learned, ``<code k>`` for the others."""
    known = [str(value) for value in mab.vocabularies.get(column, [])]
    return [*known, *(f"<code {k}>" for k in range(len(known), cardinality))]


def _input_names(mab: Any, network: Any, n_context: int) -> list[str]:
    """A first layer's inputs, in the order it reads them: its numeric columns, then each embedding's coordinates.

    Numeric columns are the context's numeric features, then a quantitative action's quantity
    inputs (columns from ``n_context`` on); a trunk's network and a per-action network alike.
    """
    numeric = [
        _column_label(mab, c) if c < n_context else f"quantity[{c - n_context}]" for c in network.numeric_columns
    ]
    vectors = [f"{_column_label(mab, column)}[{j}]" for column, table in network.lookups for j in range(table.shape[1])]
    return [*numeric, *vectors]
