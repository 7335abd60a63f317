"""The branches over a state's outcomes: a compared write (``!=``, with the runners' rule
when comparing raises) and a gate's decision, down to what follows each (`GoTo`)."""

from __future__ import annotations

from codegen.backends.context import builtin
from codegen.backends.dynamic.machine.gates import GateWriter
from codegen.backends.dynamic.machine.sheet import PAD, Fast, GoTo, Sheet, tuple_literal
from codegen.backends.dynamic.states import Change, Decide, Leaf, Tree
from codegen.render.boolexpr import statement as bool_statement
from codegen.render.layout import Call, Raw, statement

__all__ = ["OutcomeWriter"]

_RAISED = "comparing raised: changed unless it is the same object"


class OutcomeWriter:
    """Writes the tree of outcomes after a state's calls; `goto` writes each leaf."""

    def __init__(self, sheet: Sheet, gates: GateWriter, goto: GoTo) -> None:
        self.s = sheet
        self.gates = gates
        self.goto = goto

    def tree(self, tree: Tree, indent: int, fast: Fast, primary: bool) -> None:
        """The outcomes of `tree` at `indent`, down to what follows each leaf."""
        if isinstance(tree, Leaf):
            self.goto(tree.bits, indent, fast, primary)
        elif isinstance(tree, Change):
            self.change(tree, indent, fast, primary)
        else:
            self.decide(tree, indent, fast, primary)

    def change(self, tree: Change, indent: int, fast: Fast, primary: bool) -> None:
        """A compared write: changed (the expected outcome) or not (API 5.6 R5)."""
        var, new = self.s.at(tree.value), self.s.out_vars[tree.value]
        # API 5.6 R5: changed if `!=` says so; if comparing raises, unless it is the same object
        changed = f"{var} != {new}"
        if fast is not None and primary and not self.may_raise(tree.no):
            # the expected outcome (changed) falls through; an unchanged value leaves the round
            unchanged = self.render(tree.no, indent + 2, fast, False, first=tree.value)
            self.s.out(indent, "try:")
            # ruff's SIM202 would turn `not a != b` into `a == b`, which is not the rule
            self.s.out(indent + 1, f"if not {changed}:  # noqa: SIM202")
            self.s.lines += unchanged
            self.s.out(indent, f"except {builtin(self.s.ctx, 'Exception')}:  # {_RAISED}")
            self.s.out(indent + 1, f"if {var} is {new}:")
            self.s.lines += unchanged
            self.s.assign(tree.value, indent)
            self.tree(tree.yes, indent, fast, primary=True)
            return
        flag = self.s.flag(tree.value)
        self.s.out(indent, "try:")
        as_bool = Call(builtin(self.s.ctx, "bool"), ((None, Raw(changed)),))
        self.s.lines.append(statement(f"{flag} = ", as_bool, indent + 1))
        self.s.out(indent, f"except {builtin(self.s.ctx, 'Exception')}:  # {_RAISED}")
        self.s.out(indent + 1, f"{flag} = {var} is not {new}")
        self.s.assign(tree.value, indent)
        yes = self.render(tree.yes, indent + 1, fast, primary)
        no = self.render(tree.no, indent + 1, fast, False)
        if yes == no:
            self.s.lines += [line[len(PAD) :] for line in yes]
        elif fast is not None and primary:
            self.s.out(indent, f"if not {flag}:")
            self.s.lines += no
            self.s.lines += [line[len(PAD) :] for line in yes]
        else:
            self.s.out(indent, f"if {flag}:")
            self.s.lines += yes
            self.s.out(indent, "else:")
            self.s.lines += no

    def decide(self, tree: Decide, indent: int, fast: Fast, primary: bool) -> None:
        """A gate's decision: one branch per distinct effect."""
        code = self.s.b.nodes[tree.gate]
        index = code.decision
        branches = list(enumerate(tree.branches))
        if tree.gate in self.s.deferred:
            raw = self.s.out_vars.get(code.record.step.outputs[0], code.temps[0])
            tests = self.gates.tests(code, raw, fast=fast is not None and primary)
            if fast is not None and primary and tests and tests[0][2] == 0:
                # the expected decision falls through; any other leaves the round
                self.s.lines += bool_statement("if ", tests[0][1], indent, ":")
                self.gates.classify(code, raw, indent + 1, tests[1:])
                self.branches(index, branches[1:], indent + 1, fast, False, exhaustive=False)
                self.tree(branches[0][1], indent, fast, primary=True)
                return
            self.gates.classify(code, raw, indent, tests)
        if fast is not None and primary and len(branches) > 1:
            self.s.out(indent, f"if {index} != 0:")
            self.branches(index, branches[1:], indent + 1, fast, False)
            self.tree(branches[0][1], indent, fast, primary=True)
            return
        self.branches(index, branches, indent, fast, primary)

    def branches(
        self,
        index: str,
        branches: list[tuple[int, Tree]],
        indent: int,
        fast: Fast,
        primary: bool,
        exhaustive: bool = True,
    ) -> None:
        """One block per distinct code; the last group is the ``else`` when `exhaustive`."""
        groups: list[tuple[list[int], list[str]]] = []
        for number, branch in branches:
            lines = self.render(branch, indent + 1, fast, primary and number == 0)
            for numbers, text in groups:
                if text == lines:
                    numbers.append(number)
                    break
            else:
                groups.append(([number], lines))
        if exhaustive and len(groups) == 1:
            self.s.lines += [line[len(PAD) :] for line in groups[0][1]]
            return
        for position, (numbers, lines) in enumerate(groups):
            if exhaustive and position == len(groups) - 1:
                self.s.out(indent, "else:")
            else:
                test = (
                    f"{index} == {numbers[0]}"
                    if len(numbers) == 1
                    else f"{index} in {tuple_literal(tuple(numbers))}"
                )
                self.s.out(indent, f"{'if' if position == 0 else 'elif'} {test}:")
            self.s.lines += lines

    def render(
        self, tree: Tree, indent: int, fast: Fast, primary: bool, first: str = ""
    ) -> list[str]:
        """The lines of `tree` at `indent` (after assigning the value `first`, if given),
        without writing them: where the values are afterwards is left as it was."""
        saved, self.s.lines = self.s.lines, []
        held = set(self.s.held)
        try:
            if first:
                self.s.assign(first, indent)
            self.tree(tree, indent, fast, primary)
            return self.s.lines
        finally:
            self.s.lines = saved
            self.s.held = held

    def may_raise(self, tree: Tree) -> bool:
        """Whether `tree` reaches the end of the run in a state that spends budget."""
        if isinstance(tree, Leaf):
            state = self.s.m.states[self.s.m.index[tree.bits]]
            return not state.batch and bool(state.spends)
        if isinstance(tree, Change):
            return self.may_raise(tree.yes) or self.may_raise(tree.no)
        return any(self.may_raise(b) for b in tree.branches)
