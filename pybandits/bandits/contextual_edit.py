"""How a contextual bandit evolves into a template (:mod:`pybandits.transfer`): its columns and its models.

:class:`~pybandits.bandits.contextual.BaseCmab`'s transfer hooks call these; the model kind
(:mod:`pybandits.kinds`) grows the models, and this module merges what the bandit itself keeps
about its context: column names and the vocabularies of categorical columns.
"""

from __future__ import annotations

from typing import Any

from pybandits.boundary.context import level_of

__all__ = ["edit_changes", "edit_shape", "evolved_fields", "merged_schema"]


def merged_schema(current: Any, template: Any) -> tuple[list[str] | None, dict[int, list[Any]]]:
    """The evolved bandit's ``feature_names`` and ``vocabularies``, or a ``ValueError`` naming the column.

    Columns keep their positions (transfer grows a network by position), so names both bandits
    give must agree on the learned columns; the template's names are kept, or the current ones
    when the template gives none for as many columns. A vocabulary keeps its learned values and
    codes and appends the template's values it lacks (matched by text, as in updates); the
    template's cardinality must hold them.
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
        known = level_of(learned)  # by text: the template's "1" is a learned 1
        values = learned + [value for value in template.vocabularies.get(column, []) if known(value) < 0]
        if len(values) > cardinality:
            raise ValueError(
                f"new_mab: expected a cardinality that holds the vocabulary of column {column} "
                f"({len(learned)} learned values, {len(values) - len(learned)} new in new_mab), got {cardinality}"
            )
        if values:
            vocabularies[column] = values
    return names, vocabularies


def edit_changes(current: Any, template: Any, kept: list[str]) -> dict[str, tuple[Any, Any]]:
    """The model kind's changed settings, then every vocabulary that grows."""
    changed = template.kind.settings_changes(current, template, kept)
    _, vocabularies = merged_schema(current, template)
    for column, values in vocabularies.items():
        before = current.vocabularies.get(column, [])
        if values != before:
            added = values[len(before) :]
            name = template.feature_names[column] if template.feature_names else f"column {column}"
            changed[f"vocabulary of {name}"] = (
                f"{len(before)} values",
                f"{len(values)} values (new: {', '.join(map(str, added[:5]))}{', ...' * (len(added) > 5)})",
            )
    return changed


def edit_shape(current: Any, template: Any) -> dict[str, Any]:
    """Features, hidden layers and categorical columns before and after (for the edit's summary)."""
    before, after = current.categorical_features, template.categorical_features
    return {
        "n_features": (current.input_dim, template.input_dim),
        "hidden_dim_list": (current.kind.hidden_dim_list(current), template.kind.hidden_dim_list(template)),
        "categorical": (before, after) if before != after else None,
    }


def evolved_fields(current: Any, template: Any, actions: dict[str, Any], kept: list[str]) -> dict[str, Any]:
    """The evolved bandit's fields that differ from the template's: models, names, vocabularies."""
    if kept:
        # every action speaks the learned actions' reward units (a Gaussian standardisation)
        families = actions[kept[0]].families
        actions = {action_id: model.with_families(families) for action_id, model in actions.items()}
    names, vocabularies = merged_schema(current, template)
    return {
        "actions": actions,
        "feature_names": names,
        "vocabularies": vocabularies,
        **template.kind.grown(current, template, actions, kept),
    }
