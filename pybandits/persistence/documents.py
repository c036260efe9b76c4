"""A bandit's state as a JSON document, and as a file.

The state document is a JSON object::

    {
      "schema_version": 2,
      "class": "SmabBernoulli",
      "pybandits_version": "0.1.0",
      "rng": {"bit_generator": "PCG64", "state": "...", "inc": "...", ...},
      "bandit": {... the bandit's fields: actions, strategy, epsilon, default_action ...}
    }

``schema_version`` is the version of this layout (:data:`SCHEMA_VERSION`). Reading a document
first carries it through the migration chain (:mod:`pybandits.persistence.migrations`): a
document of an earlier version, or a state of the original pybandits library, is turned into a
current one as plain data, and only then is anything validated. A document of a version the chain
does not lead from (a newer one included) is refused with both versions named. ``rng`` is the
state of the bandit's random generator, so a loaded bandit continues the random stream where the
saved one stopped instead of replaying it.

Loading parses JSON and validates it against the typed models; it never executes code from the
file (no pickle, no eval).

Files are written atomically: the document goes to a temporary file in the target's folder,
is flushed to disk, and replaces the target in one ``os.replace``. A crash leaves either the old
file or the new one, never a mixture.

This module knows bandits by the :class:`Bandit` protocol and finds their classes in
:mod:`pybandits.persistence.registry`: it imports no bandit module.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from pybandits._version import __version__
from pybandits.boundary.files import atomic_write_text, unique_keys
from pybandits.persistence import registry
from pybandits.persistence.migrations import SCHEMA_VERSION, is_old_state, migrate, version_error
from pybandits.persistence.migrations.runner import versioned_object

__all__ = [
    "SCHEMA_VERSION",
    "Bandit",
    "atomic_write_text",
    "check_envelope",
    "dumps",
    "load",
    "parse_json",
    "read_document",
    "rng_from_state",
    "rng_to_state",
    "save",
    "to_document",
]

_ENVELOPE_KEYS = {"schema_version", "class", "pybandits_version", "rng", "bandit"}


class Bandit(Protocol):
    """What a state document is made of: a pydantic model with a random generator and ``get_state``."""

    _rng: np.random.Generator

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...

    def get_state(self) -> tuple[str, str]: ...


# -- the random generator ----------------------------------------------------------------------


def rng_to_state(rng: np.random.Generator) -> dict[str, Any]:
    """JSON-safe state of a PCG64 generator (its 128-bit integers as decimal strings).

    Examples
    --------
    >>> state = rng_to_state(np.random.default_rng(0))
    >>> sorted(state), state["bit_generator"]
    (['bit_generator', 'has_uint32', 'inc', 'state', 'uinteger'], 'PCG64')
    >>> rng_from_state(state).random() == np.random.default_rng(0).random()
    True
    """
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise TypeError(f"rng: expected a PCG64 generator, got {state['bit_generator']}")
    return {
        "bit_generator": "PCG64",
        "state": str(state["state"]["state"]),
        "inc": str(state["state"]["inc"]),
        "has_uint32": int(state["has_uint32"]),
        "uinteger": int(state["uinteger"]),
    }


def rng_from_state(document: Any) -> np.random.Generator:
    """The generator described by :func:`rng_to_state`'s output.

    Examples
    --------
    >>> rng_from_state({"bit_generator": "MT19937"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: state: expected 'rng' to be an object with keys ['bit_generator', 'has_uint32', ...
    """
    expected = {"bit_generator", "state", "inc", "has_uint32", "uinteger"}
    if not isinstance(document, Mapping) or set(document) != expected:
        raise ValueError(f"state: expected 'rng' to be an object with keys {sorted(expected)}, got {document!r:.200}")
    if document["bit_generator"] != "PCG64":
        raise ValueError(f"state: expected a PCG64 random generator, got {document['bit_generator']!r}")
    try:
        state = {
            "bit_generator": "PCG64",
            "state": {"state": int(document["state"]), "inc": int(document["inc"])},
            "has_uint32": int(document["has_uint32"]),
            "uinteger": int(document["uinteger"]),
        }
        bit_generator = np.random.PCG64()
        bit_generator.state = state
    except (TypeError, ValueError, OverflowError) as error:
        raise ValueError(f"state: the random generator's state is invalid: {error}") from None
    return np.random.Generator(bit_generator)


# -- documents ---------------------------------------------------------------------------------


def to_document(bandit: Bandit) -> dict[str, Any]:
    """The state document of ``bandit`` as plain Python objects.

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> document = to_document(SmabBernoulli.cold_start(action_ids={"a"}, random_seed=0))
    >>> document["schema_version"] == SCHEMA_VERSION, document["class"], document["bandit"]["actions"]
    (True, 'SmabBernoulli', {'a': {'n_successes': 1, 'n_failures': 1, 'cost': None}})
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "class": type(bandit).__name__,
        "pybandits_version": __version__,
        "rng": rng_to_state(bandit._rng),
        "bandit": bandit.model_dump(mode="json"),
    }


def dumps(document: dict[str, Any]) -> str:
    """Serialise a state document; floats are written so that they read back exactly.

    Examples
    --------
    >>> dumps({"x": 0.1 + 0.2})
    '{"x": 0.30000000000000004}'
    >>> dumps({"x": float("nan")})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: state: the bandit holds a non-finite number and cannot be saved: ...
    """
    try:
        return json.dumps(document, allow_nan=False)
    except ValueError as error:
        raise ValueError(f"state: the bandit holds a non-finite number and cannot be saved: {error}") from None


def parse_json(state: str | bytes | Mapping[str, Any]) -> Any:
    """JSON text parsed (a mapping is returned as it is), with errors that say what was expected.

    A key given twice in an object is refused (:func:`~pybandits.boundary.files.unique_keys`), as
    config files refuse it, rather than read as its last value.

    Examples
    --------
    >>> parse_json('{"a": 1}')
    {'a': 1}
    >>> parse_json("{")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: state: expected a JSON document, got invalid JSON (...)
    >>> parse_json('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ...
    ValueError: state: expected every key once in a JSON object, got ['a'] more than once
    """
    if isinstance(state, str | bytes | bytearray):
        try:
            return json.loads(state, object_pairs_hook=unique_keys)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"state: expected a JSON document, got invalid JSON ({error})") from None
        except RecursionError:
            raise ValueError("state: expected a JSON document, got one nested too deeply") from None
        except ValueError as error:  # a key twice in an object
            raise ValueError(f"state: {error}") from None
    if isinstance(state, Mapping):
        return state
    raise TypeError(f"state: expected JSON text or a mapping, got {type(state).__name__}")


def check_envelope(document: Any) -> dict[str, Any]:
    """Check the envelope of a state document of the current schema version; returns it as a dict.

    Documents of earlier versions are carried to the current one by
    :func:`~pybandits.persistence.migrations.migrate` first (:func:`read_document` does both);
    here they are refused like any other version.

    Examples
    --------
    >>> check_envelope({"schema_version": SCHEMA_VERSION, "class": "SmabBernoulli"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: state: expected keys ['bandit', 'class', ...], missing ['bandit', 'pybandits_version', 'rng'], ...
    """
    document = versioned_object(document)
    version = document["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise version_error(version)
    if set(document) != _ENVELOPE_KEYS:
        missing = sorted(_ENVELOPE_KEYS - set(document))
        unknown = sorted(set(document) - _ENVELOPE_KEYS)
        raise ValueError(f"state: expected keys {sorted(_ENVELOPE_KEYS)}, missing {missing}, unknown {unknown}")
    if not isinstance(document["class"], str):
        raise ValueError(f"state: expected 'class' to be a class name, got {document['class']!r:.100}")
    if not isinstance(document["bandit"], dict):
        raise ValueError("state: expected 'bandit' to be a JSON object")
    return document


def read_document(state: str | bytes | Mapping[str, Any], random_seed: int | None = None) -> dict[str, Any]:
    """A state (JSON text or parsed) as a checked document of the current schema version.

    The parsed document is carried through the migration chain, then its envelope is checked;
    the bandit's fields are left for the bandit class to validate. A state of the original
    pybandits library records no random generator: its document gets a new one, seeded with
    ``random_seed`` (fresh entropy for None); the generator of any other document is its own.

    Examples
    --------
    >>> old = '{"actions": {"a": {"n_successes": 2, "n_failures": 1}}, "strategy": {}, "version": "4.0.1"}'
    >>> document = read_document(old, random_seed=0)
    >>> document["class"], document["pybandits_version"], document["schema_version"] == SCHEMA_VERSION
    ('SmabBernoulli', '4.0.1', True)
    >>> document["rng"] == rng_to_state(np.random.default_rng(0))
    True
    """
    parsed = parse_json(state)
    document = migrate(parsed)
    if "rng" not in document and is_old_state(parsed):
        document["rng"] = rng_to_state(np.random.default_rng(random_seed))
    return check_envelope(document)


def save(bandit: Bandit, path: str | os.PathLike) -> None:
    """Write ``bandit``'s state to ``path`` atomically.

    Parameters
    ----------
    bandit : BaseMab
        Any pybandits bandit.
    path : str or os.PathLike
        The file to write; its folder must exist. An existing file is replaced only once the new
        state is fully on disk.

    Examples
    --------
    >>> import pybandits, tempfile, os
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=1)
    >>> path = os.path.join(tempfile.mkdtemp(), "mab.json")
    >>> pybandits.save(mab, path)
    >>> pybandits.load(path) == mab
    True
    """
    if not registry.is_bandit(bandit):
        raise TypeError(f"bandit: expected a pybandits bandit, got {type(bandit).__name__}")
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path: expected a file path, got {type(path).__name__}")
    _, text = bandit.get_state()
    atomic_write_text(path, text)


def load(path: str | os.PathLike, price_functions: Mapping[str, Any] | None = None) -> Any:
    """Read a bandit written by :func:`save`; the file records the bandit's class.

    ``price_functions``: for a dynamic-pricing bandit whose quantitative actions are priced by
    functions, those functions by action (a state holds no code; see ``BaseMab.from_state``).
    A state of an earlier schema version, or of the original pybandits library, is migrated.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file is not a valid pybandits state (the message names the file).

    Examples
    --------
    >>> import pybandits, tempfile, os
    >>> from pybandits.smab import SmabBernoulli
    >>> path = os.path.join(tempfile.mkdtemp(), "mab.json")
    >>> pybandits.save(SmabBernoulli.cold_start(action_ids={"a"}), path)
    >>> type(pybandits.load(path)).__name__
    'SmabBernoulli'
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path: expected a file path, got {type(path).__name__}")
    text = Path(path).read_bytes()
    try:
        document = read_document(text)
        return registry.bandit_class(document["class"]).from_state(document, price_functions)
    except ValueError as error:
        raise ValueError(f"{os.fspath(path)}: {error}") from error
