"""The replay buffer of a bandit with a shared trunk: a bounded uniform sample of every row seen.

The trunk is refitted at every update, and the heads' posteriors are only consistent with the
trunk they were computed on; so the heads are recomputed from rows the bandit keeps, through the
new trunk. The buffer holds at most ``capacity`` rows, chosen by reservoir sampling: after ``n``
rows, each of them is in the buffer with the same probability ``capacity / n``, so old and new
data keep their share and the state's size stays bounded. While fewer than ``capacity`` rows were
seen, the buffer holds them all and the heads are exact posteriors of every row.

**Under forgetting** (``decay_factor``, :mod:`pybandits.model.forgetting`) a row seen ``a`` rows ago
weighs ``w = gamma ** a``, and the buffer prefers recent rows: it is a *priority sample*
(Duffield, Lund & Thorup, "Priority sampling for estimation of arbitrary subset sums", J. ACM
54(6), 2007). Each row gets a priority ``w / u`` (``u`` uniform, drawn once); the ``capacity`` rows of
highest priority are kept. As every weight shrinks by the same factor per row, the order of the
priorities never changes, so a row's key ``seen_at * log(1 / gamma) - log(u)`` is fixed and the
buffer stays a top-``capacity`` set. With ``tau`` the highest priority discarded, a kept row stands
for ``max(w, tau)`` (:meth:`ReplayBuffer.row_weights`): sums over the buffer weighted so are unbiased
for the forgetting-weighted sums over every row seen, so the heads, computed on the buffer with
those weights, estimate the heads of every row seen, each weighted by its age. While the buffer
holds every row seen, these weights are exactly ``gamma ** age``.

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
from pydantic import ConfigDict, Field, StrictStr, model_serializer, model_validator

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
    seen_at, noise : array, optional
        Under forgetting: every row's position in the stream (0 for the first row seen) and its
        priority's random part ``-log(u)``; None without forgetting.
    threshold : list of two floats, optional
        Under forgetting, once rows were discarded: ``[seen_at, noise]`` of the discarded row of
        highest priority.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    capacity: int = Field(ge=1, strict=True)
    n_features: int = Field(ge=1, strict=True)
    context: FloatArray
    actions: list[StrictStr]
    rewards: FloatArray
    n_seen: int = Field(ge=0, strict=True)
    seen_at: FloatArray | None = None
    noise: FloatArray | None = None
    threshold: list[float] | None = Field(default=None, min_length=2, max_length=2)

    @model_serializer(mode="wrap")
    def _without_unset_priorities(self, handler: Any) -> Any:
        """A buffer without forgetting writes the state it wrote before forgetting existed."""
        data = handler(self)
        if isinstance(data, dict):
            for name in ("seen_at", "noise", "threshold"):
                if getattr(self, name) is None:
                    data.pop(name, None)
        return data

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
        if (self.seen_at is None) != (self.noise is None):
            raise ValueError("seen_at, noise: expected both (a buffer under forgetting) or neither")
        for name in ("seen_at", "noise"):
            array = getattr(self, name)
            if array is not None and array.shape != (n_rows,):
                raise ValueError(f"{name}: expected one value per row ({n_rows},), got {array.shape}")
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
        self,
        context: np.ndarray,
        actions: Sequence[str],
        rewards: np.ndarray,
        rng: np.random.Generator,
        decay_factor: float | None = None,
    ) -> ReplayBuffer:
        """The buffer after offering it these rows (reservoir sampling: algorithm R, vectorised).

        Under forgetting (``decay_factor`` below 1) a priority sample that prefers recent rows
        (module notes).
        """
        if decay_factor is not None and decay_factor < 1.0:
            return self._added_by_priority(context, actions, rewards, rng, -np.log(decay_factor))
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

    def _priorities(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Every row's ``seen_at`` and ``noise``; a buffer filled without forgetting gets them now.

        Its rows are a uniform sample of the stream: they are placed evenly over it, with fresh noise.
        """
        if self.seen_at is not None and self.noise is not None:
            return self.seen_at, self.noise
        n_rows = len(self)
        seen_at = np.floor((np.arange(n_rows) + 0.5) * self.n_seen / max(n_rows, 1))
        return seen_at, rng.standard_exponential(n_rows)

    def _added_by_priority(
        self, context: np.ndarray, actions: Sequence[str], rewards: np.ndarray, rng: np.random.Generator, rate: float
    ) -> ReplayBuffer:
        """The top-``capacity`` rows by key ``seen_at * rate + noise``, ``rate = log(1 / gamma)``."""
        earlier = self._priorities(rng)
        n_new = len(actions)
        keys = np.column_stack([self.n_seen + np.arange(n_new, dtype=np.float64), rng.standard_exponential(n_new)])
        return self._top_by_priority(earlier, (context, actions, rewards, keys), n_new, rate, None)

    def with_sample(
        self,
        sample: tuple[np.ndarray, list[str], np.ndarray, np.ndarray],
        n_new: int,
        rng: np.random.Generator,
        decay_factor: float | None = None,
        discarded: tuple[float, float] | None = None,
    ) -> ReplayBuffer:
        """The buffer after ``n_new`` rows offered where they lie (a cluster's partitions), given a mergeable sample.

        ``sample`` is ``(context, actions, rewards, keys)`` of candidate rows: every partition's
        ``capacity`` rows of smallest uniform key (without forgetting), or of highest priority key
        ``seen_at * log(1 / gamma) + noise`` with ``keys = (seen_at, noise)`` stacked as ``(n, 2)``
        (under forgetting; ``discarded`` is then the ``(seen_at, noise)`` of the best row a partition
        discarded). Without forgetting the result is a uniform sample of every row seen: the number of
        kept earlier rows is hypergeometric, those rows a uniform subset of the buffer, the new ones
        those of smallest keys. Under forgetting it is the top-``capacity`` set by key, as
        :meth:`added` keeps.

        Examples
        --------
        >>> buffer = ReplayBuffer.empty(n_features=1, capacity=2)
        >>> sample = (np.arange(3.0)[:, None], ["a", "b", "c"], np.ones(3), np.array([0.5, 0.1, 0.9]))
        >>> new = buffer.with_sample(sample, 10, np.random.default_rng(0))
        >>> new.actions, new.n_seen
        (['b', 'a'], 10)
        """
        context, actions, rewards, keys = sample
        if decay_factor is not None and decay_factor < 1.0:
            return self._top_by_priority(self._priorities(rng), sample, n_new, -np.log(decay_factor), discarded)
        total = self.n_seen + n_new
        size = min(self.capacity, total)
        old = int(rng.hypergeometric(self.n_seen, n_new, size)) if self.n_seen and n_new else min(size, len(self))
        kept = np.sort(rng.choice(len(self), size=old, replace=False)) if old < len(self) else np.arange(len(self))
        chosen = np.argsort(keys, kind="stable")[: size - old]
        return ReplayBuffer(
            capacity=self.capacity,
            n_features=self.n_features,
            context=np.concatenate([self.context[kept], context[chosen]]),
            actions=[*(self.actions[i] for i in kept.tolist()), *(actions[i] for i in chosen.tolist())],
            rewards=np.concatenate([self.rewards[kept], np.asarray(rewards, dtype=np.float64)[chosen]]),
            n_seen=total,
        )

    def _top_by_priority(
        self,
        earlier: tuple[np.ndarray, np.ndarray],
        sample: tuple[np.ndarray, Sequence[str], np.ndarray, np.ndarray],
        n_new: int,
        rate: float,
        discarded: tuple[float, float] | None,
    ) -> ReplayBuffer:
        """The top-``capacity`` rows by priority of the buffer's (keys ``earlier``) and ``sample``'s (keys ``(n, 2)``).

        The threshold becomes the highest priority ever discarded: the buffer's own, ``discarded``
        (a partition's), or the best row dropped here.
        """
        context, actions, rewards, keys = sample
        seen_at = np.concatenate([earlier[0], keys[:, 0]])
        noise = np.concatenate([earlier[1], keys[:, 1]])
        all_context = np.concatenate([self.context, context])
        all_actions = [*self.actions, *actions]
        all_rewards = np.concatenate([self.rewards, np.asarray(rewards, dtype=np.float64)])
        priority = seen_at * rate + noise
        candidates = [] if self.threshold is None else [tuple(self.threshold)]
        if discarded is not None:
            candidates.append(tuple(discarded))
        keep = np.arange(len(priority))
        if len(priority) > self.capacity:
            order = np.argsort(-priority, kind="stable")
            keep, dropped = np.sort(order[: self.capacity]), order[self.capacity :]
            candidates.append((float(seen_at[dropped[0]]), float(noise[dropped[0]])))
        threshold = list(max(candidates, key=lambda pair: pair[0] * rate + pair[1])) if candidates else None
        return ReplayBuffer(
            capacity=self.capacity,
            n_features=self.n_features,
            context=all_context[keep],
            actions=[all_actions[i] for i in keep.tolist()],
            rewards=all_rewards[keep],
            n_seen=self.n_seen + n_new,
            seen_at=seen_at[keep],
            noise=noise[keep],
            threshold=threshold,
        )

    def row_weights(self, decay_factor: float | None) -> np.ndarray | None:
        """Every row's weight in the heads under forgetting, ``max(gamma ** age, tau)`` (module notes); None without.

        Examples
        --------
        >>> buffer = ReplayBuffer.empty(n_features=1, capacity=5)
        >>> buffer = buffer.added(np.zeros((3, 1)), ["a"] * 3, np.ones(3), np.random.default_rng(0), 0.5)
        >>> buffer.row_weights(0.5).tolist()
        [0.25, 0.5, 1.0]
        """
        if decay_factor is None or decay_factor >= 1.0:
            return None
        rate = -np.log(decay_factor)
        seen_at = self.seen_at if self.seen_at is not None else self._priorities(np.random.default_rng(0))[0]
        latest = (self.n_seen - 1) * rate
        log_weights = seen_at * rate
        if self.threshold is not None:
            log_weights = np.maximum(log_weights, self.threshold[0] * rate + self.threshold[1])
        return np.exp(log_weights - latest)

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
                "seen_at": None if self.seen_at is None else self.seen_at[keep],
                "noise": None if self.noise is None else self.noise[keep],
                "context": self.context[keep],
                "actions": [a for a, k in zip(self.actions, keep, strict=True) if k],
                "rewards": self.rewards[keep],
                "n_seen": max(n_seen, int(keep.sum())) if self.seen_at is None else self.n_seen,
            }
        )

    def widened(self, n_features: int) -> ReplayBuffer:
        """The buffer with new context columns after the old ones, at 0 (transfer added features)."""
        context = np.zeros((len(self), n_features))
        context[:, : self.n_features] = self.context
        return self.model_copy(update={"context": context, "n_features": n_features})
