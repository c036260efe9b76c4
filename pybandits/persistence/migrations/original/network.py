"""The original library's Bayesian neural networks as action models of this package."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from pybandits.boundary.original_kwargs import translated
from pybandits.exceptions import MigrationWarning
from pybandits.persistence.migrations.original.common import check_keys, fail
from pybandits.persistence.migrations.original.embeddings import convert_array, convert_embeddings, embedding_tables

__all__ = ["convert_bnn"]

_VI_KEYS = {"num_steps": "num_steps", "batch_size": "batch_size"}
_MCMC_KEYS = {"draws": "draws", "tune": "tune", "chains": "chains", "target_accept": "target_accept"}
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
    # 6.x-8.x
    "decay_factor",
    "random_seed",
    "calibrate_output_bias",
    "bias_calibrated",
}
_BNN_PARAMS_KEYS = {"bnn_layer_params", "bnn_layer_params_init", "embedding_params", "embedding_params_init"}


def convert_bnn(where: str, model: Mapping[str, Any]) -> dict[str, Any]:
    """One of the original's networks (an action's, or one objective's) as a ``Bnn`` document."""
    check_keys(where, model, _BNN_KEYS)
    for key, why in (
        ("decay_factor", "here forgetting belongs to the bandit (decay_factor at cold start), with its own law"),
        ("calibrate_output_bias", "here the output bias is learned with the other weights"),
    ):
        if model.get(key) not in (None, False):
            raise fail(f"{where}.{key}", f"the original's {key}={model[key]!r} has no equivalent: {why}")
    params = model["model_params"]
    if not isinstance(params, Mapping) or not isinstance(params.get("bnn_layer_params"), list):
        raise fail(f"{where}.model_params", "expected an object with a 'bnn_layer_params' list")
    check_keys(f"{where}.model_params", params, _BNN_PARAMS_KEYS)
    layers = [
        _convert_layer(f"{where}.model_params.bnn_layer_params[{i}]", layer)
        for i, layer in enumerate(params["bnn_layer_params"])
    ]
    if not layers:
        raise fail(f"{where}.model_params.bnn_layer_params", "expected at least one layer")
    embeddings = convert_embeddings(where, model, params, layers[0])
    residual = bool(model.get("use_residual_connections", False))
    if residual:
        for i, layer in enumerate(layers[:-1]):
            n_in, n_out = np.shape(layer["weight"]["mu"])
            if n_out > n_in:
                raise fail(
                    f"{where}.use_residual_connections",
                    f"layer {i} widens from {n_in} to {n_out} units with a residual connection, which the "
                    "original zero-pads; here residual connections join layers of equal width only",
                )
    # the original's Normal arrays have no 'nu'; one family for the whole network (and its tables)
    arrays = [array for layer in params["bnn_layer_params"] for array in (layer["weight"], layer["bias"])]
    arrays += embedding_tables(where, params)
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


def _convert_layer(where: str, layer: Any) -> dict[str, Any]:
    if not isinstance(layer, Mapping) or set(layer) != {"weight", "bias"}:
        raise fail(where, "expected an object with 'weight' and 'bias'")
    return {
        "weight": convert_array(f"{where}.weight", layer["weight"]),
        "bias": convert_array(f"{where}.bias", layer["bias"]),
    }


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
        raise fail(where, "expected a list of layers with a 'weight' holding 'mu' and 'sigma'") from None
    for key, value in params.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            raise fail(where, f"expected a finite number for the initial {key}, got {value!r:.60}")
    return params


def _convert_inference(where: str, method: Any, kwargs: Any) -> dict[str, Any]:
    if kwargs is not None and not isinstance(kwargs, Mapping):
        raise fail(f"{where}.update_kwargs", f"expected an object or null, got {kwargs!r:.60}")
    kwargs = dict(kwargs or {})
    if method in ("VI", "MCMC") and not {"fit", "trace"} & set(kwargs):  # 6.x-8.x: flat keys
        return _flat_inference(where, method, kwargs)
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
        raise fail(f"{where}.update_method", f"expected 'VI' or 'MCMC', got {method!r:.60}")
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


def _flat_inference(where: str, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """6.x-8.x's flat ``update_kwargs`` (every default written out): each key with a counterpart read as
    :mod:`pybandits.boundary.original_kwargs` reads it; a key without one is named in a warning
    unless it is unset (None, False), and the default is used."""
    settings: dict[str, Any] = {"method": method}
    dropped = []
    for key, value in kwargs.items():
        if value is None or value is False or (key == "method" and value == "advi"):
            continue
        try:
            settings.update(translated(method, {key: value}))
        except (ValueError, TypeError) as error:
            dropped.append(f"{key}={value!r} ({str(error).removeprefix('update_kwargs: ')})")
    if dropped:
        warnings.warn(
            f"{where}: the next updates fit with this package's settings in place of update_kwargs "
            + "; ".join(dropped),
            MigrationWarning,
            stacklevel=5,
        )
    return settings
