"""Gated and cyclic graphs (a dynamic Plan) compiled to plain Python.

`emit_dynamic` is the compiler's back end for graphs whose ``graph.plan.is_dynamic``: it reads
the runners' own precomputed records (``prepared(graph).dynamic``: per node ``needs``,
``watch``, ``preds``, ``controllers``, ``entry``, component; per component ``cyclic`` and
successors) and hands them to ``dynamic_body`` which writes the runners' step loop as plain
Python (see that module for the state locals). The generated module imports nothing from the
compiler; with hypergraph installed it raises hypergraph's own ``InfiniteLoopError`` and
recognises its ``END``, without it a local stand-in of the same name is used.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection
from dataclasses import dataclass

from codegen.analysis.flatten import Arg, Consumer, FlatCall, Flattened, value_locals
from codegen.analysis.gated import compiled_plan, holders, optional_seeds, watching
from codegen.analysis.porttypes import produced_type, value_type
from codegen.analysis.runtime_plan import DynamicNode, DynamicPlan, prepared
from codegen.backends.context import GATHERS, EmitContext, builtin, map_options
from codegen.backends.machine import emit_states
from codegen.backends.node_functions import import_function
from codegen.backends.parts import FunctionParts, ModuleParts
from codegen.backends.signature import Signature, signature
from codegen.backends.states import explore
from codegen.backends.steploop import BodyPlan, NodeCode, signal_name, write_body
from codegen.render.layout import Call, Name, assignment
from codegen.render.literals import check_literal, format_literal, string_literal
from codegen.render.view import Field
from hypergraph import ExecutionMode, FunctionNode, Graph
from hypergraph.nodes.gate import END, GateNode, IfElseNode
from hypergraph.nodes.graph_node import GraphNode

__all__ = ["SPECIALISE", "dynamic_module", "dynamic_parts"]

SPECIALISE = True
"""Emit the state machine of `dynamic_states` when the state space is small (tests switch it
off to exercise the step loop)."""

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
    body, consumers = _body_plan(ctx, graph, plan, top, seeds)
    # an optional seed's presence is only known at run time: the step loop tracks it
    explored = explore(ctx, body) if SPECIALISE and not seeds else None
    nodes = graph.nodes  # a copy per access: once, not per node
    for record in sorted(plan.nodes.values(), key=lambda r: r.index):
        if explored is not None and record.name not in explored.running:
            continue
        node = nodes[record.name]
        if not isinstance(node, GraphNode):
            import_function(ctx, record.name, record.step.func)
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
    machine = None
    if explored is not None:
        reads = set(explored.reads)
        body = dataclasses.replace(
            body,
            read=reads,
            wired_default=set(explored.flags),
            declared=[(var, kind) for var, kind in body.declared if _value_of(body, var) in reads],
        )
        machine, straight = emit_states(ctx, body, explored, limit)
        doc = (
            "Run the graph: its steps as decided by the gates (states precomputed)."
            if straight
            else "Run the graph: a state machine over the plan's reachable step states."
        )
        lines += [*_machine_prologue(body, machine), *machine]
    else:
        doc = "Run the graph: each pass of the loop is one superstep of the ready nodes."
        loop = write_body(ctx, body, limit)
        lines += [*_prologue(body, loop, seeds), *loop, *_epilogue(ctx, body, outputs_type)]
    lines.insert(0, f'    """{doc}"""')
    outputs = tuple(Field(name, value_type(graph, name, table), var) for name, var in body.results)
    ctx.used |= {"absent"} if machine is not None else {"absent", "changed"}
    if any(r.gate is not None for r in plan.nodes.values()):
        ctx.used |= {"decide", "which"} if machine is not None else {"decide"}
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


def _body_plan(
    ctx: EmitContext,
    graph: Graph,
    plan: DynamicPlan,
    top: dict[str, str],
    marked: Collection[str] = (),
) -> tuple[BodyPlan, list[Consumer]]:
    spec = graph.inputs
    present = set(spec.required) | set(spec.bound)
    maybe_absent = set(spec.optional) - set(spec.bound)
    records = sorted(plan.nodes.values(), key=lambda r: r.index)
    produced = dict.fromkeys(out for r in records for out in r.step.outputs)
    values = {name: top[name] for name in (*spec.all, *produced)}
    result_names = [  # an omittable input is a result only when marked (run() sees it given)
        n for n in prepared(graph).result_names if n in produced or n in present or n in marked
    ]
    watched = {v for r in records for v in watching(r)}
    tracked: set[str] = set()  # produced values whose presence some statement reads
    read = set(watched) | set(result_names)
    wired_default: set[str] = set()
    for r in records:
        read.update(name for _, name in r.step.args)
        read.update(name for _, name, _, _ in r.step.optional)
        tracked.update(v for v in r.needs if v not in present)
        wired_default.update(n for _, n, _, _ in r.step.optional if n in produced)
    tracked |= (watched | set(result_names) | wired_default) & (set(produced) - present)
    tracked |= set(marked)  # presence known at run time: `x is not _ABSENT`
    claim = ctx.locals_.claim
    names: dict[str, str] = {}
    for value in sorted(tracked, key=list(values).index):
        names[f"has:{value}"] = claim(f"has_{values[value]}")
    for value in sorted(watched, key=list(values).index):
        names[f"ver:{value}"] = claim(f"ver_{values[value]}")
    signals = {s: signal_name(s) for r in records for s in r.signals}  # wait_for names
    for signal, local in signals.items():
        names[f"ver:{signal}"] = claim(f"ver_{local}")
    gates = {
        g: tuple(t for t in targets if t in plan.nodes)
        for g, targets in (graph.plan.gates or {}).items()
    }
    for r in records:
        names[f"ran:{r.name}"] = claim(f"ran_{r.name}")
        names[f"ready:{r.name}"] = claim(f"ready_{r.name}")
        if r.controllers or holders(plan, r):
            names[f"go:{r.name}"] = claim(f"go_{r.name}")
        for value in watching(r):
            names[f"seen:{r.name}:{value}"] = claim(f"seen_{r.name}_{values[value]}")
        for signal in r.signals:
            names[f"seen:{r.name}:{signal}"] = claim(f"seen_{r.name}_{signals[signal]}")
        if r.gate is not None:
            for target in gates.get(r.name, ()):
                names[f"pick:{r.name}:{target}"] = claim(f"pick_{r.name}_{target}")
            if END in r.gate.targets:  # returning an undeclared END raises
                names[f"ended:{r.name}"] = claim(f"ended_{r.name}")
    many = len(plan.components) > 1
    loop_messages: dict[int, str] = {}
    for c, members in enumerate(plan.components):
        if many:
            names[f"done:{c}"] = claim(f"done_{c}")
            names[f"any:{c}"] = claim(f"any_{c}")
        if plan.cyclic[c]:
            names[f"spent:{c}"] = claim(f"spent_{c}" if many else "spent")
            loop_messages[c] = ", ".join(m.name for m in members)
    if many and any(plan.cyclic):
        names["still"] = claim("still")
        names["spend"] = claim("spend")
    codes: dict[str, NodeCode] = {}
    consumers: list[Consumer] = []
    helpers: dict[str, tuple[str, str, str]] = {}
    for r in records:
        args = _args(r, values, names, produced, maybe_absent, consumers)
        keep = [o in read or o in watched or f"has:{o}" in names for o in r.step.outputs]
        if r.gate is None:
            temps = tuple(
                claim(f"{r.name}_{values[o]}") if k or len(keep) > 1 else ""
                for o, k in zip(r.step.outputs, keep)
            )
            outputs = tuple(t for t in temps if t) if len(temps) == 1 else temps
            node = r.step.node
            mode = r.step.mode
            if isinstance(node, GraphNode):  # a call of its module function
                ctx.aliases[r.name], limit = ctx.graph_function(ctx, node, r.name)
                async_ = ctx.backend == "async"
                mode = ExecutionMode.ASYNC_FUNCTION if async_ else ExecutionMode.SYNC_FUNCTION
                if limit:
                    args = (*args, Arg("max_concurrency", "max_concurrency"))
            assert isinstance(node, FunctionNode | GraphNode)
            call = FlatCall(r.name, r.name, node, mode, args, outputs)
            codes[r.name] = NodeCode(r, call, temps=temps)
        else:
            raw = claim(f"{r.name}_raw")
            keyword = tuple((a.param, Name(a.var)) for a in args)
            codes[r.name] = NodeCode(
                r,
                None,
                gate_call=Call(r.name, keyword),
                temps=(raw,),
                decision=claim(f"{r.name}_targets"),
                ended=claim(f"{r.name}_ended"),
            )
            helpers[r.name] = _gate_args(r.gate)
    declared = []
    for value in values:
        if value in produced and value not in spec.all and value in read:
            declared.append((values[value], produced_type(graph, value, ctx.table)))
    body = BodyPlan(
        plan=plan,
        nodes=codes,
        values=values,
        present=present,
        read=read,
        results=[(n, values[n]) for n in result_names],
        declared=declared,
        gates=gates,
        gate_helpers=helpers,
        loop_messages=loop_messages,
        wired_default={v for v in wired_default if f"has:{v}" in names},
        names=names,
    )
    return body, consumers


def _args(
    r: DynamicNode,
    values: dict[str, str],
    names: dict[str, str],
    produced: dict[str, None],
    maybe_absent: set[str],
    consumers: list[Consumer],
) -> tuple[Arg, ...]:
    args = [Arg(param, values[name]) for param, name in r.step.args]
    for param, name, default, needs_copy in r.step.optional:
        var = values[name]
        if f"has:{name}" in names:  # wired, with a default: its producer may not run
            check_literal(default, f"default of input {name!r} of node {r.name!r}")
            fallback = format_literal(default)
            args.append(Arg(param, f"{var} if {names[f'has:{name}']} else {fallback}"))
        elif name in maybe_absent:
            consumers.append(Consumer(r.name, name, default, needs_copy))
            args.append(Arg(param, var, name))
        else:
            args.append(Arg(param, var))
    node = r.step.node
    if isinstance(node, GraphNode):
        params = [local for _, local in node.input_pairs]
    else:
        assert isinstance(node, FunctionNode | GateNode)
        params = list(node.params)
    order = {param: i for i, param in enumerate(params)}
    return tuple(sorted(args, key=lambda a: order.get(a.param, len(order))))


def _gate_args(gate: GateNode) -> tuple[str, str, str]:
    """The `_decide` arguments after the raw value: kind, targets, fallback."""
    kind = "ifelse" if isinstance(gate, IfElseNode) else "multi" if gate.multi_target else "route"
    targets = [t if t is not END else None for t in gate.targets]
    text = ", ".join("END" if t is None else string_literal(t) for t in targets)
    fallback = gate.fallback
    falls = "None" if fallback is None else "END" if fallback is END else string_literal(fallback)
    return string_literal(kind), f"({text},)" if len(targets) == 1 else f"({text})", falls


# -- prologue and epilogue -----------------------------------------------------------------


def _prologue(body: BodyPlan, loop: list[str], seeds: set[str]) -> list[str]:
    """The step loop's locals (a ``ran_n`` flag only if the `loop` reads it). An optional
    seed is present, at version 1, when run() was given it (API 5.6 R1)."""
    lines = [f"    {var}: {kind} = _ABSENT" for var, kind in body.declared]
    text = "\n".join(loop)
    for key, local in body.names.items():
        kind, _, value = key.partition(":")
        if kind == "has" and value in seeds:
            lines.append(f"    {local} = {body.values[value]} is not _ABSENT")
        elif kind == "has":
            lines.append(f"    {local} = False")
        elif kind == "ver" and value in seeds:
            lines.append(f"    {local} = 1 if {body.values[value]} is not _ABSENT else 0")
        elif kind == "ver":
            start = 1 if value in body.present else 0
            lines.append(f"    {local} = {start}")
        elif kind == "ran" and not re.search(rf"\b{local}\b", text):
            continue
        elif kind in ("ran", "pick", "ended", "done"):
            lines.append(f"    {local} = False")
        elif kind in ("seen", "spent"):
            lines.append(f"    {local} = 0")
    return lines


def _value_of(body: BodyPlan, var: str) -> str:
    return next(value for value, local in body.values.items() if local == var)


def _machine_prologue(body: BodyPlan, machine: list[str]) -> list[str]:
    """The state machine's locals: values, fallback flags, and the budgets it spends."""
    lines = [f"    {var}: {kind} = _ABSENT" for var, kind in body.declared]
    lines += [f"    {body.names[f'has:{value}']} = False" for value in sorted(body.wired_default)]
    text = "\n".join(machine)
    for key, local in body.names.items():
        if key.startswith("spent:") and re.search(rf"\b{local}\b", text):
            lines.append(f"    {local} = 0")
    return lines


def _epilogue(ctx: EmitContext, body: BodyPlan, outputs_type: str) -> list[str]:
    result = ctx.locals_.claim("result")
    lines = [f"    {result}: {outputs_type} = {{}}"]
    for name, var in body.results:
        key = f"has:{name}"
        if key in body.names:
            lines.append(f"    if {body.names[key]}:")
            lines.append(assignment(f"{result}[{string_literal(name)}]", var, 2))
        else:
            lines.append(assignment(f"{result}[{string_literal(name)}]", var, 1))
    lines.append(f"    return {result}")
    return lines
