"""The one registry of bandit classes, by name: what a state's ``class`` and a config's ``class`` may name.

A concrete bandit class registers itself with :func:`register_bandit` where it is defined
(:mod:`pybandits.smab`, :mod:`pybandits.cmab`); importing :mod:`pybandits` imports those modules,
so every class is registered before any state or config is read. This module imports no bandit
module: it holds classes it is given, and knows them only by name.

Examples
--------
>>> import pybandits
>>> from pybandits.persistence.registry import bandit_class, bandit_class_names
>>> bandit_class("SmabBernoulli").__name__
'SmabBernoulli'
>>> "CmabGaussianMOCC" in bandit_class_names()
True
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["bandit_class", "bandit_class_names", "bandit_classes", "is_bandit", "register_bandit"]

_Class = TypeVar("_Class", bound=type)

_CLASSES: dict[str, type[Any]] = {}


def register_bandit(cls: _Class) -> _Class:
    """Class decorator: make a concrete bandit class loadable from states and nameable in configs.

    The class is registered under its ``__name__``; a later class of the same name replaces it.

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> register_bandit(SmabBernoulli) is SmabBernoulli
    True
    >>> register_bandit("SmabBernoulli")
    Traceback (most recent call last):
    ...
    TypeError: register_bandit: expected a bandit class, got str
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_bandit: expected a bandit class, got {type(cls).__name__}")
    _CLASSES[cls.__name__] = cls
    return cls


def bandit_class(name: str) -> type[Any]:
    """The registered bandit class called ``name``.

    Raises
    ------
    ValueError
        When no bandit class of that name is registered (the message lists the names).

    Examples
    --------
    >>> import pybandits
    >>> bandit_class("CmabBernoulli").__name__
    'CmabBernoulli'
    >>> bandit_class("Nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: state: expected the class of a pybandits bandit (CmabBernoulli, ...), got 'Nope'
    """
    try:
        return _CLASSES[name]
    except (KeyError, TypeError):  # TypeError: an unhashable name
        raise ValueError(
            f"state: expected the class of a pybandits bandit ({', '.join(sorted(_CLASSES))}), got {name!r}"
        ) from None


def bandit_classes() -> dict[str, type[Any]]:
    """Every registered bandit class, by name (a copy: changing it registers nothing).

    Examples
    --------
    >>> import pybandits
    >>> classes = bandit_classes()
    >>> classes["SmabGaussian"].__name__, len(classes) >= 22
    ('SmabGaussian', True)
    """
    return dict(_CLASSES)


def bandit_class_names() -> list[str]:
    """The names of the registered bandit classes, sorted.

    Examples
    --------
    >>> import pybandits
    >>> names = bandit_class_names()
    >>> names == sorted(names) and "SmabBernoulli" in names and "BaseMab" not in names
    True
    """
    return sorted(_CLASSES)


def is_bandit(value: Any) -> bool:
    """Whether ``value`` is an instance of a registered bandit class (or of a subclass of one).

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> is_bandit(SmabBernoulli.cold_start(action_ids={"a"})), is_bandit({"actions": {}})
    (True, False)
    """
    return isinstance(value, tuple(_CLASSES.values()))
