"""The `CacheBackend` protocol: what a runner's `cache=` must provide."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["CacheBackend"]


@runtime_checkable
class CacheBackend(Protocol):
    """What a runner's `cache=` must provide (structurally: any object with these methods).

    Keys are hex strings (`hypergraph.policies.cache_key`). `get` returns ``(True, value)`` on
    a hit and ``(False, None)`` on a miss; `set` stores a value. Runners call both from the
    thread that runs the graph (AsyncRunner: on the event loop), so a backend for a remote
    store should answer quickly. An exception from either is reported as a warning naming the
    node, and the node is computed as if uncached.
    """

    def get(self, key: str) -> tuple[bool, Any]:
        """``(True, value)`` if `key` is stored, else ``(False, None)``."""
        ...

    def set(self, key: str, value: Any) -> None:
        """Store `value` under `key`."""
        ...
