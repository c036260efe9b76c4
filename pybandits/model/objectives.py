"""What every multi-objective action model shares: one single-objective model per objective."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from pydantic import model_validator

__all__ = ["PerObjective"]


class PerObjective:
    """Mixin for action models holding one single-objective model per objective in ``objectives``.

    Any public attribute of the objectives that the model itself lacks (``n_successes``, ``mean``,
    ``mu``...) reads as the list of every objective's value; an update takes one value per objective
    for each statistic.
    """

    @model_validator(mode="before")
    @classmethod
    def _models_are_objectives(cls, data: Any) -> Any:
        """``models``, the original library's name of the list, given for ``objectives``."""
        if isinstance(data, dict) and "models" in data:
            if "objectives" in data:
                raise ValueError("models: give the per-objective models once, as objectives (or models, the same list)")
            data = {**data, "objectives": data["models"]}
            del data["models"]
        return data

    @property
    def models(self) -> list[Any]:
        """The model of each objective (``objectives``, by the original library's name)."""
        return self.objectives  # type: ignore[attr-defined]

    @model_validator(mode="after")
    def _costs_on_the_action(self) -> Self:
        if any(objective.cost is not None for objective in self.objectives):  # type: ignore[attr-defined]
            raise ValueError(
                f"objectives: a cost belongs to the action ({type(self).__name__}.cost), not to an objective"
            )
        return self

    @property
    def n_objectives(self) -> int:
        """Number of objectives."""
        return len(self.objectives)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        objectives = self.__dict__.get("objectives")
        if objectives and not name.startswith("_"):
            try:
                values = [getattr(objective, name) for objective in objectives]
            except AttributeError:
                values = None
            if values is not None and not callable(values[0]):  # statistics and parameters, not methods
                return values
        return super().__getattr__(name)  # type: ignore[misc]

    def with_objectives(self, objectives: Sequence[Any]) -> Self:
        """The model with new objectives' models (in order), everything else kept."""
        return self.model_copy(update={"objectives": list(objectives)})  # type: ignore[attr-defined]

    def updated(self, *stats: Sequence[Any]) -> Self:
        """Every objective updated with its entry of each statistic (one sequence per statistic)."""
        for values in stats:
            if len(values) != self.n_objectives:
                raise ValueError(
                    f"stats: expected {self.n_objectives} values per statistic (one per objective), got {len(values)}"
                )
        objectives = [
            objective.updated(*(values[index] for values in stats))
            for index, objective in enumerate(self.objectives)  # type: ignore[attr-defined]
        ]
        return self.model_copy(update={"objectives": objectives})  # type: ignore[attr-defined]
