"""The step loop's batch: every node that goes in this step called, reading the state as it
was before the step (sync: in declaration order; async: gates first, inline on the loop, then
the other calls together in one ``_Superstep``)."""

from __future__ import annotations

from collections.abc import Callable

from codegen.backends.context import EmitContext
from codegen.backends.dynamic.body_plan import BodyPlan, NodeCode, end_text, gate_call
from codegen.backends.statements import (
    assign_results,
    call_statement,
    is_direct,
    node_call,
    record,
    task_expr,
)
from codegen.render.boolexpr import Term, chain
from codegen.render.boolexpr import statement as bool_statement
from codegen.render.layout import Call, Raw, statement
from codegen.render.literals import string_literal
from hypergraph.plan import DynamicNode

__all__ = ["BatchWriter"]

_PAD = "    "


class BatchWriter:
    """Writes one batch; `go` names the local that says whether a node runs in this step."""

    def __init__(self, ctx: EmitContext, body: BodyPlan, go: Callable[[str], str]) -> None:
        self.ctx = ctx
        self.b = body
        self.go = go
        self.lines: list[str] = []
        self.tasks: list[str] = []
        """The superstep tasks whose results a later ``if`` block reads."""

    def out(self, indent: int, text: str) -> None:
        self.lines.append(_PAD * indent + text)

    def _records(self) -> list[DynamicNode]:
        return sorted(self.b.plan.nodes.values(), key=lambda r: r.index)

    def write(self) -> list[str]:
        """The batch's statements, at the loop's indentation."""
        self.out(2, "# run the batch: every node reads the state as it was before the step")
        codes = [self.b.nodes[r.name] for r in self._records()]
        if self.ctx.backend == "sync":
            for code in codes:
                self.out(2, f"if {self.go(code.record.name)}:")
                if code.call is None:
                    self.gate_lines(code)
                else:
                    self.lines.append(call_statement(self.ctx, code.call, 3))
            return self.lines
        for code in codes:  # gates decide first, inline on the loop (like AsyncRunner)
            if code.call is None:
                self.out(2, f"if {self.go(code.record.name)}:")
                self.gate_lines(code)
        calls = [c for c in codes if c.call is not None]
        tasks = [c for c in calls if c.call is not None and not is_direct(c.call)]
        if len(tasks) <= 1:
            for code in calls:
                assert code.call is not None
                self.out(2, f"if {self.go(code.record.name)}:")
                self.lines.append(call_statement(self.ctx, code.call, 3))
            return self.lines
        self.ctx.used.add("superstep")
        group = self.ctx.group or self.ctx.locals_.claim("superstep")
        self.ctx.group = group
        for code in calls:  # generators with an output: created on the loop, unstarted
            assert code.call is not None
            if is_direct(code.call):
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
                ((None, task_expr(self.ctx, code.call, node_call(self.ctx, code.call))),),
            )
            self.out(4, f"if {self.go(code.record.name)}:")
            if code.call.outputs:
                task = self.ctx.locals_.claim(f"{code.record.name}_task")
                task_names[code.record.name] = task
                self.tasks.append(task)
                text = statement(f"{task} = ", started, 5)
            else:
                text = statement("", started, 5)
            self.lines.append(record(self.ctx, code.call.path, text))
        for code in tasks:
            assert code.call is not None
            if code.call.outputs:
                self.out(2, f"if {self.go(code.record.name)}:")
                result = Raw(f"{task_names[code.record.name]}.result()")
                self.lines.append(assign_results(self.ctx, code.call, result, 3))
        return self.lines

    def gate_lines(self, code: NodeCode) -> None:
        """A gate's call and its validated decision (``_decide``), at the batch's indent."""
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
