"""SyncRunner: walks the Plan in the calling thread, one node after another.

A thin shell: argument checks (`_checks`), the loops (`_sync_loop`), the result (`_execute`);
when processors watch a call, its runs report to them (`_watch`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hypergraph.events.processor import EventProcessor
from hypergraph.exceptions import ExecutionError
from hypergraph.graph.core import Graph
from hypergraph.runners._checks import (
    ItemStart,
    check_compatible,
    check_max_iterations,
    check_options,
    initial_state,
    item_start,
    merge_inputs,
    scoped_graph,
)
from hypergraph.runners._execute import finish, new_run_id, raise_taken, taken, with_item_index
from hypergraph.runners._map import MapRows, map_rows
from hypergraph.runners._prepare import prepared
from hypergraph.runners._steps import CACHE, EVENTS, Prepared, RunCache
from hypergraph.runners._sync_loop import execute
from hypergraph.runners._watch import watch
from hypergraph.runners.base import BaseRunner, RunnerCapabilities
from hypergraph.runners.result import ErrorHandling, MapResult, RunResult, RunStatus

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
        event_processors: Sequence[EventProcessor] | None = None,
        show_progress: bool = False,
        **input_values: Any,
    ) -> RunResult:
        """Run `graph` once with the given inputs and return its RunResult."""
        self._check_open()
        watching = watch(self.event_processors, event_processors, show_progress, asynchronous=False)
        try:
            scoped = scoped_graph(graph, select)
            provided = merge_inputs(scoped, values, input_values)
            check_options(error_handling, on_missing, None)
            limit = check_max_iterations(max_iterations, self.default_max_iterations)
            prep, state = initial_state(scoped, provided, supports_async=False)
            if self._run_cache is not None:
                state[CACHE] = self._run_cache
            if watching is None:
                return _complete(prep, state, scoped.name, on_missing, error_handling, limit)
            scope = watching.scope(scoped.name)
            return _watched(prep, state, scoped.name, on_missing, error_handling, limit, scope)
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
        event_processors: Sequence[EventProcessor] | None = None,
        show_progress: bool = False,
        **input_values: Any,
    ) -> MapResult:
        """Run `graph` once per item of the `map_over` inputs, in item order."""
        self._check_open()
        watching = watch(self.event_processors, event_processors, show_progress, asynchronous=False)
        try:
            scope = None if watching is None else watching.scope(graph.name)
            return self._map(
                graph, values, map_over, map_mode, clone, select, on_missing, error_handling,
                input_values, scope,
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
        input_values: dict[str, Any],
        scope: RunScope | None,
    ) -> MapResult:
        started = time.perf_counter()
        check_options(error_handling, on_missing, None)
        scoped = scoped_graph(graph, select)
        inputs = merge_inputs(scoped, values, input_values)
        prep = prepared(scoped)
        check_compatible(prep, supports_async=False)
        mapped = map_rows(inputs, map_over, map_mode, clone)
        start = item_start(scoped, inputs, bool(mapped.rows))
        limit = self.default_max_iterations
        if scope is not None:
            scope.run_start(is_map=True, map_size=len(mapped.rows))
        results: list[RunResult] = []  # a box: see `raise_taken`
        cache = self._run_cache
        for index, row in enumerate(mapped.rows):
            results.append(
                _map_item(
                    prep, start, mapped, row, scoped.name, on_missing, limit, index, cache, scope
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


def _map_item(
    prep: Prepared,
    start: ItemStart,
    mapped: MapRows,
    row: tuple[Any, ...],
    graph_name: str | None,
    on_missing: str,
    max_iterations: int,
    index: int,
    run_cache: RunCache | None,
    scope: RunScope | None = None,
) -> RunResult:
    """One item of a map: a run with error_handling="continue" from its checked start."""
    if scope is not None:
        item = scope.item(index, new_run_id())
        return _watched_item(
            prep, start, mapped, row, graph_name, on_missing, max_iterations, index, run_cache, item
        )
    try:
        if start.error is not None:
            raise start.error()
        state = start.state(mapped, row)
        if run_cache is not None:
            state[CACHE] = run_cache
        return with_item_index(
            _complete(prep, state, graph_name, on_missing, "continue", max_iterations), index
        )
    except Exception as exc:  # an item's validation error fails that item only
        return RunResult(values={}, status=RunStatus.FAILED, run_id=new_run_id(), error=exc)


def _watched_item(
    prep: Prepared,
    start: ItemStart,
    mapped: MapRows,
    row: tuple[Any, ...],
    graph_name: str | None,
    on_missing: str,
    max_iterations: int,
    index: int,
    run_cache: RunCache | None,
    item: RunScope,
) -> RunResult:
    """`_map_item` reporting the item as a run nested in the map's span."""
    item.run_start()
    try:
        if start.error is not None:
            raise start.error()
        state = start.state(mapped, row)
        state[EVENTS] = item
        if run_cache is not None:
            state[CACHE] = run_cache
        ended = [  # a box: see `_map`
            with_item_index(
                _complete(
                    prep, state, graph_name, on_missing, "continue", max_iterations, item.run_id
                ),
                index,
            )
        ]
    except Exception as exc:  # an item's validation error fails that item only
        ended = [RunResult(values={}, status=RunStatus.FAILED, run_id=item.run_id, error=exc)]
    item.run_end(ended[0].error)
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
    """`_complete` between the run's start and end events."""
    state[EVENTS] = scope
    scope.run_start()
    try:
        ended = [  # a box: see `_map`
            _complete(
                prep, state, graph_name, on_missing, error_handling, max_iterations, scope.run_id
            )
        ]
    except BaseException as exc:
        scope.run_end(exc)
        raise
    scope.run_end(ended[0].error)
    return ended.pop()


def _complete(
    prep: Prepared,
    state: dict[str, Any],
    graph_name: str | None,
    on_missing: str,
    error_handling: str,
    max_iterations: int,
    run_id: str | None = None,
) -> RunResult:
    """Execute a checked run and turn its end into a RunResult (or re-raise the error)."""
    if run_id is None:
        run_id = new_run_id()
    try:
        execute(prep, state, graph_name, max_iterations)
    except ExecutionError as exc:
        failure = [exc.failure]  # a box: see `raise_taken`
    else:
        return finish(prep, state, on_missing, run_id)
    if error_handling == "raise":
        raise_taken(failure)  # the original object, raised outside the except block
    return finish(prep, state, on_missing, run_id, failure.pop())
