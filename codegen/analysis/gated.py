"""The runtime's dynamic plan as the compiler reads it (graphs with gates or cycles).

`compiled_plan` is the runners' `DynamicPlan` with GraphNode ports split the way function nodes'
are; `optional_seeds`, `holders` and `watching` answer the questions both dynamic writers (the
step loop and the state machine) ask of it.
"""

from __future__ import annotations

import dataclasses

from hypergraph import Graph
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import DynamicNode, DynamicPlan, wiring_of

__all__ = ["compiled_plan", "holders", "optional_seeds", "watching"]


def compiled_plan(graph: Graph) -> DynamicPlan:
    """The runners' plan, with each GraphNode's ports split the way function nodes' are: a
    port the inner graph has a default for is optional (its value may be absent when the
    GraphNode runs: the runners then leave it to the inner graph)."""
    plan = wiring_of(graph).dynamic
    assert isinstance(plan, DynamicPlan)
    replaced: dict[str, DynamicNode] = {}
    graph_nodes = graph.nodes
    for record in plan.nodes.values():
        node = graph_nodes[record.name]
        if not isinstance(node, GraphNode):
            continue
        defaults = node.defaults
        args = tuple(pair for pair in record.step.args if pair[1] not in defaults)
        optional = tuple(
            (local, address, defaults[address], False)
            for local, address in record.step.args
            if address in defaults
        )
        step = dataclasses.replace(record.step, args=args, optional=optional)
        replaced[record.name] = dataclasses.replace(record, step=step)
    if not replaced:
        return plan
    nodes = {name: replaced.get(name, record) for name, record in plan.nodes.items()}
    components = tuple(tuple(nodes[r.name] for r in members) for members in plan.components)
    return dataclasses.replace(plan, nodes=nodes, components=components)


def optional_seeds(graph: Graph) -> set[str]:
    """Optional, unbound inputs whose presence shows: a node also writes them (a loop's seed
    with a default), or they are results (a value fed under entrypoints). run() must tell
    them omitted from given."""
    plan = wiring_of(graph).dynamic
    assert isinstance(plan, DynamicPlan)
    spec = graph.inputs
    maybe_absent = set(spec.optional) - set(spec.bound)
    written = {value for r in plan.nodes.values() for value in r.written}
    return maybe_absent & (written | set(wiring_of(graph).result_names))


def holders(plan: DynamicPlan, node: DynamicNode) -> tuple[str, ...]:
    """The producers of `node`'s wait_for signals (itself excluded) whose readiness holds it
    back while it has not run (DynamicState._hold_back; a gate is never held back so)."""
    if node.gate is not None or not node.signals:
        return ()
    found = (p for s in node.signals for p in plan.emitters.get(s, ()) if p != node.name)
    return tuple(dict.fromkeys(found))


def watching(node: DynamicNode) -> tuple[str, ...]:
    """The values whose new versions make `node` stale: none for a node with wait_for
    signals, which is always due (R4 (e)) and re-runs on fresh signals only (R4 (d))."""
    return () if node.signals else node.watch
