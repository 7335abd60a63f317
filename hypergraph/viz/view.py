"""The neutral picture of a Graph: nodes, clusters and edges, built once, drawn by renderers.

Renderers (Mermaid, DOT) only translate this model into their syntax; every decision about
what is shown lives here, so the two formats cannot disagree about the picture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph
    from hypergraph.nodes.base import HyperNode
    from hypergraph.nodes.graph_node import GraphNode

__all__ = [
    "Direction",
    "EdgeKind",
    "GraphView",
    "NodeKind",
    "ViewCluster",
    "ViewEdge",
    "ViewItem",
    "ViewNode",
    "ViewOptions",
    "build_view",
    "printable",
]

NodeKind = Literal[
    "function",
    "async",
    "generator",
    "async_generator",
    "route",
    "ifelse",
    "graph",
    "input",
    "optional_input",
    "output",
    "end",
]
EdgeKind = Literal["data", "branch", "ordering", "input", "output"]
Direction = Literal["TB", "LR"]


@dataclass(frozen=True)
class ViewOptions:
    """What to draw. `depth`: graph levels shown (1: nested graphs collapsed; None: all)."""

    depth: int | None = 1
    show_types: bool = False
    show_inactive: bool = True
    direction: Direction = "TB"

    def __post_init__(self) -> None:
        depth = self.depth
        if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool)):
            raise TypeError(f"depth must be a positive int or None (all levels), got {depth!r}")
        if depth is not None and depth < 1:
            raise ValueError(
                f"depth must be >= 1 (1 draws nested graphs collapsed) or None, got {depth}"
            )
        if self.direction not in ("TB", "LR"):
            raise ValueError(f"direction must be 'TB' or 'LR', got {self.direction!r}")
        for flag in ("show_types", "show_inactive"):
            if not isinstance(getattr(self, flag), bool):
                raise TypeError(f"{flag} must be a bool, got {getattr(self, flag)!r}")


@dataclass(frozen=True)
class ViewNode:
    """One box: a node, a graph input or output, or END."""

    id: str
    label: str
    kind: NodeKind
    detail: str = ""
    """A second, smaller line: the node's kind or role (``async``, ``map over x``, ...)."""
    active: bool = True
    """False for nodes outside the active scope (select, entrypoints): drawn greyed."""


@dataclass(frozen=True)
class ViewCluster:
    """An expanded nested graph: its items drawn inside a labelled box."""

    id: str
    label: str
    detail: str
    items: tuple[ViewItem, ...]
    active: bool = True

    @property
    def anchor(self) -> str:
        """A node inside, for formats whose edges cannot end on a box (DOT's lhead)."""
        first = self.items[0]
        return first.id if isinstance(first, ViewNode) else first.anchor


ViewItem = ViewNode | ViewCluster


@dataclass(frozen=True)
class ViewEdge:
    """An arrow. `source`/`target` are node ids, or a cluster id for a whole nested graph."""

    source: str
    target: str
    kind: EdgeKind
    label: str = ""
    back: bool = False
    """Closes a loop (points back to a node already on the path from the inputs)."""
    active: bool = True


@dataclass(frozen=True)
class GraphView:
    """Everything a renderer needs, in a deterministic order (declaration order)."""

    title: str
    direction: Direction
    items: tuple[ViewItem, ...]
    edges: tuple[ViewEdge, ...]

    def walk(self) -> Iterator[ViewNode]:
        """Every node, clusters flattened, in drawing order."""
        yield from _walk(self.items)

    @property
    def clusters(self) -> dict[str, ViewCluster]:
        """Cluster id -> cluster, at every depth."""
        found: dict[str, ViewCluster] = {}
        stack = list(self.items)
        while stack:
            item = stack.pop()
            if isinstance(item, ViewCluster):
                found[item.id] = item
                stack.extend(item.items)
        return found


def _walk(items: tuple[ViewItem, ...]) -> Iterator[ViewNode]:
    for item in items:
        if isinstance(item, ViewNode):
            yield item
        else:
            yield from _walk(item.items)


# -- text ------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """`text` with control characters spelled out (``\\x0a``), the same in every format."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# -- ids -------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")


class _Ids:
    """Stable ids valid in Mermaid and DOT whatever the names: a kind prefix, the name with
    anything but ASCII letters, digits and ``_`` replaced, and a counter on collisions. The
    prefix keeps ids clear of keywords (Mermaid's ``end``, DOT's ``node``...)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def make(self, prefix: str, *path: str) -> str:
        slug = "_".join(_UNSAFE.sub("_", part).strip("_") or "x" for part in path)
        base = f"{prefix}_{slug}" if slug else prefix
        candidate, count = base, 1
        while candidate in self._taken:
            count += 1
            candidate = f"{base}_{count}"
        self._taken.add(candidate)
        return candidate


# -- building --------------------------------------------------------------------------------


@dataclass
class _Level:
    """One graph level: what it draws, and how its inputs and outputs attach from outside."""

    items: list[ViewItem] = field(default_factory=list)
    edges: list[ViewEdge] = field(default_factory=list)
    entries: dict[str, list[str]] = field(default_factory=dict)
    """Input name -> ids of the visible, active nodes that read it from outside."""
    exits: dict[str, list[str]] = field(default_factory=dict)
    """Output name -> ids of the visible, active nodes that produce it."""
    ids: dict[str, str] = field(default_factory=dict)
    """Node name -> its id (node or cluster), for every drawn node."""


class _Builder:
    def __init__(self, options: ViewOptions) -> None:
        self.options = options
        self.ids = _Ids()

    def level(
        self, graph: Graph, path: tuple[str, ...], depth: int | None, outer_active: bool
    ) -> _Level:
        from hypergraph.nodes.graph_node import GraphNode

        out = _Level()
        active = set(graph.active_nodes) if outer_active else set()
        nested: dict[str, tuple[_Level, GraphNode]] = {}
        shown = [
            n
            for n in graph.iter_nodes()
            if not n.hide and (n.name in active or self.options.show_inactive)
        ]
        for n in shown:
            is_active = n.name in active
            expand = depth is None or depth > 1
            if isinstance(n, GraphNode) and expand:
                inner = self.level(
                    n.graph, (*path, n.name), None if depth is None else depth - 1, is_active
                )
                if inner.items:  # everything inside hidden: drawn collapsed instead
                    cluster_id = self.ids.make("g", *path, n.name)
                    out.items.append(
                        ViewCluster(cluster_id, n.name, _detail(n), tuple(inner.items), is_active)
                    )
                    out.edges += inner.edges
                    out.ids[n.name] = cluster_id
                    nested[n.name] = (inner, n)
                    continue
            node_id = self.ids.make("n", *path, n.name)
            out.items.append(ViewNode(node_id, n.name, _kind(n), _detail(n), is_active))
            out.ids[n.name] = node_id
        end_id = self._end(shown, path, active, out)
        self._edges(graph, out, nested, active, end_id)
        self._attach(graph, out, nested, active)
        return out

    def _end(
        self, shown: list[HyperNode], path: tuple[str, ...], active: set[str], out: _Level
    ) -> str | None:
        from hypergraph.nodes.gate import END

        enders = [n for n in shown if n.is_gate and END in getattr(n, "targets", ())]
        if not enders:
            return None
        end_id = self.ids.make("END", *path)  # upper case: Mermaid reserves `end`
        out.items.append(ViewNode(end_id, "END", "end", "", any(n.name in active for n in enders)))
        return end_id

    def _edges(
        self,
        graph: Graph,
        out: _Level,
        nested: dict[str, tuple[_Level, GraphNode]],
        active: set[str],
        end_id: str | None,
    ) -> None:
        merged: dict[tuple[str, str, EdgeKind], tuple[list[str], bool]] = {}

        def add(source: str, target: str, kind: EdgeKind, label: str, live: bool) -> None:
            labels, _ = merged.setdefault((source, target, kind), ([], live))
            if label and label not in labels:
                labels.append(label)

        nodes = graph.nodes
        for e in graph.edges:
            if e.kind == "control" or e.source not in out.ids or e.target not in out.ids:
                continue  # branches are drawn from the gates; hidden nodes take their edges
            live = e.source in active and e.target in active
            if e.kind == "ordering":
                add(out.ids[e.source], out.ids[e.target], "ordering", ", ".join(e.values), live)
                continue
            producer, consumer = nodes[e.source], nodes[e.target]
            for value in e.values:
                typed = _output_type(producer, value, _input_type(consumer, value))
                label = self._typed(value, typed)
                for s in _producers(out, nested, e.source, value):
                    for t in _consumers(out, nested, e.target, value):
                        add(s, t, "data", label, live)
            signals = [s for s in consumer.wait_for if s in producer.outputs]
            if signals:  # a data edge that also orders: show both
                add(out.ids[e.source], out.ids[e.target], "ordering", ", ".join(signals), live)
        for n in graph.iter_nodes():
            if not n.is_gate or n.name not in out.ids:
                continue
            for target, label in _branches(n):
                t_id = end_id if _is_end(target) else out.ids.get(target)
                if t_id is not None:
                    live = n.name in active and (_is_end(target) or target in active)
                    add(out.ids[n.name], t_id, "branch", label, live)
        for (s, t, kind), (labels, live) in merged.items():
            out.edges.append(ViewEdge(s, t, kind, ", ".join(labels), active=live))

    def _attach(
        self,
        graph: Graph,
        out: _Level,
        nested: dict[str, tuple[_Level, GraphNode]],
        active: set[str],
    ) -> None:
        """Where this level's inputs enter and its outputs leave (active nodes only)."""
        from hypergraph.graph.scope import cycle_seeds

        wired = {
            (e.target, v)
            for e in graph.edges
            if e.kind == "data" and e.source in active and e.target in active
            for v in e.values
        }
        wired -= cycle_seeds(graph.edges, active, graph.entrypoints_config or ())
        for n in graph.iter_nodes():
            if n.name not in active or n.name not in out.ids:
                continue
            for param in n.inputs:
                if (n.name, param) not in wired:
                    targets = out.entries.setdefault(param, [])
                    targets += _consumers(out, nested, n.name, param)
            for value in n.data_outputs:
                out.exits.setdefault(value, []).extend(_producers(out, nested, n.name, value))

    def _typed(self, name: str, type_text: str | None) -> str:
        return f"{name}: {type_text}" if self.options.show_types and type_text else name


def build_view(graph: Graph, options: ViewOptions | None = None) -> GraphView:
    """The picture of `graph`: its active scope, inputs, outputs, nested graphs to a depth."""
    options = options or ViewOptions()
    builder = _Builder(options)
    level = builder.level(graph, (), options.depth, True)
    spec = graph.inputs
    inputs: list[ViewItem] = []
    edges: list[ViewEdge] = []
    first_reader = _first_readers(graph)
    for name in spec.all:
        in_id = builder.ids.make("in", name)
        required = name in spec.required
        detail = "" if required else "bound" if name in spec.bound else "default"
        reader = first_reader.get(name)
        label = builder._typed(name, None if reader is None else _input_type(reader, name))
        inputs.append(ViewNode(in_id, label, "input" if required else "optional_input", detail))
        edges += [ViewEdge(in_id, t, "input") for t in level.entries.get(name, ())]
    edges += level.edges
    outputs: list[ViewItem] = []
    producers = {o: n for n in reversed(list(graph.iter_nodes())) for o in n.data_outputs}
    for name in _result_names(graph):
        out_id = builder.ids.make("out", name)
        made_by = producers.get(name)
        label = builder._typed(name, None if made_by is None else _output_type(made_by, name))
        outputs.append(ViewNode(out_id, label, "output"))
        edges += [ViewEdge(s, out_id, "output") for s in level.exits.get(name, ())]
    items = (*inputs, *level.items, *outputs)
    roots = [i.id for i in inputs] + [
        level.ids[e] for e in graph.entrypoints_config or () if e in level.ids
    ]
    view = GraphView(graph.name or "graph", options.direction, tuple(items), tuple(edges))
    return _with_back_edges(view, roots)


def _first_readers(graph: Graph) -> dict[str, HyperNode]:
    active = set(graph.active_nodes)
    found: dict[str, HyperNode] = {}
    for n in graph.iter_nodes():
        if n.name in active:
            for param in n.inputs:
                found.setdefault(param, n)
    return found


def _result_names(graph: Graph) -> tuple[str, ...]:
    """The selected outputs; without select(), the data outputs no active node reads (gate
    decisions left out): what a caller looks at after a run."""
    if graph.selected is not None:
        return graph.selected
    active = set(graph.active_nodes)
    read = {
        v
        for e in graph.edges
        if e.kind == "data" and e.source in active and e.target in active
        for v in e.values
    }
    return tuple(
        dict.fromkeys(
            o
            for n in graph.iter_nodes()
            if n.name in active
            for o in n.data_outputs
            if o not in read and not _is_decision(n, o)
        )
    )


def _is_decision(n: HyperNode, value: str) -> bool:
    """Whether `value` is a gate's decision (`_<gate>`), also through nested graphs' ports."""
    from hypergraph.nodes.graph_node import GraphNode

    if isinstance(n, GraphNode):
        local = dict(n.output_pairs).get(value)
        inner = n.graph.nodes
        return local is not None and any(
            local in m.data_outputs and _is_decision(m, local) for m in inner.values()
        )
    return n.is_gate and value == n.data_outputs[0]


def _with_back_edges(view: GraphView, roots: list[str]) -> GraphView:
    """Mark edges that close a loop: depth-first from the inputs and entrypoints, then every
    node in drawing order; an edge to a node still on the path is a back edge."""
    anchors = {cid: c.anchor for cid, c in view.clusters.items()}
    succ: dict[str, list[tuple[int, str]]] = {}
    for index, e in enumerate(view.edges):
        succ.setdefault(anchors.get(e.source, e.source), []).append(
            (index, anchors.get(e.target, e.target))
        )
    state: dict[str, int] = {}  # 1 on the path, 2 done
    back: set[int] = set()
    for root in [*roots, *(n.id for n in view.walk())]:
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, Iterator[tuple[int, str]]]] = [(root, iter(succ.get(root, ())))]
        while stack:
            here, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                state[here] = 2
                stack.pop()
                continue
            index, nxt = step
            if state.get(nxt) == 1:
                back.add(index)
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ.get(nxt, ()))))
    edges = tuple(
        ViewEdge(e.source, e.target, e.kind, e.label, i in back, e.active)
        for i, e in enumerate(view.edges)
    )
    return GraphView(view.title, view.direction, view.items, edges)


# -- per-node facts ---------------------------------------------------------------------------


def _kind(n: HyperNode) -> NodeKind:
    from hypergraph.nodes.gate import IfElseNode
    from hypergraph.nodes.graph_node import GraphNode

    if isinstance(n, GraphNode):
        return "graph"
    if n.is_gate:
        return "ifelse" if isinstance(n, IfElseNode) else "route"
    if n.is_async:
        return "async_generator" if n.is_generator else "async"
    return "generator" if n.is_generator else "function"


def _detail(n: HyperNode) -> str:
    from hypergraph.nodes.graph_node import GraphNode

    if isinstance(n, GraphNode):
        config = n.map_execution_config
        if config is None:
            return "graph"
        mode = " (product)" if config.mode == "product" else ""
        return f"map over {', '.join(config.params)}{mode}"
    if n.is_gate:
        return "route, multi-target" if getattr(n, "multi_target", False) else _kind(n)
    return {"async": "async", "generator": "generator", "async_generator": "async generator"}.get(
        _kind(n), ""
    )


def _is_end(target: str) -> bool:
    from hypergraph.nodes.gate import END

    return target is END


def _branches(gate: HyperNode) -> list[tuple[str, str]]:
    """(target, label) for every branch: true/false for ifelse, the target's name (with its
    description, if any) for route; the fallback is marked."""
    from hypergraph.nodes.gate import IfElseNode

    if isinstance(gate, IfElseNode):
        return [(gate.when_true, "true"), (gate.when_false, "false")]
    found = []
    descriptions: dict[str, str] = getattr(gate, "descriptions", {})
    fallback = getattr(gate, "fallback", None)
    for target in getattr(gate, "targets", ()):
        label = str(target)
        if descriptions.get(target):
            label += f": {descriptions[target]}"
        if target == fallback:
            label += " (fallback)"
        found.append((target, label))
    return found


def _producers(
    out: _Level, nested: dict[str, tuple[_Level, GraphNode]], name: str, value: str
) -> list[str]:
    if name in nested:
        inner, n = nested[name]
        local = dict(n.output_pairs).get(value)
        found = inner.exits.get(local, []) if local is not None else []
        return found or [out.ids[name]]
    return [out.ids[name]]


def _consumers(
    out: _Level, nested: dict[str, tuple[_Level, GraphNode]], name: str, value: str
) -> list[str]:
    if name in nested:
        inner, n = nested[name]
        found = inner.entries.get(n.local_input(value), []) if value in n.inputs else []
        return found or [out.ids[name]]
    return [out.ids[name]]


def _format(t: object) -> str | None:
    from hypergraph.typecheck.format import format_type
    from hypergraph.typecheck.hints import MISSING, Unresolved

    if t is None or t is MISSING or isinstance(t, Unresolved):
        return None
    return format_type(t)


def _output_type(n: HyperNode, value: str, fallback: str | None = None) -> str | None:
    """The type of `value` as `n` produces it (else `fallback`)."""
    from hypergraph.nodes.function import FunctionNode
    from hypergraph.nodes.graph_node import GraphNode
    from hypergraph.typecheck.ports import function_output_types, port_types

    found: Any = None
    if isinstance(n, FunctionNode):
        found = function_output_types(n).get(value)
    elif isinstance(n, GraphNode):
        endpoints = port_types(n).returns.get(value, ())
        found = endpoints[0].type if endpoints else None
    return _format(found) or fallback


def _input_type(n: HyperNode, param: str) -> str | None:
    """The type `n` expects for input `param`."""
    from hypergraph.nodes.graph_node import GraphNode
    from hypergraph.typecheck.ports import port_types

    if isinstance(n, GraphNode):
        endpoints = port_types(n).expects.get(param, ())
        return _format(endpoints[0].type) if endpoints else None
    annotations: dict[str, Any] = getattr(n, "parameter_annotations", {})
    return _format(annotations.get(param))
