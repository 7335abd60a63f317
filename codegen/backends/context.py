"""What a back end knows while it writes one module: the `EmitContext` every writer shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from codegen.analysis.annotations import ImportTable
from codegen.analysis.names import Namespace
from hypergraph import Graph
from hypergraph.nodes.graph_node import GraphNode

__all__ = [
    "DYNAMIC_HELPERS",
    "GATHERS",
    "Backend",
    "EmitContext",
    "GraphFunction",
    "SyncNodes",
    "builtin",
    "map_options",
]

Backend = Literal["sync", "async"]
SyncNodes = Literal["thread", "inline"]

GATHERS = frozenset({"gather_items", "gather_settled"})
"""ctx.used keys of async maps: run() then takes ``max_concurrency``."""

DYNAMIC_HELPERS = frozenset({"absent", "changed", "decide", "end_text", "which", "loop_error"})
"""Helpers of gated and cyclic graphs (``ctx.used`` keys; templates/_dynamic_helpers.jinja)."""


class GraphFunction(Protocol):
    """Writes the module functions of GraphNode `node` (at `path`) into the module; returns the
    name the parent calls and whether that call takes ``max_concurrency``."""

    def __call__(self, ctx: EmitContext, node: GraphNode, path: str) -> tuple[str, bool]: ...


@dataclass
class EmitContext:
    """What the emitter knows while it writes one module."""

    graph: Graph
    backend: Backend
    inline: bool
    table: ImportTable
    locals_: Namespace
    graph_function: GraphFunction
    """Nested graphs that become module functions (``codegen.backends.subgraphs``): handed in
    by ``codegen.backends.emit``, since writing one needs both back ends, which need it."""
    aliases: dict[str, str] = field(default_factory=dict)  # node path -> callable expression
    unwraps: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    statements: list[tuple[str, str]] = field(default_factory=list)  # (node path, text)
    group: str = ""  # the local naming the current _Superstep
    fallbacks: dict[tuple[str, str], object] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)  # route target -> module constant
    functions: list[str] = field(default_factory=list)  # module-level defs (subgraphs)
    markers: set[str] = field(default_factory=set)  # inputs whose omission is _ABSENT, not None
    awaited: set[str] = field(default_factory=set)
    """Paths of `def` nodes whose policy wrapper is awaited (codegen.backends.policies)."""
    policies: list[str] = field(default_factory=list)
    """Module-level lines binding the policy wrappers, after the helpers they call."""
    events: bool = False
    """run() takes an optional observer: node calls go through locals bound per run."""
    watched: list[tuple[str, str, str]] = field(default_factory=list)
    """With `events`: (node path, imported alias, the local run() calls) per node."""
    error: str = ""
    """With `events` and nested graphs: the local naming a nested run's error (claimed once)."""


def builtin(ctx: EmitContext, name: str) -> str:
    """How generated code names builtin `name`: plainly, or as ``builtins.<name>`` when a
    graph value (a run() parameter or local) has that name."""
    return ctx.table.name("builtins", name)


def map_options(ctx: EmitContext) -> tuple[str, ...]:
    """run()'s keyword bounding mapped items that run at once, when the module maps any."""
    if GATHERS & ctx.used:
        return ("max_concurrency: int | None = None",)
    return ()
