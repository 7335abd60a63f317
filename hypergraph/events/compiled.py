"""Event processors watching compiled modules: `observe(...)` for `run(observer=...)`.

A module compiled with ``[graph] events = true`` reports its run through a structural
protocol written into the module (`Observer.run_start(graph) -> RunObserver`); the
`CompiledObserver` made here turns those calls into the events the runners emit (run start
and end, node start, end and error, route decisions, cache hits and retried attempts), so the
same processors watch both.
Compiled modules flatten nothing here (nested graphs are refused with events) and report no
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
        scope = RunScope(self.dispatcher, f"run-{uuid.uuid4().hex[:24]}", graph)
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


class CompiledRun:
    """One compiled run's events (the module's `RunObserver`)."""

    __slots__ = ("_loop", "_thread", "scope")

    def __init__(self, scope: RunScope) -> None:
        self.scope = scope
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

    def cache_hit(self, node: str, key: str) -> None:
        """Node `node`'s result came from the run's cache (modules with cached nodes)."""
        self._call(self.scope.cache_hit, node, key)

    def node_retry(
        self, node: str, attempt: int, error: BaseException, seconds: float, delay: float
    ) -> None:
        """Attempt `attempt` of node `node` failed and is retried (modules with retries)."""
        self._call(self.scope.retry, node, attempt, error, seconds, delay)

    def run_end(self, error: BaseException | None) -> None:
        """The run ended (with `error` if it failed)."""
        self._call(self.scope.run_end, error)
