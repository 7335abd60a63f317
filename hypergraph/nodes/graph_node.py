"""GraphNode: a whole graph used as one node of another, optionally mapped over inputs."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Union

from hypergraph.exceptions import GraphConfigError, RenameError
from hypergraph.hashing import encode_value
from hypergraph.identifiers import identifier_problem
from hypergraph.nodes._rename import apply_renames, merge_mapping
from hypergraph.nodes.base import HyperNode

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = [
    "MAX_NESTING_DEPTH",
    "GraphNode",
    "GraphNodeMapExecutionConfig",
    "warn_bind_overrides",
]

MapMode = Literal["zip", "product"]
MapErrors = Literal["raise", "continue"]

MAX_NESTING_DEPTH = 100
"""How many levels deep graphs may nest. Building, planning and running recurse once per
level (a few Python frames each), so a limit checked when the graph is built keeps every
nested graph within Python's recursion limit at run time (docs/composition.md)."""


@dataclass(frozen=True)
class GraphNodeMapExecutionConfig:
    """How a mapped GraphNode runs its inner graph once per item."""

    params: tuple[str, ...]
    mode: MapMode = "zip"
    error_handling: MapErrors = "raise"
    clone: bool | tuple[str, ...] = False


class _Ports:
    """One side (inputs or outputs) of a GraphNode: inner (local) names, their current names
    after renames, and whether each is addressed flat or as `<node>.<name>`."""

    __slots__ = ("exposed", "flat", "history", "local", "names")

    def __init__(self, local: tuple[str, ...], namespaced: bool) -> None:
        self.local = local
        self.names = local
        self.flat = tuple(not namespaced for _ in local)
        self.history: dict[str, tuple[str, ...]] = {}
        self.exposed: frozenset[str] = frozenset()  # current names chosen by expose()

    def copy(self) -> _Ports:
        clone = _Ports.__new__(_Ports)
        clone.local, clone.names, clone.flat = self.local, self.names, self.flat
        clone.history = dict(self.history)
        clone.exposed = self.exposed
        return clone

    def addresses(self, node_name: str) -> tuple[str, ...]:
        return tuple(
            name if flat else f"{node_name}.{name}" for name, flat in zip(self.names, self.flat)
        )

    def rename(self, mapping: Mapping[str, str], node_name: str, kind: str) -> None:
        fixed = [old for old in mapping if old in self.exposed]
        if fixed:
            raise RenameError(
                f"{kind} {fixed[0]!r} of GraphNode {node_name!r} is exposed; it cannot be "
                "renamed (expose it under another alias instead)"
            )
        renamed, self.history = apply_renames(
            self.names, mapping, self.history, node_name=node_name, kind=kind
        )
        self.flat = tuple(f or old != new for f, old, new in zip(self.flat, self.names, renamed))
        self.names = renamed

    def expose(self, chosen: Mapping[str, str], node_name: str) -> None:
        unknown = [n for n in chosen if n not in self.names]
        if unknown:
            raise RenameError(
                f"GraphNode {node_name!r} has no port {unknown[0]!r} to expose; "
                f"ports: {list(self.names)}"
            )
        self.rename({k: v for k, v in chosen.items() if k != v}, node_name, "port")
        self.flat = tuple(f or n in chosen.values() for f, n in zip(self.flat, self.names))
        self.exposed = self.exposed | frozenset(chosen.values())


class GraphNode(HyperNode):
    """A graph used as a node: its inputs and outputs become the node's ports."""

    node_type = "GRAPH"

    def __init__(self, graph: Graph, name: str | None = None, *, namespaced: bool = False) -> None:
        name = name if name is not None else graph.name
        if name is None:
            raise ValueError(
                "a GraphNode needs a name: name the graph (Graph(..., name=...)) or pass "
                "as_node(name=...)"
            )
        if not name or "." in name or "/" in name:
            raise ValueError(f"GraphNode name {name!r} must be non-empty without '.' or '/'")
        self.nesting_depth: int = 1 + max(
            (n.nesting_depth for n in graph.iter_nodes() if isinstance(n, GraphNode)), default=0
        )
        """The levels of graphs this node holds: 1 for a graph of plain nodes."""
        if self.nesting_depth > MAX_NESTING_DEPTH:
            raise GraphConfigError(
                f"graph {name!r} as a node would nest graphs {self.nesting_depth} levels deep; "
                f"the limit is {MAX_NESTING_DEPTH}. Flatten some levels: add a nested graph's "
                "nodes to its parent instead of wrapping it once more"
            )
        self.graph = graph
        self.name = name
        self.namespaced = namespaced
        self.is_async = graph.has_async_nodes
        self.is_generator = False
        self.wait_for = ()
        self._map: GraphNodeMapExecutionConfig | None = None  # in inner (local) names
        active = set(graph.active_nodes)
        if graph.selected is not None:
            outputs = graph.selected
        else:  # with inner entrypoints, only what the active nodes produce
            outputs = tuple(
                dict.fromkeys(o for n in graph.iter_nodes() if n.name in active for o in n.outputs)
            )
        emitted = {e for n in graph.iter_nodes() if n.name in active for e in n.emit}
        self._in = _Ports(graph.inputs.all, namespaced)
        self._out = _Ports(tuple(o for o in outputs if o not in emitted), namespaced)
        self._emit = _Ports(tuple(o for o in outputs if o in emitted), namespaced)
        self._input_history = {}
        self._output_history = {}
        self._refresh()

    def _refresh(self) -> None:
        self.inputs = self._in.addresses(self.name)
        self.data_outputs = self._out.addresses(self.name)
        self.emit = self._emit.addresses(self.name)

    def _clone(self) -> GraphNode:
        clone = super()._clone()
        clone._in, clone._out, clone._emit = self._in.copy(), self._out.copy(), self._emit.copy()
        return clone

    # -- ports ---------------------------------------------------------------------------

    def local_input(self, address: str) -> str:
        """The inner graph's input name behind parent address `address`."""
        return self._in.local[self.inputs.index(address)]

    @property
    def input_pairs(self) -> tuple[tuple[str, str], ...]:
        """(parent address, inner input name) for every input port."""
        return tuple(zip(self.inputs, self._in.local))

    @property
    def output_pairs(self) -> tuple[tuple[str, str], ...]:
        """(parent address, inner output name) for every data output port."""
        return tuple(zip(self.data_outputs, self._out.local))

    def _inner_default(self, local: str) -> tuple[bool, Any]:
        spec = self.graph.inputs
        if local in spec.bound:
            return True, spec.bound[local]
        if local not in spec.optional:
            return False, None
        active = set(self.graph.active_nodes)
        for inner in self.graph.iter_nodes():
            if inner.name in active and local in inner.inputs and inner.has_default_for(local):
                return True, inner.get_default_for(local)
        return False, None

    @property
    def defaults(self) -> dict[str, Any]:
        """Port address -> the value the inner graph uses when the port is not fed."""
        found = {}
        for address, local in self.input_pairs:
            has, value = self._inner_default(local)
            if has:
                found[address] = value
        return found

    def has_default_for(self, param: str) -> bool:
        """Whether every inner consumer of port `param` is satisfied by a bind or default."""
        return param in self.inputs and self._inner_default(self.local_input(param))[0]

    # -- types ---------------------------------------------------------------------------

    @property
    def output_annotation(self) -> dict[str, Any]:
        """Output port -> the type its inner producer returns (`list[T]` under map_over, bare
        `list` when the producer is unannotated); ports of unknown type are absent."""
        found = {}
        for address in self.data_outputs:
            kind = self.get_output_type(address)
            if kind is not None:
                found[address] = kind
        return found

    def get_output_type(self, output: str) -> Any:
        """The type of output port `output`, read from its inner producers (the type checker's
        view, `hypergraph.typecheck.ports`): their common type, a Union when gate branches
        differ, None when a producer is unannotated or there is no such port."""
        from hypergraph.typecheck.ports import port_types

        kinds = [e.type for e in port_types(self).returns.get(output, ())]
        if not kinds or not all(_usable(k) for k in kinds):
            return None
        distinct = list(dict.fromkeys(kinds))
        return distinct[0] if len(distinct) == 1 else Union[tuple(distinct)]  # noqa: UP007

    def get_input_type(self, param: str) -> Any:
        """The type input port `param` expects, read from its active inner consumers
        (`Sequence[T]`/`Iterable[T]` for a mapped port): the annotation every other
        annotated consumer accepts, else the first; None when no consumer is annotated."""
        from hypergraph._typing import is_type_compatible
        from hypergraph.typecheck.ports import port_types

        kinds = [e.type for e in port_types(self).expects.get(param, ()) if _usable(e.type)]
        for kind in kinds:
            if all(is_type_compatible(kind, other) for other in kinds):
                return kind
        return kinds[0] if kinds else None

    # -- renames -------------------------------------------------------------------------

    def with_name(self, new: str) -> GraphNode:
        """A copy under another name (namespaced addresses follow the new name)."""
        if not new or "." in new or "/" in new:
            raise ValueError(f"GraphNode name {new!r} must be non-empty without '.' or '/'")
        clone = self._clone()
        clone.name = new
        clone._refresh()
        return clone

    def rename_inputs(
        self, mapping: Mapping[str, str] | None = None, /, **kwargs: str
    ) -> GraphNode:
        """A copy with input ports renamed (local names); a renamed port is addressed flat."""
        pairs = merge_mapping(mapping, kwargs, f"rename_inputs of {self.name!r}")
        clone = self._clone()
        clone._in.rename(pairs, self.name, "input")
        clone._refresh()
        return clone

    def rename_outputs(
        self, mapping: Mapping[str, str] | None = None, /, **kwargs: str
    ) -> GraphNode:
        """A copy with output ports renamed (local names); a renamed port is addressed flat."""
        pairs = merge_mapping(mapping, kwargs, f"rename_outputs of {self.name!r}")
        clone = self._clone()
        for new in pairs.values():
            _check_output_alias(new, self.name)
        # unknown names go to the data side, whose error shows the rename chain
        signals = {k: v for k, v in pairs.items() if k in clone._emit.names}
        data = {k: v for k, v in pairs.items() if k not in signals}
        clone._out.rename(data, self.name, "output")
        if signals:
            clone._emit.rename(signals, self.name, "output")
        clone._refresh()
        return clone

    with_inputs = rename_inputs
    with_outputs = rename_outputs

    def expose(self, *names: str, **aliases: str) -> GraphNode:
        """A copy where chosen ports of a namespaced node are addressed flat (or aliased)."""
        chosen = {n: n for n in names} | aliases
        clone = self._clone()
        ins = {k: v for k, v in chosen.items() if k in clone._in.names}
        outs = {k: v for k, v in chosen.items() if k in clone._out.names}
        for alias in outs.values():
            _check_output_alias(alias, self.name)
        missing = [k for k in chosen if k not in ins and k not in outs]
        if missing:
            raise RenameError(
                f"GraphNode {self.name!r} has no port {missing[0]!r} to expose; inputs "
                f"{list(clone._in.names)}, outputs {list(clone._out.names)}"
            )
        clone._in.expose(ins, self.name)
        clone._out.expose(outs, self.name)
        clone._refresh()
        return clone

    # -- mapping -------------------------------------------------------------------------

    def map_over(
        self,
        *params: str,
        mode: MapMode = "zip",
        error_handling: MapErrors = "raise",
        clone: bool | Sequence[str] = False,
    ) -> GraphNode:
        """A copy that runs the inner graph once per item of `params`; outputs become lists."""
        if not params:
            raise ValueError(f"map_over on {self.name!r} needs at least one input port")
        for p in params:
            if p not in self.inputs:
                raise ValueError(f"map_over: {p!r} is not an input of {self.name!r}: {self.inputs}")
        if mode not in ("zip", "product"):
            raise ValueError(f"map_over mode must be 'zip' or 'product', got {mode!r}")
        if error_handling not in ("raise", "continue"):
            raise ValueError(f"error_handling must be 'raise' or 'continue': {error_handling!r}")
        if not isinstance(clone, bool | list):
            raise TypeError(
                f"map_over on {self.name!r}: clone must be a bool or a list of input names, "
                f"got {type(clone).__name__} {clone!r}"
            )
        if not isinstance(clone, bool):
            for c in clone:
                if not isinstance(c, str):
                    raise TypeError(
                        f"map_over on {self.name!r}: clone lists input names (str), got "
                        f"{type(c).__name__} {c!r}"
                    )
                if c in params or c not in self.inputs:
                    raise ValueError(
                        f"clone names {c!r}, which must be a non-mapped input of {self.name!r}"
                    )
        local = self.local_input
        copy = self._clone()
        copy._map = GraphNodeMapExecutionConfig(
            tuple(local(p) for p in params),
            mode,
            error_handling,
            clone if isinstance(clone, bool) else tuple(local(c) for c in clone),
        )
        return copy

    @property
    def map_execution_config(self) -> GraphNodeMapExecutionConfig | None:
        """The map configuration in current port addresses (following renames), or None."""
        c = self._map
        if c is None:
            return None
        address = dict(zip(self._in.local, self.inputs))
        return GraphNodeMapExecutionConfig(
            tuple(address[p] for p in c.params),
            c.mode,
            c.error_handling,
            c.clone if isinstance(c.clone, bool) else tuple(address[p] for p in c.clone),
        )

    @property
    def map_config(self) -> tuple[tuple[str, ...], str, str] | None:
        """(params, mode, error_handling) when mapped, else None."""
        c = self.map_execution_config
        return None if c is None else (c.params, c.mode, c.error_handling)

    @property
    def inner_map(self) -> GraphNodeMapExecutionConfig | None:
        """The map configuration in the inner graph's input names (what a run needs)."""
        return self._map

    def _definition_parts(self) -> list[str]:
        """Name and ports (renames, namespacing, exposed names), the map configuration, and
        the inner graph: its hash, binds, entrypoints and selection."""
        inner = self.graph
        mapping = self._map
        return [
            *super()._definition_parts(),
            repr((self.namespaced, self.input_pairs, self.output_pairs)),
            repr(None if mapping is None else dataclasses.astuple(mapping)),
            inner.definition_hash,
            encode_value(inner.inputs.bound),
            repr((inner.entrypoints_config, inner.selected)),
        ]

    def __repr__(self) -> str:
        mapped = f", map_over={self.map_config[0]!r}" if self.map_config else ""
        return f"GraphNode({self.name!r}, inputs={self.inputs!r}, outputs={self.outputs!r}{mapped})"


def warn_bind_overrides(graph: Graph, values: Mapping[str, Any]) -> None:
    """`graph.bind(...)` over a port some nested graph binds itself: warn (API 3.6)."""
    for n in graph.iter_nodes():
        if not isinstance(n, GraphNode) or n.name not in graph.active_nodes:
            continue
        bound = n.graph.inputs.bound
        for address, local in n.input_pairs:
            if address in values and local in bound:
                warnings.warn(
                    f"bind: {address!r} overrides the value nested graph {n.name!r} binds "
                    f"for {local!r}",
                    UserWarning,
                    stacklevel=3,
                )


def _usable(kind: object) -> bool:
    """Whether the type checker's `kind` is a type (not missing, not unresolvable)."""
    from hypergraph.typecheck.hints import MISSING, Unresolved

    return kind is not MISSING and not isinstance(kind, Unresolved)


def _check_output_alias(new: str, node_name: str) -> None:
    """Output aliases become parent names: identifiers, not keywords, no leading `_`."""
    problem = identifier_problem(new)
    if problem or new.startswith("_"):
        raise RenameError(
            f"output alias {new!r} of {node_name!r} must be an identifier (not a keyword, "
            f"in NFKC normal form) without a leading '_'{f': it {problem}' if problem else ''}"
        )


def as_node(
    graph: Graph, *, name: str | None = None, namespaced: bool = False, runner: Any = None
) -> GraphNode:
    """`graph.as_node(...)`: wrap a graph as a node."""
    if runner is not None:
        raise GraphConfigError(
            "as_node(runner=...) (delegating a nested graph to another runner) is not supported "
            "yet; the parent's runner runs nested graphs"
        )
    return GraphNode(graph, name, namespaced=namespaced)
