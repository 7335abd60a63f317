"""AsyncRunner.map keeps a bounded window (issue 10, item 6): with max_concurrency=N at most N
items are in flight and about N tasks exist, whatever the number of items, so memory is the
results plus the window; without it every item starts at once (API 5.3)."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from hypergraph import AsyncRunner, Graph, SyncRunner, node

WINDOW = 8


def _tracked() -> tuple[Graph, dict[str, int]]:
    seen = {"in_flight": 0, "most_in_flight": 0, "most_tasks": 0}

    @node(output_name="y")
    async def work(x: int) -> int:
        seen["in_flight"] += 1
        seen["most_in_flight"] = max(seen["most_in_flight"], seen["in_flight"])
        seen["most_tasks"] = max(seen["most_tasks"], len(asyncio.all_tasks()))
        await asyncio.sleep(0)
        seen["in_flight"] -= 1
        return x * 2

    return Graph([work]), seen


@pytest.mark.asyncio
async def test_a_bounded_map_keeps_items_and_tasks_within_its_window() -> None:
    graph, seen = _tracked()
    before = len(asyncio.all_tasks())
    items = list(range(2000))
    result = await AsyncRunner().map(graph, x=items, map_over="x", max_concurrency=WINDOW)
    assert result["y"] == [x * 2 for x in items]
    assert seen["most_in_flight"] == WINDOW
    assert seen["most_tasks"] <= before + WINDOW, "a task per item, not per window slot"


@pytest.mark.asyncio
async def test_without_max_concurrency_every_item_starts_at_once() -> None:
    count, started = 50, asyncio.Event()
    running = [0]

    @node(output_name="y")
    async def wait_for_all(x: int) -> int:
        running[0] += 1
        if running[0] == count:
            started.set()
        await asyncio.wait_for(started.wait(), 5)  # only if all items are in flight together
        return x

    result = await AsyncRunner().map(Graph([wait_for_all]), x=list(range(count)), map_over="x")
    assert result["y"] == list(range(count))


@pytest.mark.asyncio
@pytest.mark.parametrize("sync_nodes", ["thread", "inline"])
async def test_a_window_of_def_nodes_gives_every_result_in_item_order(sync_nodes: str) -> None:
    @node(output_name="y")
    def square(x: int) -> int:
        return x * x

    runner = AsyncRunner(sync_nodes=sync_nodes)  # type: ignore[arg-type]
    result = await runner.map(Graph([square]), x=list(range(300)), map_over="x", max_concurrency=7)
    assert result["y"] == [x * x for x in range(300)]
    assert [r.failure for r in result] == [None] * 300


def _peak(run: Callable[[], Any]) -> int:
    """Peak traced memory while `run()` runs (its result kept until the peak is read)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result["y"][-1] == len(result)
    return peak


def test_a_bounded_map_needs_no_more_memory_than_a_sync_map() -> None:
    """SyncRunner.map keeps little more than its results; the window keeps AsyncRunner's
    peak close to that (a task per item kept about three times as much)."""

    @node(output_name="y")
    def increment(x: int) -> int:
        return x + 1

    @node(output_name="y")
    async def increment_async(x: int) -> int:
        return x + 1

    items = list(range(20_000))  # the last y is 20,000: the number of items
    loop = asyncio.new_event_loop()
    runner = AsyncRunner()
    graph, async_graph = Graph([increment]), Graph([increment_async])

    def bounded() -> Any:
        call = runner.map(async_graph, x=items, map_over="x", max_concurrency=256)
        return loop.run_until_complete(call)

    try:
        bounded()  # planned, the loop warmed up
        sync_peak = _peak(lambda: SyncRunner().map(graph, x=items, map_over="x"))
        async_peak = _peak(bounded)
    finally:
        loop.close()
    assert async_peak < 1.3 * sync_peak, f"{async_peak} bytes against {sync_peak}"
