"""Delivering events to processors, so that no processor can break the run it watches."""

from __future__ import annotations

import asyncio
import collections
import logging
import weakref
from collections.abc import Iterable, Sequence

from hypergraph.events.processor import AsyncEventProcessor, EventProcessor
from hypergraph.events.types import Event

__all__ = [
    "EventDispatcher",
    "check_processors",
    "processor_name",
    "shutdown_processors",
    "shutdown_processors_async",
]

_log = logging.getLogger("hypergraph.events")

_REPORTED: weakref.WeakSet[object] = weakref.WeakSet()
_REPORTED_IDS: set[int] = set()  # processors that cannot be weakly referenced or hashed


def processor_name(processor: object) -> str:
    """How logs name a processor: its `name` attribute, else its class."""
    name = getattr(processor, "name", None)
    return name if isinstance(name, str) and name else type(processor).__qualname__


def _report(processor: object, error: Exception, where: str) -> None:
    """Log a processor's failure once per processor (for the life of the process)."""
    try:
        if processor in _REPORTED:
            return
        _REPORTED.add(processor)
    except TypeError:  # unhashable, or no __weakref__ slot
        if id(processor) in _REPORTED_IDS:
            return
        _REPORTED_IDS.add(id(processor))
    _log.error(
        "event processor %s raised in %s; the run goes on (later errors of this processor "
        "are not logged)",
        processor_name(processor),
        where,
        exc_info=error,
    )


def check_processors(
    processors: Iterable[EventProcessor] | None, *, sync_only: bool = False
) -> tuple[EventProcessor, ...]:
    """The processors as a tuple, each checked: TypeError for an object without `on_event`;
    with `sync_only` (SyncRunner), ValueError for an async processor without its own
    `on_event`."""
    if processors is None:
        return ()
    if isinstance(processors, EventProcessor) or not isinstance(processors, Iterable):
        raise TypeError(
            f"event_processors must be a list of processors, got {type(processors).__name__}; "
            "wrap a single processor in a list: event_processors=[processor]"
        )
    checked = tuple(processors)
    for position, processor in enumerate(checked):
        if not callable(getattr(processor, "on_event", None)):
            raise TypeError(
                f"event_processors[{position}] is a {type(processor).__name__}, not an event "
                "processor: give an EventProcessor (an object with on_event(event))"
            )
        if (
            sync_only
            and isinstance(processor, AsyncEventProcessor)
            and type(processor).on_event is EventProcessor.on_event
        ):
            raise ValueError(
                f"event processor {processor_name(processor)} is an AsyncEventProcessor without "
                "on_event: SyncRunner cannot await on_event_async. Use AsyncRunner, or define "
                "on_event too"
            )
    return checked


class EventDispatcher:
    """Hands each event to every processor, in order; a processor that raises is logged once
    (with its name, on the `hypergraph.events` logger) and the run goes on.

    With `asynchronous=True` (AsyncRunner) an AsyncEventProcessor's `on_event_async` is
    awaited by a task of the running loop, in event order, so the run never waits for it;
    `flush()` waits until every event so far has been delivered.
    """

    def __init__(
        self, processors: Sequence[EventProcessor] = (), *, asynchronous: bool = False
    ) -> None:
        self.processors = tuple(processors)
        awaited = [
            p for p in self.processors if asynchronous and isinstance(p, AsyncEventProcessor)
        ]
        self._awaited: tuple[AsyncEventProcessor, ...] = tuple(awaited)
        self._called = tuple(p for p in self.processors if p not in awaited)
        self._queue: collections.deque[Event] = collections.deque()
        self._task: asyncio.Future[None] | None = None

    @property
    def active(self) -> bool:
        """Whether any processor listens."""
        return bool(self.processors)

    def emit(self, event: Event) -> None:
        """Deliver `event` to every processor (async ones: queued for the delivery task)."""
        for processor in self._called:
            try:
                processor.on_event(event)
            except Exception as exc:
                _report(processor, exc, "on_event")
        if self._awaited:
            self._queue.append(event)
            if self._task is None or self._task.done():
                self._task = asyncio.ensure_future(self._deliver())

    async def _deliver(self) -> None:
        queue = self._queue
        while queue:
            event = queue.popleft()
            for processor in self._awaited:
                try:
                    await processor.on_event_async(event)
                except Exception as exc:
                    _report(processor, exc, "on_event_async")

    async def flush(self) -> None:
        """Wait until every event emitted so far has reached the async processors."""
        task = self._task
        if task is not None and not task.done():
            await asyncio.shield(task)  # a cancelled caller leaves the delivery running

    def shutdown(self) -> None:
        """Shut every processor down (`shutdown()`), each once, errors logged."""
        shutdown_processors(self.processors)

    async def shutdown_async(self) -> None:
        """Deliver what is queued, then shut every processor down (async ones awaited)."""
        await self.flush()
        await shutdown_processors_async(self.processors)


def shutdown_processors(processors: Iterable[EventProcessor]) -> None:
    """Call each processor's `shutdown()`; a failure is logged and the others still run.

    An AsyncEventProcessor that overrides `shutdown_async` gets it run on a fresh event loop
    when no loop is running (at exit, or after a sync `close()`); inside a running loop that
    is impossible, and the RuntimeError says to use `await runner.aclose()`.
    """
    for processor in processors:
        if (
            isinstance(processor, AsyncEventProcessor)
            and type(processor).shutdown_async is not AsyncEventProcessor.shutdown_async
        ):
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                _guarded_async_shutdown(processor)
                continue
            raise RuntimeError(
                f"event processor {processor_name(processor)} has an async shutdown; inside "
                "an event loop close the runner with `await runner.aclose()` (or `async with`)"
            )
        try:
            processor.shutdown()
        except Exception as exc:
            _report(processor, exc, "shutdown")


def _guarded_async_shutdown(processor: AsyncEventProcessor) -> None:
    try:
        asyncio.run(processor.shutdown_async())
    except Exception as exc:
        _report(processor, exc, "shutdown_async")


async def shutdown_processors_async(processors: Iterable[EventProcessor]) -> None:
    """Await `shutdown_async()` of async processors, call `shutdown()` of the others."""
    for processor in processors:
        try:
            if isinstance(processor, AsyncEventProcessor):
                await processor.shutdown_async()
            else:
                processor.shutdown()
        except Exception as exc:
            _report(processor, exc, "shutdown")
