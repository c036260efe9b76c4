"""Bayesian linear heads on a shared trunk's features: exact (conjugate) or Laplace posteriors.

A bandit with a shared trunk (:mod:`pybandits.model.backbone`) gives every action a head, a
Bayesian linear model on the trunk's features ``phi`` plus a constant (the bias). Given the trunk,
a head's posterior has a closed form, so it is computed directly from the rows the bandit keeps
(its replay buffer), never by ADVI:

- **Gaussian rewards** (standardised, see :class:`~pybandits.model.family.Gaussian`): linear
  regression with unknown noise and its conjugate Normal-inverse-gamma posterior, exact. Prior:
  ``beta | s2 ~ N(mu0, s2 * sigma0**2 I)`` and ``s2 ~ InvGamma(2, exp(2 * noise_prior.mu))``, whose
  mean is the family's prior noise variance.
- **Bernoulli rewards**: logistic regression, whose posterior has no closed form; the Laplace
  approximation takes its mode (Newton's method with backtracking) and the inverse Hessian there.
  Prior ``beta ~ N(mu0, sigma0**2 I)``.

``mu0`` and ``sigma0`` are the bandit's ``dist_params_init`` (a Normal prior: the Student-t is not
conjugate); without it, ``mu0 = 0`` and ``sigma0`` is :func:`default_head_sigma` of the trunk's
width. A head stores its posterior mean and a square root ``S`` of its covariance (``S @ S.T``; for
the Gaussian family the covariance given ``s2 = 1``).

**Thompson sampling is exact per row.** A row's head output ``phi . beta`` is Normal with mean
``phi . mean`` and variance ``|S.T @ phi|**2`` (times ``s2``, drawn per row from its
inverse-gamma posterior, for Gaussian rewards): one normal draw (and one gamma draw) per row and
action, with no approximation beyond the Laplace one.

Examples
--------
>>> import numpy as np
>>> head = LinearHead.cold_start(n_inputs=2)
>>> features = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
>>> fitted = head.refitted(features, np.array([1, 0, 1]))
>>> fitted.mean.shape, fitted.scale_factor.shape
((3,), (3, 3))
>>> expected, logits = fitted.draw(features, np.random.default_rng(0))
>>> expected.shape
(3,)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.backbone.laplace import conjugate_sums, newton_terms, run_newton
from pybandits.model.bnn.growth import carried_family
from pybandits.model.cost import Cost
from pybandits.model.display import Displayed
from pybandits.model.family import Bernoulli, BinaryCounts, Family, Moments
from pybandits.model.priors import MAX_MAGNITUDE, FloatArray
from pybandits.model.protocol import StatsAsAttributes

__all__ = ["coefficient_draws", "LinearHead", "default_head_sigma", "draw_heads"]

#: Shape of the inverse-gamma prior of a Gaussian head's noise variance (2: a finite prior mean).
_NOISE_SHAPE = 2.0
#: Newton's method: most iterations, and the step (largest coordinate) below which it has converged.


def default_head_sigma(width: int) -> float:
    """The prior scale of a linear head's coefficients on ``width`` trunk features: ``min(1, 3 / sqrt(width))``.

    A trunk's features are bounded activations of order one, so a head's prior output has a
    standard deviation of about ``sigma0 * sqrt(width)``: this rule keeps it near 3 on the link's
    scale (logits between about -6 and 6) however wide the trunk, where a unit prior on each of 32
    features would spread it to about 6 and make the first Thompson draws wild. Measured
    (``docs/backbone.md``): a ``[32]`` trunk on a shared non-linear world has regret 0.27x
    uniform's with it, 0.30x with ``sigma0 = 1``.

    Examples
    --------
    >>> default_head_sigma(4), round(default_head_sigma(32), 3)
    (1.0, 0.53)
    """
    return min(1.0, 3.0 / math.sqrt(width))


class LinearHead(Displayed, StatsAsAttributes, PyBanditsBaseModel):
    """One action's Bayesian linear head on a shared trunk's features (see the module notes).

    Attributes
    ----------
    family : Bernoulli or Gaussian
        The reward family.
    prior_mu, prior_sigma : float
        The Normal prior of every coefficient (the bandit's ``dist_params_init``).
    mean : array
        Posterior mean of the coefficients, ``(n_inputs + 1,)``: one per trunk feature, then the bias.
    scale_factor : array
        ``S`` with ``S @ S.T`` the posterior covariance (given the noise variance, for Gaussian rewards).
    noise_shape, noise_rate : float, optional
        Gaussian rewards only: the inverse-gamma posterior of the noise variance (standardised units).
    stats : BinaryCounts or Moments
        What the family counts (every reward the action ever got, not only the buffer's).
    cost : float, optional
        Cost of the action, for cost-control bandits.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    family: Family = Bernoulli()
    prior_mu: float = Field(default=0.0, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)
    prior_sigma: float = Field(default=1.0, gt=0.0, le=MAX_MAGNITUDE, allow_inf_nan=False)
    mean: FloatArray
    scale_factor: FloatArray
    noise_shape: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    noise_rate: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    stats: BinaryCounts | Moments = BinaryCounts()
    cost: Cost | None = None

    @model_validator(mode="after")
    def _check_arrays(self) -> LinearHead:
        size = self.mean.shape[0] if self.mean.ndim == 1 else -1
        if size < 1 or self.scale_factor.shape != (size, size):
            raise ValueError(
                f"mean and scale_factor: expected shapes (d,) and (d, d), got {self.mean.shape} and "
                f"{self.scale_factor.shape}"
            )
        sign, _ = np.linalg.slogdet(self.scale_factor)
        if sign == 0:
            raise ValueError(
                "scale_factor: expected an invertible matrix (a square root of a covariance), got a singular one"
            )
        conjugate = self.family.linear_conjugate
        if conjugate != (self.noise_shape is not None) or conjugate != (self.noise_rate is not None):
            expected = "both" if conjugate else "neither"
            raise ValueError(
                f"noise_shape and noise_rate: expected {expected} for {self.family.name} rewards, got "
                f"noise_shape={self.noise_shape} and noise_rate={self.noise_rate}"
            )
        if not isinstance(self.stats, self.family.stats_type):
            raise ValueError(
                f"stats: expected {self.family.stats_type.__name__} for {self.family.name} rewards, "
                f"got {type(self.stats).__name__}"
            )
        return self

    @classmethod
    def cold_start(
        cls,
        n_inputs: int,
        family: Any = None,
        prior_mu: float = 0.0,
        prior_sigma: float = 1.0,
        cost: float | None = None,
    ) -> LinearHead:
        """A head at its prior, on ``n_inputs`` trunk features."""
        family = Bernoulli() if family is None else family
        noise = {}
        if family.linear_conjugate:
            rate = (_NOISE_SHAPE - 1.0) * math.exp(2 * family.noise_prior.mu)  # prior mean: the family's noise
            noise = {"noise_shape": _NOISE_SHAPE, "noise_rate": rate}
        return cls(
            family=family,
            prior_mu=prior_mu,
            prior_sigma=prior_sigma,
            mean=np.full(n_inputs + 1, prior_mu),
            scale_factor=prior_sigma * np.eye(n_inputs + 1),
            stats=family.stats_type(),
            cost=cost,
            **noise,
        )

    # -- what the bandit asks of every action model ----------------------------------------------

    @property
    def n_inputs(self) -> int:
        """Number of trunk features the head reads."""
        return self.mean.shape[0] - 1

    @property
    def n_features(self) -> int:
        """The head's inputs: the trunk's features (the same as :attr:`n_inputs`)."""
        return self.n_inputs

    @property
    def n_objectives(self) -> None:
        """None: one objective."""
        return None

    @property
    def families(self) -> list[Any]:
        """The reward family, as a list of one (the shape multi-objective models give)."""
        return [self.family]

    @property
    def update_method(self) -> str:
        """How the posterior is computed: ``"conjugate"`` (exact, Gaussian rewards) or ``"laplace"``."""
        return "conjugate" if self.family.linear_conjugate else "laplace"

    def prediction_detail(self, outputs: np.ndarray) -> np.ndarray:
        """The family's second number per row (:meth:`~pybandits.model.family.RewardFamily.prediction_detail`).

        For Gaussian rewards, the noise standard deviation at the median of the inverse-gamma
        posterior of the noise variance.
        """
        if self.noise_shape is None:
            return self.family.prediction_detail(outputs, {})
        # the median of s2 ~ InvGamma(a, b) is close to b / (a - 1/3) for every a > 0
        log_sd = 0.5 * math.log(self.noise_rate / max(self.noise_shape - 1.0 / 3.0, 1e-3))  # type: ignore[operator]
        return self.family.noise_detail(outputs, log_sd)

    def with_families(self, families: Sequence[Any]) -> LinearHead:
        """The head with another family (the bandit's standardisation, for Gaussian rewards).

        When the standardisation moves, the posterior is re-expressed exactly in the new units: the
        coefficients are scaled by ``a`` and the bias moves by ``b`` (their covariance given the
        noise variance is unchanged), and the noise variance's inverse-gamma scale grows by ``a**2``.
        """
        family = families[0]
        change = family.output_change(self.family)
        if change is None:
            return self.model_copy(update={"family": family})
        a, b = change
        mean = a * self.mean
        mean[-1] += b
        return self.model_copy(update={"family": family, "mean": mean, "noise_rate": a**2 * self.noise_rate})

    def draw(self, features: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One Thompson draw per row of ``features``: expected rewards and the family's detail, ``(n_rows,)``."""
        expected, detail = draw_heads([self], features, rng)
        return expected[:, 0], detail[:, 0]

    def at_prior(self) -> LinearHead:
        """The head at its cold-start prior (same settings, same statistics)."""
        cold = LinearHead.cold_start(self.n_inputs, self.family, self.prior_mu, self.prior_sigma, self.cost)
        return cold.model_copy(update={"stats": self.stats})

    def refitted(self, features: np.ndarray, rewards: np.ndarray, weights: np.ndarray | None = None) -> LinearHead:
        """The posterior given these rows from the cold-start prior (statistics unchanged).

        What a bandit with a shared trunk computes for every action after the trunk changed: the
        rows are the action's rows in the replay buffer, ``features`` the trunk's features there;
        ``weights`` their likelihood weights under forgetting.
        """
        return self.at_prior().posterior(features, rewards, start=self.mean, weights=weights)

    def updated(self, features: np.ndarray, rewards: np.ndarray) -> LinearHead:
        """A sequential update: this posterior as the prior, these rows observed, statistics added."""
        return self.posterior(features, rewards).model_copy(update={"stats": self.stats.added(np.asarray(rewards))})

    def posterior(
        self,
        features: np.ndarray,
        rewards: np.ndarray,
        start: np.ndarray | None = None,
        weights: np.ndarray | None = None,
    ) -> LinearHead:
        """This head's distribution as the prior, updated with the rows ``(features, rewards)``.

        ``rewards`` are in reward units; ``start`` is where Newton's method starts (Laplace heads);
        ``weights`` raise each row's likelihood to its weight (forgetting): weighted least squares
        for the exact Normal-inverse-gamma head, a weighted log likelihood for the Laplace one.
        """
        design = _with_bias(np.asarray(features, dtype=np.float64))
        targets = self.family.fitting_rewards(rewards)
        if self.family.linear_conjugate:
            return self.posterior_from_sums(*conjugate_sums(design, targets, weights))
        prior_precision = _precision(self.scale_factor)
        row_weights = np.ones(len(targets)) if weights is None else np.asarray(weights, dtype=np.float64)
        mean, precision = run_newton(
            self.mean, prior_precision, start, lambda c: newton_terms(self.family, design, targets, c, row_weights)
        )
        return self.laplace_posterior(mean, precision)

    def posterior_from_sums(self, gram: np.ndarray, cross: np.ndarray, squares: float, count: float) -> LinearHead:
        """An exact head's posterior given its rows' :func:`~pybandits.model.backbone.laplace.conjugate_sums`."""
        prior_precision = _precision(self.scale_factor)
        precision = prior_precision + gram
        shift = prior_precision @ self.mean
        mean = np.linalg.solve(precision, shift + cross)
        residual = float(squares + self.mean @ shift - mean @ precision @ mean)
        update = {
            "noise_shape": self.noise_shape + 0.5 * count,
            "noise_rate": self.noise_rate + 0.5 * max(residual, 0.0),
        }
        return self.model_copy(update={"mean": mean, "scale_factor": _factor(precision), **update})

    def laplace_posterior(self, mean: np.ndarray, precision: np.ndarray) -> LinearHead:
        """A Laplace head with this mode and precision (:func:`~pybandits.model.backbone.laplace.newton_mode`)."""
        return self.model_copy(update={"mean": mean, "scale_factor": _factor(precision)})

    def grown(self, template: LinearHead, action_id: str = "") -> LinearHead:
        """The template's head with this head's statistics (its posterior is recomputed on the trunk's buffer)."""
        if not isinstance(template, LinearHead):
            raise ValueError(
                f"new_mab: expected a linear head for action {action_id!r} like current_mab's (a head cannot turn "
                f"into a network), got {type(template).__name__}; give new_mab no hidden_dim_list"
            )
        family = carried_family(action_id, self.family, template.family)
        return template.model_copy(update={"stats": self.stats, "family": family})

    def summary(self) -> str:
        """One line: the head's size and statistics."""
        return f"linear head on {self.n_inputs} trunk features; {self.stats.describe()}"


#: Values of the ``(heads, rows, d)`` products :func:`draw_heads` holds at once (32 MiB as float64):
#: 200 heads on 70,000 rows of 33 inputs would otherwise take 3.7 GB.
_SPREAD_VALUES = 2**22


def draw_heads(
    heads: Sequence[LinearHead], features: np.ndarray, rng: np.random.Generator, repeats: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Thompson draws of several heads at once: expected rewards and details, ``(repeats * n_rows, n_heads)``.

    The rows are drawn ``repeats`` times, as ``np.tile(features, (repeats, 1))`` would be (the same
    draws for the same generator), but each row's location ``x' m`` and spread ``sqrt(x' S S' x)``
    are computed once: the spreads cost ``d^2`` per row and head, the draws one number.

    Examples
    --------
    >>> heads = [LinearHead.cold_start(n_inputs=2)] * 3
    >>> expected, detail = draw_heads(heads, np.zeros((4, 2)), np.random.default_rng(0))
    >>> expected.shape, detail.shape
    ((4, 3), (4, 3))
    """
    design = _with_bias(np.asarray(features, dtype=np.float64))
    means = np.stack([head.mean for head in heads])  # (heads, d)
    factors = np.stack([head.scale_factor for head in heads])  # (heads, d, d)
    location = design @ means.T  # (rows, heads)
    spread = np.empty(location.shape)
    block = max(1, _SPREAD_VALUES // max(1, design.size))  # heads whose (rows, d) products are held at once
    for start in range(0, len(heads), block):
        products = np.matmul(design, factors[start : start + block])  # (block, rows, d)
        spread[:, start : start + block] = np.sqrt(np.einsum("hnd,hnd->nh", products, products))
    if repeats > 1:
        location, spread = np.tile(location, (repeats, 1)), np.tile(spread, (repeats, 1))
    noise = rng.standard_normal(location.shape)
    noise_sd = _noise_sd(heads, location.shape, rng)
    if noise_sd is not None:
        spread = spread * noise_sd
    outputs = location + spread * noise
    family = heads[0].family
    if all(head.family == family for head in heads):
        expected = family.expected_reward(outputs)
    else:
        expected = np.column_stack([h.family.expected_reward(outputs[:, i]) for i, h in enumerate(heads)])
    detail = np.column_stack([h.prediction_detail(outputs[:, i]) for i, h in enumerate(heads)])
    return expected, detail.reshape(outputs.shape)


def coefficient_draws(
    heads: Sequence[LinearHead], n_draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | None]:
    """Draws of several heads' coefficients, ``(n_draws, n_heads, d)``, and of their noise sd (Gaussian heads).

    A head's coefficients are ``mean + s S z``: ``S S'`` its covariance and, for a conjugate
    Gaussian head, ``s`` the noise's standard deviation drawn from its inverse-gamma posterior
    (returned, ``(n_draws, n_heads)``); ``s = 1`` for a Laplace head (None is returned).

    Examples
    --------
    >>> coefficients, noise_sd = coefficient_draws([LinearHead.cold_start(n_inputs=2)] * 3, 5, np.random.default_rng(0))
    >>> coefficients.shape, noise_sd
    ((5, 3, 3), None)
    """
    mean = np.stack([head.mean for head in heads])  # (heads, d)
    factor = np.stack([head.scale_factor for head in heads])  # (heads, d, d)
    spread = np.einsum("aij,naj->nai", factor, rng.standard_normal((n_draws, *mean.shape)))
    noise_sd = _noise_sd(heads, (n_draws, len(heads)), rng)
    if noise_sd is not None:
        spread *= noise_sd[:, :, None]
    return mean + spread, noise_sd


def _noise_sd(heads: Sequence[LinearHead], shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray | None:
    """Conjugate Gaussian heads' noise sd from its inverse-gamma posterior, shape ``(..., n_heads)``; else None."""
    if heads[0].noise_shape is None:
        return None
    shapes = np.array([head.noise_shape for head in heads])
    rates = np.array([head.noise_rate for head in heads])
    return np.sqrt(rates / rng.gamma(shapes, size=shape))


def _with_bias(features: np.ndarray) -> np.ndarray:
    return np.concatenate([features, np.ones((*features.shape[:-1], 1))], axis=-1)


def _precision(factor: np.ndarray) -> np.ndarray:
    """The inverse of ``factor @ factor.T``."""
    inverse = np.linalg.inv(factor)
    return inverse.T @ inverse


def _factor(precision: np.ndarray) -> np.ndarray:
    """``S`` with ``S @ S.T`` the inverse of ``precision``: the inverse transpose of its Cholesky factor."""
    lower = np.linalg.cholesky(0.5 * (precision + precision.T))
    return np.linalg.inv(lower).T
