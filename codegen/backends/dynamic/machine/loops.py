"""Fast loops: states that repeat along the expected outcomes, written once more as a loop
that charges the budget of a whole round (or two) at once."""

from __future__ import annotations

from codegen.backends.context import builtin
from codegen.backends.dynamic.machine.blocks import BlockWriter
from codegen.backends.dynamic.machine.sheet import PAD, Sheet
from codegen.backends.dynamic.states import changes
from codegen.render.boolexpr import Term, chain
from codegen.render.boolexpr import statement as bool_statement
from codegen.render.literals import LINE_LENGTH

__all__ = ["LoopWriter"]


class LoopWriter:
    """Writes the fast loops, and the refund of budget when a pass is left early."""

    def __init__(self, sheet: Sheet, blocks: BlockWriter) -> None:
        self.s = sheet
        self.blocks = blocks
        self.runs: dict[int, str] = {}
        """Per fast loop (by its first state) with one budget: its round counter's local."""

    def charges(self, loop: list[int]) -> dict[int, int]:
        """Per cyclic component, the budget one round of `loop` spends."""
        charge: dict[int, int] = {}
        for number in loop:
            for c in self.s.m.states[number].spends:
                charge[c] = charge.get(c, 0) + 1
        return charge

    def alternating(self, loop: list[int]) -> dict[str, str]:
        """Values the loop's rounds can alternate between their variable and their temporary
        (value -> temporary): written once per round, to the temporary anyway because the
        write is compared, and read without a fallback default."""
        writes: dict[str, list[str]] = {}  # value -> per write in a round, its temporary
        for number in loop:
            state = self.s.m.states[number]
            assert state.tree is not None
            compared = changes(state.tree)
            for name in state.batch:
                code = self.s.b.nodes[name]
                for value, temp in zip(code.record.step.outputs, code.temps):
                    writes.setdefault(value, []).append(temp if value in compared else "")
        return {
            value: temps[0]
            for value, temps in writes.items()
            if len(temps) == 1 and temps[0]
            if value in self.s.b.read and value not in self.s.b.wired_default
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
        self.s.swapping = self.alternating(loop)
        rounds = 2 if self.s.swapping else 1
        path = " -> ".join(str(n) for n in loop)
        if rounds == 1:
            self.s.out(2, f"# states {path} round after round, while a round fits the budget")
        else:
            self.s.out(2, f"# states {path} two rounds at a time, while two rounds fit the budget")
        self.s.out(2, f"if {self.s.state} == {loop[0]}:")
        if len(charge) == 1:
            ((c, count),) = charge.items()
            spent = self.s.n("spent", str(c))
            run = self.runs[loop[0]] = self.s.ctx.locals_.claim(f"_{spent}_now")
            step = count * rounds
            self.s.out(3, f"{run} = {spent}")
            range_ = builtin(self.s.ctx, "range")
            self.s.out(3, f"for {run} in {range_}({spent} + {step}, {self.s.limit} + 1, {step}):")
        else:
            guard: list[Term] = [
                f"{self.s.n('spent', str(c))} <= {self.s.limit} - {count * rounds}"
                for c, count in sorted(charge.items())
            ]
            self.s.lines += bool_statement("while ", chain("and", guard), 3, ":")
            for c, count in sorted(charge.items()):
                self.s.out(4, f"{self.s.n('spent', str(c))} += {count * rounds}")
        for number in range(rounds):
            if rounds > 1:
                names = ", ".join(self.s.b.values[v] for v in self.s.swapping)
                into = "into their temporaries" if number == 0 else "back into their variables"
                self.s.lines += _comment(f"round {number + 1} of 2: new {names} go {into}", 4)
            for position, state in enumerate(loop):
                self.blocks.block(self.s.m.states[state], 4, (loop, position, rounds - 1 - number))
        assert not self.s.held, "a pass ends with every value in its variable"
        self.s.swapping = {}
        if len(charge) == 1:
            left = "no round" if rounds == 1 else "not two rounds"
            self.s.out(3, f"else:  # {left} left in the budget: on to the checked blocks")
            self.s.out(4, f"{spent} = {run}")

    def leave(self, fast: tuple[list[int], int, int], indent: int, needed: bool) -> None:
        """Leaving a fast pass early: the budget charged for its remaining steps back."""
        loop, position, after = fast
        rest: dict[int, int] = {c: count * after for c, count in self.charges(loop).items()}
        for number in loop[position + 1 :]:
            for c in self.s.m.states[number].spends:
                rest[c] += 1
        run = self.runs.get(loop[0])
        if run is not None:  # the round counter is the budget spent so far
            ((c, _),) = self.charges(loop).items()
            if needed:
                refund = f" - {rest[c]}" if rest.get(c) else ""
                self.s.out(indent, f"{self.s.n('spent', str(c))} = {run}{refund}")
            return
        if needed:
            for c, count in sorted(rest.items()):
                if count:
                    self.s.out(indent, f"{self.s.n('spent', str(c))} -= {count}")


def _comment(text: str, indent: int) -> list[str]:
    """`text` as comment lines at `indent`, wrapped to the line length."""
    start = PAD * indent + "#"
    lines: list[str] = []
    line = start
    for word in text.split():
        if line != start and len(line) + 1 + len(word) > LINE_LENGTH:
            lines.append(line)
            line = start
        line += " " + word
    return [*lines, line]
