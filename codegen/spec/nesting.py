"""``[[nodes]]`` entries that nest a graph as one node: ``subgraph = "module:attr"`` (a Graph
object) or ``spec = "other.toml"`` (another spec, resolved relative to the referencing file)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from codegen.errors import SpecError, SpecReadError
from codegen.spec.load import LoadedSpec, display_path, load_spec
from codegen.spec.models import NodeEntry
from hypergraph import Graph, GraphConfigError, RenameError
from hypergraph.nodes.graph_node import GraphNode

__all__ = ["nested_node"]

Resolver = Callable[[LoadedSpec, tuple[str, ...]], Graph]
Lookup = Callable[[str, str], Any]


def nested_node(
    loaded: LoadedSpec,
    entry: NodeEntry,
    field: str,
    *,
    lookup: Lookup,
    resolver: Resolver,
    stack: tuple[str, ...],
) -> GraphNode:
    """The GraphNode an entry describes: its graph, name, renames, namespacing and mapping."""
    if entry.spec is not None:
        path = f"{field}.spec"
        target = loaded.directory / entry.spec  # where it is; shown relative to the spec
        shown = display_path(Path(loaded.path).parent / entry.spec)
        key = str(target.resolve())
        if key in stack:
            _raise(loaded, path, f"spec {shown} nests itself (through {' -> '.join(stack)})")
        try:
            inner = load_spec(target, shown)
        except SpecReadError as exc:  # the nesting spec's field is wrong, not the command line
            _raise(loaded, path, f"{shown}: {exc.message}")
        graph = resolver(inner, (*stack, key))
    else:
        assert entry.subgraph is not None
        path = f"{field}.subgraph"
        graph = lookup(entry.subgraph, path)
        if not isinstance(graph, Graph):
            _raise(loaded, path, f"{entry.subgraph!r} is a {type(graph).__name__}, not a Graph")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _configure(graph, entry)
    except (ValueError, TypeError, RenameError, GraphConfigError) as exc:
        _raise(loaded, field, f"cannot nest {entry.spec or entry.subgraph!r}: {exc}")


def _configure(graph: Graph, entry: NodeEntry) -> GraphNode:
    made = graph.as_node(name=entry.name, namespaced=entry.namespaced)
    if entry.rename_inputs:
        made = made.rename_inputs(entry.rename_inputs)
    if entry.rename_outputs:
        made = made.rename_outputs(entry.rename_outputs)
    if entry.expose:
        made = made.expose(*entry.expose)
    if entry.map_over is not None:
        made = made.map_over(
            *entry.map_over,
            mode=entry.map_mode,
            error_handling=entry.map_errors,
            clone=entry.clone,
        )
    return made


def _raise(loaded: LoadedSpec, path: str, message: str) -> NoReturn:
    raise SpecError(loaded.path, path, message, loaded.line_of(path)) from None
