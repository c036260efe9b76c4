"""Contextual model kinds: the one seam through which a contextual bandit builds, draws, fits and grows its models.

See :mod:`pybandits.kinds.base` for the seam, :mod:`pybandits.kinds.per_action` and
:mod:`pybandits.kinds.trunk` for the two kinds.

Examples
--------
>>> from pybandits.cmab import CmabBernoulli
>>> kind_of(CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2)).name
'networks per action'
"""

from __future__ import annotations

from typing import Any

from pybandits.kinds.base import ContextualKind, FitBatch
from pybandits.kinds.per_action import PerActionNetworks
from pybandits.kinds.trunk import SharedTrunk

__all__ = ["PER_ACTION_NETWORKS", "SHARED_TRUNK", "ContextualKind", "FitBatch", "kind_of"]

PER_ACTION_NETWORKS = PerActionNetworks()
SHARED_TRUNK = SharedTrunk()


def kind_of(mab_or_trunk: Any) -> ContextualKind:
    """The kind of a contextual bandit (or of a cold-start spec): a shared trunk when it has one.

    The one place the kind is chosen: from the bandit's ``backbone`` field (a state describes its
    kind by its fields), or from a :class:`~pybandits.model.specs.NetworkSpec`'s ``trunk``.
    """
    trunk = getattr(mab_or_trunk, "backbone", None) if hasattr(mab_or_trunk, "backbone") else mab_or_trunk.trunk
    return PER_ACTION_NETWORKS if trunk is None else SHARED_TRUNK
