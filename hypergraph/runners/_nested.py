"""Running a GraphNode: the inner graph as a child run, once or once per mapped item."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from hypergraph.events.scope import RunScope
from hypergraph.events.types import RunStatus, map_status
from hypergraph.exceptions import ExecutionError
from hypergraph.runners import _async_loop, _sync_loop
from hypergraph.runners._dispatch import SENDER
from hypergraph.runners._execute import new_run_id
from hypergraph.runners._map import map_items
from hypergraph.runners._start import start_state
from hypergraph.runners._steps import CACHE, EVENTS, AsyncCall, Prepared, SyncCall
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
    name = node.name

    def child(state: dict[str, Any]) -> RunScope | None:
        # watched: the child run (or the map of items) nests in this node's span
        scope: RunScope | None = state.get(EVENTS)
        return None if scope is None else scope.child(name, new_run_id(), graph.name)

    def given(state: dict[str, Any]) -> dict[str, Any]:
        # Ports the parent does not feed are left to the inner graph's binds and defaults.
        return {local: state[address] for address, local in inputs if address in state}

    # The parent's cache (if any) serves the child runs too: `state.get(CACHE)` below.

    def translate(values: dict[str, Any]) -> dict[str, Any]:
        return {address: values[local] for address, local in outputs if local in values}

    def mapped(results: list[dict[str, Any] | None]) -> dict[str, Any]:
        return {
            address: [None if r is None else r.get(local) for r in results]
            for address, local in outputs
        }

    if mapping is None:

        def call(state: dict[str, Any]) -> Any:
            cache = state.get(CACHE)
            return translate(_run_sync(prepare, graph, given(state), cache, child(state)))

        async def acall(state: dict[str, Any], inline: bool, limiter: Any) -> Any:
            run = _run_async(
                prepare, graph, given(state), state.get(CACHE), inline, limiter, child(state)
            )
            return translate(await run)

        return call, acall

    def items(state: dict[str, Any]) -> list[dict[str, Any]]:
        return map_items(given(state), mapping.params, mapping.mode, mapping.clone)[1]

    def call_mapped(state: dict[str, Any]) -> Any:
        scope = child(state)
        sender = SENDER.get()  # run(executor=...): the items go there
        if sender is not None:
            sent = sender.send(graph, given(state), mapping, scope)
            if sent is not None:
                return mapped(sent)
        results: list[dict[str, Any] | None] = []
        batch = items(state)
        cache = state.get(CACHE)
        if scope is not None:
            scope.run_start(is_map=True, map_size=len(batch))
        for index, item in enumerate(batch):
            try:
                results.append(_run_sync(prepare, graph, item, cache, _item(scope, index)))
            except Exception as exc:
                if mapping.error_handling == "raise":
                    if scope is not None:
                        scope.run_end(exc)
                    raise
                results.append(None)
        if scope is not None:
            scope.run_end(status=_map_status(results))
        return mapped(results)

    async def acall_mapped(state: dict[str, Any], inline: bool, limiter: Any) -> Any:
        scope = child(state)
        sender = SENDER.get()
        if sender is not None:
            sent = await sender.send_async(graph, given(state), mapping, inline, scope)
            if sent is not None:
                return mapped(sent)
        batch = items(state)
        cache = state.get(CACHE)
        if scope is not None:
            scope.run_start(is_map=True, map_size=len(batch))
        runs = [
            _run_async(prepare, graph, item, cache, inline, limiter, _item(scope, index))
            for index, item in enumerate(batch)
        ]
        try:
            settled = await _all_items(runs, stop_on_error=mapping.error_handling == "raise")
        except BaseException as exc:
            if scope is not None:
                scope.run_end(exc)
            raise
        results = [None if isinstance(r, BaseException) else r for r in settled]
        if scope is not None:
            scope.run_end(status=_map_status(results))
        return mapped(results)

    return call_mapped, acall_mapped


def _item(scope: RunScope | None, index: int) -> RunScope | None:
    return None if scope is None else scope.item(index, new_run_id())


def _map_status(results: list[dict[str, Any] | None]) -> RunStatus:
    return map_status(sum(r is None for r in results), len(results))


def _started(
    prepare: Prepare, graph: Graph, provided: dict[str, Any], cache: Any, scope: RunScope | None
) -> tuple[Prepared, dict[str, Any]]:
    """The child run's prepared graph and starting state (its start reported when watched);
    `cache` is the parent run's RunCache (or None)."""
    prep = prepare(graph)
    if scope is None:
        state = start_state(graph, prep, provided)
        if cache is not None:
            state[CACHE] = cache
        return prep, state
    scope.run_start()
    try:
        state = start_state(graph, prep, provided)
    except Exception as exc:
        scope.run_end(exc)
        raise
    state[EVENTS] = scope
    if cache is not None:
        state[CACHE] = cache
    return prep, state


def _run_sync(
    prepare: Prepare,
    graph: Graph,
    provided: dict[str, Any],
    cache: Any,
    scope: RunScope | None = None,
) -> dict[str, Any]:
    """A child run with error_handling="raise": the inner node's exception propagates.

    The parent checked the runner against every nested node and feeds the inner graph its
    own input names: only the missing-input check remains (`start_state`).
    """
    prep, state = _started(prepare, graph, provided, cache, scope)
    failure: FailureEvidence | None = None
    try:
        _sync_loop.execute(prep, state, graph.name, _BUDGET)
    except ExecutionError as exc:
        failure = exc.failure
    if failure is not None:  # the inner node's own exception, raised outside the except
        error = failure.error
        del failure
        if scope is not None:
            scope.run_end(error)
        try:
            raise error
        finally:
            del error  # the traceback keeps this frame: it must not keep the exception
    if scope is not None:
        scope.run_end()
    return {name: state[name] for name in prep.wiring.result_names if name in state}


async def _run_async(
    prepare: Prepare,
    graph: Graph,
    provided: dict[str, Any],
    cache: Any,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    scope: RunScope | None = None,
) -> dict[str, Any]:
    prep, state = _started(prepare, graph, provided, cache, scope)
    failure: FailureEvidence | None = None
    try:
        await _async_loop.execute(prep, state, graph.name, inline, limiter, _BUDGET)
    except ExecutionError as exc:
        failure = exc.failure
    except BaseException as exc:  # cancelled: the child run ends with it
        if scope is not None:
            scope.run_end(exc)
        raise
    if failure is not None:  # the inner node's own exception, raised outside the except
        error = failure.error
        del failure
        if scope is not None:
            scope.run_end(error)
        try:
            raise error
        finally:
            del error  # the traceback keeps this frame: it must not keep the exception
    if scope is not None:
        scope.run_end()
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
