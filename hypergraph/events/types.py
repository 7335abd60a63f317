"""The events a run reports: frozen dataclasses of plain data (picklable, comparable).

Every event carries where it happened: `run_id` (the run it belongs to: a run, a map, a map
item or a nested graph's child run), `span_id` (its own id), `parent_span_id` (the span it
nests in: a node's span for its child run, a map's span for its items, the run's span for its
nodes) and `item_index` (the item of a map it belongs to, if any), plus a wall-clock
`timestamp` (`time.time()`). Errors are carried as text (`error`, `error_type`), never as
exception objects, so events can cross process boundaries.
"""

from __future__ import annotations

import enum
import itertools
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Union

__all__ = [
    "map_status",
    "BaseEvent",
    "CacheHitEvent",
    "Event",
    "NodeEndEvent",
    "NodeErrorEvent",
    "NodeRetryEvent",
    "NodeStartEvent",
    "RouteDecisionEvent",
    "RunEndEvent",
    "RunStartEvent",
    "RunStatus",
    "StreamingChunkEvent",
    "SuperstepStartEvent",
    "new_span_id",
]


class RunStatus(str, enum.Enum):
    """How a run ended (the same enum as `hypergraph.RunStatus`)."""

    COMPLETED = "completed"
    FAILED = "failed"
    PARTIAL = "partial"
    PAUSED = "paused"
    STOPPED = "stopped"


def map_status(failed: int, total: int) -> RunStatus:
    """How a map of `total` items ended when `failed` of them failed: COMPLETED when none
    did (or there were none), FAILED when all did, else PARTIAL."""
    if not failed:
        return RunStatus.COMPLETED
    return RunStatus.FAILED if failed == total else RunStatus.PARTIAL


_SPAN_PREFIX = f"{os.getpid():x}-{uuid.uuid4().hex[:8]}-"
_SPAN_NUMBERS = itertools.count(1)


def new_span_id() -> str:
    """A span id unique across processes (pid, a random prefix and a counter)."""
    return f"{_SPAN_PREFIX}{next(_SPAN_NUMBERS):x}"


@dataclass(frozen=True)
class BaseEvent:
    """What every event carries: where it happened and when."""

    run_id: str = ""
    """The run this event belongs to (a map item's or a nested graph's own run)."""
    span_id: str = field(default_factory=new_span_id)
    """This event's span: a run's or node's start, end and error events share it."""
    parent_span_id: str | None = None
    """The enclosing span: the run for a node, the node for its nested run, the map for an item."""
    item_index: int | None = None
    """The index of the map item this event belongs to (inherited by nested runs), else None."""
    timestamp: float = field(default_factory=time.time)
    """Wall-clock seconds (`time.time()`) when the event was made."""


@dataclass(frozen=True)
class RunStartEvent(BaseEvent):
    """A run, a map, a map item or a nested graph's child run starts."""

    graph_name: str = ""
    workflow_id: str | None = None
    is_map: bool = False
    """True for a `map()` (or a mapped GraphNode): its items are runs nested in this span."""
    map_size: int | None = None
    """For a map: the number of items."""


@dataclass(frozen=True)
class RunEndEvent(BaseEvent):
    """A run (or map, item, child run) ended; `status` says how."""

    graph_name: str = ""
    status: RunStatus = RunStatus.COMPLETED
    error: str | None = None
    """The error's message when the run failed."""
    error_type: str | None = None
    """The error's class name when the run failed."""
    duration_ms: float = 0.0


@dataclass(frozen=True)
class SuperstepStartEvent(BaseEvent):
    """A superstep of a run starts (its span is the run's)."""

    graph_name: str = ""
    superstep: int = 0


@dataclass(frozen=True)
class NodeStartEvent(BaseEvent):
    """A node starts running."""

    node_name: str = ""
    graph_name: str = ""


@dataclass(frozen=True)
class NodeEndEvent(BaseEvent):
    """A node finished and its outputs were accepted."""

    node_name: str = ""
    graph_name: str = ""
    duration_ms: float = 0.0
    cached: bool = False
    """True when the result came from a cache (a CacheHitEvent came just before)."""
    attempt: int = 1
    """The attempt that succeeded: 1 unless the node was retried (see NodeRetryEvent)."""


@dataclass(frozen=True)
class NodeErrorEvent(BaseEvent):
    """A node raised (or its result or decision was invalid, or it was cancelled)."""

    node_name: str = ""
    graph_name: str = ""
    error: str = ""
    error_type: str = ""
    duration_ms: float = 0.0
    attempt: int = 1
    """The attempt that failed for good: 1 unless the node was retried (see NodeRetryEvent)."""


@dataclass(frozen=True)
class NodeRetryEvent(BaseEvent):
    """An attempt of a node with `retry=` failed and the node will be called again.

    It shares the node's span (between its start and its end or error event); the attempt
    that ends the node is reported by NodeEndEvent or NodeErrorEvent, whose `attempt` says
    which it was. A node that fails three times with `retry=2` reports two NodeRetryEvents
    and a NodeErrorEvent(attempt=3).
    """

    node_name: str = ""
    graph_name: str = ""
    attempt: int = 1
    """The number of the attempt that failed (1 for the first call)."""
    error: str = ""
    error_type: str = ""
    duration_ms: float = 0.0
    """How long the failed attempt ran."""
    delay_ms: float = 0.0
    """How long the runner waits (backoff with jitter) before the next attempt."""


@dataclass(frozen=True)
class RouteDecisionEvent(BaseEvent):
    """A gate decided (between its node's start and end events).

    `decision` is the chosen target's name (`"END"` for END, None if nothing was chosen) for
    `ifelse` and single-target routes, and a list of names for `multi_target` routes.
    """

    node_name: str = ""
    graph_name: str = ""
    decision: str | list[str] | None = None


@dataclass(frozen=True)
class CacheHitEvent(BaseEvent):
    """A node's result came from a cache (right before its NodeEndEvent(cached=True))."""

    node_name: str = ""
    graph_name: str = ""
    cache_key: str = ""


@dataclass(frozen=True)
class StreamingChunkEvent(BaseEvent):
    """A running node reported a chunk of partial output."""

    node_name: str = ""
    graph_name: str = ""
    chunk: Any = None


Event = Union[  # noqa: UP007 (a runtime alias: `X | Y` of classes needs 3.10 at run time too)
    RunStartEvent,
    RunEndEvent,
    SuperstepStartEvent,
    NodeStartEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeRetryEvent,
    RouteDecisionEvent,
    CacheHitEvent,
    StreamingChunkEvent,
]
"""Any event a runner emits."""
