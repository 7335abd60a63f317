"""BaseRunner and RunnerCapabilities: what every runner offers."""

from __future__ import annotations

import abc
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from typing_extensions import Self

from hypergraph.events.dispatcher import check_processors, shutdown_processors
from hypergraph.events.processor import EventProcessor
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
    """A runner executes a Graph's Plan; subclasses differ only in how they call nodes.

    `event_processors` watch every run and map of this runner. They are shut down once: by
    `close()` (or leaving a `with` block), else when the runner is garbage-collected or the
    interpreter exits.
    """

    default_max_iterations: int = 1000

    def __init__(
        self,
        cache: CacheBackend | None = None,
        *,
        event_processors: Sequence[EventProcessor] | None = None,
    ) -> None:
        if cache is not None and not isinstance(cache, CacheBackend):
            raise TypeError(
                f"cache must be a cache backend (an object with get(key) and set(key, value), "
                f"such as InMemoryCache() or DiskCache(path)) or None, got {cache!r}"
            )
        self.cache = cache
        """The backend that nodes with cache=True read and write (None: no caching)."""
        self._run_cache = RunCache(cache) if cache is not None else None
        sync_only = not self.capabilities.returns_coroutine
        self.event_processors = check_processors(event_processors, sync_only=sync_only)
        self._closed = False
        self._finalizer = (
            weakref.finalize(self, shutdown_processors, self.event_processors)
            if self.event_processors
            else None
        )

    @property
    @abc.abstractmethod
    def capabilities(self) -> RunnerCapabilities:
        """What this runner supports."""

    def close(self) -> None:
        """Shut the runner's event processors down (once); the runner then refuses to run."""
        self._closed = True
        if self._finalizer is not None:
            self._finalizer()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this runner was closed; create a new runner to run again")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
