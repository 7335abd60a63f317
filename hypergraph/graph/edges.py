"""Edge inference: wire every output to the parameters of the same name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from hypergraph.exceptions import GraphConfigError
from hypergraph.nodes.base import HyperNode

__all__ = ["Edge", "EdgeSpec", "explicit_edges", "infer_edges"]

EdgeKind = Literal["data", "ordering"]
EdgeSpec = tuple[object, object] | tuple[object, object, str | Sequence[str]]


@dataclass(frozen=True, slots=True)
class Edge:
    """One edge per ordered node pair, listing every value name it carries."""

    source: str
    target: str
    kind: EdgeKind
    values: tuple[str, ...]


def _producers(nodes: Iterable[HyperNode]) -> dict[str, list[str]]:
    producers: dict[str, list[str]] = defaultdict(list)
    for n in nodes:
        for out in n.outputs:
            producers[out].append(n.name)
    return producers


def infer_edges(nodes: Mapping[str, HyperNode]) -> tuple[Edge, ...]:
    """Auto mode: an output named x feeds every input named x (shadowed producers dropped)."""
    producers = _producers(nodes.values())
    candidates: dict[tuple[str, str], list[str]] = defaultdict(list)  # (src, dst) -> values
    ordering: dict[tuple[str, str], list[str]] = defaultdict(list)
    for consumer in nodes.values():
        for param in consumer.inputs:
            for src in producers.get(param, ()):
                candidates[src, consumer.name].append(param)
        for signal in consumer.wait_for:
            for src in producers.get(signal, ()):
                if src != consumer.name:
                    ordering[src, consumer.name].append(signal)
    _drop_shadowed(nodes, producers, candidates, ordering)
    edges = [Edge(s, t, "data", tuple(v)) for (s, t), v in candidates.items() if v]
    edges += [
        Edge(s, t, "ordering", tuple(v))
        for (s, t), v in ordering.items()
        if not candidates.get((s, t))
    ]
    return _in_declaration_order(edges, nodes)


def _drop_shadowed(
    nodes: Mapping[str, HyperNode],
    producers: Mapping[str, list[str]],
    candidates: dict[tuple[str, str], list[str]],
    ordering: Mapping[tuple[str, str], list[str]],
) -> None:
    """Drop producer u of (v, p) when u reaches v only through other producers of p."""
    successors: dict[str, set[str]] = defaultdict(set)
    for src, dst in [*candidates, *ordering]:
        successors[src].add(dst)
    for consumer in nodes.values():
        v = consumer.name
        for param in consumer.inputs:
            rivals = [u for u in producers.get(param, ()) if u != v]
            if len(rivals) < 2:
                continue
            for u in rivals:
                others = set(rivals) - {u}
                free, blocked = _reach(u, v, others, successors)
                if blocked and not free:
                    candidates[u, v].remove(param)


def _reach(
    start: str, goal: str, walls: set[str], successors: Mapping[str, set[str]]
) -> tuple[bool, bool]:
    """(goal reached avoiding walls and the direct edge, some wall reached)."""
    seen = {start}
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
    edges = [Edge(s, t, "data" if v else "ordering", tuple(v)) for (s, t), v in merged.items()]
    return _in_declaration_order(edges, nodes)


def _node_name(nodes: Mapping[str, HyperNode], end: object, spec: object) -> str:
    name = end.name if isinstance(end, HyperNode) else end
    if not isinstance(name, str) or name not in nodes:
        raise GraphConfigError(f"edge {spec!r} names {end!r}, which is not a node of this graph")
    return name


def _in_declaration_order(edges: list[Edge], nodes: Mapping[str, HyperNode]) -> tuple[Edge, ...]:
    index = {name: i for i, name in enumerate(nodes)}
    return tuple(sorted(edges, key=lambda e: (index[e.target], index[e.source])))
