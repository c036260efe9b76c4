"""What every stochastic bandit shares: one ``cold_start``, Thompson sampling from conjugate posteriors, updates.

The concrete classes are in :mod:`pybandits.smab`; each declares only its strategy (the type of its
``strategy`` field) and its reward family (``family_type``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np
from pydantic import ValidationError, model_validator

from pybandits.bandits.base import BaseMab, reads_one_state
from pybandits.base import ActionId
from pybandits.boundary import quantities as _quantities
from pybandits.boundary import validation as check
from pybandits.boundary.rows import rows_as_dicts
from pybandits.model.beta import Beta, BetaMO
from pybandits.model.family import Bernoulli, RewardFamily
from pybandits.model.forgetting import carried_weight, row_weights
from pybandits.model.nig import NormalInverseGamma, NormalInverseGammaMO
from pybandits.model.specs import QuantitySpec
from pybandits.model.zooming import Zooming

__all__ = ["BaseSmab"]


class BaseSmab(BaseMab):
    """Shared behaviour of the stochastic bandits: Thompson sampling from conjugate posteriors.

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=0)
    >>> isinstance(mab, BaseSmab), mab.n_objectives
    (True, None)
    """

    actions: dict[ActionId, Beta | BetaMO | NormalInverseGamma | NormalInverseGammaMO | Zooming]
    #: Gaussian classes: the Normal-Inverse-Gamma prior given at cold start (None: the defaults), to
    #: which forgetting returns; Bernoulli classes' prior is Beta(1, 1).
    prior: dict[str, float] | None = None

    #: The reward family of the class's actions.
    family_type: ClassVar[type[RewardFamily]] = Bernoulli
    bandit_kind: ClassVar[str] = "stochastic"

    @model_validator(mode="after")
    def _check_models(self) -> BaseSmab:
        family = self.family_type
        expected = family.conjugate_mo if self.strategy_type.multi_objective else family.conjugate
        wrong = sorted(
            {
                type(model).__name__
                for model in self.actions.values()
                if not isinstance(model.prior if isinstance(model, Zooming) else model, expected)
            }
        )
        if wrong:
            raise ValueError(
                f"actions: {type(self).__name__} expects {expected.__name__} actions (or Zooming ones of "
                f"{expected.__name__} segments, single-objective classes), got {wrong}"
            )
        if self.strategy_type.multi_objective:
            counts = {model.n_objectives for model in self.actions.values()}
            if len(counts) > 1:
                raise ValueError(
                    f"actions: expected the same number of objectives for every action, got {sorted(counts)}"
                )
        return self

    @model_validator(mode="after")
    def _check_prior_field(self) -> BaseSmab:
        if self.prior is not None:
            try:
                type(self)._check_prior(self.prior)
            except TypeError as error:
                raise ValueError(str(error)) from None
        return self

    @property
    def conjugate_prior(self) -> Beta | NormalInverseGamma:
        """The cold-start belief of an ordinary action (of each objective, for multi-objective bandits)."""
        return self.family_type.conjugate(**(self.prior or {}))

    @property
    def n_objectives(self) -> int | None:
        """Number of objectives of a multi-objective bandit, None for a single-objective one."""
        return next(iter(self.actions.values())).n_objectives if self.strategy_type.multi_objective else None

    @property
    def family(self) -> RewardFamily:
        """The reward family."""
        return self.family_type()

    @classmethod
    def cold_start(
        cls,
        action_ids: Iterable[str] | Mapping[str, float] | None = None,
        strategy: Any = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
        *,
        action_ids_cost: Mapping[str, float] | None = None,
        n_objectives: int | None = None,
        prior: Mapping[str, float] | None = None,
        quantitative_action_ids: Mapping[str, int] | Iterable[str] | None = None,
        quantitative_kwargs: Mapping[str, Any] | None = None,
        action_ids_price: Mapping[str, Any] | None = None,
        decay_factor: float | None = None,
        default_action_fraction: float | None = None,
        limited_actions: Iterable[str] | None = None,
        limited_action_fraction: float | None = None,
        change_detection: bool | Mapping[str, Any] | None = None,
    ) -> Self:
        """A bandit whose every action starts at the prior.

        Parameters
        ----------
        action_ids : collection of str
            Unique, non-empty action ids (a set or a list); stored in sorted order. Cost-control
            (CC) classes take ``action_ids_cost`` instead (or a mapping of costs here).
        strategy : Strategy, optional
            An instance of the class's strategy (see the module table); its defaults otherwise.
        epsilon, default_action, random_seed
            See :class:`~pybandits.bandits.base.BaseMab`.
        action_ids_cost : mapping, optional
            ``{action_id: cost}``, costs finite and >= 0: cost-control classes only.
        n_objectives : int, optional
            Posteriors per action: multi-objective (MO) classes only.
        prior : mapping, optional
            Gaussian classes only: ``mu``, ``kappa``, ``alpha``, ``beta`` of the
            Normal-Inverse-Gamma prior (:class:`~pybandits.model.nig.NormalInverseGamma`).
            Bernoulli classes start at Beta(1, 1).
        quantitative_action_ids : mapping or collection of str, optional
            Actions played with a quantity in ``[0, 1]^d``: ``{action_id: d}``, or ids for ``d = 1``
            (beside ``action_ids``, which may then be empty). Each is a
            :class:`~pybandits.model.zooming.Zooming` model: adaptive segments of its quantity space,
            each with the class's conjugate posterior. ``predict`` then returns
            :class:`~pybandits.boundary.quantities.ActionChoice` tuples; see :mod:`pybandits.boundary.quantities`.
            Single-objective classes only.
        quantitative_kwargs : mapping, optional
            Settings of every quantitative action's model: ``n_max_segments`` (default 16),
            ``split_evidence``, ``min_samples_to_split``, ``zoom_after`` (see
            :class:`~pybandits.model.zooming.Zooming`).
        action_ids_price : mapping, optional
            Dynamic-pricing classes only (:class:`SmabBernoulliDP`): ``{action_id: price}``, a
            number > 0, or for a quantitative action a function of its quantities (array
            ``(n, d)`` to ``n`` prices > 0).
        change_detection : bool or mapping, optional
            True (the defaults), or ``{"delta": ..., "memory_size": ...}``: the bandit keeps the
            last ``memory_size`` rows of every action and tests each update for a change in
            what the action's rows show (:mod:`pybandits.bandits.change`, ``docs/drift.md``); on
            a change the action restarts from its prior, refitted on the rows after the change.
        decay_factor : float, optional
            Forgetting, in (0, 1]: see :class:`~pybandits.bandits.base.BaseMab` and
            :mod:`pybandits.model.forgetting`.
        default_action_fraction : float, optional
            In (0, 1], with ``epsilon`` and ``default_action``: the share of the exploring rows that
            play the default action; the others explore uniformly among the other allowed actions.
        limited_actions : collection of str, optional
            Actions offered only on a share of the prediction rows (not the default action, not
            every action); with ``limited_action_fraction``.
        limited_action_fraction : float, optional
            In [0, 1]: the probability, drawn per row, that the limited actions are offered. See
            :class:`~pybandits.bandits.base.BaseMab` and ``docs/availability.md``.
        """
        quantitative = _quantities.check_quantitative_ids(quantitative_action_ids, action_ids)
        if quantitative and action_ids is None and action_ids_cost is None:
            action_ids = []
        costs, n_objectives = cls._check_actions_and_objectives(
            action_ids, action_ids_cost, n_objectives, extra=list(quantitative)
        )
        quantities = QuantitySpec.from_arguments(
            cls.__name__,
            quantitative,
            quantitative_kwargs,
            n_objectives,
            allowed={"n_max_segments", *Zooming.split_settings},
        )
        strategy, epsilon, seed, availability = cls._check_cold_start(
            list(costs),
            strategy,
            epsilon,
            default_action,
            random_seed,
            decay_factor,
            change_detection,
            row_width=2 * (n_objectives or 1) + max(quantitative.values(), default=0),
            default_action_fraction=default_action_fraction,
            limited_actions=limited_actions,
            limited_action_fraction=limited_action_fraction,
        )
        prior_values = cls._check_prior(prior)
        family = cls.family_type
        if n_objectives is None:
            actions = {
                a: cls._quantitative_model(quantitative[a], cost, prior, quantities.settings)
                if a in quantitative
                else family.conjugate(**prior_values, cost=cost)
                for a, cost in costs.items()
            }
        else:
            actions = {
                a: family.conjugate_mo.cold_start(n_objectives, cost, **prior_values) for a, cost in costs.items()
            }
        prices, functions = cls._check_price_argument(action_ids_price, costs, quantitative)
        mab = cls(
            actions=actions,
            strategy=strategy,
            epsilon=epsilon,
            default_action=default_action,
            **availability,
            random_seed=seed,
            action_prices=prices,
            prior=prior_values or None,
        )
        return mab.with_price_functions(functions) if functions else mab

    @classmethod
    def _quantitative_model(
        cls, dimension: int, cost: float | None, prior: Mapping[str, float] | None, settings: Mapping[str, Any]
    ) -> Zooming:
        """A quantitative action's cold model; a setting it refuses is named as part of ``quantitative_kwargs``."""
        try:
            return Zooming.cold_start(dimension, cls.family_type, cost=cost, prior=prior or None, **settings)
        except ValidationError as error:
            raise check.pydantic_error(error, "quantitative_kwargs") from None

    @classmethod
    def _check_prior(cls, prior: Mapping[str, float] | None) -> dict[str, float]:
        if prior is None:
            return {}
        conjugate = cls.family_type.conjugate
        keys = conjugate.prior_parameters
        if not keys:
            raise TypeError(
                f"prior: {cls.__name__} has {cls.family_type.__name__} rewards, whose {conjugate.__name__} prior "
                f"takes no settings; expected None, got {check.describe(prior)}"
            )
        if not isinstance(prior, Mapping):
            raise TypeError(f"prior: expected a mapping with keys among {', '.join(keys)}, got {check.describe(prior)}")
        unknown = sorted(set(prior) - set(keys))
        if unknown:
            raise ValueError(f"prior: expected keys among {', '.join(keys)}, got unknown {unknown}")
        try:
            conjugate(**prior)
        except ValidationError as error:
            raise check.pydantic_error(error, "prior") from None
        return dict(prior)

    @reads_one_state
    def predict(
        self, n_samples: int = 1, forbidden_actions: Iterable[str] | Mapping[str, Any] | None = None
    ) -> tuple[list[Any], list[dict[str, Any]]]:
        """Choose ``n_samples`` actions by Thompson sampling.

        Parameters
        ----------
        n_samples : int, default 1
            Number of independent decisions.
        forbidden_actions : collection of str, or mapping, optional
            Actions that may not be chosen; at least one action must stay allowed. A mapping
            ``{action_id: None or [(low, high), ...]}`` forbids whole actions (None) or boxes of a
            quantitative action's quantities.

        Returns
        -------
        actions : list of str, or of ActionChoice
            The chosen action of every decision; for a bandit with quantitative actions an
            :class:`~pybandits.boundary.quantities.ActionChoice` ``(action_id, quantity)``, the quantity
            None for an ordinary action.
        probs or sampled_means : list of dict
            For every decision, the sampled expected reward of every allowed action (the success
            probability for Bernoulli rewards, the mean for Gaussian ones; a list with one value
            per objective for multi-objective bandits); for a quantitative action, at the
            quantity that represents it in that decision (its best candidate).
        """
        n_samples = check.check_positive_int(n_samples, "n_samples")
        allowed, regions = self._allowed_and_regions(forbidden_actions)
        per_sample = 300 + 120 * len(allowed) * (self.n_objectives or 1)  # draws, and a dict of Python floats per row
        check.check_memory("n_samples", n_samples, per_sample * n_samples, f"about {per_sample} bytes per sample")
        sampled, quantities, prices = self._draw(allowed, n_samples, regions)
        chosen = self._select_indices(sampled, allowed, prices)
        return self._choices(allowed, chosen, quantities), rows_as_dicts(allowed, sampled)

    def _draw(
        self, allowed: list[str], n_samples: int, regions: Mapping[str, list] | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
        """Sampled expected rewards ``(n_samples, n_allowed)``, quantitative actions' quantities, and prices.

        Ordinary actions draw from their conjugate posteriors at once; a quantitative action draws
        every segment and is represented by its best candidate (see ``BaseMab._best_candidates``).
        Prices are returned for dynamic pricing only.
        """
        dimensions = self.quantity_dimensions
        quantitative = [j for j, a in enumerate(allowed) if a in dimensions]
        if not quantitative:
            return self._sample([self.actions[a] for a in allowed], n_samples), {}, None

        def draw_candidates(j: int) -> tuple[np.ndarray, np.ndarray, None]:
            boxes = [(low.tolist(), high.tolist()) for low, high in (regions or {}).get(allowed[j], [])]
            values, points = self.actions[allowed[j]].draw(n_samples, self._rng, forbidden=boxes or None)
            return values, points, None

        return self._draw_with_candidates(
            allowed,
            n_samples,
            quantitative,
            lambda indices: self._sample([self.actions[allowed[j]] for j in indices], n_samples),
            draw_candidates,
        )

    @reads_one_state
    def action_probabilities(
        self, context: None = None, n_draws: int = 1000, forbidden_actions: Iterable[str] | None = None
    ) -> tuple[list[str], np.ndarray]:
        """The probability that the bandit plays each action (its propensities).

        Estimated by repeating the bandit's own selection ``n_draws`` times: Thompson draws and the
        strategy, vectorised; epsilon-greedy exploration (and the default action) is mixed in
        exactly. The bandit's random generator advances; nothing else changes.

        Parameters
        ----------
        context : None
            Stochastic bandits have no context (one row is returned).
        n_draws : int, default 1000
            Selections drawn; the standard error of a probability ``p`` is ``sqrt(p (1 - p) / n_draws)``.
        forbidden_actions : collection of str, optional
            Actions that may not be played (probability 0).

        Returns
        -------
        action_ids : list of str
            The bandit's actions, the order of the columns.
        probabilities : numpy.ndarray
            Shape ``(1, n_actions)``; the row sums to 1.

        Examples
        --------
        >>> from pybandits.smab import SmabBernoulli
        >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, epsilon=0.2, default_action="b", random_seed=0)
        >>> mab.update(actions=["a"] * 20, rewards=[1] * 20)
        >>> ids, p = mab.action_probabilities(n_draws=2000)  # b: explored 20% of the time, rarely drawn best
        >>> ids, p.round(1).tolist()
        (['a', 'b'], [[0.8, 0.2]])
        """
        if context is not None:
            raise TypeError(
                f"context: a stochastic bandit takes no context, expected None, got {check.describe(context)}"
            )
        n_draws = check.check_positive_int(n_draws, "n_draws")
        allowed, regions = self._allowed_and_regions(forbidden_actions)
        per_draw = 32 * len(allowed) * (self.n_objectives or 1)  # draws, prices and choices as arrays
        check.check_memory("n_draws", n_draws, per_draw * n_draws, f"about {per_draw} bytes per draw")
        sampled, _, prices = self._draw(allowed, n_draws, regions)
        return list(self.actions), self._choice_probabilities(sampled, allowed, 1, prices)

    def _sample(self, models: list[Any], n_samples: int) -> np.ndarray:
        conjugate = self.family_type.conjugate
        params = {name: np.array([getattr(m, name) for m in models], dtype=float) for name in conjugate.draw_parameters}
        return conjugate.draw(params, n_samples, self.__pydantic_private__["_rng"])

    def update(self, actions: Sequence[Any], rewards: Sequence, quantities: Sequence[Any] | None = None) -> None:
        """Add the observed rewards to the played actions' posteriors.

        Parameters
        ----------
        actions : sequence of str (or of ActionChoice)
            The action played in every row; ``predict``'s choices may be passed back as they are.
        rewards : sequence of numbers
            The reward of every row: 0/1 (booleans accepted, or fractions in [0, 1]) for Bernoulli
            bandits, real numbers for Gaussian ones; for multi-objective bandits a row of
            ``n_objectives`` rewards per played action.
        quantities : sequence, optional
            The quantity of every row (``d`` numbers in [0, 1] for a quantitative action, None for
            an ordinary one); taken from ``actions`` when they are choices and this is None.

        Notes
        -----
        The input is validated before anything changes: a rejected update leaves the bandit as it
        was. An update with no rows is a no-op. The update is exact (conjugate) and vectorised:
        per action sums through ``numpy.bincount``, one new model per played action; a quantitative
        action's segments take their rows' rewards (and may split, :mod:`pybandits.model.zooming`).
        """
        action_ids = list(self.actions)
        ids, played_quantities = _quantities.split_played(actions, quantities, self.quantity_dimensions, action_ids)
        played = check.check_actions(ids, action_ids)
        observed = self.family.check_rewards(rewards, len(played), self.n_objectives)
        if played.size == 0:
            return
        fields: dict[str, Any] = {}
        restarts = {}
        if self.change_detection is not None:  # the memories first: a restart refits on the rows after a change
            test = "bernoulli" if self.family_type is Bernoulli else "gaussian"
            ids_of_rows = [action_ids[j] for j in played.tolist()]
            detector, restarts = self.change_detection.observed(
                ids_of_rows, observed, observed, test, None, played_quantities
            )
            fields["change_detection"] = detector
        # forgetting: what was learned keeps gamma**n, row i of the n new rows gamma**(n - 1 - i)
        weights = row_weights(self.decay_factor, len(played)) if self._forgets else None
        kept = carried_weight(self.decay_factor, len(played)) if self._forgets else 1.0
        quantitative_rows = np.fromiter(played_quantities, dtype=np.int64, count=len(played_quantities))
        played_ids = np.asarray(ids, dtype=object)
        new_models = {}
        for action_id in self.quantity_dimensions:
            model = self.actions[action_id].forgotten(kept)
            rows = quantitative_rows[played_ids[quantitative_rows] == action_id]
            if rows.size:
                stacked = np.stack([played_quantities[row] for row in rows.tolist()])
                model = model.updated(stacked, observed[rows], None if weights is None else weights[rows])
            if rows.size or kept < 1.0:
                new_models[action_id] = model
        ordinary = np.ones(len(played), dtype=bool)
        ordinary[quantitative_rows] = False
        played, observed = played[ordinary], observed[ordinary]
        weights = None if weights is None else weights[ordinary]
        n_actions = len(action_ids)
        conjugate = self.family_type.conjugate
        n_played = np.bincount(played, minlength=n_actions)
        if self.n_objectives is None:
            stats = conjugate.batch_stats(played, observed, n_actions, weights)
        else:
            per_objective = [
                conjugate.batch_stats(played, observed[:, o], n_actions, weights) for o in range(self.n_objectives)
            ]
            stats = tuple(np.stack(values, axis=1) for values in zip(*per_objective, strict=True))
        actions = self._with_stats(n_played, stats, kept)
        actions.update(new_models)
        for action_id, memory in restarts.items():
            actions[action_id] = self._restarted(action_id, memory, fields["change_detection"].rows_seen)
        # the same actions with models of the same kinds and costs: nothing the bandit's checks could refuse
        self._install({"actions": actions, **fields})

    def _with_stats(self, n_played: np.ndarray, stats: tuple[np.ndarray, ...], kept: float) -> dict[str, Any]:
        """The actions after an update's ordinary rows: ``n_played`` rows per action, their ``batch_stats``.

        ``stats`` are the conjugate's per-action statistics (``(n_actions, n_objectives)`` arrays for
        multi-objective bandits), however they were summed: here, or over a cluster's partitions
        (:mod:`pybandits.cluster`). Under forgetting (``kept < 1``) every ordinary action forgets
        first, played or not. Quantitative actions are left as they are.
        """
        action_ids, models = list(self.actions), list(self.actions.values())
        conjugate = self.family_type.conjugate
        if kept < 1.0:
            dimensions, prior = self.quantity_dimensions, self.conjugate_prior
            rows = np.array([j for j, a in enumerate(action_ids) if a not in dimensions], dtype=np.int64)
            models = [
                m if a in dimensions else m.forgotten(prior, kept) for a, m in zip(action_ids, models, strict=True)
            ]
        else:
            rows = np.flatnonzero(n_played)
        if rows.size == 0:
            new = []
        elif self.n_objectives is None:
            updated = conjugate.updated_many([models[j] for j in rows], *(s[rows] for s in stats))
            new = [model if n_played[j] else models[j] for model, j in zip(updated, rows.tolist(), strict=True)]
        else:
            new = [models[j].updated(*(s[j] for s in stats)) if n_played[j] else models[j] for j in rows]
        actions = dict(self.actions)
        for j, model in zip(rows.tolist(), new, strict=True):
            actions[action_ids[j]] = model
        return actions

    def _restarted(self, action_id: str, memory: Any, now: int) -> Any:
        """``action_id``'s model at its prior, refitted on ``memory``'s rows (a detected change).

        Under forgetting each row keeps the weight of its age, ``decay_factor ** (now - 1 - seen_at)``.
        """
        model = self.actions[action_id]
        weights = self.decay_factor ** (now - 1 - memory.seen_at) if self._forgets else None
        if isinstance(model, Zooming):
            return model.at_prior().updated(memory.quantities, memory.rewards, weights)
        conjugate, prior = self.family_type.conjugate, self.prior or {}
        rows = np.zeros(len(memory), dtype=np.int64)
        if self.n_objectives is None:
            fresh = conjugate(**prior, cost=model.cost)
            return fresh.updated(*(s[0] for s in conjugate.batch_stats(rows, memory.rewards, 1, weights)))
        fresh = self.family_type.conjugate_mo.cold_start(self.n_objectives, model.cost, **prior)
        per_objective = [
            conjugate.batch_stats(rows, memory.rewards[:, o], 1, weights) for o in range(self.n_objectives)
        ]
        return fresh.updated(*([s[0] for s in stat] for stat in zip(*per_objective, strict=True)))
