"""Persistence: state documents, the registry of bandit classes, and the migrations of old states.

- :mod:`~pybandits.persistence.registry`: the one registry of bandit classes, by name, used by
  state loading and by configs;
- :mod:`~pybandits.persistence.documents`: the state document (its envelope, the random
  generator's state), atomic files, :func:`save` and :func:`load`;
- :mod:`~pybandits.persistence.migrations`: the chain of ``dict -> dict`` migrations (schema 1 ->
  2 -> current, and the original library's 4.x/5.x states -> current), applied before validation;
- :mod:`~pybandits.persistence.legacy`: ``from_old_state``, the original library's states as bandits.

This package sits beside the bandits: it imports none of them (an import-linter contract checks
it), and bandits import none of its migration code.
"""

from pybandits.persistence.documents import SCHEMA_VERSION, load, save
from pybandits.persistence.registry import register_bandit

__all__ = ["SCHEMA_VERSION", "load", "register_bandit", "save"]
