"""``[graph] events = true``: run() takes an optional observer and reports its run to it.

The run's body is written as usual, except that it calls each node through a local bound at
the top of run() (`EmitContext.watched`): with no observer, the imported function itself
(a local call is no slower than a global one, so the run pays nothing); with one, the function
wrapped by a helper of ``templates/_events.jinja`` that reports the node's start, end or error
(and a gate's checked decision) to the current run (``_FRAME``, a context variable).

Nested graphs report a child run nested in their GraphNode's span, as the runners do: a
flattened nested graph's statements are `guarded` (``if observer is not None:`` before and
after, the end reported from ``except``, so a run without observer pays one test per nested
run or item); a nested graph compiled to module functions takes the observer as a keyword
and binds its own nodes' locals the same way (`function_prologue`). The observer is any
object with the `Observer` protocol written into the module, so the module still imports
nothing from hypergraph; ``hypergraph.events.observe`` makes one that feeds event processors.
"""

from __future__ import annotations

from collections.abc import Callable

from codegen.analysis.flatten import function_graphs, top_names
from codegen.backends.context import EmitContext
from codegen.backends.dynamic.body_plan import end_text, gate_args
from codegen.errors import CompileError
from codegen.render.layout import Call, Expr, Lit, Name, Raw, statement, unpack
from codegen.render.literals import LINE_LENGTH
from hypergraph import ExecutionMode, Graph
from hypergraph.nodes.gate import GateNode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import SEVERAL, wiring_of

__all__ = [
    "EVENT_HELPERS",
    "EVENT_NAMES",
    "check_events",
    "child_started",
    "function_prologue",
    "guarded",
    "run_ended",
    "node_table",
    "observer_param",
    "prologue",
]

EVENT_HELPERS = frozenset(
    {
        "watch",
        "watch_async",
        "watch_drained",
        "watch_drained_async",
        "watch_gate",
        "step_events",
        "nested_steps",
        "nested_runs",
        "item_runs",
        "map_size",
        "item_task",
    }
)
"""The wrappers of templates/_events.jinja (``ctx.used`` keys): a module writes those it uses."""

EVENT_NAMES = frozenset({"observer", "Observer", "RunObserver", "Protocol", "Iterator"})
"""Names a module with events uses unqualified: no graph value may take them."""

_PAD = "    "

_HELPER_KEYS = {
    "_step_start": "step_events",
    "_step_end": "step_events",
    "_child_run": "nested_runs",
    "_run_ended": "nested_runs",
    "_item_run": "item_runs",
    "_nested_start": "nested_steps",
    "_nested_end": "nested_steps",
}
"""The templates/_events.jinja group (``ctx.used`` key) of each call `guarded` writes."""


def check_events(graph: Graph) -> None:
    """Refuse a graph value whose name a module with events uses itself (at the top level, or
    in a nested graph compiled to module functions, whose inputs are their parameters)."""
    names = top_names(graph).union(*map(top_names, function_graphs(graph)))
    clash = sorted(names & EVENT_NAMES)
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
    return "\n".join(_bindings(ctx, graph, ctx.watched, "_NODES", statement("return ", call, 2)))


def function_prologue(
    ctx: EmitContext, graph: Graph, watched: list[tuple[str, str, str]], table: str
) -> list[str]:
    """The first lines of a nested graph's module function: bind its nodes' locals."""
    return _bindings(ctx, graph, watched, table, None)


def _bindings(
    ctx: EmitContext,
    graph: Graph,
    watched: list[tuple[str, str, str]],
    table: str,
    dispatch: str | None,
) -> list[str]:
    lines = [f"{_PAD}if observer is None:"]
    if watched:  # one unpacking of the module's tuple: a few ns per node and run
        lines.append(unpack([local for _, _, local in watched], table, 2))
    else:  # no node can run (every one pruned or unreachable)
        lines.append(f"{_PAD * 2}pass")
    if dispatch is not None:
        lines += [f"{_PAD}elif type(observer) is not _Run:", dispatch]
    lines.append(f"{_PAD}else:")
    for path, alias, local in watched:
        node, step = _locate(graph, path)
        lines.append(statement(f"{local} = ", _wrapped(ctx, node, step, alias), 2))
    if not watched:
        lines.append(f"{_PAD * 2}pass")
    return lines


def _locate(graph: Graph, path: str) -> tuple[object, object]:
    """The node at `path` (``outer/inner/node`` through flattened nested graphs) and its
    step in its own graph's wiring."""
    *outer, name = path.split("/")
    for part in outer:
        holder = graph.nodes[part]
        assert isinstance(holder, GraphNode)
        graph = holder.graph
    steps = {step.name: step for step in wiring_of(graph).ordered}
    return graph.nodes[name], steps.get(name)


def node_table(
    ctx: EmitContext, name: str = "_NODES", watched: list[tuple[str, str, str]] | None = None
) -> str:
    """`name`: the node functions in the order a prologue unpacks them."""
    watched = ctx.watched if watched is None else watched
    if not watched:
        return ""
    aliases = [alias for _, alias, _ in watched]
    flat = f"{name}: Final = ({', '.join(aliases)}{',' if len(aliases) == 1 else ''})"
    if len(flat) <= LINE_LENGTH:
        return flat
    return f"{name}: Final = (\n" + "".join(f"{_PAD}{a},\n" for a in aliases) + ")"


def guarded(
    ctx: EmitContext,
    start: Call | None,
    body: list[str],
    end: Callable[[Expr], Call],
    indent: int,
) -> list[str]:
    """`body` (written at `indent` + 1) reported to the observer, if any: `start` before it,
    ``end(error)`` when it raised (then re-raised), ``end(None)`` when it finished."""
    for call in (start, end(Raw("None"))):
        if call is not None:
            ctx.used.add(_HELPER_KEYS[call.func])
    if not ctx.error:
        ctx.error = ctx.locals_.claim("error")
    error = ctx.error
    pad = _PAD * indent
    lines = []
    if start is not None:
        lines += [f"{pad}if observer is not None:", statement("", start, indent + 1)]
    lines += [f"{pad}try:", *body]
    lines += [
        f"{pad}except {ctx.table.name('builtins', 'BaseException')} as {error}:",
        f"{pad}{_PAD}if observer is not None:",
        statement("", end(Name(error)), indent + 2),
        f"{pad}{_PAD}raise",
        f"{pad}if observer is not None:",
        statement("", end(Raw("None")), indent + 1),
    ]
    return lines


def child_started(node: GraphNode, size: Expr | None = None) -> Call:
    """``_child_run(...)``: GraphNode `node`'s child run starts (a map of `size` items)."""
    args: tuple[tuple[str | None, Expr], ...] = (
        (None, Lit(node.name)),
        (None, Lit(node.graph.name or "")),
    )
    return Call("_child_run", (*args, (None, size)) if size is not None else args)


def run_ended(error: Expr) -> Call:
    """``_run_ended(error)``: the current child run, map or item ended."""
    return Call("_run_ended", ((None, error),))


def _wrapped(ctx: EmitContext, node: object, step: object, alias: str) -> Call:
    """The helper call that wraps node `node`'s function `alias` for the observer."""
    name = getattr(node, "name", "")
    head: tuple[tuple[str | None, Name | Lit | Raw], ...] = ((None, Lit(name)), (None, Name(alias)))
    if isinstance(node, GraphNode):  # its module function: the child run reports itself
        helper = "watch_async" if ctx.backend == "async" else "watch"
        ctx.used.add(helper)
        return Call(f"_{helper}", head)
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
