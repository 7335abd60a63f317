"""AsyncRunner's loops: a superstep's nodes run concurrently; `def` nodes in worker threads.

A DAG walks its precomputed supersteps; a graph with gates or cycles asks the shared step
logic (`_engine`) for each batch and runs it through the same concurrency code.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from hypergraph.events.scope import decision_value
from hypergraph.exceptions import ExecutionError
from hypergraph.nodes.function import ExecutionMode
from hypergraph.plan import NONE, DynamicNode
from hypergraph.runners._engine import Done, apply_done, new_state, next_batch, outcome
from hypergraph.runners._execute import evidence_inputs, fail, store
from hypergraph.runners._steps import EVENTS, Prepared, RunStep
from hypergraph.runners._threads import ThreadCall, cancel_and_wait
from hypergraph.runners._window import YIELD_EVERY

if TYPE_CHECKING:
    from hypergraph.events.scope import RunScope

__all__ = ["execute"]

_ASYNC_FUNCTION = ExecutionMode.ASYNC_FUNCTION
_SYNC_FUNCTION = ExecutionMode.SYNC_FUNCTION


async def execute(
    prep: Prepared,
    state: dict[str, Any],
    graph_name: str | None,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    max_iterations: int,
) -> None:
    """Walk the supersteps. A superstep of one node needs no task: it is awaited directly.

    Gates and cycles (a dynamic plan) go through the shared step logic instead.
    """
    if prep.dynamic_steps is not None:
        return await _execute_dynamic(prep, state, graph_name, inline, limiter, max_iterations)
    if EVENTS in state:  # watched: every node between its start and end events
        return await _execute_observed(prep, state, graph_name, inline, limiter, state[EVENTS])
    step: RunStep | None = None
    index = 0
    threads: list[ThreadCall] = []
    try:
        for index, superstep in enumerate(prep.supersteps):
            if len(superstep) > 1:
                step = None
                await _concurrent(superstep, state, index, graph_name, inline, limiter)
                continue
            step = superstep[0]
            if step.acall is not None:  # a child run, a node with policies: own slots
                result = await step.acall(state, inline, limiter)
            elif limiter is not None:
                async with limiter:
                    result = await _invoke(step, state, inline, threads)
            elif step.mode is _ASYNC_FUNCTION:
                result = await step.call(state)
            elif inline and step.mode is _SYNC_FUNCTION:
                result = step.call(state)
            else:
                result = await _invoke(step, state, inline, threads)
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


async def _execute_observed(
    prep: Prepared,
    state: dict[str, Any],
    graph_name: str | None,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    events: RunScope,
) -> None:
    """The DAG loop with events: a one-node superstep is awaited directly, as unwatched."""
    threads: list[ThreadCall] = []
    for index, superstep in enumerate(prep.supersteps):
        events.superstep(index)
        if len(superstep) > 1:
            await _concurrent(superstep, state, index, graph_name, inline, limiter, events)
            continue
        step = superstep[0]
        try:
            if limiter is None and _completes_inline(step, inline):
                result = _call_watched(step, state, events)
            else:
                result = await _limited(step, state, inline, threads, limiter, events)
            store(step, result, state)
        except Exception as exc:
            await _settle(threads)
            inputs = evidence_inputs(step, state)
            raise fail(step, exc, inputs, index, None, graph_name, state) from exc
        except BaseException:  # cancelled from outside: leave no thread behind
            await _settle(threads)
            raise
        threads.clear()


def _completes_inline(step: RunStep, inline: bool) -> bool:
    """Whether calling the node finishes at once on the loop (nothing to await)."""
    if step.mode is _ASYNC_FUNCTION or step.acall is not None:
        return False
    if step.mode is ExecutionMode.SYNC_FUNCTION:
        return inline
    if step.shape != NONE:
        return True  # a generator is only created, unstarted
    return inline and step.mode is ExecutionMode.SYNC_GENERATOR


async def _concurrent(
    superstep: tuple[RunStep, ...],
    state: dict[str, Any],
    index: int,
    graph_name: str | None,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    events: RunScope | None = None,
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
            tasks[position] = asyncio.ensure_future(
                _limited(step, state, inline, threads, limiter, events)
            )
    results: dict[int, Any] = {}
    for position in direct:
        try:
            if events is None:
                results[position] = _call_now(superstep[position], state)
            else:
                results[position] = _call_watched(superstep[position], state, events)
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
    superstep: tuple[RunStep, ...], results: dict[int, Any], state: dict[str, Any]
) -> None:
    """On failure, keep the outputs of the superstep's nodes that finished (partial values)."""
    for position, step in enumerate(superstep):
        if position in results:
            with contextlib.suppress(Exception):  # a bad return shape is not a finished node
                store(step, results[position], state)


def _call_now(step: RunStep, state: dict[str, Any]) -> Any:
    """Call a node that completes on the loop (see `_completes_inline`)."""
    result = step.call(state)
    if step.shape == NONE and step.mode is ExecutionMode.SYNC_GENERATOR:
        _drain(result)
    return result


def _call_watched(step: RunStep, state: dict[str, Any], events: RunScope) -> Any:
    """`_call_now` between the node's start and end events."""
    events.node_start(step.name)
    try:
        result = _call_now(step, state)
        if step.single_output is None:
            store(step, result, {})  # a result that cannot be stored fails the node here
    except BaseException as exc:
        events.node_error(step.name, exc)
        raise
    events.node_end(step.name)
    return result


def _failure(
    step: RunStep,
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
    step: RunStep,
    state: dict[str, Any],
    inline: bool,
    threads: list[ThreadCall],
    limiter: asyncio.Semaphore | None,
    events: RunScope | None = None,
) -> Any:
    if events is not None:
        if limiter is None or step.acall is not None:
            return await _watched(step, state, inline, threads, limiter, events)
        async with limiter:
            return await _watched(step, state, inline, threads, limiter, events)
    if limiter is None or step.acall is not None:  # a child run's own nodes take the slots
        return await _invoke(step, state, inline, threads, limiter)
    async with limiter:
        return await _invoke(step, state, inline, threads, limiter)


async def _watched(
    step: RunStep,
    state: dict[str, Any],
    inline: bool,
    threads: list[ThreadCall],
    limiter: asyncio.Semaphore | None,
    events: RunScope,
) -> Any:
    """`_invoke` between the node's start and end (or error) events; a node cancelled
    because another failed gets a NodeErrorEvent (CancelledError)."""
    events.node_start(step.name)
    try:
        result = await _invoke(step, state, inline, threads, limiter)
        if step.single_output is None:
            store(step, result, {})  # a result that cannot be stored fails the node here
    except BaseException as exc:
        events.node_error(step.name, exc)
        raise
    events.node_end(step.name)
    return result


async def _invoke(
    step: RunStep,
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


async def _execute_dynamic(
    prep: Prepared,
    values: dict[str, Any],
    graph_name: str | None,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    max_iterations: int,
) -> None:
    """Gates and cycles: gates decide inline, then the batch's other nodes start together.

    Nodes that never suspend (inline `def` nodes, gates) would hold the event loop for the
    whole loop, so between supersteps the run yields once YIELD_EVERY seconds have passed.
    """
    steps = prep.dynamic_steps
    assert steps is not None
    state = new_state(prep, values)
    events: RunScope | None = values.get(EVENTS)
    threads: list[ThreadCall] = []
    deadline = time.perf_counter() + YIELD_EVERY
    try:
        while batch := next_batch(state, max_iterations, graph_name):
            if time.perf_counter() >= deadline:
                await asyncio.sleep(0)  # timeouts and cancellations get their turn
                deadline = time.perf_counter() + YIELD_EVERY
            state.start(batch)
            index = state.superstep - 1
            if events is not None:
                events.superstep(index)
            done: list[Done] = []
            others: list[DynamicNode] = []
            for node in batch:
                if node.gate is None:
                    others.append(node)
                    continue
                step = steps[node.index]
                if events is not None:
                    events.node_start(step.name)
                try:
                    done.append((node, *outcome(node, step.call(values))))
                except Exception as exc:
                    if events is not None:
                        events.node_error(step.name, exc)
                    inputs = evidence_inputs(step, values)
                    apply_done(state, done)
                    raise fail(step, exc, inputs, index, None, graph_name, values) from exc
                if events is not None:
                    decision = done[-1][2]
                    assert node.gate is not None
                    assert decision is not None
                    events.route(step.name, decision_value(node.gate.multi_target, *decision))
                    events.node_end(step.name)
            if len(others) == 1 and limiter is None:
                node = others[0]
                step = steps[node.index]
                try:
                    if events is None:
                        result = await _invoke(step, values, inline, threads)
                    else:
                        result = await _watched(step, values, inline, threads, None, events)
                    done.append((node, *outcome(node, result)))
                except Exception as exc:
                    await _settle(threads)
                    inputs = evidence_inputs(step, values)
                    apply_done(state, done)
                    raise fail(step, exc, inputs, index, None, graph_name, values) from exc
            elif others:
                scratch = dict(values)  # every node reads the state as it was before
                batch_steps = tuple(steps[n.index] for n in others)
                try:
                    await _concurrent(
                        batch_steps, scratch, index, graph_name, inline, limiter, events
                    )
                except ExecutionError:
                    for node in others:  # partial values: the batch's finished nodes
                        values.update((k, scratch[k]) for k in node.written if k in scratch)
                    apply_done(state, done)
                    raise
                for node in others:
                    written = {k: scratch[k] for k in node.written if k in scratch}
                    done.append((node, written, None))
            if len(done) > 1:  # gates first, then the others: back to declaration order
                done.sort(key=_done_index)
            apply_done(state, done)
            threads.clear()
    except BaseException:
        await _settle(threads)
        raise


def _done_index(item: Done) -> int:
    return item[0].index
