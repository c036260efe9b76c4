"""An action's expected reward and its average input gradient, at many posterior draws of its networks.

A contextual action's expected reward is a chain of forward passes (:class:`Stage`): a network per
action is one stage; a shared trunk is a stage of point weights followed by a head's stage. Each
stage's weights are either shared by every draw (``(n_in, n_out)``, a trunk's) or one per draw
(``(n_draws, n_in, n_out)``, drawn from the posterior). :func:`expected_and_mean_gradient` runs the
one forward pass (:func:`~pybandits.model.bnn.forward.forward`, with a ``layer`` hook that keeps
every layer's pre-activations) and back-propagates the reward to the first layer's inputs. The
row average is taken at the first layer, so the gradient of every input costs one product with
that layer's weights per draw, not one per row.

Everything runs in single precision: numpy's float32 activations are several times faster than its
float64 ones, and the results are posterior summaries, whose Monte Carlo error is far larger than
float32's relative precision (about 1e-7).

Examples
--------
>>> from pybandits.model.family import Gaussian
>>> weights = [np.array([[2.0], [-1.0]])]
>>> stage = Stage(weights=weights, biases=[np.zeros(1)], activation="tanh", residual=(), output=True)
>>> expected, gradient = expected_and_mean_gradient([stage], np.ones((3, 2)), Gaussian())
>>> gradient.round(3).tolist()  # a linear network: its weights
[[2.0, -1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pybandits.model.bnn.forward import activation_slope, forward
from pybandits.model.ops import NUMPY_OPS

__all__ = ["Stage", "expected_and_mean_gradient", "expected_rewards", "network_stage"]


@dataclass(frozen=True)
class Stage:
    """One forward pass: a trunk's layers (``output=False``) or a network ending in its output unit.

    ``weights[k]`` is ``(n_in, n_out)`` (shared by every draw) or ``(n_draws, n_in, n_out)``;
    ``biases[k]`` ``(n_out,)`` or ``(n_draws, 1, n_out)``; an embedding table ``(cardinality, dim)`` or
    ``(n_draws, cardinality, dim)``. ``residual`` has one entry per hidden layer, as for
    :func:`~pybandits.model.bnn.forward.forward`; ``numeric_columns`` and ``embeddings`` describe the
    first stage's categorical context columns.

    Examples
    --------
    >>> stage = Stage(weights=[np.ones((5, 2, 1))], biases=[np.zeros((5, 1, 1))], activation="tanh",
    ...               residual=(), output=True)
    >>> [w.shape for w in stage.draws(1, 3).weights], stage.draws(1, 3).weights[0].dtype
    ([(2, 2, 1)], dtype('float32'))
    """

    weights: Sequence[np.ndarray]
    biases: Sequence[np.ndarray]
    activation: str
    residual: Sequence[bool]
    output: bool
    numeric_columns: Sequence[int] = ()
    embeddings: Sequence[tuple[int, np.ndarray]] = field(default_factory=tuple)

    def draws(self, start: int, stop: int, dtype: type = np.float32) -> Stage:
        """The stage at draws ``start:stop`` (shared tensors stay as they are), as ``dtype``."""

        def part(array: np.ndarray, shared_ndim: int) -> np.ndarray:
            array = array if array.ndim == shared_ndim else array[start:stop]
            return np.asarray(array, dtype=dtype)

        return Stage(
            weights=[part(w, 2) for w in self.weights],
            biases=[part(b, 1) for b in self.biases],
            activation=self.activation,
            residual=tuple(self.residual),
            output=self.output,
            numeric_columns=tuple(self.numeric_columns),
            embeddings=tuple((column, part(table, 2)) for column, table in self.embeddings),
        )


def network_stage(network: Any, n_draws: int, rng: np.random.Generator) -> Stage:
    """A network's stage at ``n_draws`` draws of all its tensors from their posteriors (one network per draw).

    Examples
    --------
    >>> from pybandits.model.bnn.network import Network
    >>> net = Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None)
    >>> [w.shape for w in network_stage(net, 5, np.random.default_rng(0)).weights]
    [(5, 3, 4), (5, 4, 1)]
    """
    return Stage(
        weights=[layer.weight.sample(n_draws, rng) for layer in network.layers],
        biases=[layer.bias.sample(n_draws, rng)[:, None, :] for layer in network.layers],
        activation=network.activation,
        residual=network.residual,
        output=True,
        numeric_columns=network.numeric_columns,
        embeddings=[(column, table.sample(n_draws, rng)) for column, table in network.lookups],
    )


def _lookup(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return np.take(table, codes, axis=-2)  # (n_rows, dim), or (n_draws, n_rows, dim) for a table per draw


def _dense(trace: list, hidden: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A dense layer that keeps its pre-activations; an input shared by every draw takes one matrix product."""
    if weight.ndim == 3 and hidden.ndim == 2:
        n_draws, n_in, n_out = weight.shape
        z = hidden @ weight.transpose(1, 0, 2).reshape(n_in, -1)  # (rows, draws * units)
        z += bias.reshape(-1)
        z = z.reshape(len(hidden), n_draws, n_out).transpose(1, 0, 2)  # a view: rows stay the outer axis
    else:
        z = np.matmul(hidden, weight) + bias
    trace.append((hidden, weight, z))
    return z


def _run(stages: Sequence[Stage], context: np.ndarray) -> tuple[np.ndarray, list[list]]:
    """Every stage's forward pass in turn; the outputs and each stage's trace of (weight, pre-activation)."""
    hidden, traces = context, []
    for stage in stages:
        trace: list = []
        hidden = forward(
            NUMPY_OPS,
            hidden,
            list(stage.weights),
            list(stage.biases),
            stage.activation,
            stage.residual,
            layer=lambda h, w, b, trace=trace: _dense(trace, h, w, b),
            numeric_columns=stage.numeric_columns if stage.embeddings else (),
            embeddings=stage.embeddings,
            lookup=_lookup,
            output=stage.output,
        )
        trace.append((hidden, None, None))  # the stage's output: the last layer's activations
        traces.append(trace)
    return hidden, traces


def expected_rewards(
    stages: Sequence[Stage], context: np.ndarray, family: Any, n_draws: int, dtype: type = np.float32
) -> np.ndarray:
    """The expected reward of every row at every draw, ``(n_draws, n_rows)`` (float64).

    Examples
    --------
    >>> from pybandits.model.family import Bernoulli
    >>> stage = Stage(weights=[np.zeros((2, 1))], biases=[np.zeros(1)], activation="tanh", residual=(), output=True)
    >>> expected_rewards([stage], np.ones((3, 2)), Bernoulli(), n_draws=1).tolist()
    [[0.5, 0.5, 0.5]]
    """
    result = np.empty((n_draws, len(context)))
    for start, stop in _blocks(stages, len(context), n_draws):
        outputs, _ = _run([stage.draws(start, stop, dtype) for stage in stages], context.astype(dtype))
        result[start:stop] = family.expected_reward(np.broadcast_to(outputs, (stop - start, len(context))))
    return result


def expected_and_mean_gradient(
    stages: Sequence[Stage], context: np.ndarray, family: Any, n_draws: int = 1, dtype: type = np.float32
) -> tuple[np.ndarray, np.ndarray]:
    """Expected rewards ``(n_draws, n_rows)`` and their row-averaged gradient over the first layer's inputs.

    The gradient ``(n_draws, n_inputs)`` is over the first stage's first-layer inputs: the numeric
    context columns in order, then every embedding's coordinates. The family's link is
    differentiated numerically (a central difference of :meth:`expected_reward`, elementwise and
    exact to about 1e-9 for a smooth link), so every family works unchanged. ``dtype`` is the
    precision of the forward and backward passes (float64 for tests against finite differences).

    Examples
    --------
    >>> from pybandits.model.family import Bernoulli
    >>> stage = Stage(weights=[np.array([[1.0], [2.0]])], biases=[np.zeros(1)], activation="tanh",
    ...               residual=(), output=True)
    >>> expected, gradient = expected_and_mean_gradient([stage], np.zeros((4, 2)), Bernoulli(), dtype=np.float64)
    >>> gradient.round(4).tolist()  # sigmoid'(0) = 1/4 times the weights
    [[0.25, 0.5]]
    """
    n_rows = len(context)
    expected = np.empty((n_draws, n_rows))
    gradient = None
    for start, stop in _blocks(stages, n_rows, n_draws):
        part = [stage.draws(start, stop, dtype) for stage in stages]
        outputs, traces = _run(part, context.astype(dtype))
        outputs = np.broadcast_to(outputs, (stop - start, n_rows)).astype(np.float64)
        expected[start:stop] = family.expected_reward(outputs)
        step = 1e-4 * np.maximum(1.0, np.abs(outputs))
        slope = (family.expected_reward(outputs + step) - family.expected_reward(outputs - step)) / (2.0 * step)
        grad = slope.astype(dtype)  # d reward / d output, (draws, rows)
        for stage, trace in zip(reversed(part), reversed(traces), strict=True):
            first = stage is part[0]
            grad = _backward(stage, trace, grad, mean_at_input=first)
        if gradient is None:
            gradient = np.empty((n_draws, grad.shape[-1]))
        gradient[start:stop] = grad
    return expected, gradient


@dataclass(frozen=True)
class _Outer:
    """A gradient ``row[..., :, None] * unit[..., None, :]``: a number per draw and row times a vector per draw.

    What an output unit sends back to the layer before it, kept factored: the row average at a
    first layer then costs one product over the rows instead of a pass over every row, draw and unit.
    """

    row: np.ndarray  # (draws, rows)
    unit: np.ndarray  # (draws, width), or (width,) for weights shared by every draw

    def full(self) -> np.ndarray:
        return self.row[..., None] * self.unit[..., None, :]


def _backward(stage: Stage, trace: list, grad: np.ndarray | _Outer, *, mean_at_input: bool) -> np.ndarray | _Outer:
    """The gradient over the stage's input from the gradient over its output.

    An output stage takes ``(draws, rows)`` (the reward's derivative by the output); a trunk's
    stage what its head sent back. ``mean_at_input``: the row average over the first layer's input,
    ``(draws, n_inputs)``.
    """
    last = len(trace) - 2  # the trace ends with the stage's output
    for index in range(last, -1, -1):
        hidden, weight, z = trace[index]
        transposed = np.swapaxes(weight, -1, -2).astype(np.float64) if index == 0 else np.swapaxes(weight, -1, -2)
        if stage.output and index == last:  # one output unit: d output / d input = its weights
            grad = _Outer(grad, weight[..., :, 0])
            if index == 0 and mean_at_input:
                return grad.row.mean(axis=-1, dtype=np.float64)[:, None] * grad.unit
            continue
        residual = stage.residual[index]
        value = trace[index + 1][0] - hidden if residual else trace[index + 1][0]  # the activation's value
        slope = activation_slope(stage.activation, z, value)
        if index == 0 and mean_at_input and isinstance(grad, _Outer) and not residual:
            # mean_i row_si unit_sh slope_sih: one product over the rows per draw (one in all for a trunk)
            if slope.ndim == 2:
                weighted = grad.row @ slope
            else:
                weighted = np.matmul(grad.row[:, None, :], slope)[:, 0, :]
            mean = grad.unit * weighted.astype(np.float64) / grad.row.shape[-1]
            return np.matmul(mean[..., None, :], transposed)[..., 0, :]
        grad = grad.full() if isinstance(grad, _Outer) else grad
        dz = grad * slope
        if index == 0 and mean_at_input:
            mean = np.matmul(dz.mean(axis=-2, dtype=np.float64)[..., None, :], transposed)[..., 0, :]
            return mean + grad.mean(axis=-2, dtype=np.float64) if residual else mean
        grad = np.matmul(dz, transposed) + grad if residual else np.matmul(dz, transposed)
    return grad


#: Values of the widest per-draw activations held at once (64 MiB as float32).
_BLOCK_VALUES = 1 << 24


def _blocks(stages: Sequence[Stage], n_rows: int, n_draws: int) -> list[tuple[int, int]]:
    """Ranges of draws computed together, so that a block's activations stay within :data:`_BLOCK_VALUES`."""
    widest = max(max(w.shape[-2:]) for stage in stages for w in stage.weights)
    size = max(1, _BLOCK_VALUES // max(1, n_rows * widest))
    return [(start, min(start + size, n_draws)) for start in range(0, n_draws, size)]
