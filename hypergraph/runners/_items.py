"""One run to its RunResult, and one map item: shared by the shells and executor workers.

An item given its `RunScope` (when processors watch the map) reports itself as a run nested in
the map's span: its start, its nodes (through the state key EVENTS), its end.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from hypergraph.exceptions import ExecutionError
from hypergraph.runners import _async_loop, _sync_loop
from hypergraph.runners._checks import ItemStart
from hypergraph.runners._execute import finish, new_run_id, raise_taken, with_item_index
from hypergraph.runners._map import MapRows
from hypergraph.runners._steps import CACHE, EVENTS, Prepared, RunCache
from hypergraph.runners.result import RunResult, RunStatus

if TYPE_CHECKING:
    from hypergraph.events.scope import RunScope

__all__ = ["async_item", "complete_sync", "failed_item", "sync_item"]


def complete_sync(
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
        _sync_loop.execute(prep, state, graph_name, max_iterations)
    except ExecutionError as exc:
        failure = [exc.failure]  # a box: see `raise_taken`
    else:
        return finish(prep, state, on_missing, run_id)
    if error_handling == "raise":
        raise_taken(failure)  # the original object, raised outside the except block
    return finish(prep, state, on_missing, run_id, failure.pop())


def failed_item(error: Exception, index: int, run_id: str | None = None) -> RunResult:
    """The result of an item that failed before any node ran (its validation error)."""
    run_id = new_run_id() if run_id is None else run_id
    result = RunResult(values={}, status=RunStatus.FAILED, run_id=run_id, error=error)
    return with_item_index(result, index)


def sync_item(
    prep: Prepared | None,
    start: ItemStart,
    mapped: MapRows,
    row: tuple[Any, ...],
    graph_name: str | None,
    on_missing: str,
    max_iterations: int,
    index: int,
    item: RunScope | None = None,
    run_cache: RunCache | None = None,
) -> RunResult:
    """One item of a map: a run with error_handling="continue" from its checked start
    (reported to `item`, the item's scope, when watched; cached nodes use `run_cache`)."""
    if item is not None:
        item.run_start()
    run_id = None if item is None else item.run_id
    try:
        if start.error is not None:
            raise start.error()
        assert prep is not None  # prepared whenever the start checks passed
        state = start.state(mapped, row)
        if item is not None:
            state[EVENTS] = item
        if run_cache is not None:
            state[CACHE] = run_cache
        ended = [  # a box, not a local: a failed item's traceback keeps this frame alive
            with_item_index(
                complete_sync(
                    prep, state, graph_name, on_missing, "continue", max_iterations, run_id
                ),
                index,
            )
        ]
    except Exception as exc:  # an item's validation error fails that item only
        ended = [failed_item(exc, index, run_id)]
    if item is not None:
        item.run_end(ended[0].error)
    return ended.pop()


async def async_item(
    prep: Prepared | None,
    start: ItemStart,
    mapped: MapRows,
    row: tuple[Any, ...],
    graph_name: str | None,
    on_missing: str,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    max_iterations: int,
    index: int,
    item: RunScope | None = None,
    run_cache: RunCache | None = None,
) -> RunResult:
    """One item of an async map: a run with error_handling="continue" from its checked start
    (reported to `item` when watched; a cancelled item ends with its cancellation; cached
    nodes use `run_cache`)."""
    if item is None:
        return await _async_item(
            prep, start, mapped, row, graph_name, on_missing, inline, limiter, max_iterations,
            index, None, run_cache,
        )  # fmt: skip
    item.run_start()
    try:
        result = await _async_item(
            prep, start, mapped, row, graph_name, on_missing, inline, limiter, max_iterations,
            index, item, run_cache,
        )  # fmt: skip
    except BaseException as exc:  # cancelled
        item.run_end(exc)
        raise
    item.run_end(result.error)
    return result


async def _async_item(
    prep: Prepared | None,
    start: ItemStart,
    mapped: MapRows,
    row: tuple[Any, ...],
    graph_name: str | None,
    on_missing: str,
    inline: bool,
    limiter: asyncio.Semaphore | None,
    max_iterations: int,
    index: int,
    item: RunScope | None = None,
    run_cache: RunCache | None = None,
) -> RunResult:
    run_id = new_run_id() if item is None else item.run_id
    try:
        if start.error is not None:
            raise start.error()
        assert prep is not None  # prepared whenever the start checks passed
        state = start.state(mapped, row)
        if item is not None:
            state[EVENTS] = item
        if run_cache is not None:
            state[CACHE] = run_cache
        try:
            await _async_loop.execute(prep, state, graph_name, inline, limiter, max_iterations)
        except ExecutionError as exc:
            return with_item_index(finish(prep, state, on_missing, run_id, exc.failure), index)
        return with_item_index(finish(prep, state, on_missing, run_id), index)
    except Exception as exc:  # an item's validation error fails that item only
        return failed_item(exc, index, run_id)
