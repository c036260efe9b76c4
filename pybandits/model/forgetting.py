"""Forgetting: how a bandit's beliefs let old rows weigh less, so that it follows a world that drifts.

With ``decay_factor = gamma`` in (0, 1], a bandit forgets **per row of its stream**: every row it
learns from makes every earlier row weigh ``gamma`` times less, in every action's belief, whether
the action was played or not. An update of ``n`` rows therefore

1. raises every action's belief to the power ``w = gamma ** n`` and multiplies it by its cold-start
   prior raised to ``1 - w`` (:func:`carried_weight`), then
2. adds the new rows, row ``i`` of the update (in the order given) with its likelihood raised to
   ``gamma ** (n - 1 - i)`` (:func:`row_weights`).

After ``t`` rows, a row seen ``a`` rows ago weighs ``gamma ** a``, and the prior always weighs 1:
this is the *power prior* (Ibrahim & Chen, Statistical Science 15(1), 2000) or *stabilised
forgetting* (Kulhavý & Zarrop, Int. J. Control 58(4), 1993, with the prior as the alternative
density). ``gamma ** n`` per update of ``n`` rows, not ``gamma`` per update call: the result does
not depend on how the rows were batched (an update of 200 rows equals 200 updates of one row,
exactly, for the conjugate models; tested), and a row's weight says how old it is in rows, the
unit users reason in: the belief's memory is about ``1 / (1 - gamma)`` rows (its half-life is
``log(0.5) / log(gamma)`` rows). An action that is never played again returns to its prior,
geometrically, and never becomes wider than the prior. With one row per step and one action played
per row this is discounted Thompson sampling (Raj & Kalyani, "Taming non-stationary bandits: a
Bayesian approach", arXiv:1707.09727, 2017).

Why the geometric mixture ``posterior^w prior^(1-w)``: it is the distribution closest to both, in
the sense that it minimises ``w KL(q || posterior) + (1 - w) KL(q || prior)``; for an exponential
family its natural parameters are the mixture of the two's, so it stays in the family and is exact:

- **Beta** (:meth:`~pybandits.model.beta.Beta.forgotten_many`): ``n <- n0 + w (n - n0)`` for both
  counts: the original library's rule, ``1 + gamma (n - 1)``, with per-row weights.
- **Normal-inverse-gamma** (stochastic Gaussian bandits, the shared trunk's Gaussian heads): the
  formulas of :meth:`~pybandits.model.nig.NormalInverseGamma.forgotten_many`.
- **Mean-field Normal** (the networks' ADVI and NUTS posteriors, one Normal per weight): the
  precisions and the precision-weighted means mix (:func:`mean_field_forgotten`),
  ``tau' = w tau + (1 - w) tau0`` and ``tau' mu' = w tau mu + (1 - w) tau0 mu0``. This is exact for
  the mean-field family (the geometric mixture of two fully factorised Normals is the fully
  factorised Normal above), its precision never falls below ``(1 - w) tau0``, and its mean is
  pulled back to the prior's. A Student-t prior (the networks' default) is not closed under the
  mixture: its location and scale enter as a Normal's, an approximation.

The original library widens a network's posterior instead, ``sigma <- sigma / gamma`` with the mean
kept, once per update call of a played action. That multiplies the precision by ``gamma ** 2``
(not ``gamma``), never pulls the mean back, and in directions the rows do not inform (a rare
category's embedding, a feature that is usually 0) the scale grows without bound: after enough
updates the belief is wider than the prior ever was ("covariance windup"). The mixture cannot:
every weight's belief lies between its posterior and its prior.

Examples
--------
>>> carried_weight(0.5, 3), row_weights(0.5, 3).tolist()
(0.125, [0.25, 0.5, 1.0])
"""

from __future__ import annotations

import numpy as np

__all__ = ["carried_weight", "mean_field_forgotten", "row_weights"]


def carried_weight(decay_factor: float, n_rows: int) -> float:
    """The weight ``decay_factor ** n_rows`` that what was learned keeps through an update of ``n_rows`` rows."""
    return float(decay_factor) ** int(n_rows)


def row_weights(decay_factor: float, n_rows: int) -> np.ndarray:
    """The weight of each of an update's rows, in their order: ``decay_factor ** (n_rows - 1 - i)``, the last 1."""
    return float(decay_factor) ** np.arange(n_rows - 1, -1, -1, dtype=np.float64)


def mean_field_forgotten(
    mu: np.ndarray, sigma: np.ndarray, mu0: np.ndarray | float, sigma0: np.ndarray | float, weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """``N(mu, sigma^2)`` (mean-field) raised to ``weight``, times the prior ``N(mu0, sigma0^2)`` to ``1 - weight``.

    Per element: ``tau' = w / sigma^2 + (1 - w) / sigma0^2`` and
    ``mu' = (w mu / sigma^2 + (1 - w) mu0 / sigma0^2) / tau'``; returns ``(mu', 1 / sqrt(tau'))``.

    Examples
    --------
    >>> mu, sigma = mean_field_forgotten(np.array([2.0]), np.array([0.5]), 0.0, 1.0, 0.5)
    >>> float(mu[0]), round(float(sigma[0]), 4)
    (1.6, 0.6325)
    """
    tau, tau0 = 1.0 / np.square(sigma), 1.0 / np.square(sigma0)
    precision = weight * tau + (1.0 - weight) * tau0
    mean = (weight * tau * mu + (1.0 - weight) * tau0 * mu0) / precision
    return mean, 1.0 / np.sqrt(precision)
