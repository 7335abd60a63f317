"""Watching runs: events, processors and the built-in progress, logging and tracing processors.

Attach processors to a runner or to one call (`event_processors=[...]`); `show_progress=True`
adds a progress display. The built-in processors that need an extra (rich, OpenTelemetry) are
imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypergraph.events.context import NodeContext
from hypergraph.events.dispatcher import EventDispatcher
from hypergraph.events.processor import AsyncEventProcessor, EventProcessor, TypedEventProcessor
from hypergraph.events.types import (
    BaseEvent,
    CacheHitEvent,
    Event,
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
)

if TYPE_CHECKING:
    from hypergraph.events.compiled import CompiledObserver, observe
    from hypergraph.events.log import LoggingProcessor
    from hypergraph.events.otel import OpenTelemetryProcessor
    from hypergraph.events.progress import RichProgressProcessor

__all__ = [
    "EventProcessor",
    "AsyncEventProcessor",
    "TypedEventProcessor",
    "EventDispatcher",
    "NodeContext",
    "BaseEvent",
    "Event",
    "RunStartEvent",
    "RunEndEvent",
    "SuperstepStartEvent",
    "NodeStartEvent",
    "NodeEndEvent",
    "NodeErrorEvent",
    "NodeRetryEvent",
    "RouteDecisionEvent",
    "CacheHitEvent",
    "StreamingChunkEvent",
    "RunStatus",
    "LoggingProcessor",
    "RichProgressProcessor",
    "OpenTelemetryProcessor",
    "CompiledObserver",
    "observe",
]

_LAZY = {
    "LoggingProcessor": "hypergraph.events.log",
    "RichProgressProcessor": "hypergraph.events.progress",
    "OpenTelemetryProcessor": "hypergraph.events.otel",
    "CompiledObserver": "hypergraph.events.compiled",
    "observe": "hypergraph.events.compiled",
}


def __getattr__(name: str) -> Any:
    """The built-in processors, imported on first use (their extras are optional)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hypergraph.events' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
