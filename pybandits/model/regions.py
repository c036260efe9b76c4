"""What forbidden regions leave of a quantity space: disjoint boxes, and points drawn exactly in them.

A quantitative action's forbidden regions are closed boxes ``[low, high]`` of its quantity space
``[0, 1]^d``. What stays allowed is the space minus their union, which is not a box. It is a union
of disjoint boxes, and :func:`allowed_boxes` computes those exactly: the floating-point numbers of
the space that no forbidden box holds are exactly those of the returned boxes.

**Boxes minus boxes.** A box minus a box is at most ``2 d`` disjoint boxes: along each axis in
turn, the part below the forbidden box and the part above it, the rest narrowed to the forbidden
box's extent on that axis (what remains at the end is inside the forbidden box). Subtracting every
forbidden box from every piece in turn gives the decomposition. Boxes are closed and hold floats:
the part left above a forbidden box ending at ``b`` starts at the next float after ``b``, the part
below one starting at ``a`` ends at the float before ``a``. In one dimension ``n`` forbidden boxes
leave at most ``n + 1`` intervals, found by sorting them (``O(n log n)``); in ``d`` dimensions the
count can grow like ``n^d`` for boxes in a grid, and more than :data:`MAX_BOXES` pieces are refused
rather than filling the memory.

**Drawing.** :func:`uniform_in` draws points uniform on a union of disjoint boxes: a box with
probability proportional to its volume, then a point uniform in it (a box ``[lo, hi]`` of floats
stands for ``[lo, next(hi))``, so that a box of one float still has a volume > 0; the difference is
one unit in the last place per side). :func:`spread_in` places points evenly along the length of a
union of intervals, both ends included, as ``numpy.linspace`` does on ``[0, 1]``. Every point
returned lies in one of the boxes: never in a forbidden region.

Examples
--------
>>> lows, highs = allowed_boxes(np.zeros(1), np.ones(1), np.array([[0.0]]), np.array([[0.7]]))
>>> bool(lows[0, 0] > 0.7), highs.tolist()
(True, [[1.0]])
>>> lows, highs = allowed_boxes(np.zeros(2), np.ones(2), np.array([[0.0, 0.0]]), np.array([[0.5, 0.5]]))
>>> len(lows), round(float(volumes(lows, highs).sum()), 6)  # an L: two boxes, three quarters of the square
(2, 0.75)
>>> points = uniform_in(lows, highs, np.random.default_rng(0).random(4), np.random.default_rng(1).random((4, 2)))
>>> bool(np.all((points > 0.5).any(axis=1)))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "MAX_BOXES",
    "allowed_boxes",
    "allowed_in_unit_box",
    "clipped",
    "closed_segment",
    "spread_in",
    "uniform_in",
    "volumes",
]

#: The most disjoint boxes an allowed part may be cut into (a guard against memory, see the module notes).
MAX_BOXES = 100_000


def _minus(lows: np.ndarray, highs: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The closed boxes ``lows``/``highs`` ``(m, d)`` minus the closed box ``[a, b]``, as disjoint closed boxes."""
    hit = np.all((lows <= b) & (highs >= a), axis=1)
    kept_lows, kept_highs = [lows[~hit]], [highs[~hit]]
    low, high = lows[hit].copy(), highs[hit].copy()
    for k in range(lows.shape[1]):
        below = low[:, k] < a[k]
        piece_low, piece_high = low[below].copy(), high[below].copy()
        piece_high[:, k] = np.nextafter(a[k], -np.inf)
        kept_lows.append(piece_low)
        kept_highs.append(piece_high)
        above = high[:, k] > b[k]
        piece_low, piece_high = low[above].copy(), high[above].copy()
        piece_low[:, k] = np.nextafter(b[k], np.inf)
        kept_lows.append(piece_low)
        kept_highs.append(piece_high)
        low[:, k], high[:, k] = np.maximum(low[:, k], a[k]), np.minimum(high[:, k], b[k])
    return np.concatenate(kept_lows), np.concatenate(kept_highs)


def allowed_boxes(
    low: np.ndarray, high: np.ndarray, forbidden_low: np.ndarray, forbidden_high: np.ndarray, name: str = "forbidden"
) -> tuple[np.ndarray, np.ndarray]:
    """The floats of the closed box ``[low, high]`` (``(d,)``) outside every closed forbidden box, as disjoint boxes.

    ``forbidden_low`` and ``forbidden_high`` are ``(n, d)``. Returns the lower and upper corners
    ``(m, d)`` of ``m`` disjoint closed boxes (``m`` is 0 when the forbidden boxes cover the box).
    ``name`` is the argument a refusal names (more than :data:`MAX_BOXES` pieces).
    """
    lows = np.asarray(low, dtype=float).reshape(1, -1).copy()
    highs = np.asarray(high, dtype=float).reshape(1, -1).copy()
    if lows.shape[1] == 1:
        return _allowed_intervals(
            lows[0, 0],
            highs[0, 0],
            np.asarray(forbidden_low, dtype=float).reshape(-1),
            np.asarray(forbidden_high, dtype=float).reshape(-1),
        )
    for a, b in zip(np.asarray(forbidden_low, dtype=float), np.asarray(forbidden_high, dtype=float), strict=True):
        lows, highs = _minus(lows, highs, a, b)
        if len(lows) > MAX_BOXES:
            raise ValueError(
                f"{name}: expected regions whose allowed part is at most {MAX_BOXES} disjoint boxes, got "
                f"{len(forbidden_low)} boxes in {lows.shape[1]} dimensions that cut it into more; use fewer, "
                "larger boxes"
            )
        if not len(lows):
            break
    return lows, highs


def _allowed_intervals(low: float, high: float, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One dimension in ``O(n log n)``: the gaps of the union of the closed intervals ``[a, b]`` in ``[low, high]``.

    The same floats as subtracting the intervals one by one (:func:`_minus`), in increasing order.
    """
    keep = (a <= high) & (b >= low) & (a <= b)
    order = np.argsort(a[keep], kind="stable")
    starts, ends = a[keep][order], np.maximum.accumulate(b[keep][order])
    # gaps: below the first start, between the furthest end so far and the next start, above the last end
    gap_lows = np.maximum(np.concatenate([[low], np.nextafter(ends, np.inf)]), low)
    gap_highs = np.minimum(np.concatenate([np.nextafter(starts, -np.inf), [high]]), high)
    valid = gap_lows <= gap_highs
    return gap_lows[valid, None], gap_highs[valid, None]


def allowed_in_unit_box(
    boxes: Sequence[tuple[Any, Any]], dimension: int, name: str = "forbidden"
) -> tuple[np.ndarray, np.ndarray]:
    """What the closed boxes ``[(low, high), ...]`` leave of ``[0, 1]^dimension``, as :func:`allowed_boxes` gives it."""
    corners = np.asarray([[np.ravel(low), np.ravel(high)] for low, high in boxes], dtype=float)
    corners = corners.reshape(-1, 2, dimension)
    return allowed_boxes(np.zeros(dimension), np.ones(dimension), corners[:, 0], corners[:, 1], name)


def closed_segment(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A segment ``[low, high)`` (closed at 1) as the closed box of its floats: ``high`` becomes the float before it."""
    high = np.asarray(high, dtype=float)
    return np.asarray(low, dtype=float), np.where(high >= 1.0, high, np.nextafter(high, -np.inf))


def clipped(lows: np.ndarray, highs: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint closed boxes intersected with the closed box ``[low, high]``: the non-empty intersections."""
    new_lows, new_highs = np.maximum(lows, low), np.minimum(highs, high)
    keep = np.all(new_lows <= new_highs, axis=1)
    return new_lows[keep], new_highs[keep]


def volumes(lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """Each box's volume ``(m,)``, a box ``[lo, hi]`` of floats counted as ``[lo, next(hi))`` (> 0 for one float)."""
    return np.prod(np.nextafter(highs, np.inf) - lows, axis=1)


def uniform_in(lows: np.ndarray, highs: np.ndarray, choose: np.ndarray, place: np.ndarray) -> np.ndarray:
    """Points uniform on the union of disjoint boxes ``(m, d)``, from uniform numbers in ``[0, 1)``.

    ``choose`` ``(n,)`` picks each point's box with probability proportional to its volume;
    ``place`` ``(n, d)`` places the point in it. Returns ``(n, d)``, every point inside its box.
    """
    widths = np.nextafter(highs, np.inf) - lows
    cumulative = np.cumsum(np.prod(widths, axis=1))
    box = np.minimum(np.searchsorted(cumulative, choose * cumulative[-1], side="right"), len(lows) - 1)
    return np.clip(lows[box] + widths[box] * place, lows[box], highs[box])


def spread_in(lows: np.ndarray, highs: np.ndarray, n_points: int) -> np.ndarray:
    """``n_points`` points evenly spaced along the length of a union of disjoint intervals (``(m, 1)`` boxes).

    The first point is the union's lowest, the last its highest (as ``numpy.linspace`` on ``[0, 1]``);
    returns ``(n_points, 1)``, every point inside an interval.
    """
    order = np.argsort(lows[:, 0])
    low, high = lows[order, 0], highs[order, 0]
    starts = np.concatenate([[0.0], np.cumsum(high - low)])  # where each interval starts along the length
    along = np.linspace(0.0, starts[-1], n_points)
    interval = np.clip(np.searchsorted(starts, along, side="right") - 1, 0, len(low) - 1)
    points = np.clip(low[interval] + (along - starts[interval]), low[interval], high[interval])
    points[-1] = high[-1]  # the ends exactly, whatever the rounding; a single point is the lowest, as linspace's
    points[0] = low[0]
    return points[:, None]
