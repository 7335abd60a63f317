"""What receives events: `EventProcessor`, its async and typed variants."""

from __future__ import annotations

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
    StreamingChunkEvent,
    SuperstepStartEvent,
)

__all__ = ["AsyncEventProcessor", "EventProcessor", "TypedEventProcessor"]


class EventProcessor:
    """Receives every event of the runs it is attached to.

    Attach it to a runner (`SyncRunner(event_processors=[...])`) or to one call
    (`runner.run(..., event_processors=[...])`). Exceptions it raises are logged once and
    never break the run.
    """

    def on_event(self, event: Event) -> None:
        """Called once per event, in the order the run makes them."""

    def shutdown(self) -> None:
        """Called once when the runner is done with this processor (see docs: Watching runs)."""


class AsyncEventProcessor(EventProcessor):
    """A processor whose handlers are coroutines, awaited by AsyncRunner off the run's path.

    Under AsyncRunner, `on_event_async` receives the events in order (delivered by a task, so a
    slow handler never holds up the run; all are delivered before `run()`/`map()` returns) and
    `shutdown_async` replaces `shutdown`. SyncRunner calls `on_event`, and refuses a processor
    that does not define it.
    """

    async def on_event_async(self, event: Event) -> None:
        """Called once per event under AsyncRunner (by default: `on_event`)."""
        self.on_event(event)

    async def shutdown_async(self) -> None:
        """Called once under AsyncRunner when it is done with this processor (by default:
        `shutdown`)."""
        self.shutdown()


class TypedEventProcessor(EventProcessor):
    """A processor with one method per event type (`on_node_start`, `on_run_end`, ...);
    override the ones you need, the others do nothing."""

    def on_event(self, event: Event) -> None:
        """Hand `event` to the method for its type."""
        name = _METHODS.get(type(event))
        if name is not None:
            getattr(self, name)(event)

    def on_run_start(self, event: RunStartEvent) -> None:
        """A run, map, map item or nested run starts."""

    def on_run_end(self, event: RunEndEvent) -> None:
        """A run, map, map item or nested run ended."""

    def on_superstep_start(self, event: SuperstepStartEvent) -> None:
        """A superstep starts."""

    def on_node_start(self, event: NodeStartEvent) -> None:
        """A node starts."""

    def on_node_end(self, event: NodeEndEvent) -> None:
        """A node finished."""

    def on_node_error(self, event: NodeErrorEvent) -> None:
        """A node failed."""

    def on_node_retry(self, event: NodeRetryEvent) -> None:
        """An attempt of a node with `retry=` failed; it will be called again."""

    def on_route_decision(self, event: RouteDecisionEvent) -> None:
        """A gate decided."""

    def on_cache_hit(self, event: CacheHitEvent) -> None:
        """A node's result came from a cache."""

    def on_streaming_chunk(self, event: StreamingChunkEvent) -> None:
        """A node streamed a chunk."""


_METHODS: dict[type[BaseEvent], str] = {
    RunStartEvent: "on_run_start",
    RunEndEvent: "on_run_end",
    SuperstepStartEvent: "on_superstep_start",
    NodeStartEvent: "on_node_start",
    NodeEndEvent: "on_node_end",
    NodeErrorEvent: "on_node_error",
    NodeRetryEvent: "on_node_retry",
    RouteDecisionEvent: "on_route_decision",
    CacheHitEvent: "on_cache_hit",
    StreamingChunkEvent: "on_streaming_chunk",
}
