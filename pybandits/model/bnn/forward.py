"""A network's one forward pass, for numpy (prediction) and PyTensor (fitting) alike.

:func:`forward` maps a context through the layers of a network (or a shared trunk), given its
weights, biases and embedding tables as arrays of any library that an
:class:`~pybandits.model.ops.ArrayOps` namespace describes: prediction runs it with
:data:`~pybandits.model.ops.NUMPY_OPS`, the fitting engines with PyTensor's operations
(:mod:`pybandits.engines.graph`), the sampler (:mod:`pybandits.model.bnn.sampler`) with a ``layer``
hook that draws each layer's pre-activations. The activations are defined here, once.

Examples
--------
>>> import numpy as np
>>> from pybandits.model.ops import NUMPY_OPS
>>> forward(NUMPY_OPS, np.array([[1.0, 2.0]]), [np.ones((2, 1))], [np.zeros(1)], "tanh", [])
array([3.])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Literal

import numpy as np

from pybandits.model.ops import ArrayOps

__all__ = ["ACTIVATIONS", "Activation", "activate", "activation_slope", "first_layer_inputs", "forward"]

Activation = Literal["tanh", "relu", "sigmoid", "gelu"]
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid", "gelu")

_GELU_C = float(np.sqrt(2.0 / np.pi))


def activate(name: str, z: Any, ops: ArrayOps) -> Any:
    """The activation ``name`` applied to ``z`` with ``ops`` (numpy or PyTensor).

    GELU is its tanh form; the sigmoid is written with tanh, which is exact and never overflows.

    Examples
    --------
    >>> from pybandits.model.ops import NUMPY_OPS
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


def activation_slope(name: str, z: np.ndarray, value: np.ndarray) -> np.ndarray:
    """The derivative of :func:`activate` ``name`` at ``z``, given its value there (numpy).

    Written from the value where it can be (``1 - tanh**2``, ``s (1 - s)``), so that the
    activation is not computed twice; tested against central differences of :func:`activate`.

    Examples
    --------
    >>> from pybandits.model.ops import NUMPY_OPS
    >>> z = np.array([-1.0, 0.5])
    >>> activation_slope("tanh", z, activate("tanh", z, NUMPY_OPS)).round(4).tolist()
    [0.42, 0.7864]
    """
    if name == "tanh":
        return 1.0 - value * value
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "sigmoid":
        return value * (1.0 - value)
    if name == "gelu":  # d/dz 0.5 z (1 + t), t = tanh(c (z + 0.044715 z**3))
        t = np.tanh(_GELU_C * (z + 0.044715 * z**3))
        return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _GELU_C * (1.0 + 3 * 0.044715 * z * z)
    raise ValueError(f"activation: expected one of {list(ACTIVATIONS)}, got {name!r}")


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
        :data:`~pybandits.model.ops.NUMPY_OPS` for prediction, PyTensor's
        (:data:`~pybandits.engines.graph.PYTENSOR_OPS`) for fitting.
    context : array
        ``(n_rows, n_features)``, or ``(n_networks, n_rows, n_features)`` for several networks at
        once (the ADVI engine's batched graph).
    weights, biases : sequences of arrays
        Per layer, ``(n_in, n_out)`` and ``(n_out,)`` (one network), or with numpy
        ``(n_rows, n_in, n_out)`` and ``(n_rows, n_out)`` (one network per row), or
        ``(n_networks, n_in, n_out)`` and ``(n_networks, 1, n_out)`` (several networks); with a
        ``layer`` hook, whatever the hook takes.
    activation : str
        Activation of the hidden layers.
    residual : sequence of bool
        Per hidden layer, whether its input is added to its output
        (:attr:`~pybandits.model.bnn.network.Network.residual`).
    layer : callable, optional
        ``layer(hidden, weight, bias)``: a layer's pre-activations from its input and whatever
        ``weights`` and ``biases`` hold for it. By default the dense layer
        ``ops.matmul(hidden, weight) + bias``; :func:`~pybandits.model.bnn.sampler.sample_networks`
        passes one that draws the pre-activations from the layer's distributions (given as
        ``weight`` and ``bias``). Whatever
        the hook, the activations, residual connections and output are computed here, and leading
        axes broadcast: a sampler runs a stack of networks on inputs ``(n_rows, 1, n_features)``
        and gets outputs ``(n_rows, n_networks)``.
    numeric_columns, embeddings, lookup : optional
        Categorical columns (:attr:`~pybandits.model.bnn.network.Network.numeric_columns`,
        :attr:`~pybandits.model.bnn.network.Network.lookups`): the first layer's input is the
        context's numeric columns followed by, for every ``(column, table)`` of ``embeddings``,
        the vectors ``lookup(table, codes)`` of the column's integer codes (by default
        ``table[codes]``; the sampler draws them, the ADVI engine gathers them from every
        network's table).
    output : bool, default True
        Whether the last layer is the output layer (one unit, no activation). ``False`` makes
        every layer a hidden one (``residual`` then has one entry per layer) and returns the last
        hidden layer, ``(..., n_rows, width)``: the features a shared trunk
        (:mod:`pybandits.model.backbone`) gives the actions' heads.

    Examples
    --------
    >>> from pybandits.model.ops import NUMPY_OPS
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
    >>> from pybandits.model.ops import NUMPY_OPS
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
