"""Gated and cyclic graphs (a dynamic Plan) compiled to plain Python.

`dynamic_module` and `dynamic_parts` write the run of a graph whose ``graph.plan.is_dynamic``:
from the runners' own precomputed records (``compiled_plan``: per node ``needs``, ``watch``,
``preds``, ``controllers``, ``entry``, component; per component ``cyclic`` and successors) the
body plan claims the state locals (``body_plan``); then the state machine over the reachable
step states (``states``, ``machine``) or, when they are too many, the runners' step loop
(``steploop``) is written as plain Python. The generated module imports nothing from the
compiler; with hypergraph installed it raises hypergraph's own ``InfiniteLoopError`` and
recognises its ``END``, without it a local stand-in of the same name is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.analysis.flatten import Flattened, value_locals
from codegen.analysis.gated import compiled_plan, optional_seeds
from codegen.analysis.porttypes import value_type
from codegen.backends.context import GATHERS, EmitContext, builtin, map_options
from codegen.backends.dynamic.body_plan import body_plan
from codegen.backends.dynamic.machine.writer import state_machine
from codegen.backends.dynamic.states import explore
from codegen.backends.dynamic.steploop import step_loop
from codegen.backends.node_functions import import_function
from codegen.backends.parts import FunctionParts, ModuleParts
from codegen.backends.policies import wrap_policies
from codegen.backends.signature import Signature, signature
from codegen.render.view import Field
from hypergraph import Graph
from hypergraph.nodes.graph_node import GraphNode

__all__ = ["SPECIALISE", "dynamic_module", "dynamic_parts"]

SPECIALISE = True
"""Write the state machine when the state space is small (tests switch it off to exercise the
step loop)."""

SCHEDULE_DOC = (
    '"""The plan\'s first-pass supersteps (loop-closing edges removed). Gates and loops are '
    "decided\nat run time: run() executes the ready nodes step by step (API 5.6), so a "
    'node may be skipped\n(an untaken branch) or repeated (a loop)."""'
)


def dynamic_module(ctx: EmitContext, graph: Graph) -> ModuleParts:
    """A graph with gates or cycles as the module's run() (checked by the caller)."""
    run = _dynamic_run(ctx, graph, "Outputs")
    return ModuleParts(
        supersteps=graph.plan.supersteps,
        sig=run.sig,
        outputs=run.outputs,
        params=(*run.sig.params, "max_iterations: int = 1000", *map_options(ctx)),
        body="\n".join(run.lines),
        outputs_partial=True,
        schedule_doc=SCHEDULE_DOC,
    )


@dataclass(frozen=True)
class _Run:
    """A gated or cyclic graph's run: its signature, body lines and outputs."""

    sig: Signature
    lines: list[str]
    outputs: tuple[Field, ...]


def _dynamic_run(ctx: EmitContext, graph: Graph, outputs_type: str) -> _Run:
    """run()'s body for `graph` (checked by `check_dynamic`), its helpers noted in ctx.used."""
    plan = compiled_plan(graph)
    seeds = optional_seeds(graph)
    top = value_locals(graph, ctx.locals_)
    body, consumers = body_plan(ctx, graph, plan, top, seeds)
    # an optional seed's presence is only known at run time: the step loop tracks it
    explored = explore(body) if SPECIALISE and not seeds else None
    nodes = graph.nodes  # a copy per access: once, not per node
    for record in sorted(plan.nodes.values(), key=lambda r: r.index):
        if explored is not None and record.name not in explored.running:
            continue
        node = nodes[record.name]
        if not isinstance(node, GraphNode):
            import_function(ctx, record.name, record.step.func)
            wrap_policies(ctx, record.name, node)
    table = ctx.table
    params = {name: top[name] for name in graph.inputs.all}
    sig = signature(graph, Flattened((), params, {}, consumers), table, absent=seeds)
    ctx.fallbacks = sig.fallbacks
    limit = "max_iterations"
    isinstance_, bool_ = builtin(ctx, "isinstance"), builtin(ctx, "bool")
    error = builtin(ctx, "ValueError")
    lines = [
        f"    if {isinstance_}(max_iterations, {bool_}) or max_iterations < 1:",
        f'        raise {error}(f"max_iterations must be an int >= 1, got {{max_iterations!r}}")',
    ]
    if explored is not None:
        machine, straight = state_machine(ctx, body, explored, limit)
        doc = (
            "Run the graph: its steps as decided by the gates (states precomputed)."
            if straight
            else "Run the graph: a state machine over the plan's reachable step states."
        )
        lines += machine
    else:
        doc = "Run the graph: each pass of the loop is one superstep of the ready nodes."
        lines += step_loop(ctx, body, limit, seeds, outputs_type)
    lines.insert(0, f'    """{doc}"""')
    outputs = tuple(Field(name, value_type(graph, name, table), var) for name, var in body.results)
    ctx.used.add("absent")  # (the step loop adds "changed" where a write compares)
    if any(r.gate is not None for r in plan.nodes.values()):
        ctx.used |= {"decide", "which"} if explored is not None else {"decide"}
    if any(r.gate is not None and r.gate.end_string for r in plan.nodes.values()):
        ctx.used.add("end_text")
    if any(plan.cyclic):
        ctx.used.add("loop_error")
    return _Run(sig, lines, outputs)


def dynamic_parts(ctx: EmitContext, graph: Graph) -> FunctionParts:
    """A gated or cyclic graph's run as a function body (for codegen.backends.subgraphs)."""
    any_type = ctx.table.name("typing", "Any")
    run = _dynamic_run(ctx, graph, f"{builtin(ctx, 'dict')}[{builtin(ctx, 'str')}, {any_type}]")
    params = (*run.sig.params, "max_iterations: int = 1000")
    return FunctionParts(params, tuple(run.lines), bool(GATHERS & ctx.used))


# -- checks --------------------------------------------------------------------------------


# -- the body plan -------------------------------------------------------------------------


# -- prologue and epilogue -----------------------------------------------------------------
