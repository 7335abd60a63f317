"""A gate's call in a state's block and the effect of its decision: inline tests of the
common decisions where they are cheap, else ``_decide`` (which raises on an invalid decision,
as the runners do) and ``_which``."""

from __future__ import annotations

from codegen.backends.context import builtin
from codegen.backends.dynamic.body_plan import NodeCode, end_text, gate_call
from codegen.backends.dynamic.machine.sheet import Sheet
from codegen.backends.statements import record
from codegen.render.boolexpr import Term, chain, negate
from codegen.render.boolexpr import statement as bool_statement
from codegen.render.layout import Call, Lit, Name, Raw, statement
from codegen.render.literals import string_literal
from hypergraph.nodes.gate import END, IfElseNode

__all__ = ["GateWriter"]


class GateWriter:
    """Writes gates' calls and classifies their decisions into the index of an outcome."""

    def __init__(self, sheet: Sheet) -> None:
        self.s = sheet

    def gate(self, code: NodeCode, indent: int) -> None:
        """A gate's call; its decision is classified here unless the block defers it."""
        name = code.record.name
        raw = self.s.out_vars.get(code.record.step.outputs[0], code.temps[0])
        call = gate_call(self.s.ctx, code)
        if self.s.held:
            args = tuple(
                (key, Name(self.s.reading(arg.text)) if isinstance(arg, Name) else arg)
                for key, arg in call.args
            )
            call = Call(call.func, args)
        self.s.lines.append(record(self.s.ctx, name, statement(f"{raw} = ", call, indent)))
        if name not in self.s.deferred:
            self.classify(code, raw, indent, self.tests(code, raw))

    def tests(self, code: NodeCode, raw: str, fast: bool = False) -> list[tuple[Term, Term, int]]:
        """Inline tests of the common decisions, with the index of their effect. `fast`: the
        first test is the identity test of the expected decision (the fast loop's path)."""
        name = code.record.name
        node = code.record.gate
        assert node is not None
        effects = self.s.x.outcomes(name)
        active = self.s.b.gates.get(name, ())
        tests: list[tuple[Term, Term, int]] = []
        if isinstance(node, IfElseNode):
            for flag, target in ((True, node.when_true), (False, node.when_false)):
                effect = (tuple(t for t in active if t == target), target is END)
                tests.append((f"{raw} is {flag}", f"{raw} is not {flag}", effects.index(effect)))
        elif not node.multi_target:
            for target in node.targets:
                if target is not END:
                    effect = (tuple(t for t in active if t == target), False)
                    number = effects.index(effect)
                    if fast and not tests and number == 0:  # the expected decision
                        # route functions return string literals, which Python interns like
                        # the module's constant: identity is the common case, and cheapest
                        constant = self.target_constant(target)
                        tests.append((f"{raw} is {constant}", f"{raw} is not {constant}", 0))
                    type_, str_ = builtin(self.s.ctx, "type"), builtin(self.s.ctx, "str")
                    equal = chain(
                        "and", [f"{type_}({raw}) is {str_}", f"{raw} == {string_literal(target)}"]
                    )
                    tests.append((equal, negate(equal), number))
            if END in node.targets:  # otherwise END is refused by _decide, as the runners do
                tests.append((f"{raw} is END", f"{raw} is not END", effects.index(((), True))))
        return tests

    def target_constant(self, target: str) -> str:
        """The module-level constant holding the route target name `target`."""
        if target not in self.s.ctx.targets:
            self.s.ctx.targets[target] = self.s.ctx.locals_.claim(f"_TARGET_{target}")
        return self.s.ctx.targets[target]

    def classify(
        self, code: NodeCode, raw: str, indent: int, tests: list[tuple[Term, Term, int]]
    ) -> None:
        """``index = <effect of the decision>``: inline tests, else _decide (which raises on
        an invalid decision, as the runners do) and _which."""
        name = code.record.name
        index = code.decision
        for position, (test, _, number) in enumerate(tests):
            self.s.lines += bool_statement("if " if position == 0 else "elif ", test, indent, ":")
            self.s.out(indent + 1, f"{index} = {number}")
        if tests:
            self.s.out(indent, "else:")
        kind, targets, fallback = self.s.b.gate_helpers[name]
        node = code.record.gate
        decide = Call(
            "*_decide",
            tuple(
                (None, Raw(text))
                for text in (string_literal(name), end_text(node, raw), kind, targets, fallback)
            ),
        )
        active = self.s.b.gates.get(name, ())
        which = Call(
            "_which",
            (
                (None, decide),
                (None, Lit(active)),
                (None, Lit(self.s.x.outcomes(name))),
            ),
        )
        self.s.lines.append(statement(f"{index} = ", which, indent + 1 if tests else indent))
