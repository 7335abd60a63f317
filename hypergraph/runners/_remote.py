"""The worker side of an executor map: run one chunk of items, pack their results.

`run_chunk` is what an executor calls, in a worker process (or thread). A chunk carries the
pickled graph and shared inputs (`ChunkTask.shared`, the same bytes for every chunk of a map:
a worker unpickles and prepares them once, then keeps them for the map's later chunks) and
its own rows. Each item's RunResult comes back pickled on its own, so one result that cannot
be pickled fails that item with an ItemTransferError instead of the whole chunk.

When processors watch the map in the caller (`ChunkTask.watch`), each item reports to a
`RunScope` of its own that records its events here; they travel back with the item's result
(`ChunkOutcome.events`) and the caller replays them to its processors, in item order.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
import pickle
import socket
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypergraph.events.dispatcher import EventDispatcher
from hypergraph.events.processor import EventProcessor
from hypergraph.events.scope import RunScope
from hypergraph.events.types import Event, StreamingChunkEvent
from hypergraph.exceptions import ItemTransferError
from hypergraph.runners._checks import ItemStart
from hypergraph.runners._execute import new_run_id
from hypergraph.runners._items import async_item, sync_item
from hypergraph.runners._map import MapRows
from hypergraph.runners._pickling import dumps, loads
from hypergraph.runners._prepare import prepared
from hypergraph.runners._steps import RunCache
from hypergraph.runners._window import run_window
from hypergraph.runners.result import FailureEvidence, RunResult, RunStatus

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = ["ChunkOutcome", "ChunkTask", "ItemReport", "Packed", "Recorded", "run_chunk"]


@dataclass(frozen=True, slots=True)
class ChunkTask:
    """One chunk of a map, as sent to the executor (plain data: it pickles)."""

    token: str
    """Unique per chunk and map: executors that merge equal calls (Dask) never merge two."""
    shared: bytes | tuple[Graph, dict[str, Any]]
    """The scoped graph and every item's starting inputs (bound, then supplied): pickled, or
    the objects themselves for an executor in this process."""
    columns: tuple[str, ...]
    rows: bytes | list[tuple[Any, ...]]
    """This chunk's values of `columns`, one tuple per item (pickled like `shared`)."""
    first: int
    """The map index of the chunk's first item."""
    runner: str
    """"sync", or "async" / "async-inline" (AsyncRunner's sync_nodes)."""
    on_missing: str
    max_iterations: int
    stop_on_failure: bool
    """error_handling="raise": no item of the chunk starts after a failed one."""
    watch: tuple[str, str] | None = None
    """Processors watch the map in the caller: (the map's span id, its graph name), under
    which each item's events are recorded; None: nothing is recorded."""
    cache: RunCache | None = None
    """The runner's cache, for an executor in this process (threads) only: a cache cannot
    be shared with another process (`_executor.check_cache_reach`)."""


@dataclass(frozen=True, slots=True)
class ItemReport:
    """Where and when an item ran: plain data for progress and events in the caller."""

    index: int
    worker: str
    """`host:pid` of the process that ran the item."""
    started: float
    """Wall-clock start (`time.time()`), comparable across the machines of a cluster."""
    duration_ms: float
    failed: bool


Packed = tuple[bytes, str | None]
"""An item's pickled RunResult and, when it failed, the worker's formatted traceback."""

Recorded = bytes | list[list[Event]]
"""A chunk's events, per item in the order it made them: pickled together (one trip, one
pickle of the event classes), or the lists themselves (executor in this process)."""

Timed = tuple[RunResult, float, float, "list[Event] | None"]
"""An item's result, wall-clock start, duration (ms) and recorded events (when watched)."""


@dataclass(frozen=True, slots=True)
class ChunkOutcome:
    """What a chunk sends back: one result per item that ran, in item order, and reports."""

    token: str
    results: Sequence[Packed | RunResult]
    """Packed when the task came pickled, else the RunResults themselves."""
    reports: tuple[ItemReport, ...]
    events: Recorded | None = None
    """Per item that ran, its recorded events (None when the map is not watched)."""


class _Recorder(EventProcessor):
    """Keeps an item's events, to be sent back with its result."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def on_event(self, event: Event) -> None:
        self.events.append(event)


def _item_scope(task: ChunkTask, index: int) -> tuple[RunScope, _Recorder] | tuple[None, None]:
    """Item `index`'s scope, nested in the caller's map span, and what records its events."""
    if task.watch is None:
        return None, None
    span, graph_name = task.watch
    recorder = _Recorder()
    scope = RunScope(EventDispatcher((recorder,)), new_run_id(), graph_name, span, index)
    return scope, recorder


_WORKER = f"{socket.gethostname()}:{os.getpid()}"
_LOADED: OrderedDict[bytes, tuple[Graph, dict[str, Any], ItemStart]] = OrderedDict()
_LOADED_LOCK = threading.Lock()
_KEEP = 8  # maps whose graph a worker keeps loaded


def run_chunk(task: ChunkTask) -> ChunkOutcome:
    """Run the items of `task` (in order; concurrently for an async runner) and pack them."""
    remote = isinstance(task.shared, bytes)
    graph, start = _load(task.shared)
    rows: list[tuple[Any, ...]] = loads(task.rows) if isinstance(task.rows, bytes) else task.rows
    mapped = MapRows(task.columns, task.columns, rows)
    prep = prepared(graph)
    timed: list[Timed] = []
    if task.runner == "sync":
        for offset, row in enumerate(rows):
            scope, recorder = _item_scope(task, task.first + offset)
            started, clock = time.time(), time.perf_counter()
            result = sync_item(
                prep,
                start,
                mapped,
                row,
                graph.name,
                task.on_missing,
                task.max_iterations,
                task.first + offset,
                scope,
                task.cache,
            )
            ms = (time.perf_counter() - clock) * 1000
            timed.append((result, started, ms, None if recorder is None else recorder.events))
            if result.failed and task.stop_on_failure:
                break
    else:
        timed = asyncio.run(_async_chunk(task, graph, start, mapped))
    reports = tuple(
        ItemReport(task.first + k, _WORKER, started, ms, result.failed)
        for k, (result, started, ms, _) in enumerate(timed)
    )
    results = [result for result, _, _, _ in timed]
    recorded = None if task.watch is None else [events or [] for _, _, _, events in timed]
    if not remote:
        return ChunkOutcome(task.token, results, reports, recorded)
    return ChunkOutcome(
        task.token,
        [pack(r, task.first + k) for k, r in enumerate(results)],
        reports,
        None if recorded is None else pack_events(recorded),
    )


async def _async_chunk(
    task: ChunkTask, graph: Graph, start: ItemStart, mapped: MapRows
) -> list[Timed]:
    prep = prepared(graph)
    inline = task.runner == "async-inline"

    async def one(offset: int) -> Timed:
        scope, recorder = _item_scope(task, task.first + offset)
        started, clock = time.time(), time.perf_counter()
        result = await async_item(
            prep,
            start,
            mapped,
            mapped.rows[offset],
            graph.name,
            task.on_missing,
            inline,
            None,
            task.max_iterations,
            task.first + offset,
            scope,
            task.cache,
        )
        ms = (time.perf_counter() - clock) * 1000
        return result, started, ms, None if recorder is None else recorder.events

    def stop(done: Timed) -> bool:
        return task.stop_on_failure and done[0].failed

    count = len(mapped.rows)
    settled = await run_window(one, count, count, stop)
    return [item for item in settled if item is not None]


def _load(shared: bytes | tuple[Graph, dict[str, Any]]) -> tuple[Graph, ItemStart]:
    """The chunk's graph and item start: unpickled once per worker and map, then kept."""
    if not isinstance(shared, bytes):
        graph, base = shared
        return graph, ItemStart(base, prepared(graph).wiring.needs_given, None)
    key = hashlib.blake2b(shared, digest_size=16).digest()
    with _LOADED_LOCK:
        hit = _LOADED.get(key)
        if hit is not None:
            _LOADED.move_to_end(key)
            return hit[0], hit[2]
    try:
        graph, base = loads(shared)
    except Exception as exc:
        raise RuntimeError(
            f"worker {_WORKER} could not unpickle the map's graph and inputs: {exc!r}. The "
            "worker must be able to import the modules of the node functions and input "
            "values (install the package on the workers; run from the same directory)"
        ) from exc
    start = ItemStart(base, prepared(graph).wiring.needs_given, None)
    with _LOADED_LOCK:
        _LOADED[key] = (graph, base, start)
        while len(_LOADED) > _KEEP:
            _LOADED.popitem(last=False)
    return graph, start


def pack(result: RunResult, index: int) -> Packed:
    """`result` pickled for the trip back, with the traceback of its error. What cannot
    make the trip is replaced (see `_transferable`) rather than failing the chunk."""
    trace = None
    if result.error is not None:
        trace = "".join(traceback.format_exception(result.error))
    try:
        data = dumps(result)
        if result.error is not None:
            loads(data)  # an exception can pickle and still fail to unpickle (its __init__)
    except Exception:
        data = dumps(_transferable(result, index, trace))
    return data, trace


def pack_events(per_item: list[list[Event]]) -> bytes:
    """A chunk's events pickled for the trip back, with the standard pickle (they are plain
    data, and cloudpickle's pure-Python pickler would cost more than the events); a streamed
    chunk that cannot be pickled travels as its repr()."""
    try:
        return pickle.dumps(per_item, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        kept = [
            [
                dataclasses.replace(event, chunk=repr(event.chunk))
                if isinstance(event, StreamingChunkEvent) and not _round_trips(event.chunk)
                else event
                for event in events
            ]
            for events in per_item
        ]
        return dumps(kept)


def _transferable(result: RunResult, index: int, trace: str | None) -> RunResult:
    """A copy of `result` that pickles: each output, error or evidence input that does not
    is replaced by (outputs: dropped, and the item FAILED with) an ItemTransferError."""
    values, lost = {}, []
    for name, value in result.values.items():
        if _round_trips(value):
            values[name] = value
        else:
            lost.append(name)
    error = result.error
    attached = getattr(error, "__hypergraph_failure__", None)
    if isinstance(attached, FailureEvidence) and not _round_trips(attached):
        with contextlib.suppress(Exception):  # its evidence inputs: replaced, as below
            error.__hypergraph_failure__ = _evidence(attached, None, None, index)  # type: ignore[union-attr]
    if error is not None and not _round_trips(error):
        error = ItemTransferError(
            f"item {index} raised {type(error).__name__}: {error}; the exception cannot be "
            "pickled, so this stands in for it (make it picklable: pass every argument of its "
            "__init__ to super().__init__, or define __reduce__)",
            item_index=index,
            remote_traceback=trace,
        )
    failures = tuple(_evidence(f, result.error, error, index) for f in result.node_failures)
    status = result.status
    if lost and error is None:
        status = RunStatus.FAILED
        error = ItemTransferError(
            f"item {index} completed, but its outputs {lost} cannot be pickled to come back "
            "from the executor; select outputs that pickle, or turn them into data in a node",
            item_index=index,
        )
    return RunResult(values, status, result.run_id, result.workflow_id, error, failures)


def _evidence(
    failure: FailureEvidence, old: BaseException | None, new: BaseException | None, index: int
) -> FailureEvidence:
    inputs = {
        name: value
        if _round_trips(value)
        else ItemTransferError(
            f"input {name!r} of node {failure.node_name!r} ({type(value).__name__}) cannot be "
            "pickled: left behind in the worker",
            item_index=index,
        )
        for name, value in failure.inputs.items()
    }
    error = new if failure.error is old and new is not None else failure.error
    if error is not None and not _round_trips(error):
        error = ItemTransferError(f"{type(error).__name__}: {error}", item_index=index)
    return dataclasses.replace(failure, inputs=inputs, error=error)


def _round_trips(value: object) -> bool:
    try:
        loads(dumps(value))
    except Exception:
        return False
    return True
