"""A shared trunk's update where the rows lie: a mergeable replay buffer, the trunk trained on it, heads from sums.

After the scan (:mod:`pybandits.cluster.scan`):

1. **Buffer.** Every partition draws a key per row from a generator of its own and sends back its
   ``capacity`` best candidates; the client keeps the best over all of them
   (:meth:`~pybandits.model.backbone.buffer.ReplayBuffer.with_sample`). Without forgetting the keys
   are uniform and the buffer a uniform sample of every row seen (the share of earlier rows is
   hypergeometric); under forgetting they are the priority keys of the single-process buffer.
2. **Trunk.** It trains on the buffer, on one worker, as in a single-process update.
3. **Heads**, on every row rather than on the buffer: the new rows exactly (each with its
   forgetting weight), and the rows of earlier updates through the earlier buffer, each weighted
   by the number of rows it stands for (``n_seen / len(buffer)``, or its priority weight under
   forgetting). An exact head (Gaussian rewards) is one pass of sums
   (:func:`~pybandits.model.backbone.laplace.conjugate_sums`); a Laplace head (Bernoulli rewards)
   is Newton's method (:func:`~pybandits.model.backbone.laplace.newton_mode`) with one pass over
   the partitions per step, every action stepping together.

Where this differs from a single-process update: the buffer is a different random sample (the
same distribution), and the heads learn from every row, where a single-process update computes
them on the buffer alone; their posteriors are therefore narrower once more rows were seen than
the buffer holds. Network heads (``hidden_dim_list`` with a trunk) are refused here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pybandits.boundary.datasets import Partition
from pybandits.cluster.runner import Runner
from pybandits.cluster.scan import RowSpec, Summary, action_indices, checked_rows, features_of
from pybandits.exceptions import FitError
from pybandits.model.backbone.heads import _precision, _with_bias
from pybandits.model.backbone.laplace import conjugate_sums, newton_mode, newton_terms

__all__ = ["fit_trunk"]


def fit_trunk(draft: Any, parts: list, source: str, spec: RowSpec, summary: Summary, runner: Runner) -> None:
    """Buffer, trunk and heads of ``draft`` (a bandit being updated) from the dataset's partitions."""
    from dask import delayed

    backbone = draft.backbone
    offsets = np.concatenate([[0], np.cumsum(summary.part_rows)]).astype(np.int64)
    rate = None if spec.decay_factor is None else -float(np.log(spec.decay_factor))
    seed = int(draft._rng.integers(2**63))
    labels = [str(Partition(source, k)) for k in range(len(parts))]
    capacity, seen = backbone.buffer.capacity, backbone.buffer.n_seen
    candidates = runner.run(
        [
            delayed(_candidates)(part, Partition(source, k), spec, int(offsets[k]), capacity, [seed, k], seen, rate)
            for k, part in enumerate(parts)
        ],
        labels,
        "sampling the replay buffer",
    )
    sample, discarded = _merged_candidates(candidates, backbone.buffer.n_features, rate or 0.0)
    buffer = backbone.buffer.with_sample(sample, summary.n_rows, draft._rng, spec.decay_factor, discarded)
    training_seed = int(draft._rng.integers(2**63))
    (trained,) = runner.run(
        [delayed(_trained)(backbone, buffer, draft.family, training_seed)],
        ["training the trunk"],
        "training the trunk",
        wrap_as=FitError,
    )
    heads = _Heads(draft, trained, backbone.buffer, spec, summary.n_rows)
    tasks = lambda points: [  # noqa: E731
        delayed(_head_terms)(part, Partition(source, k), spec, int(offsets[k]), summary.n_rows, trained, points)
        for k, part in enumerate(parts)
    ]
    for _ in range(_MAX_PASSES):
        points = heads.points()
        if points is None:
            break
        heads.receive(runner.run(tasks(points), labels, "fitting heads", wrap_as=FitError))
    else:
        raise FitError(f"linear heads: Newton's method did not finish in {_MAX_PASSES} passes over the data")
    draft.backbone = trained
    draft.actions = heads.fitted()


#: Passes over the data at most (Newton's steps and its halvings of a step, for every head at once).
_MAX_PASSES = 200


def _candidates(
    frame: Any,
    where: Partition,
    spec: RowSpec,
    offset: int,
    capacity: int,
    seed: list[int],
    seen: int,
    rate: float | None,
) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, tuple[float, float] | None]:
    """A partition's best ``capacity`` rows by key, their keys, and (under forgetting) the best row it discarded."""
    rows = checked_rows(frame, where, spec)
    features, rewards = features_of(rows, spec), np.asarray(rows.rewards, dtype=np.float64)
    rng = np.random.default_rng(seed)
    n = len(rewards)
    if rate is None:
        keys = rng.random(n)
        keep = np.argsort(keys, kind="stable")[:capacity]
        discarded = None
    else:
        seen_at = seen + offset + np.arange(n, dtype=np.float64)
        noise = rng.standard_exponential(n)
        order = np.argsort(-(seen_at * rate + noise), kind="stable")
        keep = order[:capacity]
        discarded = (float(seen_at[order[capacity]]), float(noise[order[capacity]])) if n > capacity else None
        keys = np.column_stack([seen_at, noise])
    return features[keep], rows.actions[keep].tolist(), rewards[keep], keys[keep], discarded


def _merged_candidates(candidates: list, n_features: int, rate: float) -> tuple[tuple, tuple[float, float] | None]:
    """Every partition's candidates as one sample, and the best discarded row of all."""
    context = np.concatenate([c[0] for c in candidates]) if candidates else np.zeros((0, n_features))
    actions = [a for c in candidates for a in c[1]]
    rewards = np.concatenate([c[2] for c in candidates])
    keys = np.concatenate([c[3] for c in candidates])
    discarded = [c[4] for c in candidates if c[4] is not None]
    best = max(discarded, key=lambda pair: pair[0] * rate + pair[1]) if discarded else None
    return (context, actions, rewards, keys), best


def _trained(backbone: Any, buffer: Any, family: Any, seed: int) -> Any:
    from pybandits.engines.backbone import trained_backbone

    return trained_backbone(backbone, buffer, family, np.random.default_rng(seed))


#: Rows whose trunk features a head pass holds at once (a partition is read in chunks of this many).
HEAD_CHUNK_ROWS = 65_536


def _head_terms(
    frame: Any, where: Partition, spec: RowSpec, offset: int, n_total: int, backbone: Any, points: dict
) -> dict[int, Any]:
    """Per action asked for: an exact head's sums (``points[j]`` None) or Newton's terms at ``points[j]``.

    With each, the summary of the action's rewards (count, sum, moments), for its statistics. The
    trunk's features are computed :data:`HEAD_CHUNK_ROWS` rows at a time and the terms summed over
    the chunks, so a task holds a chunk's features, not the partition's.
    """
    rows = checked_rows(frame, where, spec)
    played, context = action_indices(rows.actions, spec.action_ids), features_of(rows, spec)
    rewards = np.asarray(rows.rewards, dtype=np.float64)
    targets = spec.family.fitting_rewards(rewards)
    weights = np.ones(len(played))
    if spec.decay_factor is not None:
        position = offset + np.arange(len(played))
        weights = float(spec.decay_factor) ** (n_total - 1 - position).astype(np.float64)
    totals: dict[int, Any] = {}
    for start in range(0, len(played), HEAD_CHUNK_ROWS):
        chunk = slice(start, start + HEAD_CHUNK_ROWS)
        design = _with_bias(backbone.features(context[chunk]))
        for j, rows_of_j in _rows_by_action(played[chunk], len(spec.action_ids)):
            point = points.get(j, False)
            if point is False:
                continue
            at = rows_of_j + start
            if point is None:
                w = weights[at] if spec.decay_factor is not None else None
                terms = conjugate_sums(design[rows_of_j], targets[at], w)
            else:
                terms = newton_terms(spec.family, design[rows_of_j], targets[at], point, weights[at])
            totals[j] = terms if j not in totals else tuple(a + b for a, b in zip(totals[j], terms, strict=True))
    by_action = dict(_rows_by_action(played, len(spec.action_ids)))
    return {j: (terms, _reward_summary(rewards[by_action[j]])) for j, terms in totals.items()}


def _rows_by_action(played: np.ndarray, n_actions: int) -> list[tuple[int, np.ndarray]]:
    """Every played action's row positions, in row order."""
    order = np.argsort(played, kind="stable")
    bounds = np.searchsorted(played[order], np.arange(n_actions + 1))
    return [(j, order[bounds[j] : bounds[j + 1]]) for j in np.flatnonzero(np.diff(bounds)).tolist()]


def _reward_summary(rewards: np.ndarray) -> tuple[int, float, Any]:
    from pybandits.model.stats import Moments

    return len(rewards), float(rewards.sum()), Moments().added(rewards)


class _Heads:
    """Every head's fit over passes: exact heads take one pass of sums, Laplace heads step Newton's method."""

    def __init__(self, draft: Any, backbone: Any, old_buffer: Any, spec: RowSpec, n_new: int) -> None:
        self.spec, self.draft = spec, draft
        self.priors = {a: head.at_prior() for a, head in draft.actions.items()}
        self.exact = draft.family.linear_conjugate
        index = {a: j for j, a in enumerate(spec.action_ids)}
        # rows of earlier updates: the earlier buffer, each row weighted by the rows it stands for
        self.old: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        if len(old_buffer):
            design = _with_bias(backbone.features(old_buffer.context))
            targets = draft.family.fitting_rewards(old_buffer.rewards)
            weights = old_buffer.row_weights(spec.decay_factor)
            if weights is None:
                weights = np.full(len(old_buffer), old_buffer.n_seen / len(old_buffer))
            else:
                weights = weights * float(spec.decay_factor) ** n_new
            played = np.array([index[a] for a in old_buffer.actions])
            for j in np.unique(played).tolist():
                mask = played == j
                self.old[j] = (design[mask], targets[mask], weights[mask])
        self.summaries: dict[int, tuple[int, float, Any]] = {}
        self.results: dict[int, Any] = {}
        self.steps: dict[int, Any] = {}
        self.asked: dict[int, np.ndarray | None] = {}
        self.first = True

    def points(self) -> dict[int, np.ndarray | None] | None:
        """What the next pass computes, per action index; None when every head is done."""
        if self.first:
            if self.exact:
                self.asked = dict.fromkeys(range(len(self.spec.action_ids)))
            else:
                for j, action_id in enumerate(self.spec.action_ids):
                    prior = self.priors[action_id]
                    steps = newton_mode(prior.mean, _precision(prior.scale_factor), self.draft.actions[action_id].mean)
                    self.steps[j] = steps
                    self.asked[j] = next(steps)
            return dict(self.asked)
        return dict(self.asked) if self.asked else None

    def receive(self, parts: list[dict[int, Any]]) -> None:
        """Sum a pass's per-partition terms (and the earlier buffer's) and move every head on."""
        totals: dict[int, Any] = {}
        for part in parts:
            for j, (terms, summary) in part.items():
                totals[j] = terms if j not in totals else tuple(a + b for a, b in zip(totals[j], terms, strict=True))
                if self.first:
                    previous = self.summaries.get(j)
                    self.summaries[j] = summary if previous is None else _merged_summary(previous, summary)
        asked, self.asked = self.asked, {}
        for j, point in asked.items():
            terms = totals.get(j)
            if j in self.old:
                design, targets, weights = self.old[j]
                extra = (
                    conjugate_sums(design, targets, weights)
                    if point is None
                    else newton_terms(self.spec.family, design, targets, point, weights)
                )
                terms = extra if terms is None else tuple(a + b for a, b in zip(terms, extra, strict=True))
            if point is None:
                self.results[j] = terms
                continue
            if terms is None:  # no row at all: the prior
                self.results[j] = None
                continue
            try:
                self.asked[j] = self.steps[j].send(terms)
            except StopIteration as done:
                self.results[j] = done.value
        self.first = False

    def fitted(self) -> dict[str, Any]:
        """Every action's new head, with its statistics after the batch."""
        heads = {}
        for j, action_id in enumerate(self.spec.action_ids):
            prior, result = self.priors[action_id], self.results.get(j)
            if result is None:
                head = prior
            elif self.exact:
                head = prior.posterior_from_sums(*result)
            else:
                head = prior.laplace_posterior(*result)
            stats = self.draft.actions[action_id].stats
            if j in self.summaries:
                stats = stats.added_summary(*self.summaries[j])
            heads[action_id] = head.model_copy(update={"stats": stats})
        return heads


def _merged_summary(a: tuple[int, float, Any], b: tuple[int, float, Any]) -> tuple[int, float, Any]:
    return a[0] + b[0], a[1] + b[1], a[2].merged(b[2])
