"""The original library's descriptions of a network's parameters and of the context's columns, as plain data.

:class:`StudentTArray`, :class:`NormalArray`, :class:`BnnLayerParams`, :class:`BnnParams`,
:class:`EmbeddingParams`, :class:`FeaturesConfig` and :class:`CategoricalFeatureConfig` hold what
the original's classes of those names hold, in its layout (nested lists). A network built from
them (:class:`pybandits.compat.model.BayesianNeuralNetwork`) is read by the one migration of the
original's networks; a network shows its own parameters in this layout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pybandits.model.priors import LocationScale

__all__ = [
    "BnnLayerParams",
    "BnnParams",
    "CategoricalFeatureConfig",
    "EmbeddingParams",
    "FeaturesConfig",
    "NormalArray",
    "StudentTArray",
]


class _Data(BaseModel):
    """The original's plain descriptions: validated, mutable, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


# -- parameter descriptions --------------------------------------------------------------------------------------------


class NormalArray(_Data):
    """Normal distributions of a weight matrix, bias vector or embedding table: ``mu`` and ``sigma`` (nested lists).

    >>> NormalArray.cold_start(shape=(2, 1), sigma=1.0).sigma
    [[1.0], [1.0]]
    """

    mu: list[Any]
    sigma: list[Any]

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: np.asarray(v).tolist() if key in cls.model_fields else v for key, v in data.items()}
        return data

    @model_validator(mode="after")
    def _same_shapes(self) -> NormalArray:
        shapes = {name: np.shape(getattr(self, name)) for name in self._arrays}
        if len(set(shapes.values())) > 1 or 0 in next(iter(shapes.values())):
            raise ValueError(f"{type(self).__name__}: expected non-empty arrays of one shape, got shapes {shapes}")
        return self

    _arrays: ClassVar[tuple[str, ...]] = ("mu", "sigma")

    @classmethod
    def cold_start(
        cls, shape: int | Sequence[int], mu: float = 0.0, sigma: float = 10.0, use_layerwise_scaling: bool = False
    ) -> Any:
        """Every entry ``mu`` and ``sigma`` (divided by ``sqrt(shape[0])`` with ``use_layerwise_scaling``)."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if use_layerwise_scaling:
            sigma = sigma / math.sqrt(shape[0])
        return cls(mu=np.full(shape, float(mu)), sigma=np.full(shape, float(sigma)))

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.mu)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The arrays, as numpy."""
        return {name: np.asarray(getattr(self, name), dtype=np.float64) for name in self._arrays}

    @classmethod
    def of(cls, array: LocationScale) -> NormalArray | StudentTArray:
        """A network tensor's distributions in the original's layout (Student-t where ``nu`` is finite)."""
        if array.nu is None or np.isinf(array.nu).all():
            return NormalArray(mu=array.mu, sigma=array.sigma)
        return StudentTArray(mu=array.mu, sigma=array.sigma, nu=array.nu)


class StudentTArray(NormalArray):
    """Student-t distributions: ``mu``, ``sigma`` and the degrees of freedom ``nu``.

    >>> array = StudentTArray.cold_start(shape=(4, 2), use_layerwise_scaling=True)
    >>> array.shape, array.sigma[0][0], array.nu[0][0]
    ((4, 2), 5.0, 5.0)
    """

    nu: list[Any]

    _arrays: ClassVar[tuple[str, ...]] = ("mu", "sigma", "nu")

    @classmethod
    def cold_start(
        cls,
        shape: int | Sequence[int],
        mu: float = 0.0,
        sigma: float = 10.0,
        nu: float = 5.0,
        use_layerwise_scaling: bool = False,
    ) -> StudentTArray:
        """Every entry ``mu``, ``sigma`` (divided by ``sqrt(shape[0])`` with ``use_layerwise_scaling``) and ``nu``."""
        normal = NormalArray.cold_start(shape, mu, sigma, use_layerwise_scaling)
        return cls(mu=normal.mu, sigma=normal.sigma, nu=np.full(normal.shape, float(nu)))


class BnnLayerParams(_Data):
    """One layer's weight ``(n_in, n_out)`` and bias ``(n_out,)`` distributions.

    >>> layer = BnnLayerParams(weight=StudentTArray.cold_start((3, 1)), bias=StudentTArray.cold_start(1, mu=1.0))
    >>> layer.weight.shape, layer.bias.mu
    ((3, 1), [1.0])
    """

    weight: StudentTArray | NormalArray
    bias: StudentTArray | NormalArray


class EmbeddingParams(_Data):
    """One ``(cardinality, embedding_dim)`` table per categorical column, in the order the columns were declared.

    >>> EmbeddingParams(embeddings=[NormalArray.cold_start((5, 2))]).embeddings[0].shape
    (5, 2)
    """

    embeddings: list[StudentTArray | NormalArray]


class BnnParams(_Data):
    """A network's parameters: its layers (and the cold-start ones), and its embedding tables.

    >>> layer = BnnLayerParams(weight=StudentTArray.cold_start((3, 1)), bias=StudentTArray.cold_start(1))
    >>> len(BnnParams(bnn_layer_params=[layer]).bnn_layer_params)
    1
    """

    bnn_layer_params: list[BnnLayerParams] = Field(min_length=1)
    bnn_layer_params_init: list[BnnLayerParams] | None = None
    embedding_params: EmbeddingParams | None = None


class CategoricalFeatureConfig(_Data):
    """A categorical context column: its index, its number of levels and the width of its embedding.

    >>> CategoricalFeatureConfig(column_index=2, cardinality=9, embedding_dim=3).cardinality
    9
    """

    column_index: int = Field(ge=0)
    cardinality: int = Field(ge=1)
    embedding_dim: int = Field(ge=1)


class FeaturesConfig(_Data):
    """The context's columns: ``n_features`` in all, some of them categorical.

    Examples
    --------
    >>> config = FeaturesConfig(n_features=3, categorical_features_configs=[
    ...     CategoricalFeatureConfig(column_index=2, cardinality=3, embedding_dim=4)])
    >>> config.n_numerical, config.numerical_indices, config.total_output_dim
    (2, [0, 1], 6)
    """

    n_features: int = Field(default=0, ge=0)
    categorical_features_configs: list[CategoricalFeatureConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _columns(self) -> FeaturesConfig:
        indices = [config.column_index for config in self.categorical_features_configs]
        if len(set(indices)) != len(indices):
            raise ValueError(f"categorical_features_configs: expected each column once, got columns {indices}")
        beyond = [index for index in indices if index >= self.n_features]
        if beyond:
            raise ValueError(f"categorical_features_configs: columns {beyond} are beyond n_features={self.n_features}")
        return self

    @property
    def numerical_indices(self) -> list[int]:
        categorical = {config.column_index for config in self.categorical_features_configs}
        return [j for j in range(self.n_features) if j not in categorical]

    @property
    def n_numerical(self) -> int:
        return len(self.numerical_indices)

    @property
    def has_categorical(self) -> bool:
        return bool(self.categorical_features_configs)

    @property
    def total_output_dim(self) -> int:
        """Inputs of the first layer: the numeric columns and every embedding's width."""
        return self.n_numerical + sum(config.embedding_dim for config in self.categorical_features_configs)
