"""Build-time structural validation: every problem found at once, each with a fix."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from hypergraph._warn import warn_user
from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.edges import Edge
from hypergraph.identifiers import identifier_problem, normal_form_problem
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.gate import END

__all__ = [
    "GraphConfigError",
    "raise_all",
    "shared_errors",
    "structural_errors",
    "warn_shared_generators",
]


def raise_all(errors: Sequence[str], graph_name: str | None) -> None:
    """Raise one GraphConfigError listing every error, or return if there are none."""
    if not errors:
        return
    where = f"graph {graph_name!r}" if graph_name else "graph"
    if len(errors) == 1:
        raise GraphConfigError(f"Invalid {where}: {errors[0]}")
    listing = "\n".join(f"  {i}. {e}" for i, e in enumerate(errors, 1))
    raise GraphConfigError(f"Invalid {where}: {len(errors)} errors\n{listing}")


def structural_errors(
    nodes: Mapping[str, HyperNode],
    edges: Sequence[Edge],
    *,
    explicit: bool = False,
    shared: Sequence[str] = (),
) -> list[str]:
    """Names, outputs, defaults, wait_for references and output conflicts (shared names
    have neither default nor conflict checks: they live in run state)."""
    errors: list[str] = []
    for n in nodes.values():
        errors += _name_errors(n)
    errors += _default_errors(nodes, edges, set(shared))
    errors += _wait_for_errors(nodes)
    errors += _gate_errors(nodes)
    errors += _conflict_errors(nodes, edges, explicit, set(shared))
    return errors


def shared_errors(
    nodes: Mapping[str, HyperNode], edges: Sequence[Edge], shared: Sequence[str]
) -> list[str]:
    """Shared mode: every shared name is some node's data output, and the wired graph is
    weakly connected (shared values make no edges: declared edges must order their users)."""
    produced = {out for n in nodes.values() for out in n.data_outputs}
    errors = []
    for name in shared:
        if name not in produced:
            close = difflib.get_close_matches(name, sorted(produced), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            errors.append(
                f"shared name {name!r} is not a data output of any node; shared= lists values "
                f"that nodes write{hint}"
            )
    parts = _weak_components(list(nodes), edges)
    if len(parts) > 1:
        listing = "; ".join(", ".join(part) for part in parts)
        errors.append(
            f"with shared={list(shared)} the graph falls apart into {len(parts)} unconnected "
            f"groups of nodes ({listing}): shared values add no edges, so declare edges "
            "(edges=[(source, target), ...]) to order the nodes that use them"
        )
    return errors


def _weak_components(order: Sequence[str], edges: Sequence[Edge]) -> list[list[str]]:
    """Groups of nodes linked by edges of any kind and direction, in declaration order."""
    links: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        links[e.source].add(e.target)
        links[e.target].add(e.source)
    seen: set[str] = set()
    groups = []
    for start in order:
        if start in seen:
            continue
        found = _reachable(start, "", links)
        seen |= found
        groups.append([n for n in order if n in found])
    return groups


def _port_problem(n: HyperNode, name: str) -> str | None:
    """Why port `name` of `n` is not a valid name (an identifier in NFKC normal form; a
    GraphNode's namespaced port `<node>.<local>` counts as one), or None."""
    if n.node_type == "GRAPH" and name.startswith(f"{n.name}."):
        problem = identifier_problem(name[len(n.name) + 1 :])
        return problem or normal_form_problem(name)
    return identifier_problem(name)


def _is_decision(n: HyperNode, out: str) -> bool:
    """A gate's `_<gate>` output, or an inner gate's one exposed by a GraphNode (at any
    depth of nesting)."""
    if n.is_gate:
        return out == f"_{n.name}"
    inner = getattr(n, "graph", None)
    if n.node_type != "GRAPH" or inner is None:
        return False
    return any(out in g.outputs and _is_decision(g, out) for g in inner.iter_nodes())


def _name_errors(n: HyperNode) -> list[str]:
    errors = []
    name_problem = (
        normal_form_problem(n.name) if n.node_type == "GRAPH" else identifier_problem(n.name)
    )
    if n.name == "END":
        errors.append("node name 'END' is reserved for the END route target; rename the node")
    if n.node_type == "GRAPH" and n.cache:
        errors.append(
            f"node {n.name!r}: cache=True on a nested graph is not supported; put cache=True on "
            "the nodes inside it"
        )
    elif name_problem:
        errors.append(f"node name {n.name!r} {name_problem}; rename it with .with_name(...)")
    seen: set[str] = set()
    for out in n.outputs:
        problem = _port_problem(n, out)
        if problem:
            errors.append(f"node {n.name!r}: output {out!r} {problem}")
        elif out.startswith("_") and not _is_decision(n, out):
            errors.append(f"node {n.name!r}: output {out!r} starts with '_', which is reserved")
        if out in seen:
            errors.append(f"node {n.name!r} declares output {out!r} twice")
        seen.add(out)
    for param in n.inputs:
        problem = _port_problem(n, param)
        if problem:
            errors.append(f"node {n.name!r}: input {param!r} {problem}")
    return errors


def _same_default(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # array-like values whose == is elementwise or ambiguous
        try:
            return bool((a == b).all())
        except Exception:
            return False


def _default_errors(
    nodes: Mapping[str, HyperNode], edges: Sequence[Edge], shared: set[str]
) -> list[str]:
    produced = {v for e in edges if e.kind == "data" for v in e.values} | shared
    readers: dict[str, list[HyperNode]] = defaultdict(list)
    for n in nodes.values():
        for param in n.inputs:
            if param not in produced:
                readers[param].append(n)
    errors = []
    for param, consumers in readers.items():
        if len(consumers) < 2:
            continue
        with_default = [c for c in consumers if c.has_default_for(param)]
        if with_default and len(with_default) != len(consumers):
            missing = [c.name for c in consumers if not c.has_default_for(param)]
            errors.append(
                f"input {param!r} has a default in {[c.name for c in with_default]} but not in "
                f"{missing}; give every consumer the same default, or use graph.bind({param}=...)"
            )
        elif with_default:
            first = with_default[0].get_default_for(param)
            for other in with_default[1:]:
                if not _same_default(first, other.get_default_for(param)):
                    errors.append(
                        f"input {param!r} has different defaults (a nested graph's bind "
                        f"counts as its default) in {with_default[0].name!r} "
                        f"({first!r}) and {other.name!r} ({other.get_default_for(param)!r}); "
                        f"make them equal or use graph.bind({param}=...)"
                    )
                    break
    return errors


def _wait_for_errors(nodes: Mapping[str, HyperNode]) -> list[str]:
    outputs = {out for n in nodes.values() for out in n.outputs}
    errors = []
    for n in nodes.values():
        for signal in n.wait_for:
            if signal not in outputs:
                close = difflib.get_close_matches(signal, sorted(outputs), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                errors.append(f"node {n.name!r} waits for {signal!r}, which no node emits{hint}")
    return errors


def _gate_errors(nodes: Mapping[str, HyperNode]) -> list[str]:
    """Gate targets exist (or are END), exclude the gate, and never share an output when
    several may run at once."""
    errors = []
    for gate in nodes.values():
        if not gate.is_gate:
            continue
        targets: list[str] = list(getattr(gate, "targets", ()))
        for target in targets:
            if target is END:
                continue
            if target == gate.name:
                errors.append(f"gate {gate.name!r} targets itself; route to another node")
            elif target not in nodes:
                close = difflib.get_close_matches(target, list(nodes), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                errors.append(
                    f"gate {gate.name!r} targets {target!r}, which is not a node of this "
                    f"graph{hint}"
                )
        if getattr(gate, "multi_target", False):
            seen: dict[str, str] = {}
            for target in targets:
                for out in nodes[target].outputs if target in nodes else ():
                    if out in seen and seen[out] != target:
                        errors.append(
                            f"multi-target gate {gate.name!r} may run {seen[out]!r} and "
                            f"{target!r} together, and both produce {out!r}; rename one output"
                        )
                    seen.setdefault(out, target)
    return errors


def _exclusive(nodes: Mapping[str, HyperNode], edges: Sequence[Edge]) -> set[frozenset[str]]:
    """Pairs of nodes in different branches of one single-target gate (never both run in one
    pass): a branch is the nodes reachable from a target (not through the gate) only."""
    successors: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        successors[e.source].add(e.target)
    pairs: set[frozenset[str]] = set()
    for gate in nodes.values():
        if not gate.is_gate or getattr(gate, "multi_target", False):
            continue
        targets = [t for t in getattr(gate, "targets", ()) if t in nodes and t != gate.name]
        reach = {t: _reachable(t, gate.name, successors) for t in targets}
        branches = [reach[t] - set().union(*(reach[o] for o in targets if o != t)) for t in targets]
        for i, first in enumerate(branches):
            for second in branches[i + 1 :]:
                pairs.update(frozenset((a, b)) for a in first for b in second)
    return pairs


def _reachable(start: str, avoid: str, successors: Mapping[str, set[str]]) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for nxt in successors.get(stack.pop(), ()):
            if nxt not in seen and nxt != avoid:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _conflict_errors(
    nodes: Mapping[str, HyperNode], edges: Sequence[Edge], explicit: bool, shared: set[str]
) -> list[str]:
    """Two producers of one output must be mutually exclusive (branches of one gate) or
    ordered by a path not made of contested values. A data edge that also carries a
    wait_for signal orders its ends; declared edges (explicit mode) order them as-is."""
    producers: dict[str, list[str]] = defaultdict(list)
    for n in nodes.values():
        for out in n.outputs:
            producers[out].append(n.name)
    contested = {out for out, names in producers.items() if len(names) > 1 and out not in shared}
    if not contested:
        return []
    successors: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        if explicit or e.kind != "data" or e.orders or not set(e.values) <= contested:
            successors[e.source].add(e.target)
    exclusive = _exclusive(nodes, edges) if any(n.is_gate for n in nodes.values()) else set()
    errors = []
    for out in sorted(contested, key=list(producers).index):
        names = producers[out]
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if frozenset((a, b)) in exclusive:
                    continue
                if not (_reaches(a, b, successors) or _reaches(b, a, successors)):
                    errors.append(
                        f"Multiple nodes produce {out!r}: {a!r} and {b!r}, and nothing orders "
                        "them. Rename one output (.rename_outputs), order them with "
                        "emit=/wait_for=, or declare edges explicitly"
                    )
    return errors


def _reaches(start: str, goal: str, successors: Mapping[str, set[str]]) -> bool:
    seen, stack = {start}, [start]
    while stack:
        for nxt in successors.get(stack.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def warn_shared_generators(nodes: Mapping[str, HyperNode], edges: Sequence[Edge]) -> None:
    """Warn when one generator output feeds several nodes: they share a one-shot iterator."""
    consumers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for e in edges:
        if e.kind == "data" and nodes[e.source].is_generator:
            for value in e.values:
                consumers[e.source, value].append(e.target)
    for (producer, value), names in consumers.items():
        if len(names) > 1:
            warn_user(
                f"generator output {value!r} of node {producer!r} feeds {len(names)} nodes "
                f"({', '.join(names)}): they share one one-shot iterator, so only the first to "
                "iterate sees the items. Have one node materialise it with list(...)"
            )
