"""Node calls as statements: one per node in the sync back end, task groups in the async one.

Every statement is laid out by ``codegen.render.layout`` the way ``ruff format`` writes it, at the
indentation of its block, and is recorded with its node path so that mypy's complaints can be
mapped back to node names. Nested graphs (`Block`) are written by
``codegen.backends.static.blocks``.
"""

from __future__ import annotations

from collections.abc import Callable

from codegen.analysis.flatten import Block, FlatCall, Item
from codegen.backends.context import EmitContext
from codegen.backends.policies import policy_mode
from codegen.render.layout import Call, Expr, Lit, Name, Raw, statement, unpack
from codegen.render.literals import LINE_LENGTH, format_literal
from hypergraph import ExecutionMode

__all__ = [
    "assign_results",
    "call_statement",
    "group_statements",
    "is_direct",
    "line_map",
    "node_call",
    "record",
    "task_expr",
]

_MODE = ExecutionMode
_PAD = "    "


def _arg_expr(ctx: EmitContext, item: FlatCall, var: str, top: str | None) -> Expr:
    if top is not None and (item.path, top) in ctx.fallbacks:
        default = format_literal(ctx.fallbacks[(item.path, top)])
        marker = "_ABSENT" if top in ctx.markers else "None"
        return Raw(f"{var} if {var} is not {marker} else {default}")
    return Name(var)


def node_call(ctx: EmitContext, item: FlatCall) -> Call:
    args = tuple((a.param, _arg_expr(ctx, item, a.var, a.top)) for a in item.args)
    return Call(ctx.aliases[item.path], args)


def assign_results(ctx: EmitContext, item: FlatCall, expr: Expr, indent: int) -> str:
    """``out = expr``, ``a, b = _several(expr, ...)`` or the bare expression."""
    if len(item.outputs) == 1:
        return statement(f"{item.outputs[0]} = ", expr, indent)
    if len(item.outputs) > 1:
        ctx.used.add("several")
        checked = Call(
            "_several",
            ((None, expr), (None, Lit(item.name)), (None, Lit(len(item.outputs)))),
        )
        targets = ", ".join(item.outputs)
        if len(f"{_PAD * indent}{targets} = _several(") <= LINE_LENGTH:
            return statement(f"{targets} = ", checked, indent)
        # targets too long for one line: ruff puts them in parentheses, one per line
        inner = _PAD * (indent + 1)
        head = f"{_PAD * indent}(\n" + "".join(f"{inner}{o},\n" for o in item.outputs)
        return head + statement(") = ", checked, indent)
    return statement("", expr, indent)


def _awaited(call: Call) -> Call:
    return Call(f"await {call.func}", call.args)


def record(ctx: EmitContext, node: str, text: str) -> str:
    """Remember which node `text` belongs to; return it."""
    ctx.statements.append((node, text))
    return text


def _drain_loop(head: str, call: Call, indent: int) -> str:
    return statement(head, call, indent, ":") + "\n" + _PAD * (indent + 1) + "pass"


def call_statement(ctx: EmitContext, item: FlatCall, indent: int) -> str:
    """One call on its own: sync back end, or an async superstep with nothing to overlap."""
    call = node_call(ctx, item)
    mode = policy_mode(ctx, item.path, item.mode)
    if ctx.backend == "sync":
        if mode is _MODE.SYNC_GENERATOR and not item.outputs:
            return record(ctx, item.path, _drain_loop("for _ in ", call, indent))
        return record(ctx, item.path, assign_results(ctx, item, call, indent))
    return record(ctx, item.path, _async_single(ctx, item, call, indent))


def is_direct(item: Item) -> bool:
    """Generators with an output are created on the loop, unstarted: no task needed."""
    if isinstance(item, Block):
        return False
    return item.mode in (_MODE.SYNC_GENERATOR, _MODE.ASYNC_GENERATOR) and bool(item.outputs)


def task_expr(ctx: EmitContext, item: FlatCall, call: Call) -> Expr:
    """The coroutine that runs `item` inside a superstep task."""
    mode = policy_mode(ctx, item.path, item.mode)
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


def _async_single(ctx: EmitContext, item: FlatCall, call: Call, indent: int) -> str:
    mode = policy_mode(ctx, item.path, item.mode)
    if is_direct(item):
        return assign_results(ctx, item, call, indent)
    if mode is _MODE.ASYNC_FUNCTION:
        return assign_results(ctx, item, _awaited(call), indent)
    if mode is _MODE.ASYNC_GENERATOR:
        return _drain_loop("async for _ in ", call, indent)
    if ctx.inline:
        if mode is _MODE.SYNC_GENERATOR:
            return _drain_loop("for _ in ", call, indent)
        return assign_results(ctx, item, call, indent)
    ctx.used.add("thread")
    if mode is _MODE.SYNC_GENERATOR:
        ctx.used.add("drain")
        drained = Call("await _in_thread", ((None, Name("_drain")), (None, call)))
        return statement("", drained, indent)
    threaded = Call("await _in_thread", ((None, Name(call.func)), *call.args))
    return assign_results(ctx, item, threaded, indent)


BlockWriter = Callable[[EmitContext, Block, int], list[str]]
ClosureWriter = Callable[[EmitContext, Block, int], tuple[list[str], str]]


def group_statements(
    ctx: EmitContext,
    items: tuple[Item, ...],
    indent: int,
    inline_block: BlockWriter,
    closure_block: ClosureWriter,
) -> list[str]:
    """An async superstep: one awaited call, or a `_Superstep` starting every call together."""
    if sum(1 for item in items if not is_direct(item)) <= 1:
        lines: list[str] = []
        for item in items:
            if isinstance(item, Block):
                lines += inline_block(ctx, item, indent)
            else:
                lines.append(call_statement(ctx, item, indent))
        return lines
    ctx.used.add("superstep")
    if not ctx.group:
        ctx.group = ctx.locals_.claim("superstep")
    group = ctx.group
    lines = []
    body: list[str] = []
    tasks: dict[str, str] = {}
    for item in items:
        if is_direct(item):
            continue
        if isinstance(item, Block):
            definition, coroutine = closure_block(ctx, item, indent)
            lines += definition
            expr: Expr = Raw(coroutine)
        else:
            expr = task_expr(ctx, item, node_call(ctx, item))
        started = Call(f"{group}.start", ((None, expr),))
        if item.results if isinstance(item, Block) else item.outputs:
            tasks[item.path] = ctx.locals_.claim(f"{_stem(item.path)}_task")
            text = statement(f"{tasks[item.path]} = ", started, indent + 1)
        else:
            text = statement("", started, indent + 1)
        body.append(record(ctx, item.path, text))
    lines.append(f"{_PAD * indent}async with _Superstep() as {group}:")
    lines += body
    for item in items:
        if isinstance(item, Block):
            if item.results:
                names = [outer for outer, _ in item.results]
                lines.append(unpack(names, f"{tasks[item.path]}.result()", indent))
        elif is_direct(item):
            lines.append(
                record(ctx, item.path, assign_results(ctx, item, node_call(ctx, item), indent))
            )
        elif item.outputs:
            lines.append(assign_results(ctx, item, Raw(f"{tasks[item.path]}.result()"), indent))
    return lines


def _stem(path: str) -> str:
    return path.replace("/", "__")


def line_map(source: str, statements: list[tuple[str, str]]) -> dict[int, str]:
    """Generated line number (1-based) -> node path, found by scanning in emission order."""
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
