"""The compiler refuses `shared=` state (API 3.2), naming the graph and the shared names.

Shared values are read from and written to run state in any order the declared edges allow,
and a reader re-runs when the writer a declared edge names writes a new version. The compiled
back ends hold each value in a local written by its one producer and decide staleness by
name, so they would run such a graph differently from the runners: it is refused, not
miscompiled.
"""

from __future__ import annotations

from codegen.errors import CompileError
from hypergraph import Graph
from hypergraph.nodes.graph_node import GraphNode

__all__ = ["refuse_shared"]


def refuse_shared(graph: Graph, path: str = "") -> None:
    """CompileError if `graph`, or a graph nested in its active scope, uses `shared=`."""
    if graph.shared:
        where = f"nested graph {path.rstrip('/')!r} ({graph.name!r})" if path else "graph"
        name = "" if path else f" {graph.name or 'graph'!r}"
        raise CompileError(
            f"{where}{name} uses shared={list(graph.shared)} (values kept in run state); the "
            "compiler does not build shared state yet. Run this graph with SyncRunner or "
            "AsyncRunner, or wire the values by name instead of sharing them",
            node=path.rstrip("/") or None,
        )
    nodes = graph.nodes
    for name in graph.active_nodes:
        target = nodes[name]
        if isinstance(target, GraphNode):
            refuse_shared(target.graph, f"{path}{name}/")
