"""Fitting actions in parallel (the import path users know): see :mod:`pybandits.engines.executors`.

``process_pool(n)`` gives ``update(..., executor=...)`` a process pool set up for PyMC;
``fit_actions`` fits a bandit's played actions, here or on an executor.

Examples
--------
>>> from pybandits.parallel import process_pool
>>> with process_pool(1, start=False) as executor:
...     type(executor).__name__
'ProcessPoolExecutor'
"""

from pybandits.engines.executors import fit_actions, process_pool

__all__ = ["fit_actions", "process_pool"]
