"""Time ``check_graph`` on annotated chains of 1,000 and 10,000 nodes (should be linear)."""

from __future__ import annotations

import time
from typing import Any

from hypergraph import Graph, node
from hypergraph.typecheck import check_graph


def chain(n: int) -> Graph:
    """A chain ``v0 -> step_0 -> v1 -> ... -> v{n}`` with annotated parameters and returns."""
    nodes = []
    for i in range(n):
        code = f"def step_{i}(v{i}: list[int]) -> list[int]:\n    return v{i}\n"
        namespace: dict[str, Any] = {}
        exec(compile(code, f"<step_{i}>", "exec"), namespace)
        nodes.append(node(output_name=f"v{i + 1}")(namespace[f"step_{i}"]))
    return Graph(nodes)


def timed(n: int) -> float:
    graph = chain(n)
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


if __name__ == "__main__":
    main()
