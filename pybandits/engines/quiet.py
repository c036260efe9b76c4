"""Quiet fits, thread by thread: PyMC's informational log lines dropped while this thread runs a fit.

Nothing process-wide is changed during a fit: no logger's level, no warning filter. A logging
filter attached to PyMC's loggers drops their records below a level only when the thread that
logs them is running a pybandits fit (:class:`Quiet`); another thread's records pass, and so do
this thread's once the fit ends, or fails.

Examples
--------
>>> import logging
>>> record = logging.LogRecord("pymc", logging.INFO, __file__, 1, "Sampling...", None, None)
>>> with Quiet():
...     _QUIET_FILTERS["pymc"].filter(record)
False
>>> _QUIET_FILTERS["pymc"].filter(record)
True
"""

from __future__ import annotations

import logging
import threading

__all__ = ["Quiet"]

_FITTING = threading.local()


class _QuietInFits(logging.Filter):
    """Drops PyMC's records below ``level`` logged by a thread that is running a pybandits fit."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level or not getattr(_FITTING, "active", False)


_QUIET_FILTERS = {"pymc": _QuietInFits(logging.WARNING), "pytensor.tensor.blas": _QuietInFits(logging.ERROR)}


def _install_quiet_filters() -> None:
    """Attach the filters to PyMC's loggers (a logger's filters do not apply to its children's records)."""
    names = [name for name in list(logging.root.manager.loggerDict) if name == "pymc" or name.startswith("pymc.")]
    for name in [*names, "pytensor.tensor.blas"]:
        quiet = _QUIET_FILTERS["pytensor.tensor.blas" if name.startswith("pytensor") else "pymc"]
        logger = logging.getLogger(name)
        if quiet not in logger.filters:
            logger.addFilter(quiet)


class Quiet:
    """While a fit runs in this thread, PyMC's informational records of this thread are dropped.

    Entering attaches the filters to PyMC's loggers created since the last fit.

    Examples
    --------
    >>> with Quiet():
    ...     pass
    """

    def __enter__(self) -> None:
        _install_quiet_filters()  # PyMC's loggers created since the last fit
        self.was_active = getattr(_FITTING, "active", False)
        _FITTING.active = True

    def __exit__(self, *exc: object) -> None:
        _FITTING.active = self.was_active
