"""A state's block: its budget, its batch's calls (sync: in declaration order; async: gates
first, then the others together), the writes nothing branches on, then its outcomes."""

from __future__ import annotations

import dataclasses
import textwrap

from codegen.analysis.flatten import FlatCall
from codegen.backends.context import EmitContext
from codegen.backends.dynamic.body_plan import NodeCode
from codegen.backends.dynamic.machine.gates import GateWriter
from codegen.backends.dynamic.machine.outcomes import OutcomeWriter
from codegen.backends.dynamic.machine.sheet import PAD, Fast, Sheet
from codegen.backends.dynamic.states import State, changes
from codegen.backends.statements import call_statement, group_statements, is_direct
from codegen.render.literals import LINE_LENGTH

__all__ = ["BlockWriter"]


class BlockWriter:
    """Writes the block of one state at a given indentation."""

    def __init__(self, sheet: Sheet, gates: GateWriter, outcomes: OutcomeWriter) -> None:
        self.s = sheet
        self.gates = gates
        self.outcomes = outcomes

    def block(self, state: State, indent: int, fast: Fast) -> None:
        """The block of `state` at `indent`: budget, calls, writes, then its outcomes."""
        width = LINE_LENGTH - len(PAD * indent)
        text = f"# batch: {', '.join(state.batch)}"
        for line in textwrap.wrap(text, width, subsequent_indent="#   ", break_long_words=False):
            self.s.out(indent, line)
        if fast is None:
            self.s.spend(state.spends, indent)
        assert state.tree is not None
        branching = changes(state.tree)
        self.plan_outputs(state, branching)
        self.s.deferred = set()
        if len(state.batch) == 1 and self.s.b.nodes[state.batch[0]].call is None:
            self.s.deferred = {state.batch[0]}  # a gate alone: classify where it branches
        self.calls(state, indent)
        for name in state.batch:  # writes nothing branches on, in declaration order
            code = self.s.b.nodes[name]
            for value, temp in zip(code.record.step.outputs, code.temps):
                if temp and value not in branching:
                    self.s.assign(value, indent)
        self.outcomes.tree(state.tree, indent, fast, primary=True)
        for value in self.s.swapping:  # where the round goes on to read them
            if value in branching:
                self.s.moved(value)

    def plan_outputs(self, state: State, branching: set[str]) -> None:
        """A new value goes straight into its variable unless the old one is still needed:
        for a comparison, or because another node of the batch reads it."""
        self.s.out_vars = {}
        reads = {
            name: {n for _, n in self.s.b.nodes[name].record.step.args}
            | {n for _, n, _, _ in self.s.b.nodes[name].record.step.optional}
            for name in state.batch
        }
        for name in state.batch:
            code = self.s.b.nodes[name]
            others = set().union(*(reads[o] for o in state.batch if o != name))
            single = len(code.temps) == 1
            for value, temp in zip(code.record.step.outputs, code.temps):
                if not temp:
                    continue
                if value in self.s.swapping:  # alternating: into the local not holding it
                    self.s.out_vars[value] = (
                        self.s.b.values[value] if value in self.s.held else temp
                    )
                elif single and value not in self.s.b.read and code.call is not None:
                    self.s.out_vars[value] = ""  # nothing reads it: a bare call
                elif single and value in self.s.b.read and not {value} & (branching | others):
                    self.s.out_vars[value] = self.s.b.values[value]
                else:
                    self.s.out_vars[value] = temp

    def call_of(self, code: NodeCode) -> FlatCall:
        """`code`'s call with its outputs where this block puts them and its arguments
        read from where the values are now."""
        assert code.call is not None
        outputs = code.call.outputs
        if outputs:
            values = [v for v, t in zip(code.record.step.outputs, code.temps) if t]
            outputs = tuple(self.s.out_vars[v] for v in values if self.s.out_vars[v])
        args = tuple(dataclasses.replace(a, var=self.s.reading(a.var)) for a in code.call.args)
        return dataclasses.replace(code.call, args=args, outputs=outputs)

    def calls(self, state: State, indent: int) -> None:
        """The batch's calls: sync in declaration order; async gates first, then the rest."""
        codes = [self.s.b.nodes[name] for name in state.batch]
        if self.s.ctx.backend == "sync":
            for code in codes:
                if code.call is None:
                    self.gates.gate(code, indent)
                else:
                    self.s.lines.append(call_statement(self.s.ctx, self.call_of(code), indent))
            return
        for code in codes:  # gates decide first, on the loop
            if code.call is None:
                self.gates.gate(code, indent)
        items = tuple(self.call_of(code) for code in codes if code.call is not None)
        if sum(1 for item in items if not is_direct(item)) <= 1:
            for item in items:
                self.s.lines.append(call_statement(self.s.ctx, item, indent))
        else:
            self.s.lines += group_statements(self.s.ctx, items, indent, _no_block, _no_closure)


def _no_block(ctx: EmitContext, block: object, indent: int) -> list[str]:
    raise AssertionError("nested graphs are refused before emission")


def _no_closure(ctx: EmitContext, block: object, indent: int) -> tuple[list[str], str]:
    raise AssertionError("nested graphs are refused before emission")
