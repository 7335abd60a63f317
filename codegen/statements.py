"""Node calls as statements: one per node in the sync back end, task groups in the async one.

Every statement is laid out by ``codegen.layout`` the way ``ruff format`` writes it, and is
recorded with its node so that mypy's complaints can be mapped back to node names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from codegen.annotations import ImportTable
from codegen.layout import Call, Expr, Lit, Name, Raw, statement
from codegen.names import Namespace
from codegen.view import StepView
from hypergraph import ExecutionMode, FunctionNode, Graph
from hypergraph.runners._steps import NodeStep

__all__ = ["EmitContext", "line_map", "superstep_view"]

_MODE = ExecutionMode
Backend = Literal["sync", "async"]


@dataclass
class EmitContext:
    """What the emitter knows while it writes one module."""

    graph: Graph
    backend: Backend
    inline: bool
    table: ImportTable
    locals_: Namespace
    aliases: dict[str, str] = field(default_factory=dict)  # node name -> callable expression
    unwraps: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    statements: list[tuple[str, str]] = field(default_factory=list)  # (node, text)
    group: str = ""  # the local naming the current _Superstep


def _call(ctx: EmitContext, step: NodeStep, fallbacks: dict[tuple[str, str], Expr]) -> Call:
    target = step.node
    assert isinstance(target, FunctionNode)
    args: list[tuple[str | None, Expr]] = []
    for param, name in zip(target.params, target.inputs):
        args.append((param, fallbacks.get((step.name, name), Name(name))))
    return Call(ctx.aliases[step.name], tuple(args))


def _assign(ctx: EmitContext, step: NodeStep, expr: Expr, indent: int = 1) -> str:
    """``out = expr``, ``a, b = _several(expr, ...)`` or the bare expression."""
    if len(step.outputs) == 1:
        return statement(f"{step.outputs[0]} = ", expr, indent)
    if len(step.outputs) > 1:
        ctx.used.add("several")
        checked = Call(
            "_several",
            ((None, expr), (None, Lit(step.name)), (None, Lit(len(step.outputs)))),
        )
        return statement(f"{', '.join(step.outputs)} = ", checked, indent)
    return statement("", expr, indent)


def _awaited(call: Call) -> Call:
    return Call(f"await {call.func}", call.args)


def superstep_view(
    ctx: EmitContext,
    number: int,
    superstep: tuple[NodeStep, ...],
    fallbacks: dict[tuple[str, str], Expr],
) -> StepView:
    lines: list[str] = []
    if ctx.backend == "sync":
        for step in superstep:
            lines.append(_record(ctx, step.name, _sync_statement(ctx, step, fallbacks)))
    else:
        lines.extend(_async_superstep(ctx, superstep, fallbacks))
    return StepView(number, ", ".join(s.name for s in superstep), tuple(lines))


def _record(ctx: EmitContext, node: str, text: str) -> str:
    ctx.statements.append((node, text))
    return text


def _sync_statement(
    ctx: EmitContext, step: NodeStep, fallbacks: dict[tuple[str, str], Expr]
) -> str:
    call = _call(ctx, step, fallbacks)
    if step.mode is _MODE.SYNC_GENERATOR and not step.outputs:
        return statement("for _ in ", call, 1, ":") + "\n        pass"
    return _assign(ctx, step, call)


def _is_direct(step: NodeStep) -> bool:
    """Generators with an output are created on the loop, unstarted: no task needed."""
    return step.mode in (_MODE.SYNC_GENERATOR, _MODE.ASYNC_GENERATOR) and bool(step.outputs)


def _task_expr(ctx: EmitContext, step: NodeStep, call: Call) -> Expr:
    """The coroutine that runs `step` inside a superstep task."""
    mode = step.mode
    if mode is _MODE.ASYNC_FUNCTION:
        return call
    if mode is _MODE.ASYNC_GENERATOR:
        ctx.used.add("drain_async")
        return Call("_drain_async", ((None, call),))
    runner = "_inline" if ctx.inline else "_in_thread"
    ctx.used.add("inline" if ctx.inline else "thread")
    if mode is _MODE.SYNC_GENERATOR:
        ctx.used.add("drain")
        return Call(runner, ((None, Name("_drain")), (None, call)))
    return Call(runner, ((None, Name(call.func)), *call.args))


def _async_single(ctx: EmitContext, step: NodeStep, call: Call) -> str:
    mode = step.mode
    if _is_direct(step):
        return _assign(ctx, step, call)
    if mode is _MODE.ASYNC_FUNCTION:
        return _assign(ctx, step, _awaited(call))
    if mode is _MODE.ASYNC_GENERATOR:
        return statement("async for _ in ", call, 1, ":") + "\n        pass"
    if ctx.inline:
        if mode is _MODE.SYNC_GENERATOR:
            return statement("for _ in ", call, 1, ":") + "\n        pass"
        return _assign(ctx, step, call)
    ctx.used.add("thread")
    if mode is _MODE.SYNC_GENERATOR:
        ctx.used.add("drain")
        return statement("", Call("await _in_thread", ((None, Name("_drain")), (None, call))))
    return _assign(ctx, step, Call("await _in_thread", ((None, Name(call.func)), *call.args)))


def _async_superstep(
    ctx: EmitContext, superstep: tuple[NodeStep, ...], fallbacks: dict[tuple[str, str], Expr]
) -> list[str]:
    calls = [(step, _call(ctx, step, fallbacks)) for step in superstep]
    tasked = [step for step in superstep if not _is_direct(step)]
    if len(tasked) <= 1:
        return [_record(ctx, step.name, _async_single(ctx, step, call)) for step, call in calls]
    ctx.used.add("superstep")
    if not ctx.group:
        ctx.group = ctx.locals_.claim("superstep")
    group = ctx.group
    lines = [f"    async with _Superstep() as {group}:"]
    tasks: dict[str, str] = {}
    for step, call in calls:
        if _is_direct(step):
            continue
        expr = Call(f"{group}.start", ((None, _task_expr(ctx, step, call)),))
        if step.outputs:
            tasks[step.name] = ctx.locals_.claim(f"{step.name}_task")
            lines.append(_record(ctx, step.name, statement(f"{tasks[step.name]} = ", expr, 2)))
        else:
            lines.append(_record(ctx, step.name, statement("", expr, 2)))
    for step, call in calls:
        if _is_direct(step):
            lines.append(_record(ctx, step.name, _assign(ctx, step, call)))
        elif step.outputs:
            lines.append(_assign(ctx, step, Raw(f"{tasks[step.name]}.result()")))
    return lines


def line_map(source: str, statements: list[tuple[str, str]]) -> dict[int, str]:
    """Generated line number (1-based) -> node name, found by scanning in emission order."""
    lines = source.splitlines()
    mapping: dict[int, str] = {}
    cursor = 0
    for node, text in statements:
        first = text.splitlines()[0]
        for index in range(cursor, len(lines)):
            if lines[index] == first:
                for offset in range(len(text.splitlines())):
                    mapping[index + offset + 1] = node
                cursor = index + 1
                break
    return mapping
