"""Typed cold-start specifications: every ``cold_start`` argument checked once, in one place.

A bandit's ``cold_start`` keeps its public signature; it turns its arguments into these frozen
specifications and builds from them. What stochastic and contextual classes share (quantitative
actions) is checked by one function for both; what only contextual bandits take (their networks,
a shared trunk) is a :class:`NetworkSpec`, which the contextual model kinds
(:mod:`pybandits.kinds`) build their actions from.

Examples
--------
>>> spec = QuantitySpec.from_arguments("SmabBernoulli", {"q": 2}, None, None, allowed={"n_max_segments"})
>>> spec.dimensions, spec.settings
({'q': 2}, {})
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from pybandits.boundary import validation as check
from pybandits.boundary.context import Category, check_category, check_distinct_texts, column_label
from pybandits.boundary.validation import _is_int, describe, is_positive_int
from pybandits.model.bnn.action import DistParams
from pybandits.model.bnn.forward import ACTIVATIONS
from pybandits.model.bnn.network import default_embedding_dim
from pybandits.model.bnn.settings import UPDATE_METHODS, parse_update_kwargs
from pybandits.model.family import NoisePrior, RewardFamily

__all__ = [
    "DIST_TYPES",
    "NetworkSpec",
    "QuantitySpec",
    "TrunkSpec",
    "check_categorical",
    "check_feature_names",
    "families_from_arguments",
]

#: Families of a network's cold-start prior.
DIST_TYPES = ("studentt", "normal")

#: Candidate quantities a contextual quantitative action evaluates per prediction, by default.
DEFAULT_N_CANDIDATES = 32


@dataclass(frozen=True)
class QuantitySpec:
    """The quantitative actions ``{action_id: d}`` and the settings of their models."""

    dimensions: dict[str, int] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_arguments(
        cls,
        class_name: str,
        quantitative: Mapping[str, int],
        quantitative_kwargs: Mapping[str, Any] | None,
        n_objectives: int | None,
        *,
        allowed: set[str],
    ) -> QuantitySpec:
        """Check ``quantitative_kwargs`` against the ids (already checked) and the class.

        ``allowed`` names the settings the class's quantitative models take.
        """
        if not quantitative:
            if quantitative_kwargs is not None:
                raise ValueError("quantitative_kwargs: expected it with quantitative_action_ids, got it alone")
            return cls()
        if n_objectives is not None:
            raise TypeError(
                f"quantitative_action_ids: {class_name} is multi-objective, and a quantitative action has one "
                f"objective; expected None, got {sorted(quantitative)}"
            )
        if quantitative_kwargs is not None and not isinstance(quantitative_kwargs, Mapping):
            raise TypeError(f"quantitative_kwargs: expected a mapping, got {check.describe(quantitative_kwargs)}")
        given = dict(quantitative_kwargs or {})
        unknown = sorted(set(given) - allowed)
        if unknown:
            raise ValueError(f"quantitative_kwargs: expected keys among {sorted(allowed)}, got {unknown}")
        return cls(dimensions=dict(quantitative), settings=given)

    def n_candidates(self) -> int:
        """Candidate quantities per prediction of a contextual quantitative action (>= 2)."""
        value = self.settings.get("n_candidates", DEFAULT_N_CANDIDATES)
        if not check._is_int(value) or value < 2:
            raise ValueError(f"quantitative_kwargs: expected n_candidates an integer >= 2, got {value!r}")
        n_bytes = 64 * int(value)  # a row's candidates, their network inputs and outputs: at least 64 bytes each
        check.check_memory("quantitative_kwargs n_candidates", value, n_bytes, "at least 64 bytes per candidate")
        return int(value)


@dataclass(frozen=True)
class TrunkSpec:
    """A shared trunk: its layer widths and how it is trained (``backbone_kwargs``)."""

    hidden_dim_list: list[int]
    kwargs: Mapping[str, Any] | None = None

    @classmethod
    def from_arguments(
        cls,
        class_name: str,
        backbone_hidden_dim_list: Sequence[int] | None,
        backbone_kwargs: Mapping[str, Any] | None,
        n_objectives: int | None,
    ) -> TrunkSpec | None:
        """The trunk's specification, None without a trunk, or a clear error."""
        if backbone_hidden_dim_list is None:
            if backbone_kwargs is not None:
                raise ValueError("backbone_kwargs: expected it with backbone_hidden_dim_list (a trunk), got it alone")
            return None
        if n_objectives is not None:
            raise TypeError(
                f"backbone_hidden_dim_list: {class_name} is multi-objective, which a shared trunk does not support; "
                f"expected None, got {check.describe(backbone_hidden_dim_list)}"
            )
        widths = check.check_hidden_dim_list(backbone_hidden_dim_list)
        if not widths:
            raise ValueError("backbone_hidden_dim_list: expected at least one layer width, got []")
        return cls(hidden_dim_list=widths, kwargs=backbone_kwargs)


@dataclass(frozen=True)
class NetworkSpec:
    """What a contextual bandit's models are built from: the context's columns, the networks, a trunk.

    Built by :meth:`from_arguments` from ``cold_start``'s arguments, checked in the order the
    arguments are documented; the contextual model kinds (:mod:`pybandits.kinds`) read it.
    """

    n_features: int
    hidden_dim_list: list[int]
    activation: str
    use_residual_connections: bool
    dist_type: str
    dist_params: DistParams
    #: ``dist_params_init`` as given (a linear head reads which keys were given).
    dist_params_given: Mapping[str, float] | None
    update_method: str
    update_kwargs: Mapping[str, Any] | None
    feature_names: list[str] | None
    #: ``{column: (cardinality, embedding_dim)}`` of the categorical columns.
    categorical: dict[int, tuple[int, int]]
    vocabularies: dict[int, list[Any]]
    trunk: TrunkSpec | None
    quantities: QuantitySpec

    @classmethod
    def from_arguments(
        cls,
        class_name: str,
        *,
        n_features: int | None,
        hidden_dim_list: Sequence[int] | None,
        activation: str,
        use_residual_connections: bool,
        dist_type: str,
        dist_params_init: Mapping[str, float] | None,
        update_method: str,
        update_kwargs: Mapping[str, Any] | None,
        categorical_features: Any,
        embedding_dims: Any,
        feature_names: Sequence[str] | None,
        backbone_hidden_dim_list: Sequence[int] | None,
        backbone_kwargs: Mapping[str, Any] | None,
        n_objectives: int | None,
        quantities: QuantitySpec,
    ) -> NetworkSpec:
        """Every network argument checked; a ``TypeError``/``ValueError`` naming the first wrong one."""
        if n_features is None:
            raise TypeError(f"n_features: {class_name} needs the number of context features, got None")
        n_features = check.check_positive_int(n_features, "n_features")
        hidden = check.check_hidden_dim_list(hidden_dim_list)
        trunk = TrunkSpec.from_arguments(class_name, backbone_hidden_dim_list, backbone_kwargs, n_objectives)
        names = check_feature_names(feature_names, n_features)
        categorical, vocabularies = check_categorical(
            categorical_features, embedding_dims, n_features, names, linear=not hidden and trunk is None
        )
        check.check_choice(activation, "activation", ACTIVATIONS)
        if not isinstance(use_residual_connections, bool):
            raise TypeError(
                f"use_residual_connections: expected True or False, got {check.describe(use_residual_connections)}"
            )
        check.check_choice(dist_type, "dist_type", DIST_TYPES)
        check.check_choice(update_method, "update_method", UPDATE_METHODS)
        if dist_params_init is not None and not isinstance(dist_params_init, Mapping | DistParams):
            raise TypeError(
                f"dist_params_init: expected a mapping with keys mu, sigma, nu, got {check.describe(dist_params_init)}"
            )
        try:
            params = DistParams.model_validate(dist_params_init or {})
        except ValidationError as error:
            raise ValueError(f"dist_params_init: {check.pydantic_problems(error)}") from None
        if quantities.dimensions and (trunk is not None or not hidden):
            raise ValueError(
                "quantitative_action_ids: a quantitative action needs a network of its own with hidden_dim_list "
                "(a linear model's reward is monotone in the quantity) and no backbone; expected hidden layers and "
                "no backbone, got "
                f"hidden_dim_list={hidden}, backbone_hidden_dim_list={None if trunk is None else trunk.hidden_dim_list}"
            )
        return cls(
            n_features=n_features,
            hidden_dim_list=hidden,
            activation=activation,
            use_residual_connections=use_residual_connections,
            dist_type=dist_type,
            dist_params=params,
            dist_params_given=dist_params_init,
            update_method=update_method,
            update_kwargs=update_kwargs,
            feature_names=names,
            categorical=categorical,
            vocabularies=vocabularies,
            trunk=trunk,
            quantities=quantities,
        )


def _dense_size(widths: Sequence[int]) -> int:
    """Weights and biases of dense layers through ``widths`` (inputs first)."""
    return sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(widths))


def check_models_fit_in_memory(spec: NetworkSpec, n_actions: int, n_objectives: int | None) -> None:
    """Refuse models whose arrays would not fit in this machine's memory, naming the setting that weighs most.

    Every weight, bias and embedding entry is held as a location, a scale and a degrees of freedom
    (24 bytes), by every action's network (and every objective's), or once by a shared trunk.
    """
    copies = n_actions * (n_objectives or 1) if spec.trunk is None else 1
    inputs = spec.n_features + sum(dim - 1 for _, dim in spec.categorical.values())
    inputs += max(spec.quantities.dimensions.values(), default=0)
    widths = spec.hidden_dim_list if spec.trunk is None else spec.trunk.hidden_dim_list
    layers = [inputs, *widths] if spec.trunk is not None else [inputs, *widths, 1]
    first = layers[1] if len(layers) > 1 else 1
    weights: dict[tuple[str, Any], float] = {
        ("n_features", spec.n_features): 24.0 * copies * spec.n_features * first,
        ("backbone_hidden_dim_list" if spec.trunk else "hidden_dim_list", tuple(widths)): 24.0
        * copies
        * (_dense_size(layers) - spec.n_features * first),
    }
    for column, (cardinality, dim) in spec.categorical.items():
        label = column_label(column, spec.feature_names)
        key = (f"embedding_dims {label}", dim) if dim > cardinality else (f"categorical_features {label}", cardinality)
        weights[key] = 24.0 * copies * cardinality * dim
    if spec.trunk is not None:
        head = _dense_size([widths[-1], *spec.hidden_dim_list, 1]) + (widths[-1] + 1) ** 2
        weights[("hidden_dim_list", tuple(spec.hidden_dim_list))] = 24.0 * n_actions * head
    n_bytes = sum(weights.values())
    name, value = max(weights, key=weights.__getitem__)
    value = list(value) if isinstance(value, tuple) else value
    what = f"{n_bytes / 24:.3g} posterior values in the models of {n_actions} actions"
    check.check_memory(name, value, n_bytes, what)
    if spec.update_method == "MCMC":  # a fit keeps every draw of every parameter of one network
        settings = parse_update_kwargs("MCMC", spec.update_kwargs)
        per_network = n_bytes / 24 / copies if spec.trunk is None else head  # an action's network, or its head
        setting = "chains" if settings.chains > settings.draws else "draws"
        draws_bytes = 8.0 * settings.draws * settings.chains * per_network
        check.check_memory(
            f"update_kwargs {setting}",
            getattr(settings, setting),
            draws_bytes,
            f"{settings.chains} chains of {settings.draws} draws of the {per_network:.3g} parameters of a network",
        )


def families_from_arguments(
    class_name: str,
    family_type: type[RewardFamily],
    n_objectives: int | None,
    *,
    noise_prior: Any,
    reward_loc: Any,
    reward_scale: Any,
) -> list[RewardFamily]:
    """The reward family of every objective from ``cold_start``'s family settings (checked, by name)."""
    locs = _per_objective(reward_loc, n_objectives, "reward_loc")
    scales = _per_objective(reward_scale, n_objectives, "reward_scale")
    return [
        _family(class_name, family_type, noise_prior=noise_prior, reward_loc=loc, reward_scale=scale)
        for loc, scale in zip(locs, scales, strict=True)
    ]


def _family(class_name: str, family_type: type[RewardFamily], **settings: Any) -> RewardFamily:
    """The class's reward family from the cold-start settings it takes; others are refused by name."""
    fields = set(family_type.model_fields) - {"name"}
    for name, value in settings.items():
        if value is not None and name not in fields:
            raise TypeError(
                f"{name}: not a setting of {family_type.__name__} rewards, which {class_name} has "
                f"(it belongs to another reward family); expected None, got {check.describe(value)}"
            )
    given = {name: value for name, value in settings.items() if value is not None}
    if "noise_prior" in given:
        if not isinstance(given["noise_prior"], Mapping | NoisePrior):
            raise TypeError(
                f"noise_prior: expected a mapping with keys mu, sigma, got {check.describe(given['noise_prior'])}"
            )
        try:
            given["noise_prior"] = NoisePrior.model_validate(given["noise_prior"])
        except ValidationError as error:
            raise check.pydantic_error(error, "noise_prior") from None
    for name in ("reward_loc", "reward_scale"):
        if name in given and not check.is_real(given[name]):
            raise TypeError(f"{name}: expected a real number, got {check.describe(given[name])}")
    if given.get("reward_scale") is not None and not given["reward_scale"] > 0:
        raise ValueError(f"reward_scale: expected a number > 0, got {given['reward_scale']!r}")
    if ("reward_loc" in given) != ("reward_scale" in given):
        missing, present = ("reward_scale", "reward_loc") if "reward_loc" in given else ("reward_loc", "reward_scale")
        raise ValueError(f"{missing}: expected it with {present} (both or neither), got {present} alone")
    if "reward_scale" in given:
        given["fitted_on"] = None  # given, so it never moves (not even at the scale earlier versions fixed by mistake)
    try:
        return family_type(**given)
    except ValidationError as error:
        raise check.pydantic_error(error, "reward family settings") from None


def _per_objective(value: Any, n_objectives: int | None, name: str) -> list[Any]:
    """A Gaussian standardisation setting per objective: one value for all, or one per objective."""
    count = n_objectives or 1
    if value is None or not isinstance(value, Sequence) or isinstance(value, str):
        return [value] * count
    if n_objectives is None:
        raise TypeError(
            f"{name}: expected a real number (one objective), got {check.describe(value)}; "
            "a sequence gives one value per objective of a multi-objective (MO) bandit"
        )
    if len(value) != n_objectives:
        raise ValueError(f"{name}: expected one value per objective ({n_objectives}), got {len(value)}")
    return list(value)


def check_feature_names(feature_names: object, n_features: int) -> list[str] | None:
    if feature_names is None:
        return None
    if isinstance(feature_names, str | bytes) or not isinstance(feature_names, Sequence):
        raise TypeError(f"feature_names: expected a list of column names, got {describe(feature_names)}")
    if not all(isinstance(name, str) and name for name in feature_names):
        raise TypeError(f"feature_names: expected non-empty strings, got {list(feature_names)!r:.200}")
    if len(feature_names) != n_features:
        raise ValueError(f"feature_names: expected {n_features} names (n_features), got {len(feature_names)}")
    if len(set(feature_names)) != len(feature_names):
        repeated = sorted({name for name in feature_names if feature_names.count(name) > 1})
        raise ValueError(f"feature_names: expected distinct names, got {repeated} more than once")
    return list(feature_names)


def check_categorical(
    categorical_features: object,
    embedding_dims: object,
    n_features: int,
    feature_names: list[str] | None,
    linear: bool,
) -> tuple[dict[int, tuple[int, int]], dict[int, list[Category]]]:
    """``{column: (cardinality, dim)}`` and the declared vocabularies, or a clear error naming the argument."""
    specs: dict[int, tuple[int, int]] = {}
    vocabularies: dict[int, list[Category]] = {}
    for name, mapping in (("categorical_features", categorical_features), ("embedding_dims", embedding_dims)):
        if mapping is not None and not isinstance(mapping, Mapping):
            raise TypeError(f"{name}: expected a mapping keyed by column index or name, got {describe(mapping)}")

    def column_of(name: str, column: object) -> int:
        if isinstance(column, str) and not column.isdigit():
            if feature_names is None or column not in feature_names:
                known = f"feature_names {feature_names}" if feature_names else "no feature_names"
                raise ValueError(f"{name}: got column {column!r}, which is not a feature name (the bandit has {known})")
            return feature_names.index(column)
        column = int(column) if isinstance(column, str) else column  # TOML/JSON keys are strings
        if not _is_int(column) or not 0 <= column < n_features:
            raise ValueError(
                f"{name}: expected column indices in [0, {n_features}) (n_features counts every column) or "
                f"feature names, got {column!r}"
            )
        return int(column)

    for key, value in dict(categorical_features or {}).items():
        column = column_of("categorical_features", key)
        label = column_label(column, feature_names)
        if column in specs:
            raise ValueError(f"categorical_features: got {label} twice (by index and by name)")
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            values = [check_category(v, f"categorical_features {label}") for v in value]
            if len(set(values)) != len(values):
                repeated = ", ".join(sorted({repr(v) for v in values if values.count(v) > 1}))
                raise ValueError(f"categorical_features: expected distinct values for {label}, got {repeated} twice")
            check_distinct_texts(values, "categorical_features", label)
            vocabularies[column], value = values, len(values)
        if not _is_int(value) or value < 2:
            raise ValueError(
                f"categorical_features: expected a cardinality that is an integer >= 2 (or a list of at least two "
                f"values) for {label}, got {value!r}"
            )
        specs[column] = (int(value), default_embedding_dim(int(value), linear))
    for key, dim in dict(embedding_dims or {}).items():
        column = column_of("embedding_dims", key)
        if column not in specs:
            raise ValueError(
                f"embedding_dims: expected columns of categorical_features {sorted(specs)}, got "
                f"{column_label(column, feature_names)}"
            )
        if not is_positive_int(dim):
            raise ValueError(
                f"embedding_dims: expected an integer >= 1 for {column_label(column, feature_names)}, got {dim!r}"
            )
        specs[column] = (specs[column][0], int(dim))
    return dict(sorted(specs.items())), vocabularies
