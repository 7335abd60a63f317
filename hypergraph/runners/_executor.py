"""The caller's side of an executor map: chunks, the picklability check up front, a window
of chunks in flight, cancellation, and the items' results back in item order.

Used by `SyncRunner.map` / `AsyncRunner.map` with `executor=`; the worker side is `_remote`.
When processors watch the map, the items' events come back with their results and are
replayed here to the map's processors in item order (`_Replay`), as an in-process map
reports them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import queue
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypergraph.events.types import map_status
from hypergraph.exceptions import ItemTransferError
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import cached_paths
from hypergraph.runners._execute import new_run_id, raise_taken
from hypergraph.runners._map import MapRows, map_rows
from hypergraph.runners._pickling import dumps, loads, not_picklable
from hypergraph.runners._remote import (
    ChunkOutcome,
    ChunkTask,
    ItemReport,
    Recorded,
    run_chunk,
)
from hypergraph.runners._steps import RunCache
from hypergraph.runners._window import run_window
from hypergraph.runners.base import BaseRunner
from hypergraph.runners.result import RunResult, RunStatus

if TYPE_CHECKING:
    from hypergraph.events.scope import RunScope
    from hypergraph.events.types import Event
    from hypergraph.graph.core import Graph
    from hypergraph.nodes.graph_node import GraphNodeMapExecutionConfig

_BUDGET = BaseRunner.default_max_iterations  # a child run's own cycle budget, as in _nested

__all__ = [
    "CHUNKS",
    "MAX_DEFAULT_CHUNKSIZE",
    "Batch",
    "NestedSender",
    "check_executor",
    "chunk_size",
    "make_batch",
    "nested_sender",
    "run_batch",
    "run_batch_async",
    "warn_missing",
]

CHUNKS = 32
"""By default a map is cut into about this many chunks (enough to balance the load over a
few dozen workers, few enough that each chunk's fixed cost is spread over many items)."""
MAX_DEFAULT_CHUNKSIZE = 256
"""... with at most this many items each (a huge map is cut into more chunks)."""


def check_executor(executor: object, chunksize: object) -> None:
    """`executor` is a concurrent.futures.Executor (or None); `chunksize` an int >= 1 given
    only with an executor."""
    if executor is None:
        if chunksize is not None:
            raise ValueError(
                "chunksize= applies to maps sent to an executor; pass executor= too, or drop "
                "chunksize"
            )
        return
    if not isinstance(executor, concurrent.futures.Executor):
        raise TypeError(
            "executor must be a concurrent.futures.Executor (ProcessPoolExecutor, "
            "ThreadPoolExecutor, distributed.Client(...).get_executor(), ...), got "
            f"{type(executor).__name__} {executor!r} (an input named 'executor' goes in "
            "values={'executor': ...})"
        )
    if chunksize is not None and (
        not isinstance(chunksize, int) or isinstance(chunksize, bool) or chunksize < 1
    ):
        raise ValueError(f"chunksize must be an int >= 1, got {chunksize!r}")


def chunk_size(count: int, chunksize: int | None, max_concurrency: int | None) -> int:
    """Items per chunk: `chunksize`, else about `count / CHUNKS` (1 to MAX_DEFAULT_CHUNKSIZE);
    never more than `max_concurrency`, since a chunk's items are all in flight at once."""
    size = chunksize
    if size is None:
        size = min(max(1, math.ceil(count / CHUNKS)), MAX_DEFAULT_CHUNKSIZE)
    if max_concurrency is not None:
        size = min(size, max_concurrency)
    return size


def in_process(executor: concurrent.futures.Executor) -> bool:
    """Whether `executor` runs calls in this process (threads): nothing is pickled then."""
    return isinstance(executor, concurrent.futures.ThreadPoolExecutor)


def check_cache_reach(
    graph: Graph,
    executor: concurrent.futures.Executor,
    run_cache: RunCache | None,
    prefix: str = "",
) -> None:
    """A runner's cache lives in this process: items of a graph with cached nodes cannot use
    it from another process, so such a map is refused rather than run uncached."""
    if run_cache is None or in_process(executor):
        return
    cached = cached_paths(graph)
    if cached:
        raise ValueError(
            f"node {prefix + cached[0]!r} has cache=True, but the runner's cache "
            f"({type(run_cache.backend).__name__}) lives in this process and the executor "
            f"{type(executor).__name__} runs items in other processes, which cannot use it; "
            "run this map without executor=, on a ThreadPoolExecutor, or on a runner "
            "without cache="
        )


@dataclass(frozen=True, slots=True)
class Batch:
    """A map ready to send: its chunks and how many of them may be in flight at once."""

    tasks: tuple[ChunkTask, ...]
    count: int
    window: int
    scope: RunScope | None = None
    """The map's scope when processors watch it: the items' events are replayed to it."""


def make_batch(
    executor: concurrent.futures.Executor,
    graph: Graph,
    base: dict[str, Any],
    mapped: MapRows,
    runner: str,
    on_missing: str,
    stop_on_failure: bool,
    max_iterations: int,
    chunksize: int | None,
    max_concurrency: int | None,
    scope: RunScope | None = None,
    run_cache: RunCache | None = None,
) -> Batch:
    """Cut the map into chunks and, for an executor in another process, pickle everything
    (the graph and shared inputs once, then each chunk's rows) before anything is sent: a
    NotPicklableError names the node or input that cannot be pickled. The runner's cache
    (`run_cache`) goes with the chunks of an executor in this process; another process
    cannot share it (see `check_cache_reach`)."""
    check_cache_reach(graph, executor, run_cache)
    rows = mapped.rows
    count = len(rows)
    # each item writes its own values of the columns: the whole mapped lists stay here
    base = {name: None if name in mapped.columns else value for name, value in base.items()}
    size = chunk_size(count, chunksize, max_concurrency)
    slices = [rows[i : i + size] for i in range(0, count, size)]
    shared: bytes | tuple[Graph, dict[str, Any]] = (graph, base)
    sent: Sequence[bytes | list[tuple[Any, ...]]] = slices
    if not in_process(executor):
        try:
            shared = dumps(shared)
            sent = [dumps(chunk) for chunk in slices]
        except Exception as exc:
            raise not_picklable(graph, base, mapped.columns, rows) from exc
    prefix = f"hypergraph-{uuid.uuid4().hex}"
    worker_missing = "ignore" if on_missing == "warn" else on_missing  # warned here instead
    watch = None if scope is None else (scope.span_id, scope.graph_name)
    tasks = tuple(
        ChunkTask(
            token=f"{prefix}-{k}",
            shared=shared,
            columns=mapped.columns,
            rows=chunk,
            first=k * size,
            runner=runner,
            on_missing=worker_missing,
            max_iterations=max_iterations,
            stop_on_failure=stop_on_failure,
            watch=watch,
            cache=run_cache if in_process(executor) else None,
        )
        for k, chunk in enumerate(sent)
    )
    window = len(tasks) if max_concurrency is None else max(1, max_concurrency // size)
    return Batch(tasks, count, min(window, len(tasks)), scope)


class _Replay:
    """Hands the items' recorded events to the map's processors in item order, as soon as
    every earlier item's have been handed over (so progress advances item by item while the
    chunks come back in any order). Under error_handling="raise" it stops after the first
    failed item, as an in-process map stops there: later items' events are dropped with
    their results."""

    def __init__(self, scope: RunScope, stop_on_failure: bool) -> None:
        self.scope = scope
        self.stop_on_failure = stop_on_failure
        self.next = 0
        self.waiting: dict[int, tuple[list[Event], bool]] = {}
        self.stopped = False

    def add(self, first: int, outcome: ChunkOutcome, results: list[RunResult]) -> None:
        """A chunk came back: its items' events (from item `first`), then replay what is due."""
        per_item = _events(outcome.events, first, len(results))
        for offset, (events, result) in enumerate(zip(per_item, results)):
            self.waiting[first + offset] = (events, result.failed)
        emit = self.scope.dispatcher.emit
        while not self.stopped and self.next in self.waiting:
            events, failed = self.waiting.pop(self.next)
            for event in events:
                emit(event)
            self.next += 1
            self.stopped = failed and self.stop_on_failure


def _events(recorded: Recorded | None, first: int, count: int) -> list[list[Event]]:
    """A chunk's recorded events per item; if they cannot be unpickled here (a streamed chunk
    of a class this process cannot import), none, and the `hypergraph.events` logger says so."""
    if recorded is None:
        return [[] for _ in range(count)]
    if not isinstance(recorded, bytes):
        return recorded
    try:
        per_item: list[list[Event]] = loads(recorded)
    except Exception as exc:
        logging.getLogger("hypergraph.events").error(
            "the events of map items %d to %d cannot be unpickled here (%r); they are left out",
            first,
            first + count - 1,
            exc,
        )
        return [[] for _ in range(count)]
    return per_item


def _replay(batch: Batch) -> _Replay | None:
    if batch.scope is None or not batch.tasks:
        return None
    return _Replay(batch.scope, batch.tasks[0].stop_on_failure)


class RemoteTraceback(Exception):
    """The traceback of an item's exception in the worker that ran it (set as the unpickled
    exception's `__cause__`, which pickling does not keep, so that it is shown)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return "\n" + self.text


def _unpack(outcome: ChunkOutcome, task: ChunkTask) -> list[RunResult]:
    """The chunk's RunResults, unpickled one by one (a failure fails that item only)."""
    results: list[RunResult] = []
    for offset, item in enumerate(outcome.results):
        if isinstance(item, RunResult):
            results.append(item)
            continue
        data, trace = item
        index = task.first + offset
        try:
            result = loads(data)
        except Exception as exc:
            error = ItemTransferError(
                f"item {index} ran, but its result cannot be unpickled here: {exc!r} (an "
                "output or exception whose class this process cannot import or rebuild)",
                item_index=index,
                remote_traceback=trace,
            )
            result = RunResult({}, RunStatus.FAILED, new_run_id(), error=error)
        if trace is not None and result.error is not None and result.error.__cause__ is None:
            result.error.__cause__ = RemoteTraceback(trace)
        results.append(result)
    return results


def run_batch(
    executor: concurrent.futures.Executor, batch: Batch, reports: list[ItemReport] | None = None
) -> list[RunResult | None]:
    """Send the chunks, at most `batch.window` in flight, and wait for them: results in item
    order. After a failed item (when the chunks stop on failure) no further chunk is sent,
    later ones are cancelled, and earlier ones are waited for: the lowest-index failure is
    then among the results, as in a sequential map. If this is interrupted, every chunk not
    yet started is cancelled (a running one finishes in its worker; its result is dropped).
    Each item's ItemReport (where and when it ran) is appended to `reports` if given.
    """
    results: list[RunResult | None] = [None] * batch.count
    tasks = batch.tasks
    flying: dict[concurrent.futures.Future[ChunkOutcome], int] = {}
    # finished futures arrive here: waiting on one queue, not on every future in flight
    # (concurrent.futures.wait would cost O(chunks) per chunk done)
    finished: queue.SimpleQueue[concurrent.futures.Future[ChunkOutcome]] = queue.SimpleQueue()
    sent = 0
    failed_at: int | None = None
    replay = _replay(batch)
    try:
        while True:
            while sent < len(tasks) and len(flying) < batch.window and failed_at is None:
                future = executor.submit(run_chunk, tasks[sent])
                flying[future] = sent
                future.add_done_callback(finished.put)
                sent += 1
            if not flying:
                return results
            future = finished.get()
            if future not in flying:
                continue  # cancelled after a failure, and already dropped
            task = tasks[flying.pop(future)]
            outcome = future.result()
            if reports is not None:
                reports.extend(outcome.reports)
            unpacked = _unpack(outcome, task)
            if replay is not None:
                replay.add(task.first, outcome, unpacked)
            for offset, result in enumerate(unpacked):
                results[task.first + offset] = result
                if result.failed and task.stop_on_failure:
                    index = task.first + offset
                    failed_at = index if failed_at is None else min(failed_at, index)
            if failed_at is not None:
                for late, k in list(flying.items()):
                    if tasks[k].first > failed_at and late.cancel():
                        del flying[late]
    except BaseException:
        for future in flying:
            future.cancel()
        raise


async def run_batch_async(
    executor: concurrent.futures.Executor, batch: Batch, reports: list[ItemReport] | None = None
) -> list[RunResult | None]:
    """`run_batch` awaited: the chunks go through the same bounded window as in-process
    items (`run_window`); cancelling the map cancels every chunk not yet started."""
    tasks = batch.tasks
    replay = _replay(batch)

    async def send(k: int) -> list[RunResult]:
        outcome = await asyncio.wrap_future(executor.submit(run_chunk, tasks[k]))
        if reports is not None:
            reports.extend(outcome.reports)
        unpacked = _unpack(outcome, tasks[k])
        if replay is not None:
            replay.add(tasks[k].first, outcome, unpacked)
        return unpacked

    def stop(chunk: list[RunResult]) -> bool:
        return any(result.failed for result in chunk)

    stops = stop if tasks and tasks[0].stop_on_failure else None
    chunks = await run_window(send, len(tasks), batch.window, stops)
    results: list[RunResult | None] = [None] * batch.count
    for task, chunk in zip(tasks, chunks):
        for offset, result in enumerate(chunk or ()):
            results[task.first + offset] = result
    return results


class NestedSender:
    """`run(executor=...)`: the items of every mapped nested graph of the run go to
    `executor`, from the process that runs the graph (see `_dispatch`)."""

    def __init__(
        self,
        executor: concurrent.futures.Executor,
        chunksize: int | None,
        run_cache: RunCache | None = None,
    ) -> None:
        self.executor = executor
        self.chunksize = chunksize
        self.run_cache = run_cache

    def _batch(
        self,
        graph: Graph,
        given: dict[str, Any],
        mapping: GraphNodeMapExecutionConfig,
        runner: str,
        scope: RunScope | None,
    ) -> Batch | None:
        spec = graph.inputs
        if any(name not in given for name in spec.required):
            return None  # run here: each item raises MissingInputError as usual
        mapped = map_rows(given, mapping.params, mapping.mode, mapping.clone)
        base = {**spec.bound, **given}
        stop = mapping.error_handling == "raise"
        return make_batch(
            self.executor,
            graph,
            base,
            mapped,
            runner,
            "ignore",
            stop,
            _BUDGET,
            self.chunksize,
            None,
            scope,
            self.run_cache,
        )

    def send(
        self,
        graph: Graph,
        given: dict[str, Any],
        mapping: GraphNodeMapExecutionConfig,
        scope: RunScope | None = None,
    ) -> list[dict[str, Any] | None] | None:
        """The items' outputs, run on the executor (None: run them here). With `scope` (the
        GraphNode's map, watched) the map's start and end are reported around the items'
        replayed events."""
        batch = self._batch(graph, given, mapping, "sync", scope)
        if batch is None:
            return None
        if scope is not None:
            scope.run_start(is_map=True, map_size=batch.count)
        try:
            results = run_batch(self.executor, batch) if batch.tasks else []
            return _outputs(results, mapping.error_handling == "raise", scope)
        except BaseException as exc:
            if scope is not None:
                scope.run_end(exc)
            raise

    async def send_async(
        self,
        graph: Graph,
        given: dict[str, Any],
        mapping: GraphNodeMapExecutionConfig,
        inline: bool,
        scope: RunScope | None = None,
    ) -> list[dict[str, Any] | None] | None:
        """`send`, awaited."""
        runner = "async-inline" if inline else "async"
        batch = self._batch(graph, given, mapping, runner, scope)
        if batch is None:
            return None
        if scope is not None:
            scope.run_start(is_map=True, map_size=batch.count)
        try:
            results = await run_batch_async(self.executor, batch) if batch.tasks else []
            return _outputs(results, mapping.error_handling == "raise", scope)
        except BaseException as exc:
            if scope is not None:
                scope.run_end(exc)
            raise


def nested_sender(
    graph: Graph,
    executor: concurrent.futures.Executor,
    chunksize: int | None,
    run_cache: RunCache | None = None,
) -> NestedSender:
    """The sender of `run(graph, executor=...)`, checked: the graph has mapped nested graphs
    (else the option would do nothing) and, for an executor in another process, each of
    their inner graphs pickles and caches nothing the runner's cache would serve (before
    any node runs)."""
    found = list(_mapped_nodes(graph, ""))
    if not found:
        raise ValueError(
            "run(executor=...) sends the items of mapped nested graphs (GraphNode.map_over) to "
            f"the executor, and graph {graph.name!r} has none; to run a graph once per item "
            "on an executor, use map(..., executor=...)"
        )
    if not in_process(executor):
        for path, inner in found:
            check_cache_reach(inner, executor, run_cache, path + "/")
            try:
                dumps(inner)
            except Exception as exc:
                raise not_picklable(inner, {}, (), (), prefix=path + "/") from exc
    return NestedSender(executor, chunksize, run_cache)


def _mapped_nodes(graph: Graph, prefix: str) -> Iterator[tuple[str, Graph]]:
    """(path, inner graph) of each mapped GraphNode the run itself reaches (not those inside
    a mapped one: their items run where the outer item runs)."""
    for node in graph.iter_nodes():
        if isinstance(node, GraphNode):
            if node.inner_map is not None:
                yield prefix + node.name, node.graph
            else:
                yield from _mapped_nodes(node.graph, f"{prefix}{node.name}/")


def _outputs(
    results: list[RunResult | None], stop: bool, scope: RunScope | None
) -> list[dict[str, Any] | None]:
    """Per item its values (None if it failed); with `stop` (error_handling="raise") the
    lowest-index failure is raised instead, as a child run here raises it. The watched
    map's end is reported (a raised failure: by the caller)."""
    if stop:
        failed = [r for r in results if r is not None and r.failed][:1]
        if failed:
            results.clear()
            raise_taken(failed)
    outputs = [None if r is None or r.failed else r.values for r in results]
    if scope is not None:
        scope.run_end(status=map_status(sum(r is None for r in outputs), len(outputs)))
    return outputs


def warn_missing(results: Sequence[RunResult | None], selected: Sequence[str]) -> None:
    """on_missing="warn" for items run elsewhere: the warning the item would have given."""
    for result in results:
        if result is not None and result.completed:
            absent = [name for name in selected if name not in result.values]
            if absent:
                message = f"selected outputs {absent} were not produced by the run"
                warnings.warn(message, UserWarning, stacklevel=4)
