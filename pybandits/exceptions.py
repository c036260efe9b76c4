"""Exceptions of pybandits."""

__all__ = ["ConvergenceWarning", "DataWarning", "FitError", "MigrationWarning"]


class FitError(RuntimeError):
    """A posterior fit failed (for example a non-finite loss); the bandit was left unchanged.

    Examples
    --------
    >>> issubclass(FitError, RuntimeError)
    True
    """


class ConvergenceWarning(UserWarning):
    """A fit finished but its diagnostics suggest the posterior is not trustworthy (r_hat, ESS).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("max r_hat 1.05", ConvergenceWarning)
    >>> caught[0].category.__name__
    'ConvergenceWarning'
    """


class DataWarning(UserWarning):
    """The data of an update can barely inform the model (constant or badly scaled features).

    Examples
    --------
    >>> issubclass(DataWarning, UserWarning)
    True
    """


class MigrationWarning(UserWarning):
    """A state of the original pybandits library used an option that has no equivalent here.

    The message names the option; the migrated bandit uses this package's default for it.

    Examples
    --------
    >>> issubclass(MigrationWarning, UserWarning)
    True
    """
