"""The single source of pybandits' version."""

__version__ = "0.1.0"
