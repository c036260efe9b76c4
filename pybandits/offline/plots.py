"""A picture of an off-policy evaluation: every estimate with its interval, against the logged value.

Needs matplotlib: the ``plot`` extra (``pip install ".[plot]"`` from a clone, or ``pip install
matplotlib``). The figure is built without pyplot, so it works headless, and shows itself inline in
a notebook.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["image_bytes", "image_format", "plot_evaluation"]


def image_format(path: str | os.PathLike, name: str = "path") -> str:
    """The image format matplotlib will write ``path`` in, from its extension (PNG without one).

    Checked before an evaluation runs, so that a report is never written when its plot cannot be:
    an ``ImportError`` without matplotlib, a ``ValueError`` naming ``name`` for an extension
    matplotlib does not write.

    Examples
    --------
    >>> image_format("report.svg"), image_format("report")
    ('svg', 'png')
    >>> image_format("report.xyz", "--plot")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --plot: expected an image format matplotlib writes (...), got the extension '.xyz'
    """
    from pybandits.simulation.plots import _figure

    formats = _figure().canvas.get_supported_filetypes()
    suffix = Path(path).suffix
    if not suffix:
        return "png"
    if suffix[1:].lower() not in formats:
        raise ValueError(
            f"{name}: expected an image format matplotlib writes ({', '.join(sorted(formats))}), "
            f"got the extension {suffix!r}"
        )
    return suffix[1:].lower()


def image_bytes(figure: Any, image_format: str, dpi: int = 120) -> bytes:
    """A figure drawn in memory, as the bytes of an image file, for an atomic write.

    Examples
    --------
    >>> from pybandits.simulation.plots import _figure
    >>> image_bytes(_figure(), "png")[:4]
    b'\x89PNG'
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format, dpi=dpi)
    return buffer.getvalue()


def plot_evaluation(report: Any) -> Any:
    """Each estimator's value and bootstrap interval, with the logging policy's value as a line.

    ``report`` is what :func:`~pybandits.offline.evaluate` returns; for a multi-objective report,
    one panel per objective. Cost rows, if any, are left out (they are in other units).

    Examples
    --------
    >>> import pandas as pd
    >>> report = pd.DataFrame(
    ...     {"estimator": ["ipw", "dr", "logged"], "value": [0.6, 0.62, 0.5], "lower": [0.5, 0.57, 0.45],
    ...      "upper": [0.7, 0.67, 0.55], "std": [0.05, 0.03, 0.03]}
    ... )
    >>> figure = plot_evaluation(report)
    >>> [label.get_text() for label in figure.axes[0].get_yticklabels()]
    ['ipw', 'dr']
    """
    import pandas as pd

    from pybandits.simulation.plots import _figure

    if not isinstance(report, pd.DataFrame) or not {"estimator", "value", "lower", "upper"} <= set(report.columns):
        raise TypeError("report: expected the DataFrame pybandits.offline.evaluate returns")
    report = report[~report["estimator"].isin(["cost", "logged_cost"])]
    panels = [report] if "objective" not in report else [part for _, part in report.groupby("objective")]
    figure = _figure()
    figure.set_size_inches(6.4, 0.6 + 0.45 * len(panels[0]) * len(panels))
    for index, panel in enumerate(panels):
        axes = figure.add_subplot(len(panels), 1, index + 1)
        estimates = panel[panel["estimator"] != "logged"]
        positions = np.arange(len(estimates))
        value = estimates["value"].to_numpy()
        errors = np.stack([value - estimates["lower"].to_numpy(), estimates["upper"].to_numpy() - value])
        axes.errorbar(value, positions, xerr=np.abs(errors), fmt="o", capsize=3, label="estimate (interval)")
        logged = panel.loc[panel["estimator"] == "logged", "value"]
        if len(logged):
            axes.axvline(float(logged.iloc[0]), color="grey", linestyle="--", label="logging policy")
        axes.set_yticks(positions, estimates["estimator"].tolist())
        axes.invert_yaxis()
        title = "Off-policy value" + (f", objective {panel['objective'].iloc[0]}" if "objective" in panel else "")
        axes.set_title(title)
        axes.legend(loc="best", fontsize="small")
    axes.set_xlabel("estimated value per decision")
    return figure
