"""How an async run shares the event loop: map's bounded window of items, and yielding."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from hypergraph.runners._threads import cancel_and_wait

__all__ = ["YIELD_EVERY", "run_window"]

_T = TypeVar("_T")

YIELD_EVERY = 0.005
"""Seconds of loop time after which a dynamic run (between supersteps) or a map (between
items) yields to the event loop, so that timeouts, cancellations and other tasks get their
turn even when no node ever suspends (inline `def` nodes)."""


async def run_window(
    run_item: Callable[[int], Awaitable[_T]],
    count: int,
    width: int,
    stop: Callable[[_T], bool] | None = None,
) -> list[_T | None]:
    """Run items `0..count-1` with at most `width` in flight and return their results in item
    order: `width` workers, each taking the next item when its last one is done, so tasks and
    memory grow with the window, not with the item count. Once `stop(result)` is true no
    further item starts (the running ones finish; those never started stay None).

    If a worker raises (a BaseException from an item), or we are cancelled, no further item
    starts and the running ones are cancelled and waited for until they, and their threads,
    have settled; then the exception propagates.
    """
    results: list[_T | None] = [None] * count
    loop = asyncio.get_running_loop()
    halted = loop.create_future()
    """Done once no worker may take another item: all finished, one failed, or we were
    cancelled (cancelling the task that awaits it cancels it at once)."""
    indexes = iter(range(count))  # shared: each worker takes the next item
    turn_started = time.perf_counter()
    ticking = False
    stopped = False

    def tick() -> None:  # runs once per loop turn while workers take items: a new turn
        nonlocal turn_started, ticking
        turn_started = time.perf_counter()
        ticking = False

    async def worker() -> None:
        nonlocal ticking, stopped
        allowance = YIELD_EVERY
        for index in indexes:
            while True:
                if not ticking:  # have the next loop turn mark its start
                    ticking = True
                    loop.call_soon(tick)
                if time.perf_counter() - turn_started < allowance:
                    break
                await asyncio.sleep(0)  # this loop turn has lasted long enough: end it
                allowance = 2 * YIELD_EVERY  # back: one item, unless the turn is far gone
            if stopped or halted.done():
                return
            results[index] = await run_item(index)  # no local: see `_execute.taken`
            if stop is not None and stop(cast(_T, results[index])):
                stopped = True
            allowance = YIELD_EVERY

    if width <= 1:  # no task needed: cancellation reaches the worker directly
        if width:
            await worker()
        return results
    tasks = [asyncio.ensure_future(worker()) for _ in range(width)]
    running = len(tasks)

    def finished(task: asyncio.Future[None]) -> None:
        nonlocal running
        running -= 1
        if not halted.done() and (not running or task.cancelled() or task.exception()):
            halted.set_result(None)

    for task in tasks:
        task.add_done_callback(finished)
    try:
        await halted
    except BaseException:
        await cancel_and_wait(tasks)
        raise
    failed = next((t for t in tasks if t.done() and (t.cancelled() or t.exception())), None)
    if failed is not None:
        await cancel_and_wait(tasks)
        error = failed.exception()
        assert error is not None
        del failed, tasks, results  # this frame outlives the raise: no cycle through it
        try:
            raise error  # the item's own BaseException
        finally:
            del error
    return results
