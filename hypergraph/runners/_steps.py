"""Per-graph execution records, computed once: the hot path of a run is lookups."""

from __future__ import annotations

import copy
import inspect
import operator
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.core import Graph
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.function import ExecutionMode, FunctionNode

__all__ = [
    "SIGNAL",
    "NodeStep",
    "Prepared",
    "kwargs_for",
    "make_call",
    "prepared",
    "resolve_default",
]

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
    call: Callable[[dict[str, Any]], Any]
    """Read the inputs from the state and call the function; returns its raw result."""
    single_output: str | None
    """The output name when the result is stored as-is under one name and nothing else."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything a run of one graph needs, derived once from the graph and its Plan."""

    supersteps: tuple[tuple[NodeStep, ...], ...]
    sequence: tuple[tuple[NodeStep, Callable[[dict[str, Any]], Any], str | None], ...]
    """Every step in plan order with its call and single output: the sync runner's loop."""
    superstep_of: dict[str, int]
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
    single = outputs[0] if shape == SINGLE and not n.emit else None
    step = NodeStep(
        n.name,
        n,
        n.func,
        n.mode,
        tuple(args),
        tuple(optional),
        outputs,
        shape,
        n.emit,
        _noop,
        single,
    )
    object.__setattr__(step, "call", make_call(step))
    return step


def _noop(state: dict[str, Any]) -> Any:
    return None


def _positional_ok(func: Callable[..., Any], params: tuple[str, ...]) -> bool:
    """Whether calling `func` positionally in parameter order is the same as by keyword:
    true for plain functions whose own code declares exactly these positional parameters."""
    code = getattr(func, "__code__", None)
    if not isinstance(func, types.FunctionType) or code is None:
        return False
    plain = not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
    declared = code.co_varnames[: code.co_argcount]
    return plain and code.co_kwonlyargcount == 0 and declared == params


def make_call(step: NodeStep) -> Callable[[dict[str, Any]], Any]:
    """A closure calling the node with its inputs read from the state.

    This is the hot path of every run, so it is specialised once per node: positional calls
    (when equivalent to keyword calls) through a C-level itemgetter, no per-call dict.
    """
    func = step.func
    if step.optional:
        return lambda state: func(**kwargs_for(step, state))
    params = tuple(param for param, _ in step.args)
    names = tuple(name for _, name in step.args)
    if not names:
        return lambda state: func()
    getter = operator.itemgetter(*names)
    if _positional_ok(func, params):
        if len(names) == 1:
            return lambda state: func(getter(state))
        return lambda state: func(*getter(state))
    if len(names) == 1:
        (param,) = params
        return lambda state: func(**{param: getter(state)})
    return lambda state: func(**dict(zip(params, getter(state))))


def kwargs_for(step: NodeStep, state: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `step`, read from the state (defaults deep-copied)."""
    kwargs = {param: state[name] for param, name in step.args}
    for param, name, default, needs_copy in step.optional:
        if name in state:
            kwargs[param] = state[name]
        else:
            kwargs[param] = resolve_default(step, param, default) if needs_copy else default
    return kwargs


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
        sequence=tuple((s, s.call, s.single_output) for step in supersteps for s in step),
        superstep_of={s.name: i for i, step in enumerate(supersteps) for s in step},
        produced=frozenset(out for name in active for out in nodes[name].outputs),
        result_names=tuple(names),
        async_nodes=tuple(n.name for n in graph.iter_nodes() if n.is_async and n.name in active),
    )
    graph._cache["prepared"] = result
    return result
