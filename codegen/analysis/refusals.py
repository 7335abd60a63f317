"""What the compiler cannot express, refused with the node it concerns (CompileError).

* Every node name must be an identifier; only function nodes, gates (in a gated or cyclic
  graph) and nested graphs can be called; a sync module cannot await (`refuse_async`).
* In a gated or cyclic graph, signals stay apart from values, and an input that an explicit
  edge also produces is refused (`check_dynamic`).
* `shared=` state (API 3.2) is refused (`refuse_shared`): shared values are read from and
  written to run state in any order the declared edges allow, and a reader re-runs when the
  writer a declared edge names writes a new version. The compiled back ends hold each value in
  a local written by its one producer and decide staleness by name, so they would run such a
  graph differently from the runners: it is refused, not miscompiled.
"""

from __future__ import annotations

from codegen.analysis.names import check_identifier
from codegen.errors import CompileError
from hypergraph import FunctionNode, Graph
from hypergraph.nodes.gate import GateNode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import DynamicPlan, async_paths, wiring_of

__all__ = ["check_dynamic", "check_graph", "refuse_async", "refuse_context", "refuse_shared"]


def check_graph(graph: Graph, backend: str, path: str = "", *, check_async: bool = True) -> None:
    """Refuse what a DAG (nested at `path`) cannot compile to, naming the node; nested graphs
    are checked too, and with `check_async` a sync module's async nodes."""
    nodes = graph.nodes
    for name in graph.active_nodes:
        target = nodes[name]
        where = path + name
        try:
            check_identifier(name, "node name")
        except CompileError as exc:
            raise CompileError(exc.message, node=where) from None
        if isinstance(target, GraphNode) and target.graph.plan.is_dynamic:
            check_dynamic(target.graph, backend, where + "/")
        elif isinstance(target, GraphNode):
            check_graph(target.graph, backend, where + "/", check_async=False)
        elif not isinstance(target, FunctionNode):  # gates and cycles make a plan dynamic
            raise CompileError(
                f"node {where!r} is a {type(target).__name__}, which the compiler cannot call",
                node=where,
            )
    if backend == "sync" and check_async:
        refuse_async(graph)


def refuse_async(graph: Graph) -> None:
    """A sync module cannot await: refuse a graph with active async nodes (at any depth)."""
    async_nodes = async_paths(graph)
    if async_nodes:
        raise CompileError(
            f"graph contains async node(s) {', '.join(async_nodes)} but the sync back end "
            'cannot await; compile with runner = "async"',
            node=async_nodes[0],
        )


def check_dynamic(graph: Graph, backend: str, path: str = "") -> None:
    """Refuse what a gated or cyclic graph (nested at `path`) cannot compile to, naming the
    node; nested graphs are checked too."""
    plan = wiring_of(graph).dynamic
    assert isinstance(plan, DynamicPlan)
    nodes = graph.nodes
    signals = set(plan.signals).union(*(r.signals for r in plan.nodes.values()))
    for record in sorted(plan.nodes.values(), key=lambda r: r.index):
        name = record.name
        where = path + name
        try:
            check_identifier(name, "node name")
        except CompileError as exc:
            raise CompileError(exc.message, node=where) from None
        target = nodes[name]
        if isinstance(target, GraphNode):
            if target.graph.plan.is_dynamic:
                check_dynamic(target.graph, backend, where + "/")
            else:
                check_graph(target.graph, backend, where + "/", check_async=False)
        elif not isinstance(target, FunctionNode | GateNode):
            raise CompileError(
                f"node {where!r} is a {type(target).__name__}; inside a gated or cyclic graph "
                "the compiler handles function nodes, gates and nested graphs",
                node=where,
            )
        data = set(target.inputs) | set(target.data_outputs)
        clash = sorted(data & signals)
        if clash:
            raise CompileError(
                f"node {where!r} reads or writes {clash[0]!r} as a value, which is also an "
                "emit/wait_for signal; the compiler keeps signals apart from values in a gated "
                "or cyclic graph: rename one",
                node=where,
            )
        if record.step.from_given:
            raise CompileError(
                f"node {where!r} reads an input that an explicit edge also produces; the "
                "compiler does not support that in a gated or cyclic graph",
                node=where,
            )
        if isinstance(target, GateNode):
            for param in target.params:
                check_identifier(param, f"gate {where!r}: parameter")
    if backend == "sync" and not path:
        refuse_async(graph)


def refuse_context(graph: Graph, path: str = "") -> None:
    """CompileError if an active node of `graph` (or of a graph nested in it) asks for a
    NodeContext: compiled modules have no run to hand one from."""
    nodes = graph.nodes
    for name in graph.active_nodes:
        target = nodes[name]
        if isinstance(target, GraphNode):
            refuse_context(target.graph, f"{path}{name}/")
        elif getattr(target, "context_param", None) is not None:
            raise CompileError(
                f"node {f'{path}{name}'!r} takes a NodeContext (parameter "
                f"{getattr(target, 'context_param', '')!r}); compiled modules cannot pass one "
                "yet. Run this graph with SyncRunner or AsyncRunner",
                node=f"{path}{name}",
            )


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
