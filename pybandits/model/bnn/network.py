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
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.priors import LocationScale

__all__ = ["ACTIVATIONS", "NUMPY_OPS", "Activation", "ArrayOps", "Layer", "Network", "activate", "forward"]

Activation = Literal["tanh", "relu", "sigmoid", "gelu"]
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid", "gelu")

_GELU_C = float(np.sqrt(2.0 / np.pi))


@dataclass(frozen=True)
class ArrayOps:
    """The few array operations the forward pass and the likelihoods need, for one array library.

    ``matmul(hidden, weight)`` multiplies ``(n_rows, n_in)`` inputs by one ``(n_in, n_out)``
    matrix, or (numpy only) by one matrix per row, ``(n_rows, n_in, n_out)``.

    Examples
    --------
    >>> NUMPY_OPS.softplus(np.array([0.0])).round(4)
    array([0.6931])
    >>> NUMPY_OPS.matmul(np.ones((2, 3)), np.ones((2, 3, 1))).shape  # one matrix per row
    (2, 1)
    """

    tanh: Callable[[Any], Any]
    exp: Callable[[Any], Any]
    maximum: Callable[[Any, Any], Any]
    softplus: Callable[[Any], Any]
    matmul: Callable[[Any, Any], Any]


def _numpy_matmul(hidden: np.ndarray, weight: np.ndarray) -> np.ndarray:
    if weight.ndim == 3:  # one network per row
        return np.einsum("ni,nio->no", hidden, weight)
    return hidden @ weight


#: numpy's operations: the prediction path.
NUMPY_OPS = ArrayOps(
    tanh=np.tanh,
    exp=np.exp,
    maximum=np.maximum,
    softplus=lambda z: np.logaddexp(0.0, z),
    matmul=_numpy_matmul,
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


class Network(PyBanditsBaseModel):
    """A Bayesian neural network with one output.

    Attributes
    ----------
    layers : list of Layer
        From the input to the output layer; the last has one output.
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

    @model_validator(mode="after")
    def _check_chain(self) -> Network:
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
    ) -> Network:
        """The prior network: every weight and bias with the same location-scale prior."""
        widths = [n_features, *hidden_dim_list, 1]
        layers = [
            Layer(
                weight=LocationScale.full((n_in, n_out), mu, sigma, nu),
                bias=LocationScale.full((n_out,), mu, sigma, nu),
            )
            for n_in, n_out in itertools.pairwise(widths)
        ]
        return cls(layers=layers, activation=activation, use_residual_connections=use_residual_connections)

    @property
    def n_features(self) -> int:
        """Number of inputs."""
        return self.layers[0].shape[0]

    @property
    def hidden_dim_list(self) -> list[int]:
        """Widths of the hidden layers."""
        return [layer.shape[1] for layer in self.layers[:-1]]

    @property
    def parameters(self) -> dict[str, LocationScale]:
        """Every weight tensor by name: ``w0``, ``b0``, ``w1``, ... from the input layer on."""
        named = {}
        for index, layer in enumerate(self.layers):
            named[f"w{index}"] = layer.weight
            named[f"b{index}"] = layer.bias
        return named

    def with_parameters(self, parameters: dict[str, LocationScale]) -> Network:
        """The same network with new distributions for its tensors (named as :attr:`parameters`)."""
        layers = [
            Layer(weight=parameters[f"w{index}"], bias=parameters[f"b{index}"]) for index in range(len(self.layers))
        ]
        return Network(
            layers=layers, activation=self.activation, use_residual_connections=self.use_residual_connections
        )

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
        return (tensors, self.activation, self.residual)

    def sample_outputs(self, context: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One network drawn per row of ``context`` (``(n_rows, n_features)``); its outputs ``(n_rows,)``."""
        n_rows = context.shape[0]
        weights = [layer.weight.sample(n_rows, rng) for layer in self.layers]
        biases = [layer.bias.sample(n_rows, rng) for layer in self.layers]
        return forward(NUMPY_OPS, context, weights, biases, self.activation, self.residual)

    def mean_outputs(self, context: np.ndarray) -> np.ndarray:
        """Outputs of the network at the distributions' locations, shape ``(n_rows,)``."""
        weights = [layer.weight.mu for layer in self.layers]
        biases = [layer.bias.mu for layer in self.layers]
        return forward(NUMPY_OPS, context, weights, biases, self.activation, self.residual)


def forward(
    ops: ArrayOps,
    context: Any,
    weights: Sequence[Any],
    biases: Sequence[Any],
    activation: str,
    residual: Sequence[bool],
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
        ``(n_networks, n_in, n_out)`` and ``(n_networks, 1, n_out)`` (several networks).
    activation : str
        Activation of the hidden layers.
    residual : sequence of bool
        Per hidden layer, whether its input is added to its output (:attr:`Network.residual`).

    Examples
    --------
    >>> w = [np.eye(2), np.ones((2, 1))]
    >>> b = [np.zeros(2), np.zeros(1)]
    >>> forward(NUMPY_OPS, np.array([[1.0, -1.0]]), w, b, "relu", [True])  # relu([1, -1]) + [1, -1]
    array([1.])
    """
    hidden = context
    last = len(weights) - 1
    for index, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
        z = ops.matmul(hidden, weight) + bias
        if index == last:
            return z[..., 0]
        out = activate(activation, z, ops)
        hidden = out + hidden if residual[index] else out
    raise AssertionError("unreachable: a network has at least one layer")
