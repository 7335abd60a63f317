"""Nested graphs that cannot be written inline become functions of the compiled module.

The DAG compiler writes a nested graph's supersteps out at its place in the parent (see
``codegen.analysis.flatten``). That needs a fixed schedule on both sides, so two cases take
this route instead: a nested graph inside a gated or cyclic parent (its GraphNode is one step
of the parent's state machine), and a mapped nested graph whose inner graph has gates or
cycles. For each such GraphNode the module gets two private functions:

* ``_graph_<node>(*, <inputs>) -> dict``: one run of the inner graph, its body written by
  the same back ends as a module's run() (the inner graph's own binds and defaults are the
  parameters' defaults, its loops have their own ``max_iterations`` budget of 1000 as the
  runners' child runs do);
* ``_node_<node>``: what the GraphNode step returns to the parent. Run once, it takes the
  same typed keyword parameters (so mypy checks what the parent passes) and returns the
  output ports in port order; mapped, it takes ``**ports`` and returns one list per port
  over the items (``None`` where an item failed under ``error_handling="continue"`` or did
  not write the output).

With events (``codegen.backends.observer``) both take ``observer``: ``_graph_<node>`` binds its
nodes' locals from it as run() does, ``_node_<node>`` reports the child run (or the map and
its items) around the body's calls; the parent reports the GraphNode's own start and end.

A GraphNode run once may not leave an output unwritten (a compiled parent cannot express a
missing value), which ``codegen.analysis.written`` checks. The functions are called by keyword
and have nothing of their own: they share the module's import table and helpers, and their
locals come from the module's namespace.
"""

from __future__ import annotations

import dataclasses

from codegen.analysis.gated import optional_seeds
from codegen.analysis.written import surely_written
from codegen.backends.context import EmitContext
from codegen.backends.dynamic.run import dynamic_parts
from codegen.backends.node_functions import watched_local
from codegen.backends.observer import (
    child_started,
    function_prologue,
    guarded,
    node_table,
    run_ended,
)
from codegen.backends.static.blocks import comprehension
from codegen.backends.static.schedule import static_parts
from codegen.errors import CompileError
from codegen.render.layout import Call, Lit, Name, Raw, statement
from codegen.render.literals import LINE_LENGTH, check_literal, string_literal
from hypergraph.nodes.graph_node import GraphNode

__all__ = ["node_function"]

_PAD = "    "


def node_function(ctx: EmitContext, node: GraphNode, path: str) -> tuple[str, bool]:
    """Write the functions of GraphNode `node` (at `path`) into the module; return the name
    the parent calls and whether that call takes ``max_concurrency``."""
    inner = node.graph
    mapped = node.inner_map
    seeds = sorted(optional_seeds(inner)) if inner.plan.is_dynamic else []
    if seeds:  # the parent passes every port, so the seed would always count as given
        raise CompileError(
            f"node {path!r}: the nested graph's input {seeds[0]!r} is optional and it matters "
            "whether it was given (a loop seed, or a result); a compiled parent always passes "
            "it: bind it in the nested graph or make it required",
            path,
        )
    if mapped is None:
        missing = [local for _, local in node.output_pairs if local not in surely_written(inner)]
        if missing:
            raise CompileError(
                f"node {path!r}: the nested graph may end without writing {missing[0]!r} (a "
                "branch not taken); the compiled parent cannot leave the output missing. Map "
                "the nested graph, or make every branch write it",
                path,
            )
    child = dataclasses.replace(
        ctx,
        graph=inner,
        aliases={},
        used=set(),
        statements=[],
        group="",
        fallbacks={},
        watched=[],
        awaited=set(),
    )
    parts = dynamic_parts(child, inner) if inner.plan.is_dynamic else static_parts(child, inner)
    claim = ctx.table.namespace.claim
    body_name = claim(f"_graph_{node.name}")
    node_name = claim(f"_node_{node.name}")
    asynchronous = ctx.backend == "async"
    define = "async def" if asynchronous else "def"
    params = (*parts.params, "max_concurrency: int | None = None") if parts.limit else parts.params
    lines = list(parts.lines)  # the body starts with its docstring
    table = ""
    if ctx.events:
        params = (*params, _OBSERVER)
        table_name = claim(f"_NODES_{node.name}")
        lines[1:1] = function_prologue(child, inner, child.watched, table_name)
        table = node_table(child, table_name, child.watched)
    ctx.used |= child.used
    head = _signature(define, body_name, params, f"dict[str, {ctx.table.name('typing', 'Any')}]")
    ctx.functions.append("\n".join([*head, *lines]))
    if table:
        ctx.functions.append(table)
    ports = tuple(local for _, local in node.output_pairs)
    inputs = tuple(
        p for p in parts.params if not p.startswith("max_iterations:") and p != _OBSERVER
    )
    text, limit = _node_text(ctx, node, path, node_name, body_name, ports, inputs, parts.limit)
    ctx.functions.append(text)
    if ctx.events:  # the parent calls it through a local, as it does its function nodes
        return watched_local(ctx, path, node_name), limit
    return node_name, limit


_OBSERVER = "observer: Observer | None = None"


def _node_text(
    ctx: EmitContext,
    node: GraphNode,
    path: str,
    name: str,
    body: str,
    ports: tuple[str, ...],
    inputs: tuple[str, ...],
    body_limit: bool,
) -> tuple[str, bool]:
    """The GraphNode step's function: ports of one run, or lists of ports over the items.
    Long lines are laid out as ruff formats them (`statement`, exploded signatures)."""
    any_type = ctx.table.name("typing", "Any")
    asynchronous = ctx.backend == "async"
    define, wait = ("async def", "await ") if asynchronous else ("def", "")
    mapped = node.inner_map
    if mapped is None:  # typed like the body: mypy checks what the parent passes
        returns = any_type if len(ports) == 1 else f"tuple[{any_type}, ...]"
        params = (*inputs, "max_concurrency: int | None = None") if body_limit else inputs
        if ctx.events:
            params = (*params, _OBSERVER)
        keywords = [param.partition(":")[0] for param in params]
        call = Call(f"{wait}{body}", tuple((k, Name(k)) for k in keywords))
        if len(ports) == 1:
            picked = f"{_PAD}return _outputs[{string_literal(ports[0])}]"
        else:
            ctx.used.add("port_values")
            picked = statement(
                "return ", Call("_port_values", ((None, Name("_outputs")), (None, Lit(ports)))), 1
            )
        run = [statement("_outputs = ", call, 2 if ctx.events else 1)]
        lines = [
            *_signature(define, name, params, returns),
            f'{_PAD}"""A GraphNode step: one run of its graph, the output ports in order."""',
            *(guarded(ctx, child_started(node), run, run_ended, 1) if ctx.events else run),
            picked,
        ]
        return "\n".join(lines), body_limit
    for param in mapped.params:
        if param not in node.graph.inputs.all:
            raise CompileError(f"node {path!r}: map_over names unknown input {param!r}", path)
    clone = mapped.clone
    cloned: tuple[str, ...]
    if clone is True:
        cloned = tuple(n for n in node.graph.inputs.all if n not in mapped.params)
    elif clone:
        cloned = tuple(clone)
    else:
        cloned = ()
    for value in node.graph.inputs.bound.values():
        check_literal(value, f"node {path!r}: bind value")
    ctx.used |= {"map_inputs", "same_length", "port_lists", "product", "deepcopy"}
    split = Call(
        "_map_inputs",
        (
            (None, Name("ports")),
            (None, Lit(tuple(mapped.params))),
            (None, Lit(mapped.mode)),
            (None, Lit(cloned)),
        ),
    )
    returns = f"list[{any_type}]" if len(ports) == 1 else f"tuple[list[{any_type}], ...]"
    collect = Call("_port_lists", ((None, Name("rows")), (None, Lit(ports))))
    suffix = "[0]" if len(ports) == 1 else ""
    doc = f'{_PAD}"""A mapped GraphNode step: one run per item, each output port as a list."""'
    rows_type = f"list[dict[str, {any_type}] | None]"
    forward = "max_concurrency=max_concurrency, " if body_limit else ""
    if ctx.events:
        return _watched_node_text(ctx, node, name, body, split, collect, suffix, body_limit)
    if asynchronous:
        ctx.used.add("gather_items" if mapped.error_handling == "raise" else "gather_settled")
        gather = "_gather_items" if mapped.error_handling == "raise" else "_gather_settled"
        params = ("max_concurrency: int | None = None", f"**ports: {any_type}")
        runs = [f"{_PAD}runs = [{body}({forward}**item) for item in items]"]
        if len(runs[0]) > LINE_LENGTH:  # a long node name: the loop form fits
            coroutine = ctx.table.name("collections.abc", "Coroutine")
            kind = f"{coroutine}[{any_type}, {any_type}, dict[str, {any_type}]]"
            runs = [
                f"{_PAD}runs: list[{kind}] = []",
                f"{_PAD}for item in items:",
                f"{_PAD * 2}runs.append({body}({forward}**item))",
            ]
        lines = [
            *_signature("async def", name, params, returns),
            doc,
            statement("items = ", split, 1),
            *runs,
            f"{_PAD}rows: {rows_type} = [*await {gather}(runs, max_concurrency)]",
            statement("return ", collect, 1, suffix),
        ]
        return "\n".join(lines), True
    lines = [
        *_signature("def", name, (f"**ports: {any_type}",), returns),
        doc,
        f"{_PAD}rows: {rows_type} = []",
        statement("for item in ", split, 1, ":"),
    ]
    if mapped.error_handling == "raise":
        lines.append(f"{_PAD * 2}rows.append({body}(**item))")
    else:
        lines += [
            f"{_PAD * 2}try:",
            f"{_PAD * 3}rows.append({body}(**item))",
            f"{_PAD * 2}except Exception:  # error_handling='continue': the item gives None",
            f"{_PAD * 3}rows.append(None)",
        ]
    lines.append(statement("return ", collect, 1, suffix))
    return "\n".join(lines), False


def _watched_node_text(
    ctx: EmitContext,
    node: GraphNode,
    name: str,
    body: str,
    split: Call,
    collect: Call,
    suffix: str,
    body_limit: bool,
) -> tuple[str, bool]:
    """A mapped GraphNode step with events: the map is a run nested in the GraphNode's span,
    each item a run nested in the map's, reported when an observer is given."""
    mapped = node.inner_map
    assert mapped is not None
    any_type = ctx.table.name("typing", "Any")
    ports = len(node.output_pairs)
    returns = f"list[{any_type}]" if ports == 1 else f"tuple[list[{any_type}], ...]"
    doc = f'{_PAD}"""A mapped GraphNode step: one run per item, each output port as a list."""'
    rows_type = f"list[dict[str, {any_type}] | None]"
    raising = mapped.error_handling == "raise"
    length = ctx.table.name("builtins", "len")
    if ctx.backend == "async":
        ctx.used |= {"gather_items" if raising else "gather_settled", "item_task", "item_runs"}
        gather = "_gather_items" if raising else "_gather_settled"
        forward = "max_concurrency=max_concurrency, " if body_limit else ""
        index = ctx.locals_.claim("index")
        enumerate_ = ctx.table.name("builtins", "enumerate")
        params = ("max_concurrency: int | None = None", _OBSERVER, f"**ports: {any_type}")
        plain = comprehension("runs = ", f"{body}({forward}**item)", "for item in items", "", 2)
        watched = comprehension(
            "runs = ",
            f"_item_task({index}, {body}, {forward}**item, observer=observer)",
            f"for {index}, item in {enumerate_}(items)",
            "",
            2,
        )
        gathered = [f"{_PAD * 2}rows: {rows_type} = [*await {gather}(runs, max_concurrency)]"]
        lines = [
            *_signature("async def", name, params, returns),
            doc,
            statement("items = ", split, 1),
            f"{_PAD}if observer is None:",
            plain,
            f"{_PAD}else:",
            watched,
            statement("", child_started(node, Raw(f"{length}(runs)")), 2),
            *guarded(ctx, None, gathered, run_ended, 1),
            statement("return ", collect, 1, suffix),
        ]
        return "\n".join(lines), True
    run = f"rows.append({body}(**item, observer=observer))"
    depth = 3 if raising else 4  # under ``continue`` each item is inside a try
    item = guarded(ctx, Call("_item_run", ()), [f"{_PAD * (depth + 1)}{run}"], run_ended, depth)
    loop = [f"{_PAD * 2}for item in items:"]
    if raising:
        loop += item
    else:
        loop += [
            f"{_PAD * 3}try:",
            *item,
            f"{_PAD * 3}except {ctx.table.name('builtins', 'Exception')}:"
            "  # error_handling='continue': the item gives None",
            f"{_PAD * 4}rows.append(None)",
        ]
    lines = [
        *_signature("def", name, (_OBSERVER, f"**ports: {any_type}"), returns),
        doc,
        f"{_PAD}rows: {rows_type} = []",
        statement("items = ", split, 1),
        *guarded(ctx, child_started(node, Raw(f"{length}(items)")), loop, run_ended, 1),
        statement("return ", collect, 1, suffix),
    ]
    return "\n".join(lines), False


def _signature(define: str, name: str, params: tuple[str, ...], returns: str) -> list[str]:
    """A signature with one parameter per line and a trailing comma (kept so by ruff)."""
    if not params:
        return [f"{define} {name}() -> {returns}:"]
    keyword_only = [] if params[0].startswith("**") else [f"{_PAD}*,"]
    return [
        f"{define} {name}(",
        *keyword_only,
        *(f"{_PAD}{param}," for param in params),
        f") -> {returns}:",
    ]
