"""What an app server keeps between page runs, bounded by bytes rather than by a number of entries.

A committed snapshot never changes, so its rows (and its rows as a district's page shows them),
its metric tables, the pages' views built from them, the meeting decks and the maps are kept once
per server and shared by every session, read-only. At a million volunteers one frame is a few
hundred megabytes while a district's is a tenth of that, and a view is a few kilobytes to a few
megabytes: a cache that counts entries would either thrash or grow until the machine kills the
server. A `FrameCache` holds values up to a number of bytes, measured by `value_bytes`, dropping the
least recently used first; a value larger than the whole budget is handed out without being
kept. Two sessions asking for the same value at once make it once. The app keeps two: the rows
(`Settings.cache_bytes`, CIVDASH_CACHE_MB) and what is made from them (`Settings.view_cache_bytes`,
CIVDASH_VIEW_CACHE_MB), so that one large snapshot read does not push out a hundred small views
that each took a second to make. `MemoryGuard` keeps the whole server under
`Settings.memory_ceiling_bytes` (CIVDASH_MEMORY_MB): past 85 % of it, both drop their older half.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import sys
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import cachetools
import numpy as np
import pandas as pd

__all__ = ["FrameCache", "MemoryGuard", "frame_bytes", "resident_bytes", "value_bytes"]

_log = logging.getLogger(__name__)

T = TypeVar("T")


def value_bytes(value: object) -> int:
    """The memory a kept value holds, roughly: frames and series by their buffers (text too),
    arrays by theirs, and the containers, dataclasses and Altair charts they sit in by what
    they hold; each object once. Never iterates other mappings (the dashboard's lazy ledger
    frames would read every snapshot to be measured)."""
    seen: set[int] = set()
    total = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        obj, depth = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, pd.DataFrame | pd.Series):
            used = obj.memory_usage(index=True, deep=True)
            total += int(used.sum() if isinstance(used, pd.Series) else used)
            continue
        if isinstance(obj, np.ndarray):
            total += int(obj.nbytes)
            continue
        total += sys.getsizeof(obj, 64)
        if depth >= 16 or isinstance(obj, str | bytes | bytearray | int | float | bool):
            continue
        if type(obj) is dict:
            children: list[object] = [*obj.keys(), *obj.values()]  # type: ignore[attr-defined]
        elif isinstance(obj, list | tuple | set | frozenset):
            children = list(obj)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            children = [getattr(obj, f.name, None) for f in dataclasses.fields(obj)]
        elif hasattr(obj, "_kwds") and type(obj).__module__.startswith("altair"):
            # an Altair chart keeps its data frame and its layers in `_kwds`
            children = [obj._kwds, getattr(obj, "_args", ())]
        else:
            continue
        stack.extend((child, depth + 1) for child in children)
    return total


frame_bytes = value_bytes
"""The name the cache was first written with (it held only frames then)."""


def resident_bytes() -> int | None:
    """This process's resident memory (Linux: /proc/self/statm), or None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * _PAGE_SIZE


_PAGE_SIZE = 4096
with contextlib.suppress(AttributeError, ValueError, OSError):
    import os as _os

    _PAGE_SIZE = _os.sysconf("SC_PAGE_SIZE")


class FrameCache:
    """A least-recently-used cache bounded by `frame_bytes`, safe to share between threads."""

    def __init__(self, max_bytes: int) -> None:
        self._lru: cachetools.LRUCache[Hashable, object] = cachetools.LRUCache(
            maxsize=max(int(max_bytes), 1), getsizeof=frame_bytes
        )
        self._lock = threading.Lock()
        self._loading: dict[Hashable, threading.Lock] = {}

    @property
    def max_bytes(self) -> int:
        return int(self._lru.maxsize)

    @property
    def bytes_used(self) -> int:
        with self._lock:
            return int(self._lru.currsize)

    def __len__(self) -> int:
        with self._lock:
            return len(self._lru)

    def peek(self, key: Hashable) -> object | None:
        """The value kept under `key` (it becomes the most recently used), or None: never
        makes it."""
        with self._lock:
            return self._lru.get(key)

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept under `key`, else `make()` (kept when it fits the budget)."""
        with self._lock:
            if key in self._lru:
                return self._lru[key]  # type: ignore[return-value]
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:
            with self._lock:
                if key in self._lru:
                    return self._lru[key]  # type: ignore[return-value]
            try:
                value = make()
                # a frame larger than the whole budget is handed out, not kept
                with self._lock, contextlib.suppress(ValueError):
                    self._lru[key] = value
            finally:
                with self._lock:
                    self._loading.pop(key, None)
            return value

    def trim(self, max_bytes: int) -> int:
        """Drop the least recently used values until at most `max_bytes` are kept; returns the
        bytes dropped."""
        dropped = 0
        with self._lock:
            while self._lru and self._lru.currsize > max_bytes:
                _, value = self._lru.popitem()
                dropped += value_bytes(value)
        return dropped

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()


class MemoryGuard:
    """Keeps a server's resident memory under `ceiling` bytes: `check()` (run at the start of
    every page run) drops the older half of each of `caches` when the process is past `share`
    of the ceiling (again at the next run if that was not enough); `resident` reads the
    process's memory (a test passes its own)."""

    def __init__(
        self,
        caches: Sequence[FrameCache],
        ceiling: int,
        *,
        share: float = 0.85,
        resident: Callable[[], int | None] = resident_bytes,
    ) -> None:
        self._caches = tuple(caches)
        self.limit = int(ceiling * share)
        self._resident = resident
        self._lock = threading.Lock()
        self.trims = 0

    def check(self) -> bool:
        """Trim the cache if the process is over the limit; whether it did."""
        used = self._resident()
        if used is None or used <= self.limit or not self._lock.acquire(blocking=False):
            return False
        try:
            dropped = sum(cache.trim(cache.bytes_used // 2) for cache in self._caches)
            gc.collect()
            _release_freed_memory()
            self.trims += 1
            _log.warning(
                "resident memory %d MB over %d MB: dropped %d MB of kept data",
                used >> 20,
                self.limit >> 20,
                dropped >> 20,
            )
            return True
        finally:
            self._lock.release()


def _release_freed_memory() -> None:
    """Give freed heap pages back to the system (glibc's malloc_trim), where there is one."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
