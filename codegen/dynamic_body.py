"""run()'s body for a gated or cyclic graph: the runners' step loop, written out.

Each pass of the ``while True`` loop is one superstep of ``DynamicState.next_batch`` (API 5.6)
with the plan precomputed: per component (topological order) every node's ready predicate is
an inlined boolean expression over local state (R2, R4: activation, predecessors, needs,
"needs to run"); targets of ready gates are held back; every cyclic component with ready
nodes spends one unit of its ``max_iterations`` budget (R3); then the batch runs in
declaration order reading the state as it was before the step, and the writes are applied in
declaration order with the ``!=`` version rule (R5). The state lives in plain locals:

* ``x`` the value, ``has_x`` whether it is present, ``ver_x`` its version (watched names only);
* ``ver_s`` the version of an emit/wait_for signal ``s`` (waited-for signals only): every
  emission advances it, so ``ver_s > seen_n_s`` is "present and re-emitted since ``n`` ran"
  (R4 (d); a node with wait_for signals is always due, R4 (e));
* ``ran_n`` whether node ``n`` ran, ``seen_n_x`` the version of ``x`` (or signal) it consumed;
* ``pick_g_t`` gate ``g``'s pending decision names ``t``; ``ended_g`` the gate returned END;
* ``go_n`` node ``n`` runs in this step: ready and not held back (a target of a ready gate,
  or a first-time waiter whose signal producer is ready);
* ``done_c`` component ``c`` is complete; ``spent_c`` its budget spent (cyclic only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codegen.boolexpr import Chain, Term, chain, negate
from codegen.boolexpr import statement as bool_statement
from codegen.flatten import FlatCall
from codegen.layout import Call, Name, Raw, assignment, statement
from codegen.literals import string_literal
from codegen.statements import (
    EmitContext,
    _assign,
    _call,
    _is_direct,
    _task_expr,
    call_statement,
    record,
)
from hypergraph.nodes.gate import GateNode
from hypergraph.plan import DynamicNode, DynamicPlan

__all__ = [
    "BodyPlan",
    "NodeCode",
    "StepWriter",
    "gate_call",
    "holders",
    "signal_name",
    "watching",
    "write_body",
]

_PAD = "    "


@dataclass
class NodeCode:
    """How one node is called and where its results go."""

    record: DynamicNode
    call: FlatCall | None
    """A function node's call (outputs are the temporaries); None for a gate."""
    gate_call: Call | None = None
    """A gate's call; its function name is a placeholder until the import (`gate_call`)."""
    temps: tuple[str, ...] = ()
    """Per data output, the temporary holding the new value ('' when nothing reads it)."""
    decision: str = ""
    """Gates: the local holding the validated targets."""
    ended: str = ""


@dataclass
class BodyPlan:
    """Everything write_body needs, with every local name already claimed."""

    plan: DynamicPlan
    nodes: dict[str, NodeCode]
    values: dict[str, str]
    """Graph value -> its local variable."""
    present: set[str]
    """Values present from the start (required or bound inputs): no ``has_`` flag."""
    read: set[str]
    """Values some statement reads (arguments, versions, outputs)."""
    results: list[tuple[str, str]]
    """(result name, local variable), in RunResult order."""
    declared: list[tuple[str, str]]
    """(local variable, type) of produced values that are not run() parameters."""
    gates: dict[str, tuple[str, ...]]
    """Gate -> its active targets."""
    gate_helpers: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    """Gate -> the expression of its `_decide` keyword arguments (kind, targets, fallback)."""
    loop_messages: dict[int, str] = field(default_factory=dict)
    """Cyclic component -> its nodes, listed for the InfiniteLoopError message."""
    wired_default: set[str] = field(default_factory=set)
    """Values read with a fallback default when absent (they keep a runtime ``has_`` flag)."""
    names: dict[str, str] = field(default_factory=dict)
    """Claimed state locals, by key ('has:x', 'ver:x', 'ran:n', 'seen:n:x', ...)."""


class StepWriter:
    def __init__(self, ctx: EmitContext, body: BodyPlan) -> None:
        self.ctx = ctx
        self.b = body
        self.plan = body.plan
        self.lines: list[str] = []

    def n(self, *key: str) -> str:
        return self.b.names[":".join(key)]

    def out(self, indent: int, text: str) -> None:
        self.lines.append(_PAD * indent + text)

    # -- readiness -------------------------------------------------------------------------

    def activated(self, node: DynamicNode, stack: tuple[str, ...] = ()) -> Term:
        """4.3 as an expression ('True' when uncontrolled); mirrors DynamicState._activated
        (its memo's guard against loops of gates is the `stack`)."""
        if not node.controllers:
            return "True"
        parts: list[Term] = []
        for gate_name in node.controllers:
            parts.append(self.n("pick", gate_name, node.name))
            gate = self.plan.nodes[gate_name]
            assert gate.gate is not None
            if not gate.gate.default_open or not (node.entry or not self.plan.has_entrypoints):
                continue
            inner = "False" if gate_name in stack else self.activated(gate, (*stack, node.name))
            ran = [f"not {self.n('ran', gate_name)}", f"not {self.n('ran', node.name)}"]
            parts.append(chain("and", [*ran, inner]))
        return chain("or", parts)

    def ready_term(self, node: DynamicNode) -> Term:
        """R4 (a)-(e) as one `and` chain, the cheap "needs to run" test (e) first (a node
        with wait_for signals is always due: its signals' freshness (d) comes first)."""
        ran = self.n("ran", node.name)
        terms: list[Term]
        if node.signals:
            terms = [
                f"{self.n('ver', signal)} > {self.n('seen', node.name, signal)}"
                for signal in node.signals
            ]
        else:
            stale: list[Term] = [f"not {ran}"]
            stale += [self.n("pick", g, node.name) for g in node.controllers]
            stale += [
                f"{self.n('ver', value)} > {self.n('seen', node.name, value)}"
                for value in node.watch
            ]
            terms = [chain("or", stale)]
        if node.gate is not None and f"ended:{node.name}" in self.b.names:
            terms.append(f"not {self.n('ended', node.name)}")
        if node.controllers:
            terms.append(self.activated(node))
        preds: list[Term] = []
        for pred in node.preds:
            active = self.activated(self.plan.nodes[pred])
            preds.append(chain("or", [self.n("ran", pred), negate(active)]))
        if preds and node.entry:  # an entrypoint's first run skips (b)
            terms.append(chain("or", [f"not {ran}", chain("and", preds)]))
        else:
            terms += preds
        terms += [self.n("has", value) for value in node.needs if f"has:{value}" in self.b.names]
        return chain("and", terms)

    # -- the loop ----------------------------------------------------------------------------

    def write(self, max_iterations: str) -> list[str]:
        self.out(1, "while True:")
        many = len(self.plan.components) > 1
        if many:
            self.out(2, "# R2-R4: the ready nodes of every runnable component (topological order)")
        else:
            self.out(2, "# R2-R4: the ready nodes")
        for c, members in enumerate(self.plan.components):
            self.component(c, members, many)
        self.hold_back()
        self.budget(max_iterations)
        batch = [self.go(r.name) for r in self._records()]
        self.lines += bool_statement("if ", negate(chain("or", list(batch))), 2, ":")
        self.out(3, "break")
        self.start()
        self.run_batch()
        self.apply()
        return self.lines

    def _records(self) -> list[DynamicNode]:
        return sorted(self.plan.nodes.values(), key=lambda r: r.index)

    def ready(self, name: str) -> str:
        return self.n("ready", name)

    def go(self, name: str) -> str:
        return self.n("go", name) if f"go:{name}" in self.b.names else self.ready(name)

    def component(self, c: int, members: tuple[DynamicNode, ...], many: bool) -> None:
        indent = 2
        if many:
            preds = self.plan_predecessors(c)
            terms = [f"not {self.n('done', str(c))}", *[self.n("done", str(p)) for p in preds]]
            self.lines += bool_statement("if ", chain("and", list(terms)), 2, ":")
            indent = 3
        for node in members:
            self.lines += bool_statement(
                f"{self.ready(node.name)} = ", self.ready_term(node), indent
            )
        if many:
            names: list[Term] = [self.ready(m.name) for m in members]
            self.lines += bool_statement(f"{self.n('any', str(c))} = ", chain("or", names), 3)
            self.out(3, f"if not {self.n('any', str(c))}:")
            self.out(4, f"{self.n('done', str(c))} = True")
            self.out(2, "else:")
            for node in members:
                self.out(3, f"{self.ready(node.name)} = False")
            self.out(3, f"{self.n('any', str(c))} = False")

    def plan_predecessors(self, c: int) -> list[int]:
        return [p for p, succ in enumerate(self.plan.successors) if c in succ]

    def hold_back(self) -> None:
        held = [r for r in self._records() if f"go:{r.name}" in self.b.names]
        if not held:
            return
        if any(holders(self.plan, r) for r in held):
            self.out(2, "# targets of ready gates, and first-time waiters whose signal producer is")
            self.out(2, "# ready, wait for the next step")
        else:
            self.out(2, "# targets of gates that are ready now wait for the next step")
        for node in held:
            terms: list[Term] = [
                self.ready(node.name),
                *[f"not {self.ready(g)}" for g in node.controllers],
            ]
            producers = holders(self.plan, node)
            if producers:
                busy = chain("or", [self.ready(p) for p in producers])
                terms.append(chain("or", [self.n("ran", node.name), negate(busy)]))
            self.lines += bool_statement(f"{self.go(node.name)} = ", chain("and", terms), 2)

    def budget(self, max_iterations: str) -> None:
        cyclic = [c for c, flag in enumerate(self.plan.cyclic) if flag]
        if not cyclic:
            return
        self.out(2, "# R3: each cyclic component with ready nodes spends one unit of its budget")
        many = len(self.plan.components) > 1
        if many:
            anys: list[Term] = [self.n("any", str(c)) for c in range(len(self.plan.components))]
            self.lines += bool_statement(f"{self.n('still')} = ", Chain("+", tuple(anys)), 2)
        for c in cyclic:
            members = self.plan.components[c]
            if many:  # alone with ready nodes it spends; among several, if it runs
                gos: list[Term] = [f"{self.n('still')} == 1", *[self.go(m.name) for m in members]]
                spends = chain("and", [self.n("any", str(c)), chain("or", gos)])
                self.lines += bool_statement(f"{self.n('spend')} = ", spends, 2)
                self.out(2, f"if {self.n('spend')}:")
            else:
                names: list[Term] = [self.ready(m.name) for m in members]
                self.lines += bool_statement("if ", chain("or", names), 2, ":")
            spent = self.n("spent", str(c))
            self.out(3, f"{spent} += 1")
            self.out(3, f"if {spent} > {max_iterations}:")
            error = Call(
                "_loop_error",
                (
                    (None, Name(max_iterations)),
                    (None, Raw(string_literal(self.b.loop_messages[c]))),
                ),
            )
            self.lines.append(statement("raise ", error, 4))

    def start(self) -> None:
        """Consumed versions, runs, and decisions consumed (DynamicState.start)."""
        self.out(2, "# R5: the batch consumes what it reads; decisions naming it are used up")
        text = "\n".join(self.lines)  # the readiness tests: nothing after them reads ran_n
        for node in self._records():
            ran = self.n("ran", node.name)
            lines = [f"{ran} = True"] if re.search(rf"\b{ran}\b", text) else []
            for value in (*watching(node), *node.signals):
                lines.append(f"{self.n('seen', node.name, value)} = {self.n('ver', value)}")
            for gate in node.controllers:
                lines.append(f"{self.n('pick', gate, node.name)} = False")
            for target in self.b.gates.get(node.name, ()):
                lines.append(f"{self.n('pick', node.name, target)} = False")
            if lines:
                self.out(2, f"if {self.go(node.name)}:")
                self.lines += [_PAD * 3 + line for line in lines]

    def run_batch(self) -> None:
        self.out(2, "# run the batch: every node reads the state as it was before the step")
        codes = [self.b.nodes[r.name] for r in self._records()]
        if self.ctx.backend == "sync":
            for code in codes:
                self.out(2, f"if {self.go(code.record.name)}:")
                if code.call is None:
                    self.gate_lines(code)
                else:
                    self.lines.append(call_statement(self.ctx, code.call, 3))
            return
        for code in codes:  # gates decide first, inline on the loop (like AsyncRunner)
            if code.call is None:
                self.out(2, f"if {self.go(code.record.name)}:")
                self.gate_lines(code)
        calls = [c for c in codes if c.call is not None]
        tasks = [c for c in calls if c.call is not None and not _is_direct(c.call)]
        if len(tasks) <= 1:
            for code in calls:
                assert code.call is not None
                self.out(2, f"if {self.go(code.record.name)}:")
                self.lines.append(call_statement(self.ctx, code.call, 3))
            return
        self.ctx.used.add("superstep")
        group = self.ctx.group or self.ctx.locals_.claim("superstep")
        self.ctx.group = group
        for code in calls:  # generators with an output: created on the loop, unstarted
            assert code.call is not None
            if _is_direct(code.call):
                self.out(2, f"if {self.go(code.record.name)}:")
                self.lines.append(call_statement(self.ctx, code.call, 3))
        running: list[Term] = [self.go(c.record.name) for c in tasks]
        self.lines += bool_statement("if ", chain("or", running), 2, ":")
        self.out(3, f"async with _Superstep() as {group}:")
        task_names: dict[str, str] = {}
        for code in tasks:
            assert code.call is not None
            started = Call(
                f"{group}.start",
                ((None, _task_expr(self.ctx, code.call, _call(self.ctx, code.call))),),
            )
            self.out(4, f"if {self.go(code.record.name)}:")
            if code.call.outputs:
                task = self.ctx.locals_.claim(f"{code.record.name}_task")
                task_names[code.record.name] = task
                text = statement(f"{task} = ", started, 5)
            else:
                text = statement("", started, 5)
            self.lines.append(record(self.ctx, code.call.path, text))
        for code in tasks:
            assert code.call is not None
            if code.call.outputs:
                self.out(2, f"if {self.go(code.record.name)}:")
                result = Raw(f"{task_names[code.record.name]}.result()")
                self.lines.append(_assign(self.ctx, code.call, result, 3))

    def gate_lines(self, code: NodeCode) -> None:
        assert code.gate_call is not None
        name = code.record.name
        raw = code.temps[0] or self.ctx.locals_.claim(f"{name}_raw")
        text = statement(f"{raw} = ", gate_call(self.ctx, code), 3)
        self.lines.append(record(self.ctx, name, text))
        kind, targets, fallback = self.b.gate_helpers[name]
        decide = Call(
            "_decide",
            (
                (None, Raw(string_literal(name))),
                (None, Raw(end_text(code.record.gate, raw))),
                (None, Raw(kind)),
                (None, Raw(targets)),
                (None, Raw(fallback)),
            ),
        )
        ended = code.ended if f"ended:{name}" in self.b.names else "_"
        self.lines.append(statement(f"{code.decision}, {ended} = ", decide, 3))

    def apply(self) -> None:
        self.out(2, "# apply the writes in declaration order; versions advance on !=")
        for node in self._records():
            code = self.b.nodes[node.name]
            body: list[str] = []
            for value, temp in zip(node.step.outputs, code.temps):
                body += self.write_value(value, temp)
            for signal in node.step.emit:  # an emitted signal always advances its version
                if f"ver:{signal}" in self.b.names:
                    body.append(f"{_PAD * 3}{self.n('ver', signal)} += 1")
            if node.gate is not None:
                for target in self.b.gates.get(node.name, ()):
                    pick = self.n("pick", node.name, target)
                    body.append(f"{_PAD * 3}{pick} = {string_literal(target)} in {code.decision}")
                if f"ended:{node.name}" in self.b.names:
                    body.append(f"{_PAD * 3}if {code.ended}:")
                    body.append(f"{_PAD * 4}{self.n('ended', node.name)} = True")
            if body:
                self.out(2, f"if {self.go(node.name)}:")
                self.lines += body

    def write_value(self, value: str, temp: str) -> list[str]:
        if not temp:
            return []
        var = self.b.values[value]
        lines: list[str] = []
        pad = _PAD * 3
        has = f"has:{value}" in self.b.names
        if f"ver:{value}" in self.b.names:
            present = self.n("has", value) if has else "True"
            args = ((None, Name(present)), (None, Name(var)), (None, Name(temp)))
            lines.append(statement("if ", Call("_changed", args), 3, ":"))
            lines.append(f"{pad}{_PAD}{self.n('ver', value)} += 1")
        if value in self.b.read:
            lines.append(assignment(var, temp, 3))
        if has:
            lines.append(f"{pad}{self.n('has', value)} = True")
        return lines


def holders(plan: DynamicPlan, node: DynamicNode) -> tuple[str, ...]:
    """The producers of `node`'s wait_for signals (itself excluded) whose readiness holds it
    back while it has not run (DynamicState._hold_back; a gate is never held back so)."""
    if node.gate is not None or not node.signals:
        return ()
    found = (p for s in node.signals for p in plan.emitters.get(s, ()) if p != node.name)
    return tuple(dict.fromkeys(found))


def watching(node: DynamicNode) -> tuple[str, ...]:
    """The values whose new versions make `node` stale: none for a node with wait_for
    signals, which is always due (R4 (e)) and re-runs on fresh signals only (R4 (d))."""
    return () if node.signals else node.watch


def signal_name(signal: str) -> str:
    """An identifier fragment standing for a signal in local names (``ver_<it>``)."""
    return re.sub(r"[^0-9A-Za-z_]", "_", signal.replace(".", "__"))


def end_text(gate: GateNode | None, raw: str) -> str:
    """`_decide`'s raw argument: read through `_end_text` when the gate's function returns
    the string "END" for END (a gate declared in a spec on a plain function)."""
    if gate is None or not gate.end_string:
        return raw
    return f"_end_text({raw}, {gate.multi_target})"


def gate_call(ctx: EmitContext, code: NodeCode) -> Call:
    """The routing function's call (its alias is known once the function is imported)."""
    assert code.gate_call is not None
    return Call(ctx.aliases[code.record.name], code.gate_call.args)


def write_body(ctx: EmitContext, body: BodyPlan, max_iterations: str) -> list[str]:
    """The statements of run() from the state declarations to the end of the loop."""
    return StepWriter(ctx, body).write(max_iterations)
