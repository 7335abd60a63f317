"""Node policies: result caching, retries and timeouts (docs/policies.md).

`@node(cache=True)` marks a node (or a gate) whose results a runner with a `cache=` backend
may reuse; `@node(retry=...)` calls a failing node again; `@node(timeout=...)` bounds each
call. The runners apply them around the node's call (`hypergraph.runners`); compiled modules
write the same behaviour out (`codegen`).
"""

from hypergraph.exceptions import CacheKeyError, NodeTimeoutError
from hypergraph.policies.backends import CacheBackend, InMemoryCache
from hypergraph.policies.disk import DiskCache
from hypergraph.policies.keys import KEY_VERSION, cache_key
from hypergraph.policies.retry import RetryPolicy, attempt_errors

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
