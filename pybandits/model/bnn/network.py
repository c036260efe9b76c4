"""A Bayesian neural network as plain arrays: the description a contextual action keeps.

The network maps ``n_features`` inputs through the hidden layers of ``hidden_dim_list`` (each
followed by the activation, with a residual connection where a layer keeps its width and
``use_residual_connections`` is set) to one output. What the output means is the reward family's
business (:mod:`pybandits.model.family`): a logit for Bernoulli rewards, a standardised mean for
Gaussian ones. With no hidden layer the network is a Bayesian generalised linear model.

Every weight matrix and bias vector is a :class:`~pybandits.model.priors.LocationScale`: the
prior at cold start, the mean-field Normal posterior after a fit.

The forward pass is written once, in :func:`~pybandits.model.bnn.forward.forward`, over an
:class:`~pybandits.model.ops.ArrayOps` namespace: prediction runs it with numpy on one drawn
network per context row (:mod:`pybandits.model.bnn.sampler`), and the fitting engines run the same
function with PyTensor's operations (:mod:`pybandits.engines.graph`). The engines' compile cache
is keyed by :attr:`Network.architecture`, derived from the same description.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Annotated

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from pybandits.base import PyBanditsBaseModel

# The forward pass, the sampler and the array operations lived here before they got modules of
# their own; their names stay importable from here.
from pybandits.model.bnn.forward import ACTIVATIONS, Activation, activate, first_layer_inputs, forward  # noqa: F401
from pybandits.model.bnn.sampler import sample_networks
from pybandits.model.ops import NUMPY_OPS, ArrayOps  # noqa: F401
from pybandits.model.priors import LocationScale

__all__ = ["Layer", "Network", "Embedding", "default_embedding_dim"]


class Layer(PyBanditsBaseModel):
    """One dense layer: ``weight`` of shape ``(n_in, n_out)`` and ``bias`` of shape ``(n_out,)``.

    Examples
    --------
    >>> layer = Layer(weight=LocationScale.full((3, 2), 0.0, 1.0), bias=LocationScale.full((2,), 0.0, 1.0))
    >>> layer.shape
    (3, 2)
    """

    model_config = ConfigDict(frozen=True)

    weight: LocationScale
    bias: LocationScale

    @model_validator(mode="after")
    def _check_shapes(self) -> Layer:
        if len(self.weight.shape) != 2:
            raise ValueError(f"weight: expected a matrix (n_in, n_out), got shape {self.weight.shape}")
        if self.bias.shape != (self.weight.shape[1],):
            raise ValueError(f"bias: expected shape ({self.weight.shape[1]},), got {self.bias.shape}")
        return self

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_in, n_out)``."""
        return self.weight.shape  # type: ignore[return-value]


class Embedding(PyBanditsBaseModel):
    """A categorical context column learned as a Bayesian embedding.

    The column holds integer codes in ``[0, cardinality)``; code ``k`` is the ``k``-th row of
    ``table`` (``(cardinality, dim)``, a distribution per entry like every weight), and that row is
    what the network's first layer sees in place of the column.

    Examples
    --------
    >>> embedding = Embedding(column=2, table=LocationScale.full((50, 4), 0.0, 1.0, 5.0))
    >>> embedding.cardinality, embedding.dim
    (50, 4)
    """

    model_config = ConfigDict(frozen=True)

    column: Annotated[int, Field(ge=0, strict=True)]
    table: LocationScale

    @model_validator(mode="after")
    def _check_table(self) -> Embedding:
        if len(self.table.shape) != 2 or self.table.shape[0] < 2 or self.table.shape[1] < 1:
            raise ValueError(
                f"table: expected (cardinality >= 2, dim >= 1) for column {self.column}, got shape {self.table.shape}"
            )
        return self

    @property
    def cardinality(self) -> int:
        """Number of categories (codes ``0 .. cardinality - 1``)."""
        return self.table.shape[0]

    @property
    def dim(self) -> int:
        """Length of a category's vector."""
        return self.table.shape[1]


def default_embedding_dim(cardinality: int, linear: bool = False) -> int:
    """The embedding dimension of a column of ``cardinality`` categories when none is given.

    ``min(16, round(1.6 * cardinality ** 0.56))``: grows slowly with the number of categories, so
    that a 50-level column gets 14 numbers per level and a 10,000-level one 16.

    A ``linear`` network (no hidden layer) gets 1: its output is linear in the vector ``e`` of a
    level, through the first layer's weights ``w``, so the level enters only as the number
    ``e @ w``, whatever the dimension. More dimensions add no function the network can represent,
    only redundant parameters, and they widen the prior of a level's effect (a sum of ``dim``
    products of prior draws: its variance grows with ``dim``); a Thompson sampler then explores
    more than it has reason to.

    Examples
    --------
    >>> [default_embedding_dim(k) for k in (2, 5, 10, 50, 100, 10_000)]
    [2, 4, 6, 14, 16, 16]
    >>> default_embedding_dim(50, linear=True)
    1
    """
    if linear:
        return 1
    return int(min(16, max(1, round(1.6 * cardinality**0.56))))


class Network(PyBanditsBaseModel):
    """A Bayesian neural network with one output.

    Attributes
    ----------
    layers : list of Layer
        From the input to the output layer; the last has one output. The first layer's inputs
        are the numeric context columns in order, then every embedding's vector in column order.
    embeddings : list of Embedding
        The categorical context columns, in column order (none by default).
    activation : {"tanh", "relu", "sigmoid", "gelu"}
        Activation of the hidden layers.
    use_residual_connections : bool
        Add a hidden layer's input to its output where both have the same width.

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.cold_start(3, [4], "relu", False, mu=0.0, sigma=1.0, nu=None)
    >>> net.n_features, net.hidden_dim_list, list(net.parameters)
    (3, [4], ['w0', 'b0', 'w1', 'b1'])
    >>> net.mean_outputs(np.ones((2, 3)))
    array([0., 0.])
    """

    model_config = ConfigDict(frozen=True)

    layers: list[Layer] = Field(min_length=1)
    activation: Activation = "tanh"
    use_residual_connections: bool = False
    embeddings: list[Embedding] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_chain(self) -> Network:
        columns = [embedding.column for embedding in self.embeddings]
        if columns != sorted(set(columns)):
            raise ValueError(f"embeddings: expected distinct columns in increasing order, got {columns}")
        n_numeric = self.layers[0].shape[0] - sum(embedding.dim for embedding in self.embeddings)
        if n_numeric < 0 or (columns and columns[-1] >= n_numeric + len(columns)):
            raise ValueError(
                f"embeddings: columns {columns} and dims {[e.dim for e in self.embeddings]} do not fit a first "
                f"layer of {self.layers[0].shape[0]} inputs"
            )
        for index, (before, after) in enumerate(zip(self.layers, self.layers[1:], strict=False)):
            if before.shape[1] != after.shape[0]:
                raise ValueError(
                    f"layers: layer {index} has {before.shape[1]} outputs but layer {index + 1} "
                    f"expects {after.shape[0]} inputs"
                )
        if self.layers[-1].shape[1] != 1:
            raise ValueError(f"layers: expected one output, got {self.layers[-1].shape[1]}")
        return self

    @classmethod
    def cold_start(
        cls,
        n_features: int,
        hidden_dim_list: Sequence[int],
        activation: Activation,
        use_residual_connections: bool,
        mu: float,
        sigma: float,
        nu: float | None,
        categorical: Mapping[int, tuple[int, int]] | None = None,
    ) -> Network:
        """The prior network: every weight, bias and embedding entry with the same location-scale prior.

        ``categorical`` maps a context column to its ``(cardinality, dim)``.
        """
        categorical = dict(sorted((categorical or {}).items()))
        embeddings = [
            Embedding(column=column, table=LocationScale.full((cardinality, dim), mu, sigma, nu))
            for column, (cardinality, dim) in categorical.items()
        ]
        n_inputs = n_features - len(categorical) + sum(dim for _, dim in categorical.values())
        widths = [n_inputs, *hidden_dim_list, 1]
        layers = [
            Layer(
                weight=LocationScale.full((n_in, n_out), mu, sigma, nu),
                bias=LocationScale.full((n_out,), mu, sigma, nu),
            )
            for n_in, n_out in itertools.pairwise(widths)
        ]
        return cls(
            layers=layers,
            activation=activation,
            use_residual_connections=use_residual_connections,
            embeddings=embeddings,
        )

    @property
    def n_features(self) -> int:
        """Number of context columns (numeric and categorical)."""
        return self.layers[0].shape[0] - sum(e.dim for e in self.embeddings) + len(self.embeddings)

    @property
    def categorical(self) -> dict[int, int]:
        """``{column: cardinality}`` of the categorical context columns."""
        return {embedding.column: embedding.cardinality for embedding in self.embeddings}

    @property
    def numeric_columns(self) -> list[int]:
        """The numeric context columns, in order: the first inputs of the first layer."""
        categorical = self.categorical
        return [column for column in range(self.n_features) if column not in categorical]

    @property
    def hidden_dim_list(self) -> list[int]:
        """Widths of the hidden layers."""
        return [layer.shape[1] for layer in self.layers[:-1]]

    @property
    def parameters(self) -> dict[str, LocationScale]:
        """Every tensor by name: ``w0``, ``b0``, ``w1``, ... from the input layer on, then ``e<column>`` tables."""
        named = {}
        for index, layer in enumerate(self.layers):
            named[f"w{index}"] = layer.weight
            named[f"b{index}"] = layer.bias
        for embedding in self.embeddings:
            named[f"e{embedding.column}"] = embedding.table
        return named

    def with_parameters(self, parameters: dict[str, LocationScale]) -> Network:
        """The same network with new distributions for its tensors (named as :attr:`parameters`)."""
        layers = [
            Layer(weight=parameters[f"w{index}"], bias=parameters[f"b{index}"]) for index in range(len(self.layers))
        ]
        embeddings = [Embedding(column=e.column, table=parameters[f"e{e.column}"]) for e in self.embeddings]
        return Network(
            layers=layers,
            activation=self.activation,
            use_residual_connections=self.use_residual_connections,
            embeddings=embeddings,
        )

    def with_output_change(self, a: float, b: float) -> Network:
        """The network whose output is ``a * output + b`` (``a > 0``): its output layer scaled and shifted.

        Exact for every drawn network, since the output layer is linear: each weight's and bias's
        location and scale are multiplied by ``a`` and the bias's location moves by ``b``.
        """
        last = len(self.layers) - 1
        weight, bias = self.layers[last].weight, self.layers[last].bias
        return self.with_parameters(
            {
                **self.parameters,
                f"w{last}": weight.model_copy(update={"mu": a * weight.mu, "sigma": a * weight.sigma}),
                f"b{last}": bias.model_copy(update={"mu": a * bias.mu + b, "sigma": a * bias.sigma}),
            }
        )

    @property
    def lookups(self) -> list[tuple[int, LocationScale]]:
        """``(column, table)`` of every embedding, in column order: what the forward pass looks up."""
        return [(embedding.column, embedding.table) for embedding in self.embeddings]

    @property
    def residual(self) -> tuple[bool, ...]:
        """For every hidden layer, whether it adds its input to its output (the residual rule)."""
        return tuple(self.use_residual_connections and layer.shape[0] == layer.shape[1] for layer in self.layers[:-1])

    @property
    def architecture(self) -> tuple:
        """Everything about the network that shapes a compiled graph: a hashable key.

        Layer shapes, the activation and the residual rule; not the distributions' values, nor
        their families (the engines write a Normal element as a Student-t with huge ``nu``,
        so a prior and a posterior share one graph).
        """
        tensors = tuple((name, dist.shape) for name, dist in self.parameters.items())
        return (tensors, self.activation, self.residual, tuple(self.numeric_columns))

    def sample_outputs(self, context: np.ndarray, rng: np.random.Generator, *, per_weight: bool = False) -> np.ndarray:
        """One network drawn per row of ``context`` (``(n_rows, n_features)``); its outputs ``(n_rows,)``.

        This is Thompson sampling's draw: every row gets its own network from the weights'
        distributions, and the output of that network at the row. It is computed without drawing
        the weights of Normal layers (:func:`~pybandits.model.bnn.sampler.sample_networks` does it
        for many networks at once).

        **Normal layers: local reparameterisation.** When every element of a layer's weight and
        bias is Normal (mean-field, ``nu`` None or infinite), the layer's pre-activations for a
        row with input ``h`` are ``z_j = sum_i h_i W_ij + b_j``: a linear combination of
        independent Normals, so Normal with mean ``h @ mu_W + mu_b`` and variance
        ``(h**2) @ sigma_W**2 + sigma_b**2``; and two units ``j`` share no weight, so they are
        independent given ``h``. The input ``h`` depends only on the context and the earlier layers'
        draws, which are independent of this layer's weights, and the rest of the network sees
        this layer's weights only through ``z``. Drawing ``z`` layer by layer, with each row's own
        noise, therefore gives exactly the distribution of the outputs of a network drawn per row:
        no approximation, with one Normal draw per unit instead of one per weight. (It would not
        be exact for one network shared by several rows; Thompson sampling draws one per row.)

        **Student-t layers: a variance factor per weight.** A Student-t sum has no closed form, but
        a Student-t element ``mu + sigma * t(nu)`` is a Normal ``N(mu, sigma**2 * f)`` whose variance
        factor ``f = nu / chi2(nu)`` is drawn independently of everything else. A layer whose weight or
        bias has Student-t elements (the cold-start prior, or a tensor grown by transfer that mixes
        learned Normal entries with Student-t prior ones) therefore draws, per row, a factor for
        each such element (one gamma draw); given the factors the layer is mean-field Normal, and its
        units are drawn as above with the variances ``sigma**2 * f``. ``per_weight=True`` instead
        draws every weight of every layer per row: the reference sampler, kept for tests.

        Examples
        --------
        >>> net = Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None)
        >>> net.sample_outputs(np.zeros((5, 3)), np.random.default_rng(0)).shape
        (5,)
        """
        return sample_networks([self], context, rng, per_weight=per_weight)[:, 0]

    def mean_outputs(self, context: np.ndarray) -> np.ndarray:
        """Outputs of the network at the distributions' locations, shape ``(n_rows,)``."""
        weights = [layer.weight.mu for layer in self.layers]
        biases = [layer.bias.mu for layer in self.layers]
        tables = [(column, table.mu) for column, table in self.lookups]
        return forward(
            NUMPY_OPS,
            context,
            weights,
            biases,
            self.activation,
            self.residual,
            numeric_columns=self.numeric_columns,
            embeddings=tables,
        )
