"""The first run of a new graph (issue 10, item 8) builds each node's execution record once
and cheaply. Work is counted in function calls per node (not seconds, which a loaded machine
would blur); benchmarks/bench_runtime.py prints the cold and warm times side by side."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import pytest

from hypergraph import AsyncRunner, Graph, SyncRunner, node

NODES = 200


def _chain() -> Graph:
    """A new chain of NODES trivial nodes: new functions, new nodes, nothing cached."""
    namespace: dict[str, Any] = {}
    exec("\n".join(f"def f{i}(x{i}):\n    return x{i} + 1\n" for i in range(NODES)), namespace)
    return Graph([node(namespace[f"f{i}"], output_name=f"x{i + 1}") for i in range(NODES)])


def _calls(run: Callable[[], Any]) -> float:
    """Python and C function calls made by `run()`, per node of the chain."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count / NODES


def _sync(graph: Graph) -> Callable[[], Any]:
    return lambda: SyncRunner().run(graph, x0=0)


@pytest.mark.parametrize(
    ("runner", "most"),
    [("sync", 28), ("inline", 31)],  # were 33.3 and 37.9 calls per node
)
def test_a_first_run_does_little_work_per_node(runner: str, most: int) -> None:
    graph = _chain()
    if runner == "sync":
        cold, warm = _calls(_sync(graph)), _calls(_sync(graph))
    else:
        loop = asyncio.new_event_loop()
        inline = AsyncRunner(sync_nodes="inline")

        def run() -> Any:
            return loop.run_until_complete(inline.run(graph, x0=0))

        try:
            cold, warm = _calls(run), _calls(run)
        finally:
            loop.close()
    assert cold <= most, f"{cold:.1f} calls per node on a first run"
    assert warm < cold / 3  # a later run only calls the nodes
