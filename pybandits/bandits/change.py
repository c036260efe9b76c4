"""Change detection owned by the bandit: a bounded memory of recent rows per action, a test per update.

With ``change_detection`` set, the bandit keeps, per action, its most recent rows since the action
last restarted (at most ``memory_size``; older ones are summarised by their number and sum), and
after every update tests each action that received rows for a change in the mean of what it
watches:

- stochastic bandits watch the rewards: the Bernoulli-kl generalized likelihood ratio (GLR) for
  rewards in [0, 1], the Gaussian GLR for Gaussian rewards with the memory's standard deviation as
  the noise scale (:mod:`pybandits.model.changepoint`);
- contextual bandits watch how the action's rewards depart from its predictions: the residual
  ``reward - prediction`` of every row, the prediction made by the action's model before the row
  was learned. Residuals of 0/1 rewards lie in an interval of length 1 (sub-Gaussian with scale
  1/2, Hoeffding); Gaussian ones take the memory's standard deviation.

A test raises an alarm with probability at most ``delta`` over the whole life of a stationary
stretch of an action's rows (the thresholds hold uniformly in time), so ``delta`` is the one
setting that controls false alarms. On an alarm the action restarts from its cold-start prior and
is refitted on its rows after the change point (the bandit does this; this module says which rows),
and the detection is recorded: :class:`DetectedChange` (action, time, change point, statistic).

Examples
--------
>>> import numpy as np
>>> detector = ChangeDetection(delta=0.01, memory_size=500)
>>> rng = np.random.default_rng(0)
>>> rewards = np.r_[rng.random(300) < 0.2, rng.random(200) < 0.8].astype(float)
>>> detector, restarts = detector.observed(["a"] * 500, rewards, rewards, test="bernoulli")
>>> [(c.action, c.time, c.change_at > 250) for c in detector.changes], sorted(restarts)
([('a', 500, True)], ['a'])
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal, Self

import numpy as np
from pydantic import ConfigDict, Field, StrictStr, ValidationError, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.boundary import validation as check
from pybandits.model.changepoint import Change, bernoulli_glr, gaussian_glr
from pybandits.model.priors import FloatArray

__all__ = ["DEFAULT_DELTA", "DEFAULT_MEMORY_SIZE", "ActionMemory", "ChangeDetection", "DetectedChange"]

#: The default bound on the probability of a false alarm per action and stationary stretch.
DEFAULT_DELTA = 0.05
#: The default number of rows kept per action.
DEFAULT_MEMORY_SIZE = 1000
#: Detections kept in the state (the most recent); ``n_changes`` counts them all.
MAX_RECORDS = 200

#: What a test watches: rewards in [0, 1] (Bernoulli-kl GLR), values in an interval of length 1
#: (residuals of 0/1 rewards: sub-Gaussian GLR, scale 1/2), or Gaussian values (scale estimated).
Test = Literal["bernoulli", "bounded", "gaussian"]


class DetectedChange(PyBanditsBaseModel):
    """One detection.

    Attributes
    ----------
    action : str
        The action whose rows changed.
    time : int
        Rows the bandit had learned from when the change was detected (its stream's clock).
    change_at : int
        Position in that stream of the first row after the change: the action restarted from its
        prior and was refitted on its rows from there on.
    statistic, threshold : float
        The GLR statistic (nats) of the change and the threshold it reached.
    objective : int, optional
        For multi-objective bandits, the objective whose change was the strongest.
    """

    model_config = ConfigDict(frozen=True)

    action: StrictStr
    time: int = Field(ge=0)
    change_at: int = Field(ge=0)
    statistic: float
    threshold: float
    objective: int | None = None


class ActionMemory(PyBanditsBaseModel):
    """An action's most recent rows since its last restart, and a summary of the older ones.

    Attributes
    ----------
    seen_at : array
        ``(n,)``: every row's position in the bandit's stream.
    rewards : array
        ``(n,)`` or ``(n, n_objectives)``, in reward units.
    values : array
        What is tested, ``(n,)`` or ``(n, columns)``: the rewards (stochastic), or the residuals and
        their products with the numeric columns (contextual).
    context : array, optional
        ``(n, n_features)``: the rows' context as the networks read it (contextual bandits).
    quantities : array, optional
        ``(n, d)``: the quantities played (quantitative actions).
    n_before : int
        Rows since the last restart that left the memory.
    sum_before : list of float
        Their values' sum, per objective (one entry for single-objective bandits).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    seen_at: FloatArray
    rewards: FloatArray
    values: FloatArray
    context: FloatArray | None = None
    quantities: FloatArray | None = None
    n_before: int = Field(default=0, ge=0)
    sum_before: list[float] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_rows(self) -> ActionMemory:
        n_rows = len(self.seen_at)
        shapes = {
            name: getattr(self, name).shape
            for name in ("rewards", "values", "context", "quantities")
            if getattr(self, name) is not None
        }
        if any(shape[0] != n_rows for shape in shapes.values()):
            raise ValueError(f"memory: expected one entry per row ({n_rows}) in every array, got shapes {shapes}")
        width = 1 if self.values.ndim == 1 else self.values.shape[1]
        if len(self.sum_before) != width:
            raise ValueError(f"sum_before: expected one sum per objective ({width}), got {len(self.sum_before)}")
        return self

    def __len__(self) -> int:
        return len(self.seen_at)

    def rows(self, start: int) -> ActionMemory:
        """The memory from row ``start`` on, with no summary: what an action restarts with."""
        width = len(self.sum_before)
        return self._replaced(
            seen_at=self.seen_at[start:],
            rewards=self.rewards[start:],
            values=self.values[start:],
            context=None if self.context is None else self.context[start:],
            quantities=None if self.quantities is None else self.quantities[start:],
            n_before=0,
            sum_before=[0.0] * width,
        )

    def appended(self, new: ActionMemory, memory_size: int) -> ActionMemory:
        """This memory with ``new`` rows after it, the oldest beyond ``memory_size`` moved to the summary."""
        joined = {
            name: None if getattr(self, name) is None else np.concatenate([getattr(self, name), getattr(new, name)])
            for name in ("seen_at", "rewards", "values", "context", "quantities")
        }
        return self._replaced(**joined).trimmed(memory_size)

    def trimmed(self, memory_size: int) -> ActionMemory:
        """The memory's last ``memory_size`` rows; the rows before them join the summary."""
        extra = max(0, len(self) - memory_size)
        if not extra:
            return self
        values = self.values.reshape(len(self), -1)
        sums = [s + float(values[:extra, k].sum()) for k, s in enumerate(self.sum_before)]
        kept = {
            name: None if getattr(self, name) is None else getattr(self, name)[extra:]
            for name in ("seen_at", "rewards", "values", "context", "quantities")
        }
        return self._replaced(**kept, n_before=self.n_before + extra, sum_before=sums)

    def widened(self, n_features: int, n_objectives: int, per_objective: int) -> ActionMemory:
        """The memory with new context columns after the old ones, at 0 (transfer added features).

        The tested values take ``per_objective`` columns per objective (the residual and its
        products with the numeric columns): the products with new columns are 0, as the columns are.
        """
        if self.context is None or self.context.shape[1] == n_features:
            return self
        context = np.zeros((len(self), n_features))
        context[:, : self.context.shape[1]] = self.context
        old = self.values.reshape(len(self), -1)
        width = old.shape[1] // n_objectives
        values = np.zeros((len(self), n_objectives, per_objective))
        values[:, :, :width] = old.reshape(len(self), n_objectives, width)
        sums = np.zeros((n_objectives, per_objective))
        sums[:, :width] = np.reshape(self.sum_before, (n_objectives, width))
        return self._replaced(context=context, values=values.reshape(len(self), -1), sum_before=sums.ravel().tolist())


class ChangeDetection(PyBanditsBaseModel):
    """Change detection's settings and state: per-action memories, the stream's clock, the detections.

    Attributes
    ----------
    delta : float, default 0.05
        In (0, 1): the probability that a test ever raises a false alarm on a stationary stretch
        of an action's rows. Smaller: fewer false alarms, later detections.
    memory_size : int, default 1000
        Rows kept per action (in the state). Older rows since the action's last restart still
        count in the test, summarised by their number and sum.
    rows_seen : int
        Rows the bandit has learned from since change detection was turned on.
    memories : dict
        Action id to :class:`ActionMemory`, for the actions that received rows.
    changes : list of DetectedChange
        The most recent detections (at most 200), oldest first.
    n_changes : int
        Every detection so far.
    """

    model_config = ConfigDict(frozen=True)

    delta: float = Field(default=DEFAULT_DELTA, gt=0.0, lt=1.0, strict=True, allow_inf_nan=False)
    memory_size: int = Field(default=DEFAULT_MEMORY_SIZE, ge=1, strict=True)
    rows_seen: int = Field(default=0, ge=0)
    memories: dict[StrictStr, ActionMemory] = Field(default_factory=dict)
    changes: list[DetectedChange] = Field(default_factory=list, max_length=MAX_RECORDS)
    n_changes: int = Field(default=0, ge=0)

    @classmethod
    def from_argument(cls, value: Any, n_actions: int = 1, row_width: int = 1) -> ChangeDetection | None:
        """``cold_start``'s ``change_detection``: None or False (off), True (defaults), a mapping of settings, or one.

        ``n_actions`` and ``row_width`` (numbers kept per row) size the memory for the check that
        it fits in the machine's memory.
        """
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if isinstance(value, ChangeDetection):
            value = value.settings
        if not isinstance(value, Mapping):
            raise TypeError(
                "change_detection: expected True, None, or a mapping of settings among delta, memory_size, got "
                f"{check.describe(value)}"
            )
        unknown = sorted(set(value) - {"delta", "memory_size"})
        if unknown:
            raise ValueError(f"change_detection: expected settings among delta, memory_size, got unknown {unknown}")
        try:
            detector = cls(**value)
        except ValidationError as error:
            raise check.pydantic_error(error, "change_detection") from None
        per_row = 8 * (3 + row_width) * n_actions
        check.check_memory(
            "change_detection", detector.memory_size, per_row * detector.memory_size, f"{per_row} bytes per row"
        )
        return detector

    @property
    def settings(self) -> dict[str, Any]:
        """The settings, as ``cold_start`` takes them."""
        return {"delta": self.delta, "memory_size": self.memory_size}

    def observed(
        self,
        action_ids: Sequence[str],
        rewards: np.ndarray,
        values: np.ndarray,
        test: Test | Sequence[Test],
        context: np.ndarray | None = None,
        quantities: Mapping[int, np.ndarray] | None = None,
        cold: Collection[str] = (),
        per_objective: int = 1,
        relative: bool = False,
    ) -> tuple[Self, dict[str, ActionMemory]]:
        """The detector after an update's rows (in their order), and the actions to restart with their rows.

        ``values`` are what is tested (rewards, or residuals), ``(n,)`` or ``(n, columns)``, with
        ``per_objective`` consecutive columns per objective; ``test`` says how, for every column or
        each. The columns share ``delta`` (each is tested at ``delta / columns``). Returns the
        new detector (memories appended and tested, detections recorded) and, per action whose test
        raised an alarm, its memory from the change point on: the rows to refit it on. The rows of
        ``cold`` actions (contextual models still at their cold-start prior, whose predictions say
        nothing of the rewards yet) are not remembered: a residual against an unfitted model would
        look like a change once the model learns. ``relative`` values (residuals: relative to the
        belief before a restart) are not kept after a restart: the action's test starts again with
        its next rows, against its new belief.
        """
        n_rows = len(action_ids)
        start = self.rows_seen
        ids = np.asarray(action_ids, dtype=object)
        rewards, values = np.asarray(rewards, dtype=np.float64), np.asarray(values, dtype=np.float64)
        memories, changes, restarts = dict(self.memories), list(self.changes), {}
        time = start + n_rows
        for action_id in dict.fromkeys(action_ids):
            if action_id in cold:
                continue
            rows = np.flatnonzero(ids == action_id)
            played = None
            if quantities and int(rows[0]) in quantities:
                played = np.stack([np.asarray(quantities[row], dtype=np.float64) for row in rows.tolist()])
            new = ActionMemory.model_construct(  # arrays the bandit checked, in the shapes of a memory
                seen_at=start + rows.astype(np.float64),
                rewards=rewards[rows],
                values=values[rows],
                context=None if context is None else context[rows],
                quantities=played,
                n_before=0,
                sum_before=[0.0] * (1 if values.ndim == 1 else values.shape[1]),
            )
            memory = memories[action_id].appended(new, self.memory_size) if action_id in memories else new
            memory = memory.trimmed(self.memory_size)
            found = _strongest(memory, test, self.delta, per_objective)
            if found is not None:
                change, objective = found
                restarts[action_id] = memory = memory.rows(change.index)
                if relative:
                    memory = memory.rows(len(memory))
                changes.append(
                    DetectedChange(
                        action=action_id,
                        time=time,
                        change_at=int(memory.seen_at[0]) if len(memory) else time,
                        statistic=change.statistic,
                        threshold=change.threshold,
                        objective=objective,
                    )
                )
            memories[action_id] = memory
        new_detector = self._replaced(
            rows_seen=time,
            memories=memories,
            changes=changes[-MAX_RECORDS:],
            n_changes=self.n_changes + len(changes) - len(self.changes),
        )
        return new_detector, restarts

    def carried(
        self, template: ChangeDetection, kept: Sequence[str], columns: tuple[int, int, int] | None = None
    ) -> ChangeDetection:
        """The template's settings with this detector's memories of the ``kept`` actions (transfer).

        Memories are cut to the template's ``memory_size`` (the cut rows join the summary); for a
        contextual bandit, ``columns`` is ``(n_features, n_objectives, columns per objective)`` of the
        template (:meth:`ActionMemory.widened`). The clock and the detections are kept.
        """
        memories = {}
        for action_id in kept:
            if action_id in self.memories:
                memory = self.memories[action_id].trimmed(template.memory_size)
                memories[action_id] = memory if columns is None else memory.widened(*columns)
        return template._replaced(
            memories=memories, rows_seen=self.rows_seen, changes=self.changes, n_changes=self.n_changes
        )

    def describe(self) -> str:
        """One line for ``pybandits info``."""
        return (
            f"change detection delta {self.delta}, memory {self.memory_size} rows per action; "
            f"{self.n_changes} changes detected in {self.rows_seen} rows"
        )


def _strongest(
    memory: ActionMemory, test: Test | Sequence[Test], delta: float, per_objective: int
) -> tuple[Change, int | None] | None:
    """The change of the column with the largest statistic-to-threshold ratio, and its objective (None: one).

    Every column is tested at ``delta / columns`` (Bonferroni): ``delta`` bounds the action's false alarms.
    """
    values = memory.values.reshape(len(memory), -1)
    n_columns = values.shape[1]
    tests = [test] * n_columns if isinstance(test, str) else list(test)
    found = []
    for index in range(n_columns):
        column, kind = values[:, index], tests[index]
        before = {"n_before": memory.n_before, "sum_before": memory.sum_before[index]}
        if kind == "bernoulli":
            change = bernoulli_glr(column, delta / n_columns, **before)
        else:
            sigma = 0.5 if kind == "bounded" else _scale(column)
            change = gaussian_glr(column, delta / n_columns, sigma, **before) if sigma > 0 else None
        if change is not None:
            found.append((change.statistic / change.threshold, change, index))
    if not found:
        return None
    _, change, index = max(found, key=lambda item: item[0])
    return change, (index // per_objective if n_columns > per_objective else None)


def _scale(values: np.ndarray) -> float:
    """The noise scale of Gaussian values: their standard deviation (a change only inflates it: more caution)."""
    return float(np.std(values, ddof=1)) if len(values) > 2 else 0.0
