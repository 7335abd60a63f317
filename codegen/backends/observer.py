"""``[graph] events = true``: run() takes an optional observer and reports its run to it.

The run's body is written as usual, except that it calls each node through a local bound at
the top of run() (`EmitContext.watched`): with no observer, the imported function itself
(a local call is no slower than a global one, so the run pays nothing); with one, the function
wrapped by a helper of ``templates/_events.jinja`` that reports the node's start, end or error
(and a gate's checked decision). The observer is any object with the `Observer` protocol
written into the module, so the module still imports nothing from hypergraph;
``hypergraph.events.observe`` makes one that feeds event processors.
"""

from __future__ import annotations

from codegen.analysis.flatten import top_names
from codegen.backends.context import EmitContext
from codegen.backends.dynamic.body_plan import end_text, gate_args
from codegen.errors import CompileError
from codegen.render.layout import Call, Lit, Name, Raw, statement, unpack
from codegen.render.literals import LINE_LENGTH
from hypergraph import ExecutionMode, Graph
from hypergraph.nodes.gate import GateNode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import SEVERAL, wiring_of

__all__ = [
    "EVENT_HELPERS",
    "EVENT_NAMES",
    "check_events",
    "node_table",
    "observer_param",
    "prologue",
]

EVENT_HELPERS = frozenset(
    {"watch", "watch_async", "watch_drained", "watch_drained_async", "watch_gate"}
)
"""The wrappers of templates/_events.jinja (``ctx.used`` keys): a module writes those it uses."""

EVENT_NAMES = frozenset({"observer", "Observer", "RunObserver", "Protocol", "Iterator"})
"""Names a module with events uses unqualified: no graph value may take them."""

_PAD = "    "


def check_events(graph: Graph) -> None:
    """Refuse what the observer cannot report yet: nested graphs, and clashing names."""
    for node in graph.iter_nodes():
        if isinstance(node, GraphNode):
            raise CompileError(
                f"node {node.name!r} is a nested graph: compiled modules report events only "
                "for graphs without nested graphs for now; drop `events = true` or inline "
                "the nested graph's nodes",
                node.name,
            )
    clash = sorted(top_names(graph) & EVENT_NAMES)
    if clash:
        raise CompileError(
            f"the graph's value {clash[0]!r} has a name a module with `events = true` "
            f"uses itself ({', '.join(sorted(EVENT_NAMES))}); rename it"
        )


def observer_param() -> str:
    """run()'s observer keyword."""
    return "observer: Observer | None = None"


def prologue(ctx: EmitContext, graph: Graph, graph_name: str, params: tuple[str, ...]) -> str:
    """run()'s first lines: bind each node's local, or hand an observed run to `_observed`."""
    names = [p.partition(":")[0].strip() for p in params]
    lines = [f"{_PAD}if observer is None:"]
    if ctx.watched:  # one unpacking of the module's tuple: a few ns per node and run
        lines.append(unpack([local for _, _, local in ctx.watched], "_NODES", 2))
    else:  # no node can run (every one pruned or unreachable)
        lines.append(f"{_PAD * 2}pass")
    lines.append(f"{_PAD}elif type(observer) is not _Run:")
    # with cached nodes, run() sets the run's cache and calls _run(): the observed run too
    body = "_run" if {"cache", "acache"} & ctx.used else "run"
    call = Call(
        "await _observed" if ctx.backend == "async" else "_observed",
        (
            (None, Name("observer")),
            (None, Lit(graph_name)),
            (None, Name(body)),
            *((name, Name(name)) for name in names),
        ),
    )
    lines.append(statement("return ", call, 2))
    lines.append(f"{_PAD}else:")
    steps = {step.name: step for step in wiring_of(graph).ordered}
    nodes = graph.nodes
    for path, alias, local in ctx.watched:
        lines.append(statement(f"{local} = ", _wrapped(ctx, nodes[path], steps[path], alias), 2))
    if not ctx.watched:
        lines.append(f"{_PAD * 2}pass")
    return "\n".join(lines)


def node_table(ctx: EmitContext) -> str:
    """``_NODES``: the node functions in the order run()'s prologue unpacks them."""
    if not ctx.watched:
        return ""
    aliases = [alias for _, alias, _ in ctx.watched]
    flat = f"_NODES: Final = ({', '.join(aliases)}{',' if len(aliases) == 1 else ''})"
    if len(flat) <= LINE_LENGTH:
        return flat
    return "_NODES: Final = (\n" + "".join(f"{_PAD}{a},\n" for a in aliases) + ")"


def _wrapped(ctx: EmitContext, node: object, step: object, alias: str) -> Call:
    """The helper call that wraps node `node`'s function `alias` for the observer."""
    name = getattr(node, "name", "")
    head: tuple[tuple[str | None, Name | Lit | Raw], ...] = (
        (None, Name("observer")),
        (None, Lit(name)),
        (None, Name(alias)),
    )
    if isinstance(node, GateNode):
        kind, targets, fallback = gate_args(node)
        args = (*head, (None, Raw(kind)), (None, Raw(targets)), (None, Raw(fallback)))
        if end_text(node, "raw") != "raw":
            args = (*args, ("end_string", Raw("True")))
        ctx.used.add("watch_gate")
        return Call("_watch_gate", args)
    mode = getattr(step, "mode", None)
    if name in ctx.awaited:  # a `def` node behind async policy helpers: awaited
        mode = ExecutionMode.ASYNC_FUNCTION
    outputs = getattr(step, "outputs", ())
    several = getattr(step, "shape", None) == SEVERAL
    count = ((None, Lit(len(outputs))),) if several else ()
    if mode is ExecutionMode.ASYNC_FUNCTION:
        helper = "watch_async"
    elif mode is ExecutionMode.SYNC_GENERATOR and not outputs:
        helper, count = "watch_drained", ()
    elif mode is ExecutionMode.ASYNC_GENERATOR and not outputs:
        helper, count = "watch_drained_async", ()
    else:
        helper = "watch"
    ctx.used.add(helper)
    return Call(f"_{helper}", (*head, *count))
