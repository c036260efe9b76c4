"""The single source of pybandits' version."""

__version__ = "0.2.0"
