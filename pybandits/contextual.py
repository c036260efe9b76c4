"""The base class of the contextual bandits, at the import path users know: see :mod:`pybandits.bandits.contextual`."""

from pybandits.bandits.contextual import (
    DIST_TYPES,
    BaseCmab,
)

__all__ = ["DIST_TYPES", "BaseCmab"]
