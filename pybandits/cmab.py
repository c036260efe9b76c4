"""Contextual multi-armed bandits: a Bayesian neural network per action (per objective).

Prediction draws, for every context row and action, one network from the action's posterior
and plays the strategy on the resulting probabilities (Thompson sampling); it uses numpy only.
An update fits each played action's posterior to its rows with PyMC (ADVI or NUTS).

====================  ==================================  ======================
class                 strategy                            action model
====================  ==================================  ======================
CmabBernoulli         ClassicBandit                       Bnn
CmabBernoulliBAI      BestActionIdentificationBandit      Bnn
CmabBernoulliCC       CostControlBandit                   Bnn with a cost
CmabBernoulliMO       MultiObjectiveBandit                BnnMO
CmabBernoulliMOCC     MultiObjectiveCostControlBandit     BnnMO with a cost
====================  ==================================  ======================

Every class below has a runnable example in its docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, ValidationError, model_validator

from pybandits import _validation as check
from pybandits._rows import rows_as_dicts
from pybandits.base import ActionId
from pybandits.mab import BaseMab
from pybandits.model.bnn.action import Bnn, BnnMO, DistParams
from pybandits.model.bnn.network import ACTIVATIONS
from pybandits.model.bnn.settings import UPDATE_METHODS
from pybandits.parallel import fit_actions
from pybandits.state import register_bandit
from pybandits.strategy import (
    BestActionIdentificationBandit,
    ClassicBandit,
    CostControlBandit,
    MultiObjectiveBandit,
    MultiObjectiveCostControlBandit,
    Strategy,
)

__all__ = [
    "BaseCmab",
    "CmabBernoulli",
    "CmabBernoulliBAI",
    "CmabBernoulliCC",
    "CmabBernoulliMO",
    "CmabBernoulliMOCC",
]

DIST_TYPES = ("studentt", "normal")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class BaseCmab(BaseMab):
    """Shared behaviour of the contextual bandits.

    Examples
    --------
    >>> mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, random_seed=0)
    >>> isinstance(mab, BaseCmab), mab.input_dim
    (True, 2)
    >>> allowed, chosen, logits = mab.predict_arrays(np.zeros((4, 2)))
    >>> allowed, chosen.shape, logits.shape
    (['a', 'b'], (4,), (4, 2))
    """

    actions: dict[ActionId, Bnn | BnnMO]

    @model_validator(mode="after")
    def _check_actions_agree(self) -> BaseCmab:
        features = {model.n_features for model in self.actions.values()}
        if len(features) > 1:
            raise ValueError(f"actions: expected the same number of features for every action, got {sorted(features)}")
        objectives = {model.n_objectives for model in self.actions.values()}
        if len(objectives) > 1:
            raise ValueError(f"actions: expected the same number of objectives for every action, got {objectives}")
        return self

    @property
    def input_dim(self) -> int:
        """Number of context features."""
        return next(iter(self.actions.values())).n_features

    @property
    def n_objectives(self) -> int | None:
        """Number of objectives of a multi-objective bandit, None for a single-objective one."""
        return next(iter(self.actions.values())).n_objectives

    @classmethod
    def _build(
        cls,
        costs: Mapping[str, float | None],
        n_features: int,
        strategy: Strategy | None,
        hidden_dim_list: Sequence[int] | None,
        activation: str,
        use_residual_connections: bool,
        dist_type: str,
        dist_params_init: Mapping[str, float] | None,
        update_method: str,
        update_kwargs: Mapping[str, Any] | None,
        epsilon: float | None,
        default_action: str | None,
        random_seed: int | None,
        n_objectives: int | None = None,
    ) -> Any:
        """Validate the cold-start arguments and build a bandit at the prior."""
        strategy, epsilon, seed = cls._check_cold_start(list(costs), strategy, epsilon, default_action, random_seed)
        n_features = check.check_positive_int(n_features, "n_features")
        hidden = check.check_hidden_dim_list(hidden_dim_list)
        check.check_choice(activation, "activation", ACTIVATIONS)
        if not isinstance(use_residual_connections, bool):
            raise TypeError(
                f"use_residual_connections: expected True or False, got {check.describe(use_residual_connections)}"
            )
        check.check_choice(dist_type, "dist_type", DIST_TYPES)
        check.check_choice(update_method, "update_method", UPDATE_METHODS)
        if dist_params_init is not None and not isinstance(dist_params_init, Mapping | DistParams):
            raise TypeError(
                f"dist_params_init: expected a mapping with keys mu, sigma, nu, got {check.describe(dist_params_init)}"
            )
        try:
            params = DistParams.model_validate(dist_params_init or {})
        except ValidationError as error:
            raise ValueError(f"dist_params_init: {check.pydantic_problems(error)}") from None

        def cold(cost: float | None) -> Bnn:
            return Bnn.cold_start(
                n_features,
                hidden,
                activation,  # type: ignore[arg-type]
                use_residual_connections,
                dist_type,  # type: ignore[arg-type]
                params,
                update_method,
                update_kwargs,
                cost,
            )

        prototype = cold(None)  # validates update_kwargs once
        if n_objectives is None:
            actions = {a: prototype.model_copy(update={"cost": cost}) for a, cost in costs.items()}
        else:
            actions = {a: BnnMO(objectives=[prototype] * n_objectives, cost=cost) for a, cost in costs.items()}
        return cls(actions=actions, strategy=strategy, epsilon=epsilon, default_action=default_action, random_seed=seed)

    # -- prediction --------------------------------------------------------------------------

    def predict_arrays(
        self, context: object, forbidden_actions: Iterable[str] | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Thompson sampling with array outputs, for batch callers.

        Returns
        -------
        allowed : list of str
            The allowed actions, the order of the arrays' action axis.
        chosen : numpy.ndarray
            Index into ``allowed`` of the chosen action per row, shape ``(n_rows,)``.
        logits : numpy.ndarray
            Sampled logits, shape ``(n_rows, n_allowed)`` (``(n_rows, n_allowed, n_objectives)`` for
            multi-objective bandits); the probabilities are their sigmoid.
        """
        context = check.check_context(context, self.input_dim)
        allowed = self._allowed_action_ids(forbidden_actions)
        logits = np.stack([self.actions[a].sample_logits(context, self._rng) for a in allowed], axis=1)
        chosen = self._select_indices(_sigmoid(logits), allowed)
        return allowed, chosen, logits

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
        probs : list of dict
            ``probs[i][a]``: the sampled success probability of allowed action ``a`` in row ``i``
            (a list with one value per objective for multi-objective bandits).
        weighted_sums : list of dict
            ``weighted_sums[i][a]``: the sampled logit behind ``probs[i][a]``.
        """
        allowed, chosen, logits = self.predict_arrays(context, forbidden_actions)
        actions = np.asarray(allowed, dtype=object)[chosen].tolist()
        probs = rows_as_dicts(allowed, _sigmoid(logits))
        weighted_sums = rows_as_dicts(allowed, logits)
        return actions, probs, weighted_sums

    # -- update ------------------------------------------------------------------------------

    def update(
        self,
        actions: Sequence[str],
        rewards: Sequence,
        context: object,
        executor: Executor | None = None,
        callback: Callable[[str, int], None] | None = None,
    ) -> None:
        """Fit the played actions' posteriors to the observed rewards in their contexts.

        Parameters
        ----------
        actions : sequence of str
            The action played in every row.
        rewards : sequence of {0, 1}
            The reward of every row; for multi-objective bandits one row of ``n_objectives``
            rewards per played action.
        context : array-like of shape (n_rows, n_features)
            The context of every row.
        executor : concurrent.futures.Executor, optional
            Fit the played actions in parallel on this executor (see :mod:`pybandits.parallel`);
            with the same seed the result equals the sequential one.
        callback : callable, optional
            ``callback(action_id, n_rows)`` after each action's fit, e.g. to show progress.

        Notes
        -----
        Rows are grouped by action once, and each played action's network is fitted to its own
        rows, starting from its current posterior as the prior. Everything is validated before
        anything changes, and the new posteriors replace the old ones only when every fit has
        succeeded: a rejected input or a failed fit (:class:`~pybandits.exceptions.FitError`)
        leaves the bandit exactly as it was. An update with no rows (and a context of shape
        ``(0, n_features)``) does nothing.
        """
        action_ids = list(self.actions)
        played = check.check_actions(actions, action_ids)
        observed = check.check_rewards(rewards, len(played), self.n_objectives)
        features = check.check_context(context, self.input_dim, n_rows=len(played), allow_empty=True)
        if executor is not None and not isinstance(executor, Executor):
            raise TypeError(f"executor: expected a concurrent.futures.Executor or None, got {check.describe(executor)}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback: expected a callable or None, got {check.describe(callback)}")
        if played.size == 0:
            return
        check.warn_uninformative_features(features)
        order = np.argsort(played, kind="stable")
        bounds = np.searchsorted(played[order], np.arange(len(action_ids) + 1))
        with self._rollback_on_error():
            tasks = []  # (action id, rows, seed), seeds drawn in action order whatever runs the fits
            for index, action_id in enumerate(action_ids):
                rows = order[bounds[index] : bounds[index + 1]]
                if rows.size:
                    tasks.append((action_id, rows, int(self._rng.integers(2**63))))
            fitted = fit_actions(self.actions, tasks, features, observed, executor, callback)
            self.actions = {**self.actions, **fitted}


@register_bandit
class CmabBernoulli(BaseCmab):
    """Contextual Bernoulli bandit with Thompson sampling (:class:`~pybandits.strategy.ClassicBandit`).

    Examples
    --------
    >>> import numpy as np
    >>> mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, hidden_dim_list=[4], random_seed=0)
    >>> actions, probs, weighted_sums = mab.predict(context=np.ones((2, 3)))
    >>> len(actions), mab.actions["a"].hidden_dim_list
    (2, [4])
    """

    actions: dict[ActionId, Bnn]
    strategy: ClassicBandit = Field(default_factory=ClassicBandit)
    strategy_type: ClassVar[type[Strategy]] = ClassicBandit

    @classmethod
    def cold_start(
        cls,
        action_ids: Iterable[str],
        n_features: int,
        strategy: ClassicBandit | None = None,
        hidden_dim_list: Sequence[int] | None = None,
        activation: str = "tanh",
        use_residual_connections: bool = False,
        dist_type: str = "studentt",
        dist_params_init: Mapping[str, float] | None = None,
        update_method: str = "VI",
        update_kwargs: Mapping[str, Any] | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> CmabBernoulli:
        """A contextual bandit whose every action's network is at the cold-start prior.

        Parameters
        ----------
        action_ids : collection of str
            Unique, non-empty action ids (a set or a list); stored in sorted order.
        n_features : int
            Number of context features.
        strategy : ClassicBandit, optional
            Defaults to ``ClassicBandit()``.
        hidden_dim_list : list of int, optional
            Widths of the hidden layers; None or ``[]`` for Bayesian logistic regression.
        activation : {"tanh", "relu", "sigmoid", "gelu"}, default "tanh"
        use_residual_connections : bool, default False
            Add a hidden layer's input to its output where both have the same width.
        dist_type : {"studentt", "normal"}, default "studentt"
            Family of the cold-start prior of every weight and bias.
        dist_params_init : mapping, optional
            ``mu``, ``sigma`` and ``nu`` of that prior (defaults 0, 1, 5; see
            :class:`~pybandits.model.bnn.action.DistParams`).
        update_method : {"VI", "MCMC"}, default "VI"
            ADVI or NUTS.
        update_kwargs : mapping, optional
            Inference settings (:class:`~pybandits.model.bnn.settings.VISettings` or
            :class:`~pybandits.model.bnn.settings.MCMCSettings`), e.g. ``{"num_steps": 200}``.
        epsilon, default_action, random_seed
            See :class:`~pybandits.mab.BaseMab`.
        """
        ids = check.check_action_ids(action_ids)
        return cls._build(
            dict.fromkeys(ids), n_features, strategy, hidden_dim_list, activation, use_residual_connections,
            dist_type, dist_params_init, update_method, update_kwargs, epsilon, default_action, random_seed,
        )  # fmt: skip


@register_bandit
class CmabBernoulliBAI(BaseCmab):
    """Contextual Bernoulli bandit for best-action identification (top-two Thompson sampling).

    Examples
    --------
    >>> mab = CmabBernoulliBAI.cold_start(action_ids={"a", "b"}, n_features=2)
    >>> type(mab.strategy).__name__, mab.strategy.exploit_p
    ('BestActionIdentificationBandit', 0.5)
    """

    actions: dict[ActionId, Bnn]
    strategy: BestActionIdentificationBandit = Field(default_factory=BestActionIdentificationBandit)
    strategy_type: ClassVar[type[Strategy]] = BestActionIdentificationBandit

    @classmethod
    def cold_start(
        cls,
        action_ids: Iterable[str],
        n_features: int,
        strategy: BestActionIdentificationBandit | None = None,
        hidden_dim_list: Sequence[int] | None = None,
        activation: str = "tanh",
        use_residual_connections: bool = False,
        dist_type: str = "studentt",
        dist_params_init: Mapping[str, float] | None = None,
        update_method: str = "VI",
        update_kwargs: Mapping[str, Any] | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> CmabBernoulliBAI:
        """As :meth:`CmabBernoulli.cold_start`; ``strategy`` defaults to ``exploit_p=0.5``."""
        ids = check.check_action_ids(action_ids)
        return cls._build(
            dict.fromkeys(ids), n_features, strategy, hidden_dim_list, activation, use_residual_connections,
            dist_type, dist_params_init, update_method, update_kwargs, epsilon, default_action, random_seed,
        )  # fmt: skip


@register_bandit
class CmabBernoulliCC(BaseCmab):
    """Contextual Bernoulli bandit that trades probability for cost (cost control).

    Examples
    --------
    >>> mab = CmabBernoulliCC.cold_start(action_ids_cost={"a": 1.0, "b": 3.0}, n_features=2)
    >>> mab.actions["b"].cost
    3.0
    """

    actions: dict[ActionId, Bnn]
    strategy: CostControlBandit = Field(default_factory=CostControlBandit)
    strategy_type: ClassVar[type[Strategy]] = CostControlBandit

    @classmethod
    def cold_start(
        cls,
        action_ids_cost: Mapping[str, float],
        n_features: int,
        strategy: CostControlBandit | None = None,
        hidden_dim_list: Sequence[int] | None = None,
        activation: str = "tanh",
        use_residual_connections: bool = False,
        dist_type: str = "studentt",
        dist_params_init: Mapping[str, float] | None = None,
        update_method: str = "VI",
        update_kwargs: Mapping[str, Any] | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> CmabBernoulliCC:
        """As :meth:`CmabBernoulli.cold_start`, from ``{action_id: cost}``."""
        costs = check.check_action_costs(action_ids_cost)
        return cls._build(
            costs, n_features, strategy, hidden_dim_list, activation, use_residual_connections,
            dist_type, dist_params_init, update_method, update_kwargs, epsilon, default_action, random_seed,
        )  # fmt: skip


@register_bandit
class CmabBernoulliMO(BaseCmab):
    """Contextual Bernoulli bandit on several objectives: one network per objective and action.

    Examples
    --------
    >>> import numpy as np
    >>> mab = CmabBernoulliMO.cold_start(action_ids={"a", "b"}, n_features=2, n_objectives=2, random_seed=0)
    >>> _, probs, _ = mab.predict(context=np.zeros((1, 2)))
    >>> len(probs[0]["a"])
    2
    """

    actions: dict[ActionId, BnnMO]
    strategy: MultiObjectiveBandit = Field(default_factory=MultiObjectiveBandit)
    strategy_type: ClassVar[type[Strategy]] = MultiObjectiveBandit

    @classmethod
    def cold_start(
        cls,
        action_ids: Iterable[str],
        n_features: int,
        n_objectives: int,
        strategy: MultiObjectiveBandit | None = None,
        hidden_dim_list: Sequence[int] | None = None,
        activation: str = "tanh",
        use_residual_connections: bool = False,
        dist_type: str = "studentt",
        dist_params_init: Mapping[str, float] | None = None,
        update_method: str = "VI",
        update_kwargs: Mapping[str, Any] | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> CmabBernoulliMO:
        """As :meth:`CmabBernoulli.cold_start`, with ``n_objectives`` networks per action."""
        ids = check.check_action_ids(action_ids)
        n_objectives = check.check_positive_int(n_objectives, "n_objectives")
        return cls._build(
            dict.fromkeys(ids), n_features, strategy, hidden_dim_list, activation, use_residual_connections,
            dist_type, dist_params_init, update_method, update_kwargs, epsilon, default_action, random_seed,
            n_objectives,
        )  # fmt: skip


@register_bandit
class CmabBernoulliMOCC(BaseCmab):
    """Contextual multi-objective bandit that plays the cheapest Pareto-optimal action.

    Examples
    --------
    >>> mab = CmabBernoulliMOCC.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, n_features=2, n_objectives=2)
    >>> mab.n_objectives, mab.actions["a"].cost
    (2, 1.0)
    """

    actions: dict[ActionId, BnnMO]
    strategy: MultiObjectiveCostControlBandit = Field(default_factory=MultiObjectiveCostControlBandit)
    strategy_type: ClassVar[type[Strategy]] = MultiObjectiveCostControlBandit

    @classmethod
    def cold_start(
        cls,
        action_ids_cost: Mapping[str, float],
        n_features: int,
        n_objectives: int,
        strategy: MultiObjectiveCostControlBandit | None = None,
        hidden_dim_list: Sequence[int] | None = None,
        activation: str = "tanh",
        use_residual_connections: bool = False,
        dist_type: str = "studentt",
        dist_params_init: Mapping[str, float] | None = None,
        update_method: str = "VI",
        update_kwargs: Mapping[str, Any] | None = None,
        epsilon: float | None = None,
        default_action: str | None = None,
        random_seed: int | None = None,
    ) -> CmabBernoulliMOCC:
        """As :meth:`CmabBernoulliMO.cold_start`, from ``{action_id: cost}``."""
        costs = check.check_action_costs(action_ids_cost)
        n_objectives = check.check_positive_int(n_objectives, "n_objectives")
        return cls._build(
            costs, n_features, strategy, hidden_dim_list, activation, use_residual_connections,
            dist_type, dist_params_init, update_method, update_kwargs, epsilon, default_action, random_seed,
            n_objectives,
        )  # fmt: skip
