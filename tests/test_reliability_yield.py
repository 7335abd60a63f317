"""An AsyncRunner run whose nodes never suspend still lets the event loop in (issue 10, item
5): timeouts and cancellations reach an inline loop of `def` nodes, and a map of items that
complete without suspending, long before the work is exhausted."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import pytest

from hypergraph import AsyncRunner, Graph, node

BUDGET = 200_000  # supersteps or items: far more than the loop can run before the deadline


def _ticking_loop(counter: list[int]) -> Graph:
    """up -> back -> up ...: a loop of `def` nodes that only max_iterations ends."""

    @node(output_name="n")
    def up(m: int) -> int:
        counter[0] += 1
        return m + 1

    @node(output_name="m")
    def back(n: int) -> int:
        return n

    return Graph([up, back], entrypoint="up")


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["wait_for", "timeout", "cancel"])
async def test_an_inline_loop_can_be_timed_out_or_cancelled(how: str) -> None:
    if how == "timeout" and sys.version_info < (3, 11):
        pytest.skip("asyncio.timeout is new in 3.11")
    counter = [0]
    runner = AsyncRunner(sync_nodes="inline")
    call = runner.run(_ticking_loop(counter), m=0, max_iterations=BUDGET)
    if how == "wait_for":
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(call, 0.05)
    elif how == "timeout":
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await call
    else:
        task = asyncio.ensure_future(call)
        await asyncio.sleep(0)  # the run starts
        ticks: list[int] = []
        asyncio.get_running_loop().call_later(0.05, lambda: ticks.append(counter[0]))
        asyncio.get_running_loop().call_later(0.05, task.cancel)
        with pytest.raises(asyncio.CancelledError):
            await task
        assert ticks, "the loop never let the cancel in"
    assert 0 < counter[0] < BUDGET  # stopped early, not by max_iterations


@pytest.mark.asyncio
async def test_other_tasks_run_while_an_inline_loop_runs() -> None:
    counter, seen = [0], []

    async def observer() -> None:
        for _ in range(3):
            await asyncio.sleep(0)
            seen.append(counter[0])

    watching = asyncio.ensure_future(observer())
    result = await AsyncRunner(sync_nodes="inline").run(
        _ticking_loop(counter), m=0, max_iterations=20_000, error_handling="continue"
    )
    assert result.failed  # the loop ran out of iterations, as asked
    await watching
    assert seen
    assert seen[0] < counter[0]  # the observer ran during the loop, not after it


@pytest.mark.asyncio
@pytest.mark.parametrize("max_concurrency", [None, 4])
async def test_a_map_of_items_that_never_suspend_can_be_timed_out(
    max_concurrency: int | None,
) -> None:
    counter = [0]

    @node(output_name="y")
    def count(x: int) -> int:
        counter[0] += 1
        time.sleep(0.001)  # blocks the loop: the whole map would take 2 s
        return x

    items: dict[str, Any] = {"x": list(range(2000))}
    call = AsyncRunner(sync_nodes="inline").map(
        Graph([count]), map_over="x", max_concurrency=max_concurrency, **items
    )
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(call, 0.02)
    assert counter[0] < len(items["x"]) / 2
