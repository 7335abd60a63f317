"""BaseRunner and RunnerCapabilities: what every runner offers."""

from __future__ import annotations

import abc
from dataclasses import dataclass

from hypergraph.policies.protocol import CacheBackend
from hypergraph.runners._steps import RunCache

__all__ = ["BaseRunner", "RunnerCapabilities"]


@dataclass(frozen=True)
class RunnerCapabilities:
    """What a runner can execute."""

    supports_cycles: bool = True
    supports_gates: bool = True
    supports_async_nodes: bool = False
    returns_coroutine: bool = False


class BaseRunner(abc.ABC):
    """A runner executes a Graph's Plan; subclasses differ only in how they call nodes."""

    default_max_iterations: int = 1000

    def __init__(self, cache: CacheBackend | None = None) -> None:
        if cache is not None and not isinstance(cache, CacheBackend):
            raise TypeError(
                f"cache must be a cache backend (an object with get(key) and set(key, value), "
                f"such as InMemoryCache() or DiskCache(path)) or None, got {cache!r}"
            )
        self.cache = cache
        """The backend that nodes with cache=True read and write (None: no caching)."""
        self._run_cache = RunCache(cache) if cache is not None else None

    @property
    @abc.abstractmethod
    def capabilities(self) -> RunnerCapabilities:
        """What this runner supports."""
