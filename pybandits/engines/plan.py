"""Planning an update's fits: which networks are fitted together, in which task.

An update plays some actions; each played action has one network (or one per objective). The
networks that share a graph (architecture, reward family, graph-shaping settings) and the same
inference settings are fitted together by batched ADVI (:mod:`pybandits.engines.advi`), in groups
of at most ``actions_per_fit`` networks. Within a group key the networks are ordered by their
number of rows (most first) and cut where a network has less than half the rows of the first of
its bucket, then split into groups (:func:`group_sizes`): a group pads its networks' rows to the
longest, so padding at most doubles the rows computed, however skewed the traffic (except in the
small fits of a small bandit, below, where a step's cost is mostly fixed overhead). A group's
padded rows stay under :data:`MAX_GROUP_BYTES` (large networks are fitted in smaller groups). NUTS fits one
network per group.

A compiled graph holds a fixed number of network *slots*. Slot counts come from a ladder (1, 2, 3,
4, 6, 8, 12, 16, 24, ...: powers of two and one and a half times them), so an architecture needs
a handful of graphs, whatever the number of played actions. A group fills its graph's slots, or
leaves few empty (two, or one in eight: an empty slot costs as much as a network, another group
one more call per step): 100 networks are fitted as groups of 96 and 4, not as 128 slots of which
28 are empty, and 10 networks as one group of 12 slots.

A small bandit (at most :data:`FEW_NETWORKS` networks of a graph key, with small padded rows) skips
the buckets and the ladder: every update fits its played networks of that key in one graph of
``slot_count`` of all the bandit's networks of the key (:func:`_fixed_slots`), so that the bandit
compiles one graph for its life instead of one per traffic pattern (1, 2, 3 played actions, two row
buckets, ...), each costing seconds against a fit's milliseconds.

A group is plain data (models, rows, rewards, seeds): the unit of work a process pool or a Dask
cluster receives (:mod:`pybandits.engines.executors`; :func:`pybandits.engines.fit.run_group`
fits one). The plan depends only on the bandit, the batch and its seeds, never on whether
an executor runs it, so a fan-out gives the sequential result.

Planning reads a model through two small protocols, not a model class: :class:`Fittable` (one
network: which networks it may be fitted with, and how many at most) and :class:`PerObjective`
(one network per objective). It imports no fitting code.

Examples
--------
>>> from pybandits.model.bnn.action import Bnn
>>> models = {a: Bnn.cold_start(n_features=2, update_kwargs={"actions_per_fit": 2}) for a in "abc"}
>>> tasks = [(a, np.arange(n), seed) for a, n, seed in (("a", 3, 1), ("b", 5, 2), ("c", 4, 3))]
>>> groups = plan_fits(models, tasks, np.zeros((5, 2)), np.zeros(5))
>>> [[member[0] for member in group.members] for group in groups]  # most rows first
[['b', 'c'], ['a']]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "FitGroup",
    "Fittable",
    "GroupPlan",
    "PerObjective",
    "assemble",
    "group_sizes",
    "plan_fits",
    "plan_groups",
    "slot_count",
]


@runtime_checkable
class Fittable(Protocol):
    """What planning needs of one network's model (:class:`~pybandits.model.bnn.action.Bnn` is one).

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> isinstance(Bnn.cold_start(n_features=2), Fittable)
    True
    """

    @property
    def fit_key(self) -> Hashable | None:
        """Networks of equal keys may be fitted together; None: this one is fitted alone."""

    @property
    def actions_per_fit(self) -> int:
        """Most networks of this key fitted together."""


@runtime_checkable
class PerObjective(Protocol):
    """A model of one network per objective (:class:`~pybandits.model.bnn.multi.BnnMO` is one).

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> from pybandits.model.bnn.multi import BnnMO
    >>> isinstance(BnnMO(objectives=[Bnn.cold_start(n_features=2)] * 2), PerObjective)
    True
    >>> isinstance(Bnn.cold_start(n_features=2), PerObjective)
    False
    """

    objectives: Sequence[Any]

    def with_objectives(self, objectives: Sequence[Any]) -> Any:
        """The model with these objectives' models, in order."""


#: Slot counts of compiled graphs: powers of two and one and a half times them.
_SLOT_LADDER = sorted({2**k for k in range(16)} | {3 * 2**k for k in range(15)})


def slot_count(n_networks: int) -> int:
    """The slots of the graph that fits ``n_networks`` networks together (the next rung of the ladder).

    Examples
    --------
    >>> [slot_count(n) for n in (1, 2, 3, 5, 7, 9, 100, 128)]
    [1, 2, 3, 6, 8, 12, 128, 128]
    """
    for rung in _SLOT_LADDER:
        if rung >= n_networks:
            return rung
    raise ValueError(f"n_networks: expected at most {_SLOT_LADDER[-1]} networks in one fit, got {n_networks}")


def group_sizes(n_networks: int, actions_per_fit: int) -> list[int]:
    """How ``n_networks`` networks of one graph are split into fits of at most ``actions_per_fit``.

    Full groups first (of the largest rung of the ladder up to ``actions_per_fit``); the rest is
    one group when its graph has few empty slots (two, or one in eight), else the largest rung of
    the ladder that fits and the remainder in turn.

    Examples
    --------
    >>> group_sizes(100, 128), group_sizes(1000, 128), group_sizes(7, 128), group_sizes(10, 128)
    ([96, 4], [128, 128, 128, 128, 128, 128, 128, 96, 8], [7], [10])
    >>> group_sizes(5, 2), group_sizes(250, 100)
    ([2, 2, 1], [96, 96, 58])
    """
    full = max(rung for rung in _SLOT_LADDER if rung <= actions_per_fit)
    sizes = []
    rest = n_networks
    while rest > 0:
        if rest >= full:
            size = full
        elif slot_count(rest) - rest <= max(2, rest // 8):
            size = rest
        else:
            size = max(rung for rung in _SLOT_LADDER if rung <= rest)
        sizes.append(size)
        rest -= size
    return sizes


#: A network's place in the bandit: its action id and its objective (None for single-objective).
Member = tuple[str, int | None]


@dataclass
class FitGroup:
    """Networks fitted together: everything one task needs, as plain data.

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> group = FitGroup(members=[("a", None)], models=[Bnn.cold_start(n_features=2)], contexts=[np.zeros((3, 2))],
    ...                  rewards=[np.array([1.0, 0.0, 1.0])], seeds=[7])
    >>> group.members, len(group.models)
    ([('a', None)], 1)
    """

    members: list[Member]
    models: list[Any]
    contexts: list[np.ndarray]
    rewards: list[np.ndarray]
    seeds: list[int]
    #: Every member's row weights (forgetting, :mod:`pybandits.model.forgetting`); None: all 1.
    weights: list[np.ndarray] | None = None
    #: The slots of the graph that fits the group (:func:`slot_count` of the members when None).
    n_slots: int | None = None


def _group_key(model: Fittable, index: int) -> tuple:
    key = model.fit_key
    if key is None:
        return ("alone", index)  # NUTS: one network per fit
    return ("together", key)


def _row_buckets(ordered: list[int], n_rows: list[int]) -> list[list[int]]:
    """Split networks sorted by rows (most first) where a network has less than half the bucket's first.

    A group pads every network to its largest row count; within a bucket padding at most doubles the
    rows computed, so time and memory stay linear in the rows however skewed the traffic.

    Examples
    --------
    >>> _row_buckets([0, 1, 2, 3, 4], [1000, 600, 400, 390, 10])
    [[0, 1], [2, 3], [4]]
    """
    buckets: list[list[int]] = []
    first = 0
    for index, rows in zip(ordered, n_rows, strict=True):
        if not buckets or 2 * rows < first:
            buckets.append([])
            first = rows
        buckets[-1].append(index)
    return buckets


@dataclass
class GroupPlan:
    """Which networks one fit holds, before any row is read: the plan a cluster ships to the rows.

    ``members`` name the networks (action id, objective), with their ``models`` and ``seeds``;
    :meth:`built` gives the :class:`FitGroup` once the members' rows are at hand.

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> (plan,) = plan_groups({"a": Bnn.cold_start(n_features=2)}, [("a", 3, 7)])
    >>> group = plan.built({"a": (np.zeros((3, 2)), np.ones(3), None)})
    >>> group.members, group.seeds, group.contexts[0].shape
    ([('a', None)], [7], (3, 2))
    """

    members: list[Member]
    models: list[Any]
    seeds: list[int]
    #: The slots of the graph that fits the group (:func:`slot_count` of the members when None).
    n_slots: int | None = None

    @property
    def action_ids(self) -> list[str]:
        """The actions whose rows the group needs, each once, in the members' order."""
        return list(dict.fromkeys(action_id for action_id, _ in self.members))

    def built(self, rows: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> FitGroup:
        """The group with every member's rows: ``rows[action_id] = (context, observed, weights or None)``.

        ``observed`` is ``(n_rows,)``, or ``(n_rows, n_objectives)`` for a multi-objective action,
        whose member of objective ``k`` takes column ``k``.
        """
        contexts, rewards, weights = [], [], []
        for action_id, objective in self.members:
            context, observed, row_weights = rows[action_id]
            contexts.append(context)
            rewards.append(observed if objective is None else observed[:, objective])
            weights.append(row_weights)
        weighted = any(w is not None for w in weights)
        return FitGroup(
            members=list(self.members),
            models=list(self.models),
            contexts=contexts,
            rewards=rewards,
            seeds=list(self.seeds),
            weights=weights if weighted else None,
            n_slots=self.n_slots,
        )


#: The most bytes of padded rows one fit holds (its networks' slots x the first network's rows x the
#: inputs): networks with more rows are fitted in smaller groups, one alone past it. A fit holds its
#: rows about twice more (the graph's work arrays), so this bounds a worker's memory, not the speed.
MAX_GROUP_BYTES = 128 * 2**20


def _width(model: Any) -> int:
    network = getattr(model, "network", None)
    return int(getattr(network, "n_features", 1) or 1)


#: A bandit with at most this many networks of one graph fits its played ones in one graph of
#: ``slot_count`` of them all, whatever the update plays (:func:`_fixed_slots`).
FEW_NETWORKS = 8
#: ... as long as that graph's padded context block holds at most this many values (a block where a
#: step's cost is mostly fixed overhead, so that padding a slot or its rows costs little).
FIXED_SLOTS_MAX_VALUES = 2**16


def _networks_per_key(models: Mapping[str, Fittable | PerObjective]) -> dict[tuple, int]:
    """How many of the bandit's networks share each graph key (NUTS's keys are one network each)."""
    counts: dict[tuple, int] = {}
    index = 0
    for model in models.values():
        for network in model.objectives if isinstance(model, PerObjective) else [model]:
            key = _group_key(network, -1 - index)
            counts[key] = counts.get(key, 0) + 1
            index += 1
    return counts


def _fixed_slots(n_networks: int, actions_per_fit: int, values_per_slot: int) -> int | None:
    """The slots of the one graph a small bandit's networks of a key are fitted in, or None (the ladder's plan).

    A bandit of a few small networks would otherwise meet a new slot count (1, 2, 3, ...) and a
    new row bucket whenever its traffic shifts, and compile a graph for each, seconds apiece
    while a fit takes milliseconds: with ``n_networks`` at most :data:`FEW_NETWORKS`, within
    ``actions_per_fit``, and a padded block (slots x the most rows x inputs) of at most
    :data:`FIXED_SLOTS_MAX_VALUES` values, every update fits its played networks together in a
    graph of ``slot_count(n_networks)`` slots: one graph per architecture. The empty slots and the
    padded rows cost little at that size, where a step's cost is mostly its fixed overhead.

    Examples
    --------
    >>> _fixed_slots(3, 128, 200 * 2), _fixed_slots(5, 128, 100), _fixed_slots(3, 2, 100), _fixed_slots(20, 128, 100)
    (3, 6, None, None)
    >>> _fixed_slots(8, 128, 40_000 * 3)  # one action of 40,000 rows: the ladder's plan, not 8 padded slots

    """
    if not 1 <= n_networks <= FEW_NETWORKS:
        return None
    slots = slot_count(n_networks)
    if slots > actions_per_fit or slots * values_per_slot > FIXED_SLOTS_MAX_VALUES:
        return None
    return slots


def plan_groups(
    models: Mapping[str, Fittable | PerObjective], tasks: Sequence[tuple[str, int, int]]
) -> list[GroupPlan]:
    """The groups that fit every ``(action_id, n_rows, seed)`` task's networks: the plan, without the rows.

    Multi-objective models (:class:`PerObjective`) are fitted per objective, with seeds derived
    from the action's seed. The plan depends only on the models, the row counts and the seeds.

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> models = {a: Bnn.cold_start(n_features=2) for a in ("a", "b")}
    >>> [plan.members for plan in plan_groups(models, [("a", 2, 1), ("b", 3, 2)])]  # one graph: most rows first
    [[('b', None), ('a', None)]]
    """
    units: list[tuple[Member, Any, int, int]] = []
    for action_id, n_rows, seed in tasks:
        model = models[action_id]
        if isinstance(model, PerObjective):
            seeds = np.random.SeedSequence(seed).generate_state(len(model.objectives))
            for index, objective in enumerate(model.objectives):
                units.append(((action_id, index), objective, n_rows, int(seeds[index])))
        else:
            units.append(((action_id, None), model, n_rows, int(seed)))
    by_key: dict[tuple, list[int]] = {}
    for index, (_, model, *_rest) in enumerate(units):
        by_key.setdefault(_group_key(model, index), []).append(index)
    in_bandit = _networks_per_key(models)
    plans = []
    for key, indices in by_key.items():
        size = units[indices[0]][1].actions_per_fit
        ordered = sorted(indices, key=lambda i: -units[i][2])  # stable: ties keep the action order
        fixed = _fixed_slots(in_bandit.get(key, 0), size, units[ordered[0]][2] * _width(units[ordered[0]][1]))
        if fixed is not None:
            chosen = [units[i] for i in ordered]
            plans.append(GroupPlan([u[0] for u in chosen], [u[1] for u in chosen], [u[3] for u in chosen], fixed))
            continue
        for bucket in _row_buckets(ordered, [units[i][2] for i in ordered]):
            start = 0
            most = max(1, MAX_GROUP_BYTES // max(1, 8 * units[bucket[0]][2] * _width(units[bucket[0]][1])))
            for group_size in group_sizes(len(bucket), min(size, most)):
                chosen = [units[i] for i in bucket[start : start + group_size]]
                start += group_size
                plans.append(
                    GroupPlan(
                        members=[unit[0] for unit in chosen],
                        models=[unit[1] for unit in chosen],
                        seeds=[unit[3] for unit in chosen],
                    )
                )
    return plans


def plan_fits(
    models: Mapping[str, Fittable | PerObjective],
    tasks: Sequence[tuple[str, np.ndarray, int]],
    features: np.ndarray,
    observed: np.ndarray,
    weights: np.ndarray | None = None,
) -> list[FitGroup]:
    """The groups that fit every ``(action_id, rows, seed)`` task's networks (:func:`plan_groups`, with the rows).

    ``observed`` is ``(n_rows,)``, or ``(n_rows, n_objectives)`` for multi-objective models
    (:class:`PerObjective`), whose objectives are fitted with seeds derived from the action's seed.
    ``weights``: every row's likelihood weight (forgetting), None for all 1.

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> models = {a: Bnn.cold_start(n_features=2) for a in ("a", "b")}
    >>> groups = plan_fits(models, [("a", np.arange(2), 1), ("b", np.arange(2, 5), 2)], np.zeros((5, 2)), np.zeros(5))
    >>> [group.members for group in groups]  # one graph: most rows first
    [[('b', None), ('a', None)]]
    """
    rows = {
        action_id: (features[index], observed[index], None if weights is None else weights[index])
        for action_id, index, _ in tasks
    }
    plans = plan_groups(models, [(action_id, len(index), seed) for action_id, index, seed in tasks])
    return [plan.built({action_id: rows[action_id] for action_id in plan.action_ids}) for plan in plans]


def assemble(
    models: Mapping[str, Fittable | PerObjective], groups: Sequence[FitGroup], fitted: Sequence[Sequence[Any]]
) -> dict[str, Any]:
    """The new model of every action the groups fitted (``fitted[g]`` holds group ``g``'s models).

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> models = {"a": Bnn.cold_start(n_features=2)}
    >>> groups = plan_fits(models, [("a", np.arange(2), 1)], np.zeros((2, 2)), np.zeros(2))
    >>> list(assemble(models, groups, [[models["a"]]]))
    ['a']
    """
    by_member: dict[Member, Any] = {}
    for group, new in zip(groups, fitted, strict=True):
        by_member.update(zip(group.members, new, strict=True))
    result: dict[str, Any] = {}
    for action_id in dict.fromkeys(action_id for action_id, _ in by_member):
        model = models[action_id]
        if isinstance(model, PerObjective):
            objectives = [by_member[(action_id, index)] for index in range(len(model.objectives))]
            result[action_id] = model.with_objectives(objectives)
        else:
            result[action_id] = by_member[(action_id, None)]
    return result
