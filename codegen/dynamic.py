"""Gated and cyclic graphs (a dynamic Plan) compiled to plain Python.

`emit_dynamic` is the compiler's back end for graphs whose ``graph.plan.is_dynamic``: it reads
the runners' own precomputed records (``wiring_of(graph).dynamic``: per node ``needs``,
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

from codegen.annotations import ImportTable, render_type
from codegen.blocks import space_local_defs
from codegen.dynamic_body import (
    BodyPlan,
    NodeCode,
    holders,
    signal_name,
    watching,
    write_body,
)
from codegen.dynamic_machine import emit_states
from codegen.dynamic_states import explore
from codegen.emit import (
    GATHERS,
    Emitted,
    SyncNodes,
    checked,
    import_function,
    map_options,
    module_view,
    render_module,
)
from codegen.errors import CompileError
from codegen.flatten import Arg, Consumer, FlatCall, Flattened, top_names, value_locals
from codegen.inputs import Signature, signature
from codegen.layout import Call, Name, assignment
from codegen.literals import check_literal, format_literal, string_literal
from codegen.names import Namespace, check_identifier
from codegen.porttypes import input_type, port_output_type
from codegen.statements import Backend, EmitContext, builtin, line_map
from codegen.subgraphs import FunctionParts, function_graphs, node_function
from codegen.view import Field
from hypergraph import ExecutionMode, FunctionNode, Graph
from hypergraph.nodes.gate import END, GateNode, IfElseNode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import DynamicNode, DynamicPlan, hints_of, wiring_of

__all__ = ["check_dynamic", "dynamic_parts", "emit_dynamic", "optional_seeds", "produced_type"]

SPECIALISE = True
"""Emit the state machine of `dynamic_states` when the state space is small (tests switch it
off to exercise the step loop)."""

SCHEDULE_DOC = (
    '"""The plan\'s first-pass supersteps (loop-closing edges removed). Gates and loops are '
    "decided\nat run time: run() executes the ready nodes step by step (API 5.6), so a "
    'node may be skipped\n(an untaken branch) or repeated (a loop)."""'
)


def emit_dynamic(
    graph: Graph,
    *,
    backend: Backend,
    source_name: str,
    digest: str | None,
    sync_nodes: SyncNodes,
    graph_name: str,
) -> Emitted:
    """Render a graph with gates or cycles for `backend` (CompileError if it cannot be)."""
    check_dynamic(graph, backend)
    taken = top_names(graph)
    inner = [top_names(g) for g in function_graphs(graph)]
    namespace = Namespace(taken.union(*inner))
    table = ImportTable(namespace)
    ctx = EmitContext(graph, backend, sync_nodes == "inline", table, namespace)
    run = _dynamic_run(ctx, graph, "Outputs")
    view = module_view(
        ctx,
        source_name=source_name,
        digest=digest,
        graph_name=graph_name,
        supersteps=graph.plan.supersteps,
        sig=run.sig,
        outputs=run.outputs,
        params=(*run.sig.params, "max_iterations: int = 1000", *map_options(ctx)),
        steps=(),
        returns="",
        body="\n".join(run.lines),
        outputs_partial=True,
        schedule_doc=SCHEDULE_DOC,
    )
    source = space_local_defs(render_module(ctx, view, f"{backend}.py.jinja"))
    stub = render_module(ctx, view, "stub.pyi.jinja")
    return checked(Emitted(source, stub, line_map(source, ctx.statements)), source_name)


@dataclass(frozen=True)
class _Run:
    """A gated or cyclic graph's run: its signature, body lines and outputs."""

    sig: Signature
    lines: list[str]
    outputs: tuple[Field, ...]


def _dynamic_run(ctx: EmitContext, graph: Graph, outputs_type: str) -> _Run:
    """run()'s body for `graph` (checked by `check_dynamic`), its helpers noted in ctx.used."""
    plan = _compiled_plan(graph)
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
    outputs = tuple(Field(name, _type_of(graph, name, table), var) for name, var in body.results)
    ctx.used |= {"absent"} if machine is not None else {"absent", "changed"}
    if any(r.gate is not None for r in plan.nodes.values()):
        ctx.used |= {"decide", "which"} if machine is not None else {"decide"}
    if any(r.gate is not None and r.gate.end_string for r in plan.nodes.values()):
        ctx.used.add("end_text")
    if any(plan.cyclic):
        ctx.used.add("loop_error")
    return _Run(sig, lines, outputs)


def dynamic_parts(ctx: EmitContext, graph: Graph) -> FunctionParts:
    """A gated or cyclic graph's run as a function body (for codegen.subgraphs)."""
    any_type = ctx.table.name("typing", "Any")
    run = _dynamic_run(ctx, graph, f"{builtin(ctx, 'dict')}[{builtin(ctx, 'str')}, {any_type}]")
    params = (*run.sig.params, "max_iterations: int = 1000")
    return FunctionParts(params, tuple(run.lines), bool(GATHERS & ctx.used))


def _compiled_plan(graph: Graph) -> DynamicPlan:
    """The runners' plan, with each GraphNode's ports split the way function nodes' are: a
    port the inner graph has a default for is optional (its value may be absent when the
    GraphNode runs: the runners then leave it to the inner graph)."""
    plan = wiring_of(graph).dynamic
    assert isinstance(plan, DynamicPlan)
    replaced: dict[str, DynamicNode] = {}
    graph_nodes = graph.nodes
    for record in plan.nodes.values():
        node = graph_nodes[record.name]
        if not isinstance(node, GraphNode):
            continue
        defaults = node.defaults
        args = tuple(pair for pair in record.step.args if pair[1] not in defaults)
        optional = tuple(
            (local, address, defaults[address], False)
            for local, address in record.step.args
            if address in defaults
        )
        step = dataclasses.replace(record.step, args=args, optional=optional)
        replaced[record.name] = dataclasses.replace(record, step=step)
    if not replaced:
        return plan
    nodes = {name: replaced.get(name, record) for name, record in plan.nodes.items()}
    components = tuple(tuple(nodes[r.name] for r in members) for members in plan.components)
    return dataclasses.replace(plan, nodes=nodes, components=components)


# -- checks --------------------------------------------------------------------------------


def check_dynamic(graph: Graph, backend: Backend, path: str = "") -> None:
    """Refuse what a gated or cyclic graph (nested at `path`) cannot compile to, naming the
    node; nested graphs are checked too."""
    from codegen.emit import check_graph, refuse_async

    plan = wiring_of(graph).dynamic
    assert isinstance(plan, DynamicPlan)
    nodes = graph.nodes
    signals = set(plan.signals).union(*(r.signals for r in plan.nodes.values()))
    for record in sorted(plan.nodes.values(), key=lambda r: r.index):
        name = record.name
        where = path + name
        try:
            check_identifier(name, "node name")
        except CompileError as exc:
            raise CompileError(exc.message, node=where) from None
        target = nodes[name]
        if isinstance(target, GraphNode):
            if target.graph.plan.is_dynamic:
                check_dynamic(target.graph, backend, where + "/")
            else:
                check_graph(target.graph, backend, where + "/", check_async=False)
        elif not isinstance(target, FunctionNode | GateNode):
            raise CompileError(
                f"node {where!r} is a {type(target).__name__}; inside a gated or cyclic graph "
                "the compiler handles function nodes, gates and nested graphs",
                node=where,
            )
        data = set(target.inputs) | set(target.data_outputs)
        clash = sorted(data & signals)
        if clash:
            raise CompileError(
                f"node {where!r} reads or writes {clash[0]!r} as a value, which is also an "
                "emit/wait_for signal; the compiler keeps signals apart from values in a gated "
                "or cyclic graph: rename one",
                node=where,
            )
        if record.step.from_given:
            raise CompileError(
                f"node {where!r} reads an input that an explicit edge also produces; the "
                "compiler does not support that in a gated or cyclic graph",
                node=where,
            )
        if isinstance(target, GateNode):
            for param in target.params:
                check_identifier(param, f"gate {where!r}: parameter")
    if backend == "sync" and not path:
        refuse_async(graph)


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
        n for n in wiring_of(graph).result_names if n in produced or n in present or n in marked
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
                ctx.aliases[r.name], limit = node_function(ctx, node, r.name)
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


def produced_type(graph: Graph, value: str, table: ImportTable) -> str:
    """The union of the producers' declared types (Any if one is unannotated)."""
    kinds: list[str] = []
    nodes = graph.nodes
    for name in graph.active_nodes:
        n = nodes[name]
        if value not in n.outputs:
            continue
        if isinstance(n, GateNode):
            hint = hints_of(n.func).get("return")
            kind = table.name("typing", "Any") if hint is None else render_type(hint, table)
        elif isinstance(n, FunctionNode):
            hints = n.output_annotation
            if value in hints:
                kind = render_type(hints[value], table)
            elif n.mode is ExecutionMode.SYNC_GENERATOR:
                kind = f"{table.name('collections.abc', 'Iterator')}[{table.name('typing', 'Any')}]"
            elif n.mode is ExecutionMode.ASYNC_GENERATOR:
                iterator = table.name("collections.abc", "AsyncIterator")
                kind = f"{iterator}[{table.name('typing', 'Any')}]"
            else:
                kind = table.name("typing", "Any")
        elif isinstance(n, GraphNode):
            kind = port_output_type(n, value, table)
        else:
            continue
        if kind not in kinds:
            kinds.append(kind)
    return " | ".join(kinds) if kinds else table.name("typing", "Any")


def _type_of(graph: Graph, name: str, table: ImportTable) -> str:
    if name in graph.inputs.all:
        found = input_type(graph, name, table)
        return found if found is not None else table.name("typing", "Any")
    return produced_type(graph, name, table)


# -- prologue and epilogue -----------------------------------------------------------------


def optional_seeds(graph: Graph) -> set[str]:
    """Optional, unbound inputs whose presence shows: a node also writes them (a loop's seed
    with a default), or they are results (a value fed under entrypoints). run() must tell
    them omitted from given."""
    plan = wiring_of(graph).dynamic
    assert isinstance(plan, DynamicPlan)
    spec = graph.inputs
    maybe_absent = set(spec.optional) - set(spec.bound)
    written = {value for r in plan.nodes.values() for value in r.written}
    return maybe_absent & (written | set(wiring_of(graph).result_names))


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
