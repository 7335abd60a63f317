"""AsyncRunner: walks the same Plan; a superstep's nodes run concurrently.

A thin shell: argument checks (`_checks`), the loops (`_async_loop`), the result (`_execute`),
and map()'s window of concurrent items (`_window`).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from hypergraph.events.dispatcher import shutdown_processors_async
from hypergraph.events.processor import EventProcessor
from hypergraph.exceptions import ExecutionError
from hypergraph.graph.core import Graph
from hypergraph.nodes.function import ExecutionMode
from hypergraph.runners._async_loop import execute
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
from hypergraph.runners._steps import CACHE, EVENTS, Prepared
from hypergraph.runners._watch import watch
from hypergraph.runners._window import run_window
from hypergraph.runners.base import BaseRunner, RunnerCapabilities
from hypergraph.runners.result import ErrorHandling, MapResult, RunResult, RunStatus

if TYPE_CHECKING:
    from typing_extensions import Self

    from hypergraph.events.scope import RunScope

__all__ = ["AsyncRunner"]

SyncNodes = Literal["thread", "inline"]
_MAX_UNBOUNDED_ITEMS = 10_000


class AsyncRunner(BaseRunner):
    """Runs every graph; async nodes of a superstep run concurrently, plain `def` nodes in
    worker threads (or on the loop with `sync_nodes="inline"`)."""

    def __init__(
        self,
        cache: Any = None,
        *,
        max_concurrency: int | None = None,
        sync_nodes: SyncNodes = "thread",
        event_processors: Sequence[EventProcessor] | None = None,
    ) -> None:
        super().__init__(cache, event_processors=event_processors)
        if sync_nodes not in ("thread", "inline"):
            raise ValueError(f"sync_nodes must be 'thread' or 'inline', got {sync_nodes!r}")
        check_options("raise", "ignore", max_concurrency)
        self.max_concurrency = max_concurrency
        self.sync_nodes: SyncNodes = sync_nodes

    @property
    def capabilities(self) -> RunnerCapabilities:
        """Async runners run everything and return coroutines."""
        return RunnerCapabilities(supports_async_nodes=True, returns_coroutine=True)

    async def aclose(self) -> None:
        """Shut the runner's processors down once (async ones awaited); the runner then
        refuses to run."""
        self._closed = True
        finalizer = self._finalizer
        if finalizer is not None and finalizer.detach() is not None:
            await shutdown_processors_async(self.event_processors)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: object, error: object, trace: object) -> None:
        await self.aclose()

    async def run(
        self,
        graph: Graph,
        values: Mapping[str, Any] | None = None,
        *,
        select: str | Sequence[str] | None = None,
        on_missing: str = "ignore",
        max_iterations: int | None = None,
        error_handling: ErrorHandling = "raise",
        max_concurrency: int | None = None,
        event_processors: Sequence[EventProcessor] | None = None,
        show_progress: bool = False,
        **input_values: Any,
    ) -> RunResult:
        """Run `graph` once with the given inputs and return its RunResult."""
        self._check_open()
        watching = watch(self.event_processors, event_processors, show_progress, asynchronous=True)
        try:
            limit = self.max_concurrency if max_concurrency is None else max_concurrency
            check_options(error_handling, on_missing, limit)
            limiter = asyncio.Semaphore(limit) if limit is not None else None
            iterations = check_max_iterations(max_iterations, self.default_max_iterations)
            if watching is None:
                return await self._run(
                    graph, values, input_values, select, on_missing, error_handling, limiter,
                    iterations,
                )  # fmt: skip
            scoped = scoped_graph(graph, select)
            provided = merge_inputs(scoped, values, input_values)
            inline = self.sync_nodes == "inline"
            prep, state = initial_state(scoped, provided, supports_async=True, inline=inline)
            if self._run_cache is not None:
                state[CACHE] = self._run_cache
            scope = watching.scope(scoped.name)
            state[EVENTS] = scope
            scope.run_start()
            try:
                result = await self._complete(
                    prep, state, scoped.name, on_missing, error_handling, limiter, iterations,
                    scope.run_id,
                )  # fmt: skip
            except BaseException as exc:
                scope.run_end(exc)
                raise
            scope.run_end(result.error)
            return result
        finally:
            if watching is not None:
                await watching.aclose()

    async def _run(
        self,
        graph: Graph,
        values: Mapping[str, Any] | None,
        input_values: Mapping[str, Any],
        select: str | Sequence[str] | None,
        on_missing: str,
        error_handling: str,
        limiter: asyncio.Semaphore | None,
        max_iterations: int = BaseRunner.default_max_iterations,
    ) -> RunResult:
        scoped = scoped_graph(graph, select)
        provided = merge_inputs(scoped, values, input_values)
        inline = self.sync_nodes == "inline"
        prep, state = initial_state(scoped, provided, supports_async=True, inline=inline)
        if self._run_cache is not None:
            state[CACHE] = self._run_cache
        return await self._complete(
            prep, state, scoped.name, on_missing, error_handling, limiter, max_iterations
        )

    async def _complete(
        self,
        prep: Prepared,
        state: dict[str, Any],
        graph_name: str | None,
        on_missing: str,
        error_handling: str,
        limiter: asyncio.Semaphore | None,
        max_iterations: int,
        run_id: str | None = None,
    ) -> RunResult:
        """Execute a checked run and turn its end into a RunResult (or re-raise the error)."""
        if run_id is None:
            run_id = new_run_id()
        inline = self.sync_nodes == "inline"
        try:
            await execute(prep, state, graph_name, inline, limiter, max_iterations)
        except ExecutionError as exc:
            failure = [exc.failure]  # a box: see `raise_taken`
        else:
            return finish(prep, state, on_missing, run_id)
        if error_handling == "raise":
            raise_taken(failure)  # the original object, raised outside the except block
        return finish(prep, state, on_missing, run_id, failure.pop())

    async def map(
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
        max_concurrency: int | None = None,
        event_processors: Sequence[EventProcessor] | None = None,
        show_progress: bool = False,
        **input_values: Any,
    ) -> MapResult:
        """Run `graph` once per item, items concurrently (at most `max_concurrency`)."""
        self._check_open()
        watching = watch(self.event_processors, event_processors, show_progress, asynchronous=True)
        try:
            scope = None if watching is None else watching.scope(graph.name)
            return await self._map(
                graph, values, map_over, map_mode, clone, select, on_missing, error_handling,
                max_concurrency, input_values, scope,
            )  # fmt: skip
        finally:
            if watching is not None:
                await watching.aclose()

    async def _map(
        self,
        graph: Graph,
        values: Mapping[str, Any] | None,
        map_over: str | Sequence[str],
        map_mode: str,
        clone: bool | Sequence[str],
        select: str | Sequence[str] | None,
        on_missing: str,
        error_handling: ErrorHandling,
        max_concurrency: int | None,
        input_values: dict[str, Any],
        scope: RunScope | None,
    ) -> MapResult:
        started = time.perf_counter()
        limit = self.max_concurrency if max_concurrency is None else max_concurrency
        check_options(error_handling, on_missing, limit)
        scoped = scoped_graph(graph, select)
        inputs = merge_inputs(scoped, values, input_values)
        mapped = map_rows(inputs, map_over, map_mode, clone)
        start = item_start(scoped, inputs, bool(mapped.rows))
        count = len(mapped.rows)
        if limit is None and count > _MAX_UNBOUNDED_ITEMS:
            raise ValueError(
                f"map over {count} items without max_concurrency would start them all at "
                f"once; pass max_concurrency= (more than {_MAX_UNBOUNDED_ITEMS} items need it)"
            )
        limiter = asyncio.Semaphore(limit) if limit is not None else None
        prep = prepared(scoped) if start.error is None else None  # else every item fails
        inline = self.sync_nodes == "inline"
        if prep is not None:
            check_compatible(prep, supports_async=True, inline=inline)
        if prep is not None and _one_node_at_a_time(prep):
            limiter = None  # the window alone keeps node executions within the limit
        width = count if limit is None else min(limit, count)
        if prep is not None and inline and _never_suspends(prep):
            width = min(width, 1)  # items that never suspend cannot overlap anyway
        run_item = functools.partial(
            self._item, prep, scoped.name, start, mapped, on_missing, limiter
        )
        if scope is not None:
            run_item = functools.partial(self._watched_item, run_item, scope)
            scope.run_start(is_map=True, map_size=count)
        stop = _failed if error_handling == "raise" else None  # then start no new item
        try:
            results = await run_window(run_item, count, width, stop)
        except BaseException as exc:
            if scope is not None:
                scope.run_end(exc)
            raise
        ran = [r for r in results if r is not None]  # a box, like all lists here: see `taken`
        results.clear()
        if error_handling == "raise":
            failed = [r for r in ran if r.failed][:1]  # the lowest item index
            if failed:
                ran.clear()
                if scope is not None:
                    scope.run_end(failed[0].error)
                raise_taken(failed)
        result = MapResult(
            results=taken(ran),
            run_id=new_run_id() if scope is None else scope.run_id,
            total_duration_ms=(time.perf_counter() - started) * 1000,
            map_over=mapped.names,
            map_mode=map_mode,
            graph_name=graph.name,
        )
        if scope is not None:
            scope.run_end(status=result.status)
        return result

    async def _watched_item(self, run_item: Any, scope: RunScope, index: int) -> RunResult:
        """An item reported as a run nested in the map's span."""
        item = scope.item(index, new_run_id())
        item.run_start()
        try:
            result: RunResult = await run_item(index, item)
        except BaseException as exc:  # cancelled
            item.run_end(exc)
            raise
        item.run_end(result.error)
        return result

    async def _item(
        self,
        prep: Prepared | None,
        graph_name: str | None,
        start: ItemStart,
        mapped: MapRows,
        on_missing: str,
        limiter: asyncio.Semaphore | None,
        index: int,
        scope: RunScope | None = None,
    ) -> RunResult:
        """One item of a map: a run with error_handling="continue" from its checked start."""
        run_id = new_run_id() if scope is None else scope.run_id
        try:
            if start.error is not None:
                raise start.error()
            assert prep is not None  # prepared whenever the start checks passed
            state = start.state(mapped, mapped.rows[index])
            if self._run_cache is not None:
                state[CACHE] = self._run_cache
            if scope is not None:
                state[EVENTS] = scope
            inline = self.sync_nodes == "inline"
            limit = self.default_max_iterations
            try:
                await execute(prep, state, graph_name, inline, limiter, limit)
            except ExecutionError as exc:
                return with_item_index(finish(prep, state, on_missing, run_id, exc.failure), index)
            return with_item_index(finish(prep, state, on_missing, run_id), index)
        except Exception as exc:  # an item's validation error fails that item only
            status = RunStatus.FAILED
            return with_item_index(
                RunResult(values={}, status=status, run_id=run_id, error=exc), index
            )


def _failed(result: RunResult) -> bool:
    return result.failed


def _never_suspends(prep: Prepared) -> bool:
    """Whether an inline run of `prep` completes without ever suspending: plain `def` nodes
    and sync generators only, no nested graph, no gate or cycle."""
    if prep.dynamic_steps is not None:
        return False
    sync = (ExecutionMode.SYNC_FUNCTION, ExecutionMode.SYNC_GENERATOR)
    return all(s.mode in sync and s.acall is None for step in prep.supersteps for s in step)


def _one_node_at_a_time(prep: Prepared) -> bool:
    """Whether a run of `prep` never has two node executions in flight (a chain of single
    nodes, none of them a nested graph)."""
    if prep.dynamic_steps is not None:
        return False
    return all(len(step) == 1 and step[0].acall is None for step in prep.supersteps)
