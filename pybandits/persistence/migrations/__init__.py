"""Migrations of state documents: pure ``dict -> dict`` steps, applied before anything is validated.

- :mod:`~pybandits.persistence.migrations.v1_to_v2`: schema 1 -> 2 (reward families);
- :mod:`~pybandits.persistence.migrations.original`: the original pybandits library's states
  (4.x-5.x) -> schema 2;
- :mod:`~pybandits.persistence.migrations.runner`: the chain, :data:`SCHEMA_VERSION` and
  :func:`migrate`.

No module here imports a bandit class: bandits never import migration code, and migrations know
the bandits only as the JSON they are saved as.
"""

from pybandits.persistence.migrations.original import is_old_state
from pybandits.persistence.migrations.runner import CHAIN, SCHEMA_VERSION, Step, migrate, version_error

__all__ = ["CHAIN", "SCHEMA_VERSION", "Step", "is_old_state", "migrate", "version_error"]
