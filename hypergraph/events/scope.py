"""`RunScope`: what one run (a run, a map, a map item, a nested graph's child run) reports.

The runners make one scope per run, only when processors are attached, and call it at their
hook points; the adapter for compiled modules (`hypergraph.events.compiled`) drives the same
methods, so both back ends make the same events. Node policies report from inside the node's
call: a cache hit with `cache_hit(node, key)`, a failed attempt that is retried with `retry`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any, TypeVar

from hypergraph.events.dispatcher import EventDispatcher
from hypergraph.events.types import (
    CacheHitEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeRetryEvent,
    NodeStartEvent,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
    StreamingChunkEvent,
    SuperstepStartEvent,
    new_span_id,
)

__all__ = ["RunScope", "decision_value"]

_E = TypeVar("_E")


def _make(cls: type[_E], fields: dict[str, Any]) -> _E:
    """An event of `cls` from all its fields: the frozen dataclass's own `__init__` sets
    them one `object.__setattr__` at a time, which would double what an event costs."""
    event = object.__new__(cls)
    event.__dict__.update(fields)
    return event


END_NAME = "END"


def decision_value(
    multi_target: bool, targets: Sequence[str], ended: bool
) -> str | list[str] | None:
    """A validated gate decision as `RouteDecisionEvent.decision` shows it."""
    if multi_target:
        return [*targets, END_NAME] if ended else list(targets)
    if ended:
        return END_NAME
    return targets[0] if targets else None


class RunScope:
    """The events of one run: its start and end, its supersteps, its nodes' spans.

    Methods are called from the run's thread (the event loop's under AsyncRunner), except
    `cache_hit` and `chunk`, which a node may call from a worker thread.
    """

    __slots__ = (
        "_attempts",
        "_base",
        "_cached",
        "_loop",
        "_nodes",
        "_started",
        "_thread",
        "dispatcher",
        "graph_name",
        "item_index",
        "parent_span_id",
        "run_id",
        "span_id",
    )

    def __init__(
        self,
        dispatcher: EventDispatcher,
        run_id: str,
        graph_name: str | None,
        parent_span_id: str | None = None,
        item_index: int | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.run_id = run_id
        self.graph_name = graph_name or ""
        self.span_id = new_span_id()
        self.parent_span_id = parent_span_id
        self.item_index = item_index
        self._nodes: dict[str, tuple[str, float]] = {}
        self._cached: dict[str, str] = {}
        self._attempts: dict[str, int] = {}
        self._started = time.perf_counter()
        self._thread = threading.get_ident()
        self._loop: asyncio.AbstractEventLoop | None = asyncio._get_running_loop()
        self._base = {
            "run_id": run_id,
            "parent_span_id": self.span_id,
            "item_index": item_index,
            "graph_name": self.graph_name,
        }
        """The fields every node event of this run shares."""

    # -- nesting ---------------------------------------------------------------------------

    def child(self, node_name: str, run_id: str, graph_name: str | None) -> RunScope:
        """The scope of GraphNode `node_name`'s child run (or its map), nested in its span."""
        span = self._nodes.get(node_name)
        parent = span[0] if span is not None else self.span_id
        return RunScope(self.dispatcher, run_id, graph_name, parent, self.item_index)

    def item(self, index: int, run_id: str) -> RunScope:
        """The scope of item `index` of this map."""
        return RunScope(self.dispatcher, run_id, self.graph_name, self.span_id, index)

    # -- the run ---------------------------------------------------------------------------

    def run_start(self, *, is_map: bool = False, map_size: int | None = None) -> None:
        """The run starts."""
        self._started = time.perf_counter()
        fields = {
            "run_id": self.run_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent_span_id,
            "item_index": self.item_index,
            "timestamp": time.time(),
            "graph_name": self.graph_name,
            "workflow_id": None,
            "is_map": is_map,
            "map_size": map_size,
        }
        self.dispatcher.emit(_make(RunStartEvent, fields))

    def run_end(self, error: BaseException | None = None, status: RunStatus | None = None) -> None:
        """The run ended: COMPLETED, or FAILED with `error` (or the given `status`)."""
        if status is None:
            status = RunStatus.COMPLETED if error is None else RunStatus.FAILED
        fields = {
            "run_id": self.run_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent_span_id,
            "item_index": self.item_index,
            "timestamp": time.time(),
            "graph_name": self.graph_name,
            "status": status,
            "error": None if error is None else _message(error),
            "error_type": None if error is None else type(error).__name__,
            "duration_ms": (time.perf_counter() - self._started) * 1000,
        }
        self.dispatcher.emit(_make(RunEndEvent, fields))

    def superstep(self, index: int) -> None:
        """Superstep `index` starts."""
        fields = {
            "run_id": self.run_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent_span_id,
            "item_index": self.item_index,
            "timestamp": time.time(),
            "graph_name": self.graph_name,
            "superstep": index,
        }
        self.dispatcher.emit(_make(SuperstepStartEvent, fields))

    # -- nodes -----------------------------------------------------------------------------

    def node_start(self, name: str) -> None:
        """Node `name` starts."""
        span = new_span_id()
        self._nodes[name] = (span, time.perf_counter())
        fields = {**self._base, "span_id": span, "timestamp": time.time(), "node_name": name}
        self.dispatcher.emit(_make(NodeStartEvent, fields))

    def _span(self, name: str) -> tuple[str, float]:
        span = self._nodes.pop(name, None)
        return span if span is not None else (new_span_id(), time.perf_counter())

    def node_end(self, name: str) -> None:
        """Node `name` finished (after a `cache_hit`: a CacheHitEvent first, then cached)."""
        span, started = self._span(name)
        key = self._cached.pop(name, None) if self._cached else None
        if key is not None:
            self.dispatcher.emit(
                CacheHitEvent(
                    run_id=self.run_id,
                    span_id=span,
                    parent_span_id=self.span_id,
                    item_index=self.item_index,
                    node_name=name,
                    graph_name=self.graph_name,
                    cache_key=key,
                )
            )
        fields = {
            **self._base,
            "span_id": span,
            "timestamp": time.time(),
            "node_name": name,
            "duration_ms": (time.perf_counter() - started) * 1000,
            "cached": key is not None,
            "attempt": self._attempts.pop(name, 1) if self._attempts else 1,
        }
        self.dispatcher.emit(_make(NodeEndEvent, fields))

    def node_error(self, name: str, error: BaseException) -> None:
        """Node `name` failed with `error` (a cancelled node: CancelledError)."""
        span, started = self._span(name)
        self._cached.pop(name, None)
        attempt = self._attempts.pop(name, 1) if self._attempts else 1
        self.dispatcher.emit(
            NodeErrorEvent(
                run_id=self.run_id,
                span_id=span,
                parent_span_id=self.span_id,
                item_index=self.item_index,
                node_name=name,
                graph_name=self.graph_name,
                error=_message(error),
                error_type=type(error).__name__,
                duration_ms=(time.perf_counter() - started) * 1000,
                attempt=attempt,
            )
        )

    def retry(
        self, name: str, attempt: int, error: BaseException, seconds: float, delay: float
    ) -> None:
        """Attempt `attempt` of node `name` failed with `error` after `seconds`; the node is
        called again after `delay` seconds (a NodeRetryEvent in the node's span)."""
        self._attempts[name] = attempt + 1
        span = self._nodes.get(name)
        self.dispatcher.emit(
            NodeRetryEvent(
                run_id=self.run_id,
                span_id=span[0] if span is not None else new_span_id(),
                parent_span_id=self.span_id,
                item_index=self.item_index,
                node_name=name,
                graph_name=self.graph_name,
                attempt=attempt,
                error=_message(error),
                error_type=type(error).__name__,
                duration_ms=seconds * 1000,
                delay_ms=delay * 1000,
            )
        )

    def route(self, name: str, decision: str | list[str] | None) -> None:
        """Gate `name` decided (between its start and end)."""
        span = self._nodes.get(name)
        self.dispatcher.emit(
            RouteDecisionEvent(
                run_id=self.run_id,
                span_id=span[0] if span is not None else new_span_id(),
                parent_span_id=self.span_id,
                item_index=self.item_index,
                node_name=name,
                graph_name=self.graph_name,
                decision=decision,
            )
        )

    def cache_hit(self, name: str, cache_key: str) -> None:
        """Node `name`'s result comes from a cache under `cache_key`: its end is reported as
        a CacheHitEvent, then NodeEndEvent(cached=True). Safe from a worker thread."""
        self._cached[name] = cache_key

    def chunk(self, name: str, chunk: Any) -> None:
        """Node `name` streamed `chunk`. Safe from a worker thread (delivered on the loop)."""
        span = self._nodes.get(name)
        event = StreamingChunkEvent(
            run_id=self.run_id,
            span_id=span[0] if span is not None else new_span_id(),
            parent_span_id=self.span_id,
            item_index=self.item_index,
            node_name=name,
            graph_name=self.graph_name,
            chunk=chunk,
        )
        if self._loop is not None and threading.get_ident() != self._thread:
            self._loop.call_soon_threadsafe(self.dispatcher.emit, event)
        else:
            self.dispatcher.emit(event)


def _message(error: BaseException) -> str:
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    return str(error) or type(error).__name__
