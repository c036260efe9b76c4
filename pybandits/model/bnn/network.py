"""A Bayesian neural network as plain arrays, and its one forward pass.

The network maps ``n_features`` inputs through the hidden layers of ``hidden_dim_list`` (each
followed by the activation, with a residual connection where a layer keeps its width and
``use_residual_connections`` is set) to one output. What the output means is the reward family's
business (:mod:`pybandits.model.family`): a logit for Bernoulli rewards, a standardised mean for
Gaussian ones. With no hidden layer the network is a Bayesian generalised linear model.

Every weight matrix and bias vector is a :class:`~pybandits.model.priors.LocationScale`: the
prior at cold start, the mean-field Normal posterior after a fit.

The forward pass is written once, in :func:`forward`, over an :class:`ArrayOps` namespace:
prediction runs it with :data:`NUMPY_OPS` on one drawn network per context row, and the fitting
layer runs the same function with PyTensor's operations to build the PyMC graph. The compile cache
of the fitting layer is keyed by :attr:`Network.architecture`, derived from the same description.

Thompson sampling (:func:`sample_networks`) runs that same forward pass with a ``layer`` hook that
draws each layer's pre-activations from the layer's distributions instead of multiplying by fixed
weights: exactly, with one Normal draw per unit for mean-field Normal layers (the local
reparameterisation), and one more gamma draw per Student-t weight for layers with Student-t elements.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.priors import LocationScale

__all__ = [
    "ACTIVATIONS",
    "NUMPY_OPS",
    "Activation",
    "ArrayOps",
    "Layer",
    "Network",
    "Embedding",
    "activate",
    "default_embedding_dim",
    "first_layer_inputs",
    "forward",
    "sample_networks",
]

Activation = Literal["tanh", "relu", "sigmoid", "gelu"]
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid", "gelu")

_GELU_C = float(np.sqrt(2.0 / np.pi))


@dataclass(frozen=True)
class ArrayOps:
    """The few array operations the forward pass and the likelihoods need, for one array library.

    ``matmul(hidden, weight)`` multiplies ``(n_rows, n_in)`` inputs by one ``(n_in, n_out)``
    matrix, or (numpy only) by one matrix per row, ``(n_rows, n_in, n_out)``; numpy also takes
    leading axes that broadcast, ``(..., n_in)`` by ``(..., n_in, n_out)`` (several networks per row).

    Examples
    --------
    >>> NUMPY_OPS.softplus(np.array([0.0])).round(4)
    array([0.6931])
    >>> NUMPY_OPS.matmul(np.ones((2, 3)), np.ones((2, 3, 1))).shape  # one matrix per row
    (2, 1)
    >>> NUMPY_OPS.matmul(np.ones((2, 1, 3)), np.ones((2, 4, 3, 1))).shape  # four networks per row
    (2, 4, 1)
    """

    tanh: Callable[[Any], Any]
    exp: Callable[[Any], Any]
    maximum: Callable[[Any, Any], Any]
    softplus: Callable[[Any], Any]
    matmul: Callable[[Any, Any], Any]
    #: ``concatenate(arrays)`` along the last axis, leading axes broadcast.
    concatenate: Callable[[Sequence[Any]], Any] = None  # type: ignore[assignment]
    #: ``codes(values)``: a categorical column's float codes as integers, for indexing.
    codes: Callable[[Any], Any] = None  # type: ignore[assignment]


def _numpy_matmul(hidden: np.ndarray, weight: np.ndarray) -> np.ndarray:
    if weight.ndim > 2:  # one network per row (and per network of a stack): leading axes broadcast
        return np.einsum("...i,...io->...o", hidden, weight)
    return hidden @ weight


def _numpy_concatenate(arrays: Sequence[np.ndarray]) -> np.ndarray:
    lead = np.broadcast_shapes(*(array.shape[:-1] for array in arrays))
    return np.concatenate([np.broadcast_to(array, (*lead, array.shape[-1])) for array in arrays], axis=-1)


#: numpy's operations: the prediction path.
NUMPY_OPS = ArrayOps(
    tanh=np.tanh,
    exp=np.exp,
    maximum=np.maximum,
    softplus=lambda z: np.logaddexp(0.0, z),
    matmul=_numpy_matmul,
    concatenate=_numpy_concatenate,
    codes=lambda values: values.astype(np.intp),
)


def activate(name: str, z: Any, ops: ArrayOps) -> Any:
    """The activation ``name`` applied to ``z`` with ``ops`` (numpy or PyTensor).

    GELU is its tanh form; the sigmoid is written with tanh, which is exact and never overflows.

    Examples
    --------
    >>> activate("relu", np.array([-1.0, 2.0]), NUMPY_OPS)
    array([0., 2.])
    """
    if name == "tanh":
        return ops.tanh(z)
    if name == "relu":
        return ops.maximum(z, 0.0)
    if name == "sigmoid":
        return 0.5 * (1.0 + ops.tanh(0.5 * z))
    if name == "gelu":
        return 0.5 * z * (1.0 + ops.tanh(_GELU_C * (z + 0.044715 * z**3)))
    raise ValueError(f"activation: expected one of {list(ACTIVATIONS)}, got {name!r}")


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

    @property
    def lookups(self) -> list[tuple[int, LocationScale]]:
        """``(column, table)`` of every embedding, in column order: what :func:`forward` looks up."""
        return [(embedding.column, embedding.table) for embedding in self.embeddings]

    @property
    def residual(self) -> tuple[bool, ...]:
        """For every hidden layer, whether it adds its input to its output (the residual rule)."""
        return tuple(self.use_residual_connections and layer.shape[0] == layer.shape[1] for layer in self.layers[:-1])

    @property
    def architecture(self) -> tuple:
        """Everything about the network that shapes a compiled graph: a hashable key.

        Layer shapes, the activation and the residual rule; not the distributions' values, nor
        their families (the fitting layer writes a Normal element as a Student-t with huge ``nu``,
        so a prior and a posterior share one graph).
        """
        tensors = tuple((name, dist.shape) for name, dist in self.parameters.items())
        return (tensors, self.activation, self.residual, tuple(self.numeric_columns))

    def sample_outputs(self, context: np.ndarray, rng: np.random.Generator, *, per_weight: bool = False) -> np.ndarray:
        """One network drawn per row of ``context`` (``(n_rows, n_features)``); its outputs ``(n_rows,)``.

        This is Thompson sampling's draw: every row gets its own network from the weights'
        distributions, and the output of that network at the row. It is computed without drawing
        the weights of Normal layers (:func:`sample_networks` does it for many networks at once).

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


def forward(
    ops: ArrayOps,
    context: Any,
    weights: Sequence[Any],
    biases: Sequence[Any],
    activation: str,
    residual: Sequence[bool],
    layer: Callable[[Any, Any, Any], Any] | None = None,
    numeric_columns: Sequence[int] = (),
    embeddings: Sequence[tuple[int, Any]] = (),
    lookup: Callable[[Any, Any], Any] | None = None,
    output: bool = True,
) -> Any:
    """A network's outputs, ``(n_rows,)`` or ``(n_networks, n_rows)``: one forward pass for numpy and PyTensor.

    Parameters
    ----------
    ops : ArrayOps
        :data:`NUMPY_OPS` for prediction, the fitting layer's PyTensor operations for fitting.
    context : array
        ``(n_rows, n_features)``, or ``(n_networks, n_rows, n_features)`` for several networks at
        once (the fitting layer's batched graph).
    weights, biases : sequences of arrays
        Per layer, ``(n_in, n_out)`` and ``(n_out,)`` (one network), or with numpy
        ``(n_rows, n_in, n_out)`` and ``(n_rows, n_out)`` (one network per row), or
        ``(n_networks, n_in, n_out)`` and ``(n_networks, 1, n_out)`` (several networks); with a
        ``layer`` hook, whatever the hook takes.
    activation : str
        Activation of the hidden layers.
    residual : sequence of bool
        Per hidden layer, whether its input is added to its output (:attr:`Network.residual`).
    layer : callable, optional
        ``layer(hidden, weight, bias)``: a layer's pre-activations from its input and whatever
        ``weights`` and ``biases`` hold for it. By default the dense layer
        ``ops.matmul(hidden, weight) + bias``; :func:`sample_networks` passes one that draws the
        pre-activations from the layer's distributions (given as ``weight`` and ``bias``). Whatever
        the hook, the activations, residual connections and output are computed here, and leading
        axes broadcast: a sampler runs a stack of networks on inputs ``(n_rows, 1, n_features)``
        and gets outputs ``(n_rows, n_networks)``.
    numeric_columns, embeddings, lookup : optional
        Categorical columns (:attr:`Network.numeric_columns`, :attr:`Network.lookups`): the
        first layer's input is the context's numeric columns followed by, for every
        ``(column, table)`` of ``embeddings``, the vectors ``lookup(table, codes)`` of the
        column's integer codes (by default ``table[codes]``; the sampler draws them, the fitting
        layer gathers them from every network's table).
    output : bool, default True
        Whether the last layer is the output layer (one unit, no activation). ``False`` makes
        every layer a hidden one (``residual`` then has one entry per layer) and returns the last
        hidden layer, ``(..., n_rows, width)``: the features a shared trunk
        (:mod:`pybandits.model.backbone`) gives the actions' heads.

    Examples
    --------
    >>> w = [np.eye(2), np.ones((2, 1))]
    >>> b = [np.zeros(2), np.zeros(1)]
    >>> forward(NUMPY_OPS, np.array([[1.0, -1.0]]), w, b, "relu", [True])  # relu([1, -1]) + [1, -1]
    array([1.])
    >>> doubled = lambda hidden, weight, bias: 2.0 * (hidden @ weight + bias)
    >>> forward(NUMPY_OPS, np.array([[1.0, -1.0]]), w, b, "relu", [True], layer=doubled)  # relu([2, -2]) + [1, -1]
    array([4.])
    >>> forward(NUMPY_OPS, np.array([[1.0, -1.0]]), w[:1], b[:1], "relu", [False], output=False)  # a trunk
    array([[1., 0.]])
    """
    if layer is None:
        layer = partial(_dense, ops)
    hidden = first_layer_inputs(ops, context, numeric_columns, embeddings, lookup)
    last = len(weights) - 1 if output else len(weights)
    for index, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
        z = layer(hidden, weight, bias)
        if index == last:
            return z[..., 0]
        out = activate(activation, z, ops)
        hidden = out + hidden if residual[index] else out
    if output:
        raise AssertionError("unreachable: a network has at least one layer")
    return hidden


def first_layer_inputs(
    ops: ArrayOps,
    context: Any,
    numeric_columns: Sequence[int] = (),
    embeddings: Sequence[tuple[int, Any]] = (),
    lookup: Callable[[Any, Any], Any] | None = None,
) -> Any:
    """The first layer's inputs: ``context`` itself, or with embeddings its numeric columns then every vector.

    :func:`forward`'s first step (its parameters of the same names), for callers that draw the
    first layer themselves (:mod:`pybandits.model.bnn.candidates`).

    Examples
    --------
    >>> table = np.array([[10.0, 11.0], [20.0, 21.0]])
    >>> first_layer_inputs(NUMPY_OPS, np.array([[0.5, 1.0, 7.0]]), [0, 2], [(1, table)])
    array([[ 0.5,  7. , 20. , 21. ]])
    """
    if not embeddings:
        return context
    lookup = lookup or _take
    vectors = [lookup(table, ops.codes(context[..., column])) for column, table in embeddings]
    numeric = [_select_columns(context, numeric_columns)] if numeric_columns else []
    return ops.concatenate([*numeric, *vectors])


def _select_columns(context: Any, columns: Sequence[int]) -> Any:
    """``context[..., columns]``: a slice (a view, one cheap node in a graph) when the columns are consecutive."""
    first, last = columns[0], columns[-1]
    if list(columns) == list(range(first, last + 1)):
        return context[..., first : last + 1]
    return context[..., list(columns)]


def _take(table: Any, codes: Any) -> Any:
    """An embedding's vectors of ``codes``: the default ``lookup`` of :func:`forward`."""
    return table[codes]


def _dense(ops: ArrayOps, hidden: Any, weight: Any, bias: Any) -> Any:
    """A dense layer's pre-activations: the default ``layer`` of :func:`forward`."""
    return ops.matmul(hidden, weight) + bias


# -- Thompson sampling: one network per row, many networks at once ------------------------------

#: Rows are drawn in chunks whose largest array has at most about this many elements: the units
#: of every network in a stack for a Normal layer (the temporaries stay in the cache), the weights
#: for a per-weight layer (the memory stays bounded whatever the number of rows).
_CHUNK_UNITS = 1 << 17
_CHUNK_WEIGHTS = 1 << 18


def _is_normal(dist: LocationScale) -> bool:
    """Whether every element is Normal (no ``nu``, or every ``nu`` infinite)."""
    return dist.nu is None or bool(np.all(np.isinf(dist.nu)))


@dataclass(frozen=True)
class _NormalStack:
    """Weights (or biases) of a stack of networks' layer, ready for local reparameterisation.

    ``mean`` and ``variance`` (``sigma**2``) have shape ``(n_networks, n_in, n_out)`` (weights) or
    ``(n_networks, n_out)`` (biases); ``shared_mean`` and ``shared_variance``, for weights only,
    are the same as ``(n_in, n_networks * n_out)`` matrices, for an input shared by every network.
    ``nu`` (same shape, infinite for Normal elements) is None when every element is Normal.
    """

    mean: np.ndarray
    variance: np.ndarray
    shared_mean: np.ndarray | None = None
    shared_variance: np.ndarray | None = None
    nu: np.ndarray | None = None

    @classmethod
    def of(cls, dists: Sequence[LocationScale]) -> _NormalStack:
        mean = np.stack([dist.mu for dist in dists])
        variance = np.stack([dist.sigma for dist in dists]) ** 2
        nu = None
        if not all(_is_normal(dist) for dist in dists):
            nu = np.stack([np.full(dist.shape, np.inf) if dist.nu is None else dist.nu for dist in dists])
        if mean.ndim == 2:
            return cls(mean, variance, nu=nu)
        n_in = mean.shape[1]
        return cls(
            mean,
            variance,
            mean.transpose(1, 0, 2).reshape(n_in, -1),
            variance.transpose(1, 0, 2).reshape(n_in, -1),
            nu,
        )


def _stack_per_weight(dists: Sequence[LocationScale]) -> LocationScale:
    """The distributions of a stack of networks' tensors as one, shape ``(n_networks, *shape)``."""
    mu = np.stack([dist.mu for dist in dists])
    sigma = np.stack([dist.sigma for dist in dists])
    if all(dist.nu is None for dist in dists):
        return LocationScale(mu=mu, sigma=sigma)
    nu = np.stack([np.full(dist.shape, np.inf) if dist.nu is None else dist.nu for dist in dists])
    return LocationScale(mu=mu, sigma=sigma, nu=nu)


def _stacked_matmul(hidden: np.ndarray, matrices: np.ndarray, shared: np.ndarray) -> np.ndarray:
    """``(n_rows, 1 or n_networks, n_in)`` inputs times every network's matrix: ``(n_rows, n_networks, n_out)``."""
    if hidden.shape[1] == 1:  # one input for every network (the context): one matrix product
        return (hidden[:, 0, :] @ shared).reshape(hidden.shape[0], matrices.shape[0], matrices.shape[2])
    return np.matmul(hidden.transpose(1, 0, 2), matrices).transpose(1, 0, 2)


def _sampled_layer(
    rng: np.random.Generator,
    hidden: np.ndarray,
    weight: _NormalStack | LocationScale,
    bias: _NormalStack | LocationScale,
) -> np.ndarray:
    """The ``layer`` hook of :func:`forward` that draws a stack's pre-activations, one network per row.

    ``hidden`` is ``(n_rows, 1 or n_networks, n_in)``; the result ``(n_rows, n_networks, n_out)``.
    A :class:`_NormalStack` draws every unit from its exact Normal distribution given the input
    (local reparameterisation), given every Student-t element's variance factor drawn per row
    first; the reference (``LocationScale`` stacks) draws every weight, then multiplies.
    """
    if isinstance(weight, _NormalStack):  # z ~ Normal(h @ mu_W + mu_b, h**2 @ sigma_W**2 + sigma_b**2)
        n_rows = hidden.shape[0]
        mean = _stacked_matmul(hidden, weight.mean, weight.shared_mean)
        mean += bias.mean
        if weight.nu is None:
            z = _stacked_matmul(hidden * hidden, weight.variance, weight.shared_variance)
        else:  # one variance per row and weight: sigma_W**2 times the Student-t factors
            variance = weight.variance * _student_factors(rng, np.broadcast_to(weight.nu, (n_rows, *weight.nu.shape)))
            z = _numpy_matmul(hidden * hidden, variance)
        if bias.nu is None:
            z += bias.variance
        else:
            z += bias.variance * _student_factors(rng, np.broadcast_to(bias.nu, (n_rows, *bias.nu.shape)))
        np.sqrt(z, out=z)  # in place (the arrays are large): the standard deviation,
        z *= rng.standard_normal(z.shape)  # times one standard Normal per row, network and unit,
        z += mean  # plus the mean
        return z
    n_rows = hidden.shape[0]
    return _numpy_matmul(hidden, weight.sample(n_rows, rng)) + bias.sample(n_rows, rng)


def _student_factors(rng: np.random.Generator, nu: np.ndarray) -> np.ndarray:
    """Per element of ``nu``, a Student-t's random variance factor: ``nu / chi2(nu)``, 1 where ``nu`` is infinite.

    A Student-t is a Normal whose variance is scaled by this factor (a Gaussian scale mixture):
    ``mu + sigma * sqrt(factor) * N(0, 1)`` is ``mu + sigma * t(nu)``, as numpy's ``standard_t``
    draws it. One gamma draw per Student-t element, one call when they share their ``nu``.
    """
    factors = np.ones(nu.shape)
    heavy = np.isfinite(nu)
    nu_heavy = nu[heavy]
    if nu_heavy.size:
        first = nu_heavy[0]
        shape = first / 2 if (nu_heavy == first).all() else nu_heavy / 2
        factors[heavy] = nu_heavy / (2.0 * rng.standard_gamma(shape, size=nu_heavy.size))
    return factors


def _sampled_lookup(rng: np.random.Generator, tables: Sequence[LocationScale], codes: np.ndarray) -> np.ndarray:
    """The ``lookup`` hook of :func:`forward` for a stack: every row's vectors drawn from its networks' tables.

    ``tables`` holds the table of every network of the stack, ``codes`` is ``(n_rows, 1)``; the
    result ``(n_rows, n_networks, dim)``. Each row has its own networks, and a row's output depends
    on a table only through the looked-up row, whose entries are independent of every other entry,
    so drawing just that row is exactly drawing the whole table per row. Only those rows are read
    (a table is never copied whole), and a Student-t entry is its Normal noise times the square
    root of :func:`_student_factors`.
    """
    picked = codes[:, 0]
    vectors = np.empty((len(picked), len(tables), tables[0].shape[1]))
    for index, table in enumerate(tables):
        scale = np.take(table.sigma, picked, axis=0)
        if table.nu is not None:
            scale *= np.sqrt(_student_factors(rng, np.take(table.nu, picked, axis=0)))
        scale *= rng.standard_normal(scale.shape)
        np.add(np.take(table.mu, picked, axis=0), scale, out=vectors[:, index])
    return vectors


def _stack_key(network: Network, per_weight: bool) -> tuple:
    """What networks must share to be drawn as one stack: shapes, activation, residual rule, samplers, embeddings.

    A layer's sampler is ``"normal"`` (local reparameterisation), ``"student"`` (the same, given a
    variance factor per Student-t element and row) or ``"weights"`` (every weight, the reference).
    """
    normal = tuple(
        "weights" if per_weight else "normal" if _is_normal(layer.weight) and _is_normal(layer.bias) else "student"
        for layer in network.layers
    )
    inputs = (tuple(network.numeric_columns), tuple((e.column, e.table.shape) for e in network.embeddings))
    return (tuple(layer.shape for layer in network.layers), network.activation, network.residual, inputs, normal)


def _rows_per_chunk(shapes: Sequence[tuple[int, int]], samplers: Sequence[str], n_networks: int) -> int:
    """Rows drawn at once for a stack: its largest array stays within :data:`_CHUNK_UNITS` or :data:`_CHUNK_WEIGHTS`."""
    per_layer = [
        _CHUNK_UNITS // max(shape) if sampler == "normal" else _CHUNK_WEIGHTS // (shape[0] * shape[1])
        for shape, sampler in zip(shapes, samplers, strict=True)
    ]
    return max(1, min(per_layer) // n_networks)


def sample_networks(
    networks: Sequence[Network], context: np.ndarray, rng: np.random.Generator, *, per_weight: bool = False
) -> np.ndarray:
    """Outputs of one network drawn per row of ``context`` from each of ``networks``: ``(n_rows, n_networks)``.

    The sampler of :meth:`Network.sample_outputs` (see there why it is exact), vectorised across
    networks: networks with the same layer shapes, activation, residual rule and per-layer
    sampler (Normal, Student-t or per-weight) are stacked, and each stack runs :func:`forward` once per chunk
    of rows, its layers' distributions stacked along a network axis (embedding tables are only
    read, a row per context row). Stacks are drawn in the order of their first network, chunks in
    row order, so a generator in a given state always gives the same outputs for the same networks
    and context. ``per_weight=True`` draws every weight of
    every layer (the reference sampler).

    Examples
    --------
    >>> nets = [Network.cold_start(3, [4], "tanh", False, mu=m, sigma=0.1, nu=None) for m in (0.0, 1.0)]
    >>> sample_networks(nets, np.zeros((5, 3)), np.random.default_rng(0)).shape
    (5, 2)
    """
    n_rows = context.shape[0]
    outputs = np.empty((n_rows, len(networks)))
    stacks: dict[tuple, list[int]] = {}
    for index, network in enumerate(networks):
        stacks.setdefault(_stack_key(network, per_weight), []).append(index)
    hook, lookup = partial(_sampled_layer, rng), partial(_sampled_lookup, rng)
    for (shapes, activation, residual, (numeric_columns, tables), samplers), members in stacks.items():
        weights, biases = [], []
        for index, sampler in enumerate(samplers):
            layers = [networks[member].layers[index] for member in members]
            stack = _stack_per_weight if sampler == "weights" else _NormalStack.of
            weights.append(stack([layer.weight for layer in layers]))
            biases.append(stack([layer.bias for layer in layers]))
        embeddings = [
            (column, [networks[member].embeddings[index].table for member in members])
            for index, (column, _) in enumerate(tables)
        ]
        chunk = _rows_per_chunk(shapes, samplers, len(members))
        columns = members if len(members) < len(networks) else slice(None)
        for start in range(0, n_rows, chunk):
            rows = slice(start, start + chunk)
            outputs[rows, columns] = forward(
                NUMPY_OPS,
                context[rows, None, :],
                weights,
                biases,
                activation,
                residual,
                layer=hook,
                numeric_columns=numeric_columns,
                embeddings=embeddings,
                lookup=lookup,
            )
    return outputs
