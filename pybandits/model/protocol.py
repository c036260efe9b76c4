"""The few methods every action model offers to the rest of the library.

Transfer, the command line and the plots call these instead of asking which kind of model they
hold. Contextual models (:class:`~pybandits.model.bnn.action.Bnn`) implement them with their
network; the stochastic bandits' conjugate models share :class:`ConjugateActions`. Updating is not
one of them: a conjugate model has ``updated`` (its closed form), a network is fitted by the
engines (:mod:`pybandits.engines`), which the models do not import.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np

__all__ = ["ActionModel", "ConjugateActions", "ConjugateObjectives", "StatsAsAttributes"]


@runtime_checkable
class ActionModel(Protocol):
    """What a bandit needs of an action model.

    Examples
    --------
    >>> from pybandits.model import Beta, Bnn
    >>> isinstance(Beta(), ActionModel), isinstance(Bnn.cold_start(n_features=2), ActionModel)
    (True, True)
    """

    cost: float | None

    @property
    def n_objectives(self) -> int | None:
        """Number of objectives, None for a single-objective model."""

    def grown(self, template: Self, action_id: str = "") -> Self:
        """This model's learned state in ``template``'s configuration (transfer)."""

    def summary(self) -> str:
        """One line describing what the model has learned."""


class StatsAsAttributes:
    """The family's statistics (a ``stats`` field) read as the action's own: ``action.n_successes``.

    Examples
    --------
    >>> from pybandits.model import Bnn
    >>> Bnn.cold_start(n_features=2).n_successes
    1
    """

    def __getattr__(self, name: str) -> Any:
        stats = self.__dict__.get("stats")
        if stats is not None and (
            name in type(stats).model_fields or isinstance(getattr(type(stats), name, None), property)
        ):
            return getattr(stats, name)
        return super().__getattr__(name)  # type: ignore[misc]


class ConjugateActions:
    """``grown`` and ``summary`` of the stochastic bandits' conjugate models (one objective or several).

    Examples
    --------
    >>> from pybandits.model import Beta
    >>> Beta(n_successes=3).grown(Beta(cost=2.0))
    Beta(n_successes=3, n_failures=1, cost=2.0)
    >>> Beta(n_successes=3).summary()
    'n_successes=3, n_failures=1'
    """

    @property
    def n_objectives(self) -> int | None:
        """None: a single-objective model (multi-objective models override this)."""
        return None

    @classmethod
    def posterior_draws(cls, params: dict[str, np.ndarray], n_samples: int, rng: np.random.Generator) -> dict:
        """Named draws of the posteriors with arrays of parameters, each ``(n_samples, *shape)``.

        ``expected_reward`` (the model's ``draw``); a model with more unknowns draws them jointly.
        """
        return {"expected_reward": cls.draw(params, n_samples, rng)}  # type: ignore[attr-defined]

    def grown(self, template: Self, action_id: str = "") -> Self:
        """The learned posterior, with the template's cost: a conjugate posterior has nothing to grow."""
        if type(template) is not type(self):
            raise TypeError(
                f"new_mab: expected a {type(self).__name__} action like current_mab's for action {action_id!r}, "
                f"got {type(template).__name__}"
            )
        return self.model_copy(update={"cost": template.cost})  # type: ignore[attr-defined]

    def forgotten(self, prior: Any, weight: float) -> Self:
        """The posterior raised to ``weight`` times ``prior`` (a single-objective model) to ``1 - weight``.

        Per objective for a multi-objective model (:mod:`pybandits.model.forgetting`).
        """
        objectives = getattr(self, "__dict__", {}).get("objectives")
        if objectives is not None:
            return self.with_objectives(type(prior).forgotten_many(objectives, prior, weight))  # type: ignore[attr-defined]
        return type(self).forgotten_many([self], prior, weight)[0]  # type: ignore[attr-defined]

    def summary(self) -> str:
        """The posterior's parameters (per objective, joined by ``;``)."""
        objectives = getattr(self, "__dict__", {}).get("objectives")
        if objectives is not None:
            return "; ".join(objective.summary() for objective in objectives)
        values = self.model_dump(exclude={"cost"})  # type: ignore[attr-defined]
        return ", ".join(f"{name}={value!r}" for name, value in values.items())


class ConjugateObjectives(ConjugateActions):
    """What the conjugate multi-objective models add: a cold start of every objective at its prior.

    Examples
    --------
    >>> from pybandits.model import BetaMO
    >>> BetaMO.cold_start(n_objectives=2, cost=1.0).n_successes
    [1, 1]
    """

    #: The model of every objective.
    objective_type: ClassVar[type]

    @classmethod
    def cold_start(cls, n_objectives: int, cost: float | None = None, **prior: Any) -> Self:
        """Every one of ``n_objectives`` objectives at its cold-start prior (``prior`` passed to each)."""
        return cls(objectives=[cls.objective_type(**prior) for _ in range(n_objectives)], cost=cost)  # type: ignore[call-arg]
