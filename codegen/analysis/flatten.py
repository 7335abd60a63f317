"""Nested graphs flattened into one tree of calls, with collision-free local names.

The compiled module has no child runs: a GraphNode becomes a `Block` whose inner supersteps are
written out at the GraphNode's place in the outer schedule. Every value of every scope gets its
own local variable: the top level keeps its names (dotted addresses such as ``rag.answer`` become
``rag__answer``), an inner scope prefixes its names with the path of GraphNode names
(``rag__``, ``chat__rag__``), and the shared `Namespace` suffixes any remaining clash, so two
instances of one inner graph never share a variable.

Presence follows the runtime (``hypergraph.runners._nested``): a port the parent feeds gets the
parent's value; an optional top-level input that the caller may omit is tracked as `Value.top`,
so that each consumer falls back to what the runtime would use when it is absent: the bind of
the outermost inner graph binding it, else the consumer's own default.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from codegen.analysis.names import HELPERS, RESERVED, Namespace, check_identifier, check_input
from codegen.errors import CompileError
from hypergraph import ExecutionMode, FunctionNode, Graph
from hypergraph.nodes.graph_node import GraphNode, GraphNodeMapExecutionConfig
from hypergraph.plan import wiring_of

__all__ = [
    "Arg",
    "Block",
    "Consumer",
    "FlatCall",
    "Flattened",
    "Item",
    "Value",
    "flatten",
    "function_graphs",
    "parameter_name",
    "top_names",
    "value_locals",
]

_NO_FALLBACK: tuple[object, ...] = ()


@dataclass(frozen=True)
class Value:
    """Where a value lives: a local variable, possibly a top-level input the caller omitted."""

    var: str
    top: str | None = None
    """The optional, unbound graph input this value may be absent from (None: always there)."""
    fallback: tuple[object, ...] = _NO_FALLBACK
    """(bind,) of the inner graph whose bind replaces an absent `top`; empty: no such bind."""


@dataclass(frozen=True)
class Arg:
    """One keyword argument of a node call."""

    param: str
    var: str
    top: str | None = None
    """Set when the value may be absent: the emitter may replace it by a fallback."""


@dataclass(frozen=True)
class FlatCall:
    """A function node call, its arguments and outputs resolved to local variables."""

    path: str
    name: str
    node: FunctionNode[..., object] | GraphNode
    """A GraphNode here is called as its module function (see codegen.backends.subgraphs)."""
    mode: ExecutionMode
    args: tuple[Arg, ...]
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """A GraphNode: its inner supersteps, once or once per mapped item."""

    path: str
    name: str
    node: GraphNode
    prefix: str
    supersteps: tuple[tuple[Item, ...], ...]
    results: tuple[tuple[str, str], ...]
    """(outer variable, inner variable) per data output port, in port order."""
    config: GraphNodeMapExecutionConfig | None
    mapped: tuple[tuple[str, str, str], ...] = ()
    """Mapped ports: (inner local name, item variable, outer variable of the sequence)."""
    clones: tuple[tuple[str, str, str], ...] = ()
    """Deep-copied ports: (inner local name, per-item variable, outer variable)."""


Item = FlatCall | Block


@dataclass(frozen=True)
class Consumer:
    """A call reading a top-level optional input, and what it uses when the input is absent."""

    path: str
    top: str
    default: object
    needs_copy: bool


@dataclass
class Flattened:
    """The flattened graph: top-level items per superstep, and the run() parameter names."""

    supersteps: tuple[tuple[Item, ...], ...]
    params: dict[str, str]
    """Graph input (address) -> its run() parameter / local variable."""
    outputs: dict[str, str]
    """Result name (address) -> its local variable."""
    consumers: list[Consumer] = field(default_factory=list)


def parameter_name(address: str) -> str:
    """The identifier standing for a graph value: dotted addresses join with ``__``."""
    return address.replace(".", "__")


_FIXED: weakref.WeakKeyDictionary[Graph, dict[str, str]] = weakref.WeakKeyDictionary()


def fixed_names(graph: Graph) -> dict[str, str]:
    """The names the top level of `graph` fixes: every graph input (address -> its run()
    parameter), and each produced value whose own identifier is free. The other produced
    values (a gate's ``_<gate>``, a name the module uses itself, a second value mapped to the
    same identifier) get a local from the namespace (`value_locals`)."""
    found = _FIXED.get(graph)
    if found is None:
        found = _FIXED[graph] = _fixed_names(graph)
    return dict(found)


def _fixed_names(graph: Graph) -> dict[str, str]:
    names: dict[str, str] = {}
    owner: dict[str, str] = {}  # identifier -> the address it stands for
    for address in graph.inputs.all:
        name = check_input(parameter_name(address), "graph input")
        if name in owner:
            raise CompileError(
                f"graph inputs {owner[name]!r} and {address!r} would both be run()'s parameter "
                f"{name!r} (a namespaced port's '.' becomes '__'); rename one (rename_inputs)"
            )
        owner[name] = address
        names[address] = name
    for step in (s for superstep in wiring_of(graph).supersteps for s in superstep):
        for out in step.outputs:
            name = check_identifier(parameter_name(out), f"node {step.name!r}: output")
            if out in names or name in owner or name.startswith("_"):
                continue
            if name in RESERVED or name in HELPERS:
                continue
            owner[name] = out
            names[out] = name
        if isinstance(step.node, FunctionNode):
            for param in step.node.params:
                check_identifier(param, f"node {step.name!r}: parameter")
    return names


def top_names(graph: Graph) -> set[str]:
    """The identifiers `graph`'s top level fixes (claimed before anything else)."""
    return set(fixed_names(graph).values())


def value_locals(graph: Graph, namespace: Namespace) -> dict[str, str]:
    """Every top-level value of `graph` (address) -> its local: the fixed names, and a
    claimed name for each other produced value (call once per scope: claims are taken)."""
    names = fixed_names(graph)
    for step in (s for superstep in wiring_of(graph).supersteps for s in superstep):
        for out in step.outputs:
            if out not in names:
                base = f"{out[1:]}_decision" if out.startswith("_") else parameter_name(out)
                names[out] = namespace.claim(base)
    return names


GraphCall = Callable[[GraphNode, str], tuple[ExecutionMode, bool]]
"""Writes the module function of a GraphNode at a path; returns the call's mode and whether
it takes ``max_concurrency``."""


class _Flattener:
    def __init__(self, namespace: Namespace, graph_call: GraphCall, top: dict[str, str]) -> None:
        self.namespace = namespace
        self.graph_call = graph_call
        self.top = top
        self.consumers: list[Consumer] = []

    def local(self, prefix: str, name: str) -> str:
        if not prefix:
            return self.top[name]  # fixed by top_names, or claimed by value_locals
        return self.namespace.claim(prefix + parameter_name(name))

    def scope(
        self, graph: Graph, env: dict[str, Value], path: str, prefix: str
    ) -> tuple[tuple[Item, ...], ...]:
        steps = wiring_of(graph).supersteps
        out: list[tuple[Item, ...]] = []
        for superstep in steps:
            items: list[Item] = []
            for step in superstep:
                target = step.node
                where = path + step.name
                if isinstance(target, GraphNode) and not _as_function(target):
                    items.append(self.block(target, env, where, prefix))
                    continue
                if isinstance(target, GraphNode):
                    items.append(self.function_call(target, env, where, prefix))
                    continue
                assert isinstance(target, FunctionNode)
                args = tuple(
                    self.arg(env, where, target, param, name)
                    for param, name in zip(target.params, target.inputs)
                )
                outputs = tuple(self.local(prefix, o) for o in step.outputs)
                for name, var in zip(step.outputs, outputs):
                    env[name] = Value(var)
                items.append(FlatCall(where, step.name, target, step.mode, args, outputs))
            out.append(tuple(items))
        return tuple(out)

    def function_call(
        self, target: GraphNode, env: dict[str, Value], path: str, prefix: str
    ) -> FlatCall:
        """A mapped GraphNode whose inner graph has gates or cycles: its module function."""
        check_identifier(target.name, "nested graph node name")
        mode, limit = self.graph_call(target, path)
        args = [
            self.arg(env, path, target, local, address) for address, local in target.input_pairs
        ]
        if limit:
            args.append(Arg("max_concurrency", "max_concurrency"))
        outputs = tuple(self.local(prefix, address) for address in target.data_outputs)
        for address, var in zip(target.data_outputs, outputs):
            env[address] = Value(var)
        return FlatCall(path, target.name, target, mode, tuple(args), outputs)

    def arg(
        self,
        env: dict[str, Value],
        path: str,
        target: FunctionNode[..., object] | GraphNode,
        param: str,
        name: str,
    ) -> Arg:
        value = env.get(name)
        if value is None:
            raise CompileError(f"node {path!r}: input {name!r} has no source", path)
        if value.top is None:
            return Arg(param, value.var)
        if value.fallback:
            default, needs_copy = value.fallback[0], False
        elif isinstance(target, GraphNode) and target.has_default_for(name):
            default, needs_copy = target.get_default_for(name), False
        elif isinstance(target, FunctionNode) and target.has_default_for(name):
            default, needs_copy = target.get_default_for(name), target.default_needs_copy(name)
        else:  # required by this consumer: the input is never absent when it runs
            return Arg(param, value.var)
        self.consumers.append(Consumer(path, value.top, default, needs_copy))
        return Arg(param, value.var, value.top)

    def block(self, target: GraphNode, env: dict[str, Value], path: str, prefix: str) -> Block:
        inner = target.graph
        check_identifier(target.name, "nested graph node name")
        inner_prefix = f"{prefix}{target.name}__"
        config = target.inner_map
        mapped_params = config.params if config is not None else ()
        clone = config.clone if config is not None else False
        bound = inner.inputs.bound
        inner_env: dict[str, Value] = {}
        mapped: list[tuple[str, str, str]] = []
        clones: list[tuple[str, str, str]] = []
        for address, local in target.input_pairs:
            outer = env.get(address)
            if outer is None:
                raise CompileError(f"node {path!r}: port {address!r} has no source", path)
            if local in mapped_params:
                if outer.top is not None:
                    raise CompileError(
                        f"node {path!r}: mapped port {address!r} is fed by an optional input "
                        "that run() could omit; bind it or give it a producer",
                        path,
                    )
                var = self.local(inner_prefix, local)
                mapped.append((local, var, outer.var))
                inner_env[local] = Value(var)
                continue
            fallback = outer.fallback
            if outer.top is not None and not fallback and local in bound:
                fallback = (bound[local],)
            source = outer.var
            if config is not None and (clone is True or (clone and local in clone)):
                var = self.local(inner_prefix, local)
                clones.append((local, var, source))
                source = var
            inner_env[local] = Value(source, outer.top, fallback)
        mapped.sort(key=lambda entry: mapped_params.index(entry[0]))  # map_over order
        supersteps = self.scope(inner, inner_env, path + "/", inner_prefix)
        results = []
        for address, local in target.output_pairs:
            produced = inner_env.get(local)
            if produced is None or produced.top is not None:
                raise CompileError(
                    f"node {path!r}: output {local!r} is not produced inside the nested graph",
                    path,
                )
            var = self.local(prefix, address)
            env[address] = Value(var)
            results.append((var, produced.var))
        return Block(
            path,
            target.name,
            target,
            inner_prefix,
            supersteps,
            tuple(results),
            config,
            tuple(mapped),
            tuple(clones),
        )


def _as_function(node: GraphNode) -> bool:
    """Mapped, with gates or cycles inside: no fixed schedule to write out inline."""
    return node.inner_map is not None and node.graph.plan.is_dynamic


def function_graphs(graph: Graph) -> list[Graph]:
    """Every inner graph (at any depth) that compiles to a module function instead of being
    written inline (an inner graph of a gated or cyclic parent, or a mapped one with gates or
    cycles, see `_as_function`), for name claiming."""
    found: list[Graph] = []
    dynamic = graph.plan.is_dynamic
    nodes = graph.nodes  # a copy per access: once, not per node
    for name in graph.active_nodes:
        node = nodes[name]
        if not isinstance(node, GraphNode):
            continue
        if dynamic or (node.inner_map is not None and node.graph.plan.is_dynamic):
            found.append(node.graph)
        found += function_graphs(node.graph)
    return found


def flatten(graph: Graph, namespace: Namespace, graph_call: GraphCall) -> Flattened:
    """Flatten `graph` (its names already claimed in `namespace` via `top_names`)."""
    spec = graph.inputs
    top = value_locals(graph, namespace)
    env: dict[str, Value] = {}
    params: dict[str, str] = {}
    for name in spec.all:
        var = top[name]
        params[name] = var
        maybe_absent = name in spec.optional and name not in spec.bound
        env[name] = Value(var, name if maybe_absent else None)
    flattener = _Flattener(namespace, graph_call, top)
    supersteps = flattener.scope(graph, env, "", "")
    outputs = {
        name: env[name].var
        for name in wiring_of(graph).result_names
        if name in env and env[name].top is None
    }
    return Flattened(supersteps, params, outputs, flattener.consumers)


def schedule(supersteps: tuple[tuple[Item, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """SCHEDULE: per top-level superstep, the call paths in call order (nested as a/b)."""
    return tuple(tuple(_paths(items)) for items in supersteps)


def _paths(items: tuple[Item, ...]) -> list[str]:
    found: list[str] = []
    for item in items:
        if isinstance(item, FlatCall):
            found.append(item.path)
        else:
            for inner in item.supersteps:
                found += _paths(inner)
    return found
