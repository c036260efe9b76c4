"""One pass over a dataset's partitions: every row checked where it lies, and what an update needs, summed.

A partition's :class:`Summary` holds its number of rows, its rows per action, the category values
it adds to the bandit's vocabularies (in order of first appearance), the moments of its rewards
(for a Gaussian standardisation) and, for a stochastic bandit, its per-action conjugate statistics.
Summaries merge in partition order (:func:`merged`): the merged summary is the one the whole
dataset would give read as one table, partitions in order, rows in order within each.

Forgetting (``decay_factor``) weighs row ``i`` of ``n`` by ``gamma ** (n - 1 - i)``. A partition
weighs its rows by their position within it; merging multiplies them by ``gamma`` to the number of
rows after the partition, so one pass suffices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pybandits.boundary.context import category_text, context_from_frame, encode_column
from pybandits.boundary.tabular import DataError, LoggedRows, action_positions, logged_rows_of, text_categories
from pybandits.model.stats import Moments

__all__ = ["RowSpec", "Summary", "checked_rows", "merged", "scan_partition"]


@dataclass(frozen=True)
class RowSpec:
    """What a worker needs to read and check a bandit's rows: plain data, small, sent with every task."""

    action_ids: list[str]
    family: Any
    n_features: int = 0
    feature_names: list[str] | None = None
    categorical: dict[int, int] = field(default_factory=dict)
    vocabularies: dict[int, list[Any]] = field(default_factory=dict)
    decay_factor: float | None = None
    #: The conjugate model class of a stochastic bandit (its ``batch_stats``); None for a contextual one.
    conjugate: Any = None

    @property
    def columns(self) -> list[str] | None:
        """The columns to read (None: all of them, when features are known by position only)."""
        if self.n_features == 0:
            return ["action", "reward"]
        return None if self.feature_names is None else ["action", "reward", *self.feature_names]

    @property
    def text_columns(self) -> list[str]:
        """Columns read as text from CSV: the categorical ones, when known by name."""
        names = self.feature_names or []
        return [names[j] for j in sorted(self.categorical) if j < len(names)]

    def learned(self, mab: Any) -> RowSpec:
        """The spec with what a bandit being updated learned from the scan: vocabularies and reward family."""
        return RowSpec(**{**self.__dict__, "vocabularies": dict(mab.vocabularies), "family": mab.family})


@dataclass
class Summary:
    """What one partition (or several, merged) contributes to an update."""

    n_rows: int
    counts: np.ndarray
    new_values: dict[int, list[Any]]
    moments: Moments | None
    stats: tuple[np.ndarray, ...] | None
    #: Partitions summed, and for each the actions present (indices), for the shuffle-free path.
    partitions: list[np.ndarray]
    #: Rows of every partition summed, in order.
    part_rows: list[int] = field(default_factory=list)


def checked_rows(frame: Any, where: Any, spec: RowSpec) -> LoggedRows:
    """A partition's rows, checked as a file's are (:func:`~pybandits.boundary.tabular.logged_rows_of`)."""
    frame = text_categories(where, frame, spec.feature_names, spec.categorical, skip={"action", "reward"})
    return logged_rows_of(
        where,
        frame,
        spec.n_features,
        spec.action_ids,
        spec.family,
        spec.feature_names,
        spec.categorical,
        None,
        spec.vocabularies if spec.categorical else None,
    )


def action_indices(actions: np.ndarray, action_ids: Sequence[str]) -> np.ndarray:
    """Every row's action as its index in ``action_ids`` (the actions are known: checked before)."""
    return action_positions(actions, action_ids)


def features_of(rows: LoggedRows, spec: RowSpec) -> np.ndarray:
    """The rows' context as the networks' float array, categories coded by ``spec``'s vocabularies (all known)."""
    if isinstance(rows.context, np.ndarray):
        return rows.context
    array, _ = context_from_frame(
        rows.context,
        n_features=spec.n_features,
        feature_names=spec.feature_names,
        categorical=spec.categorical,
        vocabularies=spec.vocabularies,
        learn=False,
    )
    return array


def scan_partition(frame: Any, where: Any, spec: RowSpec) -> Summary:
    """The summary of one partition, its rows checked (errors name ``where`` and the row)."""
    rows = checked_rows(frame, where, spec)
    played = action_indices(rows.actions, spec.action_ids)
    n_actions = len(spec.action_ids)
    new_values: dict[int, list[Any]] = {}
    if not isinstance(rows.context, np.ndarray):  # categorical columns, as values
        for j, column in enumerate(rows.context.columns):
            if j in spec.categorical:
                known = list(spec.vocabularies.get(j, []))
                _, grown = encode_column(rows.context[column], known, 2**62, True, repr(column))
                new_values[j] = grown[len(known) :]
    moments = None
    if spec.family.name == "gaussian" and spec.conjugate is None:
        moments = Moments().added(np.asarray(rows.rewards, dtype=np.float64))
    stats = None
    if spec.conjugate is not None:
        weights = None
        if spec.decay_factor is not None:
            weights = float(spec.decay_factor) ** np.arange(len(played) - 1, -1, -1, dtype=np.float64)
        stats = spec.conjugate.batch_stats(played, rows.rewards, n_actions, weights)
    return Summary(
        n_rows=len(played),
        counts=np.bincount(played, minlength=n_actions),
        new_values=new_values,
        moments=moments,
        stats=stats,
        partitions=[np.unique(played)],
        part_rows=[len(played)],
    )


def merged(summaries: Sequence[Summary], spec: RowSpec, source: str) -> Summary:
    """The summaries of partitions ``0 .. P-1`` as one, in partition order.

    New category values join in order of first appearance; values beyond a column's room are a
    :class:`~pybandits.boundary.tabular.DataError` naming the partition of the first one.
    """
    n_rows = sum(s.n_rows for s in summaries)
    counts = np.sum([s.counts for s in summaries], axis=0) if summaries else np.zeros(len(spec.action_ids), int)
    new_values: dict[int, list[Any]] = {}
    seen: dict[int, set[str]] = {}
    for index, summary in enumerate(summaries):
        for column, values in summary.new_values.items():
            known = seen.setdefault(column, {category_text(v) for v in spec.vocabularies.get(column, [])})
            for value in values:
                if category_text(value) in known:
                    continue
                known.add(category_text(value))
                new_values.setdefault(column, []).append(value)
                room = spec.categorical[column] - len(spec.vocabularies.get(column, []))
                if len(new_values[column]) > room:
                    label = spec.feature_names[column] if spec.feature_names else f"column {column}"
                    raise DataError(
                        f"{source}, partition {index}: categorical {label!r} holds the value {value!r}, the first "
                        f"past its vocabulary's room ({room} new values, cardinality {spec.categorical[column]}); "
                        "grow the cardinality with edit_model_on_the_fly to learn them"
                    )
    moments = None
    if summaries and summaries[0].moments is not None:
        moments = Moments()
        for summary in summaries:
            moments = moments.merged(summary.moments)
    stats = None
    if summaries and summaries[0].stats is not None:
        after = n_rows
        for summary in summaries:
            after -= summary.n_rows
            part = summary.stats
            if spec.decay_factor is not None:
                part = spec.conjugate.scaled_stats(part, float(spec.decay_factor) ** after)
            stats = part if stats is None else spec.conjugate.merged_stats(stats, part)
    return Summary(
        n_rows=n_rows,
        counts=counts,
        new_values=new_values,
        moments=moments,
        stats=stats,
        partitions=[p for s in summaries for p in s.partitions],
        part_rows=[n for s in summaries for n in s.part_rows],
    )
