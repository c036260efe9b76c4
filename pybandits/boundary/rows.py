"""Building the per-row dictionaries that ``predict`` returns, fast.

``predict`` returns plain lists of plain dicts (``probs[i][action]``). In CPython the cheapest way to
build many small dicts is a dict display over unpacked columns, ``{k0: v0, k1: v1}``, about three
times faster than ``dict(zip(keys, row))``. The display needs one source line per number of actions,
so it is generated once per count and cached. The generated source holds only positional names
(``k0``, ``v0``, ...): action ids are passed in as values, never written into code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

__all__ = ["rows_as_dicts"]


@lru_cache(maxsize=64)
def _builder(n_keys: int) -> Callable[[Sequence[str], list[list]], list[dict]]:
    keys = ", ".join(f"k{i}" for i in range(n_keys))
    values = ", ".join(f"v{i}" for i in range(n_keys))
    items = ", ".join(f"k{i}: v{i}" for i in range(n_keys))
    source = f"def build(keys, columns):\n    {keys}, = keys\n    return [{{{items}}} for {values}, in zip(*columns)]\n"
    namespace: dict = {}
    exec(compile(source, f"<pybandits rows of {n_keys} actions>", "exec"), namespace)
    return namespace["build"]


def rows_as_dicts(keys: Sequence[str], matrix: np.ndarray) -> list[dict]:
    """``[{keys[j]: matrix[i, j] for j} for i]`` as plain Python values.

    ``matrix`` is ``(n_rows, n_keys)`` (values become floats) or ``(n_rows, n_keys, n_objectives)``
    (values become lists of floats).
    """
    if len(keys) > 64:  # rare: many actions; the generic form is fine there
        return [dict(zip(keys, row, strict=True)) for row in matrix.tolist()]
    columns = [matrix[:, j].tolist() for j in range(len(keys))]
    return _builder(len(keys))(keys, columns)
