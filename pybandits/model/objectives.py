"""What every multi-objective action model shares: one model per objective in ``objectives``."""

from __future__ import annotations

__all__ = ["PerObjective"]


class PerObjective:
    """Mixin for action models holding one single-objective model per objective in ``objectives``."""

    @property
    def n_objectives(self) -> int:
        """Number of objectives."""
        return len(self.objectives)  # type: ignore[attr-defined]

    @property
    def n_successes(self) -> list[int]:
        """``n_successes`` of every objective."""
        return [objective.n_successes for objective in self.objectives]  # type: ignore[attr-defined]

    @property
    def n_failures(self) -> list[int]:
        """``n_failures`` of every objective."""
        return [objective.n_failures for objective in self.objectives]  # type: ignore[attr-defined]
