"""Normal-Inverse-Gamma action models of the stochastic Gaussian bandits: exact conjugate posteriors.

An action's rewards are Normal with unknown mean ``m`` and variance ``s2``. The prior is
Normal-Inverse-Gamma: ``s2 ~ InvGamma(alpha, beta)`` and ``m | s2 ~ Normal(mu, s2 / kappa)``. After
``n`` rewards with mean ``ybar`` and sum of squared deviations ``ss`` the posterior is again
Normal-Inverse-Gamma, with

- ``kappa' = kappa + n``
- ``mu' = (kappa mu + n ybar) / kappa'``
- ``alpha' = alpha + n / 2``
- ``beta' = beta + ss / 2 + kappa n (ybar - mu)^2 / (2 kappa')``

and the mean's marginal posterior is a Student-t with ``2 alpha'`` degrees of freedom, location
``mu'`` and scale ``sqrt(beta' / (alpha' kappa'))``; Thompson sampling draws from it.

The default prior (``mu=0, kappa=1, alpha=1, beta=1``) suits rewards of order one; for rewards of
another scale give ``mu`` near their typical value and ``beta`` near their variance, so that an
action never played is still sampled in the right range.

Examples
--------
>>> import numpy as np
>>> count, mean, squares = NormalInverseGamma.batch_stats(np.zeros(3, int), np.array([1.0, 2.0, 3.0]), n_actions=1)
>>> model = NormalInverseGamma().updated(count[0], mean[0], squares[0])
>>> model.kappa, model.mu, model.alpha, model.beta
(4.0, 1.5, 2.5, 3.5)
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar

import numpy as np
from pydantic import ConfigDict, Field, NonNegativeInt

from pybandits.base import PyBanditsBaseModel
from pybandits.model.beta import add_count
from pybandits.model.cost import Cost
from pybandits.model.display import Displayed
from pybandits.model.objectives import PerObjective
from pybandits.model.protocol import ConjugateActions, ConjugateObjectives

__all__ = ["NormalInverseGamma", "NormalInverseGammaMO"]

_MAX = 1e300
_Positive = Annotated[float, Field(gt=0.0, le=_MAX, allow_inf_nan=False)]


class NormalInverseGamma(Displayed, ConjugateActions, PyBanditsBaseModel):
    """Normal-Inverse-Gamma posterior of one action's mean reward and noise variance.

    Attributes
    ----------
    mu : float, default 0
        Location of the mean.
    kappa : float, default 1
        Pseudo-count of the location: the prior counts as ``kappa`` rewards.
    alpha, beta : float, default 1
        Shape and scale of the noise variance's inverse-gamma distribution.
    n_observations : int or float
        Rewards observed (their total weight once forgetting discounted them: a fraction).
    cost : float, optional
        Cost of playing the action, for cost-control bandits.

    Examples
    --------
    >>> import numpy as np
    >>> model = NormalInverseGamma(mu=5.0, kappa=1.0, alpha=2.0, beta=2.0)
    >>> model.mean, model.sample(3, np.random.default_rng(0)).shape
    (5.0, (3,))
    """

    model_config = ConfigDict(frozen=True)

    mu: float = Field(default=0.0, ge=-_MAX, le=_MAX, allow_inf_nan=False)
    kappa: _Positive = 1.0
    alpha: _Positive = 1.0
    beta: _Positive = 1.0
    n_observations: NonNegativeInt | Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = 0
    cost: Cost | None = None

    draw_parameters: ClassVar[tuple[str, ...]] = ("mu", "kappa", "alpha", "beta")
    #: The prior settings ``cold_start(prior=...)`` takes.
    prior_parameters: ClassVar[tuple[str, ...]] = ("mu", "kappa", "alpha", "beta")

    @property
    def mean(self) -> float:
        """Posterior mean of the mean reward."""
        return self.mu

    def credible_interval(self, prob: float = 0.94) -> tuple[float, float]:
        """The equal-tailed ``prob`` interval of the mean reward: its Student-t posterior's exact quantiles.

        Examples
        --------
        >>> [round(x, 2) for x in NormalInverseGamma(mu=1.0, kappa=4.0, alpha=3.0, beta=3.0).credible_interval(0.9)]
        [0.03, 1.97]
        """
        from scipy.stats import t

        low, high = t.ppf([(1 - prob) / 2, (1 + prob) / 2], 2.0 * self.alpha, loc=self.mu, scale=self.mean_scale)
        return float(low), float(high)

    @property
    def mean_scale(self) -> float:
        """Scale of the mean reward's Student-t posterior, ``sqrt(beta / (alpha kappa))``."""
        return float(np.sqrt(self.beta / (self.alpha * self.kappa)))

    @property
    def noise_sd(self) -> float:
        """Square root of the noise variance's posterior mean, ``beta / (alpha - 1)`` (inf while ``alpha <= 1``)."""
        return float(np.sqrt(self.beta / (self.alpha - 1.0))) if self.alpha > 1.0 else float("inf")

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Posterior density of the mean reward at ``x``: the Student-t marginal.

        Examples
        --------
        >>> round(float(NormalInverseGamma(mu=1.0, kappa=1.0, alpha=1.0, beta=1.0).pdf(np.array([1.0]))[0]), 4)
        0.3536
        """
        nu, scale = 2.0 * self.alpha, self.mean_scale
        z = (np.asarray(x, dtype=float) - self.mu) / scale
        log_norm = math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi) - math.log(scale)
        return np.exp(log_norm - (nu + 1) / 2 * np.log1p(z**2 / nu))

    def plot_range(self) -> tuple[float, float]:
        """Where most of the mean's posterior lies: six scales either side of ``mu``."""
        return self.mu - 6.0 * self.mean_scale, self.mu + 6.0 * self.mean_scale

    def sample(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Mean rewards drawn from the posterior, shape ``(n_samples,)``."""
        params = {name: np.asarray(getattr(self, name)) for name in self.draw_parameters}
        return self.draw(params, n_samples, rng)

    @staticmethod
    def draw(params: dict[str, np.ndarray], n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Mean rewards drawn for arrays of parameters, shape ``(n_samples, *shape)``."""
        alpha = params["alpha"]
        scale = np.sqrt(params["beta"] / (alpha * params["kappa"]))
        return params["mu"] + scale * rng.standard_t(2.0 * alpha, size=(n_samples, *alpha.shape))

    @classmethod
    def posterior_draws(cls, params: dict[str, np.ndarray], n_samples: int, rng: np.random.Generator) -> dict:
        """The mean reward and the noise's standard deviation, drawn jointly: ``tau ~ Gamma(alpha, beta)``,
        ``mean | tau ~ N(mu, 1 / (kappa tau))``, ``noise_sd = tau^-1/2``; each ``(n_samples, *shape)``.

        The mean's marginal is :meth:`draw`'s Student-t.
        """
        alpha = params["alpha"]
        tau = rng.gamma(alpha, 1.0 / params["beta"], size=(n_samples, *alpha.shape))
        mean = params["mu"] + rng.standard_normal(tau.shape) / np.sqrt(params["kappa"] * tau)
        return {"expected_reward": mean, "noise_sd": 1.0 / np.sqrt(tau)}

    @staticmethod
    def batch_stats(
        played: np.ndarray, rewards: np.ndarray, n_actions: int, weights: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per action: the number of rewards, their mean and their sum of squared deviations.

        ``weights``: every row's weight (forgetting, :mod:`pybandits.model.forgetting`): the
        weights' sum, the weighted mean and the weighted sum of squared deviations, with which the
        update below is the posterior of the likelihood raised to each row's weight.
        """
        if weights is None:
            count = np.bincount(played, minlength=n_actions)
            total = np.bincount(played, weights=rewards, minlength=n_actions)
        else:
            count = np.bincount(played, weights=weights, minlength=n_actions)
            total = np.bincount(played, weights=weights * rewards, minlength=n_actions)
        mean = np.divide(total, count, out=np.zeros(n_actions), where=count > 0)
        deviations = (rewards - mean[played]) ** 2
        if weights is not None:
            deviations = weights * deviations
        squares = np.bincount(played, weights=deviations, minlength=n_actions)
        return count, mean, squares

    @staticmethod
    def merged_stats(first: tuple[np.ndarray, ...], second: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """The :meth:`batch_stats` of two sets of rows together: counts add, means and squares merge exactly.

        Chan, Golub & LeVeque's pairwise form: a cluster's partitions merge so, in any grouping.

        Examples
        --------
        >>> rewards = np.array([1.0, 2.0, 4.0, 8.0])
        >>> whole = NormalInverseGamma.batch_stats(np.zeros(4, dtype=int), rewards, 1)
        >>> parts = [NormalInverseGamma.batch_stats(np.zeros(2, dtype=int), r, 1) for r in (rewards[:2], rewards[2:])]
        >>> [bool(np.allclose(a, b)) for a, b in zip(whole, NormalInverseGamma.merged_stats(*parts))]
        [True, True, True]
        """
        (n_a, mean_a, m2_a), (n_b, mean_b, m2_b) = first, second
        n = n_a + n_b
        share = np.divide(n_b, n, out=np.zeros(np.shape(n)), where=n > 0)
        delta = mean_b - mean_a
        return n, mean_a + delta * share, m2_a + m2_b + delta**2 * n_a * share

    @staticmethod
    def scaled_stats(stats: tuple[np.ndarray, ...], factor: float) -> tuple[np.ndarray, ...]:
        """The :meth:`batch_stats` of the same rows with every row weight times ``factor`` (forgetting)."""
        count, mean, squares = stats
        return np.asarray(count, dtype=np.float64) * factor, mean, squares * factor

    @classmethod
    def forgotten_many(
        cls, models: list[NormalInverseGamma], prior: NormalInverseGamma, weight: float
    ) -> list[NormalInverseGamma]:
        """Every model's posterior raised to ``weight``, times ``prior`` raised to ``1 - weight``: exact.

        The Normal-Inverse-Gamma family is closed under this geometric mixture (its natural
        parameters mix linearly, :mod:`pybandits.model.forgetting`):

        - ``kappa' = w kappa + (1 - w) kappa0``, ``kappa' mu' = w kappa mu + (1 - w) kappa0 mu0``
        - ``alpha' = w alpha + (1 - w) alpha0``
        - ``beta' = w beta + (1 - w) beta0 + w (1 - w) kappa kappa0 (mu - mu0)^2 / (2 kappa')``

        Examples
        --------
        >>> prior = NormalInverseGamma()
        >>> model = NormalInverseGamma(mu=2.0, kappa=5.0, alpha=3.0, beta=4.0, n_observations=4)
        >>> NormalInverseGamma.forgotten_many([model], prior, 0.5)[0].kappa
        3.0
        """
        w, v = weight, 1.0 - weight
        mu0, kappa0, alpha0, beta0 = prior.mu, prior.kappa, prior.alpha, prior.beta
        new = []
        for model in models:
            kappa = w * model.kappa + v * kappa0
            mu = (w * model.kappa * model.mu + v * kappa0 * mu0) / kappa
            alpha = w * model.alpha + v * alpha0
            spread = w * v * model.kappa * kappa0 * (model.mu - mu0) ** 2 / (2.0 * kappa)
            beta = w * model.beta + v * beta0 + spread
            count = add_count(0, w * model.n_observations)
            new.append(model._replaced(mu=mu, kappa=kappa, alpha=alpha, beta=beta, n_observations=count))
        return new

    @classmethod
    def updated_many(
        cls, models: list[NormalInverseGamma], n: np.ndarray, mean: np.ndarray, squares: np.ndarray
    ) -> list[NormalInverseGamma]:
        """:meth:`updated` of many models at once, vectorised (the stochastic bandits' update).

        The new parameters are computed as arrays and checked to be finite and in range; the models
        are then built without re-validating each one.
        """
        mu0, kappa0, alpha0, beta0 = (
            np.fromiter((getattr(m, name) for m in models), float, len(models)) for name in cls.draw_parameters
        )
        kappa = kappa0 + n
        mu = (kappa0 * mu0 + n * mean) / kappa
        alpha = alpha0 + 0.5 * n
        beta = beta0 + 0.5 * squares + 0.5 * kappa0 * n * (mean - mu0) ** 2 / kappa
        for name, values in (("mu", np.abs(mu)), ("kappa", kappa), ("alpha", alpha), ("beta", beta)):
            if not np.all(np.isfinite(values) & (values <= _MAX)):
                raise ValueError(
                    f"rewards: the posterior's {name} leaves the finite range; express rewards in larger units"
                )
        counts = [add_count(m.n_observations, k) for m, k in zip(models, n.tolist(), strict=True)]
        return [
            cls.model_construct(mu=m_, kappa=k_, alpha=a_, beta=b_, n_observations=c_, cost=model.cost)
            for model, m_, k_, a_, b_, c_ in zip(
                models, mu.tolist(), kappa.tolist(), alpha.tolist(), beta.tolist(), counts, strict=True
            )
        ]

    def updated(self, n: int, mean: float, squares: float) -> NormalInverseGamma:
        """The posterior after ``n`` rewards of mean ``mean`` and sum of squared deviations ``squares``."""
        if n == 0:
            return self
        (new,) = self.updated_many([self], np.array([n]), np.array([mean]), np.array([squares]))
        return new


class NormalInverseGammaMO(Displayed, PerObjective, ConjugateObjectives, PyBanditsBaseModel):
    """Normal-Inverse-Gamma posteriors of one action's mean rewards on several objectives.

    Examples
    --------
    >>> model = NormalInverseGammaMO.cold_start(n_objectives=2, cost=1.0).updated([2, 1], [1.0, 3.0], [0.5, 0.0])
    >>> model.n_observations, model.mu
    ([2, 1], [0.6666666666666666, 1.5])
    """

    model_config = ConfigDict(frozen=True)

    objectives: list[NormalInverseGamma] = Field(min_length=1)
    cost: Cost | None = None

    objective_type: ClassVar[type] = NormalInverseGamma
