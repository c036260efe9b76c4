"""A linear head's fit as sums over rows, so that the rows may lie anywhere: in memory, or over a cluster's partitions.

- An exact (Normal-inverse-gamma) head needs four sums over its rows (:func:`conjugate_sums`).
- A Laplace head needs the mode of its log posterior: :func:`newton_mode` is Newton's method with
  backtracking written as a coroutine. It yields a point and is sent the log likelihood, the score
  term ``X' s`` and the curvature term ``X' diag(c) X`` there (:func:`newton_terms`), summed over
  the rows wherever they are; it returns the mode and the precision at it.

A head in memory (:meth:`~pybandits.model.backbone.heads.LinearHead.posterior`) and a cluster's
heads (:mod:`pybandits.cluster.trunk`) run the same code; only who sums the rows differs.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np

from pybandits.exceptions import FitError
from pybandits.model.ops import NUMPY_OPS

__all__ = ["NEWTON_ITERATIONS", "conjugate_sums", "newton_mode", "newton_terms", "run_newton"]

NEWTON_ITERATIONS = 50
NEWTON_TOLERANCE = 1e-8
#: A Newton step whose predicted decrease is below this share of the objective is taken whole (rounding).
ROUNDING = 1e-9

#: What Newton's method is sent at a point: log likelihood, score term, curvature term.
Terms = tuple[float, np.ndarray, np.ndarray]


def conjugate_sums(
    design: np.ndarray, targets: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``X' W X``, ``X' W y``, ``y' W y`` and the weights' sum (rows' count without weights): an exact head's data."""
    weighted = design if weights is None else design * np.asarray(weights, dtype=np.float64)[:, None]
    squares = float(targets @ (targets if weights is None else weights * targets))
    count = float(len(targets)) if weights is None else float(np.sum(weights))
    return weighted.T @ design, weighted.T @ targets, squares, count


def newton_terms(
    family: Any, design: np.ndarray, targets: np.ndarray, coefficients: np.ndarray, weights: np.ndarray
) -> Terms:
    """At ``coefficients``: the weighted log likelihood of the rows, ``X' (w s)`` and ``X' diag(w c) X``."""
    outputs = design @ coefficients
    log_likelihood = float((weights * family.log_likelihood(NUMPY_OPS, outputs, targets, {})).sum())
    score, curvature = family.newton_terms(outputs, targets)
    score, curvature = weights * score, weights * curvature
    return log_likelihood, design.T @ score, (design * curvature[:, None]).T @ design


def newton_mode(
    prior_mean: np.ndarray, prior_precision: np.ndarray, start: np.ndarray | None
) -> Generator[np.ndarray, Terms, tuple[np.ndarray, np.ndarray]]:
    """The mode of the log posterior and the precision there, by Newton's method with backtracking (a coroutine).

    Yields points; send it :data:`Terms` at each. Raises :class:`~pybandits.exceptions.FitError` when
    it does not converge in :data:`NEWTON_ITERATIONS` steps.

    Examples
    --------
    >>> from pybandits.model.family import Bernoulli
    >>> design, targets = np.array([[1.0, 1.0], [-1.0, 1.0], [0.5, 1.0]]), np.array([1.0, 0.0, 1.0])
    >>> mode, precision = run_newton(np.zeros(2), np.eye(2), None,
    ...                              lambda c: newton_terms(Bernoulli(), design, targets, c, np.ones(3)))
    >>> np.round(mode, 3).tolist(), precision.shape
    ([0.798, 0.242], (2, 2))
    """

    def value_at(coefficients: np.ndarray, log_likelihood: float) -> float:
        shift = coefficients - prior_mean
        return float(-log_likelihood + 0.5 * shift @ prior_precision @ shift)

    coefficients = np.array(prior_mean if start is None or start.shape != prior_mean.shape else start)
    log_likelihood, score, curvature = yield coefficients
    value = value_at(coefficients, log_likelihood)
    for _ in range(NEWTON_ITERATIONS):
        gradient = prior_precision @ (coefficients - prior_mean) - score
        hessian = prior_precision + curvature
        step = np.linalg.solve(hessian, gradient)
        decrement = float(gradient @ step)  # the Newton decrement squared: twice the decrease the step predicts
        # Within rounding of the objective (a sum over every row) the descent test cannot tell: there the
        # full step is Newton's quadratic phase, so it is taken without the test.
        close = decrement <= ROUNDING * max(1.0, abs(value))
        size = 1.0
        while True:  # a full Newton step overshoots on (nearly) separable rows: halve it until it descends
            candidate = coefficients - size * step
            log_likelihood, new_score, new_curvature = yield candidate
            new_value = value_at(candidate, log_likelihood)
            if close or new_value <= value - 1e-4 * size * decrement or size < 1e-6:
                break
            size *= 0.5
        coefficients, value, score, curvature = candidate, new_value, new_score, new_curvature
        if np.abs(size * step).max() < NEWTON_TOLERANCE:
            break
    else:
        raise FitError(
            f"a linear head's Laplace fit did not converge in {NEWTON_ITERATIONS} Newton steps (last step "
            f"{np.abs(size * step).max():.3g}); the rows or the prior may be extreme"
        )
    return coefficients, prior_precision + curvature


def run_newton(
    prior_mean: np.ndarray, prior_precision: np.ndarray, start: np.ndarray | None, terms: Callable[[np.ndarray], Terms]
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`newton_mode` driven by ``terms(point)``: the mode and the precision there."""
    steps = newton_mode(prior_mean, prior_precision, start)
    point = next(steps)
    while True:
        try:
            point = steps.send(terms(point))
        except StopIteration as done:
            return done.value
