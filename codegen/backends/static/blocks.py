"""Nested graphs as code: a GraphNode's inner supersteps written out at its place.

* Not mapped: the inner statements inline, then ``outer = inner`` per output port. In an async
  superstep that overlaps the block with other calls, the same statements go into a local
  ``async def <node>_block()`` started as one task of the superstep (as AsyncRunner awaits the
  child run as one task).
* Mapped, sync: a ``for`` loop over the items (``zip`` after `_same_length`, or
  ``itertools.product``), one list per output; under ``"continue"`` each item runs in
  ``try``/``except Exception`` and a failed item appends None to every list.
* Mapped, async: a local ``async def <node>_item(...)`` per item, run concurrently by
  `_gather_items` (``"raise"``: the first failure cancels the rest, the lowest-index failure is
  raised) or `_gather_settled` (``"continue"``: None for a failed item).

``clone`` deep-copies the other fed ports once per item, before the item runs.
"""

from __future__ import annotations

from codegen.analysis.flatten import Block, FlatCall, Item
from codegen.analysis.porttypes import input_type, output_type, port_output_type
from codegen.backends.context import EmitContext
from codegen.backends.statements import call_statement, group_statements, record
from codegen.render.layout import Call, Name, assignment, returned, statement, unpack
from codegen.render.literals import LINE_LENGTH as LINE

__all__ = ["scope_lines", "superstep_lines"]

_PAD = "    "


def scope_lines(
    ctx: EmitContext, supersteps: tuple[tuple[Item, ...], ...], indent: int, label: str
) -> list[str]:
    """The statements of a nested scope, a comment per inner superstep."""
    lines: list[str] = []
    for number, items in enumerate(supersteps):
        names = ", ".join(item.name for item in items)
        lines.append(f"{_PAD * indent}# {label} superstep {number}: {names}")
        lines += superstep_lines(ctx, items, indent)
    return lines


def superstep_lines(ctx: EmitContext, items: tuple[Item, ...], indent: int) -> list[str]:
    """One superstep's statements at `indent`."""
    if ctx.backend == "async":
        return group_statements(ctx, items, indent, inline_block, closure_block)
    lines: list[str] = []
    for item in items:
        if isinstance(item, FlatCall):
            lines.append(call_statement(ctx, item, indent))
        else:
            lines += inline_block(ctx, item, indent)
    return lines


def inline_block(ctx: EmitContext, block: Block, indent: int) -> list[str]:
    """A GraphNode's statements at `indent`, its results in its outer variables."""
    if block.config is None:
        lines = scope_lines(ctx, block.supersteps, indent, f"{block.path}:")
        for outer, inner in block.results:
            lines.append(assignment(outer, inner, indent))
        return lines
    if ctx.backend == "sync":
        return _sync_loop(ctx, block, indent)
    return _async_map(ctx, block, indent)


def closure_block(ctx: EmitContext, block: Block, indent: int) -> tuple[list[str], str]:
    """``async def`` running the block, for a superstep task; returns (lines, coroutine)."""
    name = ctx.locals_.claim(f"{block.prefix}block")
    types = [port_output_type(block.node, a, ctx.table) for a, _ in block.node.output_pairs]
    lines = [f"{_PAD * indent}async def {name}() -> {_tuple_type(ctx, types)}:"]
    lines += inline_block(ctx, block, indent + 1)
    lines.append(returned([outer for outer, _ in block.results], indent + 1))
    return lines, f"{name}()"


def _tuple_type(ctx: EmitContext, types: list[str]) -> str:
    name = _builtin(ctx, "tuple")
    return f"{name}[{', '.join(types)}]" if types else f"{name}[()]"


def _items_header(ctx: EmitContext, block: Block) -> tuple[list[Call], str, str]:
    """(checks before the loop, the loop targets, the iterable expression)."""
    assert block.config is not None
    targets = ", ".join(var for _, var, _ in block.mapped)
    sources = [source for _, _, source in block.mapped]
    before: list[Call] = []
    if block.config.mode == "zip":
        ctx.used.add("same_length")
        check = Call("_same_length", tuple((local, Name(src)) for local, _, src in block.mapped))
        before.append(check)
        zip_ = _builtin(ctx, "zip")
        iterable = sources[0] if len(sources) == 1 else f"{zip_}({', '.join(sources)})"
    elif len(sources) == 1:
        iterable = sources[0]
    else:
        ctx.used.add("product")
        iterable = f"_product({', '.join(sources)})"
    return before, targets, iterable


def _declare(ctx: EmitContext, block: Block, indent: int, value: str) -> list[str]:
    """``outer: <type><value>`` per output port (value ``" = []"`` or ``""``)."""
    return [
        f"{_PAD * indent}{outer}: {port_output_type(block.node, address, ctx.table)}{value}"
        for (address, _), (outer, _) in zip(block.node.output_pairs, block.results)
    ]


def _sync_loop(ctx: EmitContext, block: Block, indent: int) -> list[str]:
    """A for loop over the items, appending to one list per output (cheaper than rows)."""
    assert block.config is not None
    pad, inner = _PAD * indent, indent + 1
    lines = _declare(ctx, block, indent, " = []")
    before, targets, iterable = _items_header(ctx, block)
    lines += [record(ctx, block.path, statement("", call, indent)) for call in before]
    lines.append(f"{pad}for {targets} in {iterable}:")
    for _, var, source in block.clones:
        ctx.used.add("deepcopy")
        lines.append(f"{_PAD * inner}{var} = _deepcopy({source})")
    label = f"{block.path} item:"
    keep = [f"{outer}.append({value})" for outer, value in block.results]
    if block.config.error_handling == "raise":
        lines += scope_lines(ctx, block.supersteps, inner, label)
        lines += [f"{_PAD * inner}{text}" for text in keep]
        return lines
    lines.append(f"{_PAD * inner}try:")
    lines += scope_lines(ctx, block.supersteps, inner + 1, label)
    lines.append(f"{_PAD * inner}except {_builtin(ctx, 'Exception')}:")
    failed = [f"{outer}.append(None)" for outer, _ in block.results] or ["pass"]
    lines += [f"{_PAD * (inner + 1)}{text}" for text in failed]
    if keep:
        lines.append(f"{_PAD * inner}else:")
        lines += [f"{_PAD * (inner + 1)}{text}" for text in keep]
    return lines


def _builtin(ctx: EmitContext, name: str) -> str:
    return ctx.table.name("builtins", name)


def _async_map(ctx: EmitContext, block: Block, indent: int) -> list[str]:
    assert block.config is not None
    pad = _PAD * indent
    graph = block.node.graph
    any_name = ctx.table.name("typing", "Any")
    params = [
        f"{var}: {input_type(graph, local, ctx.table) or any_name}"
        for local, var, _ in block.mapped
    ] + [f"{var}: {any_name}" for _, var, _ in block.clones]
    inner_types = [_inner_output(ctx, block, address) for address, _ in block.node.output_pairs]
    name = ctx.locals_.claim(f"{block.prefix}item")
    head = f"{pad}async def {name}({', '.join(params)}) -> {_tuple_type(ctx, inner_types)}:"
    lines = [
        head
        if len(head) <= LINE
        else _exploded_def(pad, name, params, _tuple_type(ctx, inner_types))
    ]
    lines += scope_lines(ctx, block.supersteps, indent + 1, f"{block.path} item:")
    lines.append(returned([inner for _, inner in block.results], indent + 1))
    before, targets, iterable = _items_header(ctx, block)
    lines += [record(ctx, block.path, statement("", call, indent)) for call in before]
    arguments = [var for _, var, _ in block.mapped]
    for _, _, source in block.clones:
        ctx.used.add("deepcopy")
        arguments.append(f"_deepcopy({source})")
    results = ctx.locals_.claim(f"{block.prefix}results")
    gather = "_gather_items" if block.config.error_handling == "raise" else "_gather_settled"
    ctx.used.add(gather.lstrip("_"))
    element = f"{name}({', '.join(arguments)})"
    runs = ctx.locals_.claim(f"{block.prefix}runs")
    text = _comprehension(f"{runs} = ", element, f"for {targets} in {iterable}", "", indent)
    lines.append(record(ctx, block.path, text))
    # run()'s max_concurrency bounds how many items run at once (None: all together).
    call = f"{_PAD * indent}{results} = await {gather}({runs}, max_concurrency)"
    lines.append(record(ctx, block.path, call))
    if len(block.results) > 1:
        ctx.used.add("columns")
        lines += _declare(ctx, block, indent, "")
        names = [outer for outer, _ in block.results]
        lines.append(unpack(names, f"_columns({results}, {len(names)})", indent))
    elif block.results:
        row = ctx.locals_.claim(f"{block.prefix}row")
        value = f"{row}[0]"
        if block.config.error_handling == "continue":
            value = f"None if {row} is None else {value}"
        outer = block.results[0][0]
        lines.append(_comprehension(f"{outer} = ", value, f"for {row} in {results}", "", indent))
    return lines


def _comprehension(head: str, element: str, clause: str, tail: str, indent: int) -> str:
    """``head[element clause]tail`` split the way ruff format splits it when too long."""
    pad, inner = _PAD * indent, _PAD * (indent + 1)
    flat = f"{pad}{head}[{element} {clause}]{tail}"
    if len(flat) <= LINE:
        return flat
    if tail:  # the list is the only argument of a call
        middle = f"{inner}[{element} {clause}]"
        if len(middle) <= LINE:
            return f"{pad}{head}\n{middle}\n{pad}{tail}"
        deeper = inner + _PAD
        return f"{pad}{head}\n{inner}[\n{deeper}{element}\n{deeper}{clause}\n{inner}]\n{pad}{tail}"
    middle = f"{inner}{element} {clause}"
    if len(middle) <= LINE:
        return f"{pad}{head}[\n{middle}\n{pad}]"
    return f"{pad}{head}[\n{inner}{element}\n{inner}{clause}\n{pad}]"


def _inner_output(ctx: EmitContext, block: Block, address: str) -> str:
    local = dict(block.node.output_pairs)[address]
    return output_type(block.node.graph, local, ctx.table)


def _exploded_def(pad: str, name: str, params: list[str], returns: str) -> str:
    middle = f"{pad}{_PAD}{', '.join(params)}"
    if len(middle) <= LINE:
        return f"{pad}async def {name}(\n{middle}\n{pad}) -> {returns}:"
    body = "".join(f"{pad}{_PAD}{p},\n" for p in params)
    return f"{pad}async def {name}(\n{body}{pad}) -> {returns}:"
