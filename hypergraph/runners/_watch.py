"""Which processors watch a call, and what a watched call reports (only when some do)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hypergraph.events.dispatcher import (
    EventDispatcher,
    check_processors,
    shutdown_processors,
    shutdown_processors_async,
)
from hypergraph.events.processor import EventProcessor
from hypergraph.events.scope import RunScope
from hypergraph.runners._execute import new_run_id

__all__ = ["Watch", "watch"]


@dataclass(frozen=True, slots=True)
class Watch:
    """The processors of one run()/map() call: the runner's and the call's own."""

    dispatcher: EventDispatcher
    owned: tuple[EventProcessor, ...]
    """The call's own processors (not the runner's): shut down when the call ends."""

    def scope(self, graph_name: str | None) -> RunScope:
        """The scope of a new top-level run or map of this call."""
        return RunScope(self.dispatcher, new_run_id(), graph_name)

    def close(self) -> None:
        """The call ended (SyncRunner): shut the call's own processors down."""
        shutdown_processors(self.owned)

    async def aclose(self) -> None:
        """The call ended (AsyncRunner): deliver pending events, shut the call's own down."""
        await self.dispatcher.flush()
        await shutdown_processors_async(self.owned)


def watch(
    runner_processors: tuple[EventProcessor, ...],
    event_processors: Sequence[EventProcessor] | None,
    show_progress: bool,
    *,
    asynchronous: bool,
) -> Watch | None:
    """The call's Watch, or None when nothing watches it (the runs then report nothing)."""
    if event_processors is None and not show_progress and not runner_processors:
        return None
    if not isinstance(show_progress, bool):
        raise TypeError(f"show_progress must be True or False, got {show_progress!r}")
    own = check_processors(event_processors, sync_only=not asynchronous)
    if show_progress:
        from hypergraph.events.progress import RichProgressProcessor

        own = (*own, RichProgressProcessor())
    owned = tuple(p for p in own if not any(p is q for q in runner_processors))
    processors = runner_processors + owned
    return Watch(EventDispatcher(processors, asynchronous=asynchronous), owned)
