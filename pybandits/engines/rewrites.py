"""How the engines compile: PyTensor's C virtual machine, with two graph rewrites of ADVI's per-parameter work.

:func:`compile_mode` is the mode every engine compiles with (the ADVI and NUTS models, the
trunk's training). For these small graphs the C linker steps two to three times faster than the
Numba linker that PyTensor 3 (PyMC 6) uses by default, and needs no just-in-time compilation on
first call; both PyMC versions are run the same way.

The rewrites change the speed, not the numbers:

- ADVI's standard Normal noise is drawn by ``Generator.standard_normal`` (:class:`_StandardNormalRV`);
- for graphs of many parameters, the softplus of ADVI's scales and their logarithm run in numpy,
  vectorised (:class:`_NumpyUnary`).

Examples
--------
>>> type(compile_mode()).__name__
'Mode'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pybandits.engines.backend import import_pymc

import_pymc()  # PyTensor is imported quietly and configured first
import pytensor  # noqa: E402
import pytensor.tensor as pt  # noqa: E402
from pytensor.graph.rewriting.basic import in2out, node_rewriter  # noqa: E402
from pytensor.tensor.random.basic import NormalRV  # noqa: E402

__all__ = ["compile_mode", "softplus"]

#: Parameters of an ADVI graph from which its softplus and log run in numpy (see :class:`_NumpyUnary`).
_NUMPY_FROM = 1000


def compile_mode(n_parameters: int = 0) -> Any:
    """PyTensor's C virtual machine where a C compiler exists, its Python one otherwise, with the rewrites.

    Both rewrites speed up the work an ADVI step does once per parameter: the standard Normal
    noise always, and for ``n_parameters`` of at least :data:`_NUMPY_FROM` (below, numpy's call
    overhead outweighs its speed) the softplus and log in numpy.

    Examples
    --------
    >>> x = pt.dvector("x")
    >>> float(pytensor.function([x], pt.softplus(x), mode=compile_mode())([0.0])[0].round(4))
    0.6931
    """
    from pytensor.compile.mode import Mode

    mode = Mode(linker="cvm" if pytensor.config.cxx else "vm", optimizer="fast_run")
    rewrites = (_standard_normal, _numpy_unary) if n_parameters >= _NUMPY_FROM else (_standard_normal,)
    # after the fusion of elementwise operations (49), before the in-place rewrites (50.9)
    return mode.register((in2out(*rewrites), 49.5))


def softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + exp(x))``, stable, four times faster than ``np.logaddexp(0, x)``.

    Examples
    --------
    >>> softplus(np.array([0.0, 800.0])).round(4).tolist()
    [0.6931, 800.0]
    """
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _is_constant(variable: Any, value: float) -> bool:
    data = getattr(variable, "data", None)
    return data is not None and data.size == 1 and float(data.reshape(-1)[0]) == value


class _StandardNormalRV(NormalRV):
    """A Normal draw whose location is 0 and scale 1: numpy's ``standard_normal``."""

    def rng_fn(self, rng, loc, scale, size):
        return rng.standard_normal(np.broadcast_shapes(np.shape(loc), np.shape(scale)) if size is None else size)


@node_rewriter([NormalRV])
def _standard_normal(fgraph, node):
    """ADVI's standard Normal noise drawn by ``Generator.standard_normal``.

    Every step draws one number per parameter; ``Generator.normal`` with the ``(1, 1)`` array
    parameters PyTensor makes of the constants 0 and 1 takes a path half again as slow.
    """
    if isinstance(node.op, _StandardNormalRV):
        return None
    rng, size, loc, scale = node.inputs
    if not (_is_constant(loc, 0.0) and _is_constant(scale, 1.0)):
        return None
    op = _StandardNormalRV(**{name: getattr(node.op, name) for name in node.op.__props__})
    return op.make_node(rng, size, loc, scale).outputs


class _NumpyUnary(pytensor.graph.Op):
    """An elementwise function of a float64 tensor computed by numpy (``softplus`` or ``log``)."""

    __props__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def make_node(self, x):
        x = pt.as_tensor_variable(x)
        return pytensor.graph.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = np.asarray(_NUMPY_UNARY[self.name](inputs[0]))  # an array even for a 0-d input


_NUMPY_UNARY = {"softplus": softplus, "log": np.log}


@node_rewriter([pt.elemwise.Elemwise])
def _numpy_unary(fgraph, node):
    """ADVI's scales (the softplus of one number per parameter) and their logarithm by numpy, every step.

    numpy's exp, log1p and log are vectorised; PyTensor's C code calls them one element at a time,
    three to five times slower, which is most of a step for a network with large embedding tables.
    Only what the fusion of elementwise operations left on its own is taken.
    """
    scalar_op = node.op.scalar_op
    if len(node.inputs) != 1 or node.inputs[0].dtype != "float64" or node.outputs[0].dtype != "float64":
        return None
    if isinstance(scalar_op, pytensor.scalar.math.Softplus):
        return [_NumpyUnary("softplus")(node.inputs[0])]
    if isinstance(scalar_op, pytensor.scalar.basic.Log):
        return [_NumpyUnary("log")(node.inputs[0])]
    return None
