"""The superstep loops of dynamic plans (gates, cycles) for SyncRunner and AsyncRunner.

Both loops ask `DynamicState` for the next batch, run it, and apply the results in
declaration order; they differ only in how a batch's nodes are called. Routing functions
always run synchronously on the calling thread (never in a worker thread).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hypergraph.exceptions import ExecutionError, InfiniteLoopError
from hypergraph.nodes.function import ExecutionMode
from hypergraph.runners._dynamic import DynamicNode, DynamicPlan, DynamicState, decide
from hypergraph.runners._execute import evidence_inputs, fail, store
from hypergraph.runners._steps import GIVEN, NONE, NodeStep, Prepared
from hypergraph.runners._threads import ThreadCall
from hypergraph.runners._window import YIELD_EVERY
from hypergraph.runners.result import FailureEvidence, attach_evidence

__all__ = ["run_async", "run_sync"]

Written = dict[str, Any]


def _state(prep: Prepared, values: dict[str, Any]) -> DynamicState:
    plan = prep.dynamic
    assert isinstance(plan, DynamicPlan)
    return DynamicState(plan, values, [k for k in values if k != GIVEN])


def _next(state: DynamicState, max_iterations: int, graph_name: str | None) -> list[DynamicNode]:
    try:
        return state.next_batch(max_iterations)
    except InfiniteLoopError as exc:
        raise _loop_failure(exc, state, graph_name) from exc


def _loop_failure(
    error: InfiniteLoopError, state: DynamicState, graph_name: str | None
) -> ExecutionError:
    """InfiniteLoopError as a run failure, attributed to the first node of the cycle."""
    cycle = next(
        component
        for c, component in enumerate(state.plan.components)
        if state.plan.cyclic[c] and state.spent[c] > error.max_iterations
    )
    evidence = FailureEvidence(
        node_name=cycle[0].name,
        error=error,
        superstep=state.superstep,
        graph_name=graph_name,
    )
    attach_evidence(error, evidence)
    return ExecutionError(evidence, state.values)


def _outcome(node: DynamicNode, result: Any) -> tuple[Written, tuple[tuple[str, ...], bool] | None]:
    """A node's writes, and for a gate its validated decision (raises on a bad decision)."""
    decision = decide(node.gate, result) if node.gate is not None else None
    single = node.step.single_output
    if single is not None:  # the result as-is under one name (store would do the same)
        return {single: result}, decision
    written: Written = {}
    store(node.step, result, written)
    return written, decision


def _apply(state: DynamicState, done: list[tuple[DynamicNode, Written, Any]]) -> None:
    for node, written, decision in done:
        state.apply(node, written)
        if decision is not None:
            state.record_decision(node, *decision)


def _drain_if_needed(step: NodeStep, result: Any) -> None:
    if step.shape == NONE and step.mode is ExecutionMode.SYNC_GENERATOR:
        for _ in result:  # an output-less generator runs for its side effects
            pass


def run_sync(
    prep: Prepared, values: dict[str, Any], graph_name: str | None, max_iterations: int
) -> None:
    """SyncRunner: each batch runs sequentially in declaration order."""
    state = _state(prep, values)
    while batch := _next(state, max_iterations, graph_name):
        state.start(batch)
        done: list[tuple[DynamicNode, Written, Any]] = []
        for node in batch:
            step = node.step
            try:
                result = step.call(values)
                _drain_if_needed(step, result)
                written, decision = _outcome(node, result)
            except Exception as exc:
                inputs = evidence_inputs(step, values)
                _apply(state, done)  # partial values: the batch's finished nodes
                index = state.superstep - 1
                raise fail(step, exc, inputs, index, None, graph_name, values) from exc
            done.append((node, written, decision))
        _apply(state, done)


async def run_async(
    prep: Prepared,
    values: dict[str, Any],
    graph_name: str | None,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    max_iterations: int,
) -> None:
    """AsyncRunner: gates decide inline, then the batch's other nodes start together.

    Nodes that never suspend (inline `def` nodes, gates) would hold the event loop for the
    whole loop, so between supersteps the run yields once YIELD_EVERY seconds have passed.
    """
    from hypergraph.runners.async_ import _concurrent, _invoke, _settle

    state = _state(prep, values)
    threads: list[ThreadCall] = []
    deadline = time.perf_counter() + YIELD_EVERY
    try:
        while batch := _next(state, max_iterations, graph_name):
            if time.perf_counter() >= deadline:
                await asyncio.sleep(0)  # timeouts and cancellations get their turn
                deadline = time.perf_counter() + YIELD_EVERY
            state.start(batch)
            index = state.superstep - 1
            done: list[tuple[DynamicNode, Written, Any]] = []
            others: list[DynamicNode] = []
            for node in batch:
                if node.gate is None:
                    others.append(node)
                    continue
                try:
                    done.append((node, *_outcome(node, node.step.call(values))))
                except Exception as exc:
                    inputs = evidence_inputs(node.step, values)
                    _apply(state, done)
                    raise fail(node.step, exc, inputs, index, None, graph_name, values) from exc
            if len(others) == 1 and limiter is None:
                node = others[0]
                step = node.step
                try:
                    result = await _invoke(step, values, inline, threads)
                    done.append((node, *_outcome(node, result)))
                except Exception as exc:
                    await _settle(threads)
                    inputs = evidence_inputs(step, values)
                    _apply(state, done)
                    raise fail(step, exc, inputs, index, None, graph_name, values) from exc
            elif others:
                scratch = dict(values)  # every node reads the state as it was before
                steps = tuple(n.step for n in others)
                try:
                    await _concurrent(steps, scratch, index, graph_name, inline, limiter)
                except ExecutionError:
                    for node in others:  # partial values: the batch's finished nodes
                        values.update((k, scratch[k]) for k in node.written if k in scratch)
                    _apply(state, done)
                    raise
                for node in others:
                    written = {k: scratch[k] for k in node.written if k in scratch}
                    done.append((node, written, None))
            if len(done) > 1:  # gates first, then the others: back to declaration order
                done.sort(key=_done_index)
            _apply(state, done)
            threads.clear()
    except BaseException:
        await _settle(threads)
        raise


def _done_index(item: tuple[DynamicNode, Written, Any]) -> int:
    return item[0].index
