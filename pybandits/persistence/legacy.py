"""The original pybandits library's states (its PyMC releases, 4.x to 5.x) as bandits of this package.

:func:`from_old_state` takes what the original's ``get_state()`` returned and gives the
equivalent bandit: the state is migrated as data
(:mod:`pybandits.persistence.migrations.original` says what becomes what, and what is refused),
then validated by the bandit class it names, like any state. The migrated bandit samples from the
same posteriors, so it predicts like the original did, within sampling error. Old states carry no
random generator state: pass ``random_seed`` for a reproducible stream.

``pybandits.load`` and ``BaseMab.from_state`` recognise an old state too (it has no
``schema_version``) and migrate it the same way, inferring the class from the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pybandits.boundary.validation import check_random_seed
from pybandits.persistence import registry
from pybandits.persistence.documents import parse_json, rng_to_state
from pybandits.persistence.migrations import is_old_state, migrate
from pybandits.persistence.migrations import original as _original

__all__ = ["from_old_state", "is_old_state"]


def from_old_state(
    class_name: str | None,
    state: str | bytes | Mapping[str, Any],
    *,
    random_seed: int | None = None,
) -> Any:
    """The bandit of this package equivalent to a state of the original pybandits library.

    Parameters
    ----------
    class_name : str or None
        The class name the original's ``get_state()`` returned beside the state (for example
        ``"CmabBernoulli"``); ``None`` infers it from the state. When given, it must agree with
        the state.
    state : str, bytes or mapping
        The state text the original's ``get_state()`` returned, or that text parsed.
    random_seed : int or None, default=None
        Seed of the migrated bandit's random generator (old states do not record one).

    Returns
    -------
    BaseMab
        A bandit of the class of the same name, whose actions hold the original posteriors.

    Raises
    ------
    ValueError
        When the state is not a state of the original library, names another class than
        ``class_name``, or uses a feature this package does not have (the message names it).
    TypeError
        When ``class_name`` or ``state`` is of the wrong type.

    Examples
    --------
    >>> old = '{"actions_manager": {"actions": {"a": {"n_successes": 5, "n_failures": 2}},'
    >>> old += ' "delta": null}, "strategy": {}, "epsilon": null, "default_action": null, "version": "5.0.0"}'
    >>> mab = from_old_state("SmabBernoulli", old, random_seed=0)
    >>> type(mab).__name__, mab.actions["a"].n_successes
    ('SmabBernoulli', 5)
    """
    if class_name is not None and not isinstance(class_name, str):
        raise TypeError(f"class_name: expected a bandit class name or None, got {type(class_name).__name__}")
    parsed = parse_json(state)
    _original.require_old_state(parsed)
    document = migrate(parsed)  # the current schema's document, without a random generator
    inferred = document["class"]
    if class_name is not None and class_name != inferred:
        raise ValueError(f"class_name: the state describes a {inferred}, got class_name={class_name!r}")
    rng = np.random.default_rng(check_random_seed(random_seed))
    document["rng"] = rng_to_state(rng)
    return registry.bandit_class(inferred).from_state(document)
