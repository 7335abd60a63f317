"""Node policies: result caching, retries and timeouts (docs/policies.md).

`@node(cache=True)` marks a node (or a gate) whose results a runner with a `cache=` backend
may reuse; `@node(retry=...)` calls a failing node again; `@node(timeout=...)` bounds each
call. The runners apply them around the node's call (`hypergraph.runners`); compiled modules
write the same behaviour out (`codegen`).

The backends and the key encoder are imported on first use (`DiskCache` brings in sqlite3),
so a program that never caches does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hypergraph.exceptions import CacheKeyError, NodeTimeoutError
from hypergraph.policies.protocol import CacheBackend
from hypergraph.policies.retry import RetryPolicy, attempt_errors

if TYPE_CHECKING:
    from hypergraph.policies.backends import InMemoryCache
    from hypergraph.policies.disk import DiskCache
    from hypergraph.policies.keys import KEY_VERSION, cache_key

__all__ = [
    "KEY_VERSION",
    "CacheBackend",
    "CacheKeyError",
    "DiskCache",
    "InMemoryCache",
    "NodeTimeoutError",
    "RetryPolicy",
    "attempt_errors",
    "cache_key",
]

_LAZY = {
    "InMemoryCache": "backends",
    "DiskCache": "disk",
    "KEY_VERSION": "keys",
    "cache_key": "keys",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hypergraph.policies' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"hypergraph.policies.{module}"), name)
    globals()[name] = value
    return value
