"""Running a GraphNode: the inner graph as a child run, once or once per mapped item."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from hypergraph.exceptions import ExecutionError
from hypergraph.runners import _async_loop, _sync_loop
from hypergraph.runners._map import map_items
from hypergraph.runners._start import start_state
from hypergraph.runners._steps import CACHE, AsyncCall, Prepared, SyncCall
from hypergraph.runners._threads import cancel_and_wait
from hypergraph.runners.base import BaseRunner
from hypergraph.runners.result import FailureEvidence

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph
    from hypergraph.nodes.graph_node import GraphNode

__all__ = ["graph_calls"]

Prepare = Callable[["Graph"], Prepared]
"""`_prepare.prepared`, passed in: preparing a graph prepares its nested graphs' calls."""
_BUDGET = BaseRunner.default_max_iterations  # a child run's own cycle budget


def graph_calls(node: GraphNode, prepare: Prepare) -> tuple[SyncCall, AsyncCall]:
    """The sync and async calls of a GraphNode step; each returns {port address: value}.

    Each child run prepares the inner graph with `prepare` (cached on the inner graph).
    """
    inputs = node.input_pairs
    outputs = node.output_pairs
    graph = node.graph
    mapping = node.inner_map

    def given(state: dict[str, Any]) -> dict[str, Any]:
        # Ports the parent does not feed are left to the inner graph's binds and defaults.
        return {local: state[address] for address, local in inputs if address in state}

    # The parent's cache (if any) serves the child runs too: state.get(CACHE) below.

    def translate(values: dict[str, Any]) -> dict[str, Any]:
        return {address: values[local] for address, local in outputs if local in values}

    def mapped(results: list[dict[str, Any] | None]) -> dict[str, Any]:
        return {
            address: [None if r is None else r.get(local) for r in results]
            for address, local in outputs
        }

    if mapping is None:

        def call(state: dict[str, Any]) -> Any:
            return translate(_run_sync(prepare, graph, given(state), state.get(CACHE)))

        async def acall(state: dict[str, Any], inline: bool, limiter: Any) -> Any:
            cache = state.get(CACHE)
            child = await _run_async(prepare, graph, given(state), cache, inline, limiter)
            return translate(child)

        return call, acall

    def items(state: dict[str, Any]) -> list[dict[str, Any]]:
        return map_items(given(state), mapping.params, mapping.mode, mapping.clone)[1]

    def call_mapped(state: dict[str, Any]) -> Any:
        results: list[dict[str, Any] | None] = []
        cache = state.get(CACHE)
        for item in items(state):
            try:
                results.append(_run_sync(prepare, graph, item, cache))
            except Exception:
                if mapping.error_handling == "raise":
                    raise
                results.append(None)
        return mapped(results)

    async def acall_mapped(state: dict[str, Any], inline: bool, limiter: Any) -> Any:
        cache = state.get(CACHE)
        runs = [_run_async(prepare, graph, item, cache, inline, limiter) for item in items(state)]
        settled = await _all_items(runs, stop_on_error=mapping.error_handling == "raise")
        return mapped([None if isinstance(r, BaseException) else r for r in settled])

    return call_mapped, acall_mapped


def _run_sync(
    prepare: Prepare, graph: Graph, provided: dict[str, Any], cache: Any
) -> dict[str, Any]:
    """A child run with error_handling="raise": the inner node's exception propagates.

    The parent checked the runner against every nested node and feeds the inner graph its
    own input names: only the missing-input check remains (`start_state`). `cache` is the
    parent run's RunCache (or None).
    """
    prep = prepare(graph)
    state = start_state(graph, prep, provided)
    if cache is not None:
        state[CACHE] = cache
    failure: FailureEvidence | None = None
    try:
        _sync_loop.execute(prep, state, graph.name, _BUDGET)
    except ExecutionError as exc:
        failure = exc.failure
    if failure is not None:  # the inner node's own exception, raised outside the except
        error = failure.error
        del failure
        try:
            raise error
        finally:
            del error  # the traceback keeps this frame: it must not keep the exception
    return {name: state[name] for name in prep.wiring.result_names if name in state}


async def _run_async(
    prepare: Prepare,
    graph: Graph,
    provided: dict[str, Any],
    cache: Any,
    inline: bool,
    limiter: asyncio.Semaphore | None,
) -> dict[str, Any]:
    prep = prepare(graph)
    state = start_state(graph, prep, provided)
    if cache is not None:
        state[CACHE] = cache
    failure: FailureEvidence | None = None
    try:
        await _async_loop.execute(prep, state, graph.name, inline, limiter, _BUDGET)
    except ExecutionError as exc:
        failure = exc.failure
    if failure is not None:  # the inner node's own exception, raised outside the except
        error = failure.error
        del failure
        try:
            raise error
        finally:
            del error  # the traceback keeps this frame: it must not keep the exception
    return {name: state[name] for name in prep.wiring.result_names if name in state}


async def _all_items(
    runs: list[Coroutine[Any, Any, dict[str, Any]]], *, stop_on_error: bool
) -> list[dict[str, Any] | BaseException]:
    """Run the items concurrently. With stop_on_error, the first failure cancels the rest and
    the lowest-index failure is raised once they have settled."""
    tasks = [asyncio.ensure_future(run) for run in runs]
    if not tasks:
        return []
    try:
        when = asyncio.FIRST_EXCEPTION if stop_on_error else asyncio.ALL_COMPLETED
        done, pending = await asyncio.wait(tasks, return_when=when)
    except BaseException:
        await cancel_and_wait(tasks)
        raise
    if pending:
        await cancel_and_wait(pending)
    if stop_on_error:  # the lowest-index failure among the finished items wins
        # read every finished item's exception, so asyncio does not log the others as
        # "never retrieved" when two items failed in the same moment
        errors = [task.exception() for task in tasks if task in done]
        first = next((error for error in errors if error is not None), None)
        if first is not None:
            del errors, tasks, done, pending  # this frame outlives the raise: no cycle
            try:
                raise first
            finally:
                del first
    outcomes: list[dict[str, Any] | BaseException] = []
    for task in tasks:
        error = task.exception()
        outcomes.append(error if error is not None else task.result())
    return outcomes
