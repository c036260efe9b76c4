"""Schema 1 -> 2: reward families (pybandits 0.1 states, written before families existed).

A version 1 contextual action kept its counts beside its network (``n_successes``,
``n_failures``); from version 2 an action has a reward ``family`` and keeps the family's
statistics in ``stats``, with auxiliary parameters (a Gaussian's noise) in ``aux``. A version 1
action is a Bernoulli one: its counts move into ``stats`` and it gets ``{"name": "bernoulli"}``
with no auxiliary parameters. Multi-objective actions have each objective migrated. Stochastic
actions (Beta counts) have the same layout in both versions.

Examples
--------
>>> v1 = {"schema_version": 1, "class": "CmabBernoulli", "pybandits_version": "0.1.0", "rng": {},
...       "bandit": {"actions": {"a": {"network": {}, "n_successes": 3, "n_failures": 1}}}}
>>> v2 = migrate(v1)
>>> v2["schema_version"], v2["bandit"]["actions"]["a"]
(2, {'network': {}, 'family': {'name': 'bernoulli'}, 'aux': {}, 'stats': {'n_successes': 3, 'n_failures': 1}})
>>> v1["schema_version"], "stats" in v1["bandit"]["actions"]["a"]  # the input is not changed
(1, False)
"""

from __future__ import annotations

from typing import Any

__all__ = ["SOURCE", "TARGET", "migrate"]

#: The schema version this step reads.
SOURCE = 1
#: The schema version this step writes.
TARGET = 2


def migrate(document: dict[str, Any]) -> dict[str, Any]:
    """A version 1 document in the version 2 layout; the input is not changed.

    Only ``bandit.actions`` changes; a document too damaged to find them in is returned with the
    new version only, for the envelope checks to say what is wrong.
    """
    bandit = document.get("bandit")
    if not isinstance(bandit, dict) or not isinstance(bandit.get("actions"), dict):
        return {**document, "schema_version": TARGET}
    actions = {action_id: _migrate_model(model) for action_id, model in bandit["actions"].items()}
    return {**document, "schema_version": TARGET, "bandit": {**bandit, "actions": actions}}


def _migrate_model(model: Any) -> Any:
    if isinstance(model, dict) and "network" in model and "stats" not in model:
        counts = {key: model[key] for key in ("n_successes", "n_failures") if key in model}
        rest = {key: value for key, value in model.items() if key not in counts}
        return {**rest, "family": {"name": "bernoulli"}, "aux": {}, "stats": counts}
    if isinstance(model, dict) and isinstance(model.get("objectives"), list):
        return {**model, "objectives": [_migrate_model(objective) for objective in model["objectives"]]}
    return model
