"""FunctionNode and the `node` decorator: a plain function, read once at creation."""

from __future__ import annotations

import enum
import inspect
import types
from collections.abc import Callable, Mapping
from typing import Any, Generic, overload

from typing_extensions import ParamSpec, TypeVar

from hypergraph._warn import warn_user
from hypergraph.events.context import context_parameter
from hypergraph.hashing import fingerprint
from hypergraph.nodes._ports import FunctionPorts
from hypergraph.nodes._rename import apply_renames
from hypergraph.nodes.base import HyperNode
from hypergraph.policies.retry import RetryPolicy, as_retry, as_timeout

__all__ = ["ExecutionMode", "FunctionNode", "check_cache", "node"]

P = ParamSpec("P")
R = TypeVar("R")

OutputName = str | tuple[str, ...] | None
_ATOMIC = (int, float, complex, str, bytes, bool, type(None), type, range, enum.Enum)


class ExecutionMode(enum.Enum):
    """How a node's function runs; detected once, from the function itself."""

    SYNC_FUNCTION = "sync_function"
    ASYNC_FUNCTION = "async_function"
    SYNC_GENERATOR = "sync_generator"
    ASYNC_GENERATOR = "async_generator"

    @classmethod
    def of(cls, func: Callable[..., Any]) -> ExecutionMode:
        """Detect the mode of `func` (looking through functools wrappers)."""
        target = inspect.unwrap(func)
        if inspect.isasyncgenfunction(target):
            return cls.ASYNC_GENERATOR
        if inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(func):
            return cls.ASYNC_FUNCTION
        if inspect.isgeneratorfunction(target):
            return cls.SYNC_GENERATOR
        return cls.SYNC_FUNCTION


def needs_deepcopy(value: object) -> bool:
    """False for values a deep copy would return unchanged (immutable atoms and tuples of them)."""
    if isinstance(value, (*_ATOMIC, types.FunctionType)):
        return False
    if type(value) in (tuple, frozenset):
        return any(needs_deepcopy(item) for item in value)  # type: ignore[attr-defined]
    return True


def check_cache(cache: object, kind: str, name: str) -> bool:
    """`cache=` of a node or gate: True or False (anything else is a TypeError)."""
    if not isinstance(cache, bool):
        raise TypeError(f"{kind} {name!r}: cache must be True or False, got {cache!r}")
    return cache


def _normalise_outputs(output_name: OutputName, func_name: str) -> tuple[str, ...]:
    if output_name is None:
        return ()
    if isinstance(output_name, str):
        return (output_name,)
    if isinstance(output_name, tuple) and all(isinstance(n, str) for n in output_name):
        return output_name
    raise TypeError(
        f"node {func_name!r}: output_name must be a str, a tuple of str or None, "
        f"got {output_name!r}"
    )


def _names(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _returns_something(func: Callable[..., Any]) -> bool:
    """Whether the return annotation promises a value (absent, `None` or unresolvable: no)."""
    from hypergraph.typecheck.hints import MISSING, Unresolved, function_hints

    returned = function_hints(func).returns
    return returned not in (MISSING, None, type(None)) and not isinstance(returned, Unresolved)


class FunctionNode(FunctionPorts, HyperNode, Generic[P, R]):
    """A node wrapping one function; `FunctionNode[P, R]` keeps its signature for mypy."""

    node_type = "FUNCTION"
    func: Callable[P, R]

    def __init__(
        self,
        source: Callable[P, R] | FunctionNode[P, R],
        name: str | None = None,
        output_name: OutputName = None,
        *,
        rename_inputs: Mapping[str, str] | None = None,
        cache: bool = False,
        retry: int | RetryPolicy | None = None,
        timeout: float | None = None,
        hide: bool = False,
        emit: str | tuple[str, ...] | None = None,
        wait_for: str | tuple[str, ...] | None = None,
    ) -> None:
        func: Callable[P, R] = source.func if isinstance(source, FunctionNode) else source
        if not callable(func):
            raise TypeError(f"node source must be a function, got {func!r}")
        self.func = func
        self.__wrapped__ = func
        self.name = name or str(getattr(func, "__name__", type(func).__name__))
        self.mode = ExecutionMode.of(func)
        self.is_async = self.mode in (ExecutionMode.ASYNC_FUNCTION, ExecutionMode.ASYNC_GENERATOR)
        self.is_generator = self.mode in (
            ExecutionMode.SYNC_GENERATOR,
            ExecutionMode.ASYNC_GENERATOR,
        )
        self.cache = check_cache(cache, "node", self.name)
        self.retry = as_retry(retry, self.name)
        self.timeout = as_timeout(timeout, self.name)
        if self.is_generator and (self.cache or self.retry or self.timeout):
            raise ValueError(
                f"generator node {self.name!r} cannot have cache, retry or timeout: calling it "
                "only creates the generator, and its body runs later, in the node that "
                "consumes it. Put the policy on a node that returns a value (e.g. a list)"
            )
        self.hide = bool(hide)  # display only: kept out of describe() and pictures
        self.data_outputs = _normalise_outputs(output_name, self.name)
        self.emit = _names(emit)
        self.wait_for = _names(wait_for)
        if self.is_generator and len(self.data_outputs) > 1:
            raise ValueError(
                f"generator node {self.name!r} yields one stream; it cannot have several "
                f"outputs {self.data_outputs!r}. Use one output_name."
            )
        if output_name is None and _returns_something(func):
            warn_user(
                f"node {self.name!r} has a return annotation but no output_name: its return "
                "value is discarded. Pass output_name=... to keep it."
            )
        self.context_param: str | None = None
        """The parameter annotated NodeContext, if any: the runner passes it, it is no input."""
        self.params, self._defaults = self._read_signature(func)
        self.inputs = self.params
        self._input_history: dict[str, tuple[str, ...]] = {}
        self._output_history: dict[str, tuple[str, ...]] = {}
        self._check_signal_overlaps()
        if rename_inputs:
            self.inputs, self._input_history = apply_renames(
                self.inputs, rename_inputs, {}, node_name=self.name, kind="input"
            )

    def _read_signature(
        self, func: Callable[..., Any]
    ) -> tuple[tuple[str, ...], dict[str, tuple[Any, bool]]]:
        params: list[str] = []
        defaults: dict[str, tuple[Any, bool]] = {}
        for param in inspect.signature(func).parameters.values():
            if param.kind in (param.POSITIONAL_ONLY, param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TypeError(
                    f"node {self.name!r}: parameter {param} is {param.kind.description}; "
                    "nodes are called with keyword arguments, so use named parameters"
                )
            if context_parameter(param):
                if self.context_param is not None:
                    raise TypeError(
                        f"node {self.name!r}: parameters {self.context_param!r} and "
                        f"{param.name!r} both ask for a NodeContext; keep one"
                    )
                self.context_param = param.name
                continue
            params.append(param.name)
            if param.default is not param.empty:
                defaults[param.name] = (param.default, needs_deepcopy(param.default))
        return tuple(params), defaults

    def _check_signal_overlaps(self) -> None:
        both = set(self.emit) & set(self.data_outputs)
        if both:
            raise ValueError(f"node {self.name!r}: emit names {sorted(both)} are data outputs")
        both = set(self.wait_for) & set(self.inputs)
        if both:
            raise ValueError(f"node {self.name!r}: wait_for names {sorted(both)} are inputs")
        both = set(self.wait_for) & set(self.outputs)
        if both:
            raise ValueError(f"node {self.name!r}: {sorted(both)} both emitted and waited for")

    # -- ports ---------------------------------------------------------------------------

    @property
    def output_annotation(self) -> dict[str, Any]:
        """Output name -> type hint, split per element for several outputs (`tuple[A, B]`:
        A, B; `tuple[T, ...]`: T each; bare `tuple` or `Any`: Any each). `{}` when the
        return is unannotated or its annotation cannot be split across the outputs."""
        from hypergraph.typecheck.hints import hints_of
        from hypergraph.typecheck.outputs import split_outputs

        hints = hints_of(self.func)
        if "return" not in hints or not self.data_outputs:
            return {}
        split, problem = split_outputs(hints["return"], self.data_outputs)
        return {} if problem is not None else split

    def get_output_type(self, output: str) -> Any:
        """The annotation of output `output`, or None if unannotated."""
        return self.output_annotation.get(output)

    def _definition_parts(self) -> list[str]:
        """Name, ports, the parameters behind the inputs, and the function's fingerprint
        (source, closure values, defaults, bound instance state: see `hypergraph.hashing`)."""
        context = [f"context={self.context_param}"] if self.context_param else []
        return [*super()._definition_parts(), repr(self.params), *context, fingerprint(self.func)]

    # -- calling -------------------------------------------------------------------------

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call the raw function (a generator comes back unstarted)."""
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return (
            f"FunctionNode({self.name!r}, mode={self.mode.value}, inputs={self.inputs!r}, "
            f"outputs={self.outputs!r})"
        )


@overload
def node(source: Callable[P, R], /) -> FunctionNode[P, R]: ...
@overload
def node(
    source: Callable[P, R],
    output_name: OutputName,
    *,
    rename_inputs: Mapping[str, str] | None = None,
    cache: bool = False,
    retry: int | RetryPolicy | None = None,
    timeout: float | None = None,
    hide: bool = False,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
) -> FunctionNode[P, R]: ...
@overload
def node(
    source: None = None,
    output_name: OutputName = None,
    *,
    rename_inputs: Mapping[str, str] | None = None,
    cache: bool = False,
    retry: int | RetryPolicy | None = None,
    timeout: float | None = None,
    hide: bool = False,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
) -> Callable[[Callable[P, R]], FunctionNode[P, R]]: ...
def node(
    source: Callable[..., Any] | None = None,
    output_name: OutputName = None,
    *,
    rename_inputs: Mapping[str, str] | None = None,
    cache: bool = False,
    retry: int | RetryPolicy | None = None,
    timeout: float | None = None,
    hide: bool = False,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
) -> FunctionNode[..., Any] | Callable[[Callable[..., Any]], FunctionNode[..., Any]]:
    """Turn a function into a FunctionNode: `@node`, `@node(output_name="y")` or `node(f, "y")`.

    Policies (docs/policies.md): `cache=True` lets a runner with a cache backend reuse results;
    `retry` (an int of retries, or a RetryPolicy) calls a failing function again; `timeout`
    (seconds) bounds each call (AsyncRunner only).
    """

    def wrap(func: Callable[..., Any]) -> FunctionNode[..., Any]:
        return FunctionNode(
            func,
            output_name=output_name,
            rename_inputs=rename_inputs,
            cache=cache,
            retry=retry,
            timeout=timeout,
            hide=hide,
            emit=emit,
            wait_for=wait_for,
        )

    if source is None:
        return wrap
    if isinstance(source, str):
        raise TypeError(
            f"@node({source!r}) passes the output name as the function; "
            f"write @node(output_name={source!r})"
        )
    return wrap(source)
