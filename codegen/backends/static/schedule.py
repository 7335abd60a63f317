"""The static schedule writer: a DAG's run, superstep by superstep.

Nested graphs are flattened into one tree of calls (``codegen.analysis.flatten``) and written
out at their place in the schedule (``codegen.backends.static.blocks``); every statement is laid out
as ``ruff format`` would write it. A mapped nested graph with gates or cycles has no fixed
schedule: it becomes a module function (``ctx.graph_function``) called as one node.
"""

from __future__ import annotations

from collections.abc import Iterator

from codegen.analysis.flatten import Block, FlatCall, Flattened, Item, flatten, schedule
from codegen.backends.context import GATHERS, EmitContext, map_options
from codegen.backends.node_functions import import_function
from codegen.backends.parts import FunctionParts, ModuleParts
from codegen.backends.policies import wrap_policies
from codegen.backends.signature import Signature, signature
from codegen.backends.signature import outputs as output_fields
from codegen.backends.static.blocks import superstep_lines
from codegen.render.layout import Raw, assignment, statement
from codegen.render.literals import string_literal
from codegen.render.view import Field, StepView
from hypergraph import ExecutionMode, FunctionNode, Graph
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import wiring_of

__all__ = ["static_module", "static_parts"]


def static_module(ctx: EmitContext, graph: Graph) -> ModuleParts:
    """A DAG's run as the module's run() (checked by the caller)."""
    flat, sig, outputs, steps, returns = _static(ctx, graph)
    return ModuleParts(
        supersteps=schedule(flat.supersteps),
        sig=sig,
        outputs=tuple(outputs),
        params=tuple(sig.params) + map_options(ctx),
        steps=steps,
        returns=returns,
        outputs_partial=bool(ctx.markers),
    )


def static_parts(ctx: EmitContext, graph: Graph) -> FunctionParts:
    """A DAG's run as a function body (for codegen.backends.subgraphs; checked by the caller)."""
    _, sig, _, steps, returns = _static(ctx, graph)
    lines = ['    """Run the graph once, superstep by superstep."""']
    for step in steps:
        lines.append(f"    # superstep {step.number}: {step.nodes}")
        lines += step.lines
    lines.append(returns)
    limit = bool(GATHERS & ctx.used)
    return FunctionParts(tuple(sig.params), tuple(lines), limit)


def _static(
    ctx: EmitContext, graph: Graph
) -> tuple[Flattened, Signature, list[Field], tuple[StepView, ...], str]:
    """A DAG's run: flattened calls, signature, outputs, supersteps and return statement."""
    flat = flatten(graph, ctx.locals_, lambda node, path: _graph_call(ctx, node, path))
    for call in _calls(flat.supersteps):
        if isinstance(call.node, FunctionNode):
            import_function(ctx, call.path, call.node.func)
            wrap_policies(ctx, call.path, call.node)
    spec = graph.inputs
    # an omittable input that is a result (fed under entrypoints): run() must see it omitted
    marked = {
        n
        for n in wiring_of(graph).result_names
        if n in spec.optional and n not in spec.bound and n not in flat.outputs
    }
    sig = signature(graph, flat, ctx.table, absent=marked)
    ctx.fallbacks = sig.fallbacks
    ctx.markers |= marked
    outputs = output_fields(graph, flat, wiring_of(graph).result_names, ctx.table)
    steps = tuple(
        StepView(
            number, ", ".join(item.name for item in items), tuple(superstep_lines(ctx, items, 1))
        )
        for number, items in enumerate(flat.supersteps)
    )
    present = [f for f in outputs if f.name not in marked]
    head = "return "
    if marked:
        ctx.used.add("absent")
        result = ctx.locals_.claim("result")
        head = f"{result}: Outputs = "
    returns = statement(
        head,
        Raw("{" + ", ".join(f"{string_literal(f.name)}: {f.var}" for f in present) + "}"),
    )
    if len(returns) > 100:
        body = "".join(f"        {string_literal(f.name)}: {f.var},\n" for f in present)
        returns = f"    {head}{{\n" + body + "    }"
    if marked:
        for f in outputs:
            if f.name in marked:
                returns += f"\n    if {f.var} is not _ABSENT:\n"
                returns += assignment(f"{result}[{string_literal(f.name)}]", f.var, 2)
        returns += f"\n    return {result}"
    return flat, sig, outputs, steps, returns


def _graph_call(
    ctx: EmitContext, node: GraphNode, path: str
) -> tuple[ExecutionMode, tuple[str, ...]]:
    """A mapped nested graph with gates or cycles: a call of its module function."""
    ctx.aliases[path], limit = ctx.graph_function(ctx, node, path)
    mode = ExecutionMode.ASYNC_FUNCTION if ctx.backend == "async" else ExecutionMode.SYNC_FUNCTION
    keywords = ("max_concurrency",) if limit else ()
    return mode, (*keywords, "observer") if ctx.events else keywords


def _calls(supersteps: tuple[tuple[Item, ...], ...]) -> Iterator[FlatCall]:
    for items in supersteps:
        for item in items:
            if isinstance(item, Block):
                yield from _calls(item.supersteps)
            else:
                yield item
