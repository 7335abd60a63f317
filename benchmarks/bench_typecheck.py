"""Time ``check_graph`` on annotated chains of 1,000 and 10,000 nodes (should be linear).

Two kinds of chain: plain annotations (``list[int] -> list[int]``), and generic nodes
(``def step(v: Sequence[T]) -> list[T]``) whose type variables are solved node by node from
what feeds them and what the next node expects.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TypeVar

from hypergraph import Graph, node
from hypergraph.typecheck import check_graph


def chain(n: int, generic: bool = False) -> Graph:
    """A chain ``v0 -> step_0 -> v1 -> ... -> v{n}`` with annotated parameters and returns."""
    nodes = []
    shared: dict[str, Any] = {"Sequence": Sequence, "T": TypeVar("T")}  # one module's names
    for i in range(n):
        if generic and i > 0:
            sig = f"def step_{i}(v{i}: Sequence[T]) -> list[T]:"
        else:
            sig = f"def step_{i}(v{i}: list[int]) -> list[int]:"
        code = f"{sig}\n    return list(v{i})\n"
        namespace = dict(shared)
        exec(compile(code, f"<step_{i}>", "exec"), namespace)
        nodes.append(node(output_name=f"v{i + 1}")(namespace[f"step_{i}"]))
    return Graph(nodes)


def timed(n: int, generic: bool = False) -> float:
    graph = chain(n, generic)
    start = time.perf_counter()
    diagnostics = check_graph(graph, strict=True)
    elapsed = time.perf_counter() - start
    assert not diagnostics, diagnostics[:3]
    return elapsed


def main() -> None:
    small, large = timed(1_000), timed(10_000)
    print(f"check_graph, 1,000-node chain:  {small * 1000:.1f} ms")
    print(f"check_graph, 10,000-node chain: {large * 1000:.1f} ms")
    print(f"ratio 10k/1k: {large / small:.1f} (10 = linear)")
    small, large = timed(1_000, generic=True), timed(10_000, generic=True)
    print(f"check_graph, 1,000-node generic chain:  {small * 1000:.1f} ms")
    print(f"check_graph, 10,000-node generic chain: {large * 1000:.1f} ms")
    print(f"ratio 10k/1k: {large / small:.1f} (10 = linear)")


if __name__ == "__main__":
    main()
