"""Migrate states written by the original pybandits library (its PyMC releases, 4.x to 5.x).

That library's ``get_state()`` returns ``(class_name, json_text)``, where the text is the pydantic
dump of the bandit. :func:`from_old_state` turns such a state into the equivalent bandit of this
package; :func:`is_old_state` tells such a state apart from this package's. The migration itself is
data to data (:mod:`pybandits.persistence.migrations.original` describes what becomes what, and
what is refused with a ``ValueError`` naming it); this module keeps the public names where they
always were.

The migrated bandit samples from the same posteriors, so it predicts like the original did,
within sampling error. Old states carry no random generator state: pass ``random_seed`` for a
reproducible stream.

``pybandits.load`` and ``BaseMab.from_state`` recognise an old state too (it has no
``schema_version``) and migrate it the same way, inferring the class from the state.
"""

from pybandits.persistence.legacy import from_old_state, is_old_state

__all__ = ["from_old_state", "is_old_state"]
