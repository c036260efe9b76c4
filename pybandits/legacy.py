"""Migrate states written by the original pybandits library (its PyMC releases, 4.x to 5.x).

That library's ``get_state()`` returns ``(class_name, json_text)``, where the text is the pydantic
dump of the bandit: the actions (under ``actions_manager`` from 4.x on), the strategy, ``epsilon``,
``default_action`` and the library's ``version``. :func:`from_old_state` turns such a state into the
equivalent bandit of this package:

- a Beta action keeps its ``n_successes``/``n_failures`` (and ``cost``);
- a Bayesian neural network keeps every weight's and bias's posterior (``mu``, ``sigma`` and, for
  Student-t arrays, ``nu``), its activation, residual connections, counts and cost; a Normal array
  becomes a Student-t array with ``nu = inf``, which is the same distribution;
- categorical columns (release 5.0.0, the only one of that line with them: ``feature_config``
  names each column, its cardinality and embedding size, and ``model_params.embedding_params``
  holds one ``(cardinality, embedding_dim)`` table per column) become
  :class:`~pybandits.model.bnn.network.Embedding` tables with every entry's distribution kept.
  The original's first layer reads the numeric columns, then the embeddings in the order the
  columns were declared; here the embeddings follow in column order, so the first layer's weight
  rows are reordered to match and the network computes the same function;
- multi-objective actions keep one model per objective;
- ``update_method``/``update_kwargs`` become :class:`~pybandits.model.bnn.settings.VISettings` or
  :class:`~pybandits.model.bnn.settings.MCMCSettings`; options without an equivalent are named in
  a :class:`~pybandits.exceptions.MigrationWarning` and the default is used.

The migrated bandit samples from the same posteriors, so it predicts like the original did,
within sampling error. Old states carry no random generator state: pass ``random_seed`` for a
reproducible stream.

What has no equivalent here is refused with a ``ValueError`` naming it, never dropped: adaptive
windows (``delta``), quantitative actions, residual connections on layers that widen (the original
zero-pads those; here a residual joins only layers of equal width), and categorical columns of a
single category (here a categorical column has at least two). So is a state whose embedding
tables, ``feature_config`` and first layer disagree on their shapes.

``pybandits.load`` and ``BaseMab.from_state`` recognise an old state too (it has no
``schema_version``) and migrate it the same way, inferring the class from the state.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from pybandits import state as _state
from pybandits._validation import check_random_seed
from pybandits.exceptions import MigrationWarning

if TYPE_CHECKING:
    from pybandits.mab import BaseMab

__all__ = ["from_old_state", "is_old_state"]

_ENVELOPE_BANDIT_KEYS = {"actions", "strategy", "epsilon", "default_action"}
# keys of the original's bandit document that carry nothing a migrated bandit needs
_IGNORED_BANDIT_KEYS = {"version", "predict_with_proba", "predict_actions_randomly"}
_VI_KEYS = {"num_steps": "num_steps", "batch_size": "batch_size"}
_MCMC_KEYS = {"draws": "draws", "tune": "tune", "chains": "chains", "target_accept": "target_accept"}


def is_old_state(document: Any) -> bool:
    """Whether a parsed JSON document is a state of the original library (not of this package).

    Examples
    --------
    >>> is_old_state({"actions_manager": {"actions": {}}, "strategy": {}, "version": "5.0.0"})
    True
    >>> is_old_state({"schema_version": 1, "class": "SmabBernoulli"})
    False
    """
    return (
        isinstance(document, Mapping)
        and "schema_version" not in document
        and "strategy" in document
        and ("actions_manager" in document or "actions" in document)
    )


def from_old_state(
    class_name: str | None,
    state: str | bytes | Mapping[str, Any],
    *,
    random_seed: int | None = None,
) -> BaseMab:
    """The bandit of this package equivalent to a state of the original pybandits library.

    Parameters
    ----------
    class_name : str or None
        The class name the original's ``get_state()`` returned beside the state (for example
        ``"CmabBernoulli"``); ``None`` infers it from the state. When given, it must agree with
        the state.
    state : str, bytes or mapping
        The state text the original's ``get_state()`` returned, or that text parsed.
    random_seed : int or None, default=None
        Seed of the migrated bandit's random generator (old states do not record one).

    Returns
    -------
    BaseMab
        A bandit of the class of the same name, whose actions hold the original posteriors.

    Raises
    ------
    ValueError
        When the state is not a state of the original library, names another class than
        ``class_name``, or uses a feature this package does not have (the message names it).
    TypeError
        When ``class_name`` or ``state`` is of the wrong type.

    Examples
    --------
    >>> old = '{"actions_manager": {"actions": {"a": {"n_successes": 5, "n_failures": 2}},'
    >>> old += ' "delta": null}, "strategy": {}, "epsilon": null, "default_action": null, "version": "5.0.0"}'
    >>> mab = from_old_state("SmabBernoulli", old, random_seed=0)
    >>> type(mab).__name__, mab.actions["a"].n_successes
    ('SmabBernoulli', 5)
    """
    from pybandits.mab import BaseMab

    if class_name is not None and not isinstance(class_name, str):
        raise TypeError(f"class_name: expected a bandit class name or None, got {type(class_name).__name__}")
    document = _parse(state)
    bandit, inferred = _convert_bandit(document)
    if class_name is not None and class_name != inferred:
        raise ValueError(f"class_name: the state describes a {inferred}, got class_name={class_name!r}")
    rng = np.random.default_rng(check_random_seed(random_seed))
    envelope = {
        "schema_version": _state.SCHEMA_VERSION,
        "class": inferred,
        "pybandits_version": document.get("version") or "unknown",
        "rng": _state.rng_to_state(rng),
        "bandit": bandit,
    }
    return BaseMab.from_state(envelope)


def _parse(state: Any) -> dict[str, Any]:
    document = _state.parse_json(state)
    if not is_old_state(document):
        raise ValueError(
            "state: expected a state of the original pybandits library (with 'actions_manager' and 'strategy'), "
            f"got {_describe_keys(document)}"
        )
    return dict(document)


def _describe_keys(document: Any) -> str:
    if isinstance(document, Mapping):
        return f"an object with keys {sorted(map(str, document))[:10]}"
    return f"a JSON {type(document).__name__}"


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"state: {where}: {message}")


# -- the bandit --------------------------------------------------------------------------------


def _convert_bandit(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if "actions_manager" in document:
        manager = document["actions_manager"]
        if not isinstance(manager, Mapping) or not isinstance(manager.get("actions"), Mapping):
            raise _fail("actions_manager", "expected an object with an 'actions' object")
        if manager.get("delta") is not None:
            raise _fail(
                "actions_manager.delta",
                f"adaptive windows (delta={manager['delta']!r}) have no equivalent in this pybandits; "
                "migrate a state without one",
            )
        actions = manager["actions"]
    else:
        actions = document["actions"]
        if not isinstance(actions, Mapping):
            raise _fail("actions", "expected an object mapping action ids to models")
    unknown = set(document) - {"actions_manager", "actions"} - _ENVELOPE_BANDIT_KEYS - _IGNORED_BANDIT_KEYS
    if unknown:
        raise _fail("bandit", f"unknown keys {sorted(unknown)}; expected a state of the original library 4.x-5.x")
    if not actions:
        raise _fail("actions", "expected at least one action, got none")
    converted = {}
    kinds = set()
    for action_id, model in actions.items():
        kind, action = _convert_action(str(action_id), model)
        kinds.add(kind)
        converted[action_id] = action
    if len(kinds) != 1:
        raise _fail("actions", f"expected all actions of one kind, got a mixture of {sorted(kinds)}")
    (kind,) = kinds
    _check_same_categorical_columns(converted)
    strategy = document["strategy"]
    if not isinstance(strategy, Mapping):
        raise _fail("strategy", f"expected an object, got {strategy!r:.100}")
    has_costs = all(action.get("cost") is not None for action in converted.values())
    class_name = _class_name(kind, strategy, has_costs)
    strategy = dict(strategy)
    if class_name.endswith("MOCC"):
        # the original reads this subsidy only for quantitative actions; for the discrete actions
        # migrated here both libraries play the cheapest action of the Pareto front
        strategy.pop("subsidy_factor", None)
    bandit = {
        "actions": converted,
        "strategy": strategy,
        "epsilon": document.get("epsilon"),
        "default_action": document.get("default_action"),
    }
    return bandit, class_name


def _check_same_categorical_columns(actions: Mapping[str, dict[str, Any]]) -> None:
    """Every action (and objective) must read the same categorical columns, as here every action does."""
    reference = None
    for action_id, action in actions.items():
        for part, model in enumerate(action.get("objectives", [action])):
            if "network" not in model:
                continue
            columns = {e["column"]: len(e["table"]["mu"]) for e in model["network"]["embeddings"]}
            if reference is None:
                reference = (action_id, columns)
            elif columns != reference[1]:
                where = f"actions[{action_id!r}]" + (f".models[{part}]" if "objectives" in action else "")
                raise _fail(
                    where,
                    f"categorical columns {{column: cardinality}} {columns} differ from {reference[1]} of action "
                    f"{reference[0]!r}; here every action reads the same categorical columns",
                )


def _class_name(kind: str, strategy: Mapping[str, Any], has_costs: bool) -> str:
    prefix = "Smab" if kind in {"beta", "beta_mo"} else "Cmab"
    if kind in {"beta_mo", "bnn_mo"}:
        # the original's multi-objective strategies serialise alike (4.x writes no field at all):
        # costs on the actions tell cost control apart
        suffix = "MOCC" if has_costs else "MO"
    elif "exploit_p" in strategy:
        suffix = "BAI"
    elif "subsidy_factor" in strategy:
        if not has_costs:
            raise _fail("actions", "a cost-control strategy needs a cost on every action")
        suffix = "CC"
    else:
        suffix = ""
    return f"{prefix}Bernoulli{suffix}"


# -- actions -----------------------------------------------------------------------------------


def _convert_action(action_id: str, model: Any) -> tuple[str, dict[str, Any]]:
    where = f"actions[{action_id!r}]"
    if not isinstance(model, Mapping):
        raise _fail(where, f"expected an object, got {model!r:.100}")
    cost = model.get("cost")
    if cost is not None and not isinstance(cost, int | float):
        raise _fail(f"{where}.cost", f"expected a number, got {cost!r:.100} (cost functions cannot be migrated)")
    if "models" in model:
        objectives = model["models"]
        if not isinstance(objectives, list) or not objectives:
            raise _fail(f"{where}.models", "expected a non-empty list of per-objective models")
        parts = [_convert_single(f"{where}.models[{i}]", m) for i, m in enumerate(objectives)]
        kinds = {kind for kind, _ in parts}
        if len(kinds) != 1:
            raise _fail(f"{where}.models", f"expected models of one kind, got {sorted(kinds)}")
        kind = kinds.pop()
        _check_keys(where, model, {"models", "cost"})
        return f"{kind}_mo", {"objectives": [part for _, part in parts], "cost": cost}
    kind, action = _convert_single(where, model)
    action["cost"] = cost
    return kind, action


def _check_keys(where: str, model: Mapping[str, Any], known: set[str]) -> None:
    unknown = set(model) - known
    if unknown:
        raise _fail(where, f"cannot migrate keys {sorted(unknown)}: this pybandits has no equivalent")


def _convert_single(where: str, model: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(model, Mapping):
        raise _fail(where, f"expected an object, got {model!r:.100}")
    if "model_params" in model:
        return "bnn", _convert_bnn(where, model)
    if "n_successes" in model and "n_failures" in model:
        _check_keys(where, model, {"n_successes", "n_failures", "cost"})
        return "beta", {"n_successes": model["n_successes"], "n_failures": model["n_failures"]}
    raise _fail(where, f"expected a Beta or Bayesian neural network model, got keys {sorted(map(str, model))[:10]}")


_BNN_KEYS = {
    "n_successes",
    "n_failures",
    "cost",
    "model_params",
    "update_method",
    "update_kwargs",
    "activation",
    "use_residual_connections",
    "feature_config",
    "use_layerwise_scaling",
}
_BNN_PARAMS_KEYS = {"bnn_layer_params", "bnn_layer_params_init", "embedding_params", "embedding_params_init"}


def _convert_bnn(where: str, model: Mapping[str, Any]) -> dict[str, Any]:
    _check_keys(where, model, _BNN_KEYS)
    params = model["model_params"]
    if not isinstance(params, Mapping) or not isinstance(params.get("bnn_layer_params"), list):
        raise _fail(f"{where}.model_params", "expected an object with a 'bnn_layer_params' list")
    _check_keys(f"{where}.model_params", params, _BNN_PARAMS_KEYS)
    layers = [
        _convert_layer(f"{where}.model_params.bnn_layer_params[{i}]", layer)
        for i, layer in enumerate(params["bnn_layer_params"])
    ]
    if not layers:
        raise _fail(f"{where}.model_params.bnn_layer_params", "expected at least one layer")
    embeddings = _convert_embeddings(where, model, params, layers[0])
    residual = bool(model.get("use_residual_connections", False))
    if residual:
        for i, layer in enumerate(layers[:-1]):
            n_in, n_out = np.shape(layer["weight"]["mu"])
            if n_out > n_in:
                raise _fail(
                    f"{where}.use_residual_connections",
                    f"layer {i} widens from {n_in} to {n_out} units with a residual connection, which the "
                    "original zero-pads; here residual connections join layers of equal width only",
                )
    # the original's Normal arrays have no 'nu'; one family for the whole network (and its tables)
    arrays = [array for layer in params["bnn_layer_params"] for array in (layer["weight"], layer["bias"])]
    arrays += _embedding_tables(where, params)
    init = params.get("bnn_layer_params_init") or params["bnn_layer_params"]
    return {
        "network": {
            "layers": layers,
            "activation": model.get("activation", "tanh"),
            "use_residual_connections": residual,
            "embeddings": embeddings,
        },
        "dist_type": "studentt" if any("nu" in array for array in arrays) else "normal",
        "dist_params_init": _dist_params_init(f"{where}.model_params.bnn_layer_params_init", init),
        "inference": _convert_inference(where, model.get("update_method", "VI"), model.get("update_kwargs")),
        "family": {"name": "bernoulli"},
        "stats": {"n_successes": model.get("n_successes", 1), "n_failures": model.get("n_failures", 1)},
    }


# -- categorical columns (the original's 5.0.0) --------------------------------------------------


def _convert_embeddings(
    where: str, model: Mapping[str, Any], params: Mapping[str, Any], first_layer: dict[str, Any]
) -> list[dict[str, Any]]:
    """The embeddings of this package for the original's categorical columns, in column order.

    The original (5.0.0) declares its categorical columns in ``feature_config`` and keeps one
    ``(cardinality, embedding_dim)`` table per column in ``model_params.embedding_params.embeddings``,
    in the order of ``feature_config.categorical_features_configs``. Its first layer reads the
    numeric columns in column order, then the embeddings in that same declaration order, which
    need not be column order; here the embeddings follow in column order, so the blocks of the
    first layer's weight rows are reordered to match (``first_layer`` is changed in place).
    """
    tables = _embedding_tables(where, params)
    feature_config = model.get("feature_config")
    if feature_config is None:
        if tables:
            raise _fail(
                f"{where}.model_params.embedding_params",
                f"{len(tables)} embedding table(s) but no feature_config naming their columns",
            )
        return []
    config_where = f"{where}.feature_config"
    if not isinstance(feature_config, Mapping):
        raise _fail(config_where, f"expected an object or null, got {feature_config!r:.60}")
    _check_keys(config_where, feature_config, {"n_features", "categorical_features_configs"})
    n_features = feature_config.get("n_features")
    if not _is_int(n_features) or n_features < 1:
        raise _fail(f"{config_where}.n_features", f"expected an integer >= 1, got {n_features!r:.60}")
    configs = feature_config.get("categorical_features_configs") or []
    if not isinstance(configs, list):
        raise _fail(f"{config_where}.categorical_features_configs", f"expected a list, got {configs!r:.60}")
    columns = [
        _categorical_column(f"{config_where}.categorical_features_configs[{i}]", config)
        for i, config in enumerate(configs)
    ]
    seen = [column for column, _, _ in columns]
    for column in seen:
        if column >= n_features:
            raise _fail(
                f"{config_where}.categorical_features_configs",
                f"column {column} is out of range for n_features={n_features}",
            )
        if seen.count(column) > 1:
            raise _fail(f"{config_where}.categorical_features_configs", f"column {column} is declared twice")
    if len(tables) != len(columns):
        raise _fail(
            f"{where}.model_params.embedding_params",
            f"{len(tables)} embedding table(s) for {len(columns)} categorical column(s) in feature_config",
        )
    n_numeric = n_features - len(columns)
    n_inputs = n_numeric + sum(dim for _, _, dim in columns)
    rows = _row_count(f"{where}.model_params.bnn_layer_params[0].weight", first_layer["weight"])
    if rows != n_inputs:
        raise _fail(
            f"{where}.model_params.bnn_layer_params[0].weight",
            f"{rows} input rows, but feature_config implies {n_inputs} ({n_numeric} numeric column(s) and "
            f"embeddings of {sum(dim for _, _, dim in columns)} number(s))",
        )
    embeddings = []
    for index, ((column, cardinality, dim), table) in enumerate(zip(columns, tables, strict=True)):
        table_where = f"{where}.model_params.embedding_params.embeddings[{index}]"
        converted = _convert_array(table_where, table)
        shape = _matrix_shape(table_where, converted)
        if shape != (cardinality, dim):
            raise _fail(
                table_where,
                f"the table of column {column} has shape {shape}, but feature_config declares cardinality "
                f"{cardinality} and embedding_dim {dim}",
            )
        embeddings.append({"column": column, "table": converted})
    # the original's rows: numeric, then each embedding's block in declaration order
    starts, start = [], n_numeric
    for _, _, dim in columns:
        starts.append(start)
        start += dim
    order = sorted(range(len(columns)), key=lambda i: columns[i][0])
    permutation = list(range(n_numeric))
    for i in order:
        permutation += range(starts[i], starts[i] + columns[i][2])
    weight = first_layer["weight"]
    for key in ("mu", "sigma", "nu"):
        weight[key] = [weight[key][row] for row in permutation]
    return [embeddings[i] for i in order]


def _embedding_tables(where: str, params: Mapping[str, Any]) -> list[Any]:
    embedding_params = params.get("embedding_params")
    if embedding_params is None:
        return []
    table_where = f"{where}.model_params.embedding_params"
    if not isinstance(embedding_params, Mapping) or not isinstance(embedding_params.get("embeddings"), list):
        raise _fail(table_where, "expected null or an object with an 'embeddings' list")
    # embeddings_init (and model_params.embedding_params_init) hold the cold-start prior, whose
    # scalar parameters are read off the layers' initial parameters like every other tensor's
    _check_keys(table_where, embedding_params, {"embeddings", "embeddings_init"})
    return embedding_params["embeddings"]


def _categorical_column(where: str, config: Any) -> tuple[int, int, int]:
    if not isinstance(config, Mapping) or set(config) != {"column_index", "cardinality", "embedding_dim"}:
        raise _fail(where, "expected an object with 'column_index', 'cardinality' and 'embedding_dim'")
    column, cardinality, dim = config["column_index"], config["cardinality"], config["embedding_dim"]
    for key, value, low in (("column_index", column, 0), ("cardinality", cardinality, 1), ("embedding_dim", dim, 1)):
        if not _is_int(value) or value < low:
            raise _fail(f"{where}.{key}", f"expected an integer >= {low}, got {value!r:.60}")
    if cardinality < 2:
        raise _fail(
            where,
            f"column {column} has cardinality {cardinality}: here a categorical column has at least 2 "
            "categories, and a one-category embedding (a random vector added to every row) has no "
            "equivalent among numeric columns",
        )
    return column, cardinality, dim


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _row_count(where: str, array: Mapping[str, Any]) -> int:
    """The number of rows of a converted weight matrix, the same for its ``mu``, ``sigma`` and ``nu``."""
    counts = {len(array[key]) if isinstance(array[key], list) else None for key in ("mu", "sigma", "nu")}
    if len(counts) != 1 or None in counts:
        raise _fail(where, "expected 'mu', 'sigma' and 'nu' matrices with the same number of rows")
    return counts.pop()


def _matrix_shape(where: str, array: Mapping[str, Any]) -> tuple[int, ...]:
    try:
        return np.shape(np.asarray(array["mu"], dtype=float))
    except (TypeError, ValueError):
        raise _fail(where, "expected 'mu' to be a matrix of numbers") from None


def _convert_layer(where: str, layer: Any) -> dict[str, Any]:
    if not isinstance(layer, Mapping) or set(layer) != {"weight", "bias"}:
        raise _fail(where, "expected an object with 'weight' and 'bias'")
    return {
        "weight": _convert_array(f"{where}.weight", layer["weight"]),
        "bias": _convert_array(f"{where}.bias", layer["bias"]),
    }


def _convert_array(where: str, array: Any) -> dict[str, Any]:
    if not isinstance(array, Mapping) or not {"mu", "sigma"} <= set(array) or not set(array) <= {"mu", "sigma", "nu"}:
        raise _fail(where, "expected an object with 'mu', 'sigma' and optionally 'nu'")
    if "nu" not in array:  # a Normal array: Student-t with infinite degrees of freedom (stored as null)
        nu = _nulls_like(array["mu"])
    else:
        nu = array["nu"]
    return {"mu": array["mu"], "sigma": array["sigma"], "nu": nu}


def _nulls_like(values: Any) -> Any:
    if isinstance(values, list):
        return [_nulls_like(v) for v in values]
    return None


def _first_number(values: Any) -> Any:
    while isinstance(values, list) and values:
        values = values[0]
    return values


def _dist_params_init(where: str, layers: Any) -> dict[str, float]:
    """The scalar cold-start prior, read off the first weight of the original's initial parameters."""
    try:
        weight = layers[0]["weight"]
        params = {"mu": _first_number(weight["mu"]), "sigma": _first_number(weight["sigma"])}
        if "nu" in weight:
            params["nu"] = _first_number(weight["nu"])
    except (KeyError, IndexError, TypeError):
        raise _fail(where, "expected a list of layers with a 'weight' holding 'mu' and 'sigma'") from None
    for key, value in params.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            raise _fail(where, f"expected a finite number for the initial {key}, got {value!r:.60}")
    return params


def _convert_inference(where: str, method: Any, kwargs: Any) -> dict[str, Any]:
    if kwargs is not None and not isinstance(kwargs, Mapping):
        raise _fail(f"{where}.update_kwargs", f"expected an object or null, got {kwargs!r:.60}")
    kwargs = dict(kwargs or {})
    if method == "VI":
        mapping, settings = _VI_KEYS, {"method": "VI"}
        # 4.0 releases summarised the ADVI posterior from `trace` draws; here the guide's mean and
        # scale are read exactly, so that setting has nothing left to do
        kwargs.pop("trace", None)
        fit = kwargs.pop("fit", None)
        if isinstance(fit, Mapping) and fit.get("method", "advi") != "advi":
            warnings.warn(
                f"{where}: the original's VI method {fit['method']!r} has no equivalent; ADVI is used",
                MigrationWarning,
                stacklevel=4,
            )
    elif method == "MCMC":
        mapping, settings = _MCMC_KEYS, {"method": "MCMC"}
    else:
        raise _fail(f"{where}.update_method", f"expected 'VI' or 'MCMC', got {method!r:.60}")
    for old, new in mapping.items():
        if old in kwargs:
            settings[new] = kwargs.pop(old)
    if kwargs:
        warnings.warn(
            f"{where}: update_kwargs {sorted(kwargs)} have no equivalent here; their defaults are used",
            MigrationWarning,
            stacklevel=4,
        )
    return settings
