"""Quantitative actions: a quantity in [0, 1]^d chosen with the action, by adaptive discretisation.

Playing a quantitative action also means choosing a quantity ``q`` in [0, 1]^d: a discount level,
a dose, a normalised price. :class:`Zooming` partitions the box into segments (axis-aligned boxes),
each with a conjugate posterior of its quantities' expected reward (``Beta`` for Bernoulli rewards,
``NormalInverseGamma`` for Gaussian ones), and cuts finer where the data shows the reward changing,
after the zooming idea of Kleinberg, Slivkins and Upfal: Thompson sampling plays the promising
segments most, so they collect data fastest and are the ones cut. :meth:`Zooming.draw` draws an
expected reward per segment and a candidate quantity uniform in it; a decision plays the candidate
of the best draw (or of the best ``price(q) * draw``). Candidates being uniform, a segment's
posterior learns its average reward.

**The split rule.** Besides its posterior, a segment keeps, from the rewards observed since it was
created, contrasts along each axis: the posteriors of its lower and upper halves, and of its middle
half (the two central quarters). It splits at the midpoint of an axis when its halves hold at least
``min_samples_to_split`` rewards and a contrast along that axis is convincing: the Bayes factor of
"two means" against "one mean" reaches ``split_evidence`` for the lower against the upper half (a
slope, a step) or for the middle against the outer quarters (a bump or a dip, which leaves centred
halves equal); the strongest contrast chooses the axis. Both are in closed form
(:func:`log_bayes_factor`): updates are deterministic. Where the reward is flat a Bayes factor
shrinks like ``1 / sqrt(n)``, and under the null it is a nonnegative martingale, so a flat segment
ever splits, however often tested, with chance about ``2 d / split_evidence`` (Ville's inequality,
``2 d`` contrasts); where the reward changes it grows exponentially in ``n``. Optional
``zoom_after`` also splits a segment along its longest side ``w`` (``axis``) once
``n w^2 >= zoom_after``, whatever the data (zooming's activation rule: the confidence radius,
~ 1/sqrt(n), below the width). The strongest evidence splits first while there is room
(``n_max_segments``), then splitting stops. The children take the halves' posteriors (their half's
data, from the prior) and start fresh contrasts; what the parent had inherited from its own parent
belongs to neither half and is dropped (:attr:`Zooming.n_observations` counts what is held now).

For Gaussian rewards both hypotheses share one noise variance (the prior's ``kappa``, ``alpha`` and
``beta``) and the means' prior is centred on the pooled mean, so the test ignores ``mu``; give a
``beta`` near the rewards' variance.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> q = rng.random((400, 1))
>>> model = Zooming.cold_start().updated(q, (rng.random(400) < np.where(q[:, 0] < 0.5, 0.2, 0.8)).astype(int))
>>> model.summary()
'2 segments, 400 observations: [0, 0.5) n=183 mean=0.178; [0.5, 1] n=217 mean=0.799'
>>> values, quantities = model.draw(3, rng)
>>> values.shape, quantities.shape
((3, 2), (3, 2, 1))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from pydantic import ConfigDict, Field, ValidationError, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.boundary.validation import check_positive_int, describe, pydantic_error
from pybandits.model import regions
from pybandits.model.beta import Beta
from pybandits.model.cost import Cost
from pybandits.model.display import Displayed
from pybandits.model.family import Bernoulli, Gaussian, RewardFamily
from pybandits.model.segments import Posterior, Segment, log_bayes_factor

__all__ = ["Segment", "Zooming", "log_bayes_factor"]

_FAMILIES: dict[str, type[RewardFamily]] = {"bernoulli": Bernoulli, "gaussian": Gaussian}


class Zooming(Displayed, PyBanditsBaseModel):
    """A quantitative action: a partition of [0, 1]^d into segments, each with its reward posterior.

    Attributes
    ----------
    dimension : int, default 1
        ``d``, the number of coordinates of a quantity.
    segments : list of Segment
        A partition of [0, 1]^d: boxes inside it, of total volume 1, not overlapping.
    n_max_segments : int, default 16
        The most segments there may be.
    cost : float, optional
        Cost of playing the action, for cost-control bandits.
    prior : Beta or NormalInverseGamma, default Beta()
        The posterior before any reward: the reward family, and where fresh contrasts start.
    split_evidence : float, default 20
        The Bayes factor a contrast needs for a split (> 1; module notes).
    min_samples_to_split : int, default 20
        The rewards a segment's halves need before a split is considered.
    zoom_after : int, optional
        When set, a segment whose halves hold ``n`` rewards also splits along its longest side ``w``
        (``axis``) once ``n w^2 >= zoom_after``, whatever the data (zooming's activation rule).

    Examples
    --------
    >>> Zooming.cold_start(dimension=2, family="gaussian", prior={"mu": 10.0}).summary()
    '1 segments, 0 observations: [0, 1]x[0, 1] n=0 mean=10'
    """

    model_config = ConfigDict(frozen=True)

    dimension: int = Field(default=1, ge=1)
    segments: list[Segment] = Field(min_length=1)
    n_max_segments: int = Field(default=16, ge=1)
    cost: Cost | None = None
    prior: Posterior = Beta()
    split_evidence: float = Field(default=20.0, gt=1.0, allow_inf_nan=False)
    min_samples_to_split: int = Field(default=20, ge=1)
    zoom_after: int | None = Field(default=None, ge=1)

    #: The settings ``cold_start`` takes as keywords and ``grown`` takes from its template.
    split_settings: ClassVar[tuple[str, ...]] = ("split_evidence", "min_samples_to_split", "zoom_after")

    @model_validator(mode="after")
    def _check_partition(self) -> Zooming:
        low, high = self._corners()
        if low.shape[1] != self.dimension or len(low) > self.n_max_segments:
            raise ValueError(
                f"segments: expected at most n_max_segments={self.n_max_segments} boxes of dimension "
                f"{self.dimension}, got {len(low)} of dimension {low.shape[1]}"
            )
        volume = float(np.prod(high - low, axis=1).sum())
        overlaps = [
            (i, i + 1 + int(j))
            for i in range(len(low) - 1)
            for j in np.flatnonzero(
                np.all(np.minimum(high[i], high[i + 1 :]) > np.maximum(low[i], low[i + 1 :]) + 1e-12, axis=1)
            )
        ]
        if abs(volume - 1.0) > 1e-9 or overlaps:
            raise ValueError(
                f"segments: expected a partition of [0, 1]^d, total volume 1 and no overlap, got volume "
                f"{volume:.12g}{f' and segments {overlaps[0]} overlapping' if overlaps else ''}"
            )
        if self.prior.n_observations != 0:
            raise ValueError(f"prior: expected a posterior with no observations, got {self.prior!r}")
        kinds = {type(s.posterior).__name__ for s in self.segments} - {type(self.prior).__name__}
        if kinds:
            raise ValueError(f"segments: expected posteriors like the prior, {type(self.prior).__name__}, got {kinds}")
        return self

    @classmethod
    def cold_start(
        cls,
        dimension: int = 1,
        family: str | RewardFamily | type[RewardFamily] = "bernoulli",
        n_max_segments: int = 16,
        cost: float | None = None,
        prior: Mapping[str, float] | None = None,
        **split_settings: Any,
    ) -> Zooming:
        """One segment, the whole box, at the prior: Beta(1, 1), or ``NormalInverseGamma(**prior)``.

        ``family`` is ``"bernoulli"``, ``"gaussian"`` or a reward family (object or class);
        ``split_settings`` among ``split_evidence``, ``min_samples_to_split`` and ``zoom_after``.
        """
        dimension = check_positive_int(dimension, "dimension")
        kinds = [k for k, f in _FAMILIES.items() if family is f or isinstance(family, f)]
        name = family.lower() if isinstance(family, str) else next(iter(kinds), None)
        if name not in _FAMILIES:
            raise ValueError(f"family: expected 'bernoulli', 'gaussian' or a reward family, got {describe(family)}")
        conjugate = _FAMILIES[name].conjugate
        if prior is not None and not (conjugate.prior_parameters and isinstance(prior, Mapping)):
            expected = f"a mapping of {', '.join(conjugate.prior_parameters)}" if conjugate.prior_parameters else "None"
            raise TypeError(f"prior: {name} rewards take {expected}, got {describe(prior)}")
        unknown = sorted(set(split_settings) - set(cls.split_settings))
        if unknown:
            raise TypeError(f"split settings: expected among {', '.join(cls.split_settings)}, got unknown {unknown}")
        try:
            start = conjugate(**(prior or {}))
        except ValidationError as error:
            raise pydantic_error(error, "prior") from None
        box = Segment.fresh([0.0] * dimension, [1.0] * dimension, start, start)
        return cls(
            dimension=dimension, segments=[box], n_max_segments=n_max_segments, cost=cost, prior=start, **split_settings
        )

    def _corners(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([s.low for s in self.segments]), np.array([s.high for s in self.segments])

    @property
    def n_observations(self) -> int:
        """Rewards the segments' posteriors hold (a split drops what the parent had inherited)."""
        return round(sum(s.n_observations for s in self.segments))

    @property
    def means(self) -> np.ndarray:
        """Posterior mean of every segment's expected reward, shape ``(n_segments,)``."""
        return np.array([s.posterior.mean for s in self.segments])

    def best_segment(self) -> Segment:
        """The segment holding most rewards (the first of equals): the most played, under Thompson sampling."""
        return max(self.segments, key=lambda s: s.n_observations)

    def summary(self) -> str:
        """One line: the numbers of segments and rewards, and every segment's box, count and mean."""
        parts = [f"{s.describe()} n={s.n_observations:g} mean={s.posterior.mean:.3g}" for s in self.segments]
        return f"{len(self.segments)} segments, {self.n_observations} observations: " + "; ".join(parts)

    def segment_index(self, quantities: Any) -> np.ndarray:
        """The segment of every row of ``quantities`` (shape ``(n, d)``), shape ``(n,)``."""
        q = self._check_quantities(quantities)
        low, high = self._corners()
        upper = np.where(high >= 1.0, np.inf, high)
        index = np.full(len(q), -1)
        for j in range(len(low)):
            index[np.all((q >= low[j]) & (q < upper[j]), axis=1)] = j
        lost = index < 0  # a point on rounding errors between faces: the nearest box
        gap = np.maximum(np.maximum(low[None] - q[lost][:, None], q[lost][:, None] - high[None]), 0.0)
        index[lost] = np.argmin((gap**2).sum(axis=2), axis=1)
        return index

    def draw(
        self, n_samples: int, rng: np.random.Generator, forbidden: list[tuple[list[float], list[float]]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Thompson draws for ``n_samples`` decisions: an expected reward and a candidate quantity per segment.

        Parameters
        ----------
        n_samples : int
        rng : numpy.random.Generator
        forbidden : list of (low, high), optional
            Closed boxes of quantities that may not be played. A segment's candidate is then uniform
            on its allowed part (the segment minus the boxes, :mod:`pybandits.model.regions`),
            exactly: never in a box, never refused while some quantity of the segment is allowed.
            A segment the boxes cover has the value ``-inf`` in every sample.

        Returns
        -------
        values : numpy.ndarray
            Shape ``(n_samples, n_segments)``: expected rewards drawn from the segments' posteriors.
        quantities : numpy.ndarray
            Shape ``(n_samples, n_segments, d)``: candidates uniform in their segment (in its allowed
            part). A covered segment's candidate, with the value ``-inf``, is an allowed quantity of
            another segment: no candidate is ever forbidden (a price function never sees one).

        Examples
        --------
        >>> values, q = Zooming.cold_start().draw(4, np.random.default_rng(0), forbidden=[([0.0], [0.6])])
        >>> bool(np.all(q > 0.6)), bool(np.isfinite(values).all()), values.shape, q.shape
        (True, True, (4, 1), (4, 1, 1))
        """
        n_samples = check_positive_int(n_samples, "n_samples")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng: expected a numpy.random.Generator, got {describe(rng)}")
        box_low, box_high = self._check_forbidden(forbidden)
        allowed = None
        if len(box_low):  # checked before any draw: a refusal leaves the generator as it was
            allowed = regions.allowed_boxes(np.zeros(self.dimension), np.ones(self.dimension), box_low, box_high)
        conjugate = type(self.prior)
        names = conjugate.draw_parameters
        values = conjugate.draw(
            {k: np.array([getattr(s.posterior, k) for s in self.segments], float) for k in names}, n_samples, rng
        )
        low, high = self._corners()
        if allowed is None:
            return values, low + (high - low) * rng.random((n_samples, *low.shape))
        return self._allowed_candidates(values, allowed, n_samples, rng)

    def _allowed_candidates(
        self, values: np.ndarray, allowed: tuple[np.ndarray, np.ndarray], n_samples: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidates uniform on each segment's allowed part (``allowed``: the disjoint boxes the regions leave)."""
        low, high = self._corners()
        choose = rng.random((n_samples, len(low)))
        place = rng.random((n_samples, *low.shape))
        if not len(allowed[0]):  # the boxes cover every segment
            return np.full_like(values, -np.inf), np.broadcast_to(low, place.shape).copy()
        quantities = np.broadcast_to(allowed[0][0], place.shape).copy()  # an allowed quantity, even where covered
        covered = np.zeros(len(low), dtype=bool)
        for j in range(len(low)):
            pieces = regions.clipped(*allowed, *regions.closed_segment(low[j], high[j]))
            covered[j] = not len(pieces[0])
            if not covered[j]:
                quantities[:, j] = regions.uniform_in(*pieces, choose[:, j], place[:, j])
        return np.where(covered, -np.inf, values), quantities

    def at_prior(self) -> Zooming:
        """One segment, the whole box, at the prior; the same settings and cost (a restart after a change)."""
        box = Segment.fresh([0.0] * self.dimension, [1.0] * self.dimension, self.prior, self.prior)
        return self.model_copy(update={"segments": [box]})

    def forgotten(self, weight: float) -> Zooming:
        """Every segment's posterior and contrasts raised to ``weight``, times the prior to ``1 - weight``.

        Forgetting (:mod:`pybandits.model.forgetting`); the partition is kept.
        """
        if weight == 1.0:
            return self
        conjugate, n_halves = type(self.prior), len(self.segments[0].halves)
        flat = [m for s in self.segments for m in (s.posterior, *s.halves, *s.middles)]
        forgotten = iter(conjugate.forgotten_many(flat, self.prior, weight))
        segments = []
        for s in self.segments:
            posterior = next(forgotten)
            halves = [next(forgotten) for _ in range(n_halves)]
            middles = [next(forgotten) for _ in s.middles]
            segments.append(s._replaced(posterior=posterior, halves=halves, middles=middles))
        return self._replaced(segments=segments)

    def updated(self, quantities: Any, rewards: Any, weights: np.ndarray | None = None) -> Zooming:
        """The model after the rewards of the played ``quantities`` (shape ``(n, d)``, or ``(n,)`` when d is 1).

        Every reward goes to its segment's posterior and contrasts; then the segments the split rule
        picks split (module notes). Rewards: 0/1 or fractions in [0, 1] (Beta), real (Normal-Inverse-Gamma).
        ``weights``: each row's weight under forgetting (:mod:`pybandits.model.forgetting`).
        """
        q = self._check_quantities(quantities)
        if hasattr(rewards, "__len__") and not isinstance(rewards, str | bytes) and len(rewards) != len(q):
            raise ValueError(f"rewards: expected one reward per row of quantities ({len(q)}), got {len(rewards)}")
        observed = (Bernoulli() if isinstance(self.prior, Beta) else Gaussian()).check_rewards(rewards, len(q))
        if len(q) == 0:
            return self
        where, d = self.segment_index(q), self.dimension
        low, high = self._corners()
        position = (q - low[where]) / (high - low)[where]  # in [0, 1) per axis
        central = (position >= 0.25) & (position < 0.75)
        contrast = where[:, None] * d + np.arange(d)  # a segment's contrasts along each axis
        per_axis = None if weights is None else np.broadcast_to(weights[:, None], q.shape)
        posteriors = self._updated_models([s.posterior for s in self.segments], where, observed, weights)
        halves = self._updated_models(
            [h for s in self.segments for h in s.halves],
            (2 * contrast + (position >= 0.5)).ravel(),
            np.repeat(observed, d),
            None if weights is None else np.repeat(weights, d),
        )
        middles = self._updated_models(
            [m for s in self.segments for m in s.middles],
            contrast[central],
            np.broadcast_to(observed[:, None], q.shape)[central],
            None if per_axis is None else per_axis[central],
        )
        segments = [
            s.model_copy(
                update={
                    "posterior": p,
                    "halves": halves[2 * d * j : 2 * d * (j + 1)],
                    "middles": middles[d * j : d * (j + 1)],
                }
            )
            for j, (s, p) in enumerate(zip(self.segments, posteriors, strict=True))
        ]
        return self.model_copy(update={"segments": self._split(segments)})

    def _updated_models(
        self, models: list[Posterior], played: np.ndarray, rewards: np.ndarray, weights: np.ndarray | None = None
    ) -> list[Posterior]:
        conjugate, new = type(self.prior), list(models)
        stats = conjugate.batch_stats(played, rewards, len(models), weights)
        rows = np.flatnonzero(np.bincount(played, minlength=len(models))).tolist()
        for j, model in zip(
            rows, conjugate.updated_many([models[j] for j in rows], *(s[rows] for s in stats)), strict=True
        ):
            new[j] = model
        return new

    def _split(self, segments: list[Segment]) -> list[Segment]:
        """The segments after the splits the rule asks for, strongest evidence first, within the bound."""
        ranked = []
        for j, s in enumerate(segments):
            n = s.halves[0].n_observations + s.halves[1].n_observations
            if n >= self.min_samples_to_split:
                evidence, axis = s.evidence(self.prior)
                if evidence >= math.log(self.split_evidence):
                    ranked.append((-evidence, j, axis))
                elif self.zoom_after is not None and n * (s.high[s.axis] - s.low[s.axis]) ** 2 >= self.zoom_after:
                    ranked.append((-evidence, j, s.axis))
        chosen = {j: axis for _, j, axis in sorted(ranked)[: self.n_max_segments - len(segments)]}
        return [c for j, s in enumerate(segments) for c in (s.children(self.prior, chosen[j]) if j in chosen else [s])]

    def grown(self, template: Zooming, action_id: str = "") -> Zooming:
        """The learned segments with the template's ``n_max_segments``, cost and split settings (transfer).

        The prior stays this model's, which the learned posteriors started from.

        Examples
        --------
        >>> Zooming.cold_start(n_max_segments=4).grown(Zooming.cold_start(n_max_segments=32, cost=2.0)).n_max_segments
        32
        """
        if not isinstance(template, Zooming) or type(template.prior) is not type(self.prior):
            kind = (
                f"{type(template.prior).__name__} posteriors"
                if isinstance(template, Zooming)
                else type(template).__name__
            )
            raise TypeError(
                f"new_mab: expected a Zooming action with {type(self.prior).__name__} posteriors like current_mab's "
                f"for action {action_id!r}, got {kind}"
            )
        if template.dimension != self.dimension or template.n_max_segments < len(self.segments):
            raise ValueError(
                f"new_mab: expected for action {action_id!r} quantities of dimension {self.dimension} and "
                f"n_max_segments >= its {len(self.segments)} learned segments, got dimension {template.dimension} "
                f"and n_max_segments {template.n_max_segments}"
            )
        return self.model_copy(
            update={k: getattr(template, k) for k in ("n_max_segments", "cost", *self.split_settings)}
        )

    def _check_quantities(self, quantities: Any) -> np.ndarray:
        expected = f"numbers in [0, 1], shape (n, {self.dimension})"
        if isinstance(quantities, str | bytes) or not hasattr(quantities, "__len__"):
            raise TypeError(f"quantities: expected {expected}, got {describe(quantities)}")
        try:
            q = np.asarray(quantities, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"quantities: expected {expected}, got {describe(quantities)}") from None
        q = q.reshape(0, self.dimension) if q.size == 0 else q[:, None] if q.ndim == 1 and self.dimension == 1 else q
        if q.ndim != 2 or q.shape[1] != self.dimension:
            raise ValueError(f"quantities: expected {expected}, got shape {q.shape}")
        bad = ~((q >= 0.0) & (q <= 1.0))  # NaN included
        if bad.any():
            raise ValueError(f"quantities: expected {expected}, got {q[bad][:5].tolist()}")
        return q

    def _check_forbidden(self, forbidden: Any) -> tuple[np.ndarray, np.ndarray]:
        """The forbidden boxes' lower and upper corners, each of shape ``(n_boxes, d)``."""
        d, message = self.dimension, f"forbidden: expected a list of boxes (low, high) of {self.dimension} numbers"
        given = () if forbidden is None else forbidden
        if isinstance(given, str | bytes | Mapping) or not hasattr(given, "__iter__"):
            raise TypeError(f"{message}, got {describe(forbidden)}")
        try:
            boxes = np.array([[np.ravel(low), np.ravel(high)] for low, high in given], dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{message}, got {describe(forbidden)}") from None
        boxes = boxes.reshape(0, 2, d) if boxes.size == 0 else boxes
        if boxes.ndim != 3 or boxes.shape[1:] != (2, d) or not np.all(boxes[:, 0] <= boxes[:, 1]):  # NaN refused
            raise ValueError(f"{message}, low <= high, got {describe(forbidden)}")
        return boxes[:, 0], boxes[:, 1]
