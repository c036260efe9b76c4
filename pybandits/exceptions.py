"""Exceptions of pybandits."""

__all__ = ["FitError"]


class FitError(RuntimeError):
    """A posterior fit failed (for example a non-finite loss); the bandit was left unchanged."""
