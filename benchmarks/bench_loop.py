"""A gate-driven loop against a hand-written while loop, measured side by side.

Run: python benchmarks/bench_loop.py [--quick]
The graph: three trivial nodes in a loop closed by a route gate, 100 rounds per run (400
supersteps). Prints the time per run and per round, and the ratio to the hand-written loop,
for the runners and for the module `hypergraph compile` writes for the graph (sync, and async
with sync_nodes="inline"; target: compiled within 1.5x of the hand-written loop).
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypergraph import END, AsyncRunner, Graph, SyncRunner, node, route

ROUNDS = 100


def add_one(count: int) -> int:
    return count + 1


def relay_a(a: int) -> int:
    return a


def relay_b(b: int) -> int:
    return b


def again(count: int, rounds: int = ROUNDS) -> str:
    return "add_one" if count < rounds else END


def loop_graph() -> Graph:
    return Graph(
        [
            node(add_one, output_name="a"),
            node(relay_a, output_name="b"),
            node(relay_b, output_name="count"),
            route(targets=["add_one", END])(again),
        ],
        entrypoint="add_one",
    )


def hand_written(count: int) -> dict[str, Any]:
    """The floor: the same functions called by keyword in a while loop."""
    while True:
        a = add_one(count=count)
        b = relay_a(a=a)
        count = relay_b(b=b)
        decision = again(count=count)
        if decision is END:
            return {"a": a, "b": b, "count": count, "_again": decision}


def compiled(backend: str) -> Any:
    """The loop compiled by codegen, imported from a temporary directory. Compiled modules
    import node functions by module, so the graph is built from this file imported as
    `bench_loop` (not `__main__`)."""
    here = Path(__file__).resolve().parent
    for path in (str(here.parent), str(here)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import bench_loop

    from codegen import compile_graph

    where = Path(tempfile.mkdtemp())
    name = f"loop_compiled_{backend}"
    source = compile_graph(bench_loop.loop_graph(), backend=backend, sync_nodes="inline")  # type: ignore[arg-type]
    (where / f"{name}.py").write_text(source)
    sys.path.insert(0, str(where))
    return importlib.import_module(name)


Timer = Callable[[int], float]
"""Seconds that `number` runs of one variant take."""


def timer(func: Callable[[], Any]) -> Timer:
    def timed(number: int) -> float:
        start = time.perf_counter()
        for _ in range(number):
            func()
        return time.perf_counter() - start

    return timed


def async_timer(loop: asyncio.AbstractEventLoop, factory: Callable[[], Any]) -> Timer:
    """Times `number` awaits of factory() inside one coroutine on `loop`."""

    async def rounds(number: int) -> float:
        start = time.perf_counter()
        for _ in range(number):
            await factory()
        return time.perf_counter() - start

    return lambda number: loop.run_until_complete(rounds(number))


def interleaved(variants: dict[str, tuple[Timer, int]], repeat: int) -> dict[str, float]:
    """Best mean seconds per run of each variant ((timer, runs per round)). The variants take
    turns within every round, so a noisy phase of the machine hits all of them alike."""
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(repeat):
        for label, (timed, number) in variants.items():
            best[label] = min(best[label], timed(number) / number)
    return best


def report(label: str, seconds: float, floor: float) -> None:
    print(
        f"{label:<46} {seconds * 1e3:8.3f} ms/run  {seconds / ROUNDS * 1e6:7.2f} us/round  "
        f"ratio {seconds / floor:7.2f}x"
    )


def main() -> None:
    quick = "--quick" in sys.argv
    repeat, number = (3, 5) if quick else (15, 20)
    graph = loop_graph()
    expected = hand_written(0)
    assert SyncRunner().run(graph, count=0).values == expected
    module, amodule = compiled("sync"), compiled("async")
    assert module.run(count=0) == expected
    assert asyncio.run(amodule.run(count=0)) == expected
    loop = asyncio.new_event_loop()
    sync, inline = SyncRunner(), AsyncRunner(sync_nodes="inline")
    fast = number * 20  # the compiled modules and the floor take ~0.02 ms a run
    variants: dict[str, tuple[Timer, int]] = {
        "hand-written while loop": (timer(lambda: hand_written(0)), fast),
        "SyncRunner": (timer(lambda: sync.run(graph, count=0)), number),
        'AsyncRunner(sync_nodes="inline")': (
            async_timer(loop, lambda: inline.run(graph, count=0)),
            number,
        ),
        "compiled module (sync)": (timer(lambda: module.run(count=0)), fast),
        'compiled module (async, sync_nodes="inline")': (
            async_timer(loop, lambda: amodule.run(count=0)),
            fast,
        ),
    }
    best = interleaved(variants, repeat)
    loop.close()
    floor = best["hand-written while loop"]
    print(f"Python {sys.version.split()[0]}; {ROUNDS} rounds of 3 nodes + a route gate")
    for label, seconds in best.items():
        report(label, seconds, floor)


if __name__ == "__main__":
    main()
