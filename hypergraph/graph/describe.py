"""`Graph.describe()`: a short text summary of a graph for a REPL or an error report.

It covers the active scope (entrypoints, then selection): the entrypoints and shared names if
any, the inputs (required, optional with their default, bound with their value), the outputs,
and the nodes, as a chain `a -> b -> c` when they run one after another, else one line per
node with its ports. Nodes built with `hide=True` are left out of the node listing (only
their number is given).
"""

from __future__ import annotations

import reprlib
from typing import TYPE_CHECKING, Any

from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.gate import END

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = ["describe"]

_REPR = reprlib.Repr()
_REPR.maxstring = 40
_REPR.maxother = 40


def describe(graph: Graph, show_types: bool = False) -> str:
    """The summary text of `graph` (see the module docstring)."""
    nodes = graph.nodes
    active = [nodes[name] for name in graph.active_nodes]
    shown = [n for n in active if not n.hide]
    hidden = len(active) - len(shown)
    title = f"Graph {graph.name!r}" if graph.name else "Graph"
    count = f"{len(shown)} node{'s' if len(shown) != 1 else ''}"
    lines = [f"{title}: {count}" + (f" (+{hidden} hidden)" if hidden else "")]
    if graph.entrypoints_config:
        lines.append(f"  entrypoints: {', '.join(graph.entrypoints_config)}")
    if graph.shared:
        lines.append(f"  shared:  {', '.join(graph.shared)}")
    lines.append(f"  inputs:  {_inputs(graph, active, show_types)}")
    lines.append(f"  outputs: {_outputs(graph, active, show_types)}")
    if _is_chain(graph):
        visible = {n.name for n in shown}
        chain = [name for name in graph.plan.nodes if name in visible]
        lines.append(f"  nodes:   {' -> '.join(chain) or '(none)'}")
    else:
        lines.append("  nodes:")
        lines += [f"    {_node_line(n, show_types)}" for n in shown]
    return "\n".join(lines)


def _is_chain(graph: Graph) -> bool:
    """One node after another: a static plan whose every superstep holds one node (each
    then depends on the one before it)."""
    plan = graph.plan
    return not plan.is_dynamic and all(len(step) == 1 for step in plan.supersteps)


def _typed(name: str, kind: Any, show_types: bool) -> str:
    if not show_types or kind is None:
        return name
    from hypergraph.typecheck.format import format_type

    return f"{name}: {format_type(kind)}"


def _eq(show_types: bool) -> str:
    return " = " if show_types else "="


def _input_type(active: list[HyperNode], name: str) -> Any:
    for n in active:
        if name in n.inputs:
            kind = _port_type(n, "get_input_type", name)
            if kind is not None:
                return kind
    return None


def _port_type(n: HyperNode, getter: str, name: str) -> Any:
    get = getattr(n, getter, None)
    return get(name) if get is not None else None


def _inputs(graph: Graph, active: list[HyperNode], show_types: bool) -> str:
    spec = graph.inputs
    parts = []
    for name in spec.required:
        parts.append(f"{_typed(name, _input_type(active, name), show_types)} (required)")
    for name in spec.optional:
        typed = _typed(name, _input_type(active, name), show_types)
        if name in spec.bound:
            parts.append(f"{typed}{_eq(show_types)}{_REPR.repr(spec.bound[name])} (bound)")
            continue
        default = next((n.get_default_for(name) for n in active if name in n.inputs), None)
        parts.append(f"{typed}{_eq(show_types)}{_REPR.repr(default)} (default)")
    return ", ".join(parts) or "(none)"


def _outputs(graph: Graph, active: list[HyperNode], show_types: bool) -> str:
    emitted = {e for n in active for e in n.emit}
    if graph.selected is not None:
        names: list[str] = list(graph.selected)
    else:
        names = list(dict.fromkeys(o for n in active for o in n.outputs if o not in emitted))
    parts = []
    for name in names:
        producer = next((n for n in active if name in n.data_outputs), None)
        kind = _port_type(producer, "get_output_type", name) if producer is not None else None
        parts.append(_typed(name, kind, show_types))
    return ", ".join(parts) or "(none)"


def _node_line(n: HyperNode, show_types: bool) -> str:
    ins = ", ".join(_typed(p, _port_type(n, "get_input_type", p), show_types) for p in n.inputs)
    outs = [_typed(o, _port_type(n, "get_output_type", o), show_types) for o in n.data_outputs]
    line = f"{n.name}({ins})"
    if outs:
        line += f" -> {', '.join(outs)}"
    notes = []
    targets = getattr(n, "targets", None)
    if n.is_gate and targets is not None:
        notes.append("routes to " + " | ".join("END" if t is END else t for t in targets))
    if n.emit:
        notes.append(f"emits {', '.join(n.emit)}")
    if n.wait_for:
        notes.append(f"waits for {', '.join(n.wait_for)}")
    if getattr(n, "map_config", None):
        notes.append(f"mapped over {', '.join(n.map_config[0])}")  # type: ignore[attr-defined]
    return line + (f"  [{'; '.join(notes)}]" if notes else "")
