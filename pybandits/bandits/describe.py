"""What a bandit shows of itself: ``pybandits info``'s lines, its ``repr`` and its HTML display in notebooks.

:func:`summary_lines` is the one description: the class, strategy and settings, the models' kind and
shape, categories and features, the reward family, quantities and prices, then one line per action
(what it learned, with a conjugate action's posterior mean and 94% interval, its cost, price and
last fit). ``info`` prints it, ``repr`` prints it with at most :data:`REPR_ACTIONS` actions, and
:func:`summary_html` lays it out as tables.

Examples
--------
>>> from pybandits.smab import SmabBernoulli
>>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, epsilon=0.1, default_action="a", decay_factor=0.99)
>>> print("\\n".join(settings_lines(mab)))
epsilon    0.1  default_action a
forgetting decay_factor 0.99 (a memory of about 100 rows)
"""

from __future__ import annotations

import html
from typing import Any

from pybandits.boundary.tabular import quantity_columns
from pybandits.model.display import html_table

__all__ = ["REPR_ACTIONS", "REPR_WIDTH", "settings_lines", "summary_html", "summary_lines"]

#: The most actions a bandit's ``repr`` lists (the rest are counted), and its widest line: one screen.
REPR_ACTIONS = 12
REPR_WIDTH = 160


def settings_lines(mab: Any) -> list[str]:
    """One line per group of settings the bandit uses (epsilon always; the others when set).

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> settings_lines(SmabBernoulli.cold_start(action_ids=["a"]))
    ['epsilon    None  default_action None']
    """
    share = "" if mab.default_action_fraction is None else f"  default_action_fraction {mab.default_action_fraction}"
    lines = [f"epsilon    {mab.epsilon}  default_action {mab.default_action}{share}"]
    if mab.limited_actions:
        lines.append(
            f"limited    {', '.join(mab.limited_actions)}: offered on {mab.limited_action_fraction} of the rows"
        )
    if mab.decay_factor is not None:
        memory = (
            "no forgetting" if mab.decay_factor == 1.0 else f"a memory of about {1 / (1 - mab.decay_factor):.4g} rows"
        )
        lines.append(f"forgetting decay_factor {mab.decay_factor} ({memory})")
    if mab.change_detection is not None:
        lines.append(mab.change_detection.describe())
        lines += [
            f"  change   {c.action!r} detected at row {c.time}, changed at row {c.change_at} "
            f"(GLR {c.statistic:.3g} >= {c.threshold:.3g})"
            for c in mab.change_detection.changes[-5:]
        ]
    return lines


def summary_lines(mab: Any, max_actions: int | None = None, width: int | None = None) -> list[str]:
    """The bandit described line by line (what ``pybandits info`` prints).

    At most ``max_actions`` actions (the others counted), and every line cut at ``width``
    characters: what ``repr`` shows on one screen.

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids=["a", "b", "c"])
    >>> mab.update(actions=["a"] * 10, rewards=[1] * 7 + [0] * 3)
    >>> print("\\n".join(summary_lines(mab, max_actions=2)))  # doctest: +NORMALIZE_WHITESPACE
    class      SmabBernoulli
    strategy   ClassicBandit()
    epsilon    None  default_action None
    rewards    bernoulli
    actions
      a: n_successes=8, n_failures=4; mean 0.667 [0.4, 0.88]
      b: n_successes=1, n_failures=1; mean 0.5 [0.03, 0.97]
      ... and 1 more action
    """
    lines = _header_lines(mab)
    lines.append("actions")
    shown = _action_rows(mab, max_actions)
    lines += [f"  {action_id}: {text}" for action_id, text in shown]
    hidden = len(mab.actions) - len(shown)
    if hidden:
        lines.append(f"  ... and {hidden} more action{'s' if hidden > 1 else ''}")
    if width is not None:
        lines = [line if len(line) <= width else line[: width - 3] + "..." for line in lines]
    return lines


def summary_html(mab: Any) -> str:
    """The same description as HTML tables: the settings, then one row per action.

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> html_text = summary_html(SmabBernoulli.cold_start(action_ids=["a", "b"]))
    >>> html_text.startswith("<div><strong>SmabBernoulli</strong>"), html_text.count("<th")
    (True, 6)
    """
    settings = []
    for line in _header_lines(mab):
        label, _, text = line.strip().partition(" ")
        settings.append((label if not line.startswith(" ") else "", text.strip() if label else line.strip()))
    cell = "style='text-align:left'"
    actions = "".join(
        f"<tr><th {cell}>{html.escape(action_id)}</th><td {cell}>{html.escape(text)}</td></tr>"
        for action_id, text in _action_rows(mab)
    )
    return html_table(settings, type(mab).__name__) + f"<div><strong>actions</strong><table>{actions}</table></div>"


def _header_lines(mab: Any) -> list[str]:
    lines = [f"class      {type(mab).__name__}", f"strategy   {mab.strategy!r}", *settings_lines(mab)]
    contextual = hasattr(mab, "categorical_features")
    if contextual:
        lines += mab.kind.describe(mab)
        names = mab.feature_names or [f"column {j}" for j in range(mab.input_dim)]
        for column, cardinality in mab.categorical_features.items():
            known = len(mab.vocabularies.get(column, []))
            lines.append(f"category   {names[column]}: cardinality {cardinality}, {known} values in the vocabulary")
        if mab.feature_names:
            lines.append(f"features   {', '.join(mab.feature_names)}")
    families = mab.families if contextual else [mab.family]
    lines.append(f"rewards    {'; '.join(family.describe() for family in families)}")
    dimensions = mab.quantity_dimensions
    if dimensions:
        described = ", ".join(f"{a} (d={d})" for a, d in dimensions.items())
        lines.append(f"quantities {described}; data columns {', '.join(quantity_columns(dimensions))}")
    if mab.action_prices is not None:
        lines.append(f"prices     {', '.join(f'{a} {price}' for a, price in mab.action_prices.items())}")
    return lines


def _action_rows(mab: Any, limit: int | None = None) -> list[tuple[str, str]]:
    """Per action (the first ``limit``): what it learned (a conjugate's mean, 94% interval), cost, price, last fit."""
    dimensions = mab.quantity_dimensions
    rows = []
    for action_id, model in list(mab.actions.items())[:limit]:
        kind = f"quantitative d={dimensions[action_id]}; " if action_id in dimensions else ""
        text = f"{kind}{model.summary()}{_posterior_note(model)}"
        if model.cost is not None:
            text += f"  cost {model.cost}"
        if mab.action_prices is not None:
            text += f"  price {mab.action_prices[action_id]}"
        single = model.objectives[0] if getattr(model, "objectives", None) else model
        fit = getattr(single, "last_fit", None)
        if fit is not None:
            text += f"; last fit {fit.describe()}"
        rows.append((action_id, text))
    return rows


def _posterior_note(model: Any) -> str:
    """``; mean m [low, high]``: a conjugate action's expected reward (per objective), its exact 94% interval."""
    parts = getattr(model, "objectives", None) or [model]
    if not hasattr(parts[0], "credible_interval"):
        return ""
    notes = []
    for part in parts:
        low, high = part.credible_interval(0.94)
        notes.append(f"{part.mean:.3g} [{low:.2g}, {high:.2g}]")
    return "; mean " + ", ".join(notes)
