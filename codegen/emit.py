"""Graph + Plan -> module source, through the jinja2 templates in ``templates/``.

The emitter walks ``graph.plan`` (the Plan both runners walk) and ``prepared(graph)`` (the
runners' own argument wiring), validates every name, checks every value, lays statements out
the way ``ruff format`` would and hands a typed view model to the template.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import jinja2

from codegen.annotations import ImportTable, render_type
from codegen.errors import CompileError
from codegen.layout import Expr, Raw, statement
from codegen.literals import check_literal, format_literal, string_literal
from codegen.names import Namespace, check_identifier
from codegen.statements import Backend, EmitContext, line_map, superstep_view
from codegen.view import Field, ModuleView
from hypergraph import ExecutionMode, FunctionNode, Graph
from hypergraph.runners._steps import NodeStep, prepared

__all__ = ["Backend", "Emitted", "emit"]

SyncNodes = Literal["thread", "inline"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("codegen", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_MODE = ExecutionMode


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
    _check_graph(graph, backend)
    plan = graph.plan
    prep = prepared(graph)
    values = _value_names(graph, prep.supersteps)
    namespace = Namespace(values)  # one namespace: locals must not shadow imported names
    table = ImportTable(namespace)
    ctx = EmitContext(graph, backend, sync_nodes == "inline", table, namespace)
    for name in plan.nodes:
        _import_node(ctx, graph.nodes[name])
    inputs_required, inputs_optional, params, fallbacks = _inputs(ctx, prep.supersteps)
    outputs = _outputs(ctx, prep.supersteps, prep.result_names)
    steps = tuple(
        superstep_view(ctx, number, superstep, fallbacks)
        for number, superstep in enumerate(prep.supersteps)
    )
    returns = statement(
        "return ",
        Raw("{" + ", ".join(f"{string_literal(f.name)}: {f.name}" for f in outputs) + "}"),
    )
    if len(returns) > 100:
        body = "".join(f"        {string_literal(f.name)}: {f.name},\n" for f in outputs)
        returns = "    return {\n" + body + "    }"
    view = ModuleView(
        source=source_name,
        digest_label="Spec sha256" if digest is not None else "Graph sha256",
        digest=digest if digest is not None else graph.definition_hash,
        graph_name=graph_name,
        backend=backend,
        stdlib_imports=(),
        other_imports=(),
        unwraps=tuple(ctx.unwraps),
        schedule="SCHEDULE: Final = "
        + format_literal(plan.supersteps, 0, len("SCHEDULE: Final = "), 0),
        inputs_required=tuple(inputs_required),
        inputs_optional=tuple(inputs_optional),
        outputs=tuple(outputs),
        params=tuple(params),
        steps=steps,
        returns=returns,
        use_several="several" in ctx.used,
        use_thread="thread" in ctx.used,
        use_inline="inline" in ctx.used,
        use_drain="drain" in ctx.used,
        use_drain_async="drain_async" in ctx.used,
        use_superstep="superstep" in ctx.used,
        use_paramspec=bool({"thread", "inline"} & ctx.used),
    )
    source = _render(ctx, view, f"{backend}.py.jinja")
    stub = _render(ctx, view, "stub.pyi.jinja")
    return Emitted(source, stub, line_map(source, ctx.statements))


def _render(ctx: EmitContext, view: ModuleView, template: str) -> str:
    """Render `template`, adding exactly the imports the rendered text uses."""
    stub = template.endswith(".pyi.jinja")
    stdlib, other = _import_lines(ctx.table, _helper_imports(view, stub=stub), nodes=not stub)
    changes: dict[str, object] = {"stdlib_imports": stdlib, "other_imports": other}
    if stub:
        changes.update(unwraps=(), steps=())
    full = dataclasses.replace(view, **changes)  # type: ignore[arg-type]
    return _ENV.get_template(template).render(m=full, stub=stub)


def _helper_imports(view: ModuleView, *, stub: bool) -> set[tuple[str, str]]:
    needed = {("typing", "Final"), ("typing", "TypedDict")}
    if stub:
        return needed
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
    if view.use_superstep:
        needed |= {
            ("asyncio", ""),
            ("collections.abc", "Coroutine"),
            ("typing", "Any"),
            ("typing", "TypeVar"),
        }
    return needed


def _import_lines(
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


def _check_graph(graph: Graph, backend: Backend) -> None:
    nodes = graph.nodes
    for name in graph.active_nodes:
        target = nodes[name]
        if not isinstance(target, FunctionNode):
            raise CompileError(
                f"node {name!r} is a {type(target).__name__}; the compiler handles function "
                "nodes only so far (gates and nested graphs are not supported yet)",
                node=name,
            )
        check_identifier(name, "node name")
    if graph.has_cycles:
        raise CompileError(
            f"graph {graph.name or '(unnamed)'} has a cycle; the compiler cannot express "
            "cycles yet",
            node=next(iter(graph.active_nodes), None),
        )
    if graph.entrypoints_config:
        raise CompileError("graphs with entrypoints cannot be compiled yet")
    if backend == "sync":
        async_nodes = [n for n in graph.active_nodes if nodes[n].is_async]
        if async_nodes:
            raise CompileError(
                f"graph contains async node(s) {', '.join(async_nodes)} but the sync back end "
                'cannot await; compile with runner = "async"',
                node=async_nodes[0],
            )


def _value_names(graph: Graph, supersteps: tuple[tuple[NodeStep, ...], ...]) -> set[str]:
    names: set[str] = set()
    for superstep in supersteps:
        for step in superstep:
            for param, value in [(p, v) for p, v in step.args] + [
                (p, v) for p, v, _, _ in step.optional
            ]:
                check_identifier(param, f"node {step.name!r}: parameter")
                names.add(check_identifier(value, f"node {step.name!r}: input"))
            for out in step.outputs:
                names.add(check_identifier(out, f"node {step.name!r}: output"))
    return names


# -- node functions ------------------------------------------------------------------------


def _import_node(ctx: EmitContext, target: Any) -> None:
    assert isinstance(target, FunctionNode)
    func = target.func
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise CompileError(f"node {target.name!r}: its function has no module or name", target.name)
    if "<" in qualname or module == "__main__":
        raise CompileError(
            f"node {target.name!r}: function {module}.{qualname} is a lambda, a local function "
            "or defined in __main__; compiled modules import node functions, so define it at "
            "the top level of an importable module",
            target.name,
        )
    found = _lookup(module, qualname)
    if found is func:
        ctx.aliases[target.name] = ctx.table.name(module, qualname)
    elif isinstance(found, FunctionNode) and found.func is func:
        holder = ctx.table.name(module, qualname, preferred=f"{qualname.split('.')[-1]}_node")
        ctx.table.node_aliases.add(holder.partition(".")[0])
        key = f"{module}:{qualname}"
        if key not in ctx.table.unwrapped:
            alias = ctx.table.namespace.claim(qualname.split(".")[-1])
            ctx.table.unwrapped[key] = alias
            ctx.unwraps.append(f"{alias}: Final = {holder}.func")
        ctx.aliases[target.name] = ctx.table.unwrapped[key]
    else:
        raise CompileError(
            f"node {target.name!r}: {module}.{qualname} does not name its function (found "
            f"{type(found).__name__}); define the function at the top level of its module",
            target.name,
        )
    ctx.table.node_aliases.add(ctx.aliases[target.name].partition(".")[0])


def _lookup(module: str, qualname: str) -> Any:
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return None
    return found


# -- inputs and outputs --------------------------------------------------------------------


def _consumer_types(ctx: EmitContext, supersteps: Iterable[Iterable[NodeStep]]) -> dict[str, str]:
    types: dict[str, str] = {}
    wanted = set(ctx.graph.inputs.all)
    for superstep in supersteps:
        for step in superstep:
            assert isinstance(step.node, FunctionNode)
            hints = step.node.parameter_annotations
            for name in step.node.inputs:
                if name in wanted and name not in types and name in hints:
                    types[name] = render_type(hints[name], ctx.table)
    return types


def _inputs(
    ctx: EmitContext, supersteps: tuple[tuple[NodeStep, ...], ...]
) -> tuple[list[Field], list[Field], list[str], dict[tuple[str, str], Expr]]:
    spec = ctx.graph.inputs
    types = _consumer_types(ctx, supersteps)
    any_name = ""

    def type_of(name: str) -> str:
        nonlocal any_name
        if name in types:
            return types[name]
        any_name = ctx.table.name("typing", "Any")
        return any_name

    required = [Field(check_identifier(n, "graph input"), type_of(n)) for n in spec.required]
    optional: list[Field] = []
    params = [f"{f.name}: {f.type}" for f in required]
    fallbacks: dict[tuple[str, str], Expr] = {}
    for name in spec.optional:
        check_identifier(name, "graph input")
        kind = type_of(name)
        if name in spec.bound:
            value = spec.bound[name]
            check_literal(value, f"bind value of input {name!r}")
            optional.append(Field(name, kind))
            params.append(_param(name, kind, value))
            continue
        defaults = [
            (step.name, default, copy)
            for superstep in supersteps
            for step in superstep
            for _, input_name, default, copy in step.optional
            if input_name == name
        ]
        for node_name, default, _ in defaults:
            check_literal(default, f"default of input {name!r} of node {node_name!r}")
        first = defaults[0][1]
        uniform = all(not copy and _same_literal(d, first) for _, d, copy in defaults)
        optional.append(Field(name, kind))
        if uniform:
            params.append(_param(name, kind, first))
            continue
        if _admits_none(kind, any_name):
            raise CompileError(
                f"input {name!r} has a mutable or per-node default and its type {kind} admits "
                "None, so run() cannot tell 'not given' from None; bind it in the spec "
                "([graph.bind]) or annotate it without None",
                defaults[0][0],
            )
        params.append(f"{name}: {kind} | None = None")
        for node_name, default, _ in defaults:
            fallbacks[(node_name, name)] = Raw(
                f"{name} if {name} is not None else {format_literal(default)}"
            )
    return required, optional, params, fallbacks


def _param(name: str, kind: str, value: object) -> str:
    prefix = f"{name}: {kind} = "
    return prefix + format_literal(value, 1, 4 + len(prefix), 1)


def _same_literal(a: object, b: object) -> bool:
    return type(a) is type(b) and format_literal(a) == format_literal(b)


def _admits_none(kind: str, any_name: str) -> bool:
    parts = [p.strip() for p in kind.split("|")]
    return "None" in parts or (bool(any_name) and any_name in parts) or kind.endswith("Any")


def _outputs(
    ctx: EmitContext, supersteps: tuple[tuple[NodeStep, ...], ...], names: Iterable[str]
) -> list[Field]:
    types: dict[str, str] = {}
    names = list(names)
    wanted = set(names)
    for superstep in supersteps:
        for step in superstep:
            target = step.node
            assert isinstance(target, FunctionNode)
            hints = target.output_annotation
            for out in step.outputs:
                if out not in wanted:
                    continue
                if out in hints:
                    types[out] = render_type(hints[out], ctx.table)
                elif step.mode is _MODE.SYNC_GENERATOR:
                    types[out] = f"{ctx.table.name('collections.abc', 'Iterator')}[{_any(ctx)}]"
                elif step.mode is _MODE.ASYNC_GENERATOR:
                    name = ctx.table.name("collections.abc", "AsyncIterator")
                    types[out] = f"{name}[{_any(ctx)}]"
                else:
                    types[out] = _any(ctx)
    fields = []
    for name in names:
        if name not in types:
            raise CompileError(f"output {name!r} is not produced by an active node")
        fields.append(Field(name, types[name]))
    return fields


def _any(ctx: EmitContext) -> str:
    return ctx.table.name("typing", "Any")
