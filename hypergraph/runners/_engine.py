"""The step logic of graphs with gates or cycles (API 5.6 R1-R6), shared by both runners.

Pure, no I/O: which nodes are ready, what a gate decided, how outputs advance versions, when a
loop has spent its budget. The runners' loops (`_sync_loop`, `_async_loop`) ask `next_batch`
for the nodes to run, call them their own way, and feed the results back with `apply_done`.
"""

from __future__ import annotations

import heapq
import warnings
from collections.abc import Sequence
from typing import Any

from hypergraph.exceptions import ExecutionError, InfiniteLoopError
from hypergraph.nodes.gate import END, GateNode, IfElseNode, is_end_string
from hypergraph.plan import DynamicNode, DynamicPlan
from hypergraph.runners._execute import store
from hypergraph.runners._steps import PRIVATE, Prepared
from hypergraph.runners.result import FailureEvidence, attach_evidence

__all__ = [
    "Decision",
    "Done",
    "DynamicState",
    "Written",
    "apply_done",
    "decide",
    "new_state",
    "next_batch",
    "outcome",
]

Written = dict[str, Any]
"""The names one node's run wrote, with their values."""
Decision = tuple[tuple[str, ...], bool]
"""A gate's validated decision: (targets to run, END chosen)."""
Done = tuple[DynamicNode, Written, "Decision | None"]
"""A finished node of a batch: what it wrote and, for a gate, what it decided."""


def decide(gate: GateNode, raw: Any) -> Decision:
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


# -- what both runners' loops do around a batch ----------------------------------------------


def new_state(prep: Prepared, values: dict[str, Any]) -> DynamicState:
    """The dynamic state of a run starting from `values` (the given inputs)."""
    plan = prep.wiring.dynamic
    assert plan is not None
    return DynamicState(plan, values, [k for k in values if k not in PRIVATE])


def next_batch(
    state: DynamicState, max_iterations: int, graph_name: str | None
) -> list[DynamicNode]:
    """The next superstep's nodes; an exhausted loop budget becomes a run failure."""
    try:
        return state.next_batch(max_iterations)
    except InfiniteLoopError as exc:
        raise _loop_failure(exc, state, graph_name) from exc


def _loop_failure(
    error: InfiniteLoopError, state: DynamicState, graph_name: str | None
) -> ExecutionError:
    """InfiniteLoopError as a run failure, attributed to the first node of the cycle."""
    cycle = next(
        component
        for c, component in enumerate(state.plan.components)
        if state.plan.cyclic[c] and state.spent[c] > error.max_iterations
    )
    evidence = FailureEvidence(
        node_name=cycle[0].name,
        error=error,
        superstep=state.superstep,
        graph_name=graph_name,
    )
    attach_evidence(error, evidence)
    return ExecutionError(evidence, state.values)


def outcome(node: DynamicNode, result: Any) -> tuple[Written, Decision | None]:
    """A node's writes, and for a gate its validated decision (raises on a bad decision)."""
    decision = decide(node.gate, result) if node.gate is not None else None
    single = node.step.single_output
    if single is not None:  # the result as-is under one name (store would do the same)
        return {single: result}, decision
    written: Written = {}
    store(node.step, result, written)
    return written, decision


def apply_done(state: DynamicState, done: list[Done]) -> None:
    """Apply finished nodes' writes and decisions, in the order given."""
    for node, written, decision in done:
        state.apply(node, written)
        if decision is not None:
            state.record_decision(node, *decision)
