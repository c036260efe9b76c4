"""Matplotlib figures built without pyplot: they work headless and show themselves inline in notebooks.

Needs matplotlib: the ``plot`` extra (``pip install ".[plot]"`` from a clone, or ``pip install
matplotlib``); without it, :func:`figure` raises an ``ImportError`` that says so. Every plot of the
library starts here.
"""

from __future__ import annotations

import functools
import io
from typing import Any

__all__ = ["figure"]


@functools.cache
def _figure_class() -> type:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("pybandits plots need matplotlib (the 'plot' extra): pip install matplotlib") from None

    class PlotFigure(Figure):
        """A Figure that shows itself as an image in notebooks, with or without pyplot."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=96)
            return buffer.getvalue()

    return PlotFigure


def figure(width: float = 7.0, height: float = 4.0) -> Any:
    """A new figure of ``width`` x ``height`` inches, laid out by matplotlib's constrained layout."""
    return _figure_class()(figsize=(width, height), layout="constrained")
