"""Mapping a 10-node graph over 10,000 items, against a hand-written loop of direct calls.

Run: python benchmarks/bench_composition.py [--quick]

Three ways to compute the same per-item results with SyncRunner, each timed against the floor
(a plain Python loop calling the ten functions directly, measured in the same run):

- GraphNode.map_over: the 10-node graph mapped as one node of a parent graph;
- runner.map: SyncRunner().map over the 10-node graph itself;
- compiled module: the parent graph compiled by `codegen.compile_graph` (sync back end: the
  mapped GraphNode becomes a for loop with the ten calls inlined). A mapped GraphNode returns
  every inner output as a list (ten lists), the floor only the last value, so two more rows
  compare like with like: the compiled module of an inner graph selecting `x10` (one list, as
  the floor), and a hand-written loop keeping all ten lists (as the GraphNode).

The node functions are written to a module in a temporary directory (compiled modules import
their node functions), and every column calls those same function objects.
"""

from __future__ import annotations

import gc
import importlib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen import compile_graph  # noqa: E402
from hypergraph import Graph, SyncRunner, node  # noqa: E402

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


WORKDIR = Path(tempfile.mkdtemp(prefix="hypergraph-composition-"))
sys.path.insert(0, str(WORKDIR))


def chain_functions(n: int) -> list[Callable[..., Any]]:
    """f_i(x_i) -> x_{i+1}, each with its own name and code, in an importable module."""
    source = "\n".join(f"def f{i}(x{i}: int) -> int:\n    return x{i} + 1\n" for i in range(n))
    (WORKDIR / "composition_nodes.py").write_text(source)
    module = importlib.import_module("composition_nodes")
    return [getattr(module, f"f{i}") for i in range(n)]


def compiled_module(graph: Graph, name: str = "composition_compiled") -> Any:
    """`graph` compiled (sync back end), written next to its node functions and imported."""
    (WORKDIR / f"{name}.py").write_text(compile_graph(graph, backend="sync"))
    return importlib.import_module(name)


def direct_loop(funcs: list[Callable[..., Any]]) -> Callable[[list[int]], list[int]]:
    """The floor: a hand-written loop calling every function by keyword, in order."""
    lines = ["def direct(items):", "    out = []", "    for x0 in items:"]
    lines += [f"        x{i + 1} = f{i}(x{i}=x{i})" for i in range(len(funcs))]
    lines += [f"        out.append(x{len(funcs)})", "    return out"]
    namespace: dict[str, Any] = {f"f{i}": f for i, f in enumerate(funcs)}
    exec("\n".join(lines), namespace)
    return namespace["direct"]  # type: ignore[no-any-return]


def direct_loop_all(funcs: list[Callable[..., Any]]) -> Callable[[list[int]], list[list[int]]]:
    """The same loop keeping every intermediate, as the mapped GraphNode returns (ten lists)."""
    n = len(funcs)
    lines = ["def direct_all(items):", f"    outs = [[] for _ in range({n})]"]
    lines += [f"    {', '.join(f'a{i + 1}' for i in range(n))}, = outs", "    for x0 in items:"]
    lines += [f"        x{i + 1} = f{i}(x{i}=x{i})" for i in range(n)]
    lines += [f"        a{i + 1}.append(x{i + 1})" for i in range(n)]
    lines += ["    return outs"]
    namespace: dict[str, Any] = {f"f{i}": f for i, f in enumerate(funcs)}
    exec("\n".join(lines), namespace)
    return namespace["direct_all"]  # type: ignore[no-any-return]


def main() -> None:
    quick = "--quick" in sys.argv
    items = list(range(1_000 if quick else ITEMS))
    repeat = 2 if quick else 3
    funcs = chain_functions(NODES)
    inner = Graph([node(f, output_name=f"x{i + 1}") for i, f in enumerate(funcs)], name="chain")
    parent = Graph([inner.as_node().map_over("x0")], name="parent")
    compiled_parent = compiled_module(parent)
    # The floor keeps only the last value; with the inner graph selecting it, the compiled
    # module returns exactly what the floor returns (one list).
    selected = Graph([inner.select(f"x{NODES}").as_node().map_over("x0")], name="selected")
    compiled_selected = compiled_module(selected, "composition_selected")
    direct_all = direct_loop_all(funcs)
    runner = SyncRunner()
    direct = direct_loop(funcs)

    last = f"x{NODES}"
    expected = direct(items)
    assert runner.run(parent, x0=items)[last] == expected
    assert runner.map(inner, x0=items, map_over="x0")[last] == expected
    assert compiled_parent.run(x0=items)[last] == expected
    assert compiled_selected.run(x0=items) == {last: expected}
    assert direct_all(items)[-1] == expected

    floor = best_of(lambda: direct(items), repeat)
    mapped_node = best_of(lambda: runner.run(parent, x0=items), repeat)
    runner_map = best_of(lambda: runner.map(inner, x0=items, map_over="x0"), repeat)
    compiled: float | None = best_of(lambda: compiled_parent.run(x0=items), repeat)
    compiled_one = best_of(lambda: compiled_selected.run(x0=items), repeat)
    floor_all = best_of(lambda: direct_all(items), repeat)

    print(f"{NODES}-node graph over {len(items):,} items (SyncRunner), best of {repeat}")
    print(f"{'variant':<32} {'total ms':>10} {'us/item':>9} {'ratio':>8}")
    rows = [
        ("hand-written loop (floor)", floor),
        ("GraphNode.map_over in a parent", mapped_node),
        ("SyncRunner.map", runner_map),
        ("compiled module", compiled),
        ("compiled, inner selects x10", compiled_one),
        ("hand-written, all ten lists", floor_all),
    ]
    for label, seconds in rows:
        if seconds is None:
            print(f"{label:<32} {'-':>10} {'-':>9} {'(not yet)':>8}")
            continue
        per_item = seconds / len(items) * 1e6
        print(f"{label:<32} {seconds * 1e3:10.1f} {per_item:9.2f} {seconds / floor:7.1f}x")
    print(
        f"compiled module vs hand-written loop with the same ten outputs: "
        f"{compiled / floor_all:.2f}x; compiled with one output vs the floor: "
        f"{compiled_one / floor:.2f}x (target <= 1.5x)"
    )


if __name__ == "__main__":
    main()
