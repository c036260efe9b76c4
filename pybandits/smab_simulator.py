"""The original library's path of its stochastic simulator (:class:`pybandits.compat.simulators.SmabSimulator`)."""

from pybandits.compat.simulators import SmabSimulator

__all__ = ["SmabSimulator"]
