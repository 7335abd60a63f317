"""The body plan of a gated or cyclic run: every state local claimed, every node's call.

Both dynamic writers (the step loop and the state machine) read it. The state lives in plain
locals, keyed in `BodyPlan.names`:

* ``x`` the value, ``has_x`` whether it is present, ``ver_x`` its version (watched names only);
* ``ver_s`` the version of an emit/wait_for signal ``s`` (waited-for signals only): every
  emission advances it, so ``ver_s > seen_n_s`` is "present and re-emitted since ``n`` ran"
  (R4 (d); a node with wait_for signals is always due, R4 (e));
* ``ran_n`` whether node ``n`` ran, ``seen_n_x`` the version of ``x`` (or signal) it consumed;
* ``pick_g_t`` gate ``g``'s pending decision names ``t``; ``ended_g`` the gate returned END;
* ``go_n`` node ``n`` runs in this step: ready and not held back (a target of a ready gate,
  or a first-time waiter whose signal producer is ready);
* ``done_c`` component ``c`` is complete; ``spent_c`` its budget spent (cyclic only).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from codegen.analysis.flatten import Arg, Consumer, FlatCall
from codegen.analysis.gated import holders, watching
from codegen.analysis.porttypes import produced_type
from codegen.backends.context import EmitContext
from codegen.render.layout import Call, Name
from codegen.render.literals import check_literal, format_literal, string_literal
from hypergraph import ExecutionMode, FunctionNode, Graph
from hypergraph.nodes.gate import END, GateNode, IfElseNode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import DynamicNode, DynamicPlan, wiring_of

__all__ = ["BodyPlan", "NodeCode", "body_plan", "end_text", "gate_args", "gate_call", "signal_name"]


@dataclass
class NodeCode:
    """How one node is called and where its results go."""

    record: DynamicNode
    call: FlatCall | None
    """A function node's call (outputs are the temporaries); None for a gate."""
    gate_call: Call | None = None
    """A gate's call; its function name is a placeholder until the import (`gate_call`)."""
    temps: tuple[str, ...] = ()
    """Per data output, the temporary holding the new value ('' when nothing reads it)."""
    decision: str = ""
    """Gates: the local holding the validated targets."""
    ended: str = ""


@dataclass
class BodyPlan:
    """Everything the dynamic writers need, with every local name already claimed."""

    plan: DynamicPlan
    nodes: dict[str, NodeCode]
    values: dict[str, str]
    """Graph value -> its local variable."""
    present: set[str]
    """Values present from the start (required or bound inputs): no ``has_`` flag."""
    read: set[str]
    """Values some statement reads (arguments, versions, outputs)."""
    results: list[tuple[str, str]]
    """(result name, local variable), in RunResult order."""
    declared: list[tuple[str, str]]
    """(local variable, type) of produced values that are not run() parameters."""
    gates: dict[str, tuple[str, ...]]
    """Gate -> its active targets."""
    gate_helpers: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    """Gate -> the expression of its `_decide` keyword arguments (kind, targets, fallback)."""
    loop_messages: dict[int, str] = field(default_factory=dict)
    """Cyclic component -> its nodes, listed for the InfiniteLoopError message."""
    wired_default: set[str] = field(default_factory=set)
    """Values read with a fallback default when absent (they keep a runtime ``has_`` flag)."""
    names: dict[str, str] = field(default_factory=dict)
    """Claimed state locals, by key ('has:x', 'ver:x', 'ran:n', 'seen:n:x', ...)."""


@dataclass(frozen=True)
class _Values:
    """The graph's values as the body plan sees them, before any local is claimed."""

    values: dict[str, str]
    """Graph value -> its local variable (inputs, then produced values in plan order)."""
    present: set[str]
    maybe_absent: set[str]
    produced: dict[str, None]
    result_names: list[str]
    watched: set[str]
    read: set[str]
    tracked: set[str]
    """Values whose presence some statement reads (a ``has_`` flag)."""
    wired_default: set[str]


def _values(
    graph: Graph, records: list[DynamicNode], top: dict[str, str], marked: Collection[str]
) -> _Values:
    spec = graph.inputs
    present = set(spec.required) | set(spec.bound)
    produced = dict.fromkeys(out for r in records for out in r.step.outputs)
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
    return _Values(
        values={name: top[name] for name in (*spec.all, *produced)},
        present=present,
        maybe_absent=set(spec.optional) - set(spec.bound),
        produced=produced,
        result_names=result_names,
        watched=watched,
        read=read,
        tracked=tracked,
        wired_default=wired_default,
    )


def body_plan(
    ctx: EmitContext,
    graph: Graph,
    plan: DynamicPlan,
    top: dict[str, str],
    marked: Collection[str] = (),
) -> tuple[BodyPlan, list[Consumer]]:
    """The body plan of `graph` (its top-level locals in `top`; `marked`: optional inputs whose
    presence run() tells apart), and the calls that fall back for an omitted input."""
    records = sorted(plan.nodes.values(), key=lambda r: r.index)
    v = _values(graph, records, top, marked)
    gates = {
        g: tuple(t for t in targets if t in plan.nodes)
        for g, targets in (graph.plan.gates or {}).items()
    }
    names = _state_names(ctx, plan, records, v, gates)
    loop_messages: dict[int, str] = {}
    for c, members in enumerate(plan.components):
        if plan.cyclic[c]:
            loop_messages[c] = ", ".join(m.name for m in members)
    codes, helpers, consumers = _node_codes(ctx, records, v, names)
    spec = graph.inputs
    declared = []
    for value in v.values:
        if value in v.produced and value not in spec.all and value in v.read:
            declared.append((v.values[value], produced_type(graph, value, ctx.table)))
    body = BodyPlan(
        plan=plan,
        nodes=codes,
        values=v.values,
        present=v.present,
        read=v.read,
        results=[(n, v.values[n]) for n in v.result_names],
        declared=declared,
        gates=gates,
        gate_helpers=helpers,
        loop_messages=loop_messages,
        wired_default={x for x in v.wired_default if f"has:{x}" in names},
        names=names,
    )
    return body, consumers


def _state_names(
    ctx: EmitContext,
    plan: DynamicPlan,
    records: list[DynamicNode],
    v: _Values,
    gates: dict[str, tuple[str, ...]],
) -> dict[str, str]:
    """Every state local, claimed in a fixed order (the generated names depend on it)."""
    claim = ctx.locals_.claim
    values = v.values
    names: dict[str, str] = {}
    for value in sorted(v.tracked, key=list(values).index):
        names[f"has:{value}"] = claim(f"has_{values[value]}")
    for value in sorted(v.watched, key=list(values).index):
        names[f"ver:{value}"] = claim(f"ver_{values[value]}")
    signals = {s: signal_name(s) for r in records for s in r.signals}  # wait_for names
    for signal, local in signals.items():
        names[f"ver:{signal}"] = claim(f"ver_{local}")
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
    for c in range(len(plan.components)):
        if many:
            names[f"done:{c}"] = claim(f"done_{c}")
            names[f"any:{c}"] = claim(f"any_{c}")
        if plan.cyclic[c]:
            names[f"spent:{c}"] = claim(f"spent_{c}" if many else "spent")
    if many and any(plan.cyclic):
        names["still"] = claim("still")
        names["spend"] = claim("spend")
    return names


def _node_codes(
    ctx: EmitContext, records: list[DynamicNode], v: _Values, names: dict[str, str]
) -> tuple[dict[str, NodeCode], dict[str, tuple[str, str, str]], list[Consumer]]:
    """Per node its call (a gate's decision locals), its temporaries; the gates' `_decide`
    arguments; and the calls that fall back for an omitted input."""
    claim = ctx.locals_.claim
    values = v.values
    codes: dict[str, NodeCode] = {}
    consumers: list[Consumer] = []
    helpers: dict[str, tuple[str, str, str]] = {}
    for r in records:
        args = _args(r, values, names, v.produced, v.maybe_absent, consumers)
        keep = [o in v.read or o in v.watched or f"has:{o}" in names for o in r.step.outputs]
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
            helpers[r.name] = gate_args(r.gate)
    return codes, helpers, consumers


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


def gate_args(gate: GateNode) -> tuple[str, str, str]:
    """The `_decide` arguments after the raw value: kind, targets, fallback."""
    kind = "ifelse" if isinstance(gate, IfElseNode) else "multi" if gate.multi_target else "route"
    targets = [t if t is not END else None for t in gate.targets]
    text = ", ".join("END" if t is None else string_literal(t) for t in targets)
    fallback = gate.fallback
    falls = "None" if fallback is None else "END" if fallback is END else string_literal(fallback)
    return string_literal(kind), f"({text},)" if len(targets) == 1 else f"({text})", falls


def signal_name(signal: str) -> str:
    """An identifier fragment standing for a signal in local names (``ver_<it>``)."""
    return re.sub(r"[^0-9A-Za-z_]", "_", signal.replace(".", "__"))


def end_text(gate: GateNode | None, raw: str) -> str:
    """`_decide`'s raw argument: read through `_end_text` when the gate's function returns
    the string "END" for END (a gate declared in a spec on a plain function)."""
    if gate is None or not gate.end_string:
        return raw
    return f"_end_text({raw}, {gate.multi_target})"


def gate_call(ctx: EmitContext, code: NodeCode) -> Call:
    """The routing function's call (its alias is known once the function is imported)."""
    assert code.gate_call is not None
    return Call(ctx.aliases[code.record.name], code.gate_call.args)
