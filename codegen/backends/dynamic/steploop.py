"""run()'s body for a gated or cyclic graph: the runners' step loop, written out.

Each pass of the ``while True`` loop is one superstep of ``DynamicState.next_batch`` (API 5.6)
with the plan precomputed: per component (topological order) every node's ready predicate is
an inlined boolean expression over local state (R2, R4: activation, predecessors, needs,
"needs to run"; ``codegen.backends.dynamic.readiness``); targets of ready gates are held back;
every cyclic component with ready nodes spends one unit of its ``max_iterations`` budget (R3);
then the batch runs in declaration order reading the state as it was before the step
(``codegen.backends.dynamic.batch``), and the writes are applied in declaration order with the
``!=`` version rule (R5). The state locals are those of ``codegen.backends.dynamic.body_plan``.
"""

from __future__ import annotations

import re

from codegen.analysis.gated import holders, watching
from codegen.analysis.porttypes import node_output_type
from codegen.backends.context import EmitContext
from codegen.backends.dynamic.batch import BatchWriter
from codegen.backends.dynamic.body_plan import BodyPlan
from codegen.backends.dynamic.readiness import Readiness
from codegen.render.boolexpr import Chain, Term, chain, negate
from codegen.render.boolexpr import statement as bool_statement
from codegen.render.layout import Call, Name, Raw, assignment, declaration, statement
from codegen.render.literals import string_literal
from hypergraph.plan import DynamicNode

__all__ = ["StepWriter", "step_loop"]

_PAD = "    "


class StepWriter:
    """The loop: readiness per component, hold-back, budget, start, the batch, the writes."""

    def __init__(self, ctx: EmitContext, body: BodyPlan) -> None:
        self.ctx = ctx
        self.b = body
        self.plan = body.plan
        self.terms = Readiness(body)
        self.lines: list[str] = []
        self.carried: dict[str, str] = {}
        """Temporaries set in one ``if`` block and read in a later one -> their types: run()
        declares them up front (a checker cannot tell that both blocks test the same flag)."""

    def n(self, *key: str) -> str:
        return self.b.names[":".join(key)]

    def out(self, indent: int, text: str) -> None:
        self.lines.append(_PAD * indent + text)

    # -- the loop ----------------------------------------------------------------------------

    def write(self, max_iterations: str) -> list[str]:
        """The loop's statements (`max_iterations` names run()'s budget)."""
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
        writer = BatchWriter(self.ctx, self.b, self.go)
        self.lines += writer.write()
        for task in writer.tasks:
            self.carried[task] = f"asyncio.Task[{self.ctx.table.name('typing', 'Any')}]"
        self.apply()
        return self.lines

    def _records(self) -> list[DynamicNode]:
        return sorted(self.plan.nodes.values(), key=lambda r: r.index)

    def ready(self, name: str) -> str:
        return self.n("ready", name)

    def go(self, name: str) -> str:
        return self.n("go", name) if f"go:{name}" in self.b.names else self.ready(name)

    def component(self, c: int, members: tuple[DynamicNode, ...], many: bool) -> None:
        """The ready flags of component `c` (skipped once it is done, with several)."""
        indent = 2
        if many:
            preds = self.plan_predecessors(c)
            terms = [f"not {self.n('done', str(c))}", *[self.n("done", str(p)) for p in preds]]
            self.lines += bool_statement("if ", chain("and", list(terms)), 2, ":")
            indent = 3
        for node in members:
            self.lines += bool_statement(
                f"{self.ready(node.name)} = ", self.terms.ready_term(node), indent
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
        """Targets of ready gates, and first-time waiters whose producer is ready, wait."""
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
        """R3: each cyclic component with ready nodes spends one unit, or raises."""
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

    def apply(self) -> None:
        """The batch's writes in declaration order; versions advance on ``!=``."""
        self.out(2, "# apply the writes in declaration order; versions advance on !=")
        for node in self._records():
            code = self.b.nodes[node.name]
            body: list[str] = []
            for value, temp in zip(node.step.outputs, code.temps):
                body += self.write_value(node, value, temp)
            for signal in node.step.emit:  # an emitted signal always advances its version
                if f"ver:{signal}" in self.b.names:
                    body.append(f"{_PAD * 3}{self.n('ver', signal)} += 1")
            if node.gate is not None:
                table = self.ctx.table
                for target in self.b.gates.get(node.name, ()):
                    pick = self.n("pick", node.name, target)
                    body.append(f"{_PAD * 3}{pick} = {string_literal(target)} in {code.decision}")
                if self.b.gates.get(node.name):  # the picks read the decision's targets
                    text = table.name("builtins", "str")
                    self.carried[code.decision] = f"{table.name('builtins', 'tuple')}[{text}, ...]"
                if f"ended:{node.name}" in self.b.names:
                    self.carried[code.ended] = table.name("builtins", "bool")
                    body.append(f"{_PAD * 3}if {code.ended}:")
                    body.append(f"{_PAD * 4}{self.n('ended', node.name)} = True")
            if body:
                self.out(2, f"if {self.go(node.name)}:")
                self.lines += body

    def write_value(self, node: DynamicNode, value: str, temp: str) -> list[str]:
        """One value's write: its version (if watched), its variable, its flag."""
        if not temp:
            return []
        var = self.b.values[value]
        lines: list[str] = []
        pad = _PAD * 3
        has = f"has:{value}" in self.b.names
        if f"ver:{value}" in self.b.names or value in self.b.read:
            kind = node_output_type(node.step.node, value, self.ctx.table)
            self.carried[temp] = kind or self.ctx.table.name("typing", "Any")
        if f"ver:{value}" in self.b.names:
            present = self.n("has", value) if has else "True"
            args = ((None, Name(present)), (None, Name(var)), (None, Name(temp)))
            self.ctx.used.add("changed")
            lines.append(statement("if ", Call("_changed", args), 3, ":"))
            lines.append(f"{pad}{_PAD}{self.n('ver', value)} += 1")
        if value in self.b.read:
            lines.append(assignment(var, temp, 3))
        if has:
            lines.append(f"{pad}{self.n('has', value)} = True")
        return lines


def step_loop(
    ctx: EmitContext, body: BodyPlan, max_iterations: str, seeds: set[str], outputs_type: str
) -> list[str]:
    """run()'s statements after the argument check: the state locals, the loop, the return
    of the outputs present (typed `outputs_type`)."""
    writer = StepWriter(ctx, body)
    loop = writer.write(max_iterations)
    prologue = _prologue(body, loop, seeds, writer.carried)
    return [*prologue, *loop, *_epilogue(ctx, body, outputs_type)]


def _prologue(
    body: BodyPlan, loop: list[str], seeds: set[str], carried: dict[str, str]
) -> list[str]:
    """The step loop's locals (a ``ran_n`` flag only if the `loop` reads it), then the
    `carried` temporaries. An optional seed is present, at version 1, when run() was given it
    (API 5.6 R1)."""
    lines = [declaration(var, kind, "_ABSENT", 1) for var, kind in body.declared]
    text = "\n".join(loop)
    for key, local in body.names.items():
        kind, _, value = key.partition(":")
        if kind == "has" and value in seeds:
            lines.append(f"    {local} = {body.values[value]} is not _ABSENT")
        elif kind == "has":
            lines.append(f"    {local} = False")
        elif kind == "ver" and value in seeds:
            lines.append(f"    {local} = 1 if {body.values[value]} is not _ABSENT else 0")
        elif kind == "ver":
            start = 1 if value in body.present else 0
            lines.append(f"    {local} = {start}")
        elif kind == "ran" and not re.search(rf"\b{local}\b", text):
            continue
        elif kind in ("ran", "pick", "ended", "done"):
            lines.append(f"    {local} = False")
        elif kind in ("seen", "spent"):
            lines.append(f"    {local} = 0")
    lines += [declaration(temp, kind, "_ABSENT", 1) for temp, kind in carried.items()]
    return lines


def _epilogue(ctx: EmitContext, body: BodyPlan, outputs_type: str) -> list[str]:
    result = ctx.locals_.claim("result")
    lines = [f"    {result}: {outputs_type} = {{}}"]
    for name, var in body.results:
        key = f"has:{name}"
        if key in body.names:
            lines.append(f"    if {body.names[key]}:")
            lines.append(assignment(f"{result}[{string_literal(name)}]", var, 2))
        else:
            lines.append(assignment(f"{result}[{string_literal(name)}]", var, 1))
    lines.append(f"    return {result}")
    return lines
