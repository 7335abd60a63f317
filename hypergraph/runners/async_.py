"""AsyncRunner: walks the same Plan; a superstep's nodes run concurrently."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, Literal

from hypergraph.exceptions import ExecutionError
from hypergraph.graph.core import Graph
from hypergraph.nodes.function import ExecutionMode
from hypergraph.runners._checks import (
    ItemStart,
    check_max_iterations,
    check_options,
    initial_state,
    item_start,
    merge_inputs,
    scoped_graph,
)
from hypergraph.runners._execute import (
    evidence_inputs,
    fail,
    finish,
    new_run_id,
    raise_taken,
    store,
    taken,
    with_item_index,
)
from hypergraph.runners._map import MapRows, map_rows
from hypergraph.runners._steps import NONE, NodeStep, Prepared, prepared
from hypergraph.runners._threads import ThreadCall, cancel_and_wait
from hypergraph.runners._window import run_window
from hypergraph.runners.base import BaseRunner, RunnerCapabilities
from hypergraph.runners.result import ErrorHandling, MapResult, RunResult, RunStatus

__all__ = ["AsyncRunner"]

SyncNodes = Literal["thread", "inline"]
_MAX_UNBOUNDED_ITEMS = 10_000
_ASYNC_FUNCTION = ExecutionMode.ASYNC_FUNCTION
_SYNC_FUNCTION = ExecutionMode.SYNC_FUNCTION


class AsyncRunner(BaseRunner):
    """Runs every graph; async nodes of a superstep run concurrently, plain `def` nodes in
    worker threads (or on the loop with `sync_nodes="inline"`)."""

    def __init__(
        self,
        cache: Any = None,
        *,
        max_concurrency: int | None = None,
        sync_nodes: SyncNodes = "thread",
    ) -> None:
        super().__init__(cache)
        if sync_nodes not in ("thread", "inline"):
            raise ValueError(f"sync_nodes must be 'thread' or 'inline', got {sync_nodes!r}")
        check_options("raise", "ignore", max_concurrency)
        self.max_concurrency = max_concurrency
        self.sync_nodes: SyncNodes = sync_nodes

    @property
    def capabilities(self) -> RunnerCapabilities:
        """Async runners run everything and return coroutines."""
        return RunnerCapabilities(supports_async_nodes=True, returns_coroutine=True)

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
        **input_values: Any,
    ) -> RunResult:
        """Run `graph` once with the given inputs and return its RunResult."""
        limit = self.max_concurrency if max_concurrency is None else max_concurrency
        check_options(error_handling, on_missing, limit)
        limiter = asyncio.Semaphore(limit) if limit is not None else None
        iterations = check_max_iterations(max_iterations, self.default_max_iterations)
        return await self._run(
            graph, values, input_values, select, on_missing, error_handling, limiter, iterations
        )

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
        prep, state = initial_state(scoped, provided, supports_async=True)
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
    ) -> RunResult:
        """Execute a checked run and turn its end into a RunResult (or re-raise the error)."""
        run_id = new_run_id()
        inline = self.sync_nodes == "inline"
        try:
            await _execute(prep, state, graph_name, inline, limiter, max_iterations)
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
        **input_values: Any,
    ) -> MapResult:
        """Run `graph` once per item, items concurrently (at most `max_concurrency`)."""
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
        if prep is not None and _one_node_at_a_time(prep):
            limiter = None  # the window alone keeps node executions within the limit
        width = count if limit is None else min(limit, count)
        if prep is not None and inline and _never_suspends(prep):
            width = min(width, 1)  # items that never suspend cannot overlap anyway
        run_item = functools.partial(
            self._item, prep, scoped.name, start, mapped, on_missing, limiter
        )
        stop = _failed if error_handling == "raise" else None  # then start no new item
        results = await run_window(run_item, count, width, stop)
        ran = [r for r in results if r is not None]  # a box, like all lists here: see `taken`
        results.clear()
        if error_handling == "raise":
            failed = [r for r in ran if r.failed][:1]  # the lowest item index
            if failed:
                ran.clear()
                raise_taken(failed)
        return MapResult(
            results=taken(ran),
            run_id=new_run_id(),
            total_duration_ms=(time.perf_counter() - started) * 1000,
            map_over=mapped.names,
            map_mode=map_mode,
            graph_name=graph.name,
        )

    async def _item(
        self,
        prep: Prepared | None,
        graph_name: str | None,
        start: ItemStart,
        mapped: MapRows,
        on_missing: str,
        limiter: asyncio.Semaphore | None,
        index: int,
    ) -> RunResult:
        """One item of a map: a run with error_handling="continue" from its checked start."""
        try:
            if start.error is not None:
                raise start.error()
            assert prep is not None  # prepared whenever the start checks passed
            state = start.state(mapped, mapped.rows[index])
            inline = self.sync_nodes == "inline"
            limit = self.default_max_iterations
            try:
                await _execute(prep, state, graph_name, inline, limiter, limit)
            except ExecutionError as exc:
                return with_item_index(
                    finish(prep, state, on_missing, new_run_id(), exc.failure), index
                )
            return with_item_index(finish(prep, state, on_missing, new_run_id()), index)
        except Exception as exc:  # an item's validation error fails that item only
            status = RunStatus.FAILED
            return with_item_index(
                RunResult(values={}, status=status, run_id=new_run_id(), error=exc), index
            )


def _failed(result: RunResult) -> bool:
    return result.failed


def _never_suspends(prep: Prepared) -> bool:
    """Whether an inline run of `prep` completes without ever suspending: plain `def` nodes
    and sync generators only, no nested graph, no gate or cycle."""
    if prep.dynamic is not None:
        return False
    sync = (_SYNC_FUNCTION, ExecutionMode.SYNC_GENERATOR)
    return all(s.mode in sync and s.acall is None for step in prep.supersteps for s in step)


def _one_node_at_a_time(prep: Prepared) -> bool:
    """Whether a run of `prep` never has two node executions in flight (a chain of single
    nodes, none of them a nested graph)."""
    if prep.dynamic is not None:
        return False
    return all(len(step) == 1 and step[0].acall is None for step in prep.supersteps)


async def _execute(
    prep: Prepared,
    state: dict[str, Any],
    graph_name: str | None,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    max_iterations: int = BaseRunner.default_max_iterations,
) -> None:
    """Walk the supersteps. A superstep of one node needs no task: it is awaited directly.

    Gates and cycles (a dynamic plan) go through the general engine instead.
    """
    if prep.dynamic is not None:
        from hypergraph.runners._dynamic_run import run_async

        return await run_async(prep, state, graph_name, inline, limiter, max_iterations)
    step: NodeStep | None = None
    index = 0
    threads: list[ThreadCall] = []
    try:
        for index, superstep in enumerate(prep.supersteps):
            if len(superstep) > 1:
                step = None
                await _concurrent(superstep, state, index, graph_name, inline, limiter)
                continue
            step = superstep[0]
            if limiter is not None and step.acall is None:
                async with limiter:  # a child run's own nodes take the slots, not the child
                    result = await _invoke(step, state, inline, threads)
            elif step.mode is _ASYNC_FUNCTION:
                result = await step.call(state)
            elif inline and step.mode is _SYNC_FUNCTION and step.acall is None:
                result = step.call(state)
            else:
                result = await _invoke(step, state, inline, threads, limiter)
            if step.single_output is not None:
                state[step.single_output] = result
            else:
                store(step, result, state)
    except Exception as exc:
        if step is None:
            raise  # _concurrent already recorded the failure
        await _settle(threads)
        inputs = evidence_inputs(step, state)
        raise fail(step, exc, inputs, index, None, graph_name, state) from exc
    except BaseException:  # cancelled from outside: leave no thread behind
        await _settle(threads)
        raise


def _completes_inline(step: NodeStep, inline: bool) -> bool:
    """Whether calling the node finishes at once on the loop (nothing to await)."""
    if step.mode is _ASYNC_FUNCTION or step.acall is not None:
        return False
    if step.mode is ExecutionMode.SYNC_FUNCTION:
        return inline
    if step.shape != NONE:
        return True  # a generator is only created, unstarted
    return inline and step.mode is ExecutionMode.SYNC_GENERATOR


async def _concurrent(
    superstep: tuple[NodeStep, ...],
    state: dict[str, Any],
    index: int,
    graph_name: str | None,
    inline: bool,
    limiter: asyncio.Semaphore | None,
) -> None:
    """Start every node of the superstep together; apply results in declaration order.

    Every node reads the state as it was before the superstep: nothing is stored until all
    have finished. Nodes that complete on the loop without awaiting (inline `def` nodes,
    generator creation) are called directly instead of through a task: the tasks are created
    first but cannot start before this coroutine yields, so on such a failure they are
    cancelled before running, exactly as if they had been interrupted.
    """
    started = time.perf_counter()
    threads: list[ThreadCall] = []
    tasks: dict[int, asyncio.Future[Any]] = {}
    direct: list[int] = []
    for position, step in enumerate(superstep):
        if limiter is None and _completes_inline(step, inline):
            direct.append(position)
        else:
            tasks[position] = asyncio.ensure_future(_limited(step, state, inline, threads, limiter))
    results: dict[int, Any] = {}
    for position in direct:
        try:
            results[position] = _call_now(superstep[position], state)
        except BaseException as exc:
            await _cancel(list(tasks.values()), threads)
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt, a custom BaseException: as is, not a node failure
            _keep_finished(superstep, results, state)
            raise _failure(superstep[position], exc, state, index, started, graph_name) from exc
    if tasks:
        try:
            done, pending = await asyncio.wait(tasks.values(), return_when=asyncio.FIRST_EXCEPTION)
        except BaseException:
            await _cancel(list(tasks.values()), threads)
            raise
        failed = [p for p, t in tasks.items() if t in done and _raised(t)]
        if failed:
            await _cancel(list(pending), threads)
            results.update(
                (p, t.result()) for p, t in tasks.items() if t in done and p not in failed
            )
            error = tasks[failed[0]].exception()
            assert error is not None
            del tasks, done, pending  # this frame outlives the raise: no cycle through it
            try:
                if not isinstance(error, Exception):
                    raise error  # a BaseException that is not an Exception propagates as is
                _keep_finished(superstep, results, state)
                step = superstep[failed[0]]
                raise _failure(step, error, state, index, started, graph_name) from error
            finally:
                del error
        results.update((p, t.result()) for p, t in tasks.items())
    for position, step in enumerate(superstep):
        if step.single_output is not None:
            state[step.single_output] = results[position]
            continue
        try:
            store(step, results[position], state)
        except Exception as exc:
            raise _failure(step, exc, state, index, started, graph_name) from exc


def _raised(task: asyncio.Future[Any]) -> bool:
    """Whether a finished task raised (a task cancelled by its own node counts too)."""
    return task.cancelled() or task.exception() is not None


def _keep_finished(
    superstep: tuple[NodeStep, ...], results: dict[int, Any], state: dict[str, Any]
) -> None:
    """On failure, keep the outputs of the superstep's nodes that finished (partial values)."""
    for position, step in enumerate(superstep):
        if position in results:
            with contextlib.suppress(Exception):  # a bad return shape is not a finished node
                store(step, results[position], state)


def _call_now(step: NodeStep, state: dict[str, Any]) -> Any:
    """Call a node that completes on the loop (see `_completes_inline`)."""
    result = step.call(state)
    if step.shape == NONE and step.mode is ExecutionMode.SYNC_GENERATOR:
        _drain(result)
    return result


def _failure(
    step: NodeStep,
    error: Exception,
    state: dict[str, Any],
    index: int,
    started: float,
    graph_name: str | None,
) -> ExecutionError:
    return fail(step, error, evidence_inputs(step, state), index, started, graph_name, state)


async def _settle(threads: list[ThreadCall]) -> None:
    for call in threads:
        await call.settled()


async def _cancel(tasks: Sequence[asyncio.Future[Any]], threads: list[ThreadCall]) -> None:
    """Cancel the tasks and wait until they, and every thread they started, have settled,
    even if we are cancelled again meanwhile (that cancellation then propagates)."""
    try:
        await cancel_and_wait(tasks)
    finally:
        await _settle(threads)


async def _limited(
    step: NodeStep,
    state: dict[str, Any],
    inline: bool,
    threads: list[ThreadCall],
    limiter: asyncio.Semaphore | None,
) -> Any:
    if limiter is None or step.acall is not None:  # a child run's own nodes take the slots
        return await _invoke(step, state, inline, threads, limiter)
    async with limiter:
        return await _invoke(step, state, inline, threads, limiter)


async def _invoke(
    step: NodeStep,
    state: dict[str, Any],
    inline: bool,
    threads: list[ThreadCall],
    limiter: asyncio.Semaphore | None = None,
) -> Any:
    """Call one node in its mode; generators are created unstarted (drained if output-less).

    A nested graph runs as a child run on the loop, never in a thread.
    """
    if step.acall is not None:
        return await step.acall(state, inline, limiter)
    mode = step.mode
    if mode is _ASYNC_FUNCTION:
        return await step.call(state)
    if mode is ExecutionMode.SYNC_FUNCTION:
        if inline:
            return step.call(state)
        return await _in_thread(step.call, state, threads)
    generator = step.call(state)
    if step.shape == NONE:
        if mode is ExecutionMode.ASYNC_GENERATOR:
            await _drain_async(generator)
        elif inline:
            _drain(generator)
        else:
            await _in_thread(_drain, generator, threads)
    return generator


async def _in_thread(func: Any, argument: Any, threads: list[ThreadCall]) -> Any:
    call = ThreadCall(func, argument)
    threads.append(call)
    return await call()


def _drain(generator: Iterator[Any]) -> None:
    for _ in generator:
        pass


async def _drain_async(generator: AsyncIterator[Any]) -> None:
    async for _ in generator:
        pass
