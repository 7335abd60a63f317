"""Runtime overhead against the floor: direct hand-written calls, measured side by side.

Run: python benchmarks/bench_runtime.py [--quick]
Prints, for each scenario, the runner's time per node, the floor's, and their ratio.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from hypergraph import AsyncRunner, Graph, SyncRunner, node


def best_of(func: Callable[[], Any], repeat: int, number: int) -> float:
    """Best mean seconds per call over `repeat` rounds of `number` calls."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        timings.append((time.perf_counter() - start) / number)
    return min(timings)


def best_of_async(factory: Callable[[], Any], repeat: int, number: int) -> float:
    async def rounds() -> float:
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                await factory()
            timings.append((time.perf_counter() - start) / number)
        return min(timings)

    return asyncio.run(rounds())


def chain_functions(n: int, is_async: bool) -> list[Callable[..., Any]]:
    """n trivial functions f_i(x_i) -> x_{i+1}, built from source so each has its own name."""
    namespace: dict[str, Any] = {}
    keyword = "async def" if is_async else "def"
    source = "\n".join(f"{keyword} f{i}(x{i}):\n    return x{i} + 1\n" for i in range(n))
    exec(source, namespace)
    return [namespace[f"f{i}"] for i in range(n)]


def direct_chain(funcs: list[Callable[..., Any]], is_async: bool) -> Callable[..., Any]:
    """The floor: a hand-written function calling every node by keyword, in order."""
    keyword, wait = ("async def", "await ") if is_async else ("def", "")
    lines = [f"{keyword} direct(x0):"]
    lines += [f"    x{i + 1} = {wait}f{i}(x{i}=x{i})" for i in range(len(funcs))]
    lines.append(f"    return x{len(funcs)}")
    namespace: dict[str, Any] = {f"f{i}": f for i, f in enumerate(funcs)}
    exec("\n".join(lines), namespace)
    return namespace["direct"]  # type: ignore[no-any-return]


def chain_graph(funcs: list[Callable[..., Any]]) -> Graph:
    return Graph([node(f, output_name=f"x{i + 1}") for i, f in enumerate(funcs)])


def report(label: str, runner_s: float, floor_s: float, nodes: int, target: float | None) -> None:
    ratio = runner_s / floor_s
    verdict = (
        "" if target is None else f"  (target {target}x: {'ok' if ratio <= target else 'OVER'})"
    )
    print(
        f"{label:<44} {runner_s / nodes * 1e9:8.0f} ns/node  floor {floor_s / nodes * 1e9:6.0f}"
        f" ns/node  ratio {ratio:5.2f}x{verdict}"
    )


def bench_sync_chain(n: int, repeat: int) -> None:
    funcs = chain_functions(n, is_async=False)
    graph, direct, runner = chain_graph(funcs), direct_chain(funcs, False), SyncRunner()
    assert runner.run(graph, x0=0)[f"x{n}"] == direct(0) == n
    floor = best_of(lambda: direct(0), repeat, 20)
    ours = best_of(lambda: runner.run(graph, {"x0": 0}), repeat, 20)
    report(f"SyncRunner, {n}-node chain", ours, floor, n, 6)


def bench_async_chain(n: int, repeat: int) -> None:
    funcs = chain_functions(n, is_async=True)
    graph, direct, runner = chain_graph(funcs), direct_chain(funcs, True), AsyncRunner()
    floor = best_of_async(lambda: direct(0), repeat, 20)
    ours = best_of_async(lambda: runner.run(graph, {"x0": 0}), repeat, 20)
    report(f"AsyncRunner, {n}-node async chain", ours, floor, n, 10)


def bench_fanout(width: int, repeat: int) -> None:
    namespace: dict[str, Any] = {}
    exec("\n".join(f"def g{i}(x):\n    return x + {i}\n" for i in range(width)), namespace)
    funcs = [namespace[f"g{i}"] for i in range(width)]
    graph = Graph([node(f, output_name=f"y{i}") for i, f in enumerate(funcs)])
    calls = "\n".join(f"    y{i} = g{i}(x=x)" for i in range(width))
    namespace["__builtins__"] = __builtins__
    exec(f"def direct(x):\n{calls}\n    return y0", namespace)
    direct = namespace["direct"]
    sync_runner, inline = SyncRunner(), AsyncRunner(sync_nodes="inline")
    floor = best_of(lambda: direct(1), repeat, 20)
    ours = best_of(lambda: sync_runner.run(graph, x=1), repeat, 20)
    report(f"SyncRunner, {width}-wide fan-out", ours, floor, width, None)
    ours_async = best_of_async(lambda: inline.run(graph, x=1), repeat, 20)
    report(f"AsyncRunner(inline), {width}-wide fan-out", ours_async, floor, width, None)


def bench_concurrent_sleeps(count: int, seconds: float) -> None:
    namespace: dict[str, Any] = {"asyncio": asyncio}
    exec(
        "\n".join(
            f"async def s{i}(x):\n    await asyncio.sleep({seconds})\n    return x"
            for i in range(count)
        ),
        namespace,
    )
    graph = Graph([node(namespace[f"s{i}"], output_name=f"z{i}") for i in range(count)])
    runner = AsyncRunner()

    async def timed() -> float:
        await runner.run(graph, x=1)  # warm-up: plan and prepared steps
        start = time.perf_counter()
        await runner.run(graph, x=1)
        return time.perf_counter() - start

    elapsed = min(asyncio.run(timed()) for _ in range(3))
    print(
        f"{count} concurrent {seconds * 1000:.0f} ms sleeps: {elapsed * 1000:6.1f} ms "
        f"= {elapsed / seconds:.3f}x of one sleep (target 1.1x)"
    )


def bench_construction(sizes: list[int]) -> None:
    """Graph(...) plus planning; also with the cyclic GC paused, which isolates our own
    cost from CPython's full collections (they scan every live object, so they grow with
    the number of nodes alive)."""
    for n in sizes:
        funcs = chain_functions(n, is_async=False)
        nodes = [node(f, output_name=f"x{i + 1}") for i, f in enumerate(funcs)]
        row = []
        for paused in (False, True):
            timings = []
            for _ in range(3):
                if paused:
                    gc.disable()
                start = time.perf_counter()
                _ = Graph(nodes).plan
                timings.append(time.perf_counter() - start)
                gc.enable()
            row.append(min(timings))
        print(
            f"Graph(...) + plan, {n:>6}-node chain: {row[0] * 1000:8.1f} ms "
            f"({row[0] / n * 1e6:5.1f} us/node; GC paused: {row[1] / n * 1e6:5.1f} us/node)"
        )


def bench_cold_first_run(n: int, rounds: int) -> None:
    """The first run of a newly built graph (planning and per-node records included, graph
    construction not) next to the same graph's later runs. Every round builds new nodes and a
    new graph, so nothing is cached; best of `rounds`."""
    funcs = chain_functions(n, is_async=False)
    loop = asyncio.new_event_loop()
    runners: list[tuple[str, Callable[[Graph], Any]]] = [
        ("SyncRunner", lambda graph: SyncRunner().run(graph, x0=0)),
        (
            'AsyncRunner(sync_nodes="inline")',
            lambda graph: loop.run_until_complete(
                AsyncRunner(sync_nodes="inline").run(graph, x0=0)
            ),
        ),
    ]
    for label, run in runners:
        cold, warm = float("inf"), float("inf")
        for _ in range(rounds):
            graph = chain_graph(funcs)
            start = time.perf_counter()
            run(graph)
            cold = min(cold, time.perf_counter() - start)
            for _ in range(3):
                start = time.perf_counter()
                run(graph)
                warm = min(warm, time.perf_counter() - start)
        print(
            f"{label + f', first run of a new {n}-node chain':<62} cold {cold * 1000:6.2f} ms"
            f"  warm {warm * 1000:6.3f} ms  cold/warm {cold / warm:5.1f}x"
        )
    loop.close()


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 3 if quick else 7
    print(f"Python {sys.version.split()[0]}; best of {repeat} rounds\n")
    bench_sync_chain(1000, repeat)
    bench_async_chain(200, repeat)
    bench_fanout(200, repeat)
    bench_concurrent_sleeps(50, 0.05)
    bench_cold_first_run(1000, 5 if quick else 15)
    bench_construction([1000, 10000, 40000])


if __name__ == "__main__":
    main()
