"""Transfer learning: evolve a trained bandit to a new configuration without losing what it learned.

``edit_model_on_the_fly(current_mab, new_mab)`` returns a new bandit built from ``new_mab`` (the
template: usually a fresh ``cold_start`` with the configuration wanted) and ``current_mab``'s
learned state:

- the template defines the class, the action set, the strategy, epsilon and the default action,
  the costs, and every action's inference settings (``update_method``, ``update_kwargs``) and
  prior (``dist_type``);
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

from pybandits.cmab import BaseCmab
from pybandits.engines.backbone import refit_heads
from pybandits.mab import BaseMab
from pybandits.model.backbone import Backbone, LinearHead
from pybandits.smab import BaseSmab

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
    for family in (BaseSmab, BaseCmab):
        if isinstance(current, family) != isinstance(template, family):
            raise TypeError(
                "new_mab: expected a bandit of current_mab's family (a stochastic and a contextual bandit "
                "cannot be exchanged), got "
                f"current_mab={type(current).__name__} and new_mab={type(template).__name__}"
            )
    if current.family_type is not template.family_type:
        raise TypeError(
            f"new_mab: expected {current.family_type.__name__} rewards like current_mab (reward families cannot be "
            "exchanged: what was learned is a posterior of another quantity), got "
            f"current_mab={type(current).__name__} "
            f"and new_mab={type(template).__name__}"
        )
    if (current.n_objectives is None) != (template.n_objectives is None):
        raise TypeError(
            "new_mab: expected as many objectives as current_mab (a single- and a multi-objective bandit "
            "cannot be exchanged), got "
            f"current_mab={type(current).__name__} and new_mab={type(template).__name__}"
        )
    if isinstance(current, BaseCmab) and (current.backbone is None) != (template.backbone is None):
        wanted = "a" if current.backbone is not None else "no"
        raise ValueError(
            f"new_mab: expected {wanted} shared trunk (backbone_hidden_dim_list), as in current_mab: networks per "
            "action and heads on a shared trunk learn different things and cannot be exchanged; got "
            f"backbone_hidden_dim_list={template.backbone_hidden_dim_list} in new_mab"
        )
    if current.n_objectives != template.n_objectives:
        raise ValueError(
            f"new_mab: expected n_objectives to stay the same, got {current.n_objectives} in current_mab "
            f"and {template.n_objectives} in new_mab"
        )


# -- merge -------------------------------------------------------------------------------------


def _carry_over(action_id: str, learned: Any, template: Any) -> Any:
    """The template's action model with ``learned``'s posterior and statistics (the model's ``grown``)."""
    return learned.grown(template, action_id)


def _grown_backbone(
    current: BaseCmab, template: BaseCmab, actions: dict[str, Any], kept: list[str]
) -> tuple[Backbone, dict[str, Any]]:
    """The grown shared trunk, and the actions with every linear head recomputed on the kept buffer through it.

    Linear heads are the exact (or Laplace) posteriors given the trunk, so they are computed again
    on the buffer: with only new features (at 0 in the buffer's rows) they are unchanged; wider
    layers give them new features to learn from. Network heads keep their grown posteriors until
    the next update refits them.
    """
    backbone = current.backbone.grown(template.backbone, kept, copy.deepcopy(template._rng))  # type: ignore[union-attr]
    linear = {action_id: model for action_id, model in actions.items() if isinstance(model, LinearHead)}
    refitted = refit_heads(linear, backbone, seed_for=lambda _: 0)
    return backbone, {**actions, **refitted}


def _settings_changes(current: BaseMab, template: BaseMab, kept: list[str]) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for name in ("epsilon", "default_action"):
        if getattr(current, name) != getattr(template, name):
            changes[name] = (getattr(current, name), getattr(template, name))
    if current.strategy != template.strategy:
        changes["strategy"] = (repr(current.strategy), repr(template.strategy))
    if isinstance(template, BaseCmab) and template.backbone is not None:
        trunks = (current.backbone_hidden_dim_list, template.backbone_hidden_dim_list)
        buffers = (current.backbone.buffer.capacity, template.backbone.buffer.capacity)  # type: ignore[attr-defined]
        training = (current.backbone.settings, template.backbone.settings)  # type: ignore[attr-defined]
        for name, (before, after) in (("backbone_hidden_dim_list", trunks), ("buffer_size", buffers)):
            if before != after:
                changes[name] = (before, after)
        if training[0] != training[1]:
            changes["backbone_kwargs"] = (repr(training[0]), repr(training[1]))
    for action_id in kept:
        before, after = current.actions[action_id], template.actions[action_id]
        if before.cost != after.cost:
            changes[f"cost of {action_id}"] = (before.cost, after.cost)
        if isinstance(template, BaseCmab):
            for setting in ("update_method", "dist_type"):
                if getattr(before, setting) != getattr(after, setting):
                    changes.setdefault(setting, (getattr(before, setting), getattr(after, setting)))
            old_kwargs, new_kwargs = before.update_kwargs, after.update_kwargs
            for key in sorted(set(old_kwargs) | set(new_kwargs)):
                if old_kwargs.get(key) != new_kwargs.get(key):
                    changes.setdefault(f"update_kwargs.{key}", (old_kwargs.get(key), new_kwargs.get(key)))
    return changes


def _merged_schema(current: BaseCmab, template: BaseCmab) -> tuple[list[str] | None, dict[int, list[Any]]]:
    """The evolved bandit's ``feature_names`` and ``vocabularies``, or a ``ValueError`` naming the column.

    Columns keep their positions (transfer grows a network by position), so names both bandits
    give must agree on the learned columns; the template's names are kept, or the current ones
    when the template gives none for as many columns. A vocabulary keeps its learned values and
    codes and appends the template's values it lacks; the template's cardinality must hold them.
    """
    names_before, names_after = current.feature_names, template.feature_names
    if names_before and names_after:
        for column, (before, after) in enumerate(zip(names_before, names_after, strict=False)):
            if before != after:
                raise ValueError(
                    f"new_mab: expected the learned columns to keep their names (transfer keeps columns by position), "
                    f"got column {column} named {before!r} in current_mab and {after!r} in new_mab"
                )
    names = names_after
    if names is None and names_before is not None and len(names_before) == template.input_dim:
        names = names_before
    vocabularies = {}
    for column, cardinality in template.categorical_features.items():
        learned = current.vocabularies.get(column, [])
        values = learned + [value for value in template.vocabularies.get(column, []) if value not in learned]
        if len(values) > cardinality:
            raise ValueError(
                f"new_mab: expected a cardinality that holds the vocabulary of column {column} "
                f"({len(learned)} learned values, {len(values) - len(learned)} new in new_mab), got {cardinality}"
            )
        if values:
            vocabularies[column] = values
    return names, vocabularies


def _categorical_change(current_mab: BaseCmab, new_mab: BaseCmab) -> tuple[dict[int, int], dict[int, int]] | None:
    before, after = current_mab.categorical_features, new_mab.categorical_features
    return (before, after) if before != after else None


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
    contextual = isinstance(new_mab, BaseCmab)
    changed = _settings_changes(current_mab, new_mab, kept)
    if contextual:
        _, vocabularies = _merged_schema(current_mab, new_mab)
        for column, values in vocabularies.items():
            before = current_mab.vocabularies.get(column, [])
            if values != before:
                added = values[len(before) :]
                name = new_mab.feature_names[column] if new_mab.feature_names else f"column {column}"
                changed[f"vocabulary of {name}"] = (
                    f"{len(before)} values",
                    f"{len(values)} values (new: {', '.join(map(str, added[:5]))}{', ...' * (len(added) > 5)})",
                )
    some_current = next(iter(current_mab.actions.values()))
    some_template = next(iter(new_mab.actions.values()))
    return EditSummary(
        class_before=type(current_mab).__name__,
        class_after=type(new_mab).__name__,
        kept=kept,
        added=[a for a in new_mab.actions if a not in current_mab.actions],
        dropped=[a for a in current_mab.actions if a not in new_mab.actions],
        n_features=(current_mab.input_dim, new_mab.input_dim) if contextual else None,
        hidden_dim_list=(some_current.hidden_dim_list, some_template.hidden_dim_list) if contextual else None,
        categorical=_categorical_change(current_mab, new_mab) if contextual else None,
        changed=changed,
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
    if isinstance(new_mab, BaseCmab) and summary.kept:
        # every action speaks the learned actions' reward units (a Gaussian standardisation)
        families = actions[summary.kept[0]].families
        actions = {action_id: model.with_families(families) for action_id, model in actions.items()}
    if "update_method" in summary.changed:
        before, after = summary.changed["update_method"]
        logger.warning(
            "edit_model_on_the_fly: update_method changes from %s to %s; the learned posteriors are kept "
            "and the next update fits with %s",
            before,
            after,
            after,
        )
    fields = {**dict(new_mab), "actions": actions}
    if isinstance(new_mab, BaseCmab):
        fields["feature_names"], fields["vocabularies"] = _merged_schema(current_mab, new_mab)
        if new_mab.backbone is not None:
            fields["backbone"], fields["actions"] = _grown_backbone(current_mab, new_mab, actions, summary.kept)
    merged = type(new_mab).model_construct(**fields)
    # Rebuild from plain values: validates the result and detaches it from both inputs.
    result = type(new_mab).model_validate(merged.model_dump())
    result._rng = copy.deepcopy(new_mab._rng)
    result._price_functions = dict(new_mab._price_functions)  # code, not state: the template's
    return (result, summary) if return_summary else result
