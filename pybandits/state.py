"""A bandit's state as JSON, and as a file.

The state document is a JSON object::

    {
      "schema_version": 1,
      "class": "SmabBernoulli",
      "pybandits_version": "0.1.0",
      "rng": {"bit_generator": "PCG64", "state": "...", "inc": "...", ...},
      "bandit": {... the bandit's fields: actions, strategy, epsilon, default_action ...}
    }

``schema_version`` is the version of this layout; a document of another version is refused with
both versions named (and, once the layout changes, migrated where a migration is written).
``rng`` is the state of the bandit's random generator, so a loaded bandit continues the random
stream where the saved one stopped instead of replaying it.

Loading parses JSON and validates it against the typed models; it never executes code from the
file (no pickle, no eval).

Files are written atomically: the document goes to a temporary file in the target's folder,
is flushed to disk, and replaces the target in one ``os.replace``. A crash leaves either the old
file or the new one, never a mixture.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pybandits._version import __version__

if TYPE_CHECKING:
    from pybandits.mab import BaseMab

__all__ = ["SCHEMA_VERSION", "load", "save"]

#: Version of the state document's layout. Version 1 documents (pybandits 0.1, before reward
#: families) are migrated on load: a contextual action's ``n_successes``/``n_failures`` move into
#: its ``stats``, and it gets the Bernoulli family it implicitly had.
SCHEMA_VERSION = 2

_ENVELOPE_KEYS = {"schema_version", "class", "pybandits_version", "rng", "bandit"}
_BANDIT_CLASSES: dict[str, type[BaseMab]] = {}


def register_bandit(cls: type[BaseMab]) -> type[BaseMab]:
    """Class decorator: make a concrete bandit class loadable by name."""
    _BANDIT_CLASSES[cls.__name__] = cls
    return cls


def bandit_class(name: str) -> type[BaseMab]:
    """The bandit class called ``name``."""
    try:
        return _BANDIT_CLASSES[name]
    except KeyError:
        raise ValueError(
            f"state: expected the class of a pybandits bandit ({', '.join(sorted(_BANDIT_CLASSES))}), got {name!r}"
        ) from None


# -- the random generator ----------------------------------------------------------------------


def rng_to_state(rng: np.random.Generator) -> dict[str, Any]:
    """JSON-safe state of a PCG64 generator (its 128-bit integers as decimal strings)."""
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
    """The generator described by :func:`rng_to_state`'s output."""
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


def to_document(bandit: BaseMab) -> dict[str, Any]:
    """The state document of ``bandit`` as plain Python objects."""
    return {
        "schema_version": SCHEMA_VERSION,
        "class": type(bandit).__name__,
        "pybandits_version": __version__,
        "rng": rng_to_state(bandit._rng),
        "bandit": bandit.model_dump(mode="json"),
    }


def dumps(document: dict[str, Any]) -> str:
    """Serialise a state document; floats are written so that they read back exactly."""
    try:
        return json.dumps(document, allow_nan=False)
    except ValueError as error:
        raise ValueError(f"state: the bandit holds a non-finite number and cannot be saved: {error}") from None


def parse_json(state: str | bytes | Mapping[str, Any]) -> Any:
    """JSON text parsed (a mapping is returned as it is), with errors that say what was expected."""
    if isinstance(state, str | bytes | bytearray):
        try:
            return json.loads(state)
        except json.JSONDecodeError as error:
            raise ValueError(f"state: expected a JSON document, got invalid JSON ({error})") from None
        except RecursionError:
            raise ValueError("state: expected a JSON document, got one nested too deeply") from None
    if isinstance(state, Mapping):
        return state
    raise TypeError(f"state: expected JSON text or a mapping, got {type(state).__name__}")


def check_envelope(document: Any) -> dict[str, Any]:
    """Check the envelope of a parsed state document; returns it as a dict."""
    if isinstance(document, Mapping):
        document = dict(document)
    if not isinstance(document, dict):
        raise ValueError(f"state: expected a JSON object, got {type(document).__name__}")
    if "schema_version" not in document:
        raise ValueError("state: expected a pybandits state with a 'schema_version', got a document without one")
    version = document["schema_version"]
    if version == 1 and not isinstance(version, bool):
        document = _migrate_v1(document)
        version = document["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        hint = " written by a newer pybandits; upgrade pybandits to read it" if newer else ""
        raise ValueError(
            f"state: expected schema version {SCHEMA_VERSION} (this pybandits {__version__}), got {version!r}{hint}"
        )
    if set(document) != _ENVELOPE_KEYS:
        missing = sorted(_ENVELOPE_KEYS - set(document))
        unknown = sorted(set(document) - _ENVELOPE_KEYS)
        raise ValueError(f"state: expected keys {sorted(_ENVELOPE_KEYS)}, missing {missing}, unknown {unknown}")
    if not isinstance(document["class"], str):
        raise ValueError(f"state: expected 'class' to be a class name, got {document['class']!r:.100}")
    if not isinstance(document["bandit"], dict):
        raise ValueError("state: expected 'bandit' to be a JSON object")
    return document


def _migrate_v1(document: dict[str, Any]) -> dict[str, Any]:
    """A version 1 document in the version 2 layout (see :data:`SCHEMA_VERSION`); the input is not changed."""
    bandit = document.get("bandit")
    if not isinstance(bandit, dict) or not isinstance(bandit.get("actions"), dict):
        return {**document, "schema_version": SCHEMA_VERSION}  # the envelope checks report what is wrong

    def migrate_model(model: Any) -> Any:
        if isinstance(model, dict) and "network" in model and "stats" not in model:
            counts = {key: model[key] for key in ("n_successes", "n_failures") if key in model}
            rest = {key: value for key, value in model.items() if key not in counts}
            return {**rest, "family": {"name": "bernoulli"}, "aux": {}, "stats": counts}
        if isinstance(model, dict) and isinstance(model.get("objectives"), list):
            return {**model, "objectives": [migrate_model(objective) for objective in model["objectives"]]}
        return model

    actions = {action_id: migrate_model(model) for action_id, model in bandit["actions"].items()}
    return {**document, "schema_version": SCHEMA_VERSION, "bandit": {**bandit, "actions": actions}}


# -- files -------------------------------------------------------------------------------------


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` so that the file is always either the old one or the new one."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable where the platform allows
        try:
            directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            with contextlib.suppress(OSError):
                os.fsync(directory)
        finally:
            os.close(directory)


def save(bandit: BaseMab, path: str | os.PathLike) -> None:
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
    from pybandits.mab import BaseMab

    if not isinstance(bandit, BaseMab):
        raise TypeError(f"bandit: expected a pybandits bandit, got {type(bandit).__name__}")
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path: expected a file path, got {type(path).__name__}")
    _, text = bandit.get_state()
    atomic_write_text(path, text)


def load(path: str | os.PathLike, price_functions: Mapping[str, Any] | None = None) -> BaseMab:
    """Read a bandit written by :func:`save`; the file records the bandit's class.

    ``price_functions``: for a dynamic-pricing bandit whose quantitative actions are priced by
    functions, those functions by action (a state holds no code; see ``BaseMab.from_state``).

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
    from pybandits.mab import BaseMab

    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path: expected a file path, got {type(path).__name__}")
    text = Path(path).read_bytes()
    try:
        return BaseMab.from_state(text, price_functions)
    except ValueError as error:
        raise ValueError(f"{os.fspath(path)}: {error}") from error
