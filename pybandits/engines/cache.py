"""The process's cache of compiled fitting engines: bounded, least recently used first out, thread-safe.

A compiled ADVI engine (:mod:`pybandits.engines.advi`) is keyed by what shapes its graph: the
network's layer shapes, activation and residual rule, the reward family, the graph-shaping ADVI
settings and the number of action slots of a batched fit. Transfer learning creates new shapes, so
a long-running process (a notebook, a service retraining every hour) would otherwise collect
engines without end; the cache keeps the ``max_size`` most recently used ones (default 32, each
a few megabytes) and drops the least recently used one beyond that. A dropped engine is compiled
again when its shape comes back (fast: PyTensor keeps the compiled C code on disk). NUTS's
compiled models (:mod:`pybandits.engines.nuts`) and the trunk's training functions
(:mod:`pybandits.engines.trunk`) live in the same cache.

Every entry carries its own lock. An engine's compiled function and data containers are shared
state, so fits on one engine take turns, while fits on different engines run at the same time;
building an engine happens under its entry's lock, never under the cache's.

This module does not import PyMC, so that the cache can be configured before anything is compiled.

Examples
--------
>>> cache = EngineCache(max_size=2)
>>> for key in ("a", "b", "a", "c"):
...     with cache.hold(key, build=lambda: object()):
...         pass
>>> cache.keys()  # "b" was the least recently used when "c" came
['a', 'c']
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

__all__ = ["ENGINES", "EngineCache", "cache_size", "clear_cache", "engine_cache_info", "set_engine_cache_size"]

DEFAULT_MAX_SIZE = 32


class _Entry:
    __slots__ = ("engine", "lock")

    def __init__(self) -> None:
        self.engine: Any = None
        self.lock = threading.Lock()


class EngineCache:
    """A bounded least-recently-used map from graph key to engine, with a lock per entry.

    Examples
    --------
    >>> cache = EngineCache(max_size=4)
    >>> with cache.hold(("shape", 2), build=lambda: "compiled engine") as engine:
    ...     engine
    'compiled engine'
    >>> len(cache)
    1
    """

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE) -> None:
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.max_size = _check_size(max_size)

    @contextlib.contextmanager
    def hold(self, key: Hashable, build: Callable[[], Any]) -> Iterator[Any]:
        """The engine of ``key`` (built by ``build()`` when missing), held by this thread while the block runs."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
            self._entries.move_to_end(key)
            self._evict()
        with entry.lock:
            if entry.engine is None:
                entry.engine = build()
            yield entry.engine

    def resize(self, max_size: int) -> None:
        """Keep at most ``max_size`` engines from now on (dropping the least recently used now)."""
        size = _check_size(max_size)
        with self._lock:
            self.max_size = size
            self._evict()

    def clear(self) -> None:
        """Forget every engine (fits running now keep theirs until they end)."""
        with self._lock:
            self._entries.clear()

    def keys(self) -> list[Hashable]:
        """The keys held, least recently used first."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _evict(self) -> None:
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)  # a fit holding that engine keeps its own reference


def _check_size(max_size: Any) -> int:
    if not isinstance(max_size, int) or isinstance(max_size, bool) or max_size < 1:
        raise ValueError(f"max_size: expected an integer >= 1, got {max_size!r}")
    return max_size


#: The process's engines.
ENGINES = EngineCache()


def set_engine_cache_size(max_size: int) -> None:
    """Keep at most ``max_size`` compiled fitting engines in this process (default 32).

    Each engine is one network shape (and batch size of a batched fit); the least recently used
    is dropped first. Raise it when a process cycles through many shapes (it then compiles less),
    lower it to bound memory in a long-running service.

    Examples
    --------
    >>> set_engine_cache_size(64)
    >>> engine_cache_info()["max_size"]
    64
    >>> set_engine_cache_size(32)
    """
    ENGINES.resize(max_size)


def engine_cache_info() -> dict[str, int]:
    """``{"size": engines held, "max_size": the bound}``.

    Examples
    --------
    >>> sorted(engine_cache_info())
    ['max_size', 'size']
    """
    return {"size": len(ENGINES), "max_size": ENGINES.max_size}


def clear_cache() -> None:
    """Forget every compiled engine of this process (fits running now keep theirs until they end).

    Examples
    --------
    >>> clear_cache()
    >>> cache_size()
    0
    """
    ENGINES.clear()


def cache_size() -> int:
    """Number of compiled engines held by this process.

    Examples
    --------
    >>> cache_size() <= engine_cache_info()["max_size"]
    True
    """
    return len(ENGINES)
