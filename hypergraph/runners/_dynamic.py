"""The execution model of graphs with gates or cycles (API 5.6 R1-R6), shared by both runners.

Pure step logic, no I/O: which nodes are ready, what a gate decided, how outputs advance
versions. The runners' loops (`_dynamic_run`) call the nodes and feed the results back.
"""

from __future__ import annotations

import heapq
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from hypergraph.exceptions import InfiniteLoopError
from hypergraph.nodes.gate import END, GateNode, IfElseNode, is_end_string
from hypergraph.runners._steps import NodeStep, make_call

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph
    from hypergraph.graph.edges import Edge

__all__ = ["DynamicNode", "DynamicPlan", "DynamicState", "decide", "dynamic_plan"]


@dataclass(frozen=True, slots=True)
class DynamicNode:
    """One active node and what its readiness depends on (precomputed once per graph)."""

    name: str
    index: int
    component: int
    step: NodeStep
    gate: GateNode | None
    controllers: tuple[str, ...]
    """Active gates that have this node among their targets."""
    preds: tuple[str, ...]
    """Data and ordering predecessors (itself excluded)."""
    entry: bool
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
    """The runtime view of a dynamic Plan: nodes by component, in topological order."""

    nodes: dict[str, DynamicNode]
    components: tuple[tuple[DynamicNode, ...], ...]
    cyclic: tuple[bool, ...]
    successors: tuple[tuple[int, ...], ...]
    waiting: tuple[int, ...]
    """Number of predecessor components of each component."""
    emitters: dict[str, tuple[str, ...]]
    signals: frozenset[str]
    has_entrypoints: bool
    watchers: dict[str, tuple[DynamicNode, ...]]
    """The nodes watching each name (`DynamicNode.watch`): a new version makes them stale."""
    shared_watchers: dict[tuple[str, str], tuple[DynamicNode, ...]]
    """(writer, shared name) -> the nodes a declared edge from that writer orders after it:
    a new version of the name written by that writer makes them stale (shared mode)."""
    ordered: tuple[DynamicNode, ...]
    """Every node, by `index` (declaration order)."""


def _with_wired_defaults(step: NodeStep, n: Any, wired: set[tuple[str, str]]) -> NodeStep:
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
    changed = replace(step, args=args, optional=step.optional + optional)
    object.__setattr__(changed, "call", make_call(changed))
    return changed


def dynamic_plan(graph: Graph, steps: Sequence[NodeStep]) -> DynamicPlan:
    """Precompute the runtime records of `graph` (whose plan is dynamic) from its steps."""
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
            if step.acall is None:
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
    # DynamicState finds nodes by index and visits a component's nodes sorted by index
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


def decide(gate: GateNode, raw: Any) -> tuple[tuple[str, ...], bool]:
    """Validate a routing function's return value (API 4.2): (targets to run, END chosen)."""
    if isinstance(gate, IfElseNode):
        if type(raw) is not bool:
            raise TypeError(
                f"ifelse gate {gate.name!r} must return True or False, got "
                f"{type(raw).__name__} {raw!r}"
            )
        chosen = [gate.when_true if raw else gate.when_false]
    elif gate.multi_target:
        if raw is None:
            chosen = []
        elif isinstance(raw, _SEQUENCES):
            chosen = [_checked(gate, item) for item in raw]
        else:
            raise TypeError(
                f"route {gate.name!r} has multi_target=True: return a list of targets (or "
                f"None), got {type(raw).__name__} {raw!r}"
            )
    elif raw is None:
        chosen = [gate.fallback] if gate.fallback is not None else []
    elif isinstance(raw, _COLLECTIONS):
        raise TypeError(
            f"route {gate.name!r} returned a {type(raw).__name__} {raw!r}; a single-target "
            "route returns one target name, END or None (use multi_target=True for lists)"
        )
    else:
        chosen = [_checked(gate, raw)]
    if len(chosen) == 1:  # the common case: nothing to deduplicate
        return ((), True) if chosen[0] is END else ((chosen[0],), False)
    ended = any(t is END for t in chosen)
    return tuple(dict.fromkeys(t for t in chosen if t is not END)), ended


# Tuples, not `list | tuple` unions: an isinstance test would build the union on every call
_SEQUENCES = (list, tuple)
_COLLECTIONS = (list, tuple, set, frozenset)


def _checked(gate: GateNode, target: object) -> str:
    if isinstance(target, str) and target is END:
        if END not in gate.targets:  # ending silently would hide a routing bug
            raise ValueError(
                f"route {gate.name!r} returned END, which is not one of its targets "
                f"{gate.targets}; add END to the route's targets to let it end the run"
            )
        return target
    if is_end_string(target):
        if gate.end_string:
            return END
        warnings.warn(
            f"route {gate.name!r} returned the string {target!r}; return the END object "
            "(from hypergraph import END) to end the route",
            UserWarning,
            stacklevel=2,
        )
        raise ValueError(
            f"route {gate.name!r} returned the string {target!r} instead of END; "
            "use `from hypergraph import END`"
        )
    if not isinstance(target, str) or target not in gate.targets:
        raise ValueError(
            f"route {gate.name!r} returned {target!r}, which is not one of its targets "
            f"{gate.targets}"
        )
    return str(target)


class DynamicState:
    """Run state beyond values (R1): versions, consumed versions, runs, gate decisions.

    Readiness is examined only for the nodes that may need to run (R4 (e)), kept in `due`
    per component: a node enters it when it is created (never ran), when a watched name gets
    a new version, or when a decision names it, and leaves it when it runs or when the (e)
    test finds it has nothing to do. Nodes with wait_for signals stay in it for good.
    """

    def __init__(self, plan: DynamicPlan, values: dict[str, Any], provided: Sequence[str]):
        self.plan = plan
        self.values = values
        self.versions: dict[str, int] = dict.fromkeys(provided, 1)
        self.consumed: dict[str, dict[str, int]] = {}
        """Per node with wait_for signals: the signal versions its previous run consumed."""
        self.stale: set[str] = set()
        """Nodes with a watched name re-written (a new version) since their last run."""
        self.runs: dict[str, int] = dict.fromkeys(plan.nodes, 0)
        self.pending: dict[str, set[str]] = {}
        self.forced: set[str] = set()
        """Nodes named by a pending decision (the union of `pending`)."""
        self.ended: set[str] = set()
        self.due: list[set[int]] = [{n.index for n in members} for members in plan.components]
        """Per component, the indexes of a superset of its nodes that pass R4 (e) (see the
        class doc). Indexes, not nodes: hashing a (frozen) DynamicNode hashes every field."""
        self.complete = [False] * len(plan.components)
        self.waiting = list(plan.waiting)
        self.runnable = [c for c, count in enumerate(self.waiting) if not count]
        self.spent = [0] * len(plan.components)
        self.superstep = 0

    # -- readiness (R2-R4) ---------------------------------------------------------------

    def _activated(self, node: DynamicNode, memo: dict[str, bool]) -> bool:
        """4.3: uncontrolled, or permitted by a live decision or an open, unrun gate."""
        if not node.controllers:
            return True
        known = memo.get(node.name)
        if known is not None:
            return known
        memo[node.name] = False  # a loop of gates does not activate itself
        result = False
        for name in node.controllers:
            if node.name in self.pending.get(name, ()):
                result = True
                break
            gate = self.plan.nodes[name]
            assert gate.gate is not None
            if (
                not self.runs[name]
                and not self.runs[node.name]
                and gate.gate.default_open
                and (node.entry or not self.plan.has_entrypoints)
                and self._activated(gate, memo)
            ):
                result = True
                break
        memo[node.name] = result
        return result

    def _ready(self, node: DynamicNode, memo: dict[str, bool]) -> bool:
        """R4 (a)-(d), for a node that passes (e) (see `_ready_in`)."""
        name = node.name
        runs = self.runs
        first = not runs[name]
        if node.gate is not None and name in self.ended:
            return False  # END is sticky: the gate has closed its routes for good
        if node.controllers and not self._activated(node, memo):
            return False
        if not (first and node.entry):
            nodes = self.plan.nodes
            for pred in node.preds:
                if not runs[pred] and self._activated(nodes[pred], memo):
                    return False
        values = self.values
        for needed in node.needs:
            if needed not in values:
                return False
        if node.signals:
            versions = self.versions
            consumed = self.consumed.get(name, _NOTHING)
            for signal in node.signals:
                if signal not in values:
                    return False
                if not first and versions.get(signal, 0) <= consumed.get(signal, 0):
                    return False
        return True

    def _ready_in(self, c: int, memo: dict[str, bool]) -> list[DynamicNode]:
        """The ready nodes of component `c`, in declaration order. Nodes that fail (e)
        leave `due`; examining them has no effect, so the others see the same `memo`."""
        due = self.due[c]
        ordered, runs, forced, stale = self.plan.ordered, self.runs, self.forced, self.stale
        found: list[DynamicNode] = []
        for index in sorted(due) if len(due) > 1 else list(due):
            node = ordered[index]
            name = node.name
            # R4 (e): never ran, named by a pending decision, stale, or waiting for signals
            # (whose freshness `_ready` checks)
            if runs[name] and name not in forced and name not in stale and not node.signals:
                due.discard(index)
            elif self._ready(node, memo):
                found.append(node)
        return found

    def next_batch(self, max_iterations: int) -> list[DynamicNode]:
        """The next superstep's nodes in declaration order (R2-R4); empty: the run is over.

        Components whose nodes are all unready complete and unlock their successors, which
        are examined in the same step. Each cyclic component with ready nodes spends one
        unit of its budget; overspending raises InfiniteLoopError.
        """
        plan = self.plan
        memo: dict[str, bool] = {}
        heap = self.runnable
        if len(heap) > 1:
            heapq.heapify(heap)
        still: list[int] = []
        ready: list[DynamicNode] = []
        while heap:
            c = heapq.heappop(heap)
            found = self._ready_in(c, memo)
            if found:
                still.append(c)
                ready += found
                continue
            self.complete[c] = True
            for s in plan.successors[c]:
                self.waiting[s] -= 1
                if not self.waiting[s]:
                    heapq.heappush(heap, s)
        self.runnable = still
        batch = self._hold_back(ready)
        for c in still if len(still) == 1 else dict.fromkeys(n.component for n in batch):
            if plan.cyclic[c]:
                self.spent[c] += 1
                if self.spent[c] > max_iterations:
                    raise _loop_error(plan.components[c], max_iterations)
        return batch

    def _hold_back(self, ready: list[DynamicNode]) -> list[DynamicNode]:
        """Targets of gates ready this step, and first-time waiters whose signal producer is
        ready, wait for the next step."""
        if len(ready) == 1:  # the common case in loops; only a gate can hold itself back
            gate = ready[0].gate
            return [] if gate is not None and ready[0].name in gate.targets else ready
        names = {n.name for n in ready}
        held: set[str] = set()
        for n in ready:
            if n.gate is not None:
                held.update(n.gate.targets)
            elif n.signals and not self.runs[n.name]:
                producers = (p for s in n.signals for p in self.plan.emitters.get(s, ()))
                if any(p in names and p != n.name for p in producers):
                    held.add(n.name)
        batch = [n for n in ready if n.name not in held] if held else ready
        return sorted(batch, key=_by_index) if len(batch) > 1 else batch

    # -- running a batch (R5) ------------------------------------------------------------

    def start(self, batch: Sequence[DynamicNode]) -> None:
        """Record that the batch runs: consumed versions, run counts, decisions consumed."""
        versions, pending, forced = self.versions, self.pending, self.forced
        decided = False  # whether `pending` changed, so `forced` must be recomputed
        for node in batch:
            name = node.name
            if node.signals:
                self.consumed[name] = {s: versions.get(s, 0) for s in node.signals}
            else:
                self.due[node.component].discard(node.index)
            self.stale.discard(name)
            self.runs[name] += 1
            if name in forced:
                for chosen in pending.values():
                    chosen.discard(name)
                decided = True
            if node.gate is not None and pending.pop(name, None) is not None:
                decided = True
        if decided:
            self.forced = set().union(*pending.values())
        self.superstep += 1

    def apply(self, node: DynamicNode, written: dict[str, Any]) -> None:
        """Write one node's outputs; a version advances if the name is new or the value
        changed (`old != value`; if comparing raises, changed unless it is the same object).
        A new version makes the name's watchers stale."""
        values, versions, signals = self.values, self.versions, self.plan.signals
        watchers = self.plan.watchers
        shared = self.plan.shared_watchers
        for name, value in written.items():
            if name in signals or name not in values:
                changed = True
            else:
                old = values[name]
                try:
                    changed = bool(old != value)
                except Exception:
                    changed = old is not value
            values[name] = value
            if changed:
                versions[name] = versions.get(name, 0) + 1
                for watcher in watchers.get(name, ()):
                    self.stale.add(watcher.name)
                    self.due[watcher.component].add(watcher.index)
                if shared:
                    for watcher in shared.get((node.name, name), ()):
                        self.stale.add(watcher.name)
                        self.due[watcher.component].add(watcher.index)

    def record_decision(self, node: DynamicNode, targets: tuple[str, ...], ended: bool) -> None:
        """A gate's validated decision becomes pending for its targets."""
        self.pending[node.name] = set(targets)
        self.forced.update(targets)
        nodes = self.plan.nodes
        for target in targets:
            record = nodes.get(target)
            if record is not None:  # a target outside the active set never runs
                self.due[record.component].add(record.index)
        if ended:
            self.ended.add(node.name)


_NOTHING: dict[str, int] = {}


def _by_index(node: DynamicNode) -> int:
    return node.index


def _loop_error(component: tuple[DynamicNode, ...], limit: int) -> InfiniteLoopError:
    names = ", ".join(n.name for n in component)
    return InfiniteLoopError(
        limit,
        f"Graph execution exceeded {limit} iterations in the cycle of nodes {names}. "
        "Make the loop's gate route to END, or raise max_iterations",
    )
