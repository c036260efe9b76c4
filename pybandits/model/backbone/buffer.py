"""The replay buffer of a bandit with a shared trunk: a bounded uniform sample of every row seen.

The trunk is refitted at every update, and the heads' posteriors are only consistent with the
trunk they were computed on; so the heads are recomputed from rows the bandit keeps, through the
new trunk. The buffer holds at most ``capacity`` rows, chosen by reservoir sampling: after ``n``
rows, each of them is in the buffer with the same probability ``capacity / n``, so old and new
data keep their share and the state's size stays bounded. While fewer than ``capacity`` rows were
seen, the buffer holds them all and the heads are exact posteriors of every row.

Examples
--------
>>> import numpy as np
>>> buffer = ReplayBuffer.empty(n_features=2, capacity=3)
>>> buffer = buffer.added(np.ones((5, 2)), ["a"] * 5, np.ones(5), np.random.default_rng(0))
>>> len(buffer), buffer.n_seen
(3, 5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import ConfigDict, Field, StrictStr, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.priors import FloatArray

__all__ = ["ReplayBuffer"]


class ReplayBuffer(PyBanditsBaseModel):
    """Up to ``capacity`` rows (context, action, reward), a uniform sample of the ``n_seen`` rows seen.

    Attributes
    ----------
    capacity : int
        Most rows kept.
    n_features : int
        Context columns (kept apart from ``context``, which JSON cannot give a width while empty).
    context : array
        ``(n_rows, n_features)``, as the bandit's networks read it (categorical columns as codes).
    actions : list of str
        The action played in every row.
    rewards : array
        ``(n_rows,)``, in reward units.
    n_seen : int
        Rows offered to the buffer since cold start.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    capacity: int = Field(ge=1, strict=True)
    n_features: int = Field(ge=1, strict=True)
    context: FloatArray
    actions: list[StrictStr]
    rewards: FloatArray
    n_seen: int = Field(ge=0, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_context(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("context"), list) and not data["context"]:
            data = {**data, "context": np.zeros((0, data.get("n_features", 0)))}
        return data

    @model_validator(mode="after")
    def _check_rows(self) -> ReplayBuffer:
        n_rows = len(self.actions)
        if self.context.shape[1:] != (self.n_features,):
            raise ValueError(f"context: expected {self.n_features} columns (n_features), got {self.context.shape}")
        if self.context.ndim != 2 or self.context.shape[0] != n_rows or self.rewards.shape != (n_rows,):
            raise ValueError(
                f"context, actions, rewards: expected (n, n_features), n and (n,), got {self.context.shape}, "
                f"{n_rows} and {self.rewards.shape}"
            )
        if n_rows > self.capacity or n_rows > self.n_seen:
            raise ValueError(f"buffer: expected at most capacity and n_seen rows, got {n_rows}")
        return self

    @classmethod
    def empty(cls, n_features: int, capacity: int) -> ReplayBuffer:
        """A buffer with no rows."""
        return cls(
            capacity=capacity,
            n_features=n_features,
            context=np.zeros((0, n_features)),
            actions=[],
            rewards=np.zeros(0),
            n_seen=0,
        )

    def __len__(self) -> int:
        return len(self.actions)

    def added(
        self, context: np.ndarray, actions: Sequence[str], rewards: np.ndarray, rng: np.random.Generator
    ) -> ReplayBuffer:
        """The buffer after offering it these rows (reservoir sampling: algorithm R, vectorised)."""
        n_new = len(actions)
        rewards = np.asarray(rewards, dtype=np.float64)
        room = min(max(self.capacity - len(self), 0), n_new)
        new_context = np.concatenate([self.context, context[:room]])
        new_actions = [*self.actions, *actions[:room]]
        new_rewards = np.concatenate([self.rewards, rewards[:room]])
        if room < n_new:
            # row t (counting from 0 over every row seen) replaces slot j ~ U{0..t} when j < capacity
            seen = self.n_seen + np.arange(room, n_new)
            slots = np.floor(rng.random(len(seen)) * (seen + 1)).astype(np.int64)
            kept = np.flatnonzero(slots < self.capacity)
            if kept.size:
                # a later row that lands on the same slot replaces an earlier one: keep the last per slot
                reversed_slots = slots[kept][::-1]
                unique, first_in_reversed = np.unique(reversed_slots, return_index=True)
                winners = kept[::-1][first_in_reversed] + room
                new_context[unique] = context[winners]
                new_rewards[unique] = rewards[winners]
                for slot, row in zip(unique.tolist(), winners.tolist(), strict=True):
                    new_actions[slot] = actions[row]
        return ReplayBuffer(
            capacity=self.capacity,
            n_features=self.n_features,
            context=new_context,
            actions=list(new_actions),
            rewards=new_rewards,
            n_seen=self.n_seen + n_new,
        )

    def without_actions(self, dropped: set[str]) -> ReplayBuffer:
        """The buffer without the rows of ``dropped`` actions (transfer removed them).

        ``n_seen`` becomes the number of the kept actions' rows seen, as the buffer estimates it
        (its kept share of every row seen), so that new rows enter with the probability a reservoir
        of those rows gives them.
        """
        keep = np.array([action not in dropped for action in self.actions], dtype=bool)
        n_seen = round(self.n_seen * keep.mean()) if len(self) else self.n_seen
        return self.model_copy(
            update={
                "context": self.context[keep],
                "actions": [a for a, k in zip(self.actions, keep, strict=True) if k],
                "rewards": self.rewards[keep],
                "n_seen": max(n_seen, int(keep.sum())),
            }
        )

    def widened(self, n_features: int) -> ReplayBuffer:
        """The buffer with new context columns after the old ones, at 0 (transfer added features)."""
        context = np.zeros((len(self), n_features))
        context[:, : self.n_features] = self.context
        return self.model_copy(update={"context": context, "n_features": n_features})
