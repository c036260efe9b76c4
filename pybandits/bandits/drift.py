"""What a bandit does about a world that drifts: forgetting and change detection (a part of every bandit).

:class:`Drift` holds the two settings as fields of :class:`~pybandits.bandits.base.BaseMab`: the
stochastic and contextual bandits apply them in their updates (:mod:`pybandits.model.forgetting`,
:mod:`pybandits.bandits.change`). Both are left out of a state while they are off, so a bandit that
does not use them has the state it had before they existed.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from pybandits.bandits.change import ChangeDetection, DetectedChange
from pybandits.base import PyBanditsBaseModel

__all__ = ["Drift"]


class Drift(PyBanditsBaseModel):
    """The drift settings of a bandit (a part of :class:`~pybandits.bandits.base.BaseMab`).

    Attributes
    ----------
    decay_factor : float, optional
        Forgetting, in (0, 1]: every row the bandit learns from makes every earlier row weigh
        ``decay_factor`` times less in every action's belief, which is pulled back toward its
        cold-start prior (:mod:`pybandits.model.forgetting`). None (or 1) forgets nothing.
    change_detection : ChangeDetection, optional
        Change detection (:mod:`pybandits.bandits.change`): its settings, the per-action memories
        of recent rows, and the detections. None: off.
    """

    decay_factor: float | None = Field(default=None, strict=True, gt=0.0, le=1.0, allow_inf_nan=False)
    change_detection: ChangeDetection | None = None

    @model_validator(mode="after")
    def _memories_of_actions(self) -> Drift:
        detector, actions = self.change_detection, getattr(self, "actions", {})
        if detector is not None and not set(detector.memories) <= set(actions):
            unknown = sorted(set(detector.memories) - set(actions))
            raise ValueError(f"change_detection: expected memories of the bandit's actions, got unknown {unknown}")
        return self

    @property
    def _forgets(self) -> bool:
        """Whether the bandit forgets (a decay factor below 1)."""
        return self.decay_factor is not None and self.decay_factor < 1.0

    def detected_changes(self) -> list[DetectedChange]:
        """The changes detected so far (the most recent 200), oldest first; empty without change detection.

        Each is a :class:`~pybandits.bandits.change.DetectedChange`: the action, the bandit's row
        count when it was detected (``time``), where the change happened (``change_at``), and the
        test's statistic and threshold. ``change_detection.n_changes`` counts every detection.

        Examples
        --------
        >>> from pybandits.smab import SmabBernoulli
        >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, change_detection=True, random_seed=0)
        >>> mab.update(["a"] * 400, [1] * 200 + [0] * 200)
        >>> [(change.action, change.time, change.change_at) for change in mab.detected_changes()]
        [('a', 400, 200)]
        """
        return [] if self.change_detection is None else list(self.change_detection.changes)
