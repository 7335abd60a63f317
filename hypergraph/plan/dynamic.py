"""The dynamic plan: what readiness depends on, for graphs with gates or cycles (API 5.6).

Built once per graph (`dynamic_plan`, through `hypergraph.plan.lowering.wiring_of`): per node
its component, controlling gates, predecessors, needed and watched names, signals and writes;
per component its successors and whether it loops. The runners' step logic and the compiler's
state-machine writer both read it; running it is the runners' business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from hypergraph.nodes.gate import GateNode
from hypergraph.plan.wiring import MAPPING, NodeWiring

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph
    from hypergraph.graph.edges import Edge

__all__ = ["DynamicNode", "DynamicPlan", "dynamic_plan"]


@dataclass(frozen=True, slots=True)
class DynamicNode:
    """One active node and what its readiness depends on (precomputed once per graph)."""

    name: str
    index: int
    """Its position among the active nodes (declaration order): `DynamicPlan.ordered[index]`."""
    component: int
    """The index of its component in `DynamicPlan.components`."""
    step: NodeWiring
    """How the node reads its inputs (a wired input with a default may run on it: see
    `dynamic_plan`)."""
    gate: GateNode | None
    """The node itself when it is a gate (its decision is validated against its targets)."""
    controllers: tuple[str, ...]
    """Active gates that have this node among their targets."""
    preds: tuple[str, ...]
    """Data and ordering predecessors (itself excluded)."""
    entry: bool
    """Whether it is an entrypoint: its first run skips waiting for predecessors."""
    needs: tuple[str, ...]
    """Names that must hold a value (inputs without a default or given fallback)."""
    watch: tuple[str, ...]
    """Inputs whose re-write by a wired producer makes the node stale."""
    signals: tuple[str, ...]
    """wait_for names: present, and re-emitted since the node's previous run."""
    written: tuple[str, ...]
    """Every name the node writes (data outputs, then emit signals)."""


@dataclass(frozen=True, slots=True)
class DynamicPlan:
    """A dynamic Plan as the runners and the compiler read it: nodes by component, components
    in topological order."""

    nodes: dict[str, DynamicNode]
    """Every active node by name."""
    components: tuple[tuple[DynamicNode, ...], ...]
    """The Plan's components in order, each its nodes in declaration order."""
    cyclic: tuple[bool, ...]
    """Per component: whether it loops (its rounds count against max_iterations)."""
    successors: tuple[tuple[int, ...], ...]
    """Per component: the components with an edge from it."""
    waiting: tuple[int, ...]
    """Number of predecessor components of each component."""
    emitters: dict[str, tuple[str, ...]]
    """Each emitted signal -> the nodes that emit it."""
    signals: frozenset[str]
    """Every emitted signal (a write of one always advances its version)."""
    has_entrypoints: bool
    """Whether the graph names entrypoints (then, before a default-open gate decides, only
    entrypoints among its targets may run)."""
    watchers: dict[str, tuple[DynamicNode, ...]]
    """The nodes watching each name (`DynamicNode.watch`): a new version makes them stale."""
    shared_watchers: dict[tuple[str, str], tuple[DynamicNode, ...]]
    """(writer, shared name) -> the nodes a declared edge from that writer orders after it:
    a new version of the name written by that writer makes them stale (shared mode)."""
    ordered: tuple[DynamicNode, ...]
    """Every node, by `index` (declaration order)."""


def _with_wired_defaults(step: NodeWiring, n: Any, wired: set[tuple[str, str]]) -> NodeWiring:
    """A wired input with a signature default may run on the default (its producer was
    routed away); the DAG step reads it from the state unconditionally."""
    moved = [
        (param, name)
        for param, name in step.args
        if (step.name, name) in wired and n.has_default_for(name)
    ]
    if not moved:
        return step
    optional = tuple(
        (param, name, n.get_default_for(name), n.default_needs_copy(name)) for param, name in moved
    )
    args = tuple(pair for pair in step.args if pair not in moved)
    return replace(step, args=args, optional=step.optional + optional)


def dynamic_plan(graph: Graph, steps: Sequence[NodeWiring]) -> DynamicPlan:
    """The dynamic plan of `graph` (whose Plan is dynamic), from its nodes' wiring records.

    A wired input with a signature default moves to `optional`: its producer may have been
    routed away, and the node then runs on the default (a merge after `ifelse`).
    """
    plan = graph.plan
    nodes = graph.nodes
    order = {name: i for i, name in enumerate(graph.active_nodes)}
    by_name = {s.name: s for s in steps}
    entry = set(plan.entrypoints)
    edges = [e for e in graph.edges if e.source in order and e.target in order]
    wired = {(e.target, v) for e in edges if e.kind == "data" for v in e.values}
    incoming: dict[str, list[Edge]] = {}
    for e in edges:
        incoming.setdefault(e.target, []).append(e)
    controllers: dict[str, list[str]] = {}
    for gate, targets in (plan.gates or {}).items():
        for target in targets:
            if target in order:
                controllers.setdefault(target, []).append(gate)
    records: dict[str, DynamicNode] = {}
    grouped: list[tuple[DynamicNode, ...]] = []
    for c, component in enumerate(plan.components):
        members = []
        for name in component.nodes:
            n = nodes[name]
            step = by_name[name]
            if step.shape != MAPPING:
                step = _with_wired_defaults(step, n, wired)
                needs = tuple(name_ for _, name_ in step.args)
            else:  # a GraphNode: a port without a value falls back to the inner graph
                needs = tuple(p for p in n.inputs if not n.has_default_for(p))
            controlled = name in controllers
            into = incoming.get(name, [])
            watch = tuple(
                dict.fromkeys(
                    v
                    for e in into
                    if e.kind == "data" and (e.source != name or controlled)
                    for v in e.values
                    if controlled or v not in n.outputs
                )
            )
            preds = tuple(dict.fromkeys(e.source for e in into if e.kind != "control"))
            record = DynamicNode(
                name=name,
                index=order[name],
                component=c,
                step=step,
                gate=n if isinstance(n, GateNode) else None,
                controllers=tuple(controllers.get(name, ())),
                preds=tuple(p for p in preds if p != name),
                entry=name in entry,
                needs=needs,
                watch=watch,
                signals=tuple(n.wait_for),
                written=tuple(n.outputs),
            )
            records[name] = record
            members.append(record)
        grouped.append(tuple(members))
    successors: list[list[int]] = [[] for _ in plan.components]
    for c, component in enumerate(plan.components):
        for p in component.predecessors:
            successors[p].append(c)
    emitters: dict[str, list[str]] = {}
    for name in order:
        for signal in nodes[name].emit:
            emitters.setdefault(signal, []).append(name)
    watchers: dict[str, list[DynamicNode]] = {}
    for record in records.values():
        for value in record.watch:
            watchers.setdefault(value, []).append(record)
    shared = set(graph.shared)
    shared_watchers: dict[tuple[str, str], list[DynamicNode]] = {}
    for e in edges if shared else ():
        for value in e.ordering_names:
            if value in shared and e.source != e.target:
                shared_watchers.setdefault((e.source, value), []).append(records[e.target])
    ordered = tuple(sorted(records.values(), key=_by_index))
    # the engine finds nodes by index and visits a component's nodes sorted by index
    assert all(record.index == i for i, record in enumerate(ordered))
    assert all(list(c) == sorted(c, key=_by_index) for c in grouped)
    return DynamicPlan(
        nodes=records,
        components=tuple(grouped),
        cyclic=tuple(c.cyclic for c in plan.components),
        successors=tuple(tuple(s) for s in successors),
        waiting=tuple(len(c.predecessors) for c in plan.components),
        emitters={k: tuple(v) for k, v in emitters.items()},
        signals=frozenset(emitters),
        has_entrypoints=bool(entry),
        watchers={k: tuple(v) for k, v in watchers.items()},
        shared_watchers={k: tuple(v) for k, v in shared_watchers.items()},
        ordered=ordered,
    )


def _by_index(node: DynamicNode) -> int:
    return node.index
