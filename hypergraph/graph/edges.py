"""Edge inference: wire every output to the parameters of the same name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from hypergraph.exceptions import GraphConfigError
from hypergraph.nodes.base import HyperNode

__all__ = [
    "Edge",
    "EdgeSpec",
    "explicit_edges",
    "gate_targets",
    "infer_edges",
    "with_control_edges",
]

EdgeKind = Literal["data", "control", "ordering"]
EdgeSpec = tuple[object, object] | tuple[object, object, str | Sequence[str]]


@dataclass(frozen=True, slots=True)
class Edge:
    """One edge per ordered node pair, listing every value name it carries."""

    source: str
    target: str
    kind: EdgeKind
    values: tuple[str, ...]
    """Data edges: the values carried; ordering edges: the names that order the pair
    (wait_for signals, shared values of a declared edge)."""
    orders: tuple[str, ...] = ()
    """Data edges only: names the pair also carries just to order it (wait_for signals,
    shared values of a declared edge): the edge orders its ends even when every value it
    carries is contested."""

    @property
    def value_names(self) -> tuple[str, ...]:
        """Every name the edge carries: values, then ordering names."""
        return self.values + self.orders

    @property
    def ordering_names(self) -> tuple[str, ...]:
        """The names carried only to order the pair."""
        return self.values if self.kind == "ordering" else self.orders


def _producers(nodes: Iterable[HyperNode]) -> dict[str, list[str]]:
    producers: dict[str, list[str]] = defaultdict(list)
    for n in nodes:
        for out in n.outputs:
            producers[out].append(n.name)
    return producers


def infer_edges(
    nodes: Mapping[str, HyperNode],
    shared: frozenset[str] = frozenset(),
    declared: Sequence[EdgeSpec] = (),
) -> tuple[Edge, ...]:
    """Auto mode: an output named x feeds every input named x (shadowed producers dropped).

    Shared mode: `shared` names are never inferred, and the `declared` edges are added on
    top of inference (their shared values only order the pair)."""
    producers = _producers(nodes.values())
    candidates: dict[tuple[str, str], list[str]] = defaultdict(list)  # (src, dst) -> values
    ordering: dict[tuple[str, str], list[str]] = defaultdict(list)
    for consumer in nodes.values():
        for param in consumer.inputs:
            if param in shared:
                continue
            for src in producers.get(param, ()):
                candidates[src, consumer.name].append(param)
        for signal in consumer.wait_for:
            for src in producers.get(signal, ()):
                if src != consumer.name:
                    ordering[src, consumer.name].append(signal)
    _drop_shadowed(nodes, producers, candidates, ordering, shared)
    for (src, dst), values in _declared_values(nodes, declared).items():
        bucket = candidates[src, dst]
        bucket.extend(v for v in values if v not in shared and v not in bucket)
        orders = ordering[src, dst]  # created even when empty: the edge orders the pair
        orders.extend(v for v in values if v in shared and v not in orders)
    edges = [
        Edge(s, t, "data", tuple(v), tuple(ordering.get((s, t), ())))
        for (s, t), v in candidates.items()
        if v
    ]
    edges += [
        Edge(s, t, "ordering", tuple(v))
        for (s, t), v in ordering.items()
        if not candidates.get((s, t))
    ]
    edges = with_control_edges(nodes, edges)
    if any(len(names) > 1 for names in producers.values()):
        _check_cycle_producers(nodes, edges)
    return _in_declaration_order(edges, nodes)


def gate_targets(nodes: Mapping[str, HyperNode]) -> dict[str, list[str]]:
    """Gate name -> its targets that are nodes of the graph (END and unknown names skipped)."""
    return {
        n.name: [t for t in getattr(n, "targets", ()) if t in nodes and t != n.name]
        for n in nodes.values()
        if n.is_gate
    }


def with_control_edges(nodes: Mapping[str, HyperNode], edges: list[Edge]) -> list[Edge]:
    """Add a control edge gate -> target wherever no edge links the pair yet."""
    linked = {(e.source, e.target) for e in edges}
    added = [
        Edge(gate, target, "control", ())
        for gate, targets in gate_targets(nodes).items()
        for target in targets
        if (gate, target) not in linked
    ]
    return edges + added


def _drop_shadowed(
    nodes: Mapping[str, HyperNode],
    producers: Mapping[str, list[str]],
    candidates: dict[tuple[str, str], list[str]],
    ordering: Mapping[tuple[str, str], list[str]],
    shared: frozenset[str],
) -> None:
    """Drop producer u of (v, p) when u reaches v only through other producers of p.

    Paths follow candidate data edges, gate -> target and wait_for edges; for a gate
    consumer, paths through its own targets do not count. All producers dropped: ambiguous.
    """
    successors: dict[str, set[str]] = defaultdict(set)
    for src, dst in [*candidates, *ordering]:
        successors[src].add(dst)
    targets = gate_targets(nodes)
    for gate, names in targets.items():
        successors[gate].update(names)
    ambiguous = []
    for consumer in nodes.values():
        v = consumer.name
        skip = set(targets.get(v, ()))
        for param in consumer.inputs:
            if param in shared:
                continue
            rivals = [u for u in producers.get(param, ()) if u != v]
            if len(rivals) < 2:
                continue
            dropped = []
            for u in rivals:
                others = set(rivals) - {u}
                free, blocked = _reach(u, v, others, successors, skip)
                if blocked and not free:
                    dropped.append(u)
            if len(dropped) == len(rivals):
                ambiguous.append(
                    f"node {v!r} reads {param!r}, produced by {', '.join(map(repr, rivals))}, "
                    "and each of them is always overwritten by another: which one feeds it is "
                    "ambiguous. Rename an output or declare edges explicitly"
                )
            for u in dropped:
                candidates[u, v].remove(param)
    if ambiguous:
        raise GraphConfigError("Ambiguous producers: " + "; ".join(ambiguous))


def _check_cycle_producers(nodes: Mapping[str, HyperNode], edges: Sequence[Edge]) -> None:
    """A non-gate consumer on a data cycle must have one producer per input (besides itself)."""
    from hypergraph.plan.schedule import strongly_connected

    sources: dict[tuple[str, str], list[str]] = defaultdict(list)
    for e in edges:
        if e.kind == "data" and e.source != e.target:
            for value in e.values:
                sources[e.target, value].append(e.source)
    shared = {key: names for key, names in sources.items() if len(names) > 1}
    if not shared:
        return
    data = [(e.source, e.target) for e in edges if e.kind == "data"]
    looping = {s for s, d in data if s == d}
    for members in strongly_connected(list(nodes), data):
        if len(members) > 1:
            looping.update(members)
    errors = [
        f"node {v!r} is on a data cycle and reads {param!r} from "
        f"{', '.join(map(repr, names))}: which value it sees would depend on timing. "
        "Rename an output or declare edges explicitly"
        for (v, param), names in shared.items()
        if v in looping and not nodes[v].is_gate
    ]
    if errors:
        raise GraphConfigError("Ambiguous producers: " + "; ".join(errors))


def _reach(
    start: str,
    goal: str,
    walls: set[str],
    successors: Mapping[str, set[str]],
    skip: set[str] | frozenset[str] = frozenset(),
) -> tuple[bool, bool]:
    """(goal reached avoiding walls and the direct edge, some wall reached); nodes in `skip`
    are not walked through."""
    seen = {start, *skip}
    stack = [s for s in successors.get(start, ()) if s != goal]
    free = blocked = False
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in walls:
            blocked = True
            continue
        if current == goal:
            free = True
            continue
        stack.extend(successors.get(current, ()))
    return free, blocked


def explicit_edges(nodes: Mapping[str, HyperNode], specs: Sequence[EdgeSpec]) -> tuple[Edge, ...]:
    """Explicit mode: the declared edges are the only data edges."""
    merged = _declared_values(nodes, specs)
    edges = [Edge(s, t, "data" if v else "ordering", tuple(v)) for (s, t), v in merged.items()]
    return _in_declaration_order(with_control_edges(nodes, edges), nodes)


def _declared_values(
    nodes: Mapping[str, HyperNode], specs: Sequence[EdgeSpec]
) -> dict[tuple[str, str], list[str]]:
    """(source, target) -> the values each declared edge carries (merged per pair, checked:
    a value must be an output of the source and an input of the target)."""
    merged: dict[tuple[str, str], list[str]] = {}
    for spec in specs:
        if not isinstance(spec, tuple) or len(spec) not in (2, 3):
            raise GraphConfigError(
                f"edge {spec!r} must be (source, target) or (source, target, values)"
            )
        src, dst = (_node_name(nodes, end, spec) for end in spec[:2])
        source, target = nodes[src], nodes[dst]
        if len(spec) == 3:
            raw = spec[2]
            values = (raw,) if isinstance(raw, str) else tuple(raw)
            for value in values:
                if value not in source.outputs or value not in target.inputs:
                    raise GraphConfigError(
                        f"edge {src!r} -> {dst!r}: value {value!r} must be an output of {src!r} "
                        f"{source.outputs!r} and an input of {dst!r} {target.inputs!r}"
                    )
        else:
            values = tuple(p for p in target.inputs if p in source.outputs)
        bucket = merged.setdefault((src, dst), [])
        bucket.extend(v for v in values if v not in bucket)
    return merged


def _node_name(nodes: Mapping[str, HyperNode], end: object, spec: object) -> str:
    name = end.name if isinstance(end, HyperNode) else end
    if not isinstance(name, str) or name not in nodes:
        raise GraphConfigError(f"edge {spec!r} names {end!r}, which is not a node of this graph")
    return name


def _in_declaration_order(edges: list[Edge], nodes: Mapping[str, HyperNode]) -> tuple[Edge, ...]:
    index = {name: i for i, name in enumerate(nodes)}
    return tuple(sorted(edges, key=lambda e: (index[e.target], index[e.source])))
