"""What every contextual bandit shares: one ``cold_start``, Thompson-sampling prediction, updates.

The concrete classes are in :mod:`pybandits.cmab`; each declares only its strategy (the type of its
``strategy`` field) and its reward family (``family_type``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from functools import partial
from typing import Any, ClassVar, Self

import numpy as np
from pydantic import Field, StrictInt, StrictStr, ValidationError, model_validator

from pybandits import _quantities
from pybandits import _validation as check
from pybandits._context import (
    Category,
    check_categorical,
    check_feature_names,
    column_label,
    context_from_frame,
    is_frame,
)
from pybandits._progress import progress_bar
from pybandits._quantitative_cmab import draw_with_quantities, fit_with_quantities
from pybandits._rows import rows_as_dicts
from pybandits.base import ActionId
from pybandits.mab import BaseMab, reads_one_state
from pybandits.model.backbone import Backbone, LinearHead, draw_heads
from pybandits.model.backbone.bandit import (
    check_backbone_fields,
    check_trunk_arguments,
    linear_head,
    update_with_backbone,
)
from pybandits.model.bnn.action import Bnn, BnnMO, DistParams, draw_actions
from pybandits.model.bnn.network import ACTIVATIONS
from pybandits.model.bnn.settings import UPDATE_METHODS
from pybandits.model.family import Bernoulli, NoisePrior, RewardFamily
from pybandits.parallel import fit_actions

__all__ = ["DIST_TYPES", "BaseCmab"]

DIST_TYPES = ("studentt", "normal")

#: Rows drawn at once by ``action_probabilities`` (context rows times draws).
_TILED_ROWS = 100_000

#: Seconds an update runs before its default progress bar appears: quick updates print nothing.
_UPDATE_BAR_DELAY = 2.0


class BaseCmab(BaseMab):
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
    #: Per categorical column, its values in code order (see :mod:`pybandits._context`).
    vocabularies: dict[int, list[StrictStr | StrictInt]] = Field(default_factory=dict)
    #: The trunk shared by every action, when there is one (``backbone_hidden_dim_list``): the
    #: actions are then heads on its features (:mod:`pybandits.model.backbone`).
    backbone: Backbone | None = None

    #: The reward family of the class's actions.
    family_type: ClassVar[type[RewardFamily]] = Bernoulli

    @model_validator(mode="after")
    def _check_actions_agree(self) -> BaseCmab:
        features = {model.n_features for model in self.actions.values()}
        if len(features) > 1:
            raise ValueError(f"actions: expected the same number of features for every action, got {sorted(features)}")
        check_backbone_fields(self, features.pop())
        networks = [
            m.network
            for a in self.actions.values()
            for m in (a.objectives if isinstance(a, BnnMO) else [a])
            if not isinstance(m, LinearHead)
        ]
        if any(network.categorical != networks[0].categorical for network in networks[1:]):
            raise ValueError("actions: expected the same categorical columns and cardinalities for every action")
        kinds = {type(model) for model in self.actions.values()}
        expected_kind = (BnnMO,) if self.strategy_type.multi_objective else (Bnn, LinearHead)
        heads = {issubclass(kind, LinearHead) for kind in kinds}
        if not all(issubclass(kind, expected_kind) for kind in kinds) or len(heads) > 1:
            expected = " or ".join(kind.__name__ for kind in expected_kind)
            raise ValueError(
                f"actions: {type(self).__name__} expects {expected} actions of one kind, "
                f"got {sorted(kind.__name__ for kind in kinds)}"
            )
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
        if names is not None:
            if len(names) != self.input_dim:
                raise ValueError(f"feature_names: expected {self.input_dim} names (one per feature), got {len(names)}")
            if len(set(names)) != len(names) or not all(names):
                raise ValueError(f"feature_names: expected distinct non-empty names, got {names}")
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

    @property
    def input_dim(self) -> int:
        """Number of context features."""
        if self.backbone is not None:
            return self.backbone.trunk.n_features
        return next(iter(self.actions.values())).n_features

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
        if self.backbone is not None:
            return self.backbone.trunk
        first = next(iter(self.actions.values()))
        return first.objectives[0].network if isinstance(first, BnnMO) else first.network

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

    @classmethod
    def cold_start(
        cls,
        action_ids: Iterable[str] | Mapping[str, float] | None = None,
        n_features: int | None = None,
        strategy: Any = None,
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
        *,
        action_ids_cost: Mapping[str, float] | None = None,
        n_objectives: int | None = None,
        noise_prior: Mapping[str, float] | None = None,
        reward_loc: float | Sequence[float] | None = None,
        reward_scale: float | Sequence[float] | None = None,
        categorical_features: Mapping[int | str, int | Sequence[Category]] | None = None,
        embedding_dims: Mapping[int | str, int] | None = None,
        feature_names: Sequence[str] | None = None,
        backbone_hidden_dim_list: Sequence[int] | None = None,
        backbone_kwargs: Mapping[str, Any] | None = None,
        action_ids_price: Mapping[str, Any] | None = None,
        quantitative_action_ids: Mapping[str, int] | Iterable[str] | None = None,
        quantitative_kwargs: Mapping[str, Any] | None = None,
    ) -> Self:
        """A contextual bandit whose every action's network is at the cold-start prior.

        Parameters
        ----------
        action_ids : collection of str
            Unique, non-empty action ids (a set or a list); stored in sorted order. Cost-control
            (CC) classes take ``action_ids_cost`` instead (or a mapping of costs here).
        n_features : int
            Number of context features.
        strategy : Strategy, optional
            An instance of the class's strategy (see the module table); its defaults otherwise.
        hidden_dim_list : list of int, optional
            Widths of the hidden layers; None or ``[]`` for a Bayesian generalised linear model
            (logistic regression for Bernoulli rewards, linear regression for Gaussian ones).
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
        action_ids_cost : mapping, optional
            ``{action_id: cost}``, costs finite and >= 0: cost-control classes only.
        n_objectives : int, optional
            Networks per action: multi-objective (MO) classes only.
        noise_prior : mapping, optional
            Gaussian classes only: ``mu`` and ``sigma`` of the Normal prior of the log noise
            standard deviation in standardised units (:class:`~pybandits.model.family.NoisePrior`).
        reward_loc, reward_scale : float or sequence of float, optional
            Gaussian classes only: the standardisation of the rewards (both or neither;
            ``reward_scale > 0``); for multi-objective classes one value for every objective or a
            sequence with one per objective. When not given, the first update fits them to its
            batch, per objective.
        categorical_features : mapping, optional
            ``{column: cardinality}`` or ``{column: [values]}``: the context columns (indices among
            the ``n_features`` columns, or names from ``feature_names``) that hold a category
            (country, platform, segment). Each is learned as a Bayesian embedding per action: a
            table of ``cardinality`` vectors, with the prior of the weights, whose looked-up vector
            the network sees in place of the column. An array context holds the integer codes
            ``0 .. cardinality - 1``; a DataFrame context holds the values, mapped to codes through
            the column's vocabulary (:attr:`vocabularies`). A list of values declares the
            vocabulary (its length is the cardinality); a cardinality alone lets updates fill the
            vocabulary with the values they bring, in order of first appearance, up to that many.
        embedding_dims : mapping, optional
            ``{column: dim}`` for some categorical columns; the others get
            :func:`~pybandits.model.bnn.network.default_embedding_dim`: 1 without hidden layers
            (the level's effect on the output is then one number, whatever the dimension),
            ``min(16, round(1.6 * cardinality ** 0.56))`` with them.
        feature_names : list of str, optional
            A name per context column: a DataFrame context is then read by column name (other
            columns are ignored), and messages name columns. Without it a DataFrame's columns are
            taken in order.
        backbone_hidden_dim_list : list of int, optional
            Widths of a trunk shared by every action (:mod:`pybandits.model.backbone`, see
            ``docs/backbone.md``): learned from every action's rows, it turns the context (and
            its categorical columns, embedded once for all actions) into features, and each action
            keeps a Bayesian head on them: a linear head with an exact (Gaussian rewards) or
            Laplace (Bernoulli rewards) posterior, or a network of ``hidden_dim_list`` when given.
            ``activation`` and ``use_residual_connections`` apply to the trunk too. A linear head's
            prior is Normal, with ``dist_params_init``'s ``mu`` and ``sigma`` when given, else
            ``N(0, min(1, 3 / sqrt(width))**2)`` for a trunk of last width ``width``
            (:func:`~pybandits.model.backbone.heads.default_head_sigma`). Not for multi-objective
            classes.
        backbone_kwargs : mapping, optional
            How the trunk is trained (:class:`~pybandits.model.backbone.backbone.BackboneSettings`:
            ``num_steps``, ``batch_size``, ``learning_rate``, ``weight_decay``) and ``buffer_size``,
            the rows the replay buffer keeps (default 5,000).
        action_ids_price : mapping, optional
            Dynamic-pricing classes only (:class:`~pybandits.cmab.CmabBernoulliDP`):
            ``{action_id: price}``, prices > 0 (for a quantitative action, a number or a function of
            its quantities); the bandit maximises ``price * sampled purchase probability``.
        quantitative_action_ids : mapping or collection of str, optional
            Actions played with a quantity in ``[0, 1]^d`` (``{action_id: d}``, or ids for
            ``d = 1``), beside ``action_ids``. Each is a network whose inputs are the context and
            then the quantity, standardised (``sqrt(3) * (2 q - 1)``); it needs ``hidden_dim_list``
            (a linear model's reward is monotone in the quantity). A prediction draws one network
            per row and plays its best of ``n_candidates`` candidate quantities
            (:mod:`pybandits.model.bnn.candidates`) and returns
            :class:`~pybandits._quantities.ActionChoice` tuples. ADVI fits these networks after a
            maximum a posteriori warm-up of 200 steps (``update_kwargs={"warmup_steps": ...}``
            sets it for every action; see :class:`~pybandits.model.bnn.settings.VISettings`).
            Single-objective classes, without a backbone.
        quantitative_kwargs : mapping, optional
            ``{"n_candidates": 32}``: the candidate quantities a prediction evaluates.

        Raises
        ------
        TypeError
            For an argument of the wrong kind, or one this class does not take (costs without
            cost control, ``n_objectives`` on a single-objective class, Gaussian settings on a
            Bernoulli class).
        ValueError
            For a value out of range.
        """
        quantitative = _quantities.check_quantitative_ids(quantitative_action_ids, action_ids)
        costs, n_objectives = cls._check_actions_and_objectives(
            action_ids, action_ids_cost, n_objectives, extra=list(quantitative)
        )
        n_candidates = _check_quantitative(cls.__name__, quantitative, quantitative_kwargs, n_objectives)
        locs = _per_objective(reward_loc, n_objectives, "reward_loc")
        scales = _per_objective(reward_scale, n_objectives, "reward_scale")
        families = [
            cls._cold_family(noise_prior=noise_prior, reward_loc=loc, reward_scale=scale)
            for loc, scale in zip(locs, scales, strict=True)
        ]
        strategy, epsilon, seed = cls._check_cold_start(list(costs), strategy, epsilon, default_action, random_seed)
        prices, price_functions = cls._check_price_argument(action_ids_price, costs, quantitative)
        if n_features is None:
            raise TypeError(f"n_features: {cls.__name__} needs the number of context features, got None")
        n_features = check.check_positive_int(n_features, "n_features")
        hidden = check.check_hidden_dim_list(hidden_dim_list)
        trunk = check_trunk_arguments(cls.__name__, backbone_hidden_dim_list, backbone_kwargs, n_objectives)
        names = check_feature_names(feature_names, n_features)
        categorical, vocabularies = check_categorical(
            categorical_features, embedding_dims, n_features, names, linear=not hidden and trunk is None
        )
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
        backbone = None
        if trunk is not None:
            rng = np.random.default_rng(None if seed is None else (seed, 16))  # the trunk's own stream
            backbone = Backbone.cold_start(
                list(costs), n_features, trunk, activation, use_residual_connections, rng, categorical, backbone_kwargs
            )
            n_features, categorical = backbone.width, None
        network = partial(
            Bnn.cold_start,
            n_features,
            hidden,
            activation,  # type: ignore[arg-type]
            use_residual_connections,
            dist_type,  # type: ignore[arg-type]
            params,
            update_method,
            update_kwargs,
            categorical=categorical,
        )
        prototypes = [network(family=family) for family in families]
        if backbone is not None and not hidden:
            prototypes = [linear_head(n_features, families[0], update_method, update_kwargs, dist_params_init)]
        if quantitative and (trunk is not None or not hidden):
            raise ValueError(
                "quantitative_action_ids: a quantitative action needs a network of its own with hidden_dim_list "
                "(a linear model's reward is monotone in the quantity) and no backbone; got "
                f"hidden_dim_list={hidden}, backbone_hidden_dim_list={trunk}"
            )
        if n_objectives is None:
            actions = {
                a: prototypes[0].model_copy(update={"cost": cost})
                if a not in quantitative
                else network(cost=cost, family=families[0], quantity_dim=quantitative[a], n_candidates=n_candidates)
                for a, cost in costs.items()
            }
        else:
            actions = {a: BnnMO(objectives=prototypes, cost=cost) for a, cost in costs.items()}
        mab = cls(
            actions=actions,
            strategy=strategy,
            epsilon=epsilon,
            default_action=default_action,
            random_seed=seed,
            feature_names=names,
            vocabularies=vocabularies,
            backbone=backbone,
            action_prices=prices,
        )
        return mab.with_price_functions(price_functions) if price_functions else mab

    @classmethod
    def _cold_family(cls, **settings: Any) -> RewardFamily:
        """The class's reward family from the cold-start settings it takes; others are refused by name."""
        fields = set(cls.family_type.model_fields) - {"name"}
        for name, value in settings.items():
            if value is not None and name not in fields:
                raise TypeError(
                    f"{name}: not a setting of {cls.family_type.__name__} rewards, which {cls.__name__} has "
                    f"(it belongs to another reward family); expected None, got {check.describe(value)}"
                )
        given = {name: value for name, value in settings.items() if value is not None}
        if "noise_prior" in given:
            if not isinstance(given["noise_prior"], Mapping | NoisePrior):
                raise TypeError(
                    f"noise_prior: expected a mapping with keys mu, sigma, got {check.describe(given['noise_prior'])}"
                )
            try:
                given["noise_prior"] = NoisePrior.model_validate(given["noise_prior"])
            except ValidationError as error:
                raise check.pydantic_error(error, "noise_prior") from None
        for name in ("reward_loc", "reward_scale"):
            if name in given and not check.is_real(given[name]):
                raise TypeError(f"{name}: expected a real number, got {check.describe(given[name])}")
        if given.get("reward_scale") is not None and not given["reward_scale"] > 0:
            raise ValueError(f"reward_scale: expected a number > 0, got {given['reward_scale']!r}")
        if ("reward_loc" in given) != ("reward_scale" in given):
            missing, present = (
                ("reward_scale", "reward_loc") if "reward_loc" in given else ("reward_loc", "reward_scale")
            )
            raise ValueError(f"{missing}: expected it with {present} (both or neither), got {present} alone")
        try:
            return cls.family_type(**given)
        except ValidationError as error:
            raise check.pydantic_error(error, "reward family settings") from None

    # -- prediction --------------------------------------------------------------------------

    def _draw(
        self, context: object, forbidden_actions: object
    ) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
        """Allowed actions; per row and action the sampled expected reward and the family's detail;
        quantitative actions' quantities; prices (dynamic pricing with quantitative actions)."""
        context, _ = self._context(context, learn=False)
        allowed, regions = self._allowed_and_regions(forbidden_actions)
        return (allowed, *self._sampler(context, allowed, regions)(context))

    def _allowed_and_regions(self, forbidden_actions: object) -> tuple[list[str], dict[str, list]]:
        whole, regions = _quantities.split_forbidden(forbidden_actions, list(self.actions), self.quantity_dimensions)
        return self._allowed_action_ids(whole), regions

    def _sampler(self, context: np.ndarray, allowed: list[str], regions: Mapping[str, list] | None = None) -> Callable:
        """``draw(rows)``: the allowed actions' Thompson draws for rows of a converted context.

        It returns the expected rewards and details ``(n_rows, n_allowed)``, the quantitative
        actions' chosen quantities and the prices (dynamic pricing with quantitative actions; else
        None). Rows hold codes, and ``cardinality`` for a value never seen: that value draws its
        embedding from the cold-start prior (the tables of its columns get one prior row, in copies
        made once here); with a backbone, the trunk's embedding of such a value is its initial centre, 0.
        """
        models = [self.actions[a] for a in allowed]
        unseen = [c for c, k in self.categorical_features.items() if context.size and context[:, c].max() == k]
        if self.backbone is None:
            models = [model.with_prior_rows(unseen) for model in models] if unseen else models
            if any(isinstance(model, Bnn) and model.quantity_dim for model in models):
                return lambda rows: draw_with_quantities(self, models, allowed, rows, regions or {})
            return lambda rows: (*draw_actions(models, rows, self._rng), {}, None)
        backbone = self.backbone.with_prior_rows(unseen) if unseen else self.backbone
        draw = draw_heads if isinstance(models[0], LinearHead) else draw_actions
        return lambda rows: (*draw(models, backbone.features(rows), self._rng), {}, None)

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
        chunk = max(1, _TILED_ROWS // n_draws)  # rows per block, so that a block's draws stay in memory
        for start in range(0, len(context), chunk):
            block = context[start : start + chunk]
            expected, _, _, prices = draw(np.tile(block, (n_draws, 1)))
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
            :mod:`pybandits.parallel`); with the same seed the result equals the sequential one.
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
        depends only on its own rows and prior (:mod:`pybandits.model.bnn.batch`). A Gaussian bandit without a
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
        ids, played_quantities = _quantities.split_played(actions, quantities, self.quantity_dimensions)
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
        order = np.argsort(played, kind="stable")
        bounds = np.searchsorted(played[order], np.arange(len(action_ids) + 1))
        with self._updating() as draft:  # the new state is built on a draft, installed at the end in one go
            if vocabularies != draft.vocabularies:
                draft.vocabularies = vocabularies
            draft._fit_families(observed)
            if draft.backbone is not None:
                played_ids = np.asarray(action_ids)[played]
                update_with_backbone(draft, played_ids, observed, features, executor, callback, progressbar)
                return
            tasks = []  # (action id, rows, seed), seeds drawn in action order whatever runs the fits
            for index, action_id in enumerate(action_ids):
                rows = order[bounds[index] : bounds[index + 1]]
                if rows.size:
                    tasks.append((action_id, rows, int(draft._rng.integers(2**63))))
            delay = _UPDATE_BAR_DELAY if progressbar is None else 0.0
            with progress_bar(len(tasks), "fitting actions", progressbar, delay=delay) as bar:

                def report(action_id: str, n_rows: int) -> None:
                    bar.advance()
                    if callback is not None:
                        callback(action_id, n_rows)

                if draft.quantity_dimensions:
                    fitted = fit_with_quantities(draft, tasks, features, observed, played_quantities, executor, report)
                else:
                    fitted = fit_actions(draft.actions, tasks, features, observed, executor, report)
            draft.actions = {**draft.actions, **fitted}

    def _fit_families(self, observed: np.ndarray) -> None:
        """Give every action the families fitted to this batch (a first batch's standardisation)."""
        columns = [observed] if observed.ndim == 1 else list(observed.T)
        fitted = [family.fitted_to(column) for family, column in zip(self.families, columns, strict=True)]
        if fitted != self.families:
            self.actions = {a: model.with_families(fitted) for a, model in self.actions.items()}


def _check_quantitative(
    class_name: str, quantitative: Mapping[str, int], quantitative_kwargs: Mapping[str, Any] | None, n_objectives: Any
) -> int:
    """The number of candidate quantities, after checking the quantitative settings fit the class."""
    if not quantitative:
        if quantitative_kwargs is not None:
            raise ValueError("quantitative_kwargs: expected it with quantitative_action_ids, got it alone")
        return 32
    if n_objectives is not None:
        raise TypeError(f"quantitative_action_ids: {class_name} is multi-objective; expected None")
    given = dict(quantitative_kwargs or {})
    unknown = sorted(set(given) - {"n_candidates"})
    if unknown:
        raise ValueError(f"quantitative_kwargs: expected keys among ['n_candidates'], got {unknown}")
    n_candidates = given.get("n_candidates", 32)
    if not isinstance(n_candidates, int) or isinstance(n_candidates, bool) or n_candidates < 2:
        raise ValueError(f"quantitative_kwargs: expected n_candidates an integer >= 2, got {n_candidates!r}")
    return n_candidates


def _per_objective(value: Any, n_objectives: int | None, name: str) -> list[Any]:
    """A Gaussian standardisation setting per objective: one value for all, or one per objective."""
    count = n_objectives or 1
    if value is None or not isinstance(value, Sequence) or isinstance(value, str):
        return [value] * count
    if n_objectives is None:
        raise TypeError(
            f"{name}: expected a real number (one objective), got {check.describe(value)}; "
            "a sequence gives one value per objective of a multi-objective (MO) bandit"
        )
    if len(value) != n_objectives:
        raise ValueError(f"{name}: expected one value per objective ({n_objectives}), got {len(value)}")
    return list(value)
