"""What a run executes: each node's wiring record with the call closure built from it.

The records come from the plan layer (`hypergraph.plan`); this module adds the behaviour, once
per node: the `call` closure of the hot path. `RunStep`s are completed by `_prepare` and only
read afterwards.
"""

from __future__ import annotations

import copy
import inspect
import operator
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypergraph.events.context import NodeContext
from hypergraph.exceptions import GraphConfigError
from hypergraph.plan import GraphWiring, NodeWiring

__all__ = [
    "CACHE",
    "EVENTS",
    "GIVEN",
    "PRIVATE",
    "SIGNAL",
    "AsyncCall",
    "Prepared",
    "RunCache",
    "RunStep",
    "SyncCall",
    "kwargs_for",
    "make_call",
    "resolve_default",
    "unbuilt_call",
]

SIGNAL: Any = type("Signal", (), {"__repr__": lambda self: "<signal>"})()
"""The value an emit name receives: private, never shown in results."""

GIVEN = "\x00given"
"""State key of the inputs given to a run (provided and bound), for `NodeWiring.from_given`."""

EVENTS = "\x00events"
"""State key of the run's `RunScope` when processors watch it (absent otherwise): the loops
then take their observed paths, and a GraphNode's child run nests its scope in it."""

CACHE = "\x00cache"
"""State key of the runner's `RunCache`, present when the runner has a cache backend."""
PRIVATE = (GIVEN, CACHE, EVENTS)
"""State keys that are not values."""


class RunCache:
    """A runner's cache backend and the cached calls in flight (AsyncRunner: identical
    concurrent calls wait for the first instead of computing again)."""

    __slots__ = ("backend", "flights")

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.flights: dict[tuple[object, str], Any] = {}


SyncCall = Callable[[dict[str, Any]], Any]
"""Reads a node's inputs from the state and calls it; returns its raw result."""
AsyncCall = Callable[[dict[str, Any], bool, Any], Any]
"""A GraphNode's async child run: (state, inline flag, limiter) -> awaitable result."""


def unbuilt_call(state: dict[str, Any]) -> Any:
    """The `call` of a RunStep until `_prepare` builds the real one."""
    raise AssertionError("a RunStep was run before _prepare built its call")


@dataclass(slots=True, eq=False)
class RunStep(NodeWiring):
    """A node's wiring record with the calls built from it: what a run executes.

    The plan layer builds these records as it builds plain NodeWiring ones (so a run builds
    one object per node, as cheaply as before the plan layer existed); `_prepare` then attaches
    the calls, once, and nothing changes them afterwards.
    """

    call: SyncCall = unbuilt_call
    """Reads the inputs from the state and calls the function; returns its raw result."""
    acall: AsyncCall | None = None
    """AsyncRunner's call when a step has its own (a GraphNode's async child run; a node with
    policies): it awaits the whole node and takes concurrency slots itself."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything a run of one graph executes, built once per graph from its wiring."""

    wiring: GraphWiring
    """The graph's wiring, its records RunSteps."""
    supersteps: tuple[tuple[RunStep, ...], ...]
    sequence: tuple[tuple[RunStep, SyncCall, str | None], ...]
    """Every step in plan order with its call and single output: the sync DAG loop."""
    dynamic_steps: tuple[RunStep, ...] | None
    """For a dynamic plan: the step of each `DynamicNode`, by its `index`; else None."""
    timed: tuple[tuple[str, bool], ...] = ()
    """Active nodes with a timeout, nested ones as `outer/inner`, each with whether it is a
    plain `def` (whose timeout only a worker thread can enforce)."""


def resolve_default(step: NodeWiring, param: str, default: Any) -> Any:
    """A fresh deep copy of a signature default (GraphConfigError if it cannot be copied)."""
    try:
        return copy.deepcopy(default)
    except Exception as exc:
        raise GraphConfigError(
            f"node {step.name!r}: the default of {param!r} ({type(default).__name__}) cannot "
            f"be deep-copied ({exc}); supply it with graph.bind({param}=...) instead"
        ) from exc


def kwargs_for(step: NodeWiring, state: dict[str, Any]) -> dict[str, Any]:
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


def _positional_ok(func: Callable[..., Any], params: tuple[str, ...]) -> bool:
    """Whether calling `func` positionally in parameter order is the same as by keyword:
    true for plain functions whose own code declares exactly these positional parameters."""
    if type(func) is not types.FunctionType:  # exactly a plain function
        return False
    code = func.__code__
    plain = not code.co_flags & _VARIADIC and not code.co_kwonlyargcount
    return plain and code.co_varnames[: code.co_argcount] == params


_VARIADIC = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def make_call(step: NodeWiring, func: Callable[..., Any]) -> SyncCall:
    """A closure calling `func` with the inputs `step` reads from the state.

    This is the hot path of every run, so it is specialised once per node: positional calls
    (when equivalent to keyword calls) through a C-level itemgetter, no per-call dict. Each
    shape has its own factory, so building one closes over only what that shape needs (a
    first run of a large graph builds one per node).
    """
    context = getattr(step.node, "context_param", None)
    if context is not None:
        return _context_call(func, step, context)
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


def _context_call(func: Callable[..., Any], step: NodeWiring, param: str) -> SyncCall:
    """A node that asked for a NodeContext gets one bound to the run's events (if any)."""
    name = step.name

    def call(state: dict[str, Any]) -> Any:
        kwargs = kwargs_for(step, state)
        kwargs[param] = NodeContext(state.get(EVENTS), name)
        return func(**kwargs)

    return call


def _keyword_call(func: Callable[..., Any], step: NodeWiring) -> SyncCall:
    return lambda state: func(**kwargs_for(step, state))


def _no_argument_call(func: Callable[..., Any]) -> SyncCall:
    return lambda state: func()


def _one_positional(func: Callable[..., Any], getter: Any) -> SyncCall:
    return lambda state: func(getter(state))


def _positional(func: Callable[..., Any], getter: Any) -> SyncCall:
    return lambda state: func(*getter(state))


def _one_keyword(func: Callable[..., Any], param: str, getter: Any) -> SyncCall:
    return lambda state: func(**{param: getter(state)})


def _keywords(func: Callable[..., Any], params: tuple[str, ...], getter: Any) -> SyncCall:
    return lambda state: func(**dict(zip(params, getter(state))))
