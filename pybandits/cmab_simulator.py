"""The original library's path of its contextual simulator (:class:`pybandits.compat.simulators.CmabSimulator`)."""

from pybandits.compat.simulators import CmabSimulator

__all__ = ["CmabSimulator"]
