"""Writing the state machine of `dynamic_states` as run()'s body.

Each reachable state is a block of the dispatching ``while True`` (identical blocks share a
branch): its budget spending, its batch's calls (sync: in declaration order; async: gates
first, then the others together), its writes, and a branch over the outcomes that matter
(a write's ``!=`` change, a gate's decision) ending in ``state = <next>`` or in returning the
outputs present. Loops of states along the expected outcomes are also written as fast loops
that charge a whole round of budget at once, or two rounds whose compared values alternate
between their variable and their temporary (see `_Emitter.fast_loop`).
"""

from __future__ import annotations

import dataclasses
import textwrap

from codegen.analysis.flatten import FlatCall
from codegen.backends.context import EmitContext, builtin
from codegen.backends.statements import call_statement, group_statements, is_direct, record
from codegen.backends.states import (
    Bits,
    Change,
    Decide,
    Explored,
    Explorer,
    Leaf,
    Machine,
    State,
    Tree,
    changes,
    leaf_bits,
)
from codegen.backends.steploop import BodyPlan, NodeCode, end_text, gate_call
from codegen.render.boolexpr import Term, chain, negate
from codegen.render.boolexpr import statement as bool_statement
from codegen.render.layout import Call, Lit, Name, Raw, assignment, statement
from codegen.render.literals import LINE_LENGTH, string_literal
from hypergraph.nodes.gate import END, IfElseNode

__all__ = ["emit_states"]

_PAD = "    "
_RAISED = "comparing raised: changed unless it is the same object"


def _primary(machine: Machine, number: int) -> int | None:
    """The state reached along the expected outcomes (first branches); None: the run ends."""
    tree = machine.states[number].tree
    while tree is not None and not isinstance(tree, Leaf):
        tree = tree.yes if isinstance(tree, Change) else tree.branches[0]
    if tree is None:
        return None
    target = machine.index[tree.bits]
    return target if machine.states[target].batch else None


def _cycles(machine: Machine) -> list[list[int]]:
    """Loops of states along the expected outcomes, each from its first-discovered state."""
    found: list[list[int]] = []
    placed: set[int] = set()
    for start in range(len(machine.states)):
        path: list[int] = []
        current: int | None = start
        while current is not None and current not in path and current not in placed:
            path.append(current)
            current = _primary(machine, current)
        placed.update(path)
        if current is not None and current in path:
            loop = path[path.index(current) :]
            if any(machine.states[n].spends for n in loop):
                found.append(loop)
    return found


# -- emission ----------------------------------------------------------------------------


_Fast = tuple[list[int], int, int] | None
"""In a fast loop: (the loop, this state's position in it, the rounds of the pass after this
one); None in a checked block."""


class _Emitter:
    def __init__(
        self, ctx: EmitContext, body: BodyPlan, explorer: Explorer, machine: Machine, limit: str
    ) -> None:
        self.ctx = ctx
        self.b = body
        self.x = explorer
        self.m = machine
        self.limit = limit
        self.state = ctx.locals_.claim("state")
        self.flags: dict[str, str] = {}
        self.runs: dict[int, str] = {}
        self.lines: list[str] = []
        self.inline = False
        """Acyclic states: each transition writes its target's block in place."""
        self.out_vars: dict[str, str] = {}
        """Per value written in the current block: where its new value is (temp or var)."""
        self.deferred: set[str] = set()
        """Gates of the current block whose decision is classified at the decision."""
        self.swapping: dict[str, str] = {}
        """Values that alternate in the current fast loop: value -> its temporary."""
        self.held: set[str] = set()
        """Alternating values whose current value is in their temporary, not their variable."""

    def n(self, *key: str) -> str:
        return self.b.names[":".join(key)]

    def at(self, value: str) -> str:
        """The local holding `value` now: its variable, or (alternating) its temporary."""
        return self.swapping[value] if value in self.held else self.b.values[value]

    def out(self, indent: int, text: str) -> None:
        self.lines.append(_PAD * indent + text)

    def write(self) -> list[str]:
        first = self.m.states[0]
        if not first.batch:
            self.terminal(first, 1)
            return self.lines
        if self.straight():  # no state repeats: nested if/elif blocks, no dispatching
            self.inline = True
            self.block(first, 1, None)
            return self.lines
        self.out(1, f"{self.state} = 0")
        self.out(1, "while True:")
        for loop in _cycles(self.m):
            self.fast_loop(loop)
        groups: list[tuple[list[int], list[str]]] = []  # identical blocks share one branch
        for number, state in enumerate(self.m.states):
            if state.batch:
                saved, self.lines = self.lines, []
                self.block(state, 3, None)
                block, self.lines = self.lines, saved
                for numbers, text in groups:
                    if text == block:
                        numbers.append(number)
                        break
                else:
                    groups.append(([number], block))
        for position, (numbers, block) in enumerate(groups):
            keyword = "if" if position == 0 else "elif"
            test = f"== {numbers[0]}" if len(numbers) == 1 else f"in {_literal(tuple(numbers))}"
            self.out(2, f"{keyword} {self.state} {test}:")
            self.lines += block
        return self.lines

    # -- a state's block ---------------------------------------------------------------

    def block(self, state: State, indent: int, fast: _Fast) -> None:
        width = LINE_LENGTH - len(_PAD * indent)
        text = f"# batch: {', '.join(state.batch)}"
        for line in textwrap.wrap(text, width, subsequent_indent="#   ", break_long_words=False):
            self.out(indent, line)
        if fast is None:
            self.spend(state.spends, indent)
        assert state.tree is not None
        branching = changes(state.tree)
        self.plan_outputs(state, branching)
        self.deferred = set()
        if len(state.batch) == 1 and self.b.nodes[state.batch[0]].call is None:
            self.deferred = {state.batch[0]}  # a gate alone: classify where it branches
        self.calls(state, indent)
        for name in state.batch:  # writes nothing branches on, in declaration order
            code = self.b.nodes[name]
            for value, temp in zip(code.record.step.outputs, code.temps):
                if temp and value not in branching:
                    self.assign(value, indent)
        self.tree(state.tree, indent, fast, primary=True)
        for value in self.swapping:  # where the round goes on to read them
            if value in branching:
                self.moved(value)

    def plan_outputs(self, state: State, branching: set[str]) -> None:
        """A new value goes straight into its variable unless the old one is still needed:
        for a comparison, or because another node of the batch reads it."""
        self.out_vars = {}
        reads = {
            name: {n for _, n in self.b.nodes[name].record.step.args}
            | {n for _, n, _, _ in self.b.nodes[name].record.step.optional}
            for name in state.batch
        }
        for name in state.batch:
            code = self.b.nodes[name]
            others = set().union(*(reads[o] for o in state.batch if o != name))
            single = len(code.temps) == 1
            for value, temp in zip(code.record.step.outputs, code.temps):
                if not temp:
                    continue
                if value in self.swapping:  # alternating: into the local not holding it
                    self.out_vars[value] = self.b.values[value] if value in self.held else temp
                elif single and value not in self.b.read and code.call is not None:
                    self.out_vars[value] = ""  # nothing reads it: a bare call
                elif single and value in self.b.read and not {value} & (branching | others):
                    self.out_vars[value] = self.b.values[value]
                else:
                    self.out_vars[value] = temp

    def assign(self, value: str, indent: int) -> None:
        if value in self.swapping:  # no copy: the round reads the new value where it is
            self.moved(value)
            return
        var = self.b.values[value]
        if value in self.b.read and self.out_vars[value] not in ("", var):
            self.lines.append(assignment(var, self.out_vars[value], indent))
        if value in self.b.wired_default:
            self.out(indent, f"{self.n('has', value)} = True")

    def spend(self, spends: tuple[int, ...], indent: int) -> None:
        for c in spends:
            spent = self.n("spent", str(c))
            self.out(indent, f"{spent} += 1")
            self.out(indent, f"if {spent} > {self.limit}:")
            error = Call(
                "_loop_error",
                ((None, Name(self.limit)), (None, Raw(string_literal(self.b.loop_messages[c])))),
            )
            self.lines.append(statement("raise ", error, indent + 1))

    def moved(self, value: str) -> None:
        """An alternating value was written: it is now where its new value went."""
        if self.out_vars[value] == self.b.values[value]:
            self.held.discard(value)
        else:
            self.held.add(value)

    def reading(self, var: str) -> str:
        """The local to read for the variable `var`: the temporary when it holds the value."""
        for value in self.held:
            if self.b.values[value] == var:
                return self.swapping[value]
        return var

    def call_of(self, code: NodeCode) -> FlatCall:
        assert code.call is not None
        outputs = code.call.outputs
        if outputs:
            values = [v for v, t in zip(code.record.step.outputs, code.temps) if t]
            outputs = tuple(self.out_vars[v] for v in values if self.out_vars[v])
        args = tuple(dataclasses.replace(a, var=self.reading(a.var)) for a in code.call.args)
        return dataclasses.replace(code.call, args=args, outputs=outputs)

    def calls(self, state: State, indent: int) -> None:
        codes = [self.b.nodes[name] for name in state.batch]
        if self.ctx.backend == "sync":
            for code in codes:
                if code.call is None:
                    self.gate(code, indent)
                else:
                    self.lines.append(call_statement(self.ctx, self.call_of(code), indent))
            return
        for code in codes:  # gates decide first, on the loop
            if code.call is None:
                self.gate(code, indent)
        items = tuple(self.call_of(code) for code in codes if code.call is not None)
        if sum(1 for item in items if not is_direct(item)) <= 1:
            for item in items:
                self.lines.append(call_statement(self.ctx, item, indent))
        else:
            self.lines += group_statements(self.ctx, items, indent, _no_block, _no_closure)

    # -- gates -------------------------------------------------------------------------

    def gate(self, code: NodeCode, indent: int) -> None:
        name = code.record.name
        raw = self.out_vars.get(code.record.step.outputs[0], code.temps[0])
        call = gate_call(self.ctx, code)
        if self.held:
            args = tuple(
                (key, Name(self.reading(arg.text)) if isinstance(arg, Name) else arg)
                for key, arg in call.args
            )
            call = Call(call.func, args)
        self.lines.append(record(self.ctx, name, statement(f"{raw} = ", call, indent)))
        if name not in self.deferred:
            self.classify(code, raw, indent, self.tests(code, raw))

    def tests(self, code: NodeCode, raw: str, fast: bool = False) -> list[tuple[Term, Term, int]]:
        """Inline tests of the common decisions, with the index of their effect. `fast`: the
        first test is the identity test of the expected decision (the fast loop's path)."""
        name = code.record.name
        node = code.record.gate
        assert node is not None
        effects = self.x.outcomes(name)
        active = self.b.gates.get(name, ())
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
                    type_, str_ = builtin(self.ctx, "type"), builtin(self.ctx, "str")
                    equal = chain(
                        "and", [f"{type_}({raw}) is {str_}", f"{raw} == {string_literal(target)}"]
                    )
                    tests.append((equal, negate(equal), number))
            if END in node.targets:  # otherwise END is refused by _decide, as the runners do
                tests.append((f"{raw} is END", f"{raw} is not END", effects.index(((), True))))
        return tests

    def target_constant(self, target: str) -> str:
        """The module-level constant holding the route target name `target`."""
        if target not in self.ctx.targets:
            self.ctx.targets[target] = self.ctx.locals_.claim(f"_TARGET_{target}")
        return self.ctx.targets[target]

    def classify(
        self, code: NodeCode, raw: str, indent: int, tests: list[tuple[Term, Term, int]]
    ) -> None:
        """``index = <effect of the decision>``: inline tests, else _decide (which raises on
        an invalid decision, as the runners do) and _which."""
        name = code.record.name
        index = code.decision
        for position, (test, _, number) in enumerate(tests):
            self.lines += bool_statement("if " if position == 0 else "elif ", test, indent, ":")
            self.out(indent + 1, f"{index} = {number}")
        if tests:
            self.out(indent, "else:")
        kind, targets, fallback = self.b.gate_helpers[name]
        node = code.record.gate
        decide = Call(
            "*_decide",
            tuple(
                (None, Raw(text))
                for text in (string_literal(name), end_text(node, raw), kind, targets, fallback)
            ),
        )
        active = self.b.gates.get(name, ())
        which = Call(
            "_which",
            (
                (None, decide),
                (None, Lit(active)),
                (None, Lit(self.x.outcomes(name))),
            ),
        )
        self.lines.append(statement(f"{index} = ", which, indent + 1 if tests else indent))

    # -- outcomes ----------------------------------------------------------------------

    def tree(self, tree: Tree, indent: int, fast: _Fast, primary: bool) -> None:
        if isinstance(tree, Leaf):
            self.leaf(tree.bits, indent, fast, primary)
        elif isinstance(tree, Change):
            self.change(tree, indent, fast, primary)
        else:
            self.decide(tree, indent, fast, primary)

    def change(self, tree: Change, indent: int, fast: _Fast, primary: bool) -> None:
        var, new = self.at(tree.value), self.out_vars[tree.value]
        # API 5.6 R5: changed if `!=` says so; if comparing raises, unless it is the same object
        changed = f"{var} != {new}"
        if fast is not None and primary and not self.may_raise(tree.no):
            # the expected outcome (changed) falls through; an unchanged value leaves the round
            unchanged = self.render(tree.no, indent + 2, fast, False, first=tree.value)
            self.out(indent, "try:")
            # ruff's SIM202 would turn `not a != b` into `a == b`, which is not the rule
            self.out(indent + 1, f"if not {changed}:  # noqa: SIM202")
            self.lines += unchanged
            self.out(indent, f"except {builtin(self.ctx, 'Exception')}:  # {_RAISED}")
            self.out(indent + 1, f"if {var} is {new}:")
            self.lines += unchanged
            self.assign(tree.value, indent)
            self.tree(tree.yes, indent, fast, primary=True)
            return
        flag = self.flag(tree.value)
        self.out(indent, "try:")
        as_bool = Call(builtin(self.ctx, "bool"), ((None, Raw(changed)),))
        self.lines.append(statement(f"{flag} = ", as_bool, indent + 1))
        self.out(indent, f"except {builtin(self.ctx, 'Exception')}:  # {_RAISED}")
        self.out(indent + 1, f"{flag} = {var} is not {new}")
        self.assign(tree.value, indent)
        yes = self.render(tree.yes, indent + 1, fast, primary)
        no = self.render(tree.no, indent + 1, fast, False)
        if yes == no:
            self.lines += [line[len(_PAD) :] for line in yes]
        elif fast is not None and primary:
            self.out(indent, f"if not {flag}:")
            self.lines += no
            self.lines += [line[len(_PAD) :] for line in yes]
        else:
            self.out(indent, f"if {flag}:")
            self.lines += yes
            self.out(indent, "else:")
            self.lines += no

    def decide(self, tree: Decide, indent: int, fast: _Fast, primary: bool) -> None:
        code = self.b.nodes[tree.gate]
        index = code.decision
        branches = list(enumerate(tree.branches))
        if tree.gate in self.deferred:
            raw = self.out_vars.get(code.record.step.outputs[0], code.temps[0])
            tests = self.tests(code, raw, fast=fast is not None and primary)
            if fast is not None and primary and tests and tests[0][2] == 0:
                # the expected decision falls through; any other leaves the round
                self.lines += bool_statement("if ", tests[0][1], indent, ":")
                self.classify(code, raw, indent + 1, tests[1:])
                self.branches(index, branches[1:], indent + 1, fast, False, exhaustive=False)
                self.tree(branches[0][1], indent, fast, primary=True)
                return
            self.classify(code, raw, indent, tests)
        if fast is not None and primary and len(branches) > 1:
            self.out(indent, f"if {index} != 0:")
            self.branches(index, branches[1:], indent + 1, fast, False)
            self.tree(branches[0][1], indent, fast, primary=True)
            return
        self.branches(index, branches, indent, fast, primary)

    def branches(
        self,
        index: str,
        branches: list[tuple[int, Tree]],
        indent: int,
        fast: _Fast,
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
            self.lines += [line[len(_PAD) :] for line in groups[0][1]]
            return
        for position, (numbers, lines) in enumerate(groups):
            if exhaustive and position == len(groups) - 1:
                self.out(indent, "else:")
            else:
                test = (
                    f"{index} == {numbers[0]}"
                    if len(numbers) == 1
                    else f"{index} in {_literal(tuple(numbers))}"
                )
                self.out(indent, f"{'if' if position == 0 else 'elif'} {test}:")
            self.lines += lines

    def render(
        self, tree: Tree, indent: int, fast: _Fast, primary: bool, first: str = ""
    ) -> list[str]:
        """The lines of `tree` at `indent` (after assigning the value `first`, if given),
        without writing them: where the values are afterwards is left as it was."""
        saved, self.lines = self.lines, []
        held = set(self.held)
        try:
            if first:
                self.assign(first, indent)
            self.tree(tree, indent, fast, primary)
            return self.lines
        finally:
            self.lines = saved
            self.held = held

    def may_raise(self, tree: Tree) -> bool:
        """Whether `tree` reaches the end of the run in a state that spends budget."""
        if isinstance(tree, Leaf):
            state = self.m.states[self.m.index[tree.bits]]
            return not state.batch and bool(state.spends)
        if isinstance(tree, Change):
            return self.may_raise(tree.yes) or self.may_raise(tree.no)
        return any(self.may_raise(b) for b in tree.branches)

    def flag(self, value: str) -> str:
        if value not in self.flags:
            self.flags[value] = self.ctx.locals_.claim(f"changed_{self.b.values[value]}")
        return self.flags[value]

    def leaf(self, bits: Bits, indent: int, fast: _Fast, primary: bool) -> None:
        """Go on to the state `bits`, or end the run there."""
        target = self.m.index[bits]
        state = self.m.states[target]
        if fast is not None:
            if primary:
                return  # the loop's next block follows (or the next round starts)
            self.leave(fast, indent, needed=bool(state.batch or state.spends))
        if not state.batch:
            self.terminal(state, indent)
            return
        if self.inline:
            self.block(state, indent, None)
            return
        for value, temp in self.swapping.items():  # the checked blocks read the variables
            if value in self.held:
                self.lines.append(assignment(self.b.values[value], temp, indent))
        self.out(indent, f"{self.state} = {target}")
        self.out(indent, "break" if fast is not None else "continue")

    def straight(self) -> bool:
        """Whether the states form no loop and writing every path out stays small."""
        size: dict[int, int] = {}

        def blocks(number: int, seen: frozenset[int]) -> int:
            if number in seen:
                raise RecursionError  # a state that repeats
            if number not in size:
                tree = self.m.states[number].tree
                total = 1
                for bits in leaf_bits(tree) if tree is not None else []:
                    target = self.m.index[bits]
                    if self.m.states[target].batch:
                        total += blocks(target, seen | {number})
                size[number] = total
            return size[number]

        try:
            return blocks(0, frozenset()) <= 4 * len(self.m.states) + 8
        except RecursionError:
            return False

    def leave(self, fast: tuple[list[int], int, int], indent: int, needed: bool) -> None:
        """Leaving a fast pass early: the budget charged for its remaining steps back."""
        loop, position, after = fast
        rest: dict[int, int] = {c: count * after for c, count in self.charges(loop).items()}
        for number in loop[position + 1 :]:
            for c in self.m.states[number].spends:
                rest[c] += 1
        run = self.runs.get(loop[0])
        if run is not None:  # the round counter is the budget spent so far
            ((c, _),) = self.charges(loop).items()
            if needed:
                refund = f" - {rest[c]}" if rest.get(c) else ""
                self.out(indent, f"{self.n('spent', str(c))} = {run}{refund}")
            return
        if needed:
            for c, count in sorted(rest.items()):
                if count:
                    self.out(indent, f"{self.n('spent', str(c))} -= {count}")

    def terminal(self, state: State, indent: int) -> None:
        self.spend(state.spends, indent)
        fields = []
        for name, _ in self.b.results:
            key = f"has:{name}"
            if key not in self.b.names or key in state.bits:
                fields.append(f"{string_literal(name)}: {self.at(name)}")
        flat = f"{_PAD * indent}return {{{', '.join(fields)}}}"
        if len(flat) <= LINE_LENGTH:
            self.lines.append(flat)
            return
        self.out(indent, "return {")
        for text in fields:
            self.out(indent + 1, f"{text},")
        self.out(indent, "}")

    # -- fast loops --------------------------------------------------------------------

    def charges(self, loop: list[int]) -> dict[int, int]:
        charge: dict[int, int] = {}
        for number in loop:
            for c in self.m.states[number].spends:
                charge[c] = charge.get(c, 0) + 1
        return charge

    def alternating(self, loop: list[int]) -> dict[str, str]:
        """Values the loop's rounds can alternate between their variable and their temporary
        (value -> temporary): written once per round, to the temporary anyway because the
        write is compared, and read without a fallback default."""
        writes: dict[str, list[str]] = {}  # value -> per write in a round, its temporary
        for number in loop:
            state = self.m.states[number]
            assert state.tree is not None
            compared = changes(state.tree)
            for name in state.batch:
                code = self.b.nodes[name]
                for value, temp in zip(code.record.step.outputs, code.temps):
                    writes.setdefault(value, []).append(temp if value in compared else "")
        return {
            value: temps[0]
            for value, temps in writes.items()
            if len(temps) == 1 and temps[0]
            if value in self.b.read and value not in self.b.wired_default
        }

    def fast_loop(self, loop: list[int]) -> None:
        """The loop's blocks once per round, while a whole round fits the budget: one
        component counts its budget in the ``for`` variable, several in their counters.

        When some compared values can alternate, a pass runs two rounds: the first writes
        their new values into their temporaries and compares with the variables, the second
        writes into the variables and compares with the temporaries, so no round copies them
        (in the first round the values written so far are read from their temporaries, and
        leaving it to a checked block copies them back). A single round left in the budget
        runs in the checked blocks."""
        charge = self.charges(loop)
        self.swapping = self.alternating(loop)
        rounds = 2 if self.swapping else 1
        path = " -> ".join(str(n) for n in loop)
        if rounds == 1:
            self.out(2, f"# states {path} round after round, while a round fits the budget")
        else:
            self.out(2, f"# states {path} two rounds at a time, while two rounds fit the budget")
        self.out(2, f"if {self.state} == {loop[0]}:")
        if len(charge) == 1:
            ((c, count),) = charge.items()
            spent = self.n("spent", str(c))
            run = self.runs[loop[0]] = self.ctx.locals_.claim(f"_{spent}_now")
            step = count * rounds
            self.out(3, f"{run} = {spent}")
            range_ = builtin(self.ctx, "range")
            self.out(3, f"for {run} in {range_}({spent} + {step}, {self.limit} + 1, {step}):")
        else:
            guard: list[Term] = [
                f"{self.n('spent', str(c))} <= {self.limit} - {count * rounds}"
                for c, count in sorted(charge.items())
            ]
            self.lines += bool_statement("while ", chain("and", guard), 3, ":")
            for c, count in sorted(charge.items()):
                self.out(4, f"{self.n('spent', str(c))} += {count * rounds}")
        for number in range(rounds):
            if rounds > 1:
                names = ", ".join(self.b.values[v] for v in self.swapping)
                into = "into their temporaries" if number == 0 else "back into their variables"
                self.lines += _comment(f"round {number + 1} of 2: new {names} go {into}", 4)
            for position, state in enumerate(loop):
                self.block(self.m.states[state], 4, (loop, position, rounds - 1 - number))
        assert not self.held, "a pass ends with every value in its variable"
        self.swapping = {}
        if len(charge) == 1:
            left = "no round" if rounds == 1 else "not two rounds"
            self.out(3, f"else:  # {left} left in the budget: on to the checked blocks")
            self.out(4, f"{spent} = {run}")


def _no_block(ctx: EmitContext, block: object, indent: int) -> list[str]:
    raise AssertionError("nested graphs are refused before emission")


def _no_closure(ctx: EmitContext, block: object, indent: int) -> tuple[list[str], str]:
    raise AssertionError("nested graphs are refused before emission")


def _comment(text: str, indent: int) -> list[str]:
    """`text` as comment lines at `indent`, wrapped to the line length."""
    start = _PAD * indent + "#"
    lines: list[str] = []
    line = start
    for word in text.split():
        if line != start and len(line) + 1 + len(word) > LINE_LENGTH:
            lines.append(line)
            line = start
        line += " " + word
    return [*lines, line]


def _literal(value: object) -> str:
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, bool | int):
        return repr(value)
    assert isinstance(value, str)
    return string_literal(value)


def emit_states(
    ctx: EmitContext, body: BodyPlan, explored: Explored, limit: str
) -> tuple[list[str], bool]:
    """run()'s body from its states (`body` restricted to what the states read), and whether
    it is straight code (no state repeats: nested if/elif blocks, no dispatching loop)."""
    emitter = _Emitter(ctx, body, explored.explorer, explored.machine, limit)
    lines = emitter.write()
    return lines, emitter.inline
