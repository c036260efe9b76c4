"""The shared trunk: hidden layers (and categorical embeddings) learned from every action's rows.

A trunk is a point estimate: plain weight arrays, fitted by maximum a posteriori with weight decay
(:mod:`pybandits.engines.trunk`), not a posterior. Its features are computed by the
library's one forward pass (:func:`~pybandits.model.bnn.forward.forward` with ``output=False``),
with numpy here and with PyTensor in training, so the two cannot drift apart.

For transfer it converts to and from a :class:`~pybandits.model.bnn.network.Network` (with an
unused one-unit output layer), so that it grows by the same rules, and is refused with the same
messages, as every action's network: new input rows and new units take the template's initial
weights, learned weights keep their values.

Examples
--------
>>> import numpy as np
>>> trunk = Trunk.cold_start(3, [4], "tanh", False, np.random.default_rng(0))
>>> trunk.width, trunk.features(np.zeros((2, 3))).shape
(4, (2, 4))
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.bnn.forward import Activation, forward
from pybandits.model.bnn.growth import check_growth, grow_network
from pybandits.model.bnn.network import Embedding, Layer, Network
from pybandits.model.ops import NUMPY_OPS
from pybandits.model.priors import FloatArray, LocationScale

__all__ = ["Trunk"]


class Trunk(PyBanditsBaseModel):
    """Point-estimate hidden layers shared by every action.

    Attributes
    ----------
    weights, biases : list of array
        Per layer, ``(n_in, n_out)`` and ``(n_out,)``. The first layer's inputs are the numeric
        context columns in order, then every embedding's vector in column order (as in a network).
    tables : dict of int to array
        Per categorical column, its embedding table ``(cardinality, dim)``.
    activation : {"tanh", "relu", "sigmoid", "gelu"}
    use_residual_connections : bool
        Add a layer's input to its output where both have the same width.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    weights: list[FloatArray] = Field(min_length=1)
    biases: list[FloatArray] = Field(min_length=1)
    tables: dict[int, FloatArray] = Field(default_factory=dict)
    activation: Activation = "tanh"
    use_residual_connections: bool = False

    @model_validator(mode="after")
    def _check_shapes(self) -> Trunk:
        self.as_network()  # the network's own checks of the chain of shapes and of the embeddings
        if len(self.biases) != len(self.weights):
            raise ValueError(f"biases: expected one per layer ({len(self.weights)}), got {len(self.biases)}")
        return self

    @classmethod
    def cold_start(
        cls,
        n_features: int,
        hidden_dim_list: Sequence[int],
        activation: Activation,
        use_residual_connections: bool,
        rng: np.random.Generator,
        categorical: Mapping[int, tuple[int, int]] | None = None,
    ) -> Trunk:
        """A trunk with random initial weights: ``N(0, 1 / n_in)`` per weight, zero biases, ``N(0, 1)`` embeddings.

        ``categorical`` maps a context column to its ``(cardinality, embedding dim)``.
        """
        categorical = dict(sorted((categorical or {}).items()))
        widths = [n_features - len(categorical) + sum(dim for _, dim in categorical.values()), *hidden_dim_list]
        weights = [rng.standard_normal((n_in, n_out)) / np.sqrt(n_in) for n_in, n_out in itertools.pairwise(widths)]
        return cls(
            weights=weights,
            biases=[np.zeros(n_out) for n_out in widths[1:]],
            tables={column: rng.standard_normal(shape) for column, shape in categorical.items()},
            activation=activation,
            use_residual_connections=use_residual_connections,
        )

    @property
    def width(self) -> int:
        """Number of features the trunk gives the heads (its last layer's width)."""
        return self.weights[-1].shape[1]

    @property
    def hidden_dim_list(self) -> list[int]:
        """Widths of the trunk's layers."""
        return [weight.shape[1] for weight in self.weights]

    @property
    def n_features(self) -> int:
        """Number of context columns (numeric and categorical)."""
        return self.weights[0].shape[0] - sum(table.shape[1] for table in self.tables.values()) + len(self.tables)

    @property
    def categorical(self) -> dict[int, int]:
        """``{column: cardinality}`` of the categorical context columns."""
        return {column: table.shape[0] for column, table in self.tables.items()}

    @property
    def numeric_columns(self) -> list[int]:
        """The numeric context columns, in order."""
        return [column for column in range(self.n_features) if column not in self.tables]

    @property
    def residual(self) -> tuple[bool, ...]:
        """Per layer, whether it adds its input to its output."""
        return tuple(self.use_residual_connections and w.shape[0] == w.shape[1] for w in self.weights)

    @property
    def architecture(self) -> tuple:
        """What shapes a compiled training graph: a hashable key."""
        return (
            len(self.weights),
            self.activation,
            self.residual,
            tuple(self.numeric_columns),
            tuple(sorted(self.tables)),
        )

    def features(self, context: np.ndarray) -> np.ndarray:
        """The trunk's features of every row, ``(n_rows, width)`` (categorical columns as codes)."""
        return forward(
            NUMPY_OPS,
            context,
            list(self.weights),
            list(self.biases),
            self.activation,
            self.residual,
            numeric_columns=self.numeric_columns,
            embeddings=sorted(self.tables.items()),
            output=False,
        )

    def with_prior_rows(self, columns: Sequence[int]) -> Trunk:
        """The trunk with one more row of zeros (the initial scale's centre) after the tables of ``columns``."""
        tables = {
            column: np.concatenate([table, np.zeros((1, table.shape[1]))]) if column in columns else table
            for column, table in self.tables.items()
        }
        return self._replaced(tables=tables)  # a prediction path: tables one zero row longer, not revalidated

    # -- transfer ----------------------------------------------------------------------------

    def as_network(self) -> Network:
        """The trunk as a network description (its weights as locations; an unused output layer)."""
        pairs = zip(self.weights, self.biases, strict=True)
        layers = [Layer(weight=_points(weight), bias=_points(bias)) for weight, bias in pairs]
        layers.append(Layer(weight=_points(np.zeros((self.width, 1))), bias=_points(np.zeros(1))))
        return Network(
            layers=layers,
            activation=self.activation,
            use_residual_connections=self.use_residual_connections,
            embeddings=[Embedding(column=c, table=_points(t)) for c, t in sorted(self.tables.items())],
        )

    @classmethod
    def from_network(cls, network: Network) -> Trunk:
        """The trunk a network description holds (:meth:`as_network`'s inverse)."""
        return cls(
            weights=[layer.weight.mu for layer in network.layers[:-1]],
            biases=[layer.bias.mu for layer in network.layers[:-1]],
            tables={embedding.column: embedding.table.mu for embedding in network.embeddings},
            activation=network.activation,
            use_residual_connections=network.use_residual_connections,
        )

    def grown(self, template: Trunk) -> Trunk:
        """This trunk's weights in ``template``'s shape (new entries keep the template's initial values)."""
        check_growth("", self.as_network(), template.as_network(), trunk=True)
        return Trunk.from_network(grow_network(self.as_network(), template.as_network()))


def _points(values: np.ndarray) -> LocationScale:
    return LocationScale(mu=values, sigma=np.ones_like(values))
