"""pybandits: multi-armed bandits with Thompson sampling, on PyMC.

Stochastic bandits keep a Beta posterior per action (:mod:`pybandits.smab`); contextual bandits
keep a Bayesian neural network per action, fitted with PyMC (:mod:`pybandits.cmab`). Every bandit
can be saved to and loaded from a JSON file with :func:`save` and :func:`load`.
"""

from pybandits._version import __version__
from pybandits.boundary.quantities import ActionChoice
from pybandits.engines.cache import engine_cache_info, set_engine_cache_size
from pybandits.persistence import SCHEMA_VERSION, load, save

__all__ = [
    "SCHEMA_VERSION",
    "ActionChoice",
    "__version__",
    "engine_cache_info",
    "load",
    "save",
    "set_engine_cache_size",
]

# Import the bandit modules so that every bandit class is registered for ``load``.
from pybandits import cmab as _cmab  # noqa: F401
from pybandits import smab as _smab  # noqa: F401
