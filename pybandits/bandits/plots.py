"""A picture of a bandit's marginal effects: every feature's posterior mean and credible interval, per action.

:func:`plot_effects` draws the table :meth:`~pybandits.bandits.base.BaseMab.effects` returns, as
ArviZ draws a forest plot: one panel per action (and objective), one row per feature (a
categorical column's levels as ``column=level vs reference``), the mean as a point, the interval
(its probability from the table, ``ci_prob``) as a line, and zero marked. Needs matplotlib (the
``plot`` extra).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pybandits.boundary.figures import figure

__all__ = ["plot_effects"]

_COLUMNS = {"action", "feature", "level", "reference", "mean", "lower", "upper"}


def plot_effects(table: Any, *, actions: list[str] | None = None) -> Any:
    """The effects of ``table`` as a forest of intervals, one panel per action (and objective).

    Parameters
    ----------
    table : pandas.DataFrame
        What ``mab.effects(...)`` returns.
    actions : list of str, optional
        The actions to draw (all by default).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from pybandits.cmab import CmabGaussian
    >>> mab = CmabGaussian.cold_start(action_ids=["a", "b"], n_features=2, hidden_dim_list=[], random_seed=0)
    >>> figure = plot_effects(mab.effects(np.zeros((5, 2)), n_draws=50, random_seed=0))
    >>> [axes.get_title() for axes in figure.axes], [t.get_text() for t in figure.axes[0].get_yticklabels()]
    (['a', 'b'], ['x0', 'x1'])
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or not set(table.columns) >= _COLUMNS:
        raise TypeError(f"table: expected the DataFrame mab.effects returns, got {type(table).__name__}")
    if actions is not None:
        unknown = sorted(set(actions) - set(table["action"]))
        if unknown:
            raise ValueError(f"actions: expected actions of the table {sorted(set(table['action']))}, got {unknown}")
        table = table[table["action"].isin(actions)]
    keys = ["action", "objective"] if "objective" in table.columns else ["action"]
    panels = list(table.groupby(keys, sort=False))
    n_rows = max(len(panel) for _, panel in panels)
    result = figure(3.2 * min(len(panels), 4), 0.8 + 0.32 * n_rows * int(np.ceil(len(panels) / 4)))
    probability = table.attrs.get("ci_prob")
    for index, (key, panel) in enumerate(panels):
        axes = result.add_subplot(int(np.ceil(len(panels) / 4)), min(len(panels), 4), index + 1)
        positions = np.arange(len(panel))
        mean = panel["mean"].to_numpy()
        errors = np.abs(np.stack([mean - panel["lower"].to_numpy(), panel["upper"].to_numpy() - mean]))
        axes.errorbar(mean, positions, xerr=errors, fmt="o", markersize=4, capsize=0, linewidth=2)
        axes.axvline(0.0, color="grey", linestyle="--", linewidth=1)
        labels = [
            str(row.feature) if pd.isna(row.level) else f"{row.feature}={row.level} vs {row.reference}"
            for row in panel.itertuples()
        ]
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        title = key if isinstance(key, str) else (key[0] if len(key) == 1 else f"{key[0]}, objective {key[1]}")
        axes.set_title(str(title))
        if index >= len(panels) - min(len(panels), 4):
            interval = f"{probability:.0%} interval" if probability is not None else "interval"
            axes.set_xlabel(f"effect on the expected reward ({interval})")
    return result
