"""Which actions a prediction row may play, and what exploration plays in it.

Two bandit settings (the original pybandits library's names; checked by
:mod:`pybandits.boundary.availability`) shape every row of a prediction:

- ``limited_actions`` with ``limited_action_fraction``: a gate is drawn per row, open with
  probability ``limited_action_fraction``. In a row whose gate is closed the limited actions are
  removed from the row's allowed actions before anything else, so neither the strategy nor
  exploration can play them there: they are offered on that share of the rows only. When removing
  them would leave a row no action (the call's ``forbidden_actions`` left only limited ones), the
  row keeps its allowed actions.
- ``default_action_fraction`` (with ``epsilon`` and ``default_action``): of the exploring rows
  (probability ``epsilon`` per row), this share plays the default action; the others play an
  action drawn uniformly among the row's offered actions *other than* the default, so the default's
  share of the exploring rows is exactly the fraction (the original library draws the uniform
  action among all actions, the default included, so that the default's share is
  ``fraction + (1 - fraction) / n``). When the default is the row's only action it is played; when
  it is forbidden in the call, exploration is uniform over the row's offered actions. None (the
  default) keeps the plain behaviour: an exploring row plays the default action when it is allowed.

The functions work on column indices into a call's ``allowed`` actions (forbidden actions already
removed), vectorised over rows: :func:`closed_columns` and :func:`draw_gate` for the gate,
:func:`draw_explored` for the action an exploring row plays and :func:`explored_shares` for its
exact distribution (``action_probabilities`` mixes it in instead of drawing it).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

__all__ = ["closed_columns", "draw_explored", "draw_gate", "explored_shares"]


def closed_columns(allowed: Sequence[str], limited: Collection[str] | None) -> np.ndarray | None:
    """The columns of ``allowed`` a row keeps when its gate is closed; None when closing it changes nothing.

    Nothing changes when no limited action is allowed in the call, or when only limited actions are
    (a row is never left without an action).

    Examples
    --------
    >>> closed_columns(["a", "b", "c"], ["b"])
    array([0, 2])
    >>> closed_columns(["b"], ["b"]) is None, closed_columns(["a", "c"], ["b"]) is None
    (True, True)
    """
    if not limited:
        return None
    keep = [j for j, action_id in enumerate(allowed) if action_id not in limited]
    if not keep or len(keep) == len(allowed):
        return None
    return np.asarray(keep, dtype=np.intp)


def draw_gate(rng: np.random.Generator, n_rows: int, fraction: float) -> np.ndarray:
    """Per row, whether the limited actions are offered: True with probability ``fraction`` (one draw per row).

    Examples
    --------
    >>> draw_gate(np.random.default_rng(0), 4, 1.0).tolist(), draw_gate(np.random.default_rng(0), 2, 0.0).tolist()
    ([True, True, True, True], [False, False])
    """
    return rng.random(n_rows) < fraction


def explored_shares(
    n_allowed: int, offered: np.ndarray, default_column: int | None, fraction: float | None
) -> np.ndarray:
    """The exact distribution of an exploring row's action over the ``n_allowed`` columns.

    ``offered``: the columns the row may play; ``default_column``: the default action's column
    (None when the call forbids it or there is none); ``fraction``: ``default_action_fraction``.

    Examples
    --------
    >>> explored_shares(4, np.arange(4), 0, 0.25).tolist()
    [0.25, 0.25, 0.25, 0.25]
    >>> explored_shares(3, np.array([0, 2]), None, None).tolist(), explored_shares(2, np.arange(2), 1, None).tolist()
    ([0.5, 0.0, 0.5], [0.0, 1.0])
    """
    shares = np.zeros(n_allowed)
    if default_column is None or default_column not in offered:
        shares[offered] = 1.0 / len(offered)
        return shares
    others = offered[offered != default_column]
    share = 1.0 if fraction is None or not others.size else fraction
    shares[default_column] = share
    if others.size:
        shares[others] = (1.0 - share) / others.size
    return shares


def draw_explored(
    rng: np.random.Generator,
    n_rows: int,
    n_allowed: int,
    offered: np.ndarray | None,
    default_column: int | None,
    fraction: float | None,
) -> np.ndarray:
    """The column each of ``n_rows`` exploring rows plays, drawn as :func:`explored_shares` describes.

    ``offered``: ``(n_rows, n_allowed)`` booleans, the columns each row may play (the default
    action's among them: it is never limited), or None when every row may play every column (then
    the draws are those of plain epsilon-greedy exploration: one integer per row when there is no
    default action, none when the default is always played).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> draw_explored(rng, 3, 2, None, 1, None).tolist()
    [1, 1, 1]
    >>> offered = np.array([[True, False, True]] * 4)
    >>> bool(np.isin(draw_explored(rng, 4, 3, offered, None, None), [0, 2]).all())
    True
    """
    if default_column is None:
        return _uniform_among(rng, n_rows, n_allowed, offered, None)
    chosen = np.full(n_rows, default_column, dtype=np.intp)
    if fraction is None or n_allowed == 1:
        return chosen
    others = None if offered is None else offered.copy()
    if others is not None:
        others[:, default_column] = False
    away = rng.random(n_rows) >= fraction
    if others is not None:
        away &= others.any(axis=1)  # the default is the row's only action: it is played
    rows = np.flatnonzero(away)
    if rows.size:
        kept = None if others is None else others[rows]
        chosen[rows] = _uniform_among(rng, rows.size, n_allowed, kept, default_column)
    return chosen


def _uniform_among(
    rng: np.random.Generator, n_rows: int, n_allowed: int, offered: np.ndarray | None, excluded: int | None
) -> np.ndarray:
    """A column per row, uniform among the row's ``offered`` ones (every column but ``excluded`` when None)."""
    if offered is None:
        if excluded is None:
            return rng.integers(n_allowed, size=n_rows)
        drawn = rng.integers(n_allowed - 1, size=n_rows)
        return drawn + (drawn >= excluded)
    counts = offered.sum(axis=1)
    rank = rng.integers(0, counts)  # the rank of the chosen column among the row's offered ones
    return (np.cumsum(offered, axis=1) > rank[:, None]).argmax(axis=1)
