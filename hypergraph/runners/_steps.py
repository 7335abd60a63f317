"""Per-graph execution records, computed once: the hot path of a run is lookups."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import operator
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.core import Graph
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.function import ExecutionMode, FunctionNode
from hypergraph.nodes.gate import GateNode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.runners._nested import graph_calls

__all__ = [
    "GIVEN",
    "NO_DEFAULT",
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

SINGLE, NONE, SEVERAL, MAPPING = 1, 0, 2, 3
NO_DEFAULT: Any = type("NoDefault", (), {"__repr__": lambda self: "<no default>"})()
GIVEN = "\x00given"
"""State key of the inputs given to a run (provided and bound), for `NodeStep.from_given`."""


@dataclass(frozen=True, slots=True)
class NodeStep:
    """How to call one node: which state names feed which parameters, where results go."""

    name: str
    node: HyperNode
    func: Callable[..., Any]
    mode: ExecutionMode
    args: tuple[tuple[str, str], ...]
    optional: tuple[tuple[str, str, Any, bool], ...]
    """(parameter, name, default, needs_copy): read from the state, else the default."""
    from_given: tuple[tuple[str, str, Any, bool], ...]
    """Like `optional`, but read only from the inputs given to the run (see `_step`)."""
    outputs: tuple[str, ...]
    shape: int
    emit: tuple[str, ...]
    call: Callable[[dict[str, Any]], Any]
    """Read the inputs from the state and call the function; returns its raw result."""
    single_output: str | None
    """The output name when the result is stored as-is under one name and nothing else."""
    acall: Callable[[dict[str, Any], bool, Any], Any] | None = None
    """For a GraphNode: the async child run (inline flag, limiter); `call` is the sync one."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything a run of one graph needs, derived once from the graph and its Plan."""

    supersteps: tuple[tuple[NodeStep, ...], ...]
    sequence: tuple[tuple[NodeStep, Callable[[dict[str, Any]], Any], str | None], ...]
    """Every step in plan order with its call and single output: the sync runner's loop."""
    superstep_of: dict[str, int]
    produced: frozenset[str]
    result_names: tuple[str, ...]
    """What RunResult.values may hold: the selection or every output, never emit signals."""
    selected: tuple[str, ...]
    needs_given: bool
    async_nodes: tuple[str, ...]
    dynamic: Any = None
    """For a dynamic plan (gates, cycles): its `_dynamic.DynamicPlan`; None for a DAG."""


def resolve_default(step: NodeStep, param: str, default: Any) -> Any:
    """A fresh deep copy of a signature default (GraphConfigError if it cannot be copied)."""
    try:
        return copy.deepcopy(default)
    except Exception as exc:
        raise GraphConfigError(
            f"node {step.name!r}: the default of {param!r} ({type(default).__name__}) cannot "
            f"be deep-copied ({exc}); supply it with graph.bind({param}=...) instead"
        ) from exc


def _step(
    n: HyperNode,
    wired: set[tuple[str, str]],
    made: set[str],
    given: set[str],
    shared: frozenset[str] = frozenset(),
) -> NodeStep:
    """How node `n` reads each parameter.

    Wired parameters, shared names (whatever was written last) and inputs that are always
    given come straight from the state; a defaulted input may be absent; an unwired input
    whose name some active node produces (explicit edges) must not see that node's value, so
    it reads the given inputs only.
    """
    if isinstance(n, GraphNode):
        return _graph_step(n)
    if not isinstance(n, FunctionNode | GateNode):
        raise GraphConfigError(f"node {n.name!r}: {type(n).__name__} cannot run in this version")
    args, optional, from_given = [], [], []
    for param, name in zip(n.params, n.inputs):
        has_default = n.has_default_for(name)
        default = n.get_default_for(name) if has_default else NO_DEFAULT
        needs_copy = has_default and n.default_needs_copy(name)
        if (
            (n.name, name) in wired
            or name in shared
            or (name not in made and (name in given or not has_default))
        ):
            args.append((param, name))
        elif name in made:
            from_given.append((param, name, default, needs_copy))
        else:
            optional.append((param, name, default, needs_copy))
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
        tuple(from_given),
        outputs,
        shape,
        n.emit,
        _noop,
        single,
    )
    object.__setattr__(step, "call", make_call(step))
    return step


def _graph_step(n: GraphNode) -> NodeStep:
    """A nested graph: `call`/`acall` run the child and return {port address: value}."""
    call, acall = graph_calls(n)
    ports = tuple((local, address) for address, local in n.input_pairs)
    mode = ExecutionMode.SYNC_FUNCTION
    return NodeStep(
        n.name, n, call, mode, ports, (), (), n.data_outputs, MAPPING, n.emit, call, None, acall
    )


def async_paths(graph: Graph) -> tuple[str, ...]:
    """Names of the active async nodes, nested ones as `outer/inner`."""
    active = set(graph.active_nodes)
    found: list[str] = []
    for n in graph.iter_nodes():
        if n.name not in active or not n.is_async:
            continue
        if isinstance(n, GraphNode):
            found += [f"{n.name}/{inner}" for inner in async_paths(n.graph)]
        else:
            found.append(n.name)
    return tuple(found)


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
    if step.optional or step.from_given:
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
    if step.from_given:
        given = state[GIVEN]
        for param, name, default, needs_copy in step.from_given:
            if name in given:
                kwargs[param] = given[name]
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
    wired = {
        (e.target, value)
        for e in graph.edges
        if e.kind == "data" and e.source in active and e.target in active
        for value in e.values
    }
    made = {out for name in active for out in nodes[name].outputs}
    given = set(graph.inputs.required) | set(graph.inputs.bound)
    shared = frozenset(graph.shared)
    supersteps = tuple(
        tuple(_step(nodes[name], wired, made, given, shared) for name in step)
        for step in graph.plan.supersteps
    )
    emitted = {e for name in active for e in nodes[name].emit}
    wanted = graph.selected if graph.selected is not None else graph.outputs
    names = [out for out in wanted if out not in emitted]
    result = Prepared(
        supersteps=supersteps,
        sequence=tuple((s, s.call, s.single_output) for step in supersteps for s in step),
        superstep_of={s.name: i for i, step in enumerate(supersteps) for s in step},
        produced=frozenset(made),
        result_names=tuple(names),
        selected=graph.selected or (),
        needs_given=any(s.from_given for step in supersteps for s in step),
        async_nodes=async_paths(graph),
    )
    if graph.plan.is_dynamic:
        from hypergraph.runners._dynamic import dynamic_plan

        steps = [s for step in supersteps for s in step]
        result = dataclasses.replace(result, dynamic=dynamic_plan(graph, steps))
    graph._cache["prepared"] = result
    return result
