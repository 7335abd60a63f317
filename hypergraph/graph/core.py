"""Graph: nodes wired by name into an immutable, validated, planned workflow."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.edges import Edge, EdgeSpec, explicit_edges, infer_edges
from hypergraph.graph.input_spec import InputSpec
from hypergraph.graph.namespaced import flatten_namespaced
from hypergraph.graph.scope import active_nodes, compute_inputs
from hypergraph.graph.validation import (
    raise_all,
    shared_errors,
    structural_errors,
    warn_shared_generators,
)
from hypergraph.hashing import digest
from hypergraph.nodes.base import HyperNode
from hypergraph.plan.schedule import Plan, build_dynamic_plan, plan_or_cycle

if TYPE_CHECKING:
    from hypergraph.nodes.graph_node import GraphNode
    from hypergraph.typecheck import Diagnostic
    from hypergraph.viz import Direction, GraphPicture

__all__ = ["Graph"]

NodeRef = str | HyperNode


class Graph:
    """A workflow: nodes wired by name. Immutable; methods return new graphs."""

    def __init__(
        self,
        nodes: Sequence[HyperNode],
        *,
        edges: Sequence[EdgeSpec] | None = None,
        entrypoint: NodeRef | Sequence[NodeRef] | None = None,
        name: str | None = None,
        strict_types: bool = False,
        shared: str | Sequence[str] | None = None,
    ) -> None:
        if name is not None and ("." in name or "/" in name or not name):
            raise GraphConfigError(f"graph name {name!r} must be non-empty without '.' or '/'")
        self._name = name
        self._strict_types = strict_types
        self._shared = _shared_names(shared)
        self._edge_specs = None if edges is None else list(edges)
        self._nodes = _index_nodes(nodes)
        self._definition_hash: str | None = None
        if self._shared:  # shared mode: inference, declared edges on top
            self._edges = infer_edges(self._nodes, frozenset(self._shared), self._edge_specs or ())
        elif self._edge_specs is None:
            self._edges = infer_edges(self._nodes)
        else:
            self._edges = explicit_edges(self._nodes, self._edge_specs)
        planned = plan_or_cycle(list(self._nodes), self._edge_pairs())
        self._full_plan = planned if isinstance(planned, Plan) else None
        self._cycle = None if isinstance(planned, Plan) else planned
        self._entrypoints: tuple[str, ...] = ()
        self._selected: tuple[str, ...] | None = None
        self._bound: dict[str, Any] = {}
        explicit = self._edge_specs is not None and not self._shared
        errors = structural_errors(self._nodes, self._edges, explicit=explicit, shared=self._shared)
        if self._shared:
            errors += shared_errors(self._nodes, self._edges, self._shared)
        if entrypoint is not None:
            refs = [entrypoint] if isinstance(entrypoint, str | HyperNode) else list(entrypoint)
            try:
                self._entrypoints = self._entrypoint_names(refs)
            except GraphConfigError as exc:
                errors.append(str(exc))
        if self._cycle and not self._entrypoints:
            errors.append(
                f"cyclic graphs require an explicit entrypoint: {' -> '.join(self._cycle)}. "
                "Pass entrypoint=... naming the node that starts the loop"
            )
        raise_all(errors, name)
        warn_shared_generators(self._nodes, self._edges)
        self._rescope()
        if strict_types:
            self._raise_type_errors()

    # -- derived state -------------------------------------------------------------------

    def _edge_pairs(self) -> list[tuple[str, str]]:
        return [(e.source, e.target) for e in self._edges]

    def _rescope(self) -> None:
        self._cache: dict[str, Any] = {}
        self._active = active_nodes(self._nodes, self._edges, self._entrypoints, self._selected)
        self._inputs = compute_inputs(
            self._nodes, self._edges, self._active, self._bound, self._entrypoints, self._shared
        )

    def _derive(self, **fields: Any) -> Graph:
        clone = copy.copy(self)
        for key, value in fields.items():
            setattr(clone, key, value)
        clone._rescope()
        return clone

    def _raise_type_errors(self) -> None:
        from hypergraph.typecheck import raise_on_type_errors

        raise_on_type_errors(self)

    # -- properties ----------------------------------------------------------------------

    @property
    def name(self) -> str | None:
        """The graph's name (needed to nest it)."""
        return self._name

    @property
    def nodes(self) -> dict[str, HyperNode]:
        """Node name -> node, in declaration order (a copy)."""
        return dict(self._nodes)

    def iter_nodes(self) -> Iterator[HyperNode]:
        """The nodes in declaration order."""
        return iter(self._nodes.values())

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Every edge (data and ordering), one per ordered node pair."""
        return self._edges

    @property
    def data_edges(self) -> tuple[tuple[str, str, str], ...]:
        """(producer, consumer, value) for every value carried by a data edge."""
        return tuple(
            (e.source, e.target, v) for e in self._edges if e.kind == "data" for v in e.values
        )

    @property
    def inputs(self) -> InputSpec:
        """What the caller supplies: required, optional and bound names."""
        return self._inputs

    @property
    def outputs(self) -> tuple[str, ...]:
        """Every node output (deduplicated, declaration order)."""
        return tuple(dict.fromkeys(out for n in self._nodes.values() for out in n.outputs))

    @property
    def leaf_outputs(self) -> tuple[str, ...]:
        """Outputs of nodes that have no outgoing edge."""
        sources = {e.source for e in self._edges}
        return tuple(
            dict.fromkeys(
                out for n in self._nodes.values() if n.name not in sources for out in n.outputs
            )
        )

    @property
    def has_cycles(self) -> bool:
        """Whether any cycle (self-loops included) exists."""
        return self._cycle is not None

    @property
    def has_async_nodes(self) -> bool:
        """Whether any node is `async def` or an async generator."""
        return any(n.is_async for n in self._nodes.values())

    @property
    def has_gates(self) -> bool:
        """Whether any node is a gate (ifelse or route)."""
        return any(n.is_gate for n in self._nodes.values())

    @property
    def strict_types(self) -> bool:
        """Whether construction type-checked every edge."""
        return self._strict_types

    @property
    def shared(self) -> tuple[str, ...]:
        """The shared names: values kept in run state that several nodes read and write."""
        return self._shared

    @property
    def selected(self) -> tuple[str, ...] | None:
        """The selected output names, or None."""
        return self._selected

    @property
    def entrypoints_config(self) -> tuple[str, ...] | None:
        """Configured entrypoint node names, or None."""
        return self._entrypoints or None

    @property
    def controlled_by(self) -> dict[str, list[str]]:
        """Target -> names of the gates controlling it (declaration order)."""
        found: dict[str, list[str]] = {}
        for n in self._nodes.values():
            for target in getattr(n, "targets", ()) if n.is_gate else ():
                if target in self._nodes:
                    found.setdefault(target, []).append(n.name)
        return found

    @property
    def active_nodes(self) -> tuple[str, ...]:
        """Names of the nodes a run executes (entrypoints and selection applied)."""
        return self._active

    @property
    def plan(self) -> Plan:
        """The superstep schedule of the active nodes, computed once and cached."""
        cached = self._cache.get("plan")
        if cached is None:
            gates = {n: self._nodes[n] for n in self._active if self._nodes[n].is_gate}
            # shared values: readers in one superstep must see the state from before it
            # (API 5.6 R5), which the run-time engine guarantees and the flat loop does not
            static = (
                not gates
                and not self._shared
                and not any(_may_omit_outputs(self._nodes[n]) for n in self._active)
            )
            if static and self._full_plan is not None and len(self._active) == len(self._nodes):
                cached = self._full_plan
            elif static:
                planned = plan_or_cycle(self._active, self._edge_pairs())
                cached = planned if isinstance(planned, Plan) else None
            if cached is None:  # gates or cycles: decided at run time (API 5.6)
                cached = build_dynamic_plan(
                    self._active,
                    self._edge_pairs(),
                    {n: tuple(getattr(g, "targets", ())) for n, g in gates.items()},
                    self._entrypoints,
                )
            self._cache["plan"] = cached
        return cached

    @property
    def definition_hash(self) -> str:
        """SHA-256 over node names, node definition hashes and edges (binds, entrypoints and
        selection excluded); computed once (graphs derived by bind/select share it)."""
        if self._definition_hash is None:
            parts = [f"{n.name}:{n.definition_hash}" for n in self._nodes.values()]
            if self._shared:
                parts.append(f"shared:{self._shared}")
            parts += [f"{e.source}>{e.target}:{e.kind}:{e.value_names}" for e in self._edges]
            self._definition_hash = digest(parts)
        return self._definition_hash

    @property
    def self_producers(self) -> dict[str, tuple[str, ...]]:
        """Value name -> the nodes that both read and write it (accumulators such as
        `inc(count) -> count`), in declaration order. A fresh dict on every access."""
        found: dict[str, list[str]] = {}
        for n in self._nodes.values():
            for value in n.data_outputs:
                if value in n.inputs:
                    found.setdefault(value, []).append(n.name)
        return {value: tuple(names) for value, names in found.items()}

    @property
    def input_data_producers(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """Node name -> {input name -> the nodes feeding it through data edges}, after
        shadowed producers are dropped (API 3.2); unwired inputs are absent. A fresh dict
        on every access."""
        found: dict[str, dict[str, list[str]]] = {}
        for e in self._edges:
            if e.kind == "data":
                for value in e.values:
                    found.setdefault(e.target, {}).setdefault(value, []).append(e.source)
        return {
            target: {value: tuple(names) for value, names in inputs.items()}
            for target, inputs in found.items()
        }

    @property
    def nx_graph(self) -> Any:
        """A networkx `DiGraph` copy (needs the `graph` extra). Nodes carry `node_type`,
        `label`, `inputs`, `outputs`, `parent` (None: nested graphs stay one node), `hide`
        and the `node` itself; edges carry `edge_type` and `value_names`."""
        try:
            import networkx  # type: ignore[import-untyped]  # only this property needs it
        except ImportError as exc:
            raise ImportError(
                "Graph.nx_graph needs networkx, an optional dependency: "
                "pip install 'hypergraph-workflows[graph]'"
            ) from exc
        g = networkx.DiGraph(name=self._name)
        for n in self._nodes.values():
            g.add_node(
                n.name,
                node=n,
                node_type=n.node_type,
                label=n.name,
                inputs=n.inputs,
                outputs=n.outputs,
                parent=None,
                hide=n.hide,
            )
        for e in self._edges:
            g.add_edge(e.source, e.target, edge_type=e.kind, value_names=list(e.value_names))
        return g

    def describe(self, show_types: bool = False) -> str:
        """A short text summary: inputs (required, optional with defaults, bound with values),
        outputs and nodes of the active scope; `show_types` adds annotations."""
        from hypergraph.graph.describe import describe

        return describe(self, show_types)

    def validate(self, *, strict: bool | None = None) -> list[Diagnostic]:
        """Every diagnostic of this graph at once (errors, then warnings); never raises.

        Type diagnostics (`hypergraph.typecheck`), then warnings about work no run does
        (unreachable nodes, discarded returns, unused outputs, loops no gate can leave).
        `strict` (default: the graph's `strict_types`) makes unannotated edges errors.
        """
        from hypergraph.graph.liveness import liveness_warnings
        from hypergraph.typecheck import check_graph

        found = check_graph(self, strict=self._strict_types if strict is None else strict)
        return found + liveness_warnings(self)

    # -- pictures (hypergraph.viz, imported on first use) ---------------------------------

    def to_mermaid(
        self,
        *,
        depth: int | None = 1,
        show_types: bool = False,
        show_inactive: bool = True,
        direction: Direction = "TB",
    ) -> str:
        """A Mermaid flowchart of this graph (docs/pictures.md describes what is drawn).

        `depth`: graph levels drawn (1: nested graphs collapsed; None: all expanded).
        `show_types`: annotate edges, inputs and outputs with types. `show_inactive=False`
        leaves out nodes that select()/entrypoints exclude (drawn greyed by default).
        `direction`: "TB" (top to bottom) or "LR".
        """
        from hypergraph.viz import ViewOptions, to_mermaid

        return to_mermaid(self, ViewOptions(depth, show_types, show_inactive, direction))

    def to_dot(
        self,
        *,
        depth: int | None = 1,
        show_types: bool = False,
        show_inactive: bool = True,
        direction: Direction = "TB",
    ) -> str:
        """The Graphviz DOT text of this graph (same picture and options as to_mermaid)."""
        from hypergraph.viz import ViewOptions, to_dot

        return to_dot(self, ViewOptions(depth, show_types, show_inactive, direction))

    def visualize(
        self,
        *,
        depth: int | None = 1,
        show_types: bool = False,
        show_inactive: bool = True,
        direction: Direction = "TB",
    ) -> GraphPicture:
        """A picture that notebooks show inline (SVG through Graphviz) with `.svg()`,
        `.html()` (a self-contained page) and `.save(path)`; options as in to_mermaid."""
        from hypergraph.viz import ViewOptions, visualize

        return visualize(self, ViewOptions(depth, show_types, show_inactive, direction))

    # -- derivations ---------------------------------------------------------------------

    def bind(self, mapping: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Graph:
        """A new graph with inputs fixed to values (they become optional). A namespaced
        GraphNode's ports bind as `{"A.x": v}` or `A={"x": v}`."""
        values = dict(mapping or {})
        for key, value in kwargs.items():
            if key in values:
                raise ValueError(f"bind: {key!r} is given twice")
            values[key] = value
        values = flatten_namespaced(self, values)
        produced = set(self.outputs)
        for key in values:
            if key in self._inputs.all:
                continue
            if key in produced:
                raise ValueError(
                    f"bind: {key!r} is an output of this graph, not an input. To feed it, "
                    f"start after its producer with graph.with_entrypoint(...) first"
                )
            raise ValueError(f"bind: {key!r} is not an input of this graph {self._inputs.all}")
        from hypergraph.nodes.graph_node import warn_bind_overrides

        warn_bind_overrides(self, values)
        return self._derive(_bound={**self._bound, **values})

    def unbind(self, *keys: str) -> Graph:
        """A new graph without the given binds (unknown keys are ignored)."""
        return self._derive(_bound={k: v for k, v in self._bound.items() if k not in keys})

    def select(self, *names: str) -> Graph:
        """A new graph whose runs return (and compute) only these outputs."""
        names = tuple(names[0]) if len(names) == 1 and not isinstance(names[0], str) else names
        outputs = set(self.outputs)
        for n in names:
            if n not in outputs:
                raise ValueError(f"select: {n!r} is not an output of this graph {self.outputs}")
        if len(set(names)) != len(names):
            raise ValueError(f"select: names must be unique, got {names}")
        return self._derive(_selected=tuple(names))

    def with_entrypoint(self, *names_or_nodes: NodeRef) -> Graph:
        """A new graph that starts at these nodes (accumulative); upstream nodes never run."""
        if not names_or_nodes:
            raise GraphConfigError("with_entrypoint needs at least one node")
        added = self._entrypoint_names(list(names_or_nodes))
        return self._derive(_entrypoints=tuple(dict.fromkeys(self._entrypoints + added)))

    def _entrypoint_names(self, refs: Iterable[NodeRef]) -> tuple[str, ...]:
        names = []
        for ref in refs:
            name = ref.name if isinstance(ref, HyperNode) else ref
            if name not in self._nodes:
                raise GraphConfigError(
                    f"entrypoint {name!r} is not a node of this graph; nodes: {list(self._nodes)}"
                )
            if self._nodes[name].is_gate:
                raise GraphConfigError(f"entrypoint {name!r} is a gate; gates cannot start a run")
            names.append(name)
        return tuple(names)

    def as_node(
        self, *, name: str | None = None, namespaced: bool = False, runner: Any = None
    ) -> GraphNode:
        """This graph as one node of another graph (see GraphNode)."""
        from hypergraph.nodes.graph_node import as_node

        return as_node(self, name=name, namespaced=namespaced, runner=runner)

    def add_nodes(self, *nodes: HyperNode) -> Graph:
        """A new graph with nodes appended; configuration replayed and fully validated."""
        if self._edge_specs is not None and not self._shared:
            raise GraphConfigError("add_nodes() is not available with explicit edges=")
        graph = Graph(
            [*self._nodes.values(), *nodes],
            edges=self._edge_specs,
            entrypoint=list(self._entrypoints) or None,
            name=self._name,
            strict_types=self._strict_types,
            shared=list(self._shared) or None,
        )
        if self._bound:
            graph = graph.bind(self._bound)
        if self._selected is not None:
            graph = graph.select(*self._selected)
        return graph

    def __repr__(self) -> str:
        label = f"{self._name!r}, " if self._name else ""
        return f"Graph({label}nodes={list(self._nodes)})"


def _shared_names(shared: str | Sequence[str] | None) -> tuple[str, ...]:
    if shared is None:
        return ()
    names = (shared,) if isinstance(shared, str) else shared
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise GraphConfigError(f"shared= takes a name or a list of names, got {shared!r}")
    return tuple(dict.fromkeys(names))


def _index_nodes(nodes: Sequence[HyperNode]) -> dict[str, HyperNode]:
    if isinstance(nodes, HyperNode) or not isinstance(nodes, Sequence | Iterable):
        raise GraphConfigError("Graph(...) takes a list of nodes")
    indexed: dict[str, HyperNode] = {}
    for n in nodes:
        if not isinstance(n, HyperNode):
            hint = " wrap functions with @node(output_name=...)" if callable(n) else ""
            raise GraphConfigError(f"{n!r} is not a node;{hint}")
        if n.name in indexed:
            raise GraphConfigError(
                f"two nodes are named {n.name!r}; give one another name with .with_name(...)"
            )
        indexed[n.name] = n
    return indexed


def _may_omit_outputs(node: HyperNode) -> bool:
    """A GraphNode run once whose inner graph has gates or cycles may end without writing
    some outputs (an untaken branch): its parent then needs the run-time readiness rules
    (API 5.6 R4), under which a consumer of a missing value does not run."""
    inner = getattr(node, "graph", None)  # only a GraphNode has one (no import per node)
    mapped = getattr(node, "inner_map", None) is not None
    return isinstance(inner, Graph) and not mapped and inner.plan.is_dynamic
