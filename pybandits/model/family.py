"""Reward families: everything a bandit assumes about its rewards, in one object per family.

A family owns

- the check of rewards at the public boundary (:meth:`RewardFamily.check_rewards`);
- the likelihood of a reward given the network's output, written once over an
  :class:`~pybandits.model.ops.ArrayOps` namespace so that the fitting engines run it with
  PyTensor and tests run it with numpy (:meth:`RewardFamily.log_likelihood`);
- the link from the network's output to the expected reward, which is what the strategies receive
  (:meth:`RewardFamily.expected_reward`), and the second number ``predict`` reports per action;
- the auxiliary parameters an action learns besides its network (the Gaussian noise scale);
- the summary statistics an action keeps (:attr:`RewardFamily.stats_type`);
- the conjugate posterior of a stochastic bandit's action (:attr:`RewardFamily.conjugate`).

Nothing outside this module knows about sigmoids, 0/1 rewards or success counts. A new family
(say Poisson counts) is one class here plus its tests.

Examples
--------
>>> import numpy as np
>>> Bernoulli().expected_reward(np.array([0.0]))
array([0.5])
>>> family = Gaussian(reward_loc=10.0, reward_scale=2.0)
>>> family.expected_reward(np.array([1.0]))
array([12.])
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import ConfigDict, Field, model_serializer, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.boundary.validation import reward_array
from pybandits.model.beta import Beta, BetaMO
from pybandits.model.nig import NormalInverseGamma, NormalInverseGammaMO
from pybandits.model.ops import ArrayOps
from pybandits.model.priors import MAX_MAGNITUDE, LocationScale
from pybandits.model.stats import BinaryCounts, Moments

__all__ = [
    "Bernoulli",
    "BinaryCounts",
    "Family",
    "Gaussian",
    "Moments",
    "NoisePrior",
    "RewardFamily",
    "STANDARDISATION_ROWS",
]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: A spread below this share of the rewards' magnitude (or of 1) counts as none: the rewards seen are
#: (nearly) equal, and the scale is their magnitude instead (see :meth:`Gaussian.fitted_to`).
_MIN_RELATIVE_SCALE = 1e-3
#: A standardisation fitted to the rewards follows them, batch by batch, until it has seen this many;
#: then it stays (see :meth:`Gaussian.fitted_to`).
STANDARDISATION_ROWS = 100


# -- the families ------------------------------------------------------------------------------


class RewardFamily(PyBanditsBaseModel, ABC):
    """Base class of the reward families (see the module notes for what a family owns).

    Examples
    --------
    >>> from pybandits.model.ops import NUMPY_OPS
    >>> family = Gaussian(reward_loc=0.0, reward_scale=1.0)
    >>> isinstance(family, RewardFamily), family.graph_key
    (True, ('gaussian', (('log_noise_sd', (1,)),)))
    >>> aux = {"log_noise_sd": np.array([0.0])}
    >>> round(float(family.log_likelihood(NUMPY_OPS, np.array([0.0]), np.array([0.0]), aux)[0]), 4)
    -0.9189
    """

    model_config = ConfigDict(frozen=True)

    #: The statistics an action of this family keeps.
    stats_type: ClassVar[type[PyBanditsBaseModel]]
    #: The conjugate posterior of a stochastic bandit's action, and its multi-objective form.
    conjugate: ClassVar[type[PyBanditsBaseModel]]
    conjugate_mo: ClassVar[type[PyBanditsBaseModel]]
    #: What the rewards must be, for messages; the prefix of expected-reward columns in tables.
    reward_kind: ClassVar[str]
    expected_column: ClassVar[str]
    #: What an expected reward is, for messages (a simulator's truth) and plots' axes.
    expected_kind: ClassVar[str]
    expected_label: ClassVar[str]
    #: The range every expected reward lies in, where there is one.
    expected_range: ClassVar[tuple[float, float] | None] = None
    #: Whether a linear model on fixed features has a conjugate (Normal-inverse-gamma) posterior in
    #: this family; the heads of a shared trunk (:mod:`pybandits.model.backbone.heads`) use it, and
    #: a Laplace approximation built on :meth:`newton_terms` otherwise.
    linear_conjugate: ClassVar[bool] = False

    @abstractmethod
    def invalid_rewards(self, rewards: np.ndarray) -> np.ndarray:
        """Boolean mask of the finite float rewards this family refuses."""

    @abstractmethod
    def check_rewards(self, rewards: Any, n_rows: int, n_objectives: int | None = None) -> np.ndarray:
        """The rewards as an array, shape ``(n_rows,)`` or ``(n_rows, n_objectives)``, or an error."""

    @abstractmethod
    def expected_reward(self, outputs: np.ndarray) -> np.ndarray:
        """Expected reward (in reward units) of network outputs, with numpy.

        Increasing in the output: a quantitative action's candidates are ranked by their outputs
        (:mod:`pybandits.kinds.per_action`).
        """

    @abstractmethod
    def log_likelihood(self, ops: ArrayOps, outputs: Any, rewards: Any, aux: dict[str, Any]) -> Any:
        """Log-likelihood of every row, with ``ops`` (numpy or PyTensor).

        ``rewards`` are in the fitting scale (:meth:`fitting_rewards`); ``aux`` holds a tensor per
        auxiliary parameter (:meth:`aux_prior`).
        """

    @abstractmethod
    def simulate(self, expected: np.ndarray, rng: np.random.Generator, noise_sd: float | None) -> np.ndarray:
        """Rewards drawn around ``expected`` rewards, for simulators (``noise_sd`` for families with noise)."""

    def fitting_rewards(self, rewards: np.ndarray) -> np.ndarray:
        """Rewards in the scale the likelihood is written in."""
        return np.asarray(rewards, dtype=np.float64)

    def newton_terms(self, outputs: np.ndarray, rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the log-likelihood's derivative in the output and minus its second derivative (numpy).

        What a Newton step and a Laplace approximation of a linear model need; families whose
        linear models are conjugate (:attr:`linear_conjugate`) do not.
        """
        raise NotImplementedError(f"{self.name} rewards: a linear model's posterior is conjugate; no Newton steps")

    def aux_prior(self) -> dict[str, LocationScale]:
        """Cold-start distribution of every auxiliary parameter an action learns (none by default)."""
        return {}

    def prediction_detail(self, outputs: np.ndarray, aux: dict[str, LocationScale]) -> np.ndarray:
        """The second number ``predict`` reports per row and action (same shape as ``outputs``)."""
        return outputs

    def fitted_to(self, rewards: np.ndarray) -> RewardFamily:
        """The family with whatever it learns from the rewards of an update (nothing by default)."""
        return self

    def output_change(self, before: RewardFamily) -> tuple[float, float] | None:
        """How outputs fitted under ``before`` map to this family's units (None: they do not move)."""
        return None

    def restated_aux(self, aux: dict[str, LocationScale], change: tuple[float, float]) -> dict[str, LocationScale]:
        """The auxiliary posteriors under an output change (:meth:`output_change`); none by default."""
        return aux

    def describe(self) -> str:
        """The family in a few words (the family's name, and what it learned)."""
        return self.name

    @property
    def graph_key(self) -> tuple:
        """What about the family shapes a compiled graph (its name and auxiliary tensors)."""
        return (self.name, tuple((name, dist.shape) for name, dist in self.aux_prior().items()))


class Bernoulli(RewardFamily):
    """Rewards of 0 or 1 (or fractions in [0, 1]), with success probability ``sigmoid(output)``.

    A soft reward ``y`` in [0, 1], such as the fraction of several impressions that converted, is
    fitted with the Bernoulli log-likelihood written for fractions, ``y log p + (1 - y) log(1 - p)``:
    the same as ``y`` successes and ``1 - y`` failures. Stochastic bandits add ``y`` and ``1 - y``
    to the Beta counts, which is that likelihood's conjugate update.

    Examples
    --------
    >>> Bernoulli().check_rewards([1, 0, 0.25], 3)
    array([1.  , 0.  , 0.25])
    """

    name: Literal["bernoulli"] = "bernoulli"

    stats_type: ClassVar[type[PyBanditsBaseModel]] = BinaryCounts
    conjugate: ClassVar[type[PyBanditsBaseModel]] = Beta
    conjugate_mo: ClassVar[type[PyBanditsBaseModel]] = BetaMO
    reward_kind: ClassVar[str] = "0 or 1 (or a fraction in [0, 1])"
    expected_column: ClassVar[str] = "probability"
    expected_kind: ClassVar[str] = "a probability in [0, 1]"
    expected_label: ClassVar[str] = "success probability"
    expected_range: ClassVar[tuple[float, float] | None] = (0.0, 1.0)

    def invalid_rewards(self, rewards: np.ndarray) -> np.ndarray:
        return ~((rewards >= 0.0) & (rewards <= 1.0))

    def check_rewards(self, rewards: Any, n_rows: int, n_objectives: int | None = None) -> np.ndarray:
        if (  # a few 0/1 ints (a one-row step): what the checks below return, without their numpy calls
            n_objectives is None
            and type(rewards) is list
            and len(rewards) == n_rows <= 16
            and all(type(r) is int and (r == 0 or r == 1) for r in rewards)
        ):
            return np.array(rewards, dtype=np.int8)
        array = reward_array(rewards, n_rows, n_objectives, "0/1 rewards (or fractions in [0, 1])")
        outside = self.invalid_rewards(array)
        if outside.any():
            raise ValueError(f"rewards: expected {self.reward_kind}, got {array[outside][:5].tolist()}")
        binary = (array == 0.0) | (array == 1.0)
        return array.astype(np.int8) if binary.all() else array

    def simulate(self, expected: np.ndarray, rng: np.random.Generator, noise_sd: float | None) -> np.ndarray:
        if noise_sd is not None:
            raise TypeError(f"noise_sd: Bernoulli rewards have no noise scale; expected None, got {noise_sd!r}")
        return (rng.random(expected.shape) < expected).astype(int)

    def expected_reward(self, outputs: np.ndarray) -> np.ndarray:
        # 1 / (1 + exp(-z)) keeps small probabilities' relative precision (exp overflows to inf: p = 0)
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-outputs))

    def log_likelihood(self, ops: ArrayOps, outputs: Any, rewards: Any, aux: dict[str, Any]) -> Any:
        # log sigmoid(z) = z - softplus(z) and log(1 - sigmoid(z)) = -softplus(z)
        return rewards * outputs - ops.softplus(outputs)

    def newton_terms(self, outputs: np.ndarray, rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``r - p`` and ``p (1 - p)``, with ``p = sigmoid(output)``.

        Examples
        --------
        >>> Bernoulli().newton_terms(np.array([0.0]), np.array([1.0]))
        (array([0.5]), array([0.25]))
        """
        probability = self.expected_reward(outputs)
        return rewards - probability, probability * (1.0 - probability)


class NoisePrior(PyBanditsBaseModel):
    """Normal prior of the log of a Gaussian action's noise standard deviation, in standardised units.

    The default (``mu=log(0.5)``, ``sigma=1``) expects the noise to be about half the spread of
    the rewards, and allows a tenth to three times it.

    Examples
    --------
    >>> round(math.exp(NoisePrior().mu), 2)
    0.5
    """

    model_config = ConfigDict(frozen=True)

    mu: float = Field(default=math.log(0.5), ge=-20.0, le=20.0, allow_inf_nan=False)
    sigma: float = Field(default=1.0, gt=0.0, le=10.0, allow_inf_nan=False)


class Gaussian(RewardFamily):
    """Real-valued rewards, Normal around the network's output with a learned noise scale.

    Rewards are standardised for fitting: ``(reward - reward_loc) / reward_scale``. The location and
    scale are given at cold start (and then never change) or fitted to the rewards the bandit's
    updates see (:meth:`fitted_to`): their mean and standard deviation, refitted at every update
    until :data:`STANDARDISATION_ROWS` rewards were seen, so that a first batch of one row or of
    equal rewards cannot fix a wrong scale for good. Whenever the standardisation moves, the learned
    posteriors are re-expressed in the new units (:meth:`output_change`): the function they
    describe is unchanged. The network's output is the standardised mean; each action also learns
    the log of its noise standard deviation (Normal posterior, prior :class:`NoisePrior`).
    Everything reported is in reward units.

    Attributes
    ----------
    noise_prior : NoisePrior
    reward_loc, reward_scale : float, optional
        The standardisation; None until given or fitted. ``reward_scale`` must be > 0.
    fitted_on : Moments, optional
        The rewards a fitted standardisation was computed from; None when it was given (or was
        fitted before this was recorded), in which case it never changes.

    Examples
    --------
    >>> family = Gaussian().fitted_to(np.array([100.0, 120.0, 140.0]))
    >>> family.reward_loc, round(family.reward_scale, 2)
    (120.0, 16.33)
    """

    name: Literal["gaussian"] = "gaussian"
    noise_prior: NoisePrior = NoisePrior()
    reward_loc: float | None = Field(default=None, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)
    reward_scale: float | None = Field(default=None, gt=0.0, le=MAX_MAGNITUDE, allow_inf_nan=False)
    fitted_on: Moments | None = None

    stats_type: ClassVar[type[PyBanditsBaseModel]] = Moments
    conjugate: ClassVar[type[PyBanditsBaseModel]] = NormalInverseGamma
    conjugate_mo: ClassVar[type[PyBanditsBaseModel]] = NormalInverseGammaMO
    reward_kind: ClassVar[str] = f"a real number of magnitude <= {MAX_MAGNITUDE:g}"
    expected_column: ClassVar[str] = "mean"
    expected_kind: ClassVar[str] = f"a mean reward of magnitude <= {MAX_MAGNITUDE:g}"
    expected_label: ClassVar[str] = "mean reward"
    linear_conjugate: ClassVar[bool] = True

    @model_validator(mode="before")
    @classmethod
    def _floor_of_earlier_versions_refits(cls, data: Any) -> Any:
        """A scale of exactly a thousandth of ``|reward_loc|`` (or of 1), without ``fitted_on``, refits.

        Earlier versions set that scale, for good, from a first batch of one row or of equal rewards
        (a defect); read as fitted on that one reward, it follows the rewards from the next update on.
        """
        if isinstance(data, dict) and "fitted_on" not in data and data.get("reward_scale") is not None:
            loc, scale = data.get("reward_loc"), data["reward_scale"]
            if isinstance(loc, int | float) and scale == _MIN_RELATIVE_SCALE * max(1.0, abs(loc)):
                data = {**data, "fitted_on": {"n_observations": 1, "reward_mean": loc, "m2": 0.0}}
        return data

    @model_validator(mode="after")
    def _both_or_neither(self) -> Gaussian:
        if (self.reward_loc is None) != (self.reward_scale is None):
            raise ValueError(
                f"reward_loc and reward_scale: expected both or neither, got reward_loc={self.reward_loc} "
                f"and reward_scale={self.reward_scale}"
            )
        if self.fitted_on is not None and (self.reward_scale is None or self.fitted_on.n_observations == 0):
            raise ValueError(
                f"fitted_on: expected the rewards a set standardisation was fitted to, got {self.fitted_on.describe()} "
                f"with reward_scale={self.reward_scale}"
            )
        if self.fitted_on is not None and self.fitted_on.reward_mean != self.reward_loc:
            raise ValueError(
                f"fitted_on: expected rewards whose mean is reward_loc={self.reward_loc}, got a mean of "
                f"{self.fitted_on.reward_mean}"
            )
        return self

    @model_serializer(mode="wrap")
    def _without_fitted_on_when_none(self, handler: Any) -> Any:
        """States written before ``fitted_on`` existed read and write back unchanged."""
        data = handler(self)
        if self.fitted_on is None and isinstance(data, dict):
            data.pop("fitted_on", None)
        return data

    def describe(self) -> str:
        """``gaussian``, with the standardisation once it is set."""
        if not self.standardised:
            return self.name
        return f"{self.name} (reward_loc={self.reward_loc:.6g}, reward_scale={self.reward_scale:.6g})"

    @property
    def standardised(self) -> bool:
        """Whether the standardisation is set."""
        return self.reward_scale is not None

    @property
    def _loc_scale(self) -> tuple[float, float]:
        return (0.0, 1.0) if self.reward_scale is None else (self.reward_loc, self.reward_scale)  # type: ignore[return-value]

    def invalid_rewards(self, rewards: np.ndarray) -> np.ndarray:
        return np.abs(rewards) > MAX_MAGNITUDE

    def check_rewards(self, rewards: Any, n_rows: int, n_objectives: int | None = None) -> np.ndarray:
        array = reward_array(rewards, n_rows, n_objectives, "real-valued rewards", allow_bool=False)
        too_large = self.invalid_rewards(array)
        if too_large.any():
            raise ValueError(
                f"rewards: expected {self.reward_kind}, got {array[too_large][:5].tolist()}; "
                "express the rewards in larger units"
            )
        return array

    def simulate(self, expected: np.ndarray, rng: np.random.Generator, noise_sd: float | None) -> np.ndarray:
        """Normal rewards around ``expected`` with standard deviation ``noise_sd`` (1 when None)."""
        return expected + (1.0 if noise_sd is None else noise_sd) * rng.standard_normal(expected.shape)

    def expected_reward(self, outputs: np.ndarray) -> np.ndarray:
        loc, scale = self._loc_scale
        return loc + scale * outputs

    def fitting_rewards(self, rewards: np.ndarray) -> np.ndarray:
        loc, scale = self._loc_scale
        return (np.asarray(rewards, dtype=np.float64) - loc) / scale

    def log_likelihood(self, ops: ArrayOps, outputs: Any, rewards: Any, aux: dict[str, Any]) -> Any:
        log_sd = aux["log_noise_sd"][..., 0]  # one per network: (1,), or (networks, 1, 1)
        return -0.5 * ((rewards - outputs) / ops.exp(log_sd)) ** 2 - log_sd - _HALF_LOG_2PI

    def aux_prior(self) -> dict[str, LocationScale]:
        return {"log_noise_sd": LocationScale.full((1,), self.noise_prior.mu, self.noise_prior.sigma)}

    def prediction_detail(self, outputs: np.ndarray, aux: dict[str, LocationScale]) -> np.ndarray:
        """The noise standard deviation in reward units (at the posterior median of its log)."""
        return self.noise_detail(outputs, aux["log_noise_sd"].mu[0])

    def noise_detail(self, outputs: np.ndarray, log_noise_sd: float) -> np.ndarray:
        """The noise standard deviation in reward units for a log noise sd in standardised units, per output."""
        _, scale = self._loc_scale
        return np.broadcast_to(scale * np.exp(log_noise_sd), outputs.shape).copy()

    def noise_sd(self, aux: dict[str, LocationScale]) -> float:
        """An action's noise standard deviation in reward units (posterior median)."""
        return float(self._loc_scale[1] * np.exp(aux["log_noise_sd"].mu[0]))

    def fitted_to(self, rewards: np.ndarray | Moments) -> Gaussian:
        """The family with its standardisation fitted to the rewards seen so far, ``rewards`` included.

        ``rewards`` may be their :class:`~pybandits.model.stats.Moments` (summed over a cluster's partitions).

        A given standardisation, and one fitted to :data:`STANDARDISATION_ROWS` rewards or more
        that were not all equal, stays as it is. Otherwise the location is the mean of every reward
        seen and the scale their standard deviation or, when they are (nearly) equal or only one,
        their magnitude (or 1): a scale too large only shrinks the standardised rewards, one too
        small would blow them up.

        Examples
        --------
        >>> one = Gaussian().fitted_to(np.array([10.0]))
        >>> one.reward_loc, one.reward_scale
        (10.0, 10.0)
        >>> more = one.fitted_to(np.array([4.0, 7.0]))
        >>> more.reward_loc, round(more.reward_scale, 3), more.fitted_on.n_observations
        (7.0, 2.449, 3)
        """
        if self.standardised and (self.fitted_on is None or self._settled):
            return self
        new = rewards if isinstance(rewards, Moments) else Moments().added(np.asarray(rewards, dtype=np.float64))
        seen = (self.fitted_on or Moments()).merged(new)
        if seen.n_observations == 0:
            return self
        loc = seen.reward_mean
        spread = math.sqrt(seen.m2 / seen.n_observations)
        magnitude = max(1.0, abs(loc))
        scale = spread if spread >= _MIN_RELATIVE_SCALE * magnitude else magnitude
        return self.model_copy(update={"reward_loc": loc, "reward_scale": scale, "fitted_on": seen})

    @property
    def _settled(self) -> bool:
        """Whether a fitted standardisation has seen enough rewards, and rewards that were not all equal."""
        seen = self.fitted_on
        if seen is None or seen.n_observations < STANDARDISATION_ROWS:
            return False
        return math.sqrt(seen.m2 / seen.n_observations) >= _MIN_RELATIVE_SCALE * max(1.0, abs(seen.reward_mean))

    def output_change(self, before: RewardFamily) -> tuple[float, float] | None:
        """``(a, b)`` with ``output = a * output_before + b`` when the standardisation moved from ``before``'s.

        None when there is nothing to re-express: the same standardisation, or none before (a
        model at its cold-start prior is already in standardised units).
        """
        if not isinstance(before, Gaussian) or not before.standardised or not self.standardised:
            return None
        (loc_before, scale_before), (loc, scale) = before._loc_scale, self._loc_scale
        if (loc_before, scale_before) == (loc, scale):
            return None
        return scale_before / scale, (loc_before - loc) / scale

    def restated_aux(self, aux: dict[str, LocationScale], change: tuple[float, float]) -> dict[str, LocationScale]:
        """The auxiliary posteriors in the new units: the log noise sd moves by ``log a``."""
        noise = aux["log_noise_sd"]
        return {**aux, "log_noise_sd": noise.model_copy(update={"mu": noise.mu + math.log(change[0])})}


#: Any reward family, told apart by ``name`` in a state document.
Family = Annotated[Bernoulli | Gaussian, Field(discriminator="name")]
