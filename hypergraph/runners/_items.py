"""One run to its RunResult, and one map item: shared by the shells and executor workers."""

from __future__ import annotations

import asyncio
from typing import Any

from hypergraph.exceptions import ExecutionError
from hypergraph.runners import _async_loop, _sync_loop
from hypergraph.runners._checks import ItemStart
from hypergraph.runners._execute import finish, new_run_id, raise_taken, with_item_index
from hypergraph.runners._map import MapRows
from hypergraph.runners._steps import Prepared
from hypergraph.runners.result import RunResult, RunStatus

__all__ = ["async_item", "complete_sync", "failed_item", "sync_item"]


def complete_sync(
    prep: Prepared,
    state: dict[str, Any],
    graph_name: str | None,
    on_missing: str,
    error_handling: str,
    max_iterations: int,
) -> RunResult:
    """Execute a checked run and turn its end into a RunResult (or re-raise the error)."""
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


def failed_item(error: Exception, index: int) -> RunResult:
    """The result of an item that failed before any node ran (its validation error)."""
    result = RunResult(values={}, status=RunStatus.FAILED, run_id=new_run_id(), error=error)
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
) -> RunResult:
    """One item of a map: a run with error_handling="continue" from its checked start."""
    try:
        if start.error is not None:
            raise start.error()
        assert prep is not None  # prepared whenever the start checks passed
        state = start.state(mapped, row)
        return with_item_index(
            complete_sync(prep, state, graph_name, on_missing, "continue", max_iterations), index
        )
    except Exception as exc:  # an item's validation error fails that item only
        return failed_item(exc, index)


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
) -> RunResult:
    """One item of an async map: a run with error_handling="continue" from its checked start."""
    try:
        if start.error is not None:
            raise start.error()
        assert prep is not None  # prepared whenever the start checks passed
        state = start.state(mapped, row)
        try:
            await _async_loop.execute(prep, state, graph_name, inline, limiter, max_iterations)
        except ExecutionError as exc:
            return with_item_index(
                finish(prep, state, on_missing, new_run_id(), exc.failure), index
            )
        return with_item_index(finish(prep, state, on_missing, new_run_id()), index)
    except Exception as exc:  # an item's validation error fails that item only
        return failed_item(exc, index)
