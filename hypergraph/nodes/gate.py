"""Gates: routing nodes (`ifelse`, `route`) that decide which nodes run next, and `END`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from hypergraph.exceptions import RenameError
from hypergraph.hashing import fingerprint
from hypergraph.nodes._ports import FunctionPorts
from hypergraph.nodes._rename import merge_mapping
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.function import ExecutionMode, FunctionNode, check_cache

__all__ = ["END", "GateNode", "IfElseNode", "RouteNode", "ifelse", "route"]

_END_VALUE = "\x00hypergraph.END"


class _End(str):
    """The type of END: one instance, shown as `END`, equal to no ordinary string."""

    _instance: _End | None = None

    def __new__(cls) -> _End:
        if cls._instance is None:
            cls._instance = super().__new__(cls, _END_VALUE)
        return cls._instance

    def __repr__(self) -> str:
        return "END"

    def __str__(self) -> str:
        return "END"

    def __reduce__(self) -> str:
        return "END"  # pickled by reference to the module attribute: unpickles to END itself

    def __copy__(self) -> _End:
        return self

    def __deepcopy__(self, memo: Any) -> _End:
        return self


END: str = _End()
"""Route target meaning "stop here": no further node runs on this route."""

Target = str | HyperNode
_G = TypeVar("_G", bound="GateNode")


def is_end_string(value: object) -> bool:
    """Whether `value` is a plain string standing in for END (`"END"` or END's private value)."""
    return isinstance(value, str) and value is not END and str.__str__(value) in ("END", _END_VALUE)


def _target_name(target: object, gate: str) -> str:
    if target is END:
        return END
    if isinstance(target, HyperNode):
        return target.name
    if is_end_string(target):
        raise ValueError(
            f"gate {gate!r}: target {target!r} is a string; use the END object "
            "(from hypergraph import END) to end a route"
        )
    if not isinstance(target, str):
        raise TypeError(f"gate {gate!r}: targets are node names or END, got {target!r}")
    return target


class GateNode(FunctionPorts, HyperNode):
    """A node whose function decides which of its `targets` run next.

    Its only data output is the raw decision, named `_<name>`. Routing functions are plain
    `def` functions; runners always call them synchronously, on the calling thread.
    """

    node_type = "BRANCH"
    is_gate = True
    func: Callable[..., Any]
    mode: ExecutionMode
    params: tuple[str, ...]
    _defaults: dict[str, tuple[Any, bool]]
    targets: list[str]
    descriptions: dict[str, str]
    fallback: str | None = None
    multi_target: bool = False
    end_string: bool = False
    """Whether the routing function may return the string ``"END"`` for END: set for gates
    declared in a spec on a plain function, which has no END object to return."""
    default_open: bool

    def __init__(
        self,
        func: Callable[..., Any],
        targets: Sequence[Target] | Mapping[Target, str],
        *,
        cache: bool = False,
        hide: bool = False,
        default_open: bool = True,
        name: str | None = None,
        rename_inputs: Mapping[str, str] | None = None,
        emit: str | tuple[str, ...] | None = None,
        wait_for: str | tuple[str, ...] | None = None,
    ) -> None:
        if isinstance(func, FunctionNode):
            func = func.func
        cached = check_cache(cache, "gate", str(name or getattr(func, "__name__", "gate")))
        mode = ExecutionMode.of(func)
        if mode is not ExecutionMode.SYNC_FUNCTION:
            raise TypeError(
                f"routing function {getattr(func, '__name__', func)!r} must be a plain def "
                "function (not async, not a generator): gates decide synchronously"
            )
        # A FunctionNode reads the signature, defaults and input renames the same way.
        probe = FunctionNode(
            func,
            name=name,
            output_name=f"_{name or getattr(func, '__name__', 'gate')}",
            rename_inputs=rename_inputs,
            emit=emit,
            wait_for=wait_for,
        )
        if probe.context_param is not None:
            raise TypeError(
                f"routing function {probe.name!r}: parameter {probe.context_param!r} asks for "
                "a NodeContext, which only function nodes get; gates decide from their inputs"
            )
        self.func = func
        self.__wrapped__ = func
        self.mode = mode
        self.name = probe.name
        self.params = probe.params
        self.inputs = probe.inputs
        self._defaults = probe._defaults
        self._input_history = probe._input_history
        self._output_history = {}
        self.data_outputs = (f"_{self.name}",)
        self.emit = probe.emit
        self.wait_for = probe.wait_for
        self.cache = cached  # a cached gate replays its decision
        self.hide = bool(hide)  # display only: kept out of describe() and pictures
        self.default_open = default_open
        if isinstance(targets, str | HyperNode) or not isinstance(targets, Sequence | Mapping):
            raise TypeError(
                f"gate {self.name!r}: targets must be a list (or dict) of node names and/or END"
            )
        described = dict(targets) if isinstance(targets, Mapping) else None
        self.targets = []
        self.descriptions = {}  # only targets given as a dict {target: description} have one
        for target in targets:
            resolved = _target_name(target, self.name)
            if resolved not in self.targets:
                self.targets.append(resolved)
                if described is not None:
                    self.descriptions[resolved] = described[target]
        if not self.targets:
            raise ValueError(f"gate {self.name!r} needs at least one target")

    # -- ports ---------------------------------------------------------------------------

    @property
    def decision_output(self) -> str:
        """`_<name>`: where the raw decision is stored."""
        return self.data_outputs[0]

    def _definition_parts(self) -> list[str]:
        """Name, ports, the routing function's fingerprint, and how decisions are read."""
        targets = ["<END>" if t is END else t for t in self.targets]
        fallback = "<END>" if self.fallback is END else self.fallback
        rules = (targets, fallback, self.multi_target, self.default_open, self.end_string)
        return [
            *super()._definition_parts(),
            repr(self.params),
            fingerprint(self.func),
            repr(rules),
        ]

    # -- renames -------------------------------------------------------------------------

    def with_name(self: _G, new: str) -> _G:
        """A copy under another name; the decision output follows (`_<new>`)."""
        clone = HyperNode.with_name(self, new)
        clone.data_outputs = (f"_{new}",)
        return clone

    def rename_outputs(self: _G, mapping: Mapping[str, str] | None = None, /, **kwargs: str) -> _G:
        """Rename emit names; the decision output `_<name>` follows the gate's name only."""
        pairs = merge_mapping(mapping, kwargs, f"rename_outputs of {self.name!r}")
        if self.decision_output in pairs:
            raise RenameError(
                f"gate {self.name!r}: output {self.decision_output!r} holds the gate's decision "
                "and cannot be renamed; rename the gate with .with_name(...) instead"
            )
        return HyperNode.rename_outputs(self, pairs)

    with_outputs = rename_outputs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the raw routing function."""
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        kind = type(self).__name__
        return f"{kind}({self.name!r}, inputs={self.inputs!r}, targets={self.targets!r})"


class RouteNode(GateNode):
    """A gate whose function returns a target name, END, None or (multi_target) a list.

    With ``end_string=True`` the string ``"END"`` also means END (instead of being refused),
    so that a plain function that does not import hypergraph can end a route.
    """

    def __init__(
        self,
        func: Callable[..., Any],
        targets: Sequence[Target] | Mapping[Target, str],
        *,
        fallback: Target | None = None,
        multi_target: bool = False,
        end_string: bool = False,
        cache: bool = False,
        hide: bool = False,
        default_open: bool = True,
        name: str | None = None,
        rename_inputs: Mapping[str, str] | None = None,
        emit: str | tuple[str, ...] | None = None,
        wait_for: str | tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(
            func,
            targets,
            cache=cache,
            hide=hide,
            default_open=default_open,
            name=name,
            rename_inputs=rename_inputs,
            emit=emit,
            wait_for=wait_for,
        )
        self.multi_target = bool(multi_target)
        self.end_string = bool(end_string)
        if fallback is not None:
            if multi_target:
                raise ValueError(
                    f"route {self.name!r}: fallback cannot be combined with multi_target=True "
                    "(return [] or None to route nowhere)"
                )
            self.fallback = _target_name(fallback, self.name)
            if self.fallback not in self.targets:
                self.targets.append(self.fallback)


class IfElseNode(GateNode):
    """A gate whose function returns a bool: True runs `when_true`, False `when_false`."""

    def __init__(
        self,
        func: Callable[..., Any],
        when_true: Target,
        when_false: Target,
        *,
        cache: bool = False,
        hide: bool = False,
        default_open: bool = True,
        name: str | None = None,
        rename_inputs: Mapping[str, str] | None = None,
        emit: str | tuple[str, ...] | None = None,
        wait_for: str | tuple[str, ...] | None = None,
    ) -> None:
        gate = str(name or getattr(func, "__name__", "gate"))
        true, false = _target_name(when_true, gate), _target_name(when_false, gate)
        if true == false:
            raise ValueError(
                f"ifelse {gate!r}: when_true and when_false are both {true!r}; "
                "a branch needs two different targets"
            )
        super().__init__(
            func,
            [true, false],
            cache=cache,
            hide=hide,
            default_open=default_open,
            name=name,
            rename_inputs=rename_inputs,
            emit=emit,
            wait_for=wait_for,
        )

    @property
    def when_true(self) -> str:
        """The target run when the function returns True."""
        return self.targets[0]

    @property
    def when_false(self) -> str:
        """The target run when the function returns False."""
        return self.targets[1]


def route(
    targets: Sequence[Target] | Mapping[Target, str],
    *,
    fallback: Target | None = None,
    multi_target: bool = False,
    cache: bool = False,
    hide: bool = False,
    default_open: bool = True,
    name: str | None = None,
    rename_inputs: Mapping[str, str] | None = None,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
) -> Callable[[Callable[..., Any]], RouteNode]:
    """Decorator: the function becomes a RouteNode choosing among `targets`."""

    def wrap(func: Callable[..., Any]) -> RouteNode:
        return RouteNode(
            func,
            targets,
            fallback=fallback,
            multi_target=multi_target,
            cache=cache,
            hide=hide,
            default_open=default_open,
            name=name,
            rename_inputs=rename_inputs,
            emit=emit,
            wait_for=wait_for,
        )

    return wrap


def ifelse(
    when_true: Target,
    when_false: Target,
    *,
    cache: bool = False,
    hide: bool = False,
    default_open: bool = True,
    name: str | None = None,
    rename_inputs: Mapping[str, str] | None = None,
    emit: str | tuple[str, ...] | None = None,
    wait_for: str | tuple[str, ...] | None = None,
) -> Callable[[Callable[..., Any]], IfElseNode]:
    """Decorator: the function becomes an IfElseNode (True -> when_true, False -> when_false)."""

    def wrap(func: Callable[..., Any]) -> IfElseNode:
        return IfElseNode(
            func,
            when_true,
            when_false,
            cache=cache,
            hide=hide,
            default_open=default_open,
            name=name,
            rename_inputs=rename_inputs,
            emit=emit,
            wait_for=wait_for,
        )

    return wrap
