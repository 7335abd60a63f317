"""The state machine's layout: straight code when no state repeats, else a dispatching
``while True`` over the states (identical blocks share a branch) after the fast loops; and
`state_machine`, the entry point."""

from __future__ import annotations

import dataclasses
import re

from codegen.backends.context import EmitContext
from codegen.backends.dynamic.body_plan import BodyPlan
from codegen.backends.dynamic.machine.blocks import BlockWriter
from codegen.backends.dynamic.machine.gates import GateWriter
from codegen.backends.dynamic.machine.loops import LoopWriter
from codegen.backends.dynamic.machine.outcomes import OutcomeWriter
from codegen.backends.dynamic.machine.sheet import PAD, Fast, Sheet, tuple_literal
from codegen.backends.dynamic.states import Bits, Change, Explored, Leaf, Machine, State, leaf_bits
from codegen.render.layout import assignment
from codegen.render.literals import LINE_LENGTH, string_literal

__all__ = ["MachineWriter", "state_machine"]


def state_machine(
    ctx: EmitContext, body: BodyPlan, explored: Explored, limit: str
) -> tuple[list[str], bool]:
    """run()'s statements after the argument check, from its states: the locals the states
    read, then the machine; and whether it is straight code (no state repeats: nested
    if/elif blocks, no dispatching loop)."""
    reads = set(explored.reads)
    body = dataclasses.replace(
        body,
        read=reads,
        wired_default=set(explored.flags),
        declared=[(var, kind) for var, kind in body.declared if _value_of(body, var) in reads],
    )
    writer = MachineWriter(Sheet(ctx, body, explored.explorer, explored.machine, limit))
    lines = writer.write()
    return [*_prologue(body, lines), *lines], writer.inline


class MachineWriter:
    """Lays the states out; owns the other writers, which share its `Sheet`."""

    def __init__(self, sheet: Sheet) -> None:
        self.s = sheet
        self.inline = False
        """Acyclic states: each transition writes its target's block in place."""
        self.gates = GateWriter(sheet)
        self.outcomes = OutcomeWriter(sheet, self.gates, self.leaf)
        self.blocks = BlockWriter(sheet, self.gates, self.outcomes)
        self.loops = LoopWriter(sheet, self.blocks)

    def write(self) -> list[str]:
        """The machine's statements: straight code, or fast loops and a dispatching loop."""
        first = self.s.m.states[0]
        if not first.batch:
            self.terminal(first, 1)
            return self.s.lines
        if self.straight():  # no state repeats: nested if/elif blocks, no dispatching
            self.inline = True
            self.blocks.block(first, 1, None)
            return self.s.lines
        self.s.out(1, f"{self.s.state} = 0")
        self.s.out(1, "while True:")
        for loop in _cycles(self.s.m):
            self.loops.fast_loop(loop)
        groups: list[tuple[list[int], list[str]]] = []  # identical blocks share one branch
        for number, state in enumerate(self.s.m.states):
            if state.batch:
                saved, self.s.lines = self.s.lines, []
                self.blocks.block(state, 3, None)
                block, self.s.lines = self.s.lines, saved
                for numbers, text in groups:
                    if text == block:
                        numbers.append(number)
                        break
                else:
                    groups.append(([number], block))
        for position, (numbers, block) in enumerate(groups):
            keyword = "if" if position == 0 else "elif"
            test = (
                f"== {numbers[0]}" if len(numbers) == 1 else f"in {tuple_literal(tuple(numbers))}"
            )
            self.s.out(2, f"{keyword} {self.s.state} {test}:")
            self.s.lines += block
        return self.s.lines

    def leaf(self, bits: Bits, indent: int, fast: Fast, primary: bool) -> None:
        """Go on to the state `bits`, or end the run there."""
        target = self.s.m.index[bits]
        state = self.s.m.states[target]
        if fast is not None:
            if primary:
                return  # the loop's next block follows (or the next round starts)
            self.loops.leave(fast, indent, needed=bool(state.batch or state.spends))
        if not state.batch:
            self.terminal(state, indent)
            return
        if self.inline:
            self.blocks.block(state, indent, None)
            return
        for value, temp in self.s.swapping.items():  # the checked blocks read the variables
            if value in self.s.held:
                self.s.lines.append(assignment(self.s.b.values[value], temp, indent))
        self.s.out(indent, f"{self.s.state} = {target}")
        self.s.out(indent, "break" if fast is not None else "continue")

    def straight(self) -> bool:
        """Whether the states form no loop and writing every path out stays small."""
        size: dict[int, int] = {}

        def blocks(number: int, seen: frozenset[int]) -> int:
            if number in seen:
                raise RecursionError  # a state that repeats
            if number not in size:
                tree = self.s.m.states[number].tree
                total = 1
                for bits in leaf_bits(tree) if tree is not None else []:
                    target = self.s.m.index[bits]
                    if self.s.m.states[target].batch:
                        total += blocks(target, seen | {number})
                size[number] = total
            return size[number]

        try:
            return blocks(0, frozenset()) <= 4 * len(self.s.m.states) + 8
        except RecursionError:
            return False

    def terminal(self, state: State, indent: int) -> None:
        """The end of the run in `state`: its last budget, then the outputs present."""
        self.s.spend(state.spends, indent)
        fields = []
        for name, _ in self.s.b.results:
            key = f"has:{name}"
            if key not in self.s.b.names or key in state.bits:
                fields.append(f"{string_literal(name)}: {self.s.at(name)}")
        flat = f"{PAD * indent}return {{{', '.join(fields)}}}"
        if len(flat) <= LINE_LENGTH:
            self.s.lines.append(flat)
            return
        self.s.out(indent, "return {")
        for text in fields:
            self.s.out(indent + 1, f"{text},")
        self.s.out(indent, "}")


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


def _value_of(body: BodyPlan, var: str) -> str:
    return next(value for value, local in body.values.items() if local == var)


def _prologue(body: BodyPlan, machine: list[str]) -> list[str]:
    """The state machine's locals: values, fallback flags, and the budgets it spends."""
    lines = [f"    {var}: {kind} = _ABSENT" for var, kind in body.declared]
    lines += [f"    {body.names[f'has:{value}']} = False" for value in sorted(body.wired_default)]
    text = "\n".join(machine)
    for key, local in body.names.items():
        if key.startswith("spent:") and re.search(rf"\b{local}\b", text):
            lines.append(f"    {local} = 0")
    return lines
