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
_NO_ENTRY = (NO_DEFAULT, False)
GIVEN = "\x00given"
"""State key of the inputs given to a run (provided and bound), for `NodeStep.from_given`."""


@dataclass(slots=True, eq=False)
class NodeStep:
    """How to call one node: which state names feed which parameters, where results go.

    Never changed once built (not frozen only because a frozen dataclass costs a first run
    of a large graph about 1.5 us more per node to build).
    """

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
    if not isinstance(n, _FUNCTION_NODES):
        if isinstance(n, GraphNode):
            return _graph_step(n)
        raise GraphConfigError(f"node {n.name!r}: {type(n).__name__} cannot run in this version")
    args, optional, from_given = [], [], []
    defaults = n._defaults  # parameter -> (default, needs a deep copy), as FunctionPorts keeps it
    node_name = n.name
    for param, name in zip(n.params, n.inputs):
        if (node_name, name) in wired or name in shared:
            args.append((param, name))
            continue
        default, needs_copy = defaults.get(param, _NO_ENTRY)
        if name not in made and (name in given or default is NO_DEFAULT):
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
    step.call = make_call(step)
    return step


_FUNCTION_NODES = (FunctionNode, GateNode)  # a tuple: `A | B` would build a union per call


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
    if type(func) is not types.FunctionType:  # exactly a plain function
        return False
    code = func.__code__
    plain = not code.co_flags & _VARIADIC and not code.co_kwonlyargcount
    return plain and code.co_varnames[: code.co_argcount] == params


_VARIADIC = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def make_call(step: NodeStep) -> Callable[[dict[str, Any]], Any]:
    """A closure calling the node with its inputs read from the state.

    This is the hot path of every run, so it is specialised once per node: positional calls
    (when equivalent to keyword calls) through a C-level itemgetter, no per-call dict. Each
    shape has its own factory, so building one closes over only what that shape needs (a
    first run of a large graph builds one per node).
    """
    func = step.func
    if step.optional or step.from_given:
        return _keyword_call(func, step)
    if not step.args:
        return _no_argument_call(func)
    params, names = zip(*step.args)
    getter = operator.itemgetter(*names)
    if _positional_ok(func, params):
        return _one_positional(func, getter) if len(names) == 1 else _positional(func, getter)
    if len(names) == 1:
        return _one_keyword(func, params[0], getter)
    return _keywords(func, params, getter)


def _keyword_call(func: Callable[..., Any], step: NodeStep) -> Callable[[dict[str, Any]], Any]:
    return lambda state: func(**kwargs_for(step, state))


def _no_argument_call(func: Callable[..., Any]) -> Callable[[dict[str, Any]], Any]:
    return lambda state: func()


def _one_positional(func: Callable[..., Any], getter: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda state: func(getter(state))


def _positional(func: Callable[..., Any], getter: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda state: func(*getter(state))


def _one_keyword(
    func: Callable[..., Any], param: str, getter: Any
) -> Callable[[dict[str, Any]], Any]:
    return lambda state: func(**{param: getter(state)})


def _keywords(
    func: Callable[..., Any], params: tuple[str, ...], getter: Any
) -> Callable[[dict[str, Any]], Any]:
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
    made: set[str] = set()
    emitted: set[str] = set()
    for name in active:
        made.update(nodes[name].data_outputs)
        emitted.update(nodes[name].emit)
    made |= emitted
    given = set(graph.inputs.required) | set(graph.inputs.bound)
    shared = frozenset(graph.shared)
    # one pass over the plan builds every per-node record (a first run pays for this loop)
    supersteps: list[tuple[NodeStep, ...]] = []
    sequence: list[tuple[NodeStep, Callable[[dict[str, Any]], Any], str | None]] = []
    superstep_of: dict[str, int] = {}
    needs_given = False
    for index, names_ in enumerate(graph.plan.supersteps):
        row = []
        for name in names_:
            s = _step(nodes[name], wired, made, given, shared)
            row.append(s)
            sequence.append((s, s.call, s.single_output))
            superstep_of[name] = index
            needs_given = needs_given or bool(s.from_given)
        supersteps.append(tuple(row))
    wanted = graph.selected if graph.selected is not None else graph.outputs
    names = [out for out in wanted if out not in emitted]
    result = Prepared(
        supersteps=tuple(supersteps),
        sequence=tuple(sequence),
        superstep_of=superstep_of,
        produced=frozenset(made),
        result_names=tuple(names),
        selected=graph.selected or (),
        needs_given=needs_given,
        async_nodes=async_paths(graph),
    )
    if graph.plan.is_dynamic:
        from hypergraph.runners._dynamic import dynamic_plan

        steps = [s for step in supersteps for s in step]
        result = dataclasses.replace(result, dynamic=dynamic_plan(graph, steps))
    graph._cache["prepared"] = result
    return result
