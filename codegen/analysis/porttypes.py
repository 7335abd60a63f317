"""The rendered types of graph inputs and outputs, looking through nested graphs.

An input's type is its first active consumer's annotation (a mapped port of a GraphNode
expects ``Sequence[T]`` in zip mode, ``Iterable[T]`` in product mode); an output's type is its
producer's annotation (a mapped GraphNode produces ``list[T]``, ``list[T | None]`` under
``error_handling="continue"``). Unannotated values are ``Any``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from codegen.analysis.annotations import ImportTable, render_type
from hypergraph import ExecutionMode, FunctionNode, Graph
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.gate import GateNode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import NodeWiring, hints_of, wiring_of

__all__ = [
    "input_type",
    "node_output_type",
    "output_type",
    "port_output_type",
    "produced_type",
    "value_type",
]


@dataclass(frozen=True)
class _Ports:
    """Per value name, its first producer step and its consumers in plan order."""

    producer: dict[str, NodeWiring]
    consumers: dict[str, list[NodeWiring]]
    gates: dict[str, list[GateNode]]
    """Active gates reading the name, in declaration order."""


_PORTS: weakref.WeakKeyDictionary[Graph, _Ports] = weakref.WeakKeyDictionary()


def _ports(graph: Graph) -> _Ports:
    """The producer and consumer index of `graph`, built once (lookups stay linear overall)."""
    found = _PORTS.get(graph)
    if found is None:
        producer: dict[str, NodeWiring] = {}
        consumers: dict[str, list[NodeWiring]] = {}
        for superstep in wiring_of(graph).supersteps:
            for step in superstep:
                for out in step.outputs:
                    producer.setdefault(out, step)
                for name in step.node.inputs:
                    consumers.setdefault(name, []).append(step)
        gates: dict[str, list[GateNode]] = {}
        nodes = graph.nodes
        for node_name in graph.active_nodes:
            n = nodes[node_name]
            if isinstance(n, GateNode):
                for name in n.inputs:
                    gates.setdefault(name, []).append(n)
        found = _PORTS[graph] = _Ports(producer, consumers, gates)
    return found


def _any(table: ImportTable) -> str:
    return table.name("typing", "Any")


def input_type(graph: Graph, name: str, table: ImportTable) -> str | None:
    """The type the first active consumer of input `name` expects (None if unannotated):
    function nodes and nested graphs first, then routing functions."""
    found = _consumer_type(graph, name, table)
    if found is not None:
        return found
    for n in _ports(graph).gates.get(name, ()):
        hint = hints_of(n.func).get(n.param_name(name))
        if hint is not None:
            return render_type(hint, table)
    return None


def _consumer_type(graph: Graph, name: str, table: ImportTable) -> str | None:
    for step in _ports(graph).consumers.get(name, ()):  # in plan order
        target = step.node
        if isinstance(target, FunctionNode):
            hints = target.parameter_annotations
            if name in hints:
                return render_type(hints[name], table)
        elif isinstance(target, GraphNode):
            local = target.local_input(name)
            inner = input_type(target.graph, local, table)
            if inner is None:
                continue
            config = target.inner_map
            if config is not None and local in config.params:
                kind = "Sequence" if config.mode == "zip" else "Iterable"
                return f"{table.name('collections.abc', kind)}[{inner}]"
            return inner
    return None


def output_type(graph: Graph, name: str, table: ImportTable) -> str:
    """The type of value `name` as its producer declares it (producers, with gates)."""
    if graph.plan.is_dynamic:
        return produced_type(graph, name, table)
    step = _ports(graph).producer.get(name)
    if step is None:
        return _any(table)
    target = step.node
    if isinstance(target, GraphNode):
        return port_output_type(target, name, table)
    assert isinstance(target, FunctionNode)
    hints = target.output_annotation
    if name in hints:
        return render_type(hints[name], table)
    if step.mode is ExecutionMode.SYNC_GENERATOR:
        return f"{table.name('collections.abc', 'Iterator')}[{_any(table)}]"
    if step.mode is ExecutionMode.ASYNC_GENERATOR:
        return f"{table.name('collections.abc', 'AsyncIterator')}[{_any(table)}]"
    return _any(table)


def port_output_type(target: GraphNode, address: str, table: ImportTable) -> str:
    """The type of GraphNode output port `address` (a list per item when mapped)."""
    local = dict(target.output_pairs)[address]
    inner = output_type(target.graph, local, table)
    config = target.inner_map
    if config is None:
        return inner
    # None where an item failed (continue), or did not write the output (an untaken branch)
    maybe = config.error_handling == "continue" or target.graph.plan.is_dynamic
    items = f"{inner} | None" if maybe else inner
    return f"{table.name('builtins', 'list')}[{items}]"


def produced_type(graph: Graph, value: str, table: ImportTable) -> str:
    """The union of the producers' declared types (Any if one is unannotated)."""
    kinds: list[str] = []
    nodes = graph.nodes
    for name in graph.active_nodes:
        n = nodes[name]
        if value not in n.outputs:
            continue
        kind = node_output_type(n, value, table)
        if kind is not None and kind not in kinds:
            kinds.append(kind)
    return " | ".join(kinds) if kinds else _any(table)


def node_output_type(node: HyperNode, value: str, table: ImportTable) -> str | None:
    """The type node `node` declares for its output `value` (a gate: its routing function's
    return type; Any if unannotated); None for a node that produces no values."""
    if isinstance(node, GateNode):
        hint = hints_of(node.func).get("return")
        return _any(table) if hint is None else render_type(hint, table)
    if isinstance(node, FunctionNode):
        hints = node.output_annotation
        if value in hints:
            return render_type(hints[value], table)
        if node.mode is ExecutionMode.SYNC_GENERATOR:
            return f"{table.name('collections.abc', 'Iterator')}[{_any(table)}]"
        if node.mode is ExecutionMode.ASYNC_GENERATOR:
            return f"{table.name('collections.abc', 'AsyncIterator')}[{_any(table)}]"
        return _any(table)
    if isinstance(node, GraphNode):
        return port_output_type(node, value, table)
    return None


def value_type(graph: Graph, name: str, table: ImportTable) -> str:
    """The type of graph value `name`: as its first consumer expects it (an input), else as
    its producers declare it."""
    if name in graph.inputs.all:
        found = input_type(graph, name, table)
        return found if found is not None else table.name("typing", "Any")
    return produced_type(graph, name, table)
