"""The per-node cost of a cache hit, for both backends, side by side with an uncached call.

Run: python benchmarks/bench_cache.py [--quick]

One chain of trivial nodes `f_i(x_i) -> x_{i+1}` in several versions, timed in the same run:
uncached (the baseline: the runner's hot path); marked `cache=True` but run without a backend
(the policy wrapper alone); every node a hit in `InMemoryCache`; every node a hit in
`DiskCache`; and, for a sense of the key's share, hits whose input is a list of 1000 floats.
A hit costs the key (SHA-256 of the definition hash and the encoded inputs), the lookup and a
`pickle.loads` of the stored copy. Each row prints ns per node and the ratio to uncached.
The compiled back end is measured the same way: a sync module compiled from the chain (its
node functions written to an importable module in a temporary directory), uncached, then
every node a hit through `run(cache=...)`.
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

from codegen import compile_graph
from hypergraph import AsyncRunner, DiskCache, FunctionNode, Graph, InMemoryCache, SyncRunner, node


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


def chain(n: int, cache: bool, payload: bool = False) -> Graph:
    """n trivial nodes, built from source so each has its own code (and definition hash)."""
    namespace: dict[str, Any] = {}
    body = "x{i}" if payload else "x{i} + 1"
    source = "\n".join(f"def f{i}(x{i}):\n    return {body.format(i=i)}\n" for i in range(n))
    exec(source, namespace)
    return Graph([node(namespace[f"f{i}"], output_name=f"x{i + 1}", cache=cache) for i in range(n)])


def row(label: str, seconds: float, base: float, n: int) -> None:
    print(f"{label:<52} {seconds / n * 1e9:9.0f} ns/node   {seconds / base:6.2f}x uncached")


def bench_sync(n: int, repeat: int, directory: str) -> None:
    plain, cached = chain(n, cache=False), chain(n, cache=True)
    memory = SyncRunner(cache=InMemoryCache())
    disk = SyncRunner(cache=DiskCache(f"{directory}/sync"))
    for runner in (memory, disk):
        runner.run(cached, x0=0)  # fill: every later run is all hits
    base = best_of(lambda: SyncRunner().run(plain, x0=0), repeat, 20)
    row(f"SyncRunner, {n}-node chain, uncached", base, base, n)
    wrapped = best_of(lambda: SyncRunner().run(cached, x0=0), repeat, 20)
    row("  cache=True, no backend (the wrapper alone)", wrapped, base, n)
    hits = best_of(lambda: memory.run(cached, x0=0), repeat, 20)
    row("  InMemoryCache hit", hits, base, n)
    disk_hits = best_of(lambda: disk.run(cached, x0=0), repeat, 5)
    row("  DiskCache hit", disk_hits, base, n)
    big = [float(i) for i in range(1000)]
    heavy, heavy_plain = chain(n, cache=True, payload=True), chain(n, cache=False, payload=True)
    memory.run(heavy, x0=big)
    heavy_base = best_of(lambda: SyncRunner().run(heavy_plain, x0=big), repeat, 20)
    heavy_hits = best_of(lambda: memory.run(heavy, x0=big), repeat, 5)
    row("  InMemoryCache hit, input: 1000 floats", heavy_hits, heavy_base, n)


def bench_async(n: int, repeat: int, directory: str) -> None:
    plain, cached = chain(n, cache=False), chain(n, cache=True)
    memory = AsyncRunner(cache=InMemoryCache(), sync_nodes="inline")
    disk = AsyncRunner(cache=DiskCache(f"{directory}/async"), sync_nodes="inline")
    for runner in (memory, disk):
        asyncio.run(runner.run(cached, x0=0))
    inline = AsyncRunner(sync_nodes="inline")
    base = best_of_async(lambda: inline.run(plain, x0=0), repeat, 20)
    row(f'AsyncRunner(sync_nodes="inline"), {n}-node chain', base, base, n)
    hits = best_of_async(lambda: memory.run(cached, x0=0), repeat, 20)
    row("  InMemoryCache hit", hits, base, n)
    disk_hits = best_of_async(lambda: disk.run(cached, x0=0), repeat, 5)
    row("  DiskCache hit", disk_hits, base, n)


def compiled_modules(n: int, directory: str) -> tuple[Any, Any]:
    """The chain compiled as a sync module, uncached and with every node cached."""
    source = "\n".join(f"def f{i}(x{i}: int) -> int:\n    return x{i} + 1\n" for i in range(n))
    Path(directory, "cachebench_nodes.py").write_text(source)
    sys.path.insert(0, directory)
    nodes = importlib.import_module("cachebench_nodes")
    modules = []
    for cached in (False, True):
        graph = Graph(
            [
                FunctionNode(getattr(nodes, f"f{i}"), output_name=f"x{i + 1}", cache=cached)
                for i in range(n)
            ],
            name="chain",
        )
        name = f"cachebench_{'cached' if cached else 'plain'}"
        Path(directory, f"{name}.py").write_text(compile_graph(graph, backend="sync"))
        modules.append(importlib.import_module(name))
    return modules[0], modules[1]


def bench_compiled(n: int, repeat: int, directory: str) -> None:
    plain, cached = compiled_modules(n, directory)
    memory, disk = InMemoryCache(), DiskCache(f"{directory}/compiled")
    for cache in (memory, disk):
        cached.run(x0=0, cache=cache)  # fill: every later run is all hits
    base = best_of(lambda: plain.run(x0=0), repeat, 50)
    row(f"compiled sync module, {n}-node chain, uncached", base, base, n)
    wrapped = best_of(lambda: cached.run(x0=0), repeat, 50)
    row("  cache=True, run() without cache=", wrapped, base, n)
    hits = best_of(lambda: cached.run(x0=0, cache=memory), repeat, 20)
    row("  InMemoryCache hit", hits, base, n)
    disk_hits = best_of(lambda: cached.run(x0=0, cache=disk), repeat, 5)
    row("  DiskCache hit", disk_hits, base, n)


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 3 if quick else 7
    print(f"Python {sys.version.split()[0]}; best of {repeat} rounds\n")
    with tempfile.TemporaryDirectory() as directory:
        bench_sync(200, repeat, directory)
        print()
        bench_async(200, repeat, directory)
        print()
        bench_compiled(200, repeat, directory)


if __name__ == "__main__":
    main()
