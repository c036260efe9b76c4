"""A Bayesian neural network as plain arrays, and its numpy forward pass.

The network maps ``n_features`` inputs through the hidden layers of ``hidden_dim_list`` (each
followed by the activation, with a residual connection where a layer keeps its width and
``use_residual_connections`` is set) to one logit; the reward is Bernoulli with that logit. With
no hidden layer it is Bayesian logistic regression.

Every weight matrix and bias vector is a :class:`~pybandits.model.priors.LocationScale`: the
prior at cold start, the mean-field Normal posterior after a fit. Prediction draws one network per
context row (Thompson sampling) and runs the forward pass as batched matrix products, with numpy
only.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.priors import LocationScale

__all__ = ["ACTIVATIONS", "Activation", "Layer", "Network", "forward"]

Activation = Literal["tanh", "relu", "sigmoid", "gelu"]
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid", "gelu")

_GELU_C = np.sqrt(2.0 / np.pi)


def _gelu(z: np.ndarray) -> np.ndarray:
    # The tanh form of GELU; the fitting layer uses the same formula.
    return 0.5 * z * (1.0 + np.tanh(_GELU_C * (z + 0.044715 * z**3)))


_NUMPY_ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
    "gelu": _gelu,
}


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
    """A Bayesian neural network with one logit output.

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
    >>> net.mean_logits(np.ones((2, 3)))
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
            raise ValueError(f"layers: expected one output (a logit), got {self.layers[-1].shape[1]}")
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

    def sample_logits(self, context: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One network drawn per row of ``context`` (``(n_rows, n_features)``); its logits ``(n_rows,)``."""
        n_rows = context.shape[0]
        weights = [layer.weight.sample(n_rows, rng) for layer in self.layers]
        biases = [layer.bias.sample(n_rows, rng) for layer in self.layers]
        return forward(context, weights, biases, self.activation, self.use_residual_connections)

    def mean_logits(self, context: np.ndarray) -> np.ndarray:
        """Logits of the network at the distributions' locations, shape ``(n_rows,)``."""
        weights = [layer.weight.mu for layer in self.layers]
        biases = [layer.bias.mu for layer in self.layers]
        return forward(context, weights, biases, self.activation, self.use_residual_connections)


def forward(
    context: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activation: str,
    use_residual_connections: bool,
) -> np.ndarray:
    """Logits of a network, shape ``(n_rows,)``.

    Each weight is ``(n_in, n_out)`` (one network for all rows) or ``(n_rows, n_in, n_out)`` (one
    network per row); each bias ``(n_out,)`` or ``(n_rows, n_out)`` accordingly.
    """
    act = _NUMPY_ACTIVATIONS[activation]
    hidden = context
    last = len(weights) - 1
    for index, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
        if weight.ndim == 3:
            z = np.einsum("ni,nio->no", hidden, weight) + bias
        else:
            z = hidden @ weight + bias
        if index == last:
            return z[:, 0]
        out = act(z)
        hidden = out + hidden if use_residual_connections and out.shape == hidden.shape else out
    raise AssertionError("unreachable: a network has at least one layer")
