"""Exceptions of pybandits."""

__all__ = ["ConvergenceWarning", "FitError"]


class FitError(RuntimeError):
    """A posterior fit failed (for example a non-finite loss); the bandit was left unchanged."""


class ConvergenceWarning(UserWarning):
    """A fit finished but its diagnostics suggest the posterior is not trustworthy (r_hat, ESS)."""
