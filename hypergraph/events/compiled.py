"""Event processors watching compiled modules: `observe(...)` for `run(observer=...)`.

A module compiled with ``[graph] events = true`` reports its run through a structural
protocol written into the module (`Observer.run_start(graph) -> RunObserver`); the
`CompiledObserver` made here turns those calls into the events the runners emit (run start
and end, node start, end and error, route decisions, cache hits and retried attempts), so the
same processors watch both. A nested graph's run is `CompiledRun.child` of its parent's (nested
in the GraphNode's span; a map of items when the GraphNode is mapped, each item
`CompiledRun.item` of the map), as the runners report it. Compiled modules report no
supersteps.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from hypergraph.events.dispatcher import EventDispatcher, check_processors, shutdown_processors
from hypergraph.events.processor import EventProcessor
from hypergraph.events.scope import RunScope
from hypergraph.events.types import map_status

__all__ = ["CompiledObserver", "CompiledRun", "observe"]


def observe(processors: Sequence[EventProcessor]) -> CompiledObserver:
    """An observer for a compiled module's `run(observer=...)` that feeds `processors`."""
    return CompiledObserver(processors)


class CompiledObserver:
    """Reports compiled runs to event processors; `close()` (or `with`) shuts them down.

    One observer can watch many runs, one after another or at once: each run gets its own
    `CompiledRun`. Processors are called on the thread that started the run (the event
    loop's for an async module; calls from worker threads are handed to it).
    """

    def __init__(self, processors: Sequence[EventProcessor]) -> None:
        self.processors = check_processors(processors, sync_only=True)
        self.dispatcher = EventDispatcher(self.processors)
        self._closed = False

    def run_start(self, graph: str) -> CompiledRun:
        """A run of compiled graph `graph` starts (called by the module)."""
        scope = RunScope(self.dispatcher, _run_id(), graph)
        scope.run_start()
        return CompiledRun(scope)

    def close(self) -> None:
        """Shut the processors down (once)."""
        if not self._closed:
            self._closed = True
            shutdown_processors(self.processors)

    def __enter__(self) -> CompiledObserver:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _run_id() -> str:
    return f"run-{uuid.uuid4().hex[:24]}"


class CompiledRun:
    """One compiled run's events (the module's `RunObserver`): a run, a nested graph's child
    run, a map of a mapped nested graph, or one of its items."""

    __slots__ = ("_failed", "_loop", "_map", "_started", "_thread", "scope")

    def __init__(self, scope: RunScope, of_map: CompiledRun | None = None) -> None:
        self.scope = scope
        self._map = of_map
        """For an item: the map it belongs to (told when the item fails)."""
        self._started = 0
        self._failed = 0
        self._thread = threading.get_ident()
        self._loop: asyncio.AbstractEventLoop | None = asyncio._get_running_loop()

    def _call(self, method: Callable[..., None], *args: Any) -> None:
        # a node run in a worker thread reports from there: hand it to the run's loop
        if self._loop is not None and threading.get_ident() != self._thread:
            self._loop.call_soon_threadsafe(method, *args)
        else:
            method(*args)

    def node_start(self, node: str) -> None:
        """Node `node` starts."""
        self._call(self.scope.node_start, node)

    def node_end(self, node: str) -> None:
        """Node `node` finished."""
        self._call(self.scope.node_end, node)

    def node_error(self, node: str, error: BaseException) -> None:
        """Node `node` failed."""
        self._call(self.scope.node_error, node, error)

    def route_decision(self, node: str, decision: str | list[str] | None) -> None:
        """Gate `node` decided."""
        self._call(self.scope.route, node, decision)

    def child(self, node: str, graph: str, map_size: int | None) -> CompiledRun:
        """GraphNode `node` starts the run of nested graph `graph` (a map of `map_size` items
        when mapped), nested in the node's span; the run's start is reported."""
        scope = self.scope.child(node, _run_id(), graph)
        scope.run_start(is_map=map_size is not None, map_size=map_size)
        return CompiledRun(scope)

    def item(self, index: int) -> CompiledRun:
        """Item `index` of this map starts, nested in the map's span."""
        self._started += 1
        scope = self.scope.item(index, _run_id())
        scope.run_start()
        return CompiledRun(scope, self)

    def cache_hit(self, node: str, key: str) -> None:
        """Node `node`'s result came from the run's cache (modules with cached nodes)."""
        self._call(self.scope.cache_hit, node, key)

    def node_retry(
        self, node: str, attempt: int, error: BaseException, seconds: float, delay: float
    ) -> None:
        """Attempt `attempt` of node `node` failed and is retried (modules with retries)."""
        self._call(self.scope.retry, node, attempt, error, seconds, delay)

    def run_end(self, error: BaseException | None) -> None:
        """The run ended (with `error` if it failed). A map that did not fail ends as the
        runners' maps do: PARTIAL when some items failed, FAILED when all did."""
        if self._map is not None and error is not None:
            self._map._failed += 1
        if error is None and self._failed:
            self._call(self.scope.run_end, None, map_status(self._failed, self._started))
        else:
            self._call(self.scope.run_end, error)
