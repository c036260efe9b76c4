"""Updating a bandit with a dataset where it lies: rows grouped by action on the workers, only posteriors return.

Two passes over the partitions (:mod:`pybandits.cluster.scan` for the first):

1. **Scan**: every partition is read and checked on a worker and summarised: rows per action, new
   category values, reward moments (a Gaussian standardisation), and, for a stochastic bandit, its
   conjugate statistics. The client merges the summaries in partition order. A stochastic bandit is
   then updated from the merged statistics, exactly; nothing else is read.
2. **Fit** (networks per action): the client draws every played action's seed from the bandit's
   generator, in the bandit's action order, and plans the fits from the row counts alone
   (:func:`~pybandits.engines.plan.plan_groups`: the groups a single-process update would make).
   Each partition is then split by fit group on the worker that read it, and each group's pieces
   go to one worker, which concatenates them in partition order and runs the fit
   (:func:`~pybandits.engines.executors.fit_group_task`). When every partition holds the rows of one
   group only (a dataset partitioned by action), the split is skipped: a group's partitions go to
   its fit as they are.

The rows an action is fitted on are its rows in the dataset's order, partitions in order and rows
in order within each, with the same seeds, the same groups and the same forgetting weights as
``mab.update`` on the whole table read in that order: the result is the same, to rounding in the
summed statistics.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pybandits.boundary.datasets import Partition, open_dataset, partitions
from pybandits.boundary.tabular import DataError
from pybandits.cluster.runner import Runner
from pybandits.cluster.scan import RowSpec, Summary, action_indices, checked_rows, features_of, merged, scan_partition
from pybandits.cluster.trunk import fit_trunk
from pybandits.engines.executors import fit_group_task
from pybandits.engines.plan import GroupPlan, assemble, plan_groups
from pybandits.exceptions import FitError
from pybandits.model.backbone.heads import LinearHead
from pybandits.model.forgetting import carried_weight

__all__ = ["UpdateReport", "run_update"]


@dataclass(frozen=True)
class UpdateReport:
    """What a cluster update did.

    Attributes
    ----------
    n_rows, n_partitions : int
        Rows read, and the dataset's partitions.
    path : str
        How rows reached the fits: ``"sufficient statistics"`` (stochastic bandits: nothing but
        sums travels), ``"shuffle"`` (partitions split by fit group on the workers), or ``"no
        shuffle"`` (every partition held one group's rows: partitioned by action).
    n_fits : int
        Fit tasks (groups of networks fitted together); 0 for a stochastic bandit.
    where : str
        Where the tasks ran.
    seconds : float
        Wall time of the update.
    stages : dict of str to float
        Seconds per stage (reading partitions, fitting, ...).
    """

    n_rows: int
    n_partitions: int
    path: str
    n_fits: int
    where: str
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)


def row_spec(mab: Any) -> RowSpec:
    """The bandit's rows as workers read them; refuses, by name, a bandit a cluster update does not serve."""
    from pybandits.bandits.contextual import BaseCmab

    if mab.n_objectives is not None:
        raise ValueError(
            f"mab: expected a bandit of one objective (a cluster update reads one reward column), got a "
            f"multi-objective {type(mab).__name__} ({mab.n_objectives} objectives); update it with "
            "mab.update(actions, rewards, ...)"
        )
    if mab.quantity_dimensions:
        raise ValueError(
            "mab: expected a bandit without quantitative actions (a cluster update serves those), got "
            f"{sorted(mab.quantity_dimensions)}; update it in one process with mab.update(..., quantities=...) or the "
            "CLI without --scheduler"
        )
    if mab.change_detection is not None:
        raise ValueError(
            "mab: expected a bandit without change detection (its memories follow the rows one by one, which a "
            "cluster update does not), got change_detection set; update it in one process, or use forgetting "
            "(decay_factor), which a cluster update applies exactly"
        )
    decay = mab.decay_factor if mab._forgets else None
    if not isinstance(mab, BaseCmab):
        return RowSpec(list(mab.actions), mab.family, decay_factor=decay, conjugate=mab.family_type.conjugate)
    if mab.backbone is not None and not all(isinstance(head, LinearHead) for head in mab.actions.values()):
        raise ValueError(
            "mab: expected linear heads on a shared trunk (a cluster update of a trunk serves those), got network "
            "heads (hidden_dim_list); update it in one process with mab.update(...) or the CLI without --scheduler"
        )
    return RowSpec(
        list(mab.actions),
        mab.family,
        mab.input_dim,
        mab.feature_names,
        dict(mab.categorical_features),
        {column: list(values) for column, values in mab.vocabularies.items()},
        decay,
    )


def run_update(mab: Any, data: Any, runner: Runner) -> UpdateReport:
    """Update ``mab`` with the rows of ``data`` on ``runner`` (see the module); all or nothing."""
    start = time.perf_counter()
    spec = row_spec(mab)
    frame, source = open_dataset(data, spec.columns, spec.text_columns)
    frame = _with_header(frame, source, spec)
    parts = partitions(frame)
    from dask import delayed

    labels = [str(Partition(source, index)) for index in range(len(parts))]
    scans = [delayed(scan_partition)(part, Partition(source, k), spec) for k, part in enumerate(parts)]
    summary = merged(runner.run(scans, labels, "reading partitions"), spec, source)
    if summary.n_rows == 0:
        raise DataError(f"{source}: expected at least one row, got an empty dataset ({len(parts)} partitions)")
    kept = carried_weight(spec.decay_factor, summary.n_rows) if spec.decay_factor is not None else 1.0
    if spec.conjugate is not None:
        with mab._updating() as draft:
            draft.actions = draft._with_stats(summary.counts, summary.stats, kept)
        path, n_fits = "sufficient statistics", 0
    elif mab.backbone is not None:
        with mab._updating() as draft:
            _learn_columns(draft, spec, summary)
            fit_trunk(draft, parts, source, spec.learned(draft), summary, runner)
        path, n_fits = "reservoir and sums", 0
    else:
        path, n_fits = _fit_networks(mab, parts, source, spec, summary, kept, runner)
    seconds = time.perf_counter() - start
    return UpdateReport(summary.n_rows, len(parts), path, n_fits, runner.where, seconds, dict(runner.timings))


def _with_header(frame: Any, source: str, spec: RowSpec) -> Any:
    """The frame with ``action,reward`` first, then exactly the bandit's features when known by position.

    A Parquet dataset partitioned by action (``action=a/`` folders) has ``action`` last: it is moved first.
    A ``propensity`` column (the logs of an evaluation) is not a feature.
    """
    if spec.columns is None and "propensity" in frame.columns:  # the logging propensity: evaluation's, not a feature
        frame = frame.drop(columns="propensity")
    columns = list(map(str, frame.columns))
    missing = [c for c in ("action", "reward") if c not in columns]
    if missing:
        raise DataError(f"{source}: expected the columns action,reward and the features, missing {missing}")
    if columns[:2] != ["action", "reward"]:
        frame = frame[["action", "reward", *(c for c in frame.columns if c not in ("action", "reward"))]]
    if spec.columns is None and len(columns) - 2 != spec.n_features:
        raise DataError(
            f"{source}: expected {spec.n_features} feature columns besides action,reward, got {len(columns) - 2}"
        )
    return frame


def _learn_columns(draft: Any, spec: RowSpec, summary: Summary) -> None:
    """The draft's vocabularies grown by the new category values, and its Gaussian standardisation fitted."""
    vocabularies = {c: list(spec.vocabularies.get(c, [])) + v for c, v in summary.new_values.items() if v}
    if vocabularies:
        draft.vocabularies = {**draft.vocabularies, **vocabularies}
    if summary.moments is not None:
        draft._fit_families(summary.moments)


def _fit_networks(
    mab: Any, parts: list, source: str, spec: RowSpec, summary: Summary, kept: float, runner: Runner
) -> tuple[str, int]:
    """The per-action networks' fits on the workers; the bandit takes their posteriors only if all succeed.

    The groups are fitted in *waves* whose rows fit in a share of the workers' memory
    (:data:`WAVE_MEMORY_SHARE`): each wave reads the partitions again and keeps only its groups' rows.
    """
    with mab._updating() as draft:
        _learn_columns(draft, spec, summary)
        played = [a for a, n in zip(spec.action_ids, summary.counts.tolist(), strict=True) if n > 0]
        models, seeds = draft.kind.prepared(draft, played, kept)
        counts = dict(zip(spec.action_ids, summary.counts.tolist(), strict=True))
        plans = plan_groups(models, [(a, counts[a], seed) for a, seed in zip(played, seeds, strict=True)])
        worker_spec = spec.learned(draft)
        index = {a: j for j, a in enumerate(spec.action_ids)}
        group_of = np.full(len(spec.action_ids), -1, dtype=np.int64)
        for g, plan in enumerate(plans):
            group_of[[index[a] for a in plan.action_ids]] = g
        present = [np.unique(group_of[actions]) for actions in summary.partitions]
        shuffle = any(len(groups) > 1 for groups in present)
        rows_of = [sum(counts[a] for a in plan.action_ids) for plan in plans]
        budget = int(WAVE_MEMORY_SHARE * runner.memory() / (8 * spec.n_features + 24))
        fitted: list[Any] = [None] * len(plans)
        for wave in _waves(rows_of, budget):
            wave_of = np.where(np.isin(group_of, wave), group_of, -1)
            tasks = _wave_tasks(parts, source, worker_spec, summary, plans, wave, wave_of, shuffle)
            labels = [f"fit of actions {plans[g].action_ids}" for g in wave]
            done = runner.run(tasks, labels, "fitting groups of actions", wrap_as=FitError, alone=not shuffle)
            for g, models_of_group in zip(wave, done, strict=True):
                fitted[g] = models_of_group
        draft.actions = {**models, **assemble(models, plans, fitted)}
    return ("shuffle" if shuffle else "no shuffle"), len(plans)


#: The share of the workers' memory a wave's rows may take (held as the pieces of a shuffle until fitted;
#: a fit copies its group's rows once more into its graph, outside Dask's accounting).
WAVE_MEMORY_SHARE = 0.15


def _waves(rows_of: list[int], budget: int) -> list[list[int]]:
    """Groups packed into waves of at most ``budget`` rows (first fit, largest first); a group of more than a
    quarter of it alone.

    Examples
    --------
    >>> _waves([50, 10, 14, 12], 60)
    [[0], [1, 2, 3]]
    """
    waves: list[list[int]] = []
    totals: list[int] = []
    for g in sorted(range(len(rows_of)), key=lambda g: -rows_of[g]):
        # a large group is alone: gathering its rows holds them twice on one worker, beside the wave's pieces
        alone = 4 * rows_of[g] > budget
        room = None if alone else next((w for w, total in enumerate(totals) if total + rows_of[g] <= budget), None)
        if room is None:
            waves.append([])
            totals.append(0)
            room = len(waves) - 1
        waves[room].append(g)
        totals[room] += budget if alone else rows_of[g]
    return [sorted(wave) for wave in waves]


def _wave_tasks(
    parts: list,
    source: str,
    spec: RowSpec,
    summary: Summary,
    plans: list[GroupPlan],
    wave: list[int],
    group_of: np.ndarray,
    shuffle: bool,
) -> list[Any]:
    """The fit tasks of a wave's groups, on their partitions' rows (split by group, or whole)."""
    from dask import delayed

    offsets = np.concatenate([[0], np.cumsum(summary.part_rows)]).astype(np.int64)
    pieces: dict[int, list[Any]] = {g: [] for g in wave}
    for k, part in enumerate(parts):
        present = [g for g in np.unique(group_of[summary.partitions[k]]).tolist() if g >= 0]
        if not present:
            continue
        where = Partition(source, k)
        if shuffle:
            split = delayed(_split_partition, nout=len(plans))(part, where, spec, int(offsets[k]), group_of)
            for g in present:
                pieces[g].append(split[g])
        else:
            pieces[present[0]].append(delayed(_rows_of_partition)(part, where, spec, int(offsets[k])))
    fits = []
    for g in wave:  # the pieces are gathered by a task of their own, so that a fit holds its rows once
        rows = delayed(_gathered)(plans[g], pieces[g], spec.action_ids, summary.n_rows, spec.decay_factor)
        fits.append(delayed(_fit_planned)(plans[g], rows))
    return fits


#: A partition's rows for one fit group: action indices, positions in the dataset, features, rewards.
Piece = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _rows_of_partition(frame: Any, where: Partition, spec: RowSpec, offset: int) -> Piece:
    """A partition's checked rows as arrays, each row with its position in the whole dataset."""
    rows = checked_rows(frame, where, spec)
    played = action_indices(rows.actions, spec.action_ids).astype(np.int32)
    position = offset + np.arange(len(played)) if spec.decay_factor is not None else np.zeros(len(played), np.int8)
    return played, position, features_of(rows, spec), np.asarray(rows.rewards)


def _split_partition(
    frame: Any, where: Partition, spec: RowSpec, offset: int, group_of: np.ndarray
) -> list[Piece | None]:
    """A partition's rows split by fit group (``group_of[action index]``), each piece in the partition's order."""
    played, position, features, rewards = _rows_of_partition(frame, where, spec, offset)
    groups = group_of[played]
    pieces: list[Piece | None] = [None] * (int(group_of.max()) + 1)
    for g in np.unique(groups).tolist():
        mask = groups == g
        pieces[g] = (played[mask], position[mask], features[mask], rewards[mask])
    return pieces


def _gathered(
    plan: GroupPlan, pieces: list[Piece], action_ids: list[str], n_total: int, decay_factor: float | None
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Every action of the group's rows, gathered from the partitions' pieces in partition order, with their weights."""
    index = {a: j for j, a in enumerate(action_ids)}
    rows = {}
    for action_id in plan.action_ids:
        masks = [piece[0] == index[action_id] for piece in pieces]
        features = np.concatenate([piece[2][mask] for piece, mask in zip(pieces, masks, strict=True)])
        rewards = np.concatenate([piece[3][mask] for piece, mask in zip(pieces, masks, strict=True)])
        weights = None
        if decay_factor is not None:
            position = np.concatenate([piece[1][mask] for piece, mask in zip(pieces, masks, strict=True)])
            weights = float(decay_factor) ** (n_total - 1 - position).astype(np.float64)
        rows[action_id] = (features, rewards, weights)
    return rows


def _fit_planned(plan: GroupPlan, rows: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> list[Any]:
    """Fit one planned group on its gathered rows; a failure is a :class:`~pybandits.exceptions.FitError` naming
    the group's actions."""
    try:
        return fit_group_task(plan.built(rows))
    except Exception as error:
        raise FitError(f"fit of actions {plan.action_ids}: {type(error).__name__}: {error}") from error
