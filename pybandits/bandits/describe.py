"""The lines ``pybandits info`` prints about a bandit's settings: exploration, availability, drift.

Examples
--------
>>> from pybandits.smab import SmabBernoulli
>>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, epsilon=0.1, default_action="a", decay_factor=0.99)
>>> print("\\n".join(settings_lines(mab)))
epsilon    0.1  default_action a
forgetting decay_factor 0.99 (a memory of about 100 rows)
"""

from __future__ import annotations

from typing import Any

__all__ = ["settings_lines"]


def settings_lines(mab: Any) -> list[str]:
    """One line per group of settings the bandit uses (epsilon always; the others when set)."""
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
