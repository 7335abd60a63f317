"""What the state machine's writers share: the lines written so far and where each value
lives now (its variable, or in a fast loop its temporary)."""

from __future__ import annotations

from collections.abc import Callable

from codegen.backends.context import EmitContext
from codegen.backends.dynamic.body_plan import BodyPlan
from codegen.backends.dynamic.states import Bits, Explorer, Machine
from codegen.render.layout import Call, Name, Raw, assignment, statement
from codegen.render.literals import string_literal

__all__ = ["PAD", "Fast", "GoTo", "Sheet", "tuple_literal"]

PAD = "    "

Fast = tuple[list[int], int, int] | None
"""In a fast loop: (the loop, this state's position in it, the rounds of the pass after this
one); None in a checked block."""

GoTo = Callable[[Bits, int, Fast, bool], None]
"""Writes what follows an outcome: go on to the state of these bits, or end the run there
(arguments: the bits, the indentation, the fast loop, whether on the expected path)."""


class Sheet:
    """The output and the value locations of one state machine being written."""

    def __init__(
        self, ctx: EmitContext, body: BodyPlan, explorer: Explorer, machine: Machine, limit: str
    ) -> None:
        self.ctx = ctx
        self.b = body
        self.x = explorer
        self.m = machine
        self.limit = limit
        self.state = ctx.locals_.claim("state")
        """The local numbering the current state of the dispatching loop."""
        self.flags: dict[str, str] = {}
        self.lines: list[str] = []
        self.out_vars: dict[str, str] = {}
        """Per value written in the current block: where its new value is (temp or var)."""
        self.deferred: set[str] = set()
        """Gates of the current block whose decision is classified at the decision."""
        self.swapping: dict[str, str] = {}
        """Values that alternate in the current fast loop: value -> its temporary."""
        self.held: set[str] = set()
        """Alternating values whose current value is in their temporary, not their variable."""

    def n(self, *key: str) -> str:
        """The state local of `key` (``n("ran", node)``: the local for "ran:node")."""
        return self.b.names[":".join(key)]

    def at(self, value: str) -> str:
        """The local holding `value` now: its variable, or (alternating) its temporary."""
        return self.swapping[value] if value in self.held else self.b.values[value]

    def out(self, indent: int, text: str) -> None:
        """Write one line at `indent`."""
        self.lines.append(PAD * indent + text)

    def reading(self, var: str) -> str:
        """The local to read for the variable `var`: the temporary when it holds the value."""
        for value in self.held:
            if self.b.values[value] == var:
                return self.swapping[value]
        return var

    def moved(self, value: str) -> None:
        """An alternating value was written: it is now where its new value went."""
        if self.out_vars[value] == self.b.values[value]:
            self.held.discard(value)
        else:
            self.held.add(value)

    def assign(self, value: str, indent: int) -> None:
        """The new value of `value` into its variable, where something reads it (and its
        presence flag); an alternating value stays where it was written."""
        if value in self.swapping:  # no copy: the round reads the new value where it is
            self.moved(value)
            return
        var = self.b.values[value]
        if value in self.b.read and self.out_vars[value] not in ("", var):
            self.lines.append(assignment(var, self.out_vars[value], indent))
        if value in self.b.wired_default:
            self.out(indent, f"{self.n('has', value)} = True")

    def flag(self, value: str) -> str:
        """The local holding whether the write of `value` changed it (claimed once)."""
        if value not in self.flags:
            self.flags[value] = self.ctx.locals_.claim(f"changed_{self.b.values[value]}")
        return self.flags[value]

    def spend(self, spends: tuple[int, ...], indent: int) -> None:
        """Charge one unit of budget to each cyclic component in `spends` (R3), or raise."""
        for c in spends:
            spent = self.n("spent", str(c))
            self.out(indent, f"{spent} += 1")
            self.out(indent, f"if {spent} > {self.limit}:")
            error = Call(
                "_loop_error",
                ((None, Name(self.limit)), (None, Raw(string_literal(self.b.loop_messages[c])))),
            )
            self.lines.append(statement("raise ", error, indent + 1))


def tuple_literal(value: object) -> str:
    """A tuple of ints, bools and strings (state numbers, target names) as source text."""
    if isinstance(value, tuple):
        inner = ", ".join(tuple_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, bool | int):
        return repr(value)
    assert isinstance(value, str)
    return string_literal(value)
