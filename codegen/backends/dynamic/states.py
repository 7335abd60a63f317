"""Structure-specialised emission, part 1: the step loop's states enumerated at compile time.

Everything ``DynamicState.next_batch`` decides from is boolean once versions are read as
"stale" bits (``ver_x > seen_n_x``; for a wait_for signal ``s``, ``ver_s > seen_n_s``: present
and re-emitted since ``n`` ran, set by every emission): which nodes ran, which values are
present, pending decisions, END, completed components. Only node results decide between
successor states: whether a write changed a watched value (``!=``) and what a gate decided.
`explore` walks the reachable abstract states from the start, evaluating the very ready
predicates the step loop writes out (``codegen.backends.dynamic.readiness``), and records per
state its batch, the cyclic components that spend budget, and the tree of outcomes leading to
the next states. ``codegen.backends.dynamic.machine`` writes the result as run()'s body.
Graphs with more than `MAX_STATES` states (or a step with more than `MAX_LEAVES` outcome
combinations) get the step loop instead (`explore` -> None).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.analysis.gated import holders, watching
from codegen.backends.dynamic.body_plan import BodyPlan
from codegen.backends.dynamic.readiness import Readiness
from codegen.render.boolexpr import render
from hypergraph.nodes.gate import END, IfElseNode

__all__ = [
    "MAX_LEAVES",
    "MAX_STATES",
    "Bits",
    "Change",
    "Decide",
    "Explored",
    "Explorer",
    "Leaf",
    "Machine",
    "State",
    "Tree",
    "changes",
    "leaf_bits",
    "explore",
]

MAX_STATES = 48
"""Abstract states beyond which the step loop is emitted instead."""
MAX_LEAVES = 24
"""Outcome combinations of one step beyond which the step loop is emitted instead."""

Bits = frozenset[str]
_PAD = "    "


class TooLarge(Exception):
    pass


@dataclass(frozen=True)
class Leaf:
    bits: Bits


@dataclass(frozen=True)
class Change:
    """A write of a watched value: did it change (``!=``)?"""

    value: str
    temp: str
    yes: Tree
    no: Tree


@dataclass(frozen=True)
class Decide:
    """A gate's decision: one branch per distinct effect (picked active targets, END)."""

    gate: str
    outcomes: tuple[tuple[tuple[str, ...], bool], ...]
    branches: tuple[Tree, ...]


Tree = Leaf | Change | Decide


@dataclass
class State:
    bits: Bits
    batch: tuple[str, ...]
    spends: tuple[int, ...]
    tree: Tree | None = None
    """None: the run ends in this state (after spending its budget)."""


@dataclass
class Machine:
    states: list[State] = field(default_factory=list)
    index: dict[Bits, int] = field(default_factory=dict)


class Explorer:
    def __init__(self, body: BodyPlan) -> None:
        self.b = body
        self.plan = body.plan
        self.records = sorted(self.plan.nodes.values(), key=lambda r: r.index)
        self.terms = {r.name: render(Readiness(body).ready_term(r), top=True) for r in self.records}
        self.preds = [
            [p for p, succ in enumerate(self.plan.successors) if c in succ]
            for c in range(len(self.plan.components))
        ]
        self.watchers: dict[str, list[str]] = {}
        self.waiters: dict[str, list[str]] = {}
        for r in self.records:
            for value in watching(r):
                self.watchers.setdefault(value, []).append(r.name)
            for signal in r.signals:
                self.waiters.setdefault(signal, []).append(r.name)
        self.holders = {r.name: holders(self.plan, r) for r in self.records}

    # -- one step: readiness, hold-back, budget (next_batch) -----------------------------

    def env(self, bits: Bits) -> dict[str, object]:
        """The state locals' values in the abstract state `bits` (versions read as stale bits)."""
        names = self.b.names
        env: dict[str, object] = {}
        for key, local in names.items():
            kind = key.partition(":")[0]
            if kind in ("has", "ran", "pick", "ended", "done"):
                env[local] = key in bits
            elif kind == "ver":
                env[local] = 1
            elif kind == "seen":
                env[local] = 0 if f"stale:{key[5:]}" in bits else 1
        return env

    def step(self, bits: Bits) -> State:
        """The batch of the state `bits` (readiness, hold-back) and the budget it spends."""
        env = self.env(bits)
        ready: dict[str, bool] = {}
        done = set(bits)
        anys: list[bool] = []
        many = len(self.plan.components) > 1
        for c, members in enumerate(self.plan.components):
            runnable = f"done:{c}" not in done and all(f"done:{p}" in done for p in self.preds[c])
            for node in members:
                ready[node.name] = runnable and bool(eval(self.terms[node.name], {}, env))
            found = any(ready[m.name] for m in members)
            anys.append(found)
            if many and runnable and not found:
                done.add(f"done:{c}")
        go = {
            r.name: ready[r.name]
            and not any(ready[g] for g in r.controllers)
            and (f"ran:{r.name}" in bits or not any(ready[p] for p in self.holders[r.name]))
            for r in self.records
        }
        spends = []
        still = sum(anys)
        for c, members in enumerate(self.plan.components):
            if not self.plan.cyclic[c]:
                continue
            if anys[c] and (still == 1 or any(go[m.name] for m in members)):
                spends.append(c)
        batch = tuple(r.name for r in self.records if go[r.name])
        return State(frozenset(done), batch, tuple(spends))

    def start(self, bits: Bits, batch: tuple[str, ...]) -> Bits:
        """`bits` once `batch` starts: ran, consumed versions and decisions (R5)."""
        out = set(bits)
        for name in batch:
            node = self.plan.nodes[name]
            out.add(f"ran:{name}")
            out -= {f"stale:{name}:{v}" for v in (*watching(node), *node.signals)}
            out -= {f"pick:{g}:{name}" for g in node.controllers}
            out -= {f"pick:{name}:{t}" for t in self.b.gates.get(name, ())}
        return frozenset(out)

    # -- outcomes (apply, record_decision) ------------------------------------------------

    def tree(self, bits: Bits, batch: tuple[str, ...]) -> Tree:
        """The tree of outcomes of running `batch` from `bits`."""
        items: list[tuple[str, str, str]] = []
        written = [v for name in batch for v in self.plan.nodes[name].step.outputs]
        if len(written) != len(set(written)):  # two writers of one value in a step
            raise TooLarge
        for name in batch:
            code = self.b.nodes[name]
            node = code.record
            for value, temp in zip(node.step.outputs, code.temps):
                if temp:
                    items.append(("write", value, temp))
            if node.gate is not None:
                items.append(("decide", name, ""))
        emitted = {  # an emitted signal always advances: its waiters see it fresh
            f"stale:{waiter}:{signal}"
            for name in batch
            for signal in self.plan.nodes[name].step.emit
            for waiter in self.waiters.get(signal, ())
        }
        built = self._tree(bits | emitted, items)
        if _leaves(built) > MAX_LEAVES:
            raise TooLarge
        return built

    def _tree(self, bits: Bits, items: list[tuple[str, str, str]]) -> Tree:
        if not items:
            return Leaf(bits)
        (kind, name, temp), rest = items[0], items[1:]
        if kind == "write":
            has = f"has:{name}"
            tracked = has in self.b.names
            after = bits | {has} if tracked else bits
            if f"ver:{name}" not in self.b.names:
                return self._tree(after, rest)
            changed = after | {f"stale:{m}:{name}" for m in self.watchers.get(name, ())}
            if (tracked and has not in bits) or changed == after:  # new, or no-one cares
                return self._tree(changed, rest)
            return Change(name, temp, self._tree(changed, rest), self._tree(after, rest))
        outcomes = self.outcomes(name)
        branches = []
        for picks, ended in outcomes:
            clear = {f"pick:{name}:{t}" for t in self.b.gates.get(name, ())}
            chosen = (bits - clear) | {f"pick:{name}:{t}" for t in picks}
            if ended:
                chosen |= {f"ended:{name}"}
            branches.append(self._tree(frozenset(chosen), rest))
        return Decide(name, outcomes, tuple(branches))

    def outcomes(self, gate: str) -> tuple[tuple[tuple[str, ...], bool], ...]:
        """Every distinct effect a valid decision of `gate` can have, the expected first:
        targets picked (active ones, in target order), then nothing, then END."""
        node = self.plan.nodes[gate].gate
        assert node is not None
        active = self.b.gates.get(gate, ())
        choices: list[list[str]] = []
        if isinstance(node, IfElseNode):
            choices = [[node.when_true], [node.when_false]]
        elif node.multi_target:
            options = list(node.targets)
            if len(options) > 4:
                raise TooLarge
            for mask in range(1 << len(options)):
                choices.append([t for i, t in enumerate(options) if mask >> i & 1])
        else:
            choices = [[t] for t in node.targets] + [[]]  # END only when a target
        effects: dict[tuple[tuple[str, ...], bool], None] = {}
        for chosen in choices:
            picks = tuple(t for t in active if t in chosen)
            effects[(picks, any(t is END for t in chosen))] = None
        return tuple(sorted(effects, key=lambda e: (not e[0], e[1])))

    # -- exploration ---------------------------------------------------------------------

    def explore(self, initial: Bits) -> Machine:
        """Every state reachable from `initial` (TooLarge past the limits)."""
        machine = Machine()
        queue = [initial]
        machine.index[initial] = 0
        while queue:
            bits = queue.pop(0)
            state = self.step(bits)
            machine.states.append(state)
            if not state.batch:
                continue
            state.tree = self.tree(self.start(state.bits, state.batch), state.batch)
            for leaf in leaf_bits(state.tree):
                if leaf not in machine.index:
                    if len(machine.index) >= MAX_STATES:
                        raise TooLarge
                    machine.index[leaf] = len(machine.index)
                    queue.append(leaf)
        return machine


def _leaves(tree: Tree) -> int:
    if isinstance(tree, Leaf):
        return 1
    if isinstance(tree, Change):
        return _leaves(tree.yes) + _leaves(tree.no)
    return sum(_leaves(b) for b in tree.branches)


def leaf_bits(tree: Tree) -> list[Bits]:
    if isinstance(tree, Leaf):
        return [tree.bits]
    if isinstance(tree, Change):
        return leaf_bits(tree.yes) + leaf_bits(tree.no)
    return [bits for branch in tree.branches for bits in leaf_bits(branch)]


def changes(tree: Tree) -> set[str]:
    if isinstance(tree, Leaf):
        return set()
    if isinstance(tree, Change):
        return {tree.value} | changes(tree.yes) | changes(tree.no)
    return set().union(*(changes(b) for b in tree.branches))


@dataclass(frozen=True)
class Explored:
    """A graph's reachable step states, and what running them needs."""

    explorer: Explorer
    machine: Machine
    running: frozenset[str]
    """Nodes that run in some state (the others are never called, nor imported)."""
    reads: frozenset[str]
    """Values some state reads: arguments of running nodes, compared writes, outputs."""
    flags: frozenset[str]
    """Values whose runtime ``has_`` flag a running node's fallback argument reads."""


def explore(body: BodyPlan) -> Explored | None:
    """The state space of `body`'s graph, or None when it is too large to write out."""
    explorer = Explorer(body)
    initial = frozenset(
        [f"stale:{r.name}:{v}" for r in explorer.records for v in watching(r) if v in body.present]
    )
    try:
        machine = explorer.explore(initial)
    except TooLarge:
        return None
    running = {name for state in machine.states for name in state.batch}
    reads: set[str] = set()
    flags: set[str] = set()
    for name in running:
        step = body.nodes[name].record.step
        reads.update(n for _, n in step.args)
        reads.update(n for _, n, _, _ in step.optional)
        flags.update(n for _, n, _, _ in step.optional if n in body.wired_default)
    for state in machine.states:
        if state.tree is not None:
            reads |= changes(state.tree)
        elif state.bits is not None:
            for result, _ in body.results:
                key = f"has:{result}"
                if key not in body.names or key in state.bits:
                    reads.add(result)
    return Explored(explorer, machine, frozenset(running), frozenset(reads), frozenset(flags))
