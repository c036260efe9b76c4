"""A bandit's state as JSON, and as a file (the public names of :mod:`pybandits.persistence.documents`).

The state document is a JSON object::

    {
      "schema_version": 2,
      "class": "SmabBernoulli",
      "pybandits_version": "0.1.0",
      "rng": {"bit_generator": "PCG64", "state": "...", "inc": "...", ...},
      "bandit": {... the bandit's fields: actions, strategy, epsilon, default_action ...}
    }

``schema_version`` is the version of this layout; a document of an earlier version (or a state of
the original pybandits library) is migrated on load, as data, before it is validated
(:mod:`pybandits.persistence.migrations`); a document of a version the migrations do not lead from,
a newer one included, is refused with both versions named. ``rng`` is the state of the bandit's
random generator, so a loaded bandit continues the random stream where the saved one stopped
instead of replaying it.

Loading parses JSON and validates it against the typed models; it never executes code from the
file (no pickle, no eval).

Files are written atomically: the document goes to a temporary file in the target's folder,
is flushed to disk, and replaces the target in one ``os.replace``. A crash leaves either the old
file or the new one, never a mixture.
"""

# the public names, and (importable from here as before) the envelope, the generator's state, atomic
# files and the registry
from pybandits.persistence.documents import (  # noqa: F401
    SCHEMA_VERSION,
    atomic_write_text,
    check_envelope,
    dumps,
    load,
    parse_json,
    read_document,
    rng_from_state,
    rng_to_state,
    save,
    to_document,
)
from pybandits.persistence.registry import bandit_class, register_bandit  # noqa: F401

__all__ = ["SCHEMA_VERSION", "load", "save"]
