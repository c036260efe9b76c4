"""Beta-Bernoulli action models of the stochastic bandits.

An action's success probability has a Beta posterior. It starts as Beta(1, 1), the uniform
prior, and every observed reward adds one to ``n_successes`` (reward 1) or ``n_failures``
(reward 0), so the posterior after ``s`` successes and ``f`` failures is Beta(1 + s, 1 + f).

Action models are immutable values: an update returns a new model, so a bandit can compute every
action's new posterior first and swap them in all at once.

Examples
--------
>>> from pybandits.model import Beta
>>> Beta().updated(successes=3, failures=1)
Beta(n_successes=4, n_failures=2, cost=None)
>>> round(Beta(n_successes=4, n_failures=2).mean, 4)
0.6667
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import ConfigDict, Field, PositiveInt, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.objectives import PerObjective

__all__ = ["Beta", "BetaMO", "Cost"]

#: Cost of playing an action, for cost-control bandits: a finite number >= 0.
Cost = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class Beta(PyBanditsBaseModel):
    """Beta posterior of one action's success probability.

    Attributes
    ----------
    n_successes : int, default 1
        First Beta parameter: 1 (the prior) plus the number of rewards equal to 1.
    n_failures : int, default 1
        Second Beta parameter: 1 (the prior) plus the number of rewards equal to 0.
    cost : float, optional
        Cost of playing the action, for cost-control bandits.

    Examples
    --------
    >>> import numpy as np
    >>> model = Beta().updated(successes=9, failures=1)
    >>> model.n_successes, model.n_failures, round(model.mean, 3)
    (10, 2, 0.833)
    >>> model.sample_proba(3, np.random.default_rng(0)).shape
    (3,)
    """

    model_config = ConfigDict(frozen=True)

    n_successes: PositiveInt = 1
    n_failures: PositiveInt = 1
    cost: Cost | None = None

    @property
    def n_observations(self) -> int:
        """Number of rewards observed."""
        return self.n_successes + self.n_failures - 2

    @property
    def mean(self) -> float:
        """Posterior mean of the success probability."""
        return self.n_successes / (self.n_successes + self.n_failures)

    @property
    def std(self) -> float:
        """Posterior standard deviation of the success probability."""
        a, b = self.n_successes, self.n_failures
        return float(np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))))

    def sample_proba(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n_samples`` success probabilities from the posterior, shape ``(n_samples,)``."""
        return rng.beta(self.n_successes, self.n_failures, size=n_samples)

    def updated(self, successes: int, failures: int) -> Beta:
        """The posterior after ``successes`` more rewards of 1 and ``failures`` more of 0."""
        if successes < 0 or failures < 0:
            raise ValueError(f"successes and failures: expected counts >= 0, got {successes} and {failures}")
        return self.model_copy(
            update={
                "n_successes": self.n_successes + int(successes),
                "n_failures": self.n_failures + int(failures),
            }
        )


class BetaMO(PerObjective, PyBanditsBaseModel):
    """Beta posteriors of one action's success probabilities on several objectives.

    Attributes
    ----------
    objectives : list of Beta
        One Beta posterior per objective (their own ``cost`` stays None).
    cost : float, optional
        Cost of playing the action, for cost-control bandits.

    Examples
    --------
    >>> model = BetaMO.cold_start(n_objectives=2, cost=1.5).updated([1, 0], [0, 1])
    >>> model.n_successes, model.n_failures, model.cost
    ([2, 1], [1, 2], 1.5)
    """

    model_config = ConfigDict(frozen=True)

    objectives: list[Beta] = Field(min_length=1)
    cost: Cost | None = None

    @classmethod
    def cold_start(cls, n_objectives: int, cost: float | None = None) -> BetaMO:
        """A Beta(1, 1) prior on each of ``n_objectives`` objectives."""
        return cls(objectives=[Beta() for _ in range(n_objectives)], cost=cost)

    @model_validator(mode="after")
    def _costs_on_the_action(self) -> BetaMO:
        if any(objective.cost is not None for objective in self.objectives):
            raise ValueError("objectives: a cost belongs to the action (BetaMO.cost), not to an objective")
        return self

    @property
    def mean(self) -> list[float]:
        """Posterior mean of every objective's success probability."""
        return [objective.mean for objective in self.objectives]

    def sample_proba(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draw success probabilities, shape ``(n_samples, n_objectives)``."""
        return rng.beta(self.n_successes, self.n_failures, size=(n_samples, self.n_objectives))

    def updated(self, successes: np.ndarray, failures: np.ndarray) -> BetaMO:
        """The posteriors after per-objective counts of new rewards of 1 and of 0."""
        if len(successes) != self.n_objectives or len(failures) != self.n_objectives:
            raise ValueError(
                f"successes and failures: expected {self.n_objectives} counts each, "
                f"got {len(successes)} and {len(failures)}"
            )
        return self.model_copy(
            update={
                "objectives": [
                    objective.updated(s, f)
                    for objective, s, f in zip(self.objectives, successes, failures, strict=True)
                ]
            }
        )
