"""The active scope of a graph (entrypoints, then selection) and its InputSpec."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.edges import Edge
from hypergraph.graph.input_spec import InputSpec
from hypergraph.nodes.base import HyperNode

__all__ = ["active_nodes", "compute_inputs", "cycle_seeds"]


def _walk(starts: Sequence[str], links: Mapping[str, list[str]]) -> set[str]:
    seen = set(starts)
    stack = list(starts)
    while stack:
        for nxt in links.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def active_nodes(
    nodes: Mapping[str, HyperNode],
    edges: Sequence[Edge],
    entrypoints: Sequence[str],
    selected: Sequence[str] | None,
) -> tuple[str, ...]:
    """Node names that run, in declaration order: entrypoints' descendants, then ancestors of
    the selected outputs' producers."""
    active = set(nodes)
    if entrypoints:
        forward: dict[str, list[str]] = defaultdict(list)
        for e in edges:
            forward[e.source].append(e.target)
        active = _walk(entrypoints, forward)
    if selected is not None:
        backward: dict[str, list[str]] = defaultdict(list)
        for e in edges:
            if e.source in active and e.target in active:
                backward[e.target].append(e.source)
        producers = [n for n in nodes if n in active and set(nodes[n].outputs) & set(selected)]
        unreachable = [s for s in selected if not any(s in nodes[p].outputs for p in producers)]
        if unreachable:
            raise GraphConfigError(
                f"selected outputs {unreachable} are not produced by any node reachable from "
                f"the entrypoints {list(entrypoints)}"
            )
        active = _with_gate_targets(nodes, edges, active, _walk(producers, backward), backward)
    return tuple(n for n in nodes if n in active)


def _with_gate_targets(
    nodes: Mapping[str, HyperNode],
    edges: Sequence[Edge],
    scope: set[str],
    needed: set[str],
    backward: Mapping[str, list[str]],
) -> set[str]:
    """A needed gate pulls in all its targets and their descendants (and what they need)."""
    gates = [n for n in needed if nodes[n].is_gate]
    if not gates:
        return needed
    forward: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if e.source in scope and e.target in scope:
            forward[e.source].append(e.target)
    done: set[str] = set()
    while gates:
        done.update(gates)
        starts = [t for g in gates for t in getattr(nodes[g], "targets", ()) if t in scope]
        needed = _walk([*needed, *_walk(starts, forward)], backward)
        gates = [n for n in needed if nodes[n].is_gate and n not in done]
    return needed


def compute_inputs(
    nodes: Mapping[str, HyperNode],
    edges: Sequence[Edge],
    active: Sequence[str],
    bound: Mapping[str, Any],
    entrypoints: Sequence[str] = (),
    shared: Sequence[str] = (),
) -> InputSpec:
    """Inputs of the active scope: unwired names, required unless bound or defaulted in
    every consumer. A cycle seed (a value an entrypoint reads from its own loop) is an input.
    A shared name read in scope is required unless bound: run state must hold it before its
    first reader runs (a signature default does not count)."""
    in_scope = set(active)
    wired = {
        (e.target, value)
        for e in edges
        if e.kind == "data" and e.source in in_scope and e.target in in_scope
        for value in e.values
    }
    if entrypoints:
        wired -= cycle_seeds(edges, in_scope, entrypoints)
    consumers: dict[str, list[HyperNode]] = {}
    for name in active:
        n = nodes[name]
        for param in n.inputs:
            if (name, param) not in wired:
                consumers.setdefault(param, []).append(n)
    required, optional = [], []
    for param, readers in consumers.items():
        if param in bound or (
            param not in shared and all(r.has_default_for(param) for r in readers)
        ):
            optional.append(param)
        else:
            required.append(param)
    kept = {k: v for k, v in bound.items() if k in consumers}
    return InputSpec(tuple(required), tuple(optional), kept)


def cycle_seeds(
    edges: Sequence[Edge], in_scope: set[str], entrypoints: Sequence[str]
) -> set[tuple[str, str]]:
    """(entrypoint, value) pairs where an entrypoint reads a value from its own loop: the
    first round needs it from the caller (or a bind or default)."""
    from hypergraph.plan.schedule import strongly_connected

    starts = [e for e in entrypoints if e in in_scope]
    inside = [e for e in edges if e.source in in_scope and e.target in in_scope]
    feeding = [e for e in inside if e.kind == "data" and e.target in starts]
    if not feeding:
        return set()
    order = list(dict.fromkeys(n for e in inside for n in (e.source, e.target)))
    owner = {
        n: i
        for i, members in enumerate(
            strongly_connected(order, [(e.source, e.target) for e in inside])
        )
        for n in members
    }
    return {
        (e.target, value)
        for e in feeding
        if e.source == e.target or owner[e.source] == owner[e.target]
        for value in e.values
    }
