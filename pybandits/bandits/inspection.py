"""A bandit's beliefs as an ArviZ object: draws of every action's posterior, with named dimensions.

:func:`inference_data` is :meth:`~pybandits.bandits.base.BaseMab.to_inference_data`. The draws use
their own generator (``random_seed``): the bandit's own stream does not move, and nothing about the
bandit changes.

What it holds:

- a **stochastic bandit** (Beta or Normal-inverse-gamma per action): ``expected_reward`` per action
  (and objective), with ``noise_sd`` for Gaussian rewards, drawn jointly; the posterior's
  parameters as constant data (``n_successes``, ``n_failures``; or ``mu``, ``kappa``, ``alpha``,
  ``beta``);
- a **bandit with a network per action**: every layer's weights ``w{k}`` and biases ``b{k}`` per
  action, the embedding tables ``embedding_<column>`` with the vocabulary's values as coordinates,
  and each action's last ADVI losses (``loss``, constant data over ``step``) where kept. The first
  layer's inputs are named: the numeric features, each embedding's coordinates
  (``<column>[j]``), then a quantitative action's quantity inputs (``quantity[i]``);
- a **shared trunk** with linear heads: each head's coefficients ``head`` over ``action`` and
  ``trunk_feature`` (the trunk's outputs ``h0 ..`` and ``bias``), with ``noise_sd`` for Gaussian
  rewards, drawn jointly; the trunk's point weights as constant data (``trunk_w{k}``,
  ``trunk_b{k}``);
- attributes: the bandit's class, its reward family, ``n_draws`` and ``random_seed``.

Not yet described (refused by name): network heads on a trunk, multi-objective networks and
zooming (quantitative stochastic) actions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pybandits.bandits.explanation import effects, explain
from pybandits.boundary import validation as check
from pybandits.boundary.inference_data import build
from pybandits.model.backbone.heads import coefficient_draws

__all__ = ["Inspectable", "inference_data"]


class Inspectable:
    """What every bandit offers to look inside it (a base of :class:`~pybandits.bandits.base.BaseMab`).

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> isinstance(SmabBernoulli.cold_start(action_ids=["a"]), Inspectable)
    True
    """

    def to_inference_data(self, n_draws: int = 1000, random_seed: int | None = None) -> Any:
        """Draws of every action's posterior as an ArviZ object, with named dimensions and coordinates.

        ``az.summary``, ``az.plot_forest`` and ``az.plot_posterior`` work on it as on a PyMC trace
        (ArviZ 0.x's ``InferenceData`` with PyMC 5, 1.x's ``DataTree`` with PyMC 6). The draws use
        their own generator, seeded by ``random_seed``: the bandit and its random stream are left as
        they were. See :mod:`pybandits.bandits.inspection` for the variables.

        Parameters
        ----------
        n_draws : int, default 1000
            Independent draws of every posterior (one chain).
        random_seed : int, optional
            Seeds the draws.

        Examples
        --------
        >>> from pybandits.smab import SmabBernoulli
        >>> mab = SmabBernoulli.cold_start(action_ids=["a", "b"])
        >>> mab.update(actions=["a"] * 8, rewards=[1] * 6 + [0] * 2)
        >>> data = mab.to_inference_data(n_draws=2000, random_seed=0)
        >>> round(float(data["posterior"]["expected_reward"].sel(action="a").mean()), 1)
        0.7
        """
        return inference_data(self, n_draws, random_seed)

    def effects(
        self,
        context: Any,
        n_draws: int = 200,
        random_seed: int | None = None,
        *,
        ci_prob: float = 0.94,
        features: list[str] | None = None,
        quantities: dict[str, Any] | None = None,
    ) -> Any:
        """Per action and feature, the average marginal effect on the expected reward over ``context``'s rows.

        A numeric feature's effect is the row average of the expected reward's derivative; a
        categorical column gives one row per level, its effect against the most frequent level
        among the rows (``reference``). Each comes with its posterior mean, sd and equal-tailed
        ``ci_prob`` interval over ``n_draws`` draws of the action's posterior (the same draws for
        every feature of an action). See :mod:`pybandits.bandits.explanation`.

        Parameters
        ----------
        context : array-like or DataFrame of shape (n_rows, n_features)
            The rows to average over, as for ``predict``; every categorical value must be one
            the bandit has seen.
        n_draws : int, default 200
            Posterior draws of every action.
        random_seed : int, optional
            Seeds the draws (their own generator: the bandit's stream does not move).
        ci_prob : float, default 0.94
            Probability of the credible interval (ArviZ's default level).
        features : list of str, optional
            The features to describe (all by default).
        quantities : dict, optional
            Per quantitative action, the quantity (``d`` numbers in [0, 1]) its effects are
            computed at; the centre of ``[0, 1]^d`` by default.

        Returns
        -------
        pandas.DataFrame
            One row per action (and objective) and feature (and level): ``action``, ``feature``,
            ``level``, ``reference``, ``mean``, ``sd``, ``lower``, ``upper``; ``attrs`` holds
            ``ci_prob``, ``n_draws``, ``n_rows`` and ``random_seed``.

        Examples
        --------
        >>> from pybandits.cmab import CmabGaussian
        >>> mab = CmabGaussian.cold_start(action_ids=["a"], n_features=2, hidden_dim_list=[], random_seed=0)
        >>> table = mab.effects(np.zeros((5, 2)), n_draws=50, random_seed=0)
        >>> table[["action", "feature"]].values.tolist(), list(table.columns[-4:])
        ([['a', 'x0'], ['a', 'x1']], ['mean', 'sd', 'lower', 'upper'])
        """
        return effects(self, context, n_draws, random_seed, ci_prob, features, quantities)

    def explain(
        self,
        row: Any = None,
        n_draws: int = 1000,
        random_seed: int | None = None,
        *,
        ci_prob: float = 0.94,
        forbidden_actions: Any = None,
    ) -> Any:
        """One context row's decision, per action: the expected reward's posterior, and how likely it is played.

        From ``n_draws`` Thompson draws of every allowed action at the row, made as
        ``action_probabilities`` makes them (with the same seed, ``probability`` equals
        ``action_probabilities`` of that row): the draws' mean and equal-tailed ``ci_prob``
        interval of the expected reward, and the probability of playing each action (the
        propensity: the strategy, epsilon and limited actions included). ``forbidden`` says what
        forbids an action (``forbidden_actions``), or limits its quantities.

        Parameters
        ----------
        row : array-like, Series or one-row DataFrame, optional
            The context row (None for a stochastic bandit).
        n_draws : int, default 1000
        random_seed : int, optional
            Seeds the draws (their own generator: the bandit's stream does not move).
        ci_prob : float, default 0.94
        forbidden_actions : optional
            As for ``predict``.

        Returns
        -------
        pandas.DataFrame
            Indexed by action: ``mean``, ``lower``, ``upper`` (``mean_0``, ... per objective for
            multi-objective bandits; NaN for a forbidden action), ``probability``, ``forbidden``.

        Examples
        --------
        >>> from pybandits.smab import SmabBernoulli
        >>> mab = SmabBernoulli.cold_start(action_ids=["a", "b"])
        >>> mab.update(actions=["a"] * 30, rewards=[1] * 27 + [0] * 3)
        >>> table = mab.explain(random_seed=0, forbidden_actions=["b"])
        >>> table["mean"].round(1).tolist(), table["probability"].tolist(), table["forbidden"].tolist()
        ([0.9, nan], [1.0, 0.0], ['', 'forbidden_actions'])
        """
        return explain(self, row, n_draws, random_seed, ci_prob, forbidden_actions)


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
    models = list(mab.actions.values())
    rng = np.random.default_rng(random_seed)
    coords: dict[str, list[Any]] = {"action": list(mab.actions)}
    attrs = {
        "bandit": type(mab).__name__,
        "family": mab.family.name,
        "n_draws": n_draws,
        "random_seed": "none" if random_seed is None else random_seed,
    }
    if getattr(mab, "backbone", None) is not None:
        if getattr(models[0], "network", None) is not None:
            raise ValueError("mab: to_inference_data does not describe network heads on a shared trunk yet")
        return build(*_heads(mab, models, n_draws, rng, coords), attrs)
    kinds = {_kind(model) for model in models}
    if None in kinds or len(kinds) > 1:
        names = sorted({type(model).__name__ for model in models})
        raise ValueError(
            "mab: to_inference_data describes Beta and Normal-inverse-gamma actions (one objective or several) and "
            f"networks of one objective, got {names}"
        )
    if kinds == {"conjugate"}:
        posterior, constant, dims = _conjugate(models, n_draws, rng, coords)
    else:
        posterior, constant, dims = _networks(mab, models, n_draws, rng, coords)
    return build(posterior, constant, coords, dims, attrs)


def _heads(mab: Any, heads: list[Any], n_draws: int, rng: np.random.Generator, coords: dict) -> tuple:
    """A trunk's heads drawn from their posteriors (coefficients ``mean + s S z``), and the trunk's point weights.

    ``S S'`` is a head's covariance; ``s`` is 1 for a Laplace head, and for a conjugate Gaussian head
    the noise's standard deviation drawn from its inverse-gamma posterior (``noise_sd``).
    """
    coefficients, noise_sd = coefficient_draws(heads, n_draws, rng)
    posterior, dims = {}, {}
    if noise_sd is not None:
        posterior["noise_sd"], dims["noise_sd"] = noise_sd, ["action"]
    posterior["head"] = coefficients
    dims["head"] = ["action", "trunk_feature"]
    coords["trunk_feature"] = [*(f"h{i}" for i in range(coefficients.shape[2] - 1)), "bias"]
    trunk = mab.backbone.trunk
    constant = {}
    for k, (weight, bias) in enumerate(zip(trunk.weights, trunk.biases, strict=True)):
        inputs = "trunk_input" if k == 0 else f"trunk_hidden{k - 1}"
        constant[f"trunk_w{k}"], constant[f"trunk_b{k}"] = weight, bias
        dims[f"trunk_w{k}"], dims[f"trunk_b{k}"] = [inputs, f"trunk_hidden{k}"], [f"trunk_hidden{k}"]
        coords.setdefault(inputs, list(range(weight.shape[0])))
        coords[f"trunk_hidden{k}"] = list(range(weight.shape[1]))
    return posterior, constant, coords, dims


def _kind(model: Any) -> str | None:
    """``"network"``, ``"conjugate"`` (Beta, Normal-inverse-gamma, or their multi-objective forms), or None."""
    if getattr(model, "network", None) is not None:
        return "network"
    objectives = getattr(model, "objectives", None)
    base = type(objectives[0]) if objectives else type(model)
    return "conjugate" if hasattr(base, "draw_parameters") else None


def _conjugate(models: list[Any], n_draws: int, rng: np.random.Generator, coords: dict) -> tuple[dict, dict, dict]:
    """A stochastic bandit's draws: each action's (and objective's) expected reward, from its conjugate posterior."""
    objectives = getattr(models[0], "objectives", None)
    conjugate = type(objectives[0]) if objectives is not None else type(models[0])
    per_action = [model.objectives if objectives is not None else [model] for model in models]
    params = {
        name: np.array([[getattr(m, name) for m in parts] for parts in per_action], dtype=float)
        for name in conjugate.draw_parameters
    }
    dims_of = ["action", "objective"]
    if objectives is None:
        params = {name: values[:, 0] for name, values in params.items()}
        dims_of = ["action"]
    else:
        coords["objective"] = list(range(len(objectives)))
    draws = conjugate.posterior_draws(params, n_draws, rng)
    dims = {name: dims_of for name in [*draws, *params]}
    return draws, params, dims


def _networks(mab: Any, models: list[Any], n_draws: int, rng: np.random.Generator, coords: dict) -> tuple:
    """Every action's network weights drawn from its posterior, stacked over the actions."""
    from pybandits.model.bnn.sampler import student_factors

    shapes = {tuple(layer.shape for layer in model.network.layers) for model in models}
    tables = {tuple(e.table.shape for e in model.network.embeddings) for model in models}
    if len(shapes) > 1 or len(tables) > 1:
        raise ValueError(
            f"mab: to_inference_data stacks the actions' networks, which differ in shape: {sorted(shapes)}"
        )

    def draw(dists: list[Any]) -> np.ndarray:  # (n_draws, n_actions, *shape), float32, computed in place
        mu = np.stack([d.mu for d in dists]).astype(np.float32)
        sigma = np.stack([d.sigma for d in dists]).astype(np.float32)
        noise = rng.standard_normal((n_draws, *mu.shape), dtype=np.float32)
        if dists[0].nu is not None:
            nu = np.stack([d.nu for d in dists])
            noise *= np.sqrt(student_factors(rng, np.broadcast_to(nu, noise.shape))).astype(np.float32)
        noise *= sigma
        noise += mu
        return noise

    network = models[0].network
    names = _input_names(mab, models[0])
    if len(names) != network.layers[0].shape[0]:  # a layout this function does not know: fail loudly
        raise AssertionError(f"input names {names} do not match the first layer's {network.layers[0].shape[0]} inputs")
    coords["input"] = names
    posterior, dims = {}, {}
    n_layers = len(network.layers)
    for k in range(n_layers):
        inputs = "input" if k == 0 else f"hidden{k - 1}"
        outputs = "output" if k == n_layers - 1 else f"hidden{k}"
        coords.setdefault(outputs, list(range(network.layers[k].shape[1])))
        posterior[f"w{k}"] = draw([model.network.layers[k].weight for model in models])
        posterior[f"b{k}"] = draw([model.network.layers[k].bias for model in models])
        dims[f"w{k}"], dims[f"b{k}"] = ["action", inputs, outputs], ["action", outputs]
    for j, embedding in enumerate(network.embeddings):
        label = _column_label(mab, embedding.column)
        posterior[f"embedding_{label}"] = draw([model.network.embeddings[j].table for model in models])
        coords[f"{label}_level"] = _levels(mab, embedding.column, embedding.cardinality)
        coords[f"{label}_dim"] = list(range(embedding.dim))
        dims[f"embedding_{label}"] = ["action", f"{label}_level", f"{label}_dim"]
    constant = {}
    losses = [model.loss_history for model in models]
    if any(loss is not None for loss in losses):
        steps = max(len(loss) for loss in losses if loss is not None)
        padded = np.full((len(models), steps), np.nan)
        for i, loss in enumerate(losses):
            if loss is not None:
                padded[i, : len(loss)] = loss
        constant["loss"] = padded
        coords["step"] = list(range(steps))
        dims["loss"] = ["action", "step"]
    return posterior, constant, dims


def _column_label(mab: Any, column: int) -> str:
    return mab.feature_names[column] if mab.feature_names else f"x{column}"


def _levels(mab: Any, column: int, cardinality: int) -> list[Any]:
    """An embedding table's rows: the vocabulary's values where learned, ``<code k>`` for the others."""
    known = [str(value) for value in mab.vocabularies.get(column, [])]
    return [*known, *(f"<code {k}>" for k in range(len(known), cardinality))]


def _input_names(mab: Any, model: Any) -> list[str]:
    """The first layer's inputs: numeric features, then each embedding's coordinates, then quantity inputs."""
    network = model.network
    quantity_dim = getattr(model, "quantity_dim", 0)
    embedded = [e.column for e in network.embeddings]
    n_context = network.n_features - quantity_dim  # categorical columns counted once each
    numeric = [_column_label(mab, c) for c in range(n_context) if c not in embedded]
    vectors = [f"{_column_label(mab, e.column)}[{j}]" for e in network.embeddings for j in range(e.dim)]
    quantity = [f"quantity[{i}]" for i in range(quantity_dim)]
    return [*numeric, *vectors, *quantity]
