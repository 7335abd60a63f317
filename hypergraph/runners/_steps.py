"""Per-graph execution records, computed once: the hot path of a run is lookups."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.core import Graph
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.function import ExecutionMode, FunctionNode

__all__ = ["NodeStep", "Prepared", "SIGNAL", "prepared", "resolve_default"]

SIGNAL: Any = type("Signal", (), {"__repr__": lambda self: "<signal>"})()
"""The value an emit name receives: private, never shown in results."""

SINGLE, NONE, SEVERAL = 1, 0, 2


@dataclass(frozen=True, slots=True)
class NodeStep:
    """How to call one node: which state names feed which parameters, where results go."""

    name: str
    node: HyperNode
    func: Callable[..., Any]
    mode: ExecutionMode
    args: tuple[tuple[str, str], ...]
    optional: tuple[tuple[str, str, Any, bool], ...]
    outputs: tuple[str, ...]
    shape: int
    emit: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything a run of one graph needs, derived once from the graph and its Plan."""

    supersteps: tuple[tuple[NodeStep, ...], ...]
    produced: frozenset[str]
    result_names: tuple[str, ...]
    async_nodes: tuple[str, ...]


def resolve_default(step: NodeStep, param: str, default: Any) -> Any:
    """A fresh deep copy of a signature default (GraphConfigError if it cannot be copied)."""
    try:
        return copy.deepcopy(default)
    except Exception as exc:
        raise GraphConfigError(
            f"node {step.name!r}: the default of {param!r} ({type(default).__name__}) cannot "
            f"be deep-copied ({exc}); supply it with graph.bind({param}=...) instead"
        ) from exc


def _step(n: HyperNode, always: set[str]) -> NodeStep:
    if not isinstance(n, FunctionNode):
        raise GraphConfigError(f"node {n.name!r}: {type(n).__name__} cannot run in this version")
    args, optional = [], []
    for param, name in zip(n.params, n.inputs):
        if name in always or not n.has_default_for(name):
            args.append((param, name))
        else:
            optional.append((param, name, n.get_default_for(name), n.default_needs_copy(name)))
    outputs = n.data_outputs
    shape = SINGLE if len(outputs) == 1 else NONE if not outputs else SEVERAL
    return NodeStep(n.name, n, n.func, n.mode, tuple(args), tuple(optional), outputs, shape, n.emit)


def prepared(graph: Graph) -> Prepared:
    """The cached execution records of `graph` (built on first use)."""
    cached = graph._cache.get("prepared")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    nodes = graph.nodes
    active = set(graph.active_nodes)
    produced = frozenset(
        value
        for e in graph.edges
        if e.kind == "data" and e.source in active and e.target in active
        for value in e.values
    )
    always = set(produced) | set(graph.inputs.required) | set(graph.inputs.bound)
    supersteps = tuple(
        tuple(_step(nodes[name], always) for name in step) for step in graph.plan.supersteps
    )
    emitted = {e for name in active for e in nodes[name].emit}
    if graph.selected is not None:
        names: Sequence[str] = graph.selected
    else:
        names = [out for out in graph.outputs if out not in emitted]
    result = Prepared(
        supersteps=supersteps,
        produced=frozenset(out for name in active for out in nodes[name].outputs),
        result_names=tuple(names),
        async_nodes=tuple(n.name for n in graph.iter_nodes() if n.is_async and n.name in active),
    )
    graph._cache["prepared"] = result
    return result
