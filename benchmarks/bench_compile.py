"""Compile time against graph size, side by side in one run.

    python benchmarks/bench_compile.py

Builds a chain of N trivial nodes (``Graph([...])``) and compiles it (``compile_graph``: plan,
names, types, rendering, and the ``compile()`` check of the generated source) for N = 1,000,
5,000 and 10,000. Compile time is linear when the time per node stays flat as N grows (the
last column, relative to N = 1,000); target: a 10,000-node chain builds and compiles in under
1 s. The sizes are measured in turn, 5 rounds, and each size's best run is shown.
"""

from __future__ import annotations

import gc
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen import compile_graph  # noqa: E402
from hypergraph import FunctionNode, Graph  # noqa: E402

SIZES = (1_000, 5_000, 10_000)
REPEAT = 5


def inc(a: int) -> int:
    return a + 1


inc.__module__ = "bench_compile_nodes"  # importable by name for the compiler
_module = type(sys)("bench_compile_nodes")
_module.inc = inc  # type: ignore[attr-defined]
sys.modules["bench_compile_nodes"] = _module


def build(size: int) -> Graph:
    nodes = [
        FunctionNode(inc, name=f"n{i}", output_name=f"v{i + 1}").rename_inputs(a=f"v{i}")
        for i in range(size)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Graph(nodes, name="chain")


def measure(size: int) -> tuple[float, float]:
    """(build, compile) seconds of one run on a fresh graph."""
    gc.collect()
    start = time.perf_counter()
    graph = build(size)
    built = time.perf_counter()
    compile_graph(graph, source_name="chain")
    done = time.perf_counter()
    return built - start, done - built


def main() -> None:
    compile_graph(build(10), source_name="warm-up")  # imports and template compilation
    print(f"Python {sys.version.split()[0]}; chain of N trivial nodes, best of {REPEAT}")
    print(f"{'N':>7} {'build':>9} {'compile':>9} {'total':>9} {'us/node':>9} {'vs 1k':>7}")
    best = {size: (float("inf"), float("inf")) for size in SIZES}
    for _ in range(REPEAT):  # sizes in turn within every round: load hits them alike
        for size in SIZES:
            built, compiled = measure(size)
            if built + compiled < sum(best[size]):
                best[size] = (built, compiled)
    base = None
    for size in SIZES:
        built, compiled = best[size]
        total = built + compiled
        per_node = total / size * 1e6
        base = base or per_node
        print(
            f"{size:>7} {built:>8.3f}s {compiled:>8.3f}s {total:>8.3f}s {per_node:>9.1f}"
            f" {per_node / base:>6.2f}x"
        )
    print("target: 10,000 nodes in under 1 s; per-node cost flat (linear compile time)")


if __name__ == "__main__":
    main()
