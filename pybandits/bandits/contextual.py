"""What every contextual bandit shares: one ``cold_start``, Thompson-sampling prediction, updates.

The concrete classes are in :mod:`pybandits.cmab`; each declares only its strategy (the type of its
``strategy`` field) and its reward family (``family_type``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, StrictInt, StrictStr, model_validator

from pybandits.bandits import contextual_edit as _cmab_edit
from pybandits.bandits.base import BaseMab, reads_one_state
from pybandits.bandits.contextual_cold_start import ContextualColdStart
from pybandits.base import ActionId
from pybandits.boundary import quantities as _quantities
from pybandits.boundary import validation as check
from pybandits.boundary.context import Category, check_category, column_label, context_from_frame, is_frame
from pybandits.boundary.rows import rows_as_dicts
from pybandits.kinds import ContextualKind, FitBatch, kind_of
from pybandits.model.backbone import Backbone, LinearHead
from pybandits.model.bnn.action import Bnn
from pybandits.model.bnn.multi import BnnMO
from pybandits.model.family import Bernoulli, RewardFamily
from pybandits.model.specs import DIST_TYPES, check_feature_names
from pybandits.model.stats import Moments

__all__ = ["DIST_TYPES", "BaseCmab"]

#: Rows drawn at once by ``action_probabilities`` (context rows times draws)...
_TILED_ROWS = 100_000
#: ...and at most this many values of each ``(rows, actions)`` array of a draw (32 MiB as float64).
_TILED_VALUES = 2**22


class BaseCmab(ContextualColdStart, BaseMab):
    """Shared behaviour of the contextual bandits.

    Examples
    --------
    >>> from pybandits.cmab import CmabBernoulli
    >>> mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, random_seed=0)
    >>> isinstance(mab, BaseCmab), mab.input_dim
    (True, 2)
    >>> allowed, chosen, expected = mab.predict_arrays(np.zeros((4, 2)))
    >>> allowed, chosen.shape, expected.shape
    (['a', 'b'], (4,), (4, 2))
    """

    actions: dict[ActionId, Bnn | BnnMO | LinearHead]
    #: Names of the context columns, in order (None: columns are known by index only).
    feature_names: list[StrictStr] | None = None
    #: Per categorical column, its values in code order (see :mod:`pybandits.boundary.context`).
    vocabularies: dict[int, list[StrictStr | StrictInt]] = Field(default_factory=dict)
    #: The trunk shared by every action, when there is one (``backbone_hidden_dim_list``): the
    #: actions are then heads on its features (:mod:`pybandits.model.backbone`).
    backbone: Backbone | None = None

    #: The reward family of the class's actions.
    family_type: ClassVar[type[RewardFamily]] = Bernoulli
    bandit_kind: ClassVar[str] = "contextual"

    @property
    def kind(self) -> ContextualKind:
        """The kind of the bandit's models (:mod:`pybandits.kinds`): networks per action, or a shared trunk."""
        return kind_of(self)

    @model_validator(mode="after")
    def _check_actions_agree(self) -> BaseCmab:
        features = {model.n_features for model in self.actions.values()}
        if len(features) > 1:
            raise ValueError(f"actions: expected the same number of features for every action, got {sorted(features)}")
        self.kind.check(self)
        if self.change_detection is not None:
            self.kind.check_change_detection(self)
        objectives = {model.n_objectives for model in self.actions.values()}
        if len(objectives) > 1:
            raise ValueError(f"actions: expected the same number of objectives for every action, got {objectives}")
        families = [model.families for model in self.actions.values()]
        if any(not isinstance(family, self.family_type) for family in families[0]):
            raise ValueError(
                f"actions: {type(self).__name__} has {self.family_type.__name__} rewards, "
                f"got {[type(family).__name__ for family in families[0]]}"
            )
        if any(other != families[0] for other in families[1:]):
            raise ValueError("actions: expected the same reward family settings (standardisation) for every action")
        self._check_schema()
        return self

    def _check_schema(self) -> None:
        """``feature_names`` and ``vocabularies`` agree with the networks' columns."""
        names = self.feature_names
        try:
            check_feature_names(names, self.input_dim)
        except TypeError as error:  # a state's names are strings already: what is wrong is a value
            raise ValueError(str(error)) from None
        categorical = self.categorical_features
        for column, values in self.vocabularies.items():
            if column not in categorical:
                raise ValueError(
                    f"vocabularies: expected categorical columns {sorted(categorical)}, got a vocabulary for "
                    f"{column_label(column, None)}"
                )
            if len(values) > categorical[column]:
                raise ValueError(
                    f"vocabularies: {column_label(column, names)} has cardinality {categorical[column]}, got "
                    f"{len(values)} values"
                )
            if len(set(values)) != len(values):
                raise ValueError(f"vocabularies: expected distinct values for {column_label(column, names)}")
            for value in values:  # the values a context may hold: no empty or blank text
                check_category(value, f"vocabularies {column_label(column, names)}")

    @property
    def input_dim(self) -> int:
        """Number of context features."""
        return self.kind.input_dim(self)

    @property
    def categorical_features(self) -> dict[int, int]:
        """``{column: cardinality}`` of the categorical context columns (empty when all are numeric)."""
        return self._network.categorical

    @property
    def _numeric_columns(self) -> list[int]:
        return [column for column in self._network.numeric_columns if column < self.input_dim]

    @property
    def backbone_hidden_dim_list(self) -> list[int] | None:
        """Widths of the shared trunk's layers, None without a backbone."""
        return None if self.backbone is None else self.backbone.trunk.hidden_dim_list

    @property
    def _network(self) -> Any:
        """The network that reads the context (its columns are the bandit's)."""
        return self.kind.network(self)

    @property
    def n_objectives(self) -> int | None:
        """Number of objectives of a multi-objective bandit, None for a single-objective one."""
        return next(iter(self.actions.values())).n_objectives

    @property
    def families(self) -> list[RewardFamily]:
        """The reward family of every objective (one for a single-objective bandit)."""
        return next(iter(self.actions.values())).families

    @property
    def family(self) -> RewardFamily:
        """The reward family (of the first objective, for multi-objective bandits)."""
        return self.families[0]

    # -- transfer hooks (see BaseMab and pybandits.bandits.contextual_edit) --------------------------------

    def _check_exchange(self, template: BaseMab) -> None:
        if type(self.kind) is not type(template.kind):  # type: ignore[attr-defined]
            wanted = "a" if self.backbone is not None else "no"
            raise ValueError(
                f"new_mab: expected {wanted} shared trunk (backbone_hidden_dim_list), as in current_mab: networks per "
                "action and heads on a shared trunk learn different things and cannot be exchanged; got "
                f"backbone_hidden_dim_list={template.backbone_hidden_dim_list} in new_mab"  # type: ignore[attr-defined]
            )

    def _edit_changes(self, template: BaseMab, kept: list[str]) -> dict[str, tuple[Any, Any]]:
        return _cmab_edit.edit_changes(self, template, kept)

    def _edit_shape(self, template: BaseMab) -> dict[str, Any]:
        return _cmab_edit.edit_shape(self, template)

    def _evolved_fields(self, template: BaseMab, actions: dict[str, Any], kept: list[str]) -> dict[str, Any]:
        return _cmab_edit.evolved_fields(self, template, actions, kept)

    # -- prediction --------------------------------------------------------------------------

    def _draw(
        self, context: object, forbidden_actions: object
    ) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
        """Allowed actions; per row and action the sampled expected reward and the family's detail;
        quantitative actions' quantities; prices (dynamic pricing with quantitative actions)."""
        context, _ = self._context(context, learn=False)
        allowed, regions = self._allowed_and_regions(forbidden_actions)
        self._check_draw_memory("context", f"{len(context)} rows", len(context))
        return (allowed, *self._sampler(context, allowed, regions)(context))

    def _check_draw_memory(self, name: str, value: object, n_rows: int) -> None:
        """Refuse, naming ``name``, a draw of ``n_rows`` rows at once whose arrays cannot fit in memory.

        Per row: its features and every action's draws; a quantitative action evaluates its
        ``n_candidates`` candidate quantities through the first layer of its network.
        """
        per_row = self.input_dim + 4 * len(self.actions) * (self.n_objectives or 1)
        for action_id, dimension in self.quantity_dimensions.items():
            model = self.actions[action_id]
            width = max([*model.hidden_dim_list, 1])
            per_row += model.n_candidates * (self.input_dim + dimension + 2 * width)
        what = f"{n_rows} rows drawn at once, {8 * per_row} bytes each (n_candidates included)"
        check.check_memory(name, value, 8.0 * per_row * n_rows, what)

    def _sampler(self, context: np.ndarray, allowed: list[str], regions: Mapping[str, list] | None = None) -> Callable:
        """``draw(rows)``: the allowed actions' Thompson draws for rows of a converted context.

        It returns the expected rewards and details ``(n_rows, n_allowed)``, the quantitative
        actions' chosen quantities and the prices (dynamic pricing with quantitative actions; else
        None). Rows hold codes, and ``cardinality`` for a value never seen: that value draws its
        embedding from the cold-start prior (the tables of its columns get one prior row, in copies
        made once here); with a backbone, the trunk's embedding of such a value is its initial centre, 0.
        """
        unseen = [c for c, k in self.categorical_features.items() if context.size and context[:, c].max() == k]
        return self.kind.sampler(self, allowed, unseen, regions or {})

    def _context(
        self, context: object, *, learn: bool, n_rows: int | None = None, allow_empty: bool = False
    ) -> tuple[np.ndarray, dict[int, list[Category]]]:
        """The context as the networks' float array, and the vocabularies after it.

        Arrays hold codes; a DataFrame holds values, mapped through the vocabularies (grown by an
        update, ``learn``; a value never seen gets the code ``cardinality`` in a prediction).
        """
        categorical = self.categorical_features
        if not is_frame(context):
            array = check.check_context(
                context, self.input_dim, n_rows=n_rows, allow_empty=allow_empty, categorical=categorical
            )
            if learn:
                for column, values in self.vocabularies.items():
                    if values and array.size and array[:, column].max() >= len(values):
                        raise ValueError(
                            f"context: {column_label(column, self.feature_names)} has a vocabulary of "
                            f"{len(values)} values (codes 0 to {len(values) - 1}), got code "
                            f"{array[:, column].max():g}; pass a DataFrame of values so that new values "
                            "join the vocabulary"
                        )
            return array, self.vocabularies
        array, vocabularies = context_from_frame(
            context,
            n_features=self.input_dim,
            feature_names=self.feature_names,
            categorical=categorical,
            vocabularies=self.vocabularies,
            learn=learn,
        )
        array = check.check_context(array, self.input_dim, n_rows=n_rows, allow_empty=allow_empty)
        return array, vocabularies

    @reads_one_state
    def predict_arrays(
        self, context: object, forbidden_actions: Any = None, *, return_quantities: bool = False
    ) -> tuple[Any, ...]:
        """Thompson sampling with array outputs, for batch callers.

        Returns
        -------
        allowed : list of str
            The allowed actions, the order of the arrays' action axis.
        chosen : numpy.ndarray
            Index into ``allowed`` of the chosen action per row, shape ``(n_rows,)``.
        expected : numpy.ndarray
            Sampled expected rewards (success probabilities for Bernoulli rewards), shape
            ``(n_rows, n_allowed)`` (``(n_rows, n_allowed, n_objectives)`` for multi-objective
            bandits): what the strategy chose from.
        quantities : dict of str to numpy.ndarray
            Only with ``return_quantities=True``: per allowed quantitative action, the quantity that
            represented it in every row, ``(n_rows, d)``; a row whose chosen action is quantitative
            played ``quantities[allowed[chosen[i]]][i]``.
        """
        if not isinstance(return_quantities, bool):
            raise TypeError(f"return_quantities: expected True or False, got {check.describe(return_quantities)}")
        allowed, expected, _, quantities, prices = self._draw(context, forbidden_actions)
        chosen = self._select_indices(expected, allowed, prices)
        return (allowed, chosen, expected, quantities) if return_quantities else (allowed, chosen, expected)

    @reads_one_state
    def action_probabilities(
        self, context: object, n_draws: int = 1000, forbidden_actions: Iterable[str] | None = None
    ) -> tuple[list[str], np.ndarray]:
        """Per context row, the probability that the bandit plays each action (its propensities).

        Estimated by repeating the bandit's own selection ``n_draws`` times per row: a Thompson
        draw of every allowed action's network and the strategy, through the vectorised numpy
        path; epsilon-greedy exploration (and the default action) is mixed in exactly. The bandit's
        random generator advances; nothing else changes. These are the probabilities an off-policy
        evaluation (:mod:`pybandits.offline`) needs, not the sampled reward probabilities
        :meth:`predict` returns.

        Parameters
        ----------
        context : array-like or DataFrame of shape (n_rows, n_features)
            As for :meth:`predict`.
        n_draws : int, default 1000
            Selections drawn per row; the standard error of a probability ``p`` is
            ``sqrt(p (1 - p) / n_draws)``.
        forbidden_actions : collection of str, optional
            Actions that may not be played (probability 0).

        Returns
        -------
        action_ids : list of str
            The bandit's actions, the order of the columns.
        probabilities : numpy.ndarray
            Shape ``(n_rows, n_actions)``; every row sums to 1.

        Examples
        --------
        >>> from pybandits.cmab import CmabBernoulli
        >>> mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, random_seed=0)
        >>> ids, p = mab.action_probabilities(np.zeros((3, 2)), n_draws=500)
        >>> ids, p.shape, bool(np.allclose(p.sum(axis=1), 1.0))
        (['a', 'b'], (3, 2), True)
        """
        n_draws = check.check_positive_int(n_draws, "n_draws")
        context, _ = self._context(context, learn=False)
        allowed, regions = self._allowed_and_regions(forbidden_actions)
        draw = self._sampler(context, allowed, regions)
        probabilities = np.empty((len(context), len(self.actions)))
        # rows per block, so that a block's draws stay in memory
        chunk = max(1, min(_TILED_ROWS, _TILED_VALUES // len(self.actions)) // n_draws)
        self._check_draw_memory("n_draws", n_draws, min(chunk, max(1, len(context))) * n_draws)
        for start in range(0, len(context), chunk):
            block = context[start : start + chunk]
            expected, _, _, prices = draw(block, n_draws)
            shares = self._choice_probabilities(expected, allowed, len(block), prices)
            probabilities[start : start + len(block)] = shares
        return list(self.actions), probabilities

    @reads_one_state
    def predict(
        self, context: object, forbidden_actions: Iterable[str] | None = None
    ) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
        """Choose an action for every context row by Thompson sampling.

        Parameters
        ----------
        context : array-like of shape (n_rows, n_features)
            Finite numbers, one row per decision.
        forbidden_actions : collection of str, optional
            Actions that may not be chosen; at least one must stay allowed.

        Returns
        -------
        actions : list of str
            The chosen action of every row.
        probs or sampled_means : list of dict
            ``[i][a]``: the sampled expected reward of allowed action ``a`` in row ``i`` (a list
            with one value per objective for multi-objective bandits): the success probability for
            Bernoulli rewards, the mean reward for Gaussian ones.
        weighted_sums or noise_sd : list of dict
            ``[i][a]``: for Bernoulli rewards the sampled logit behind ``probs[i][a]``; for Gaussian
            rewards the action's noise standard deviation.
        """
        allowed, expected, detail, quantities, prices = self._draw(context, forbidden_actions)
        chosen = self._select_indices(expected, allowed, prices)
        actions = self._choices(allowed, chosen, quantities)
        return actions, rows_as_dicts(allowed, expected), rows_as_dicts(allowed, detail)

    # -- update ------------------------------------------------------------------------------

    def update(
        self,
        actions: Sequence[str],
        rewards: Sequence,
        context: object,
        executor: Executor | None = None,
        callback: Callable[[str, int], None] | None = None,
        progressbar: bool | None = None,
        quantities: Sequence[Any] | None = None,
    ) -> None:
        """Fit the played actions' posteriors to the observed rewards in their contexts.

        Parameters
        ----------
        actions : sequence of str
            The action played in every row.
        rewards : sequence of numbers
            The reward of every row: 0/1 (or a fraction in [0, 1]) for Bernoulli bandits, a real
            number for Gaussian ones; for multi-objective bandits one row of ``n_objectives``
            rewards per played action.
        context : array-like of shape (n_rows, n_features)
            The context of every row.
        executor : concurrent.futures.Executor, optional
            Fit the groups of played actions in parallel on this executor, one task per group (see
            :mod:`pybandits.engines.executors`); with the same seed the result equals the sequential one.
        callback : callable, optional
            ``callback(action_id, n_rows)`` once each action's fit is done.
        progressbar : bool, optional
            Show a bar over the actions' fits. By default (None) it appears in a notebook or on a
            terminal when an update has taken more than two seconds (the first update of a network
            shape compiles for tens of seconds; a fit with many actions takes long), and never under
            pytest; True shows it from the start, False never.
        quantities : sequence, optional
            The quantity of every row: ``d`` numbers in [0, 1] for a quantitative action, None for
            an ordinary one; taken from ``actions`` when they are ``predict``'s choices.

        Notes
        -----
        Rows are grouped by action once, and each played action's network is fitted to its own
        rows, starting from its current posterior as the prior. With ADVI, the played networks of
        one shape are fitted together in one compiled graph, up to ``actions_per_fit`` of them
        (an ``update_kwargs`` setting; 1 fits one at a time): each network's posterior still
        depends only on its own rows and prior (:mod:`pybandits.engines.plan`). A Gaussian bandit without a
        standardisation fits it to this batch's rewards first (per objective). Everything is
        validated before anything changes, and the new posteriors replace the old ones only when
        every fit has succeeded: a rejected input or a failed fit
        (:class:`~pybandits.exceptions.FitError`) leaves the bandit exactly as it was. An update
        with no rows (and a context of shape ``(0, n_features)``) does nothing.

        With a shared trunk (``backbone_hidden_dim_list``) the rows join the replay buffer, the
        trunk is trained on the buffer, and every action's head is recomputed from its prior on
        its buffered rows (:mod:`pybandits.model.backbone`); ``callback`` and the progress bar
        then count heads, with their buffered rows.
        """
        action_ids = list(self.actions)
        ids, played_quantities = _quantities.split_played(actions, quantities, self.quantity_dimensions, action_ids)
        played = check.check_actions(ids, action_ids)
        observed = self.family.check_rewards(rewards, len(played), self.n_objectives)
        features, vocabularies = self._context(context, learn=True, n_rows=len(played), allow_empty=True)
        if executor is not None and not isinstance(executor, Executor):
            raise TypeError(f"executor: expected a concurrent.futures.Executor or None, got {check.describe(executor)}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback: expected a callable or None, got {check.describe(callback)}")
        if progressbar is not None and not isinstance(progressbar, bool):
            raise TypeError(f"progressbar: expected True, False or None, got {check.describe(progressbar)}")
        if played.size == 0:
            return
        check.warn_uninformative_features(features, self._numeric_columns)
        batch = FitBatch(action_ids, played, observed, features, played_quantities, self.decay_factor)
        with self._updating() as draft:  # the new state is built on a draft, installed at the end in one go
            if vocabularies != draft.vocabularies:
                draft.vocabularies = vocabularies
            draft._fit_families(observed)
            if draft.change_detection is not None:
                batch = draft._watched(batch)
            for name, value in self.kind.fit(draft, batch, executor, callback, progressbar).items():
                setattr(draft, name, value)

    def _watched(self, batch: FitBatch) -> FitBatch:
        """Change detection: the batch's rows remembered and tested; the batch with the restarted actions' rows.

        What is tested is how each row's reward departs from the prediction of its action's belief
        before the batch: the residual ``e``, and its products ``e x_j`` with every numeric column
        (a score test, Zeileis & Hornik 2007: a change of a weight whose effect averages to 0, such as a
        sign flip of a centred feature, moves ``e x_j`` but not ``e``). Residuals of 0/1 rewards are
        bounded (scale 1/2); the products and Gaussian residuals take their memory's scale.
        """
        residuals = (batch.observed - self.kind.predicted(self, batch)).reshape(len(batch.played), -1)
        numeric = batch.features[:, self._numeric_columns]
        columns = np.concatenate([np.concatenate([r[:, None], r[:, None] * numeric], axis=1) for r in residuals.T], 1)
        first = "bounded" if self.family.name == "bernoulli" else "gaussian"
        tests = ([first] + ["gaussian"] * numeric.shape[1]) * residuals.shape[1]
        names = [batch.action_ids[j] for j in batch.played.tolist()]
        cold = [a for a, m in self.actions.items() if _first(m).stats.n_observations == 0]
        detector, restarts = self.change_detection.observed(
            names,
            batch.observed,
            columns,
            tests,
            batch.features,
            cold=cold,
            per_objective=1 + numeric.shape[1],
            relative=True,
        )
        self.change_detection = detector
        return batch.with_restarts(restarts, detector.rows_seen)

    def _fit_families(self, observed: np.ndarray | Moments) -> None:
        """Give the models the families fitted to the rewards so far (a Gaussian standardisation).

        ``observed``: the update's rewards, or their moments (summed over a cluster's partitions).

        The kind re-expresses what was learned in the new units (:meth:`ContextualKind.with_families`).
        """
        columns = [observed] if isinstance(observed, Moments) or observed.ndim == 1 else list(observed.T)
        fitted = [family.fitted_to(column) for family, column in zip(self.families, columns, strict=True)]
        if fitted != self.families:
            for name, value in self.kind.with_families(self, fitted).items():
                setattr(self, name, value)


def _first(model: Any) -> Any:
    """A single-objective model, or a multi-objective model's first objective."""
    return model.objectives[0] if isinstance(model, BnnMO) else model
