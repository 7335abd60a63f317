"""Graph + Plan -> module source, through the jinja2 templates in ``templates/``.

The emitter walks ``graph.plan`` (the Plan both runners walk) and ``wiring_of(graph)`` (the
runners' own argument wiring), validates every name, checks every value, lays statements out
the way ``ruff format`` would and hands a typed view model to the template.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import jinja2

from codegen.annotations import ImportTable
from codegen.blocks import space_local_defs, superstep_lines
from codegen.errors import CompileError, InternalError
from codegen.flatten import Block, FlatCall, Flattened, Item, flatten, schedule, top_names
from codegen.importable import MISSING, dotted_problem, lookup, shown_name
from codegen.inputs import Signature, signature
from codegen.inputs import outputs as output_fields
from codegen.layout import Raw, assignment, statement
from codegen.literals import format_literal, string_literal
from codegen.names import MAP_HELPERS, Namespace, check_identifier
from codegen.shared import refuse_shared
from codegen.statements import Backend, EmitContext, line_map
from codegen.subgraphs import FunctionParts, function_graphs, node_function
from codegen.unread import drop_unread_locals
from codegen.view import Field, ModuleView, StepView
from hypergraph import ExecutionMode, FunctionNode, Graph
from hypergraph.nodes.gate import GateNode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import async_paths, wiring_of

__all__ = [
    "DYNAMIC_HELPERS",
    "ENV",
    "GATHERS",
    "check_graph",
    "checked",
    "refuse_async",
    "Backend",
    "Emitted",
    "emit",
    "helper_imports",
    "import_function",
    "import_lines",
    "map_options",
    "module_view",
    "render_module",
    "static_parts",
]

SyncNodes = Literal["thread", "inline"]

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("codegen", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


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
) -> Emitted:
    """Render `graph` for `backend`; CompileError if the graph cannot be expressed."""
    if backend not in ("sync", "async"):
        raise CompileError(f"backend must be 'sync' or 'async', got {backend!r}")
    if sync_nodes not in ("thread", "inline"):
        raise CompileError(f"sync_nodes must be 'thread' or 'inline', got {sync_nodes!r}")
    if not source_name.isprintable() or '"""' in source_name:
        raise CompileError(f"source name {source_name!r} must be one printable line")
    graph_name = graph.name or "graph"
    if not graph_name.replace("-", "_").isidentifier():
        raise CompileError(f"graph name {graph_name!r} must be an identifier (dashes allowed)")
    refuse_shared(graph)
    if graph.plan.is_dynamic:  # gates or cycles: the step loop of codegen.dynamic
        from codegen.dynamic import emit_dynamic

        return emit_dynamic(
            graph,
            backend=backend,
            source_name=source_name,
            digest=digest,
            sync_nodes=sync_nodes,
            graph_name=graph_name,
        )
    check_graph(graph, backend)
    # one namespace: locals must not shadow imports (nor those of nested graph functions)
    namespace = Namespace(top_names(graph).union(*map(top_names, function_graphs(graph))))
    table = ImportTable(namespace)
    ctx = EmitContext(graph, backend, sync_nodes == "inline", table, namespace)
    flat, sig, outputs, steps, returns = _static(ctx, graph)
    view = module_view(
        ctx,
        source_name=source_name,
        digest=digest,
        graph_name=graph_name,
        supersteps=schedule(flat.supersteps),
        sig=sig,
        outputs=tuple(outputs),
        params=tuple(sig.params) + map_options(ctx),
        steps=steps,
        returns=returns,
        outputs_partial=bool(ctx.markers),
    )
    source = space_local_defs(render_module(ctx, view, f"{backend}.py.jinja"))
    stub = render_module(ctx, view, "stub.pyi.jinja")
    return checked(Emitted(source, stub, line_map(source, ctx.statements)), source_name)


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
    supersteps: tuple[tuple[str, ...], ...],
    sig: Signature,
    outputs: tuple[Field, ...],
    params: tuple[str, ...],
    **shape: Any,
) -> ModuleView:
    """The view model of a module: what both back ends fill alike, from `ctx` and the graph,
    plus their own `shape` (steps and returns, or a whole body)."""
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
        schedule=prefix + format_literal(supersteps, 0, len(prefix), 0),
        inputs_required=tuple(sig.required),
        inputs_optional=tuple(sig.optional),
        outputs=outputs,
        params=params,
        use_several="several" in used,
        use_thread="thread" in used,
        use_inline="inline" in used,
        use_drain="drain" in used,
        use_drain_async="drain_async" in used,
        use_superstep="superstep" in used,
        use_paramspec=bool({"thread", "inline"} & used),
        outputs_functional=not all(f.name.isidentifier() for f in outputs),
        helpers=frozenset(used & (MAP_HELPERS | DYNAMIC_HELPERS)),
        functions=tuple(ctx.functions),
        targets=tuple((c, string_literal(t)) for t, c in sorted(ctx.targets.items())),
        **shape,
    )


def _static(
    ctx: EmitContext, graph: Graph
) -> tuple[Flattened, Signature, list[Field], tuple[StepView, ...], str]:
    """A DAG's run: flattened calls, signature, outputs, supersteps and return statement."""
    flat = flatten(graph, ctx.locals_, lambda node, path: _graph_call(ctx, node, path))
    for call in _calls(flat.supersteps):
        if isinstance(call.node, FunctionNode):
            _import_node(ctx, call.path, call.node)
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


def _graph_call(ctx: EmitContext, node: GraphNode, path: str) -> tuple[ExecutionMode, bool]:
    """A mapped nested graph with gates or cycles: a call of its module function."""
    ctx.aliases[path], limit = node_function(ctx, node, path)
    mode = ExecutionMode.ASYNC_FUNCTION if ctx.backend == "async" else ExecutionMode.SYNC_FUNCTION
    return mode, limit


def static_parts(ctx: EmitContext, graph: Graph) -> FunctionParts:
    """A DAG's run as a function body (for codegen.subgraphs; checked by the caller)."""
    _, sig, _, steps, returns = _static(ctx, graph)
    lines = ['    """Run the graph once, superstep by superstep."""']
    for step in steps:
        lines.append(f"    # superstep {step.number}: {step.nodes}")
        lines += step.lines
    lines.append(returns)
    limit = bool(GATHERS & ctx.used)
    return FunctionParts(tuple(sig.params), tuple(lines), limit)


def render_module(ctx: EmitContext, view: ModuleView, template: str) -> str:
    """Render `template`, adding exactly the imports the rendered text uses."""
    stub = template.endswith(".pyi.jinja")
    stdlib, other = import_lines(ctx.table, helper_imports(view, stub=stub), nodes=not stub)
    if not stub:
        hypergraph = _import_fallback(view.helpers)
        fallback = (*hypergraph, "", *_TYPED_DICT) if hypergraph else _TYPED_DICT
        other = (*other, "", *fallback) if other else fallback
    notes = tuple(
        line
        for note in ctx.table.notes
        for line in textwrap.wrap(_comment_text(note), 98, subsequent_indent="  ")
    )
    changes: dict[str, object] = {"stdlib_imports": stdlib, "other_imports": other, "notes": notes}
    if stub:  # an omittable seed's marker default is not a name the stub defines
        params = tuple(
            p.removesuffix(" = _ABSENT") + " = ..." if p.endswith(" = _ABSENT") else p
            for p in view.params
        )
        changes.update(unwraps=(), steps=(), body="", functions=(), params=params)
    full = dataclasses.replace(view, **changes)  # type: ignore[arg-type]
    text = ENV.get_template(template).render(m=full, stub=stub)
    return _drop_unused_any(text) if stub else drop_unread_locals(text)


def _comment_text(text: str) -> str:
    """`text` as the body of one comment line: printable ASCII only."""
    return "".join(c if c.isascii() and c.isprintable() else ascii(c)[1:-1] for c in text)


def _drop_unused_any(stub: str) -> str:
    """The stub without ``Any`` in its typing import when nothing else names it."""
    lines = stub.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("from typing import ") and "Any" in line[19:].split(", "):
            rest = "\n".join(lines[:index] + lines[index + 1 :])
            if not re.search(r"\bAny\b", rest):
                names = [n for n in line[19:].split(", ") if n != "Any"]
                lines[index] = "from typing import " + ", ".join(names)
            break
    return "\n".join(lines)


_LOOP_ERROR_FALLBACK = (
    "",
    "    class InfiniteLoopError(Exception):  # type: ignore[no-redef]",
    '        """A cyclic part ran more than max_iterations supersteps."""',
    "",
    "        def __init__(self, max_iterations: int, message: str | None = None) -> None:",
    "            self.max_iterations = max_iterations",
    '            self.message = message or f"Graph execution exceeded {max_iterations} iterations"',
    "            super().__init__(self.message)",
)


_TYPED_DICT = (
    "if TYPE_CHECKING:",
    "    from typing import TypedDict",
    "else:  # pydantic validates only typing_extensions' TypedDict before Python 3.12",
    "    try:",
    "        from typing_extensions import TypedDict",
    "    except ImportError:  # the standard library's when typing_extensions is absent",
    "        from typing import TypedDict",
)
"""Inputs and Outputs are TypedDicts that pydantic can validate on every Python version,
while the module needs nothing beyond the standard library."""


def _import_fallback(helpers: frozenset[str]) -> tuple[str, ...]:
    """hypergraph's END and InfiniteLoopError when installed, else local stand-ins."""
    gates, loops = "decide" in helpers, "loop_error" in helpers
    if not gates and not loops:
        return ()
    lines = ["try:"]
    # pyright reports a name bound twice; both checkers accept the stand-ins' shapes
    if gates:
        lines.append("    from hypergraph import END")
    if loops:
        lines.append(
            "    from hypergraph.exceptions import InfiniteLoopError"
            "  # pyright: ignore[reportAssignmentType]"
        )
    lines.append("except ImportError:  # without hypergraph: stand-ins of the same names")
    if gates:
        lines.append(
            '    END = "\\x00hypergraph.END"  # pyright: ignore[reportConstantRedefinition]'
        )
    if loops:
        lines += [*_LOOP_ERROR_FALLBACK, ""]
    return tuple(lines)


def helper_imports(view: ModuleView, *, stub: bool) -> set[tuple[str, str]]:
    if stub:
        return {("typing", "Final"), ("typing", "TypedDict")}
    needed = {("typing", "Final"), ("typing", "TYPE_CHECKING")}  # TypedDict: see _TYPED_DICT
    if "absent" in view.helpers:
        needed |= {("typing", "Any")}
    if view.backend == "async" and (view.use_thread or view.use_inline):
        needed |= {("collections.abc", "Callable"), ("typing", "ParamSpec"), ("typing", "TypeVar")}
    if view.use_thread:
        needed |= {("asyncio", ""), ("contextvars", ""), ("threading", ""), ("typing", "cast")}
    if view.use_several:
        needed |= {("typing", "TypeVar"), ("collections.abc", "Sized")}
    if view.use_drain:
        needed |= {("collections.abc", "Iterable")}
    if view.use_drain_async:
        needed |= {("collections.abc", "AsyncIterator")}
    if "columns" in view.helpers:
        needed |= {("collections.abc", "Sequence"), ("typing", "Any")}
    if {"map_inputs", "port_lists", "port_values"} & view.helpers:
        needed |= {("typing", "Any")}
    if "same_length" in view.helpers:
        needed |= {("collections.abc", "Sized")}
    if "product" in view.helpers:
        needed |= {("itertools", "product as _product")}
    if "decide" in view.helpers:
        needed |= {("collections.abc", "Sequence"), ("typing", "cast")}
    if "deepcopy" in view.helpers:
        needed |= {("copy", "deepcopy as _deepcopy")}
    if {"gather_items", "gather_settled"} & view.helpers:
        needed |= {
            ("asyncio", ""),
            ("collections.abc", "Coroutine"),
            ("collections.abc", "Sequence"),
            ("typing", "Any"),
            ("typing", "TypeVar"),
        }
    if view.use_superstep:
        needed |= {
            ("asyncio", ""),
            ("collections.abc", "Coroutine"),
            ("typing", "Any"),
            ("typing", "TypeVar"),
        }
    return needed


def import_lines(
    table: ImportTable, helpers: set[tuple[str, str]], *, nodes: bool = True
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sorted import statements, split into the standard library and everything else."""
    plain: set[str] = {module for module, name in helpers if not name}
    froms: dict[str, set[str]] = {}
    for module, name in helpers:
        if name:
            froms.setdefault(module, set()).add(name)
    for imp in table.imports():
        if not nodes and imp.alias in table.node_aliases:
            continue
        if not imp.name:
            plain.add(imp.module)
            continue
        text = imp.name if imp.alias == imp.name else f"{imp.name} as {imp.alias}"
        froms.setdefault(imp.module, set()).add(text)
    stdlib: list[str] = ["from __future__ import annotations", ""]
    other: list[str] = []
    for module in sorted(plain):
        (stdlib if _is_stdlib(module) else other).append(f"import {module}")
    for module in sorted(froms):
        target = stdlib if _is_stdlib(module) else other
        groups = [[n] for n in froms[module] if " as " in n]
        plain_names = sorted((n for n in froms[module] if " as " not in n), key=_isort_key)
        if plain_names:
            groups.append(plain_names)
        for names in sorted(groups, key=lambda g: _isort_key(g[0])):
            line = f"from {module} import {', '.join(names)}"
            if len(line) > 100:
                line = f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"
            target.append(line)
    return tuple(stdlib), tuple(other)


def _isort_key(text: str) -> tuple[int, str]:
    name = text.split(" as ")[0]
    if name.isupper() and len(name) > 1:
        return (0, name.lower())
    return (1, name.lower()) if name[:1].isupper() else (2, name.lower())


def _is_stdlib(module: str) -> bool:
    return module.partition(".")[0] in sys.stdlib_module_names


# -- checks --------------------------------------------------------------------------------


GATHERS = frozenset({"gather_items", "gather_settled"})
"""ctx.used keys of async maps: run() then takes ``max_concurrency``."""

DYNAMIC_HELPERS = frozenset({"absent", "changed", "decide", "end_text", "which", "loop_error"})
"""Helpers of gated and cyclic graphs (``ctx.used`` keys; templates/_dynamic_helpers.jinja)."""


def map_options(ctx: EmitContext) -> tuple[str, ...]:
    """run()'s keyword bounding mapped items that run at once, when the module maps any."""
    if GATHERS & ctx.used:
        return ("max_concurrency: int | None = None",)
    return ()


def check_graph(
    graph: Graph, backend: Backend, path: str = "", *, check_async: bool = True
) -> None:
    nodes = graph.nodes
    for name in graph.active_nodes:
        target = nodes[name]
        where = path + name
        try:
            check_identifier(name, "node name")
        except CompileError as exc:
            raise CompileError(exc.message, node=where) from None
        if isinstance(target, GraphNode) and target.graph.plan.is_dynamic:
            from codegen.dynamic import check_dynamic

            check_dynamic(target.graph, backend, where + "/")
        elif isinstance(target, GraphNode):
            check_graph(target.graph, backend, where + "/", check_async=False)
        elif not isinstance(target, FunctionNode):  # gates and cycles make a plan dynamic
            raise CompileError(
                f"node {where!r} is a {type(target).__name__}, which the compiler cannot call",
                node=where,
            )
    if backend == "sync" and check_async:
        refuse_async(graph)


def refuse_async(graph: Graph) -> None:
    """A sync module cannot await: refuse a graph with active async nodes (at any depth)."""
    async_nodes = async_paths(graph)
    if async_nodes:
        raise CompileError(
            f"graph contains async node(s) {', '.join(async_nodes)} but the sync back end "
            'cannot await; compile with runner = "async"',
            node=async_nodes[0],
        )


def _calls(supersteps: tuple[tuple[Item, ...], ...]) -> Iterator[FlatCall]:
    for items in supersteps:
        for item in items:
            if isinstance(item, Block):
                yield from _calls(item.supersteps)
            else:
                yield item


# -- node functions ------------------------------------------------------------------------


def _import_node(ctx: EmitContext, path: str, target: FunctionNode[..., object]) -> None:
    import_function(ctx, path, target.func)


def import_function(ctx: EmitContext, path: str, func: Any) -> None:
    """Import a node's function into the module under a collision-free alias.

    A function reached through a `@node`, `@route` or `@ifelse` object is imported as that
    object and its `.func` bound once, so calls go straight to the raw function.
    """
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    known = ctx.table.functions.get((module, qualname))
    if known is not None and known[0] is func:  # imported already (many nodes, one function)
        ctx.aliases[path] = known[1]
        ctx.table.node_aliases.add(known[1].partition(".")[0])
        return
    shown = shown_name(f"{module}.{qualname}")
    if (isinstance(qualname, str) and "<" in qualname) or module == "__main__":
        raise CompileError(
            f"node {path!r}: function {shown} is a lambda, a local function or defined in "
            "__main__; compiled modules import node functions, so define it at the top level "
            "of an importable module",
            path,
        )
    for what, text in (("module", module), ("qualified name", qualname)):
        problem = dotted_problem(text)
        if problem:
            raise CompileError(
                f"node {path!r}: function {shown} cannot be imported: its {what} "
                f"{shown_name(text)} {problem}",
                path,
            )
    assert isinstance(module, str)
    assert isinstance(qualname, str)
    found = lookup(module, qualname)
    if found is func:
        ctx.aliases[path] = ctx.table.name(module, qualname)
    elif isinstance(found, FunctionNode | GateNode) and found.func is func:
        holder = ctx.table.name(module, qualname, preferred=f"{qualname.split('.')[-1]}_node")
        ctx.table.node_aliases.add(holder.partition(".")[0])
        key = f"{module}:{qualname}"
        if key not in ctx.table.unwrapped:
            alias = ctx.table.namespace.claim(qualname.split(".")[-1])
            ctx.table.unwrapped[key] = alias
            ctx.unwraps.append(f"{alias}: Final = {holder}.func")
        ctx.aliases[path] = ctx.table.unwrapped[key]
    else:
        kind = "nothing" if found is MISSING else shown_name(type(found).__name__)
        raise CompileError(
            f"node {path!r}: {shown} does not name its function (found {kind}); define the "
            "function at the top level of its module, under its own name",
            path,
        )
    ctx.table.node_aliases.add(ctx.aliases[path].partition(".")[0])
    ctx.table.functions[(module, qualname)] = (func, ctx.aliases[path])
