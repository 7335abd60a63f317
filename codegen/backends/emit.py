"""Graph + Plan -> module source: the back ends' entry point.

`emit` checks what the graph needs of the compiler (``codegen.analysis.refusals``), claims the
module's names, lets a back end write the run (`static_module` for a DAG, `dynamic_module` for
a graph with gates or cycles) and hands the view model to the templates
(``codegen.render.template``). The module and its stub must compile, or nothing is written.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from codegen.analysis.annotations import ImportTable
from codegen.analysis.flatten import function_graphs, top_names
from codegen.analysis.names import MAP_HELPERS, RUN_MANY_NAMES, Namespace
from codegen.analysis.refusals import check_dynamic, check_graph, refuse_context, refuse_shared
from codegen.backends.context import DYNAMIC_HELPERS, Backend, EmitContext, SyncNodes
from codegen.backends.dynamic.run import dynamic_module
from codegen.backends.observer import (
    EVENT_HELPERS,
    EVENT_NAMES,
    check_events,
    node_table,
    observer_param,
    prologue,
)
from codegen.backends.parts import ModuleParts
from codegen.backends.policies import (
    POLICY_HELPERS,
    cache_run,
    policy_imports,
    portable_source,
)
from codegen.backends.statements import line_map
from codegen.backends.static.schedule import static_module
from codegen.backends.subgraphs import node_function
from codegen.errors import CompileError, InternalError
from codegen.render.literals import format_literal, string_literal
from codegen.render.spacing import space_local_defs
from codegen.render.template import render_module
from codegen.render.view import ModuleView
from hypergraph import Graph
from hypergraph.plan import cached_paths

__all__ = ["Emitted", "checked", "emit", "module_view"]


@dataclass(frozen=True)
class Emitted:
    """A rendered module, its stub, and which generated lines belong to which node."""

    source: str
    stub: str
    node_lines: dict[int, str]


def emit(
    graph: Graph,
    *,
    backend: Backend,
    source_name: str,
    digest: str | None = None,
    sync_nodes: SyncNodes = "thread",
    events: bool = False,
    run_many: bool = False,
) -> Emitted:
    """Render `graph` for `backend`; CompileError if the graph cannot be expressed.

    With `events`, run() takes an optional observer (``codegen.backends.observer``); with
    `run_many` (sync only) the module also gets `run_many(items, executor=...)`.
    """
    with _collector_paused():
        return _emit(graph, backend, source_name, digest, sync_nodes, events, run_many)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Compiling allocates many small objects and frees them by reference counting; the
    cyclic collector would traverse the whole graph again and again meanwhile (a third of
    the time at 10,000 nodes), so it waits until the module is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _emit(
    graph: Graph,
    backend: Backend,
    source_name: str,
    digest: str | None,
    sync_nodes: SyncNodes,
    events: bool,
    run_many: bool,
) -> Emitted:
    if backend not in ("sync", "async"):
        raise CompileError(f"backend must be 'sync' or 'async', got {backend!r}")
    if sync_nodes not in ("thread", "inline"):
        raise CompileError(f"sync_nodes must be 'thread' or 'inline', got {sync_nodes!r}")
    if run_many and backend != "sync":
        raise CompileError(
            "run_many is built for the sync back end: an async module maps with its own "
            "concurrency (asyncio.gather over run()); drop run_many or compile for sync"
        )
    if run_many and events:
        raise CompileError(
            "run_many with events = true is not built: a module's observer cannot follow "
            "run() into executor workers; drop one of them (run the map with SyncRunner.map("
            "executor=..., event_processors=...) to watch an executor map)"
        )
    cached = cached_paths(graph) if run_many else ()
    if cached:
        raise CompileError(
            f"node {cached[0]!r} has cache=True, and run_many is not built for cached nodes: "
            "run() takes the cache, but items sent to an executor in other processes cannot "
            "share it; drop run_many or cache=True (SyncRunner(cache=...).map(executor="
            "ThreadPoolExecutor(...)) shares one cache across threads)",
            node=cached[0],
        )
    if not source_name.isprintable() or '"""' in source_name:
        raise CompileError(f"source name {source_name!r} must be one printable line")
    graph_name = graph.name or "graph"
    if not graph_name.replace("-", "_").isidentifier():
        raise CompileError(f"graph name {graph_name!r} must be an identifier (dashes allowed)")
    refuse_shared(graph)
    refuse_context(graph)
    if events:
        check_events(graph)
    dynamic = graph.plan.is_dynamic  # gates or cycles: codegen.backends.dynamic
    if dynamic:
        check_dynamic(graph, backend)
    else:
        check_graph(graph, backend)
    # one namespace: locals must not shadow imports (nor those of nested graph functions)
    names = top_names(graph).union(*map(top_names, function_graphs(graph)))
    namespace = Namespace(
        names | (EVENT_NAMES if events else set()) | (RUN_MANY_NAMES if run_many else set())
    )
    table = ImportTable(namespace)
    ctx = EmitContext(graph, backend, sync_nodes == "inline", table, namespace, node_function)
    ctx.events = events
    parts = dynamic_module(ctx, graph) if dynamic else static_module(ctx, graph)
    view = module_view(
        ctx, source_name=source_name, digest=digest, graph_name=graph_name, parts=parts
    )
    if events:
        view = _with_observer(ctx, graph, graph_name, view)
    if run_many:
        view = dataclasses.replace(view, run_many=True)
    source = space_local_defs(render_module(ctx.table, view, f"{backend}.py.jinja"))
    stub = render_module(ctx.table, view, "stub.pyi.jinja")
    return checked(Emitted(source, stub, line_map(source, ctx.statements)), source_name)


def _with_observer(ctx: EmitContext, graph: Graph, graph_name: str, view: ModuleView) -> ModuleView:
    """The view of a module whose run() takes an observer: the parameter, the prologue after
    the docstring (a DAG's as its own field, a dynamic body's spliced in) and the helpers."""
    first = prologue(ctx, graph, graph_name, view.params)
    params = (*view.params, observer_param())
    table = node_table(ctx)
    view = dataclasses.replace(
        view,
        params=params,
        events=True,
        nodes=table,
        helpers=view.helpers | (ctx.used & EVENT_HELPERS),
        cache_run=cache_run(ctx, params),  # run(cache=...) hands the observer on to _run()
    )
    if view.body:
        doc, _, rest = view.body.partition("\n")
        return dataclasses.replace(view, body=f"{doc}\n{first}\n{rest}")
    return dataclasses.replace(view, prologue=first)


def checked(emitted: Emitted, source_name: str) -> Emitted:
    """`emitted` once its module and stub compile (InternalError otherwise: a compiler bug,
    and nothing is written)."""
    for text, kind in ((emitted.source, "module"), (emitted.stub, "stub")):
        try:
            compile(text, f"<compiled {kind}>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) else ""
            raise InternalError(
                f"internal error: the {kind} generated from {source_name} does not compile: "
                f"{exc.__class__.__name__}: {getattr(exc, 'msg', exc)}{where}. Nothing was "
                "written. This is a bug in hypergraph's compiler: please report it with the "
                "spec or graph"
            ) from None
    return emitted


def module_view(
    ctx: EmitContext,
    *,
    source_name: str,
    digest: str | None,
    graph_name: str,
    parts: ModuleParts,
) -> ModuleView:
    """The view model of a module: what both back ends fill alike, from `ctx` and the graph,
    plus the run a back end wrote (`parts`)."""
    used = ctx.used
    prefix = "SCHEDULE: Final = "
    return ModuleView(
        source=source_name,
        digest_label="Spec sha256" if digest is not None else "Graph sha256",
        digest=digest if digest is not None else ctx.graph.definition_hash,
        graph_name=graph_name,
        backend=ctx.backend,
        stdlib_imports=(),
        other_imports=(),
        unwraps=tuple(ctx.unwraps),
        schedule=prefix + format_literal(parts.supersteps, 0, len(prefix), 0),
        inputs_required=tuple(parts.sig.required),
        inputs_optional=tuple(parts.sig.optional),
        outputs=parts.outputs,
        params=parts.params,
        steps=parts.steps,
        returns=parts.returns,
        use_several="several" in used,
        use_thread="thread" in used,
        use_inline="inline" in used,
        use_drain="drain" in used,
        use_drain_async="drain_async" in used,
        use_superstep="superstep" in used,
        use_paramspec=bool({"thread", "inline"} & used) or bool(POLICY_HELPERS & used),
        outputs_functional=not all(f.name.isidentifier() for f in parts.outputs),
        helpers=frozenset(used & (MAP_HELPERS | DYNAMIC_HELPERS)),
        body=parts.body,
        outputs_partial=parts.outputs_partial,
        functions=tuple(ctx.functions),
        targets=tuple((c, string_literal(t)) for t, c in sorted(ctx.targets.items())),
        schedule_doc=parts.schedule_doc,
        policy=frozenset(used & POLICY_HELPERS),
        portable=portable_source() if {"cache", "acache"} & used else "",
        policies=tuple(ctx.policies),
        policy_imports=frozenset(policy_imports(used)),
        cache_run=cache_run(ctx, parts.params),
    )
