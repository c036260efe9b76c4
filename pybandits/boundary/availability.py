"""Checks of the action-availability settings: the default action's share, the limited actions and their share.

The bandits call :func:`check_availability` twice: in ``cold_start`` on the user's arguments, and
in the model's own consistency check on its fields (a state, ``model_copy(update=...)``), so both
refuse the same values with the same messages. As everywhere at the boundary, an error is a
``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong value) whose message starts
with the argument's name and says what was expected and what came.

What the settings do is described in :mod:`pybandits.bandits.availability` and ``docs/availability.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from pybandits.boundary.validation import check_action_ids, describe, is_real

__all__ = ["check_availability", "check_fraction", "check_limited_actions"]


def check_fraction(value: object, name: str, *, zero_allowed: bool) -> float | None:
    """Return ``value`` as a float in [0, 1] (``zero_allowed``) or (0, 1], or None.

    Booleans are refused (``True`` is not a share), and so are NaN and infinities.

    Examples
    --------
    >>> check_fraction(1, "limited_action_fraction", zero_allowed=True)
    1.0
    >>> check_fraction(0.0, "default_action_fraction", zero_allowed=False)
    Traceback (most recent call last):
    ...
    ValueError: default_action_fraction: expected a number in (0, 1], got 0.0
    """
    interval = "[0, 1]" if zero_allowed else "(0, 1]"
    if value is None:
        return None
    if not is_real(value):
        raise TypeError(f"{name}: expected a real number in {interval} or None, got {describe(value)}")
    number = float(value)  # type: ignore[arg-type]
    low_ok = number >= 0.0 if zero_allowed else number > 0.0
    if math.isnan(number) or not (low_ok and number <= 1.0):
        raise ValueError(f"{name}: expected a number in {interval}, got {value!r}")
    return number


def check_limited_actions(
    limited_actions: object, action_ids: Sequence[str], default_action: str | None
) -> list[str] | None:
    """Return the limited actions sorted, or None.

    They must be a collection (a set or list) of unique action ids of this bandit, at least one,
    not the default action, and not every action: some action must be offered on every row.

    Examples
    --------
    >>> check_limited_actions({"c", "b"}, ["a", "b", "c"], "a")
    ['b', 'c']
    >>> check_limited_actions(["a"], ["a", "b"], "a")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: limited_actions: expected actions other than the default action 'a', got ['a'] ...
    """
    if limited_actions is None:
        return None
    if isinstance(limited_actions, str | bytes) or not isinstance(limited_actions, Iterable):
        raise TypeError(
            f"limited_actions: expected a collection of action id strings (a set or list) or None, "
            f"got {describe(limited_actions)}"
        )
    limited = check_action_ids(limited_actions, "limited_actions")  # strings, unique, at least one
    unknown = [a for a in limited if a not in action_ids]
    if unknown:
        raise ValueError(f"limited_actions: expected actions of this bandit {list(action_ids)}, got unknown {unknown}")
    if default_action is not None and default_action in limited:
        raise ValueError(
            f"limited_actions: expected actions other than the default action {default_action!r}, got {limited} "
            "(the default action is played whenever exploration plays it)"
        )
    if set(limited) == set(action_ids):
        raise ValueError(
            f"limited_actions: expected some action to stay unlimited (offered on every row), got all of "
            f"{list(action_ids)} limited"
        )
    return limited


def check_availability(
    action_ids: Sequence[str],
    epsilon: float | None,
    default_action: str | None,
    default_action_fraction: object = None,
    limited_actions: object = None,
    limited_action_fraction: object = None,
) -> dict[str, object]:
    """Check the three availability settings together; returns them normalised, by name.

    ``default_action_fraction`` needs ``epsilon`` and ``default_action``; ``limited_actions`` and
    ``limited_action_fraction`` come together. ``action_ids``, ``epsilon`` and ``default_action``
    are already checked.

    Returns
    -------
    dict
        ``{"default_action_fraction": ..., "limited_actions": ..., "limited_action_fraction": ...}``,
        keyword arguments for the bandit's constructor.

    Examples
    --------
    >>> check_availability(["a", "b"], 0.1, "a", default_action_fraction=0.5)
    {'default_action_fraction': 0.5, 'limited_actions': None, 'limited_action_fraction': None}
    >>> check_availability(["a", "b"], None, None, limited_action_fraction=0.2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: limited_action_fraction: expected it with limited_actions (the actions it limits), got ...
    """
    fraction = check_fraction(default_action_fraction, "default_action_fraction", zero_allowed=False)
    if fraction is not None and (epsilon is None or default_action is None):
        missing = "epsilon" if epsilon is None else "default_action"
        raise ValueError(
            "default_action_fraction: expected it with epsilon and default_action (it is the default action's "
            f"share of the exploring rows), got default_action_fraction={fraction} and {missing}=None"
        )
    limited = check_limited_actions(limited_actions, action_ids, default_action)
    share = check_fraction(limited_action_fraction, "limited_action_fraction", zero_allowed=True)
    if limited is not None and share is None:
        raise ValueError(
            "limited_actions: expected it with limited_action_fraction (the share of rows on which they are "
            f"offered), got limited_actions={limited} and limited_action_fraction=None"
        )
    if share is not None and limited is None:
        raise ValueError(
            "limited_action_fraction: expected it with limited_actions (the actions it limits), got "
            f"limited_action_fraction={share} and limited_actions=None"
        )
    return {"default_action_fraction": fraction, "limited_actions": limited, "limited_action_fraction": share}
