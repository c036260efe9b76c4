"""The migration chain: the steps from every schema version (and the original library) to the current one.

A step is a pure function from a state document of one schema version to one of the next, on plain
JSON data: it imports no bandit class, never changes its input, and leaves validation to the
typed models, which only ever see documents of the current version. :func:`migrate` applies the
steps in order, from the document's version up to :data:`SCHEMA_VERSION`. States of the original
pybandits library have no schema version: their step writes a version 2 document (the layout it
was written for), which the chain then carries on like any other.

Adding a schema version: write ``vN_to_vN1.py`` beside ``v1_to_v2.py`` (``SOURCE``, ``TARGET``,
``migrate``), append it to :data:`CHAIN` and raise :data:`SCHEMA_VERSION`.

Examples
--------
>>> v1 = {"schema_version": 1, "class": "SmabBernoulli", "pybandits_version": "0.1.0", "rng": {},
...       "bandit": {"actions": {"a": {"n_successes": 1, "n_failures": 1}}}}
>>> migrate(v1)["schema_version"] == SCHEMA_VERSION
True
>>> migrate({**v1, "schema_version": SCHEMA_VERSION + 1})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: state: expected schema version 2 (this pybandits ...), got 3 written by a newer pybandits; ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pybandits._version import __version__
from pybandits.persistence.migrations import original, v1_to_v2

__all__ = ["CHAIN", "SCHEMA_VERSION", "Step", "migrate", "version_error", "versioned_object"]

#: Version of the state document's layout that this pybandits writes and validates. Version 1
#: documents (pybandits 0.1, before reward families) are migrated on load: a contextual action's
#: ``n_successes``/``n_failures`` move into its ``stats``, and it gets the Bernoulli family it
#: implicitly had.
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Step:
    """One migration: a pure function from documents of version ``source`` to documents of ``target``.

    Examples
    --------
    >>> step = Step(1, 2, v1_to_v2.migrate)
    >>> step.source, step.target
    (1, 2)
    >>> Step(2, 2, v1_to_v2.migrate)
    Traceback (most recent call last):
    ...
    ValueError: step: expected a target version above the source, got 2 -> 2
    """

    source: int
    target: int
    apply: Callable[[dict[str, Any]], dict[str, Any]]

    def __post_init__(self) -> None:
        if self.target <= self.source:
            raise ValueError(f"step: expected a target version above the source, got {self.source} -> {self.target}")


#: The steps, one per schema version below the current one.
CHAIN: tuple[Step, ...] = (Step(v1_to_v2.SOURCE, v1_to_v2.TARGET, v1_to_v2.migrate),)


def version_error(version: Any, current: int = SCHEMA_VERSION) -> ValueError:
    """The error refusing a document of schema ``version``, naming both versions (returned, for ``raise``).

    Examples
    --------
    >>> version_error(0)  # doctest: +ELLIPSIS
    ValueError('state: expected schema version 2 (this pybandits ...), got 0')
    """
    newer = isinstance(version, int) and not isinstance(version, bool) and version > current
    hint = " written by a newer pybandits; upgrade pybandits to read it" if newer else ""
    return ValueError(f"state: expected schema version {current} (this pybandits {__version__}), got {version!r}{hint}")


def _is_number(version: Any) -> bool:
    return isinstance(version, int | float) and not isinstance(version, bool)


def versioned_object(document: Any) -> dict[str, Any]:
    """``document`` as a dict with a ``schema_version``, or a ``ValueError`` saying what it is instead."""
    if isinstance(document, Mapping):
        document = dict(document)
    if not isinstance(document, dict):
        raise ValueError(f"state: expected a JSON object, got {type(document).__name__}")
    if "schema_version" not in document:
        raise ValueError("state: expected a pybandits state with a 'schema_version', got a document without one")
    return document


def migrate(document: Any, *, chain: Sequence[Step] = CHAIN, current: int = SCHEMA_VERSION) -> dict[str, Any]:
    """``document`` (a parsed state) carried through the chain to schema version ``current``.

    Parameters
    ----------
    document : Any
        A parsed JSON state: of any schema version the chain knows, or of the original library.
        It is not changed; a document already at ``current`` comes back as a shallow copy.
    chain : sequence of Step, default=CHAIN
        The steps to apply, each looked up by its ``source`` version.
    current : int, default=SCHEMA_VERSION
        The version to reach.

    Returns
    -------
    dict
        The document at version ``current``; only the envelope's presence and version are checked
        here, everything else is validated afterwards. A state of the original library comes back
        without ``rng`` (it records none).

    Raises
    ------
    ValueError
        When ``document`` is not a JSON object, has no ``schema_version`` and is not a state of the
        original library, is of a version the chain does not lead from (a newer one included: both
        versions are named), or is an original state that cannot be migrated.

    Examples
    --------
    >>> migrate([1, 2])
    Traceback (most recent call last):
    ...
    ValueError: state: expected a JSON object, got list
    """
    steps: dict[int, Step] = {}
    for step in chain:
        if step.source in steps:
            raise ValueError(f"chain: expected one step from each version, got two from version {step.source}")
        steps[step.source] = step
    if original.is_old_state(document):
        document = original.migrate(document)
    document = versioned_object(document)
    while True:
        version = document["schema_version"]
        if _is_number(version) and version == current:
            return document
        step = steps.get(version) if _is_number(version) and version < current else None
        if step is None:
            raise version_error(version, current)
        migrated = step.apply(document)
        if not isinstance(migrated, dict) or migrated.get("schema_version") != step.target:
            raise RuntimeError(f"the migration step {step.source} -> {step.target} did not write version {step.target}")
        document = migrated
