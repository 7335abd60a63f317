"""Mapping a 10-node graph over 10,000 items, against a hand-written loop of direct calls.

Run: python benchmarks/bench_composition.py [--quick]

Three ways to compute the same per-item results with SyncRunner, each timed against the floor
(a plain Python loop calling the ten functions directly, measured in the same run):

- GraphNode.map_over: the 10-node graph mapped as one node of a parent graph;
- runner.map: SyncRunner().map over the 10-node graph itself;
- compiled module: reserved column (the compiler's nested/mapped support fills it in).
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from hypergraph import Graph, SyncRunner, node

NODES = 10
ITEMS = 10_000


def best_of(func: Callable[[], Any], repeat: int) -> float:
    """Best wall time of `repeat` calls (a full collection before each)."""
    timings = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        timings.append(time.perf_counter() - start)
    return min(timings)


def chain_functions(n: int) -> list[Callable[..., Any]]:
    """f_i(x_i) -> x_{i+1}, built from source so each has its own name and code."""
    namespace: dict[str, Any] = {}
    exec("\n".join(f"def f{i}(x{i}):\n    return x{i} + 1\n" for i in range(n)), namespace)
    return [namespace[f"f{i}"] for i in range(n)]


def direct_loop(funcs: list[Callable[..., Any]]) -> Callable[[list[int]], list[int]]:
    """The floor: a hand-written loop calling every function by keyword, in order."""
    lines = ["def direct(items):", "    out = []", "    for x0 in items:"]
    lines += [f"        x{i + 1} = f{i}(x{i}=x{i})" for i in range(len(funcs))]
    lines += [f"        out.append(x{len(funcs)})", "    return out"]
    namespace: dict[str, Any] = {f"f{i}": f for i, f in enumerate(funcs)}
    exec("\n".join(lines), namespace)
    return namespace["direct"]  # type: ignore[no-any-return]


def main() -> None:
    quick = "--quick" in sys.argv
    items = list(range(1_000 if quick else ITEMS))
    repeat = 2 if quick else 3
    funcs = chain_functions(NODES)
    inner = Graph([node(f, output_name=f"x{i + 1}") for i, f in enumerate(funcs)], name="chain")
    parent = Graph([inner.as_node().map_over("x0")])
    runner = SyncRunner()
    direct = direct_loop(funcs)

    last = f"x{NODES}"
    expected = direct(items)
    assert runner.run(parent, x0=items)[last] == expected
    assert runner.map(inner, x0=items, map_over="x0")[last] == expected

    floor = best_of(lambda: direct(items), repeat)
    mapped_node = best_of(lambda: runner.run(parent, x0=items), repeat)
    runner_map = best_of(lambda: runner.map(inner, x0=items, map_over="x0"), repeat)
    compiled: float | None = None  # TODO(compiler): time the compiled module's map here

    print(f"{NODES}-node graph over {len(items):,} items (SyncRunner), best of {repeat}")
    print(f"{'variant':<32} {'total ms':>10} {'us/item':>9} {'ratio':>8}")
    rows = [
        ("hand-written loop (floor)", floor),
        ("GraphNode.map_over in a parent", mapped_node),
        ("SyncRunner.map", runner_map),
        ("compiled module", compiled),
    ]
    for label, seconds in rows:
        if seconds is None:
            print(f"{label:<32} {'-':>10} {'-':>9} {'(not yet)':>8}")
            continue
        per_item = seconds / len(items) * 1e6
        print(f"{label:<32} {seconds * 1e3:10.1f} {per_item:9.2f} {seconds / floor:7.1f}x")


if __name__ == "__main__":
    main()
