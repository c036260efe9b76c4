"""The original library's ``pybandits.model`` names: Bayesian networks, their parameters and feature configs.

- :class:`BayesianNeuralNetwork` *is* this package's :class:`~pybandits.model.bnn.action.Bnn`,
  with the original's ``cold_start`` arguments and defaults (a Student-t prior of scale 10), its
  constructor from ``model_params`` and ``feature_config``, and its methods: ``update(context=,
  rewards=)`` in place, ``sample_proba(context, rng)`` as a list of ``(probability, logit)``, and
  ``approx_history``. It goes into a bandit as it is (``CmabBernoulli(actions={...})``).
- :class:`BayesianLogisticRegression` is the same network without a hidden layer; the ``CC`` forms
  need a ``cost``; the ``MO`` forms are :class:`~pybandits.model.bnn.multi.BnnMO` with one
  network per objective (``models``).
- The original's descriptions of a network's parameters (:mod:`pybandits.compat.params`): a network
  built from them is read by the one migration of the original's networks
  (:func:`pybandits.persistence.migrations.original.network.convert_bnn`), and a network shows its
  own parameters in that layout (``model_params``, ``feature_config``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from pybandits.boundary.validation import describe
from pybandits.compat.params import (
    BnnLayerParams,
    BnnParams,
    CategoricalFeatureConfig,
    EmbeddingParams,
    FeaturesConfig,
    NormalArray,
    StudentTArray,
)
from pybandits.model.beta import Beta, BetaMO
from pybandits.model.bnn.action import Bnn
from pybandits.model.bnn.multi import BnnMO
from pybandits.model.bnn.settings import parse_update_kwargs
from pybandits.persistence.migrations.original.network import convert_bnn

__all__ = [
    "BayesianLogisticRegression",
    "BayesianLogisticRegressionCC",
    "BayesianNeuralNetwork",
    "BayesianNeuralNetworkCC",
    "BayesianNeuralNetworkMO",
    "BayesianNeuralNetworkMOCC",
    "Beta",
    "BetaCC",
    "BetaMO",
    "BetaMOCC",
    "BnnLayerParams",
    "BnnParams",
    "CategoricalFeatureConfig",
    "EmbeddingParams",
    "FeaturesConfig",
    "NormalArray",
    "StudentTArray",
]

#: The original's cold-start prior of every weight and bias (its ``StudentTArray.cold_start`` defaults).
ORIGINAL_PRIOR = {"mu": 0.0, "sigma": 10.0, "nu": 5.0}
#: The original's embedding width of a categorical column: ``ceil(cardinality / 4)``, at least 1.
EMBEDDING_DIM_DIVISOR = 4


# -- networks ----------------------------------------------------------------------------------------------------------

#: The original's network arguments without a counterpart here, and what to use instead.
_REFUSED = {
    "calibrate_output_bias": "the output bias is learned with the other weights here; leave it False",
    "bias_calibrated": "the output bias is learned with the other weights here; leave it False",
    "decay_factor": "forgetting belongs to the bandit here: CmabBernoulli.cold_start(..., decay_factor=...)",
    "decayed_n_successes": "forgetting belongs to the bandit here (decay_factor on the bandit)",
    "decayed_n_failures": "forgetting belongs to the bandit here (decay_factor on the bandit)",
}
_DEFAULTS_ALLOWED = {"calibrate_output_bias": False, "bias_calibrated": False}


def _refuse(given: Mapping[str, Any]) -> None:
    for key, why in _REFUSED.items():
        if key in given and given[key] is not None and given[key] != _DEFAULTS_ALLOWED.get(key):
            raise ValueError(f"{key}: the original's {key}={given[key]!r} has no counterpart here; {why}")


def _dumped(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else value


_NETWORK_KEYS = ("activation", "use_residual_connections", "n_successes", "n_failures")


def _original_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The original's constructor fields (``model_params``, ``feature_config``, ...) as ``Bnn`` fields."""
    data = dict(data)
    _refuse(data)
    for key in _REFUSED:
        data.pop(key, None)
    method, kwargs = data.pop("update_method", "VI"), data.pop("update_kwargs", None)
    cost = data.pop("cost", None)
    params = _dumped(data.pop("model_params"))
    if not isinstance(params, Mapping) or not params.get("bnn_layer_params"):
        raise ValueError(f"model_params: expected BnnParams with at least one layer, got {describe(params)}")
    config = _dumped(data.pop("feature_config", None))
    if config is None:  # the first layer reads every column
        config = {"n_features": len(params["bnn_layer_params"][0]["weight"]["mu"]), "categorical_features_configs": []}
    original = {
        "model_params": params,
        "feature_config": config,
        **{key: data.pop(key) for key in _NETWORK_KEYS if key in data},
    }
    fields = convert_bnn("model", original)
    fields["inference"] = parse_update_kwargs(method, kwargs)
    fields["cost"] = cost
    return {**fields, **data}  # anything else is this package's own field, or refused by validation


class BayesianNeuralNetwork(Bnn):
    """A Bayesian neural network of one action, under the original's name and with its methods.

    This package's :class:`~pybandits.model.bnn.action.Bnn` (a bandit takes it as it is), built
    either from the original's fields (``model_params``, ``feature_config``, ``update_method``,
    ``update_kwargs``, ``activation``, ...) or by :meth:`cold_start` with the original's arguments.
    Unlike ``Bnn``, it changes in place: :meth:`update` refits it as the original does.

    Examples
    --------
    >>> import numpy as np
    >>> model = BayesianNeuralNetwork.cold_start(n_features=2, hidden_dim_list=[4], update_kwargs={"num_steps": 50},
    ...                                          random_seed=0)
    >>> model.model_params.bnn_layer_params[0].weight.shape, model.model_params.bnn_layer_params[0].weight.sigma[0][0]
    ((2, 4), 10.0)
    >>> draws = model.sample_proba(np.zeros((3, 2)), rng=np.random.default_rng(0))
    >>> len(draws), len(draws[0])
    (3, 2)
    """

    model_config = ConfigDict(frozen=False)

    _rng: np.random.Generator | None = PrivateAttr(default=None)

    def __init__(self, **data: Any) -> None:
        seed = data.pop("random_seed", None)
        super().__init__(**data)
        self._rng = np.random.default_rng(seed)

    @model_validator(mode="before")
    @classmethod
    def _from_original(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "model_params" in data:
            return _original_fields(data)
        if isinstance(data, Mapping):
            _refuse(data)
        return data

    @classmethod
    def cold_start(  # type: ignore[override]  # the original's arguments, not Bnn's
        cls,
        n_features: int,
        hidden_dim_list: Sequence[int] | None = None,
        update_method: str = "VI",
        update_kwargs: Mapping[str, Any] | None = None,
        dist_type: str = "studentt",
        dist_params_init: Mapping[str, float] | None = None,
        activation: str = "tanh",
        use_residual_connections: bool = False,
        use_layerwise_scaling: bool = False,
        bias_std: float | None = None,
        categorical_features: Mapping[int, int] | None = None,
        random_seed: int | None = None,
        calibrate_output_bias: bool = False,
        decay_factor: float | None = None,
        _quantity_dim: int = 0,
        **kwargs: Any,
    ) -> Any:
        """A network at the original's cold-start prior: every weight Student-t(0, 10, nu=5) unless told otherwise.

        ``categorical_features`` maps a column to its number of levels; each gets an embedding of
        width ``ceil(cardinality / 4)``. ``use_layerwise_scaling`` divides each weight matrix's
        scale by the square root of its inputs; ``bias_std`` is the biases' scale.
        """
        _refuse({"calibrate_output_bias": calibrate_output_bias, "decay_factor": decay_factor})
        cost = kwargs.pop("cost", None)
        if kwargs:
            raise ValueError(
                f"cold_start: unknown arguments {sorted(kwargs)}; the original's are n_features, hidden_dim_list, "
                "update_method, update_kwargs, dist_type, dist_params_init, activation, use_residual_connections, "
                "use_layerwise_scaling, bias_std, categorical_features, random_seed (and cost)"
            )
        prior = {**ORIGINAL_PRIOR, **dict(dist_params_init or {})}
        categorical = {
            int(column): (int(levels), max(1, math.ceil(int(levels) / EMBEDDING_DIM_DIVISOR)))
            for column, levels in (categorical_features or {}).items()
        }
        model = Bnn.cold_start(
            n_features,
            list(hidden_dim_list or ()),
            activation,  # type: ignore[arg-type]
            use_residual_connections,
            dist_type,  # type: ignore[arg-type]
            prior,
            update_method,
            update_kwargs,
            cost=cost,
            categorical=categorical or None,
            quantity_dim=_quantity_dim,
        )
        network = _scaled(model.network, use_layerwise_scaling, bias_std)
        return cls(**{**_fields(model), "network": network}, random_seed=random_seed)

    # -- the original's methods and attributes -------------------------------------------------------------------

    def update(self, context: Any, rewards: Sequence[float], quantities: Any = None, **kwargs: Any) -> None:
        """Refit the network in place on ``context`` and its ``rewards`` (0 or 1), as a one-action bandit would.

        A quantitative network (``quantity_dim``) takes the played ``quantities`` too, one per row.
        """
        from pybandits.cmab import CmabBernoulli

        if kwargs:
            raise ValueError(f"update: unknown arguments {sorted(kwargs)}; expected context and rewards")
        if (quantities is None) != (self.quantity_dim == 0):
            expected = f"one quantity of {self.quantity_dim} values per row" if self.quantity_dim else "None"
            raise ValueError(f"quantities: expected {expected}, got {describe(quantities)}")
        played = {} if quantities is None else {"quantities": list(quantities)}
        rewards = list(rewards)
        n_rows = len(context) if hasattr(context, "__len__") else -1
        if n_rows != len(rewards):
            raise ValueError(f"rewards: expected one reward per context row ({n_rows} rows), got {len(rewards)}")
        rng = copy.deepcopy(self._generator())  # advanced only by an update that succeeds
        bandit = CmabBernoulli(actions={"model": self.as_bnn()}, random_seed=int(rng.integers(2**31)))
        bandit.update(actions=["model"] * len(rewards), rewards=rewards, context=context, **played)
        self._become(bandit.actions["model"])
        self._rng = rng

    def sample_proba(self, context: Any, rng: np.random.Generator | None = None) -> list[tuple[float, float]]:
        """One network drawn per context row: its probability of a reward and its logit, as ``(probability, logit)``."""
        if self.quantity_dim:
            raise ValueError(
                "sample_proba: a quantitative network's reward depends on the quantity too; a bandit's predict chooses "
                "both (mab.predict(context=...))"
            )
        expected, logits = self.draw(np.asarray(context, dtype=np.float64), self._generator() if rng is None else rng)
        return list(zip(expected.tolist(), logits.tolist(), strict=True))

    @property
    def approx_history(self) -> np.ndarray | None:
        """ADVI's loss at every step of the last update (None before one, or after NUTS)."""
        return self.loss_history

    @property
    def input_dim(self) -> int:
        return self.n_features

    @property
    def count(self) -> int | float:
        return self.n_successes + self.n_failures

    @property
    def model_params(self) -> BnnParams:
        """The network's distributions in the original's layout (a copy: changing it changes nothing)."""
        layers = [
            BnnLayerParams(weight=NormalArray.of(layer.weight), bias=NormalArray.of(layer.bias))
            for layer in self.network.layers
        ]
        tables = [NormalArray.of(embedding.table) for embedding in self.network.embeddings]
        embeddings = EmbeddingParams(embeddings=tables) if tables else None
        return BnnParams(bnn_layer_params=layers, embedding_params=embeddings)

    @property
    def feature_config(self) -> FeaturesConfig:
        configs = [
            CategoricalFeatureConfig(column_index=e.column, cardinality=e.cardinality, embedding_dim=e.dim)
            for e in self.network.embeddings
        ]
        return FeaturesConfig(n_features=self.n_features, categorical_features_configs=configs)

    def as_bnn(self) -> Bnn:
        """This network as a plain :class:`~pybandits.model.bnn.action.Bnn` (this package's own class)."""
        return Bnn(**_fields(self))

    def _generator(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = np.random.default_rng()
        return self._rng

    def _become(self, fitted: Bnn) -> None:
        checked = type(self).model_validate({**_fields(fitted), "cost": self.cost})
        object.__setattr__(self, "__dict__", dict(checked.__dict__))  # every field at once
        self._loss_history = fitted.loss_history


def _fields(model: Bnn) -> dict[str, Any]:
    return {name: getattr(model, name) for name in Bnn.model_fields}


def _scaled(network: Any, layerwise: bool, bias_std: float | None) -> Any:
    """The network's prior with each weight's scale over the square root of its inputs, and the biases' scale."""
    if not layerwise and bias_std is None:
        return network
    layers = []
    for layer in network.layers:
        weight, bias = layer.weight, layer.bias
        if layerwise:
            weight = weight.model_copy(update={"sigma": weight.sigma / math.sqrt(weight.shape[0])})
        if bias_std is not None:
            bias = bias.model_copy(update={"sigma": np.full(bias.shape, float(bias_std))})
        layers.append(layer.model_copy(update={"weight": weight, "bias": bias}))
    return network.model_copy(update={"layers": layers})


class BayesianNeuralNetworkCC(BayesianNeuralNetwork):
    """:class:`BayesianNeuralNetwork` with a ``cost``, for cost-control bandits.

    >>> BayesianNeuralNetworkCC.cold_start(n_features=2, hidden_dim_list=[3], cost=1.5).cost
    1.5
    """

    @model_validator(mode="after")
    def _has_cost(self) -> BayesianNeuralNetworkCC:
        if self.cost is None:
            raise ValueError("cost: expected the action's cost (a number >= 0), got None")
        return self


class BayesianLogisticRegression(BayesianNeuralNetwork):
    """A Bayesian logistic regression: :class:`BayesianNeuralNetwork` without a hidden layer.

    >>> model = BayesianLogisticRegression.cold_start(n_features=3)
    >>> model.hidden_dim_list, model.model_params.bnn_layer_params[0].weight.shape
    ([], (3, 1))
    """

    @model_validator(mode="after")
    def _one_layer(self) -> BayesianLogisticRegression:
        if len(self.network.layers) != 1:
            raise ValueError(
                f"model_params: a logistic regression has one layer, got {len(self.network.layers)}; "
                "use BayesianNeuralNetwork for hidden layers"
            )
        return self

    @classmethod
    def cold_start(cls, n_features: int, **kwargs: Any) -> Any:  # type: ignore[override]
        """As :meth:`BayesianNeuralNetwork.cold_start`, without hidden layers."""
        if kwargs.get("hidden_dim_list"):
            raise ValueError(
                f"hidden_dim_list: a logistic regression has no hidden layer, got {kwargs['hidden_dim_list']}; "
                "use BayesianNeuralNetwork.cold_start"
            )
        kwargs.pop("hidden_dim_list", None)
        return super().cold_start(n_features, **kwargs)


class BayesianLogisticRegressionCC(BayesianLogisticRegression, BayesianNeuralNetworkCC):
    """:class:`BayesianLogisticRegression` with a ``cost``.

    >>> BayesianLogisticRegressionCC.cold_start(n_features=3, cost=2.0).cost
    2.0
    """


class BayesianNeuralNetworkMO(BnnMO):
    """One network per objective, for multi-objective bandits: this package's ``BnnMO`` with the original's ``models``.

    Examples
    --------
    >>> model = BayesianNeuralNetworkMO.cold_start(n_objectives=2, n_features=3)
    >>> len(model.models), type(model.models[0]).__name__
    (2, 'BayesianNeuralNetwork')
    """

    model_config = ConfigDict(frozen=False)

    objectives: list[BayesianNeuralNetwork] = Field(min_length=1)  # type: ignore[assignment]

    @classmethod
    def cold_start(  # type: ignore[override]
        cls, n_objectives: int, n_features: int, dist_params: Mapping[str, float] | None = None, **kwargs: Any
    ) -> Any:
        """``n_objectives`` networks of :meth:`BayesianNeuralNetwork.cold_start` (the prior as ``dist_params``)."""
        if not isinstance(n_objectives, int) or isinstance(n_objectives, bool) or n_objectives < 1:
            raise ValueError(f"n_objectives: expected an integer >= 1, got {n_objectives!r}")
        cost = kwargs.pop("cost", None)
        kwargs["dist_params_init"] = dist_params if dist_params is not None else kwargs.get("dist_params_init")
        return cls(
            objectives=[BayesianNeuralNetwork.cold_start(n_features, **kwargs) for _ in range(n_objectives)], cost=cost
        )

    def update(self, context: Any, rewards: Sequence[Sequence[float]], **kwargs: Any) -> None:
        """Refit every objective's network in place: ``rewards[i]`` holds row ``i``'s reward of each objective."""
        columns = np.asarray(rewards)
        if columns.ndim != 2 or columns.shape[1] != len(self.objectives):
            raise ValueError(
                f"rewards: expected one list of {len(self.objectives)} rewards per row, got shape {columns.shape}"
            )
        for j, network in enumerate(self.models):
            network.update(context, columns[:, j].tolist(), **kwargs)

    def sample_proba(self, context: Any, rng: np.random.Generator | None = None) -> list[list[tuple[float, float]]]:
        """Per context row, each objective's ``(probability, logit)`` of one drawn network."""
        per_objective = [network.sample_proba(context, rng) for network in self.models]
        return [list(row) for row in zip(*per_objective, strict=True)]


class BayesianNeuralNetworkMOCC(BayesianNeuralNetworkMO):
    """:class:`BayesianNeuralNetworkMO` with a ``cost``.

    >>> BayesianNeuralNetworkMOCC.cold_start(n_objectives=2, n_features=3, cost=1.0).cost
    1.0
    """

    @model_validator(mode="after")
    def _has_cost(self) -> BayesianNeuralNetworkMOCC:
        if self.cost is None:
            raise ValueError("cost: expected the action's cost (a number >= 0), got None")
        return self


# -- Beta models -------------------------------------------------------------------------------------------------------


class BetaCC(Beta):
    """This package's :class:`~pybandits.model.beta.Beta` with a required ``cost``, for cost-control bandits.

    >>> BetaCC(n_successes=3, cost=0.5).mean
    0.75
    """

    @model_validator(mode="after")
    def _has_cost(self) -> BetaCC:
        if self.cost is None:
            raise ValueError("cost: expected the action's cost (a number >= 0), got None")
        return self


class BetaMOCC(BetaMO):
    """This package's :class:`~pybandits.model.beta.BetaMO` with a required ``cost``.

    >>> BetaMOCC.cold_start(n_objectives=2, cost=1.0).n_objectives
    2
    """

    @model_validator(mode="after")
    def _has_cost(self) -> BetaMOCC:
        if self.cost is None:
            raise ValueError("cost: expected the action's cost (a number >= 0), got None")
        return self
