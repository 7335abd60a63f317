"""`OpenTelemetryProcessor`: one span per run, map, map item and node (the `otel` extra).

Spans nest as the events do: a node's span in its run's, a nested graph's run in its node's,
a map item's run in its map's. A top-level run's span is a child of the span current when the
run starts (a web request's, say). Attributes are under `hypergraph.`; supersteps are span
events of their run; a failed node or run gets an ERROR status and an `exception` event; a
retried attempt is a `retry` event on its node's span, which counts `hypergraph.attempts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypergraph.events.processor import TypedEventProcessor
from hypergraph.events.types import (
    BaseEvent,
    CacheHitEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeRetryEvent,
    NodeStartEvent,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
    SuperstepStartEvent,
)

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = ["OpenTelemetryProcessor"]


def _trace() -> Any:
    try:
        from opentelemetry import trace
    except ImportError:
        raise ImportError(
            "OpenTelemetryProcessor needs the opentelemetry-api package: "
            "pip install 'hypergraph-workflows[otel]' (and an SDK to export the spans)"
        ) from None
    return trace


def _ns(event: BaseEvent) -> int:
    return int(event.timestamp * 1_000_000_000)


class OpenTelemetryProcessor(TypedEventProcessor):
    """Turns events into OpenTelemetry spans through `tracer` (default: the tracer of
    `tracer_provider`, else of the global provider, named `hypergraph`)."""

    def __init__(
        self, tracer: Tracer | None = None, *, tracer_provider: TracerProvider | None = None
    ) -> None:
        trace = _trace()
        if tracer is None:
            tracer = trace.get_tracer("hypergraph", tracer_provider=tracer_provider)
        self.tracer = tracer
        self._spans: dict[str, Span] = {}

    def _start(self, event: BaseEvent, name: str, attributes: dict[str, Any]) -> None:
        trace = _trace()
        parent = self._spans.get(event.parent_span_id) if event.parent_span_id else None
        context = trace.set_span_in_context(parent) if parent is not None else None
        attributes["hypergraph.run_id"] = event.run_id
        if event.item_index is not None:
            attributes["hypergraph.item_index"] = event.item_index
        self._spans[event.span_id] = self.tracer.start_span(
            name, context=context, attributes=attributes, start_time=_ns(event)
        )

    def _end(self, event: BaseEvent, error: tuple[str, str] | None) -> None:
        span = self._spans.pop(event.span_id, None)
        if span is None:
            return
        if error is not None:
            kind, message = error
            status = _trace().Status(_trace().StatusCode.ERROR, f"{kind}: {message}")
            span.set_status(status)
            span.add_event(
                "exception",
                {"exception.type": kind, "exception.message": message},
                timestamp=_ns(event),
            )
        span.end(end_time=_ns(event))

    def on_run_start(self, event: RunStartEvent) -> None:
        """A span `run <graph>`, `map <graph>` or `item <graph>` (a map's item)."""
        kind = "map" if event.is_map else "item" if event.item_index is not None else "run"
        attributes: dict[str, Any] = {"hypergraph.graph": event.graph_name}
        if event.map_size is not None:
            attributes["hypergraph.map_size"] = event.map_size
        if event.workflow_id is not None:
            attributes["hypergraph.workflow_id"] = event.workflow_id
        self._start(event, f"{kind} {event.graph_name or 'graph'}", attributes)

    def on_run_end(self, event: RunEndEvent) -> None:
        """End the run's span with its status."""
        span = self._spans.get(event.span_id)
        if span is not None:
            span.set_attribute("hypergraph.status", event.status.value)
        failed = event.status is RunStatus.FAILED
        error = (event.error_type or "Error", event.error or "") if failed else None
        self._end(event, error)

    def on_superstep_start(self, event: SuperstepStartEvent) -> None:
        """A `superstep` event on the run's span."""
        span = self._spans.get(event.span_id)
        if span is not None:
            span.add_event(
                "superstep", {"hypergraph.superstep": event.superstep}, timestamp=_ns(event)
            )

    def on_node_start(self, event: NodeStartEvent) -> None:
        """A span `node <name>` in its run's span."""
        attributes = {"hypergraph.node": event.node_name, "hypergraph.graph": event.graph_name}
        self._start(event, f"node {event.node_name}", attributes)

    def on_node_end(self, event: NodeEndEvent) -> None:
        """End the node's span (`hypergraph.cached` set)."""
        span = self._spans.get(event.span_id)
        if span is not None:
            span.set_attribute("hypergraph.cached", event.cached)
            span.set_attribute("hypergraph.attempts", event.attempt)
        self._end(event, None)

    def on_node_error(self, event: NodeErrorEvent) -> None:
        """End the node's span with an ERROR status."""
        span = self._spans.get(event.span_id)
        if span is not None:
            span.set_attribute("hypergraph.attempts", event.attempt)
        self._end(event, (event.error_type, event.error))

    def on_node_retry(self, event: NodeRetryEvent) -> None:
        """A `retry` event on the node's span (the attempt, its error, the delay)."""
        span = self._spans.get(event.span_id)
        if span is not None:
            attributes: dict[str, Any] = {
                "hypergraph.attempt": event.attempt,
                "exception.type": event.error_type,
                "exception.message": event.error,
                "hypergraph.delay_ms": event.delay_ms,
            }
            span.add_event("retry", attributes, timestamp=_ns(event))

    def on_route_decision(self, event: RouteDecisionEvent) -> None:
        """The gate's decision as `hypergraph.decision` on its span."""
        span = self._spans.get(event.span_id)
        if span is not None:
            decision = event.decision
            value = list(decision) if isinstance(decision, list) else str(decision)
            span.set_attribute("hypergraph.decision", value)

    def on_cache_hit(self, event: CacheHitEvent) -> None:
        """The cache key as `hypergraph.cache_key` on the node's span."""
        span = self._spans.get(event.span_id)
        if span is not None:
            span.set_attribute("hypergraph.cache_key", event.cache_key)

    def shutdown(self) -> None:
        """End spans a run left open (an interrupted run), marked as not finished."""
        for span in self._spans.values():
            span.set_attribute("hypergraph.unfinished", True)
            span.end()
        self._spans.clear()
