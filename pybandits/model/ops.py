"""The few array operations the forward pass and the likelihoods need, for numpy (and, in the engines, PyTensor).

The forward pass (:func:`~pybandits.model.bnn.forward.forward`) and every reward family's
likelihood (:meth:`~pybandits.model.family.RewardFamily.log_likelihood`) are written once over an
:class:`ArrayOps` namespace. Prediction runs them with :data:`NUMPY_OPS`; the fitting engines run
the same functions with PyTensor's operations (:data:`pybandits.engines.graph.PYTENSOR_OPS`) to
build their graphs. This module imports numpy only.

Examples
--------
>>> import numpy as np
>>> NUMPY_OPS.tanh(np.array([0.0]))
array([0.])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NUMPY_OPS", "ArrayOps"]


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
