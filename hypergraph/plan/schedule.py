"""The schedule: supersteps and strongly connected components, computed by a Graph.

Pure data and graph algorithms over node names; it imports nothing else from hypergraph, so the
Graph can plan itself with it. The per-node wiring and the dynamic plan are built on top of it
(`hypergraph.plan.wiring`, `hypergraph.plan.dynamic`).

A plain DAG is a flat tuple of supersteps. A graph with gates or cycles is *dynamic*: the
runners decide each superstep from the state (API 5.6), guided by the components below.
"""

from __future__ import annotations

import graphlib
import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Component",
    "Plan",
    "build_dynamic_plan",
    "build_plan",
    "plan_or_cycle",
    "strongly_connected",
]


@dataclass(frozen=True, slots=True)
class Component:
    """A strongly connected component of the planning graph (data, control, ordering edges)."""

    nodes: tuple[str, ...]
    """Its nodes in declaration order."""
    cyclic: bool
    """Two or more nodes, or one node with a self-loop: it loops, bounded by max_iterations."""
    predecessors: tuple[int, ...]
    """Indices (in `Plan.components`) of the components with an edge into this one."""
    supersteps: tuple[tuple[str, ...], ...]
    """The inner schedule of one round: its nodes layered with `back_edges` removed."""
    back_edges: tuple[tuple[str, str], ...]
    """Edges closing its loops (found by a deterministic depth-first search)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """Supersteps of node names; within a superstep, declaration order.

    A node's superstep is the longest path to it from an active source, so every node runs
    after all of its producers and as early as possible. For a dynamic plan (gates or
    cycles) `supersteps` is the same layering with loop-closing edges removed, the schedule
    of a first pass, and `components` carries the structure the runners execute.
    """

    supersteps: tuple[tuple[str, ...], ...]
    components: tuple[Component, ...] = ()
    """Dynamic plans only: strongly connected components in topological order (ties by
    smallest declaration index)."""
    gates: Mapping[str, tuple[str, ...]] | None = None
    """Dynamic plans only: active gate -> its active targets (END kept, as the END object)."""
    entrypoints: tuple[str, ...] = ()

    @property
    def is_dynamic(self) -> bool:
        """Whether gates or cycles are active: runners then decide each superstep at run time."""
        return bool(self.components)

    @property
    def has_cycles(self) -> bool:
        """Whether an active cyclic component exists."""
        return any(c.cyclic for c in self.components)

    @property
    def nodes(self) -> tuple[str, ...]:
        """Every planned node, in execution order."""
        return tuple(name for step in self.supersteps for name in step)

    def superstep_of(self, name: str) -> int:
        """Index of the superstep that runs `name`."""
        for index, step in enumerate(self.supersteps):
            if name in step:
                return index
        raise KeyError(name)


def build_plan(order: Sequence[str], edges: Iterable[tuple[str, str]]) -> Plan:
    """Layer the acyclic graph over `order` (declaration order) into supersteps.

    Raises graphlib.CycleError (with the cycle's path in `args[1]`) if the graph has a cycle.
    """
    index = {name: i for i, name in enumerate(order)}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name in order:
        sorter.add(name)
    for src, dst in edges:
        if src in index and dst in index:
            sorter.add(dst, src)
    sorter.prepare()
    supersteps: list[tuple[str, ...]] = []
    while sorter.is_active():
        ready = tuple(sorted(sorter.get_ready(), key=index.__getitem__))
        supersteps.append(ready)
        sorter.done(*ready)
    return Plan(tuple(supersteps))


def strongly_connected(
    order: Sequence[str], edges: Iterable[tuple[str, str]]
) -> list[tuple[str, ...]]:
    """Strongly connected components of the graph over `order` (Tarjan, iterative), each in
    declaration order; edges with an end outside `order` are ignored."""
    index = {name: i for i, name in enumerate(order)}
    successors: dict[str, list[str]] = {name: [] for name in order}
    for src, dst in edges:
        if src in index and dst in index:
            successors[src].append(dst)
    low: dict[str, int] = {}
    number: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []
    for root in order:
        if root in number:
            continue
        work = [(root, iter(successors[root]))]
        number[root] = low[root] = len(number)
        stack.append(root)
        on_stack.add(root)
        while work:
            current, remaining = work[-1]
            advanced = False
            for nxt in remaining:
                if nxt not in number:
                    number[nxt] = low[nxt] = len(number)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(successors[nxt])))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[current] = min(low[current], number[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[current])
            if low[current] == number[current]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == current:
                        break
                found.append(tuple(sorted(members, key=index.__getitem__)))
    return found


def _back_edges(
    order: Sequence[str], edges: Sequence[tuple[str, str]], starts: Sequence[str]
) -> set[tuple[str, str]]:
    """Edges into a node on the depth-first stack, searching from `starts` then every node,
    successors in declaration order: removing them leaves a DAG."""
    index = {name: i for i, name in enumerate(order)}
    successors: dict[str, list[str]] = {name: [] for name in order}
    for src, dst in edges:
        successors[src].append(dst)
    for targets in successors.values():
        targets.sort(key=index.__getitem__)
    state: dict[str, int] = {}  # 1: on the stack, 2: finished
    back: set[tuple[str, str]] = set()
    for root in [*starts, *order]:
        if root in state:
            continue
        state[root] = 1
        work = [(root, iter(successors[root]))]
        while work:
            current, remaining = work[-1]
            for nxt in remaining:
                seen = state.get(nxt)
                if seen == 1:
                    back.add((current, nxt))
                elif seen is None:
                    state[nxt] = 1
                    work.append((nxt, iter(successors[nxt])))
                    break
            else:
                state[current] = 2
                work.pop()
    return back


def build_dynamic_plan(
    order: Sequence[str],
    edges: Iterable[tuple[str, str]],
    gates: Mapping[str, Sequence[str]],
    entrypoints: Sequence[str] = (),
) -> Plan:
    """The plan of a graph with active gates or cycles (API 5.6 P1-P3).

    `gates` maps each active gate to its targets. Components come in topological order,
    ties broken by their smallest declaration index.
    """
    index = {name: i for i, name in enumerate(order)}
    pairs = list(dict.fromkeys((s, d) for s, d in edges if s in index and d in index))
    components = strongly_connected(order, pairs)
    owner = {name: c for c, members in enumerate(components) for name in members}
    preds: list[set[int]] = [set() for _ in components]
    for src, dst in pairs:
        if owner[src] != owner[dst]:
            preds[owner[dst]].add(owner[src])
    succs: list[set[int]] = [set() for _ in components]
    for c, before in enumerate(preds):
        for p in before:
            succs[p].add(c)
    waiting = [len(p) for p in preds]
    heap = [(index[members[0]], c) for c, members in enumerate(components) if not waiting[c]]
    heapq.heapify(heap)
    ordered: list[int] = []
    while heap:
        _, c = heapq.heappop(heap)
        ordered.append(c)
        for s in succs[c]:
            waiting[s] -= 1
            if not waiting[s]:
                heapq.heappush(heap, (index[components[s][0]], s))
    position = {c: i for i, c in enumerate(ordered)}
    starts = [e for e in entrypoints if e in index]
    back = _back_edges(order, pairs, starts)
    forward = [p for p in pairs if p not in back]
    selfloops = {s for s, d in pairs if s == d}
    planned = []
    for c in ordered:
        members = components[c]
        inside = set(members)
        planned.append(
            Component(
                nodes=members,
                cyclic=len(members) > 1 or members[0] in selfloops,
                predecessors=tuple(sorted(position[p] for p in preds[c])),
                supersteps=build_plan(
                    members, [(s, d) for s, d in forward if s in inside and d in inside]
                ).supersteps,
                back_edges=tuple(
                    sorted(
                        ((s, d) for s, d in back if s in inside and d in inside),
                        key=lambda e: (index[e[0]], index[e[1]]),
                    )
                ),
            )
        )
    return Plan(
        supersteps=build_plan(order, forward).supersteps,
        components=tuple(planned),
        gates={g: tuple(t) for g, t in gates.items() if g in index},
        entrypoints=tuple(starts),
    )


def plan_or_cycle(order: Sequence[str], edges: Iterable[tuple[str, str]]) -> Plan | list[str]:
    """The Plan of a DAG, or a cycle's path along its edges, from its first-declared node
    (repeated at the end)."""
    try:
        return build_plan(order, edges)
    except graphlib.CycleError as exc:
        loop = list(exc.args[1][:-1])  # graphlib lists each node before its successor
        index = {name: i for i, name in enumerate(order)}
        first = min(range(len(loop)), key=lambda i: index[loop[i]])
        loop = loop[first:] + loop[:first]
        return [*loop, loop[0]]
