"""Multi-objective contextual action models (one network per objective) and the joint Thompson draw.

:class:`BnnMO` holds one :class:`~pybandits.model.bnn.action.Bnn` per objective;
:func:`draw_actions` draws several actions' networks (single- or multi-objective) in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.bnn.action import Bnn
from pybandits.model.bnn.draws import draw_networks
from pybandits.model.cost import Cost
from pybandits.model.display import Displayed
from pybandits.model.objectives import PerObjective

__all__ = ["BnnMO", "draw_actions"]


class BnnMO(Displayed, PerObjective, PyBanditsBaseModel):
    """One action's networks, one per objective, and its cost.

    Attributes
    ----------
    objectives : list of Bnn
        One network per objective, all of the same architecture and settings.
    cost : float, optional
        Cost of the action, for cost-control bandits.

    Examples
    --------
    >>> import numpy as np
    >>> action = BnnMO(objectives=[Bnn.cold_start(n_features=2)] * 3, cost=1.0)
    >>> action.n_objectives, action.activation, action.draw(np.zeros((4, 2)), np.random.default_rng(0))[0].shape
    (3, 'tanh', (4, 3))
    """

    model_config = ConfigDict(frozen=True)

    objectives: list[Bnn] = Field(min_length=1)
    cost: Cost | None = None

    @model_validator(mode="after")
    def _check_objectives(self) -> BnnMO:
        if len({objective.n_features for objective in self.objectives}) > 1:
            raise ValueError("objectives: expected the same number of features for every objective")
        return self

    @property
    def n_features(self) -> int:
        """Number of context features."""
        return self.objectives[0].n_features

    @property
    def families(self) -> list[Any]:
        """The reward family of every objective."""
        return [objective.family for objective in self.objectives]

    def __getattr__(self, name: str) -> Any:
        # Settings shared by every objective (activation, update_kwargs, ...) read from the first.
        if name in _SHARED_SETTINGS:
            return getattr(self.__dict__["objectives"][0], name)
        return super().__getattr__(name)  # per objective (statistics): PerObjective

    def draw(self, context: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Expected rewards and details of one network per row and objective, each ``(n_rows, n_objectives)``."""
        expected, detail = draw_actions([self], context, rng)
        return expected[:, 0], detail[:, 0]

    def with_families(self, families: Sequence[Any]) -> BnnMO:
        """Every objective with its family (a fitted standardisation)."""
        objectives = [o.with_families([f]) for o, f in zip(self.objectives, families, strict=True)]
        return self.model_copy(update={"objectives": objectives})

    def at_prior(self) -> BnnMO:
        """Every objective at its cold-start prior (:meth:`Bnn.at_prior`)."""
        return self.model_copy(update={"objectives": [o.at_prior() for o in self.objectives]})

    def forgotten(self, weight: float) -> BnnMO:
        """Every objective forgotten (:meth:`Bnn.forgotten`)."""
        return self._replaced(objectives=[o.forgotten(weight) for o in self.objectives])

    def with_prior_rows(self, columns: Sequence[int]) -> BnnMO:
        """Every objective with a prior row after its tables of ``columns`` (:meth:`Bnn.with_prior_rows`)."""
        return self._replaced(objectives=[o.with_prior_rows(columns) for o in self.objectives])

    def grown(self, template: BnnMO, action_id: str = "") -> BnnMO:
        """Every objective's learned state in the template's configuration (see :meth:`Bnn.grown`)."""
        objectives = [
            learned.grown(target, action_id)
            for learned, target in zip(self.objectives, template.objectives, strict=True)
        ]
        return template.model_copy(update={"objectives": objectives})

    def summary(self) -> str:
        """One line per objective's statistics, joined."""
        return "; ".join(objective.summary() for objective in self.objectives)


def draw_actions(
    models: Sequence[Bnn | BnnMO], context: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Thompson draws of several actions at once: per row, one network per action (and objective).

    Returns the expected rewards and the families' details (as :meth:`Bnn.draw`), shape
    ``(n_rows, n_models)``, or ``(n_rows, n_models, n_objectives)`` when the models are
    :class:`BnnMO`. Every network is drawn by :func:`~pybandits.model.bnn.sampler.sample_networks`
    in one call, which stacks the networks of one architecture into one computation; the
    generator's draws depend only on its state, the models and the context.

    Examples
    --------
    >>> actions = [Bnn.cold_start(n_features=2, dist_type="normal")] * 3
    >>> expected, detail = draw_actions(actions, np.zeros((4, 2)), np.random.default_rng(0))
    >>> expected.shape, detail.shape
    ((4, 3), (4, 3))
    """
    multi_objective = isinstance(models[0], BnnMO)
    objectives = [model.objectives if isinstance(model, BnnMO) else [model] for model in models]
    n_objectives = len(objectives[0])
    if any(len(per_model) != n_objectives for per_model in objectives):
        raise ValueError(f"models: expected {n_objectives} objectives for every model")
    flat = [objective for per_model in objectives for objective in per_model]
    expected, detail = draw_networks(flat, context, rng)
    shape = (len(context), len(models), n_objectives) if multi_objective else (len(context), len(models))
    return expected.reshape(shape), detail.reshape(shape)


_SHARED_SETTINGS = {
    "hidden_dim_list",
    "activation",
    "use_residual_connections",
    "update_method",
    "update_kwargs",
    "dist_type",
    "dist_params_init",
    "inference",
    "family",
}
