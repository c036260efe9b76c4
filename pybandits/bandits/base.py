"""What every bandit shares: its actions, strategy, epsilon-greedy exploration and state.

Concrete bandits (:mod:`pybandits.smab`, :mod:`pybandits.cmab`) are thin: they say which action
model and which strategy they hold, how to draw sampled expected rewards, and how to update.
Everything else is here.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal, Self

import numpy as np
from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_serializer, model_validator

from pybandits.bandits.change import ChangeDetection
from pybandits.bandits.drift import Drift
from pybandits.bandits.inspection import Inspectable
from pybandits.bandits.reading import reads_one_state
from pybandits.bandits.selection import Selection
from pybandits.bandits.strategies import Strategy
from pybandits.base import ActionId
from pybandits.boundary import availability as _availability
from pybandits.boundary import quantities as _quantities
from pybandits.boundary import validation as check
from pybandits.persistence import documents as _documents
from pybandits.persistence.registry import bandit_class

__all__ = ["BaseMab", "reads_one_state"]


class BaseMab(Inspectable, Selection, Drift):
    """Base class of all bandits.

    Attributes
    ----------
    actions : dict
        Action id to action model (its posterior, and its cost for cost-control bandits).
    strategy : Strategy
        The selection rule applied to the sampled expected rewards.
    epsilon : float, optional
        Probability, per prediction row, of exploring instead of following the strategy: the
        ``default_action`` is played if set and allowed, else an allowed action uniformly at random.
    default_action : str, optional
        The action explored with probability ``epsilon``; needs ``epsilon``.
    decay_factor, change_detection
        Forgetting and change detection: see :class:`~pybandits.bandits.drift.Drift`.
    default_action_fraction : float, optional
        In (0, 1]; needs ``epsilon`` and ``default_action``. The share of the exploring rows that
        play the default action; the others play an allowed action other than the default, uniformly
        at random. None: every exploring row plays the default action when it is allowed.
    limited_actions : list of str, optional
        Actions offered on a share of the prediction rows only (new or risky actions), sorted; not
        the default action, not every action. Needs ``limited_action_fraction``.
    limited_action_fraction : float, optional
        In [0, 1]: the probability, drawn per row, that the limited actions are offered; on the
        other rows they are removed before the strategy and exploration choose (a row left with no
        action keeps its allowed ones). See :mod:`pybandits.bandits.availability`.

    Parameters
    ----------
    random_seed : int, optional
        Seed of the bandit's random generator, which drives every draw (sampling, ties,
        exploration): the same seed and calls give the same results. Not a field: the generator's
        current state is what the bandit's state records.

    Notes
    -----
    The random generator belongs to the bandit. A copy (``copy.copy``, ``copy.deepcopy``,
    ``model_copy``) gets its own generator in the same state, so the copy and the original draw
    the same numbers without sharing a stream; :meth:`reseed` starts a new stream explicitly. A
    bandit validated from plain data (``model_validate``) has no recorded generator state and gets
    a fresh one from the operating system's entropy; :meth:`from_state` restores the saved one.
    A concrete bandit declares its strategy once, as the type of its ``strategy`` field.
    """

    actions: dict[ActionId, Any]
    strategy: Strategy
    epsilon: float | None = Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False)
    default_action: ActionId | None = None
    default_action_fraction: float | None = Field(default=None, strict=True, gt=0.0, le=1.0, allow_inf_nan=False)
    limited_actions: list[ActionId] | None = None
    limited_action_fraction: float | None = Field(default=None, strict=True, ge=0.0, le=1.0, allow_inf_nan=False)
    #: Dynamic-pricing bandits: every action's price, or ``"function"`` for a quantitative action
    #: priced by a function of its quantity (code, given at cold start and to :meth:`from_state`).
    action_prices: dict[ActionId, Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | Literal["function"]] | None = (
        None
    )

    _rng: np.random.Generator = PrivateAttr()
    _price_functions: dict[str, Any] = PrivateAttr(default_factory=dict)
    _dimensions: tuple[dict, dict[str, int]] | None = PrivateAttr(default=None)

    #: Settings left out of the state while they are None: states written before they existed read
    #: and write back unchanged.
    omitted_when_none: ClassVar[tuple[str, ...]] = (
        "default_action_fraction",
        "limited_actions",
        "limited_action_fraction",
        "decay_factor",
        "change_detection",
        "prior",
    )
    #: The strategy class a concrete bandit plays.
    strategy_type: ClassVar[type[Strategy]] = Strategy
    #: ``"stochastic"`` or ``"contextual"``: transfer never exchanges bandits of two kinds.
    bandit_kind: ClassVar[str] = ""

    def __init__(self, *, random_seed: int | None = None, **data: Any) -> None:
        super().__init__(**data)
        self._rng = np.random.default_rng(check.check_random_seed(random_seed))

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        annotation = cls.model_fields["strategy"].annotation
        if isinstance(annotation, type) and issubclass(annotation, Strategy):
            cls.strategy_type = annotation  # the strategy is declared once: as the field's type

    def model_post_init(self, context: Any, /) -> None:
        if self.__pydantic_private__ is None or "_rng" not in self.__pydantic_private__:
            self._rng = np.random.default_rng()  # plain data carries no generator state

    def __copy__(self) -> Self:
        new = super().__copy__()
        new._rng = copy.deepcopy(self._rng)  # same state, own stream
        return new

    def reseed(self, random_seed: int | None) -> None:
        """Replace the bandit's random generator by a new one seeded with ``random_seed``.

        Examples
        --------
        >>> from pybandits.smab import SmabBernoulli
        >>> one, two = (SmabBernoulli.cold_start(action_ids={"a", "b"}) for _ in range(2))
        >>> one.reseed(3); two.reseed(3)
        >>> one.predict(n_samples=5) == two.predict(n_samples=5)
        True
        """
        self._rng = np.random.default_rng(check.check_random_seed(random_seed))

    # -- consistency -------------------------------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _strategy_settings_given_flat(cls, data: Any) -> Any:
        """The strategy's settings given beside the actions (``exploit_p=``, ``subsidy_factor=``), as the
        original library's constructors take them, become the strategy."""
        if not isinstance(data, dict):
            return data
        flat = [name for name in cls.strategy_type.model_fields if name in data and name not in cls.model_fields]
        if not flat:
            return data
        if "strategy" in data:
            raise ValueError(f"{flat[0]}: give the strategy's settings once, in strategy or beside the actions")
        data = dict(data)
        data["strategy"] = {name: data.pop(name) for name in flat}
        return data

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        if not self.actions:
            raise ValueError("actions: expected at least one action, got none")
        if not isinstance(self.strategy, self.strategy_type):
            raise ValueError(
                f"strategy: {type(self).__name__} plays {self.strategy_type.__name__}, "
                f"got {type(self.strategy).__name__}"
            )
        check.check_default_action(self.default_action, list(self.actions), self.epsilon)
        settings = [self.default_action_fraction, self.limited_actions, self.limited_action_fraction]
        _availability.check_availability(list(self.actions), self.epsilon, self.default_action, *settings)
        with_cost = [a for a, model in self.actions.items() if model.cost is not None]
        if self.strategy.uses_costs and len(with_cost) != len(self.actions):
            missing = sorted(set(self.actions) - set(with_cost))
            raise ValueError(f"actions: {type(self).__name__} needs a cost for every action, missing for {missing}")
        if not self.strategy.uses_costs and with_cost:
            raise ValueError(
                f"actions: {type(self).__name__} does not use costs, got costs for {sorted(with_cost)}; "
                "use the cost-control (CC) variant"
            )
        if self.strategy.uses_prices != (self.action_prices is not None):
            raise ValueError(
                f"action_prices: {type(self).__name__} "
                + ("needs a price for every action" if self.strategy.uses_prices else "takes no prices")
                + f", got {self.action_prices}"
            )
        if self.action_prices is not None and set(self.action_prices) != set(self.actions):
            raise ValueError(
                f"action_prices: expected a price for every action {sorted(self.actions)}, "
                f"got {sorted(self.action_prices)}"
            )
        return self

    @field_validator("limited_actions")
    @classmethod
    def _sorted_limited_actions(cls, limited_actions: list[str] | None) -> list[str] | None:
        return None if limited_actions is None else sorted(limited_actions)  # one order, whatever the collection

    @model_serializer(mode="wrap")
    def _without_unset_settings(self, handler: Any) -> Any:
        """The fields, less the settings of :attr:`omitted_when_none` that are None."""
        data = handler(self)
        if isinstance(data, dict):
            for name in self.omitted_when_none:
                if data.get(name, 0) is None:
                    del data[name]
        return data

    @property
    def quantity_dimensions(self) -> dict[str, int]:
        """``{action_id: d}`` of the quantitative actions (played with a quantity in ``[0, 1]^d``)."""
        # Computed once per ``actions`` dict (which updates replace, never change in place; the cache
        # holds the dict, so its identity is not reused), from the fields themselves: asking a model
        # that lacks the attribute goes through pydantic's slow __getattr__. A one-row step asks often.
        actions, private = self.actions, self.__pydantic_private__
        cached = private.get("_dimensions")
        if cached is not None and cached[0] is actions:
            return dict(cached[1])
        dimensions = {}
        for action_id, model in actions.items():
            fields = model.__dict__
            d = fields.get("dimension", fields.get("quantity_dim"))
            if isinstance(d, int) and d > 0:
                dimensions[action_id] = d
        private["_dimensions"] = (actions, dimensions)
        return dict(dimensions)

    def with_price_functions(self, price_functions: Mapping[str, Any]) -> Self:
        """Give the bandit the price functions its state records as needed (see :meth:`from_state`); returns it."""
        needed = sorted(a for a, price in (self.action_prices or {}).items() if price == "function")
        if not isinstance(price_functions, Mapping):
            raise TypeError(
                f"price_functions: expected a mapping {{action_id: function}}, got {check.describe(price_functions)}"
            )
        missing = [a for a in needed if not callable(price_functions.get(a))]
        unknown = sorted(set(price_functions) - set(needed))
        if missing or unknown:
            raise ValueError(
                f"price_functions: expected a function for each action priced by one, {needed}; got missing or not "
                f"callable {missing}, not priced by a function {unknown}"
            )
        self._price_functions = {a: price_functions[a] for a in needed}
        return self

    @classmethod
    def _check_actions_and_objectives(
        cls,
        action_ids: Iterable[str] | Mapping[str, float] | None,
        action_ids_cost: Mapping[str, float] | None,
        n_objectives: int | None,
        extra: list[str] | tuple[str, ...] = (),
    ) -> tuple[dict[str, float | None], int | None]:
        """The actions with their costs (None without), and the number of objectives, as the strategy needs.

        A cost-control bandit takes ``action_ids_cost`` (or a mapping of costs as ``action_ids``);
        a multi-objective one takes ``n_objectives``; other bandits refuse them. ``extra``: the
        quantitative actions' ids, declared apart (a cost-control bandit's costs cover them too).
        """
        name = cls.__name__
        if cls.strategy_type.uses_costs:
            if action_ids_cost is None and isinstance(action_ids, Mapping):
                action_ids, action_ids_cost = None, action_ids
            if action_ids is not None:
                raise TypeError(
                    f"action_ids_cost: {name} needs a cost per action, expected a mapping of action id to cost, "
                    f"got action_ids={check.describe(action_ids)}"
                )
            if action_ids_cost is None:
                raise TypeError(f"action_ids_cost: {name} needs a mapping of action id to cost, got None")
            costs: dict[str, float | None] = dict(check.check_action_costs(action_ids_cost))
            missing = sorted(set(extra) - set(costs))
            if missing:
                raise ValueError(
                    f"action_ids_cost: expected a cost for each quantitative action, missing {missing}; got costs "
                    f"for {sorted(costs)}"
                )
        else:
            if action_ids_cost is not None:
                raise TypeError(
                    f"action_ids_cost: {name} does not use costs, expected None, "
                    f"got {check.describe(action_ids_cost)}; "
                    "use the cost-control (CC) variant"
                )
            ordinary = [] if action_ids is None and extra else action_ids
            if extra and isinstance(ordinary, Iterable) and not isinstance(ordinary, str | bytes):
                ordinary = [*ordinary, *extra]
            costs = dict.fromkeys(check.check_action_ids(ordinary))
        if cls.strategy_type.multi_objective:
            n_objectives = check.check_positive_int(n_objectives, "n_objectives")  # None is refused here too
        elif n_objectives is not None:
            raise TypeError(
                f"n_objectives: {name} has one objective, expected None, got {check.describe(n_objectives)}; "
                "use the multi-objective (MO) variant"
            )
        return costs, n_objectives

    @classmethod
    def _check_price_argument(
        cls, action_ids_price: Any, costs: Mapping[str, Any], quantitative: Mapping[str, int]
    ) -> tuple[dict[str, float | str] | None, dict[str, Any]]:
        """The prices a dynamic-pricing class records and its price functions; others refuse prices."""
        if not cls.strategy_type.uses_prices:
            if action_ids_price is not None:
                raise TypeError(
                    f"action_ids_price: {cls.__name__} does not price its actions, expected None, got "
                    f"{check.describe(action_ids_price)}; use a dynamic-pricing (DP) class"
                )
            return None, {}
        if action_ids_price is None:
            raise TypeError(
                f"action_ids_price: {cls.__name__} needs a price per action, expected a mapping {{action_id: price}}, "
                "got None"
            )
        ordinary = [a for a in costs if a not in quantitative]
        return _quantities.check_prices(action_ids_price, ordinary, quantitative)

    @classmethod
    def _check_cold_start(
        cls,
        action_ids: list[str],
        strategy: Strategy | None,
        epsilon: float | None,
        default_action: str | None,
        random_seed: int | None,
        decay_factor: float | None = None,
        change_detection: Any = None,
        row_width: int = 2,
        **availability: Any,
    ) -> tuple[Strategy, float | None, int | None, dict[str, Any]]:
        """Check the cold-start arguments every bandit takes; the class's strategy by default.

        ``availability``: ``default_action_fraction``, ``limited_actions`` and
        ``limited_action_fraction`` (:mod:`pybandits.boundary.availability`), returned checked, by
        name, as keyword arguments of the bandit's constructor, with ``decay_factor`` and
        ``change_detection`` (``row_width``: numbers its memory keeps per row).
        """
        if strategy is None:
            strategy = cls.strategy_type()
        elif not isinstance(strategy, cls.strategy_type):
            raise TypeError(
                f"strategy: expected a {cls.strategy_type.__name__} for {cls.__name__}, got {type(strategy).__name__}"
            )
        epsilon = check.check_probability(epsilon, "epsilon")
        check.check_default_action(default_action, action_ids, epsilon)
        settings = _availability.check_availability(action_ids, epsilon, default_action, **availability)
        settings["decay_factor"] = check.check_decay_factor(decay_factor)
        settings["change_detection"] = ChangeDetection.from_argument(change_detection, len(action_ids), row_width)
        return strategy, epsilon, check.check_random_seed(random_seed), settings

    # -- reading while another thread updates ------------------------------------------------

    def _view(self) -> Self:
        """The bandit as it is now, read once: another object on the same fields and random generator.

        An update never changes the field dict a view holds: it installs a new one
        (:meth:`_updating`), so a view keeps seeing the state it was taken from, whole.
        """
        view = object.__new__(type(self))
        object.__setattr__(view, "__dict__", self.__dict__)
        object.__setattr__(view, "__pydantic_fields_set__", self.__pydantic_fields_set__)
        object.__setattr__(view, "__pydantic_extra__", None)
        object.__setattr__(view, "__pydantic_private__", self.__pydantic_private__)  # the same generator
        return view

    def _with_generator(self, rng: np.random.Generator) -> Self:
        """A :meth:`_view` that draws from ``rng`` instead of the bandit's generator (a cluster's partition)."""
        view = self._view()
        object.__setattr__(view, "__pydantic_private__", {**self.__pydantic_private__, "_rng": rng})
        return view

    @contextlib.contextmanager
    def _updating(self) -> Iterator[Self]:
        """A draft of the bandit for an update to change; installed in one assignment if the block succeeds.

        The draft has its own copy of the field dict (the field values are shared: fields are
        replaced, never changed in place) and the bandit's random generator. The update assigns
        the draft's fields; the bandit's are untouched until the block ends, when the draft's field
        dict becomes the bandit's in one assignment. A reader in another thread (``predict``,
        ``action_probabilities``, which read a :meth:`_view`) therefore sees the state before the
        update or the state after it, never a mix and never a missing field. If the block raises
        (an interruption included, ``KeyboardInterrupt``), the draft is dropped and the generator's
        state restored: a failed update leaves the bandit exactly as it was. One update at a time:
        a field assigned by another thread during an update is replaced when the update installs.
        """
        draft = self._view()
        object.__setattr__(draft, "__dict__", dict(self.__dict__))
        object.__setattr__(draft, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        generator_state = self._rng.bit_generator.state
        try:
            yield draft
        except BaseException:
            self._rng.bit_generator.state = generator_state
            raise
        object.__setattr__(self, "__pydantic_fields_set__", draft.__pydantic_fields_set__)
        self._install(draft.__dict__)

    @contextlib.contextmanager
    def _unchanged_on_failure(self) -> Iterator[None]:
        """A block of calls (a simulator's run: predictions and updates) that keeps its changes only if it succeeds.

        If the block raises (an interruption included), the bandit's fields, its random generator
        (the same object, in the same state) and its price functions are put back as they were.
        Fields are replaced, never changed in place, so keeping the field dict keeps the state.
        """
        fields, fields_set = self.__dict__, set(self.__pydantic_fields_set__)
        generator, prices = self._rng, self._price_functions
        state = generator.bit_generator.state
        try:
            yield
        except BaseException:
            object.__setattr__(self, "__dict__", fields)
            object.__setattr__(self, "__pydantic_fields_set__", fields_set)
            self._rng, self._price_functions = generator, prices
            generator.bit_generator.state = state
            raise

    def _install(self, fields: dict[str, Any]) -> None:
        """Make ``fields`` (new values of some fields, already valid) the bandit's, in one assignment.

        The bandit's field dict is replaced, never changed in place: a reader holding the old one
        (a :meth:`_view`) keeps it whole, and a reader arriving later gets every new value at once.
        """
        object.__setattr__(self, "__dict__", {**self.__dict__, **fields})

    # -- transfer (pybandits.transfer calls these; contextual bandits add their columns and models) --

    def _check_exchange(self, template: BaseMab) -> None:
        """Refuse a template this bandit's learned models cannot evolve into (beyond the checks every bandit shares)."""

    def _edit_changes(self, template: BaseMab, kept: list[str]) -> dict[str, tuple[Any, Any]]:
        """Settings of the models that an edit into ``template`` changes, ``{name: (before, after)}``."""
        return {}

    def _edit_shape(self, template: BaseMab) -> dict[str, Any]:
        """The shape changes an edit's summary reports (contextual bandits: features, layers, columns)."""
        return {}

    def _evolved_fields(self, template: BaseMab, actions: dict[str, Any], kept: list[str]) -> dict[str, Any]:
        """The evolved bandit's fields that are not the template's: the carried-over ``actions`` at least."""
        return {"actions": actions}

    # -- state -------------------------------------------------------------------------------

    def get_state(self) -> tuple[str, str]:
        """The bandit's class name and its state as JSON text.

        The JSON holds the schema version, the class, the bandit's fields and its random
        generator's state; :meth:`from_state` rebuilds an equal bandit from it.
        """
        return type(self).__name__, _documents.dumps(_documents.to_document(self))

    @classmethod
    def from_state(
        cls, state: str | bytes | Mapping[str, Any], price_functions: Mapping[str, Any] | None = None
    ) -> Self:
        """Rebuild a bandit from :meth:`get_state`'s JSON (text or parsed).

        Called on a concrete class, the state must be of that class; called on ``BaseMab``, the
        class recorded in the state is used. A dynamic-pricing bandit whose quantitative actions
        are priced by functions needs them again, by action: ``price_functions={action: function}``
        (a state holds no code). A state of an earlier schema version, or of the original pybandits
        library, is migrated first, as data (:mod:`pybandits.persistence.migrations`); an original
        state records no random generator, so the bandit gets a new one.

        Raises
        ------
        ValueError
            When the state is not valid JSON, is of another schema version or class, does not
            describe a valid bandit, or needs price functions that are not given.
        """
        bandit = cls._from_state(state)
        needed = [a for a, price in (bandit.action_prices or {}).items() if price == "function"]
        if needed or price_functions is not None:
            bandit.with_price_functions(price_functions or {})
        return bandit

    @classmethod
    def _from_state(cls, state: str | bytes | Mapping[str, Any]) -> Self:
        # migrated (an earlier schema, or the original library's state) and its envelope checked
        document = _documents.read_document(state)
        target = bandit_class(document["class"])
        if cls is not BaseMab and target is not cls:
            raise ValueError(f"state: expected a {cls.__name__} state, got a {document['class']} state")
        rng = _documents.rng_from_state(document["rng"])
        try:
            bandit = target.model_validate(document["bandit"])
        except ValidationError as error:
            raise ValueError(f"state: not a valid {target.__name__}: {check.pydantic_problems(error)}") from None
        bandit._rng = rng
        return bandit

    def _equality_key(self) -> Any:
        """Bandits are equal when their states are: same class, fields and generator state."""
        return _documents.to_document(self)
