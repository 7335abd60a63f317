"""Where the two halves meet: a spec (front end) or a Graph, compiled by the back ends.

`compile_spec` loads and resolves a spec file and compiles it; `compile_graph` compiles a Graph
made in Python. Errors of the back half are reported against the spec's entries here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codegen.backends.context import Backend, SyncNodes
from codegen.backends.emit import Emitted, emit
from codegen.errors import CompileError, SpecError
from codegen.spec.load import LoadedSpec, display_path, load_spec
from codegen.spec.models import check_module_name
from codegen.spec.resolve import resolve
from hypergraph import Graph

__all__ = ["CompiledModule", "compile_graph", "compile_loaded", "compile_spec"]


@dataclass(frozen=True)
class CompiledModule:
    """A compiled spec: the module's name, source, stub, graph and generated-line -> node map."""

    name: str
    source: str
    stub: str
    graph: Graph
    spec: LoadedSpec
    node_lines: dict[int, str]


def compile_graph(
    graph: Graph,
    *,
    backend: Backend = "sync",
    source_name: str = "<graph>",
    sync_nodes: SyncNodes = "thread",
    digest: str | None = None,
    events: bool = False,
) -> str:
    """The source of a module that runs `graph` like SyncRunner/AsyncRunner would (with
    `events`, its run() takes an optional observer: docs/watching-runs.md)."""
    return emit(
        graph,
        backend=backend,
        source_name=source_name,
        digest=digest,
        sync_nodes=sync_nodes,
        events=events,
    ).source


def compile_loaded(loaded: LoadedSpec) -> CompiledModule:
    """Compile an already loaded spec (errors are SpecError, naming the spec file)."""
    section = loaded.spec.graph
    name = section.module or f"{Path(loaded.path).stem}_compiled"
    if section.module is None:
        try:
            check_module_name(name)
        except ValueError as exc:
            raise SpecError(
                loaded.path,
                "graph.module",
                f"the default module name (from the file name) will not do: {exc}; "
                "set [graph] module",
                loaded.line_of("graph"),
            ) from None
    graph = resolve(loaded)
    try:
        emitted: Emitted = emit(
            graph,
            backend=section.runner,
            source_name=_header_name(loaded.path),
            digest=loaded.digest,
            sync_nodes=section.sync_nodes,
            events=section.events,
        )
    except CompileError as exc:
        path = loaded.path_of_node(exc.node)
        raise SpecError(loaded.path, path, exc.message, loaded.line_of(path)) from None
    return CompiledModule(name, emitted.source, emitted.stub, graph, loaded, emitted.node_lines)


def _header_name(shown: str) -> str:
    """The spec as the generated header names it: as shown when relative, else only the file
    name, so that the bytes do not depend on where the project lies (``--check`` would flap)."""
    return Path(shown).name if Path(shown).is_absolute() else shown


def compile_spec(path: str | Path) -> CompiledModule:
    """Load, resolve and compile the spec at `path`."""
    return compile_loaded(load_spec(display_path(path)))
