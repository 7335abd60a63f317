"""Where cached results live: the `CacheBackend` protocol and the in-memory backend.

Both shipped backends keep a pickled snapshot of each value and return a fresh copy on every
hit (`pickle.loads`), so what a node downstream does to a cached value never changes the
cache, and a hit is equal to the value the computation returned when it was stored. A value
that cannot be pickled is not cached: `set` raises pickle's error and the runner turns it
into a warning naming the node.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections import OrderedDict
from typing import Any

__all__ = ["InMemoryCache", "dumps", "loads"]

log = logging.getLogger("hypergraph.cache")


def dumps(value: Any) -> bytes:
    """The snapshot a shipped backend stores (raises if `value` cannot be pickled)."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def loads(data: bytes) -> Any:
    """A fresh copy of a stored value."""
    return pickle.loads(data)


class InMemoryCache:
    """Results in this process's memory; least recently used entries go first once more than
    `max_size` are stored (None: unbounded). Thread-safe."""

    def __init__(self, max_size: int | None = None) -> None:
        if max_size is not None and (
            not isinstance(max_size, int) or isinstance(max_size, bool) or max_size < 1
        ):
            raise ValueError(
                f"InMemoryCache: max_size must be an int >= 1 or None, got {max_size!r}"
            )
        self.max_size = max_size
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, Any]:
        """``(True, a fresh copy)`` if `key` is stored, else ``(False, None)``."""
        with self._lock:
            data = self._entries.get(key)
            if data is None:
                return False, None
            self._entries.move_to_end(key)
        try:
            return True, loads(data)
        except Exception as exc:  # e.g. its class was redefined since: a miss, not a crash
            log.warning("InMemoryCache: entry %s cannot be read back (%r); dropped", key, exc)
            with self._lock:
                self._entries.pop(key, None)
            return False, None

    def set(self, key: str, value: Any) -> None:
        """Store a snapshot of `value`, dropping the least recently used entries beyond
        `max_size`."""
        data = dumps(value)
        with self._lock:
            self._entries[key] = data
            self._entries.move_to_end(key)
            if self.max_size is not None:
                while len(self._entries) > self.max_size:
                    self._entries.popitem(last=False)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __repr__(self) -> str:
        return f"InMemoryCache(max_size={self.max_size!r}, entries={len(self)})"
