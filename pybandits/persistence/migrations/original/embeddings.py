"""The original library's categorical columns (its release 5.0.0) as embeddings of this package."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pybandits.persistence.migrations.original.common import check_keys, fail, is_int

__all__ = ["convert_array", "convert_embeddings", "embedding_tables"]


def convert_embeddings(
    where: str, model: Mapping[str, Any], params: Mapping[str, Any], first_layer: dict[str, Any]
) -> list[dict[str, Any]]:
    """The embeddings of this package for the original's categorical columns, in column order.

    The original (5.0.0) declares its categorical columns in ``feature_config`` and keeps one
    ``(cardinality, embedding_dim)`` table per column in ``model_params.embedding_params.embeddings``,
    in the order of ``feature_config.categorical_features_configs``. Its first layer reads the
    numeric columns in column order, then the embeddings in that same declaration order, which
    need not be column order; here the embeddings follow in column order, so the blocks of the
    first layer's weight rows are reordered to match (``first_layer``, a converted layer, is
    changed in place; the original's document is not).
    """
    tables = embedding_tables(where, params)
    feature_config = model.get("feature_config")
    if feature_config is None:
        if tables:
            raise fail(
                f"{where}.model_params.embedding_params",
                f"{len(tables)} embedding table(s) but no feature_config naming their columns",
            )
        return []
    config_where = f"{where}.feature_config"
    if not isinstance(feature_config, Mapping):
        raise fail(config_where, f"expected an object or null, got {feature_config!r:.60}")
    check_keys(config_where, feature_config, {"n_features", "categorical_features_configs"})
    n_features = feature_config.get("n_features")
    if not is_int(n_features) or n_features < 1:
        raise fail(f"{config_where}.n_features", f"expected an integer >= 1, got {n_features!r:.60}")
    configs = feature_config.get("categorical_features_configs") or []
    if not isinstance(configs, list):
        raise fail(f"{config_where}.categorical_features_configs", f"expected a list, got {configs!r:.60}")
    columns = [
        _categorical_column(f"{config_where}.categorical_features_configs[{i}]", config)
        for i, config in enumerate(configs)
    ]
    seen = [column for column, _, _ in columns]
    for column in seen:
        if column >= n_features:
            raise fail(
                f"{config_where}.categorical_features_configs",
                f"column {column} is out of range for n_features={n_features}",
            )
        if seen.count(column) > 1:
            raise fail(f"{config_where}.categorical_features_configs", f"column {column} is declared twice")
    if len(tables) != len(columns):
        raise fail(
            f"{where}.model_params.embedding_params",
            f"{len(tables)} embedding table(s) for {len(columns)} categorical column(s) in feature_config",
        )
    n_numeric = n_features - len(columns)
    n_inputs = n_numeric + sum(dim for _, _, dim in columns)
    rows = _row_count(f"{where}.model_params.bnn_layer_params[0].weight", first_layer["weight"])
    if rows != n_inputs:
        raise fail(
            f"{where}.model_params.bnn_layer_params[0].weight",
            f"{rows} input rows, but feature_config implies {n_inputs} ({n_numeric} numeric column(s) and "
            f"embeddings of {sum(dim for _, _, dim in columns)} number(s))",
        )
    embeddings = []
    for index, ((column, cardinality, dim), table) in enumerate(zip(columns, tables, strict=True)):
        table_where = f"{where}.model_params.embedding_params.embeddings[{index}]"
        converted = convert_array(table_where, table)
        shape = _matrix_shape(table_where, converted)
        if shape != (cardinality, dim):
            raise fail(
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


def embedding_tables(where: str, params: Mapping[str, Any]) -> list[Any]:
    """The original's embedding tables of one network (``model_params.embedding_params.embeddings``), or []."""
    embedding_params = params.get("embedding_params")
    if embedding_params is None:
        return []
    table_where = f"{where}.model_params.embedding_params"
    if not isinstance(embedding_params, Mapping) or not isinstance(embedding_params.get("embeddings"), list):
        raise fail(table_where, "expected null or an object with an 'embeddings' list")
    # embeddings_init (and model_params.embedding_params_init) hold the cold-start prior, whose
    # scalar parameters are read off the layers' initial parameters like every other tensor's
    check_keys(table_where, embedding_params, {"embeddings", "embeddings_init"})
    return embedding_params["embeddings"]


def _categorical_column(where: str, config: Any) -> tuple[int, int, int]:
    if not isinstance(config, Mapping) or set(config) != {"column_index", "cardinality", "embedding_dim"}:
        raise fail(where, "expected an object with 'column_index', 'cardinality' and 'embedding_dim'")
    column, cardinality, dim = config["column_index"], config["cardinality"], config["embedding_dim"]
    for key, value, low in (("column_index", column, 0), ("cardinality", cardinality, 1), ("embedding_dim", dim, 1)):
        if not is_int(value) or value < low:
            raise fail(f"{where}.{key}", f"expected an integer >= {low}, got {value!r:.60}")
    if cardinality < 2:
        raise fail(
            where,
            f"column {column} has cardinality {cardinality}: here a categorical column has at least 2 "
            "categories, and a one-category embedding (a random vector added to every row) has no "
            "equivalent among numeric columns",
        )
    return column, cardinality, dim


def _row_count(where: str, array: Mapping[str, Any]) -> int:
    """The number of rows of a converted weight matrix, the same for its ``mu``, ``sigma`` and ``nu``."""
    counts = {len(array[key]) if isinstance(array[key], list) else None for key in ("mu", "sigma", "nu")}
    if len(counts) != 1 or None in counts:
        raise fail(where, "expected 'mu', 'sigma' and 'nu' matrices with the same number of rows")
    return counts.pop()


def _matrix_shape(where: str, array: Mapping[str, Any]) -> tuple[int, ...]:
    try:
        return np.shape(np.asarray(array["mu"], dtype=float))
    except (TypeError, ValueError):
        raise fail(where, "expected 'mu' to be a matrix of numbers") from None


def convert_array(where: str, array: Any) -> dict[str, Any]:
    """One of the original's parameter arrays (``mu``, ``sigma``, optional ``nu``) as a Student-t array here."""
    if not isinstance(array, Mapping) or not {"mu", "sigma"} <= set(array) or not set(array) <= {"mu", "sigma", "nu"}:
        raise fail(where, "expected an object with 'mu', 'sigma' and optionally 'nu'")
    if "nu" not in array:  # a Normal array: Student-t with infinite degrees of freedom (stored as null)
        nu = _nulls_like(array["mu"])
    else:
        nu = array["nu"]
    return {"mu": array["mu"], "sigma": array["sigma"], "nu": nu}


def _nulls_like(values: Any) -> Any:
    if isinstance(values, list):
        return [_nulls_like(v) for v in values]
    return None
