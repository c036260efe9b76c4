"""Bandits described in configuration files: a class name and the arguments of its ``cold_start``.

A config is a TOML or JSON document (chosen by the file's extension, ``.toml`` or ``.json``) with
two top-level keys, ``class`` and ``cold_start``::

    class = "CmabBernoulliCC"

    [cold_start]
    action_ids_cost = { a1 = 1.0, a2 = 3.5 }
    n_features = 3
    hidden_dim_list = [8]
    update_kwargs = { num_steps = 200 }
    random_seed = 0
    strategy = { name = "CostControlBandit", subsidy_factor = 0.3 }

or, in JSON, ``{"class": "CmabBernoulliCC", "cold_start": {"action_ids_cost": {"a1": 1.0, ...}}}``.

- ``class`` names a public bandit class of :mod:`pybandits.smab` or :mod:`pybandits.cmab`
  (``SmabBernoulli``, ``CmabGaussianMOCC``...; :func:`bandit_class_names` lists them): the classes
  of :mod:`pybandits.persistence.registry`, the same that saved states name.
- ``cold_start`` holds keyword arguments of that class's ``cold_start``
  (:meth:`pybandits.smab.BaseSmab.cold_start`, :meth:`pybandits.cmab.BaseCmab.cold_start`), as
  TOML/JSON values: arrays for lists, tables for mappings. An argument ``cold_start`` does not take
  is refused with the accepted ones listed; every value is checked by ``cold_start`` itself, so a
  config is refused with the same ``TypeError``/``ValueError`` (naming the argument) as the
  equivalent Python call.
- ``strategy``, the one argument that takes an object, is a table with the ``name`` of a class of
  :mod:`pybandits.bandits.strategies` and that strategy's fields (``{ name = "BestActionIdentificationBandit",
  exploit_p = 0.7 }``). The name is required, and must be the strategy the bandit class plays
  (``CostControlBandit`` for ``CmabBernoulliCC``): a config says what it means, and a name that does
  not fit is refused by ``cold_start``. Leave ``strategy`` out for the class's default strategy.

Config files are meant for version control: a retraining job creates its bandit from one with
``pybandits init`` and evolves a trained bandit to a new one with ``pybandits edit --template``
(see :mod:`pybandits.cli`).

Examples
--------
>>> from pybandits.config import bandit_from_config
>>> mab = bandit_from_config(
...     {"class": "SmabBernoulliBAI", "cold_start": {"action_ids": ["a", "b"], "strategy": {
...         "name": "BestActionIdentificationBandit", "exploit_p": 0.8}}}
... )
>>> type(mab).__name__, list(mab.actions), mab.strategy.exploit_p
('SmabBernoulliBAI', ['a', 'b'], 0.8)
"""

from __future__ import annotations

import difflib
import inspect
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pybandits import cmab as _cmab  # noqa: F401  (registers the contextual bandit classes)
from pybandits import smab as _smab  # noqa: F401  (registers the stochastic bandit classes)
from pybandits.bandits import strategies as _strategy
from pybandits.bandits.base import BaseMab
from pybandits.boundary.files import unique_keys
from pybandits.boundary.validation import describe, pydantic_error
from pybandits.persistence import registry

__all__ = ["CONFIG_SUFFIXES", "bandit_class_names", "bandit_from_config", "is_config", "read_config"]

#: The extensions of config files, and the format each one is read as.
CONFIG_SUFFIXES = {".toml": "TOML", ".json": "JSON"}

_KEYS = ("class", "cold_start")


def _strategy_classes() -> dict[str, type[_strategy.Strategy]]:
    """The concrete strategy classes of :mod:`pybandits.bandits.strategies`, by name."""
    return {
        name: getattr(_strategy, name)
        for name in _strategy.__all__
        if name != "Strategy" and issubclass(getattr(_strategy, name), _strategy.Strategy)
    }


def bandit_class_names() -> list[str]:
    """The names a config's ``class`` may take, sorted.

    Examples
    --------
    >>> names = bandit_class_names()
    >>> "SmabBernoulli" in names and "CmabGaussianMOCC" in names and "BaseCmab" not in names
    True
    """
    return registry.bandit_class_names()


def _did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# -- reading files -------------------------------------------------------------------------------


def read_config(path: str | os.PathLike) -> dict[str, Any]:
    """The parsed document of a config file (TOML for ``.toml``, JSON for ``.json``), not yet checked.

    Raises
    ------
    FileNotFoundError, OSError
        When the file does not exist or cannot be read.
    TypeError
        When ``path`` is not a path.
    ValueError
        For another extension, text that is not UTF-8 or not valid TOML/JSON (duplicate keys
        included), or a JSON document that is not an object. The message starts with the path.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "bandit.json")
    >>> with open(path, "w") as handle:
    ...     _ = handle.write('{"class": "SmabBernoulli", "cold_start": {"action_ids": ["a", "b"]}}')
    >>> read_config(path)
    {'class': 'SmabBernoulli', 'cold_start': {'action_ids': ['a', 'b']}}
    >>> read_config(path.replace(".json", ".yaml"))
    Traceback (most recent call last):
    ...
    ValueError: ...bandit.yaml: expected a .toml or .json config file, got the extension '.yaml'
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path: expected a path to a .toml or .json config file, got {describe(path)}")
    name = os.fspath(path)
    suffix = Path(name).suffix.lower()
    if suffix not in CONFIG_SUFFIXES:
        got = f"the extension {Path(name).suffix!r}" if suffix else "a file without an extension"
        raise ValueError(f"{name}: expected a .toml or .json config file, got {got}")
    data = Path(name).read_bytes()
    kind = CONFIG_SUFFIXES[suffix]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        problem = f"{error.reason} at byte {error.start}"
        raise ValueError(f"{name}: expected UTF-8 text, got undecodable bytes ({problem})") from None
    try:
        document = tomllib.loads(text) if kind == "TOML" else json.loads(text, object_pairs_hook=unique_keys)
    except (tomllib.TOMLDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise ValueError(f"{name}: expected a {kind} document, got invalid {kind} ({error})") from None
    except RecursionError:
        raise ValueError(f"{name}: expected a {kind} document, got one nested too deeply") from None
    if not isinstance(document, dict):
        raise ValueError(
            f"{name}: expected a JSON object with the keys 'class' and 'cold_start', got a {type(document).__name__}"
        )
    return document


def is_config(document: Any) -> bool:
    """Whether a parsed JSON/TOML document is a config rather than a bandit's saved state.

    A config has a top-level ``class`` or ``cold_start`` key and no ``schema_version``: every
    state :func:`pybandits.save` writes has a ``schema_version``, and states of the original
    pybandits library have neither ``class`` nor ``cold_start``.

    Examples
    --------
    >>> is_config({"class": "SmabBernoulli", "cold_start": {"action_ids": ["a"]}})
    True
    >>> is_config({"schema_version": 2, "class": "SmabBernoulli", "bandit": {}})
    False
    """
    return isinstance(document, Mapping) and "schema_version" not in document and bool(set(_KEYS) & set(document))


# -- building the bandit -------------------------------------------------------------------------


def _strategy_from(value: Any, cls: type[BaseMab]) -> Any:
    """The strategy object a config's ``strategy`` table describes (a strategy object is kept)."""
    expected = cls.strategy_type.__name__
    if value is None or isinstance(value, _strategy.Strategy):
        return value
    example = f'{{name = "{expected}", ...its fields}}'
    if not isinstance(value, Mapping):
        raise TypeError(
            f"strategy: expected a table with the strategy's name and fields ({example}), got {describe(value)}"
        )
    if "name" not in value:
        raise ValueError(
            f"strategy: expected a 'name' key naming the strategy class ({expected} for {cls.__name__}), "
            f"got the keys {sorted(map(str, value))}"
        )
    name, fields = value["name"], {key: item for key, item in value.items() if key != "name"}
    classes = _strategy_classes()
    if not isinstance(name, str):
        raise TypeError(f"strategy: expected 'name' to be a strategy class name ({expected}), got {describe(name)}")
    if name not in classes:
        raise ValueError(
            f"strategy: expected 'name' to be one of {', '.join(sorted(classes))} ({expected} for {cls.__name__}), "
            f"got {name!r}{_did_you_mean(name, list(classes))}"
        )
    try:
        return classes[name](**fields)
    except ValidationError as error:
        raise pydantic_error(error, "strategy") from None


def _from_document(document: Any) -> BaseMab:
    if not isinstance(document, Mapping):
        raise TypeError(f"config: expected a mapping with the keys 'class' and 'cold_start', got {describe(document)}")
    if "schema_version" in document:
        raise ValueError(
            "config: expected a config with the keys 'class' and 'cold_start', got a saved bandit's state "
            "(a pybandits.save file, with 'schema_version'); load it with pybandits.load"
        )
    classes = registry.bandit_classes()
    unknown = sorted(set(document) - set(_KEYS), key=str)
    if unknown:
        raise ValueError(f"config: expected the keys 'class' and 'cold_start' only, got unknown {unknown}")
    if "class" not in document:
        raise ValueError(f"class: expected the name of a bandit class ({', '.join(sorted(classes))}), got no 'class'")
    name = document["class"]
    if not isinstance(name, str):
        raise TypeError(f"class: expected the name of a bandit class, got {describe(name)}")
    if name not in classes:
        raise ValueError(
            f"class: expected one of {', '.join(sorted(classes))}, got {name!r}{_did_you_mean(name, list(classes))}"
        )
    cls = classes[name]
    if "cold_start" not in document:
        raise ValueError(f"cold_start: expected a table of {name}.cold_start's arguments, got no 'cold_start'")
    arguments = document["cold_start"]
    if not isinstance(arguments, Mapping):
        raise TypeError(f"cold_start: expected a table of {name}.cold_start's arguments, got {describe(arguments)}")
    accepted = [p for p in inspect.signature(cls.cold_start).parameters if p != "cls"]
    for key in arguments:
        if key not in accepted:
            raise TypeError(
                f"cold_start: {name}.cold_start takes no argument {key!r}{_did_you_mean(str(key), accepted)}; "
                f"expected one of {', '.join(accepted)}"
            )
    arguments = dict(arguments)
    if "strategy" in arguments:
        arguments["strategy"] = _strategy_from(arguments["strategy"], cls)
    return cls.cold_start(**arguments)


def bandit_from_config(config: str | os.PathLike | Mapping[str, Any]) -> BaseMab:
    """The bandit a config describes: ``class`` cold-started with the ``cold_start`` arguments.

    Parameters
    ----------
    config : str, os.PathLike or mapping
        A ``.toml`` or ``.json`` config file, or its parsed document (see the module's
        description of the format).

    Returns
    -------
    BaseMab
        ``cls.cold_start(**arguments)``: equal to the bandit the same Python call makes.

    Raises
    ------
    FileNotFoundError, OSError
        When the file does not exist or cannot be read.
    TypeError
        For a value of the wrong kind (``class`` not a string, an argument ``cold_start`` does not
        take, ``strategy`` not a table...), including every ``TypeError`` of ``cold_start``.
    ValueError
        For another extension, a file that is not valid TOML/JSON, a missing, unknown or extra
        key, an unknown class or strategy name, or a value out of range (every ``ValueError`` of
        ``cold_start``). Read from a file, every message starts with the file's path.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "bandit.toml")
    >>> with open(path, "w") as handle:
    ...     _ = handle.write('''
    ... class = "CmabBernoulli"
    ... [cold_start]
    ... action_ids = ["a1", "a2"]
    ... n_features = 3
    ... hidden_dim_list = [8]
    ... update_kwargs = { num_steps = 200 }
    ... random_seed = 0
    ... ''')
    >>> from pybandits.cmab import CmabBernoulli
    >>> mab = bandit_from_config(path)
    >>> mab == CmabBernoulli.cold_start(
    ...     action_ids=["a1", "a2"], n_features=3, hidden_dim_list=[8], update_kwargs={"num_steps": 200}, random_seed=0
    ... )
    True
    >>> bandit_from_config({"class": "CmabBernoulli", "cold_start": {"n_feature": 3}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: cold_start: CmabBernoulli.cold_start takes no argument 'n_feature' (did you mean 'n_features'?); ...
    """
    if isinstance(config, Mapping):
        return _from_document(config)
    if not isinstance(config, str | os.PathLike):
        raise TypeError(f"config: expected a path to a .toml or .json config file or a mapping, got {describe(config)}")
    document = read_config(config)
    try:
        return _from_document(document)
    except (TypeError, ValueError) as error:
        raise (ValueError if isinstance(error, ValueError) else TypeError)(f"{os.fspath(config)}: {error}") from error
