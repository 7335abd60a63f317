"""AsyncRunner: walks the same Plan; a superstep's nodes run concurrently.

A thin shell: argument checks (`_checks`), the loops (`_async_loop`), the result (`_execute`),
and map()'s window of concurrent items (`_window`).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
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
from hypergraph.runners._dispatch import SENDER
from hypergraph.runners._execute import finish, new_run_id, raise_taken, taken
from hypergraph.runners._executor import (
    check_executor,
    make_batch,
    nested_sender,
    run_batch_async,
    warn_missing,
)
from hypergraph.runners._items import async_item
from hypergraph.runners._map import MapRows, map_rows
from hypergraph.runners._prepare import prepared
from hypergraph.runners._steps import CACHE, EVENTS, Prepared, RunCache
from hypergraph.runners._watch import watch
from hypergraph.runners._window import run_window
from hypergraph.runners.base import BaseRunner, RunnerCapabilities
from hypergraph.runners.result import ErrorHandling, MapResult, RunResult

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
        watching = watch(self.event_processors, event_processors, show_progress, asynchronous=True)
        try:
            limit = self.max_concurrency if max_concurrency is None else max_concurrency
            check_options(error_handling, on_missing, limit)
            check_executor(executor, chunksize)
            limiter = asyncio.Semaphore(limit) if limit is not None else None
            iterations = check_max_iterations(max_iterations, self.default_max_iterations)
            token = None
            if executor is not None:  # the run's tasks copy this context, so they see it
                sender = nested_sender(
                    scoped_graph(graph, select), executor, chunksize, self._run_cache
                )
                token = SENDER.set(sender)
            try:
                if watching is None:
                    return await self._run(
                        graph, values, input_values, select, on_missing, error_handling,
                        limiter, iterations,
                    )  # fmt: skip
                return await self._watched_run(
                    graph, values, input_values, select, on_missing, error_handling, limiter,
                    iterations, watching.scope(scoped_graph(graph, select).name),
                )  # fmt: skip
            finally:
                if token is not None:
                    SENDER.reset(token)
        finally:
            if watching is not None:
                await watching.aclose()

    async def _watched_run(
        self,
        graph: Graph,
        values: Mapping[str, Any] | None,
        input_values: Mapping[str, Any],
        select: str | Sequence[str] | None,
        on_missing: str,
        error_handling: str,
        limiter: asyncio.Semaphore | None,
        iterations: int,
        scope: RunScope,
    ) -> RunResult:
        """A run between its start and end events."""
        scoped = scoped_graph(graph, select)
        provided = merge_inputs(scoped, values, input_values)
        inline = self.sync_nodes == "inline"
        prep, state = initial_state(scoped, provided, supports_async=True, inline=inline)
        if self._run_cache is not None:
            state[CACHE] = self._run_cache
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
        executor: Executor | None = None,
        chunksize: int | None = None,
        event_processors: Sequence[EventProcessor] | None = None,
        show_progress: bool = False,
        **input_values: Any,
    ) -> MapResult:
        """Run `graph` once per item, items concurrently (at most `max_concurrency`).

        With a `concurrent.futures.Executor` the items run there instead, `chunksize` per
        call (default: about 32 chunks, at most 256 items each), at most `max_concurrency`
        items in flight; the MapResult, and the events processors receive, are the same. See
        docs/scaling-out.md.
        """
        self._check_open()
        watching = watch(self.event_processors, event_processors, show_progress, asynchronous=True)
        try:
            scope = None if watching is None else watching.scope(graph.name)
            return await self._map(
                graph, values, map_over, map_mode, clone, select, on_missing, error_handling,
                max_concurrency, executor, chunksize, input_values, scope,
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
        executor: Executor | None,
        chunksize: int | None,
        input_values: dict[str, Any],
        scope: RunScope | None,
    ) -> MapResult:
        started = time.perf_counter()
        limit = self.max_concurrency if max_concurrency is None else max_concurrency
        check_options(error_handling, on_missing, limit)
        check_executor(executor, chunksize)
        scoped = scoped_graph(graph, select)
        inputs = merge_inputs(scoped, values, input_values)
        mapped = map_rows(inputs, map_over, map_mode, clone)
        start = item_start(scoped, inputs, bool(mapped.rows))
        count = len(mapped.rows)
        if executor is not None and start.error is None and count:
            results = await self._map_on(
                executor, scoped, start.base, mapped, on_missing, error_handling, limit,
                chunksize, scope,
            )  # fmt: skip
        else:
            results = await self._map_here(
                scoped, start, mapped, on_missing, error_handling, limit, scope
            )
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

    async def _map_on(
        self,
        executor: Executor,
        scoped: Graph,
        base: dict[str, Any],
        mapped: MapRows,
        on_missing: str,
        error_handling: str,
        limit: int | None,
        chunksize: int | None,
        scope: RunScope | None,
    ) -> list[RunResult | None]:
        """The items on `executor`: max_concurrency counts items in flight there; their
        events come back with them (replayed to `scope`, in item order)."""
        prep = prepared(scoped)
        inline = self.sync_nodes == "inline"
        check_compatible(prep, supports_async=True, inline=inline)
        runner = "async-inline" if inline else "async"
        batch = make_batch(  # pickled, or NotPicklableError, before the map starts
            executor,
            scoped,
            base,
            mapped,
            runner,
            on_missing,
            error_handling == "raise",
            self.default_max_iterations,
            chunksize,
            limit,
            scope,
            self._run_cache,
        )
        if scope is not None:
            scope.run_start(is_map=True, map_size=batch.count)
        try:
            results = await run_batch_async(executor, batch)
        except BaseException as exc:  # cancelled: pending chunks were cancelled
            if scope is not None:
                scope.run_end(exc)
            raise
        warn_missing(results, prep.wiring.selected if on_missing == "warn" else ())
        return results

    async def _map_here(
        self,
        scoped: Graph,
        start: ItemStart,
        mapped: MapRows,
        on_missing: str,
        error_handling: str,
        limit: int | None,
        scope: RunScope | None,
    ) -> list[RunResult | None]:
        """The items in this event loop, through the bounded window."""
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
            _item,
            prep,
            start,
            mapped,
            scoped.name,
            on_missing,
            inline,
            limiter,
            self.default_max_iterations,
            scope,
            self._run_cache,
        )
        if scope is not None:
            scope.run_start(is_map=True, map_size=count)
        stop = _failed if error_handling == "raise" else None  # then start no new item
        try:
            return await run_window(run_item, count, width, stop)
        except BaseException as exc:
            if scope is not None:
                scope.run_end(exc)
            raise


async def _item(
    prep: Prepared | None,
    start: ItemStart,
    mapped: MapRows,
    graph_name: str | None,
    on_missing: str,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    max_iterations: int,
    scope: RunScope | None,
    run_cache: RunCache | None,
    index: int,
) -> RunResult:
    item = None if scope is None else scope.item(index, new_run_id())
    return await async_item(
        prep, start, mapped, mapped.rows[index], graph_name, on_missing, inline, limiter,
        max_iterations, index, item, run_cache,
    )  # fmt: skip


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
