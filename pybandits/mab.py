"""The base class of every bandit, at the import path users know: see :mod:`pybandits.bandits.base`."""

from pybandits.bandits.base import (
    BaseMab,
)

__all__ = ["BaseMab"]
