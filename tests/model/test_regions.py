"""What forbidden regions leave of a quantity space: exact disjoint boxes, and points drawn inside them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybandits.model import regions


def _inside(points: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """``(n_points, n_boxes)``: which closed box holds which point."""
    return np.all((points[:, None] >= lows[None]) & (points[:, None] <= highs[None]), axis=2)


@st.composite
def _forbidden(draw):
    dimension = draw(st.integers(1, 3))
    n_boxes = draw(st.integers(0, 6))
    # corners on a coarse grid, so that boxes meet, nest and share faces as often as they overlap
    corner = st.integers(0, 8).map(lambda k: k / 8)
    lows, highs = [], []
    for _ in range(n_boxes):
        a = np.array([draw(corner) for _ in range(dimension)])
        b = np.array([draw(corner) for _ in range(dimension)])
        lows.append(np.minimum(a, b))
        highs.append(np.maximum(a, b))
    shape = (n_boxes, dimension)
    return dimension, np.reshape(lows, shape), np.reshape(highs, shape)


@settings(max_examples=150, deadline=None)
@given(_forbidden(), st.integers(0, 2**32 - 1))
def test_the_allowed_boxes_hold_exactly_the_points_no_forbidden_box_holds(case, seed):
    dimension, forbidden_low, forbidden_high = case
    lows, highs = regions.allowed_boxes(np.zeros(dimension), np.ones(dimension), forbidden_low, forbidden_high)
    rng = np.random.default_rng(seed)
    # points on the grid the corners use (faces included), their neighbouring floats, and random points
    grid = rng.integers(0, 9, (400, dimension)) / 8
    nudged = np.nextafter(grid, np.where(rng.random(grid.shape) < 0.5, -np.inf, np.inf))
    points = np.clip(np.concatenate([grid, nudged, rng.random((400, dimension))]), 0.0, 1.0)
    allowed = ~_inside(points, forbidden_low, forbidden_high).any(axis=1)
    held = _inside(points, lows, highs).sum(axis=1)
    assert np.array_equal(held > 0, allowed)
    assert held.max(initial=0) <= 1  # disjoint: no point in two boxes
    assert np.all(lows <= highs) and np.all(lows >= 0.0) and np.all(highs <= 1.0)


@settings(max_examples=100, deadline=None)
@given(_forbidden(), st.integers(0, 2**32 - 1))
def test_points_drawn_in_the_allowed_boxes_are_never_forbidden(case, seed):
    dimension, forbidden_low, forbidden_high = case
    lows, highs = regions.allowed_boxes(np.zeros(dimension), np.ones(dimension), forbidden_low, forbidden_high)
    if not len(lows):
        return
    rng = np.random.default_rng(seed)
    points = regions.uniform_in(lows, highs, rng.random(300), rng.random((300, dimension)))
    assert not _inside(points, forbidden_low, forbidden_high).any()
    assert np.all(_inside(points, lows, highs).any(axis=1))
    if dimension == 1:
        spread = regions.spread_in(lows, highs, 17)
        assert not _inside(spread, forbidden_low, forbidden_high).any()
        assert spread[0, 0] == lows.min() and spread[-1, 0] == highs.max()  # both ends of the allowed part


def test_the_volume_is_what_the_boxes_leave():
    forbidden_low = np.array([[0.0, 0.0], [0.25, 0.25]])
    forbidden_high = np.array([[0.5, 0.5], [0.75, 0.75]])
    lows, highs = regions.allowed_boxes(np.zeros(2), np.ones(2), forbidden_low, forbidden_high)
    union = 0.25 + 0.25 - 0.0625
    assert regions.volumes(lows, highs).sum() == pytest.approx(1.0 - union, abs=1e-12)


def test_a_box_of_one_float_still_counts_and_is_drawn():
    lows, highs = regions.allowed_boxes(np.zeros(1), np.ones(1), np.array([[0.0]]), np.array([[np.nextafter(1.0, 0)]]))
    assert lows.tolist() == highs.tolist() == [[1.0]] and regions.volumes(lows, highs)[0] > 0
    assert regions.uniform_in(lows, highs, np.array([0.3]), np.array([[0.9]])).tolist() == [[1.0]]


def test_spread_points_are_evenly_spaced_along_the_allowed_length():
    lows, highs = regions.allowed_boxes(np.zeros(1), np.ones(1), np.array([[0.2]]), np.array([[0.6]]))
    points = regions.spread_in(lows, highs, 7)[:, 0]  # length 0.6: a step of 0.1
    assert points == pytest.approx([0.0, 0.1, 0.2, 0.6 + 0.1, 0.8, 0.9, 1.0], abs=1e-9)
    assert not np.any((points >= 0.2) & (points <= 0.6))


def test_a_segment_is_clipped_to_its_own_floats():
    low, high = regions.closed_segment(np.array([0.0]), np.array([0.5]))
    assert high[0] == np.nextafter(0.5, 0) and regions.closed_segment(np.array([0.5]), np.array([1.0]))[1][0] == 1.0
    lows, highs = regions.allowed_boxes(np.zeros(1), np.ones(1), np.array([[0.0]]), np.array([[0.3]]))
    assert regions.clipped(lows, highs, low, high)[0][0, 0] == np.nextafter(0.3, 1)
    covered = regions.allowed_boxes(np.zeros(1), np.ones(1), np.array([[0.0]]), np.array([[np.nextafter(0.5, 0)]]))
    assert not len(regions.clipped(*covered, low, high)[0])  # [0, 0.5) is covered; 0.5 is the next segment's


def test_too_many_pieces_are_refused_by_name():
    rng = np.random.default_rng(0)
    centres = rng.random((400, 3))
    with pytest.raises(ValueError, match=r"forbidden_actions: expected regions whose allowed part is at most"):
        original = regions.MAX_BOXES
        try:
            regions.MAX_BOXES = 1000
            regions.allowed_boxes(np.zeros(3), np.ones(3), centres - 0.01, centres + 0.01, name="forbidden_actions")
        finally:
            regions.MAX_BOXES = original


def test_one_dimension_takes_a_sorted_merge_with_the_same_floats_as_box_subtraction():
    rng = np.random.default_rng(7)
    for trial in range(2000):
        n = int(rng.integers(0, 8))
        ends = rng.choice([0.0, 0.2, 0.5, 1.0], n) if trial % 2 else rng.random(n)  # shared ends, touching boxes
        a, b = ends, np.minimum(ends + rng.choice([0.0, 0.1, 0.4], n), 1.0)
        lows, highs = np.zeros((1, 1)), np.ones((1, 1))
        for low, high in zip(a, b, strict=True):
            lows, highs = regions._minus(lows, highs, np.array([low]), np.array([high]))
        order = np.argsort(lows[:, 0])
        fast = regions.allowed_boxes(np.zeros(1), np.ones(1), a[:, None], b[:, None])
        np.testing.assert_array_equal(fast[0], lows[order])
        np.testing.assert_array_equal(fast[1], highs[order])
