"""Transfer learning: evolve a trained bandit to a new configuration without losing what it learned.

``edit_model_on_the_fly(current_mab, new_mab)`` returns a new bandit built from ``new_mab`` (the
template: usually a fresh ``cold_start`` with the configuration wanted) and ``current_mab``'s
learned state:

- the template defines the class, the action set, the strategy, epsilon and the default action,
  the action-availability settings (``default_action_fraction``, ``limited_actions``,
  ``limited_action_fraction``; a template is a valid bandit, so its limited actions are among its
  actions: an action the edit drops is no longer limited), the costs, and every action's
  inference settings (``update_method``, ``update_kwargs``) and prior (``dist_type``);
- every action in both keeps its posterior and its statistics (``n_successes``...); a contextual
  action's network is grown to the template's shape (more features, wider hidden layers), new
  weights taking the template's cold-start prior (:mod:`pybandits.model.bnn.growth`);
- actions only in the template start cold; actions only in the current bandit are dropped.

Stochastic and contextual bandits cannot be exchanged, nor single- and multi-objective ones, nor
bandits of different reward families (Bernoulli and Gaussian) (``TypeError``). A Gaussian bandit
keeps the reward standardisation its weights were learned in, for every action. A contextual edit
is refused (``ValueError`` naming the setting, the action and both values) when the template has
fewer features, another number of hidden layers, a narrower layer, another ``activation`` or
``use_residual_connections``, or another number of objectives. A change of ``update_method`` is
allowed and logged as a warning.

Neither input is changed, and the result shares no mutable state with them.

:func:`describe_edit` returns an :class:`EditSummary` of what an edit does, as text or as a table
in a notebook.

Examples
--------
>>> from pybandits.smab import SmabBernoulli
>>> current = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=0)
>>> current.update(actions=["a", "a", "b"], rewards=[1, 1, 0])
>>> template = SmabBernoulli.cold_start(action_ids={"a", "c"}, random_seed=1)
>>> evolved = edit_model_on_the_fly(current, template)
>>> sorted(evolved.actions), evolved.actions["a"].n_successes, evolved.actions["c"].n_successes
(['a', 'c'], 3, 1)
"""

from __future__ import annotations

import copy
import html
import logging
from dataclasses import dataclass, field
from typing import Any

from pybandits.bandits.base import BaseMab
from pybandits.model.protocol import ActionModel

__all__ = ["EditSummary", "describe_edit", "edit_model_on_the_fly"]

logger = logging.getLogger("pybandits")


@dataclass(frozen=True)
class EditSummary:
    """What :func:`edit_model_on_the_fly` does to a bandit.

    Attributes
    ----------
    class_before, class_after : str
        The bandit classes.
    kept, added, dropped : list of str
        Actions carried over with their learned state, started cold, and removed.
    n_features : tuple or None
        Context features before and after (contextual bandits).
    hidden_dim_list : tuple or None
        Hidden layer widths before and after (contextual bandits).
    categorical : tuple or None
        ``{column: cardinality}`` of the categorical columns before and after, when they differ.
    changed : dict
        Setting name to ``(before, after)`` for every other setting the edit changes.

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> before = SmabBernoulli.cold_start(action_ids={"a", "b"})
    >>> summary = describe_edit(before, SmabBernoulli.cold_start(action_ids={"b", "c"}))
    >>> print(summary)
    class                         SmabBernoulli
    actions kept (learned state)  b
    actions added (cold start)    c
    actions dropped               a
    """

    class_before: str
    class_after: str
    kept: list[str]
    added: list[str]
    dropped: list[str]
    n_features: tuple[int, int] | None = None
    hidden_dim_list: tuple[list[int], list[int]] | None = None
    categorical: tuple[dict[int, int], dict[int, int]] | None = None
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def _rows(self) -> list[tuple[str, str]]:
        rows = [("class", _arrow(self.class_before, self.class_after))]
        rows.append(("actions kept (learned state)", ", ".join(self.kept) or "none"))
        rows.append(("actions added (cold start)", ", ".join(self.added) or "none"))
        rows.append(("actions dropped", ", ".join(self.dropped) or "none"))
        if self.n_features is not None:
            rows.append(("features", _arrow(*self.n_features)))
        if self.hidden_dim_list is not None:
            rows.append(("hidden layers", _arrow(*self.hidden_dim_list)))
        if self.categorical is not None:
            rows.append(("categorical columns (cardinality)", _arrow(*self.categorical)))
        for name, (before, after) in self.changed.items():
            rows.append((name, _arrow(before, after)))
        return rows

    def __str__(self) -> str:
        rows = self._rows()
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th><td style='text-align:left'>"
            f"{html.escape(value)}</td></tr>"
            for name, value in self._rows()
        )
        return f"<table><caption>pybandits edit</caption>{cells}</table>"


def _arrow(before: Any, after: Any) -> str:
    return f"{before}" if before == after else f"{before} -> {after}"


# -- validation --------------------------------------------------------------------------------


def _check_kinds(current: object, template: object) -> None:
    for name, value in (("current_mab", current), ("new_mab", template)):
        if not isinstance(value, BaseMab):
            raise TypeError(f"{name}: expected a pybandits bandit, got {type(value).__name__}")
    if current.bandit_kind != template.bandit_kind:  # type: ignore[attr-defined]
        raise TypeError(
            "new_mab: expected a bandit of current_mab's family (a stochastic and a contextual bandit "
            "cannot be exchanged), got "
            f"current_mab={type(current).__name__} and new_mab={type(template).__name__}"
        )
    if current.family_type is not template.family_type:  # type: ignore[attr-defined]
        raise TypeError(
            f"new_mab: expected {current.family_type.__name__} rewards like current_mab (reward families cannot be "  # type: ignore[attr-defined]
            "exchanged: what was learned is a posterior of another quantity), got "
            f"current_mab={type(current).__name__} "
            f"and new_mab={type(template).__name__}"
        )
    if (current.n_objectives is None) != (template.n_objectives is None):  # type: ignore[attr-defined]
        raise TypeError(
            "new_mab: expected as many objectives as current_mab (a single- and a multi-objective bandit "
            "cannot be exchanged), got "
            f"current_mab={type(current).__name__} and new_mab={type(template).__name__}"
        )
    current._check_exchange(template)  # type: ignore[attr-defined]
    if current.n_objectives != template.n_objectives:  # type: ignore[attr-defined]
        raise ValueError(
            f"new_mab: expected n_objectives to stay the same, got {current.n_objectives} in current_mab "  # type: ignore[attr-defined]
            f"and {template.n_objectives} in new_mab"  # type: ignore[attr-defined]
        )


#: The bandit's own settings, which the template defines and an edit's summary reports when they change.
_SETTINGS = (
    "epsilon",
    "default_action",
    "default_action_fraction",
    "limited_actions",
    "limited_action_fraction",
)


# -- merge -------------------------------------------------------------------------------------


def _carry_over(action_id: str, learned: ActionModel, template: ActionModel) -> ActionModel:
    """The template's action model with ``learned``'s posterior and statistics (the model's ``grown``)."""
    return learned.grown(template, action_id)


def _settings_changes(current: BaseMab, template: BaseMab, kept: list[str]) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for name in _SETTINGS:
        if getattr(current, name) != getattr(template, name):
            changes[name] = (getattr(current, name), getattr(template, name))
    if current.strategy != template.strategy:
        changes["strategy"] = (repr(current.strategy), repr(template.strategy))
    model_changes = current._edit_changes(template, kept)  # type: ignore[attr-defined]
    for action_id in kept:
        before, after = current.actions[action_id], template.actions[action_id]
        if before.cost != after.cost:
            changes[f"cost of {action_id}"] = (before.cost, after.cost)
    return {**changes, **model_changes}


def describe_edit(current_mab: BaseMab, new_mab: BaseMab) -> EditSummary:
    """What :func:`edit_model_on_the_fly` would do, without doing it (same checks, same errors).

    Examples
    --------
    >>> from pybandits.cmab import CmabBernoulli
    >>> current = CmabBernoulli.cold_start(action_ids={"a"}, n_features=2)
    >>> describe_edit(current, CmabBernoulli.cold_start(action_ids={"a"}, n_features=3)).n_features
    (2, 3)
    """
    _check_kinds(current_mab, new_mab)
    kept = [a for a in new_mab.actions if a in current_mab.actions]
    for action_id in kept:
        _carry_over(action_id, current_mab.actions[action_id], new_mab.actions[action_id])
    changed = _settings_changes(current_mab, new_mab, kept)
    return EditSummary(
        class_before=type(current_mab).__name__,
        class_after=type(new_mab).__name__,
        kept=kept,
        added=[a for a in new_mab.actions if a not in current_mab.actions],
        dropped=[a for a in current_mab.actions if a not in new_mab.actions],
        changed=changed,
        **current_mab._edit_shape(new_mab),  # type: ignore[attr-defined]
    )


def edit_model_on_the_fly(current_mab: BaseMab, new_mab: BaseMab, *, return_summary: bool = False) -> Any:
    """Evolve ``current_mab`` to ``new_mab``'s configuration, keeping what it learned.

    Parameters
    ----------
    current_mab : BaseMab
        The trained bandit. Not modified.
    new_mab : BaseMab
        The template: a bandit (usually freshly cold-started) with the wanted actions and
        configuration. Not modified.
    return_summary : bool, default False
        Also return the :class:`EditSummary`.

    Returns
    -------
    BaseMab or (BaseMab, EditSummary)
        A new bandit of ``new_mab``'s class.

    Raises
    ------
    TypeError
        When a stochastic and a contextual bandit, a single- and a multi-objective bandit, or
        bandits of two reward families (Bernoulli and Gaussian) are given.
    ValueError
        When a shared action's network cannot grow into the template's (see the module notes).

    Examples
    --------
    >>> from pybandits.cmab import CmabBernoulli
    >>> current = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3)
    >>> template = CmabBernoulli.cold_start(action_ids={"a", "b", "c"}, n_features=4)
    >>> evolved = edit_model_on_the_fly(current, template)
    >>> sorted(evolved.actions), evolved.input_dim, evolved.actions["a"].network.layers[0].shape
    (['a', 'b', 'c'], 4, (4, 1))
    """
    if not isinstance(return_summary, bool):
        raise TypeError(f"return_summary: expected True or False, got {return_summary!r:.60}")
    summary = describe_edit(current_mab, new_mab)  # validates everything before building anything
    actions = {
        action_id: _carry_over(action_id, current_mab.actions[action_id], template)
        if action_id in current_mab.actions
        else template
        for action_id, template in new_mab.actions.items()
    }
    if "update_method" in summary.changed:
        before, after = summary.changed["update_method"]
        logger.warning(
            "edit_model_on_the_fly: update_method changes from %s to %s; the learned posteriors are kept "
            "and the next update fits with %s",
            before,
            after,
            after,
        )
    fields = {**dict(new_mab), **current_mab._evolved_fields(new_mab, actions, summary.kept)}  # type: ignore[attr-defined]
    detector, template_detector = current_mab.change_detection, new_mab.change_detection  # type: ignore[attr-defined]
    if detector is not None and template_detector is not None:  # the memories of the kept actions carry over
        columns = None
        if new_mab.bandit_kind == "contextual":  # type: ignore[attr-defined]
            n_numeric = len(new_mab._numeric_columns)  # type: ignore[attr-defined]
            columns = (new_mab.input_dim, new_mab.n_objectives or 1, 1 + n_numeric)  # type: ignore[attr-defined]
        fields["change_detection"] = detector.carried(template_detector, summary.kept, columns)
    merged = type(new_mab).model_construct(**fields)
    # Rebuild from plain values: validates the result and detaches it from both inputs.
    result = type(new_mab).model_validate(merged.model_dump())
    result._rng = copy.deepcopy(new_mab._rng)
    result._price_functions = dict(new_mab._price_functions)  # code, not state: the template's
    return (result, summary) if return_summary else result
