"""The original pybandits library's states (its PyMC releases, 4.x to 5.x) -> a schema 2 document.

That library's ``get_state()`` returns ``(class_name, json_text)``, where the text is the pydantic
dump of the bandit: the actions (under ``actions_manager`` from 4.x on), the strategy, ``epsilon``,
``default_action`` and the library's ``version``. It has no ``schema_version``: that is how
:func:`is_old_state` tells it apart. :func:`migrate` turns it into the state document of the
equivalent bandit of this package, in the layout of schema version 2 (:data:`TARGET`), which the
migration chain then carries to the current version:

- a Beta action keeps its ``n_successes``/``n_failures`` (and ``cost``);
- a Bayesian neural network keeps every weight's and bias's posterior (``mu``, ``sigma`` and, for
  Student-t arrays, ``nu``), its activation, residual connections, counts and cost; a Normal array
  becomes a Student-t array with ``nu = inf``, which is the same distribution;
- categorical columns (release 5.0.0, the only one of that line with them: ``feature_config``
  names each column, its cardinality and embedding size, and ``model_params.embedding_params``
  holds one ``(cardinality, embedding_dim)`` table per column) become
  :class:`~pybandits.model.bnn.network.Embedding` tables with every entry's distribution kept.
  The original's first layer reads the numeric columns, then the embeddings in the order the
  columns were declared; here the embeddings follow in column order, so the first layer's weight
  rows are reordered to match and the network computes the same function;
- multi-objective actions keep one model per objective;
- ``update_method``/``update_kwargs`` become :class:`~pybandits.model.bnn.settings.VISettings` or
  :class:`~pybandits.model.bnn.settings.MCMCSettings`; options without an equivalent are named in
  a :class:`~pybandits.exceptions.MigrationWarning` and the default is used.

What has no equivalent here is refused with a ``ValueError`` naming it, never dropped: adaptive
windows (``delta``), quantitative actions, residual connections on layers that widen (the original
zero-pads those; here a residual joins only layers of equal width), and categorical columns of a
single category (here a categorical column has at least two). So is a state whose embedding
tables, ``feature_config`` and first layer disagree on their shapes.

The document written has no ``rng``: old states record no random generator state, so whoever
builds the bandit decides its generator (``from_old_state``'s ``random_seed``; fresh entropy for
``pybandits.load`` and ``BaseMab.from_state``). Like every migration, this one is a pure function
of plain data: it imports no bandit class and never changes its input.

Examples
--------
>>> old = {"actions_manager": {"actions": {"a": {"n_successes": 5, "n_failures": 2}}, "delta": None},
...        "strategy": {}, "epsilon": None, "default_action": None, "version": "5.0.0"}
>>> new = migrate(old)
>>> new["schema_version"], new["class"], new["pybandits_version"], "rng" in new
(2, 'SmabBernoulli', '5.0.0', False)
>>> new["bandit"]["actions"]
{'a': {'n_successes': 5, 'n_failures': 2, 'cost': None}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pybandits.persistence.migrations.original.bandit import convert_bandit
from pybandits.persistence.migrations.original.common import describe_keys

__all__ = ["TARGET", "is_old_state", "migrate", "require_old_state"]

#: The schema version of the documents :func:`migrate` writes (the layout it was written for).
TARGET = 2


def is_old_state(document: Any) -> bool:
    """Whether a parsed JSON document is a state of the original library (not of this package).

    Examples
    --------
    >>> is_old_state({"actions_manager": {"actions": {}}, "strategy": {}, "version": "5.0.0"})
    True
    >>> is_old_state({"schema_version": 1, "class": "SmabBernoulli"})
    False
    """
    return (
        isinstance(document, Mapping)
        and "schema_version" not in document
        and "strategy" in document
        and ("actions_manager" in document or "actions" in document)
    )


def require_old_state(document: Any) -> None:
    """Refuse a parsed document that is not a state of the original library, describing what it is.

    Examples
    --------
    >>> require_old_state({"schema_version": 2})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: state: expected a state of the original pybandits library (...), got an object with keys [...]
    """
    if not is_old_state(document):
        raise ValueError(
            "state: expected a state of the original pybandits library (with 'actions_manager' and 'strategy'), "
            f"got {describe_keys(document)}"
        )


def migrate(document: Mapping[str, Any]) -> dict[str, Any]:
    """The schema :data:`TARGET` document (without ``rng``) of the bandit an original state describes.

    Raises
    ------
    ValueError
        When ``document`` is not a state of the original library, or uses a feature this package
        does not have (the message names it).
    """
    require_old_state(document)
    bandit, class_name = convert_bandit(document)
    return {
        "schema_version": TARGET,
        "class": class_name,
        "pybandits_version": document.get("version") or "unknown",
        "bandit": bandit,
    }
