"""runner.map over many items: SyncRunner against AsyncRunner, measured side by side.

Run: python benchmarks/bench_map.py [--quick]
A one-node graph mapped over 100,000 items (20,000 with --quick); AsyncRunner with
max_concurrency=256, so at most 256 items are in flight. Prints items per second and the
per-item time relative to SyncRunner.map, then the peak memory of each map (tracemalloc, in a
separate run: tracing slows everything down) next to what its MapResult keeps: a bounded
window keeps the peak close to the results themselves.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from hypergraph import AsyncRunner, Graph, SyncRunner, node

WINDOW = 256


@node(output_name="y")
def increment(x: int) -> int:
    return x + 1


@node(output_name="y")
async def increment_async(x: int) -> int:
    return x + 1


Call = Callable[[], Any]
"""One map: returns its MapResult, or (for AsyncRunner) a coroutine that does."""


def variants(items: list[int]) -> dict[str, Call]:
    """Each map, as a call; AsyncRunner's return coroutines, awaited on one event loop."""
    sync_graph, async_graph = Graph([increment]), Graph([increment_async])
    sync, on_loop, inline = SyncRunner(), AsyncRunner(), AsyncRunner(sync_nodes="inline")

    def mapped(runner: AsyncRunner, graph: Graph) -> Call:
        return lambda: runner.map(graph, x=items, map_over="x", max_concurrency=WINDOW)

    return {
        "SyncRunner.map (def node)": lambda: sync.map(sync_graph, x=items, map_over="x"),
        "AsyncRunner.map (async def node)": mapped(on_loop, async_graph),
        'AsyncRunner(sync_nodes="inline").map (def node)': mapped(inline, sync_graph),
    }


def finish(result: Any, loop: asyncio.AbstractEventLoop) -> Any:
    return loop.run_until_complete(result) if asyncio.iscoroutine(result) else result


def best_seconds(
    calls: dict[str, Call], repeat: int, loop: asyncio.AbstractEventLoop
) -> dict[str, float]:
    """Best seconds per map of each variant; the variants take turns in every round, so a
    noisy phase of the machine hits all of them alike."""
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(repeat):
        for label, call in calls.items():
            gc.collect()
            start = time.perf_counter()
            result = finish(call(), loop)
            best[label] = min(best[label], time.perf_counter() - start)
            del result
    return best


def memory(call: Call, loop: asyncio.AbstractEventLoop) -> tuple[int, int]:
    """(peak bytes during the map, bytes its MapResult still holds afterwards)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = finish(call(), loop)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result) > 0
    return peak, held


def main() -> None:
    quick = "--quick" in sys.argv
    count, repeat = (20_000, 2) if quick else (100_000, 3)
    items = list(range(count))
    calls = variants(items)
    loop = asyncio.new_event_loop()
    for call in calls.values():  # all agree, and every graph is planned before timing
        assert finish(call(), loop)["y"][-1] == count
    print(f"Python {sys.version.split()[0]}; {count:,} items, max_concurrency={WINDOW}")
    seconds = best_seconds(calls, repeat, loop)
    floor = seconds["SyncRunner.map (def node)"]
    for label, spent in seconds.items():
        print(
            f"{label:<48} {count / spent:10,.0f} items/s  {spent / count * 1e6:6.2f} us/item"
            f"  ratio {spent / floor:5.2f}x"
        )
    print()
    for label, call in calls.items():
        peak, held = memory(call, loop)
        print(
            f"{label:<48} peak {peak / 2**20:7.1f} MiB  results {held / 2**20:7.1f} MiB"
            f"  peak/results {peak / held:4.2f}"
        )
    loop.close()


if __name__ == "__main__":
    main()
