"""The server's snapshot frames, kept up to a number of bytes rather than a number of entries.

A committed snapshot never changes, so its rows (and its rows as a district's page shows them)
are kept once per server and shared by every session, read-only. At a million volunteers one
frame is a few hundred megabytes while a district's is a tenth of that: a cache that counts
entries would either thrash or grow until the machine kills the server. This one holds at most
`Settings.cache_bytes` (CIVDASH_CACHE_MB), dropping the least recently used frames first; a
frame larger than the whole budget is handed out without being kept. Two sessions asking for the
same frame at once read it once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

import cachetools
import pandas as pd

__all__ = ["FrameCache", "frame_bytes"]

T = TypeVar("T")


def frame_bytes(value: object) -> int:
    """The memory a cached value holds: a frame's columns and index (text by its buffers)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=True).sum())
    return 1


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

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()
