"""SyncRunner: walks the Plan in the calling thread, one node after another.

A thin shell: argument checks (`_checks`), the loops (`_sync_loop`), the result (`_execute`);
when processors watch a call, its runs report to them (`_watch`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from hypergraph.events.processor import EventProcessor
from hypergraph.graph.core import Graph
from hypergraph.runners._checks import (
    check_compatible,
    check_max_iterations,
    check_options,
    initial_state,
    item_start,
    merge_inputs,
    scoped_graph,
)
from hypergraph.runners._dispatch import SENDER
from hypergraph.runners._execute import new_run_id, raise_taken, taken
from hypergraph.runners._executor import (
    check_executor,
    make_batch,
    nested_sender,
    run_batch,
    warn_missing,
)
from hypergraph.runners._items import complete_sync, sync_item
from hypergraph.runners._map import map_rows
from hypergraph.runners._prepare import prepared
from hypergraph.runners._steps import CACHE, EVENTS, Prepared
from hypergraph.runners._watch import watch
from hypergraph.runners.base import BaseRunner, RunnerCapabilities
from hypergraph.runners.result import ErrorHandling, MapResult, RunResult

if TYPE_CHECKING:
    from hypergraph.events.scope import RunScope

__all__ = ["SyncRunner"]


class SyncRunner(BaseRunner):
    """Runs graphs of sync functions and sync generators, superstep by superstep."""

    def __init__(
        self, cache: Any = None, *, event_processors: Sequence[EventProcessor] | None = None
    ) -> None:
        super().__init__(cache, event_processors=event_processors)

    @property
    def capabilities(self) -> RunnerCapabilities:
        """Sync runners cannot await."""
        return RunnerCapabilities(supports_async_nodes=False, returns_coroutine=False)

    def run(
        self,
        graph: Graph,
        values: Mapping[str, Any] | None = None,
        *,
        select: str | Sequence[str] | None = None,
        on_missing: str = "ignore",
        max_iterations: int | None = None,
        error_handling: ErrorHandling = "raise",
        executor: Executor | None = None,
        chunksize: int | None = None,
        event_processors: Sequence[EventProcessor] | None = None,
        show_progress: bool = False,
        **input_values: Any,
    ) -> RunResult:
        """Run `graph` once with the given inputs and return its RunResult.

        With `executor`, the items of the graph's mapped nested graphs (`map_over`) run there,
        in chunks of `chunksize` (docs/scaling-out.md); the rest of the run stays here.
        """
        self._check_open()
        watching = watch(self.event_processors, event_processors, show_progress, asynchronous=False)
        try:
            scoped = scoped_graph(graph, select)
            provided = merge_inputs(scoped, values, input_values)
            check_options(error_handling, on_missing, None)
            check_executor(executor, chunksize)
            limit = check_max_iterations(max_iterations, self.default_max_iterations)
            prep, state = initial_state(scoped, provided, supports_async=False)
            if self._run_cache is not None:
                state[CACHE] = self._run_cache
            token = None
            if executor is not None:
                sender = nested_sender(scoped, executor, chunksize, self._run_cache)
                token = SENDER.set(sender)
            try:
                if watching is None:
                    return complete_sync(
                        prep, state, scoped.name, on_missing, error_handling, limit
                    )
                scope = watching.scope(scoped.name)
                return _watched(prep, state, scoped.name, on_missing, error_handling, limit, scope)
            finally:
                if token is not None:
                    SENDER.reset(token)
        finally:
            if watching is not None:
                watching.close()

    def map(
        self,
        graph: Graph,
        values: Mapping[str, Any] | None = None,
        *,
        map_over: str | Sequence[str],
        map_mode: str = "zip",
        clone: bool | Sequence[str] = False,
        select: str | Sequence[str] | None = None,
        on_missing: str = "ignore",
        error_handling: ErrorHandling = "raise",
        executor: Executor | None = None,
        chunksize: int | None = None,
        max_concurrency: int | None = None,
        event_processors: Sequence[EventProcessor] | None = None,
        show_progress: bool = False,
        **input_values: Any,
    ) -> MapResult:
        """Run `graph` once per item of the `map_over` inputs, in item order.

        Without `executor` the items run here, one after another. With a
        `concurrent.futures.Executor` (a process pool, a Dask cluster's executor, a thread
        pool) they run there, `chunksize` items per call (default: about 32 chunks, at most
        256 items each), at most `max_concurrency` items in flight (default: all); the
        MapResult, and the events processors receive, are the same. See docs/scaling-out.md.
        """
        self._check_open()
        watching = watch(self.event_processors, event_processors, show_progress, asynchronous=False)
        try:
            scope = None if watching is None else watching.scope(graph.name)
            return self._map(
                graph, values, map_over, map_mode, clone, select, on_missing, error_handling,
                executor, chunksize, max_concurrency, input_values, scope,
            )  # fmt: skip
        finally:
            if watching is not None:
                watching.close()

    def _map(
        self,
        graph: Graph,
        values: Mapping[str, Any] | None,
        map_over: str | Sequence[str],
        map_mode: str,
        clone: bool | Sequence[str],
        select: str | Sequence[str] | None,
        on_missing: str,
        error_handling: ErrorHandling,
        executor: Executor | None,
        chunksize: int | None,
        max_concurrency: int | None,
        input_values: dict[str, Any],
        scope: RunScope | None,
    ) -> MapResult:
        started = time.perf_counter()
        check_options(error_handling, on_missing, max_concurrency)
        check_executor(executor, chunksize)
        scoped = scoped_graph(graph, select)
        inputs = merge_inputs(scoped, values, input_values)
        prep = prepared(scoped)
        check_compatible(prep, supports_async=False)
        mapped = map_rows(inputs, map_over, map_mode, clone)
        start = item_start(scoped, inputs, bool(mapped.rows))
        limit = self.default_max_iterations
        results: list[RunResult] = []  # a box: see `raise_taken`
        batch = None
        if executor is not None and start.error is None and mapped.rows:
            batch = make_batch(  # pickled, or NotPicklableError, before the map starts
                executor,
                scoped,
                start.base,
                mapped,
                "sync",
                on_missing,
                error_handling == "raise",
                limit,
                chunksize,
                max_concurrency,
                scope,
                self._run_cache,
            )
        if scope is not None:
            scope.run_start(is_map=True, map_size=len(mapped.rows))
        if executor is not None and batch is not None:
            try:
                sent = run_batch(executor, batch)
            except BaseException as exc:  # interrupted: pending chunks were cancelled
                if scope is not None:
                    scope.run_end(exc)
                raise
            warn_missing(sent, prep.wiring.selected if on_missing == "warn" else ())
            results = [r for r in sent if r is not None]
            sent.clear()
            if error_handling == "raise":
                failed = [r for r in results if r.failed][:1]  # the lowest item index
                if failed:
                    results.clear()
                    if scope is not None:
                        scope.run_end(failed[0].error)
                    raise_taken(failed)
        for index, row in enumerate(mapped.rows if executor is None or start.error else ()):
            item = None if scope is None else scope.item(index, new_run_id())
            results.append(
                sync_item(
                    prep,
                    start,
                    mapped,
                    row,
                    scoped.name,
                    on_missing,
                    limit,
                    index,
                    item,
                    self._run_cache,
                )
            )
            if results[-1].failed and error_handling == "raise":
                if scope is not None:
                    scope.run_end(results[-1].error)
                raise_taken(results)
        # a box, not a local: a failed item's traceback keeps this frame alive
        ended = [
            MapResult(
                results=taken(results),
                run_id=new_run_id() if scope is None else scope.run_id,
                total_duration_ms=(time.perf_counter() - started) * 1000,
                map_over=mapped.names,
                map_mode=map_mode,
                graph_name=graph.name,
            )
        ]
        if scope is not None:
            scope.run_end(status=ended[0].status)
        return ended.pop()


def _watched(
    prep: Prepared,
    state: dict[str, Any],
    graph_name: str | None,
    on_missing: str,
    error_handling: str,
    max_iterations: int,
    scope: RunScope,
) -> RunResult:
    """`complete_sync` between the run's start and end events."""
    state[EVENTS] = scope
    scope.run_start()
    try:
        ended = [  # a box: see `_map`
            complete_sync(
                prep, state, graph_name, on_missing, error_handling, max_iterations, scope.run_id
            )
        ]
    except BaseException as exc:
        scope.run_end(exc)
        raise
    scope.run_end(ended[0].error)
    return ended.pop()
