"""A contextual bandit's ``cold_start``: every argument checked into typed specs, then the kind builds the models.

:class:`~pybandits.bandits.contextual.BaseCmab` inherits :meth:`ContextualColdStart.cold_start` from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Self

from pybandits.boundary import quantities as _quantities
from pybandits.boundary.context import Category
from pybandits.kinds import kind_of
from pybandits.model.specs import NetworkSpec, QuantitySpec, check_models_fit_in_memory, families_from_arguments

__all__ = ["ContextualColdStart"]


class ContextualColdStart:
    """The ``cold_start`` of every contextual bandit (a mixin of :class:`~pybandits.bandits.contextual.BaseCmab`)."""

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
        decay_factor: float | None = None,
        default_action_fraction: float | None = None,
        limited_actions: Iterable[str] | None = None,
        limited_action_fraction: float | None = None,
        change_detection: bool | Mapping[str, Any] | None = None,
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
            (logistic regression for Bernoulli rewards, linear regression for Gaussian ones). ADVI
            fits a network with hidden layers after a maximum a posteriori warm-up of 200 steps
            (``update_kwargs={"warmup_steps": ...}``; ``docs/concepts.md``).
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
            See :class:`~pybandits.bandits.base.BaseMab`.
        change_detection : bool or mapping, optional
            True (the defaults), or ``{"delta": ..., "memory_size": ...}``: the bandit keeps the
            last ``memory_size`` rows of every action and tests each update for a change in
            what the action's rows show (:mod:`pybandits.bandits.change`, ``docs/drift.md``); on
            a change the action restarts from its prior, refitted on the rows after the change.
        decay_factor : float, optional
            Forgetting, in (0, 1] (:mod:`pybandits.model.forgetting`): every row learned makes
            every earlier row weigh ``decay_factor`` times less; every action's network moves
            toward its cold-start prior (precisions and precision-weighted means), a shared trunk's
            heads weigh their buffered rows by age. None forgets nothing.
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
            ``num_steps``, ``batch_size``, ``learning_rate``, ``weight_decay``,
            ``embedding_sigma``) and ``buffer_size``,
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
            :class:`~pybandits.boundary.quantities.ActionChoice` tuples. ADVI fits these networks after a
            maximum a posteriori warm-up of 200 steps (``update_kwargs={"warmup_steps": ...}``
            sets it for every action; see :class:`~pybandits.model.bnn.settings.VISettings`).
            Single-objective classes, without a backbone.
        quantitative_kwargs : mapping, optional
            ``{"n_candidates": 32}``: the candidate quantities a prediction evaluates.
        default_action_fraction : float, optional
            In (0, 1], with ``epsilon`` and ``default_action``: the share of the exploring rows that
            play the default action; the others explore uniformly among the other allowed actions.
        limited_actions : collection of str, optional
            Actions offered only on a share of the prediction rows (not the default action, not
            every action); with ``limited_action_fraction``.
        limited_action_fraction : float, optional
            In [0, 1]: the probability, drawn per row, that the limited actions are offered. See
            :class:`~pybandits.bandits.base.BaseMab` and ``docs/availability.md``.

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
        quantities = QuantitySpec.from_arguments(
            cls.__name__, quantitative, quantitative_kwargs, n_objectives, allowed={"n_candidates"}
        )
        if quantities.dimensions:
            quantities.n_candidates()
        families = families_from_arguments(
            cls.__name__,
            cls.family_type,
            n_objectives,
            noise_prior=noise_prior,
            reward_loc=reward_loc,
            reward_scale=reward_scale,
        )
        strategy, epsilon, seed, availability = cls._check_cold_start(
            list(costs),
            strategy,
            epsilon,
            default_action,
            random_seed,
            decay_factor,
            change_detection,
            row_width=2 * (n_objectives or 1) + (n_features if isinstance(n_features, int) else 0),
            default_action_fraction=default_action_fraction,
            limited_actions=limited_actions,
            limited_action_fraction=limited_action_fraction,
        )
        prices, price_functions = cls._check_price_argument(action_ids_price, costs, quantitative)
        spec = NetworkSpec.from_arguments(
            cls.__name__,
            n_features=n_features,
            hidden_dim_list=hidden_dim_list,
            activation=activation,
            use_residual_connections=use_residual_connections,
            dist_type=dist_type,
            dist_params_init=dist_params_init,
            update_method=update_method,
            update_kwargs=update_kwargs,
            categorical_features=categorical_features,
            embedding_dims=embedding_dims,
            feature_names=feature_names,
            backbone_hidden_dim_list=backbone_hidden_dim_list,
            backbone_kwargs=backbone_kwargs,
            n_objectives=n_objectives,
            quantities=quantities,
        )
        check_models_fit_in_memory(spec, len(costs), n_objectives)
        models = kind_of(spec).cold_start(spec, costs, families, n_objectives, seed)
        mab = cls(
            **models,
            strategy=strategy,
            epsilon=epsilon,
            default_action=default_action,
            **availability,
            random_seed=seed,
            feature_names=spec.feature_names,
            vocabularies=spec.vocabularies,
            action_prices=prices,
        )
        return mab.with_price_functions(price_functions) if price_functions else mab
