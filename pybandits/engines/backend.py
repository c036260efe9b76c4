"""PyMC and PyTensor, imported on demand and configured once; a worker process's compile directory.

Nothing here is imported by ``import pybandits``: the engines that need PyMC call
:func:`import_pymc` when they are first imported, which is on the first fit, never on the
prediction path.

**Quiet import.** Where PyTensor finds no BLAS to link its C code against, its matrix products go
through numpy, whose own BLAS is fast; the warning PyTensor gives about it only alarms users, so
it is silenced (once, at import) unless the user configured ``blas__ldflags`` themselves.

**Compile directories of worker processes.** PyTensor serialises compilation in one compile
directory with a file lock, so worker processes sharing a directory wait on each other. A worker
process that has not imported PyTensor yet claims one of a set of numbered compile directories
(``~/.pytensor/pybandits-workers/slot-N``) for its lifetime, held with a lock file
(:func:`claim_compile_slot`); the slots persist, so the next job's workers find their caches warm.
The claim changes ``PYTENSOR_FLAGS`` in ``os.environ`` under a lock: the threads of a Dask worker
start their first fits together, and only one of them may claim a slot.

Examples
--------
>>> claim_compile_slot()  # in the user's own process: nothing to do
>>> "base_compiledir" in os.environ.get("PYTENSOR_FLAGS", "")
False
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["claim_compile_slot", "import_pymc"]

_IMPORT_LOCK = threading.Lock()  # held while PyMC is imported and configured (once per process)
_PYMC: ModuleType | None = None
_SLOT_LOCK = threading.Lock()  # held while a thread checks and claims this process's compile slot
_SLOT_HANDLE: Any = None  # the open lock file of this process's compile slot


def import_pymc() -> ModuleType:
    """PyMC, imported quietly (without the BLAS warning of a pip install) and with PyTensor configured.

    The import and the configuration happen once per process; later calls return the module.

    Examples
    --------
    >>> import_pymc().__name__
    'pymc'
    """
    global _PYMC
    with _IMPORT_LOCK:
        if _PYMC is None:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
                warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")
                import pymc
                import pytensor

                if "blas__ldflags" not in os.environ.get("PYTENSOR_FLAGS", ""):
                    _ = pytensor.config.blas__ldflags  # resolve the default now, while the warning is muted
            _PYMC = pymc
        return _PYMC


def claim_compile_slot() -> None:
    """Give this worker process a compile directory of its own, if PyTensor is not imported yet.

    Only in processes started by ``multiprocessing`` (pool and Dask workers): the user's own
    process keeps PyTensor's default compile directory. Safe to call from several threads at once:
    one of them claims the slot, the others find it claimed.
    """
    global _SLOT_HANDLE
    with _SLOT_LOCK:
        if _SLOT_HANDLE is not None or "pytensor" in sys.modules or multiprocessing.parent_process() is None:
            return  # already done, too late, or not a worker process (the user's own process keeps its setup)
        if "base_compiledir" in os.environ.get("PYTENSOR_FLAGS", ""):
            return  # the user chose a directory
        try:
            import fcntl
        except ImportError:  # not POSIX: share the default directory and its lock
            return
        root = Path(os.environ.get("PYBANDITS_WORKER_COMPILEDIR", Path.home() / ".pytensor" / "pybandits-workers"))
        root.mkdir(parents=True, exist_ok=True)
        for slot in range(256):
            handle = open(root / f"slot-{slot}.lock", "w")  # noqa: SIM115 (held for the process's life)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            _SLOT_HANDLE = handle
            flags = os.environ.get("PYTENSOR_FLAGS", "")
            directory = root / f"slot-{slot}"
            os.environ["PYTENSOR_FLAGS"] = (
                f"{flags},base_compiledir={directory}" if flags else f"base_compiledir={directory}"
            )
            return
