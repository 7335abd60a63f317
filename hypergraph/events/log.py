"""`LoggingProcessor`: events as records of the standard `logging` module."""

from __future__ import annotations

import logging

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
    StreamingChunkEvent,
    SuperstepStartEvent,
)

__all__ = ["LoggingProcessor"]


class LoggingProcessor(TypedEventProcessor):
    """Logs runs at `level` (INFO), their nodes, supersteps, decisions and cache hits at
    `node_level` (DEBUG), retried attempts at WARNING, failures at ERROR; streamed chunks are
    not logged.

    Every record carries the event as `record.hypergraph_event`, for structured handlers.
    """

    def __init__(
        self,
        logger: logging.Logger | str | None = None,
        *,
        level: int = logging.INFO,
        node_level: int = logging.DEBUG,
    ) -> None:
        if logger is None or isinstance(logger, str):
            logger = logging.getLogger(logger or "hypergraph.runs")
        self.logger = logger
        self.level = level
        self.node_level = node_level

    def _log(self, level: int, event: BaseEvent, message: str, *args: object) -> None:
        if self.logger.isEnabledFor(level):
            self.logger.log(level, message, *args, extra={"hypergraph_event": event})

    @staticmethod
    def _where(event: BaseEvent) -> str:
        return "" if event.item_index is None else f" [item {event.item_index}]"

    def on_run_start(self, event: RunStartEvent) -> None:
        """`map <graph> started: N items` or `run <graph> started`."""
        what = "map" if event.is_map else "run"
        size = f": {event.map_size} items" if event.is_map else ""
        self._log(
            self.level, event, "%s %s started%s (%s)%s",
            what, event.graph_name or "graph", size, event.run_id, self._where(event),
        )  # fmt: skip

    def on_run_end(self, event: RunEndEvent) -> None:
        """`run <graph> completed in X ms`, or failed with the error."""
        failed = event.status is RunStatus.FAILED
        level = logging.ERROR if failed else self.level
        error = f": {event.error_type}: {event.error}" if event.error is not None else ""
        self._log(
            level, event, "run %s %s in %.1f ms (%s)%s%s",
            event.graph_name or "graph", event.status.value, event.duration_ms, event.run_id,
            self._where(event), error,
        )  # fmt: skip

    def on_superstep_start(self, event: SuperstepStartEvent) -> None:
        """`superstep N of <graph>`."""
        self._log(
            self.node_level, event, "superstep %d of %s%s",
            event.superstep, event.graph_name or "graph", self._where(event),
        )  # fmt: skip

    def on_node_start(self, event: NodeStartEvent) -> None:
        """`node <name> started`."""
        self._log(self.node_level, event, "node %s started%s", event.node_name, self._where(event))

    def on_node_end(self, event: NodeEndEvent) -> None:
        """`node <name> finished in X ms` (`(cached)` for a cache hit)."""
        cached = " (cached)" if event.cached else ""
        self._log(
            self.node_level, event, "node %s finished in %.1f ms%s%s",
            event.node_name, event.duration_ms, cached, self._where(event),
        )  # fmt: skip

    def on_node_error(self, event: NodeErrorEvent) -> None:
        """`node <name> failed: <type>: <message>` at ERROR."""
        self._log(
            logging.ERROR, event, "node %s failed after %.1f ms: %s: %s%s",
            event.node_name, event.duration_ms, event.error_type, event.error, self._where(event),
        )  # fmt: skip

    def on_node_retry(self, event: NodeRetryEvent) -> None:
        """`node <name> attempt N failed: <type>: <message>; retrying in X ms` at WARNING."""
        self._log(
            logging.WARNING, event, "node %s attempt %d failed: %s: %s; retrying in %.1f ms%s",
            event.node_name, event.attempt, event.error_type, event.error, event.delay_ms,
            self._where(event),
        )  # fmt: skip

    def on_route_decision(self, event: RouteDecisionEvent) -> None:
        """`gate <name> chose <decision>`."""
        self._log(
            self.node_level, event, "gate %s chose %r%s",
            event.node_name, event.decision, self._where(event),
        )  # fmt: skip

    def on_cache_hit(self, event: CacheHitEvent) -> None:
        """`node <name> cache hit`."""
        self._log(
            self.node_level, event, "node %s cache hit (%s)%s",
            event.node_name, event.cache_key, self._where(event),
        )  # fmt: skip

    def on_streaming_chunk(self, event: StreamingChunkEvent) -> None:
        """Chunks are not logged (there can be thousands per node)."""
