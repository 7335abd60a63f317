"""Spec -> Graph: import the referenced nodes, functions and graphs, then build the graph."""

from __future__ import annotations

import builtins
import importlib
import math
import traceback
import warnings
from pathlib import Path
from typing import Any

from codegen.errors import SpecError
from codegen.spec.load import LoadedSpec
from codegen.spec.models import NodeEntry, RetrySection
from codegen.spec.nesting import nested_node
from hypergraph import FunctionNode, Graph, GraphConfigError, RenameError
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.gate import END, GateNode, IfElseNode, RouteNode, Target
from hypergraph.policies import RetryPolicy

__all__ = ["import_ref", "resolve"]


def import_ref(ref: str) -> Any:
    """The object named by ``'package.module:attr'``; raises LookupError with a clear message."""
    module_name, _, attr = ref.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise LookupError(
                f"module {module_name!r} is not importable (no module named {exc.name!r}); "
                "paths are resolved from the current directory and sys.path"
            ) from None
        raise LookupError(f"importing {module_name!r} failed: {_short(exc)}") from None
    except Exception as exc:
        raise LookupError(f"importing {module_name!r} failed: {_short(exc)}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        names = sorted(n for n in vars(module) if not n.startswith("_"))
        raise LookupError(
            f"module {module_name!r} has no attribute {attr!r}; it defines: "
            f"{', '.join(names[:20])}{' ...' if len(names) > 20 else ''}"
        ) from None


def _short(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def resolve(
    loaded: LoadedSpec, *, enforce_types: bool = True, _stack: tuple[str, ...] = ()
) -> Graph:
    """Build the Graph a spec describes (bind, select and strict_types applied).

    With ``enforce_types=False`` the graph is built without ``strict_types`` so that a checker
    can report every type problem instead of the first error.
    """
    spec = loaded.spec
    nodes: list[HyperNode] = []
    bound: dict[str, Any] = {}
    owner: dict[str, int] = {}
    for index, entry in enumerate(spec.nodes):
        field = f"nodes[{index}]"
        made, binds = _entry_nodes(loaded, entry, field, _stack, enforce_types)
        for made_node in made:
            if made_node.name in owner:
                kind = next(k for k in ("ref", "graph", "subgraph", "spec") if getattr(entry, k))
                path = f"{field}.name" if entry.name else f"{field}.{kind}"
                _raise(
                    loaded,
                    path,
                    f"duplicate node name {made_node.name!r} (also nodes[{owner[made_node.name]}]);"
                    " set 'name' to give one of them another name",
                )
            owner[made_node.name] = index
        nodes.extend(made)
        bound.update(binds)
    _check_targets(loaded, owner)
    graph_section = spec.graph
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = Graph(
                nodes,
                name=graph_section.name,
                strict_types=graph_section.strict_types and enforce_types,
                entrypoint=graph_section.entrypoint,
            )
    except (GraphConfigError, ValueError, TypeError) as exc:
        _raise(loaded, "nodes", str(exc))
    bound.update(graph_section.bind)
    if bound:
        try:
            graph = graph.bind(bound)
        except ValueError as exc:
            _raise(loaded, "graph.bind", str(exc))
    if graph_section.select is not None:
        try:
            graph = graph.select(*graph_section.select)
        except (ValueError, GraphConfigError) as exc:
            _raise(loaded, "graph.select", str(exc))
    return graph


def _raise(loaded: LoadedSpec, path: str, message: str) -> Any:
    raise SpecError(loaded.path, path, message, loaded.line_of(path)) from None


def _entry_nodes(
    loaded: LoadedSpec, entry: NodeEntry, field: str, stack: tuple[str, ...], enforce: bool
) -> tuple[list[HyperNode], dict[str, Any]]:
    if entry.subgraph is not None or entry.spec is not None:
        if not stack:
            stack = (str(Path(loaded.location or loaded.path).resolve()),)

        def nested(inner: LoadedSpec, inner_stack: tuple[str, ...]) -> Graph:
            return resolve(inner, enforce_types=enforce, _stack=inner_stack)

        made = nested_node(
            loaded,
            entry,
            field,
            lookup=lambda ref, path: _lookup(loaded, ref, path),
            resolver=nested,
            stack=stack,
        )
        return [made], {}
    if entry.graph is not None:
        path = f"{field}.graph"
        target = _lookup(loaded, entry.graph, path)
        if not isinstance(target, Graph):
            _raise(loaded, path, f"{entry.graph!r} is a {type(target).__name__}, not a Graph")
        if target.selected is not None or target.entrypoints_config:
            _raise(
                loaded,
                path,
                f"graph {entry.graph!r} has a selection or entrypoints, which inlining would "
                "drop; inline the graph without them and use [graph] select instead",
            )
        return list(target.iter_nodes()), dict(target.inputs.bound)
    assert entry.ref is not None
    path = f"{field}.ref"
    target = _lookup(loaded, entry.ref, path)
    try:
        return [_make_node(loaded, entry, target, field)], {}
    except (TypeError, ValueError, RenameError) as exc:
        _raise(loaded, field, f"cannot make a node of {entry.ref!r}: {exc}")
    raise AssertionError("unreachable")


def _lookup(loaded: LoadedSpec, ref: str, path: str) -> Any:
    try:
        return import_ref(ref)
    except LookupError as exc:
        return _raise(loaded, path, str(exc))


def _make_node(loaded: LoadedSpec, entry: NodeEntry, target: Any, field: str) -> HyperNode:
    emit = _tuple(entry.emit)
    wait_for = _tuple(entry.wait_for)
    if entry.kind != "node":
        made: HyperNode = _declared_gate(loaded, entry, target, field)
    elif isinstance(target, FunctionNode | GateNode):
        if "output" in entry.model_fields_set:
            _raise(
                loaded,
                f"{field}.output",
                f"{entry.ref!r} is a @node that already names its outputs "
                f"{target.data_outputs!r}; use rename_outputs to change them",
            )
        for key in ("emit", "wait_for", "cache", "retry", "timeout"):
            if key in entry.model_fields_set:
                _raise(
                    loaded,
                    f"{field}.{key}",
                    f"{entry.ref!r} is a @node; give it {key}= in its @node(...) decorator",
                )
        made = target
    elif isinstance(target, HyperNode):
        _raise(
            loaded,
            f"{field}.ref",
            f"{entry.ref!r} is a {type(target).__name__}; 'ref' takes function nodes (nest "
            "graphs with 'subgraph' or 'spec')",
        )
    elif isinstance(target, Graph):
        _raise(
            loaded,
            f"{field}.ref",
            f"{entry.ref!r} is a Graph; write graph = {entry.ref!r} to inline its nodes, or "
            f"subgraph = {entry.ref!r} to nest it as one node",
        )
    elif _is_function(target):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            made = FunctionNode(
                target,
                output_name=_output_name(entry.output),
                emit=emit,
                wait_for=wait_for,
                **_policies(loaded, entry, field),
            )
    else:
        _raise(
            loaded,
            f"{field}.ref",
            f"{entry.ref!r} is a {type(target).__name__}, not a node or a function",
        )
    if entry.name:
        made = made.with_name(entry.name)
    if entry.rename_inputs:
        made = made.rename_inputs(entry.rename_inputs)
    if entry.rename_outputs:
        made = made.rename_outputs(entry.rename_outputs)
    return made


def _policies(loaded: LoadedSpec, entry: NodeEntry, field: str) -> dict[str, Any]:
    """A function node's cache, retry and timeout, as FunctionNode takes them (a value the
    policy refuses is a SpecError at its key)."""
    retry: int | RetryPolicy | None = None
    if isinstance(entry.retry, RetrySection):
        section = entry.retry
        classes = tuple(
            _exception_class(loaded, name, f"{field}.retry.on[{i}]")
            for i, name in enumerate(section.on)
        )
        try:
            retry = RetryPolicy(
                attempts=section.attempts,
                on=classes,
                delay=section.delay,
                backoff=section.backoff,
                max_delay=section.max_delay,
                jitter=section.jitter,
            )
        except (TypeError, ValueError) as exc:
            _raise(loaded, f"{field}.retry", str(exc).removeprefix("RetryPolicy: "))
    else:
        retry = entry.retry
    if isinstance(retry, int) and retry < 0:
        _raise(
            loaded, f"{field}.retry", f"retry must be >= 0 (retries after a failure), got {retry}"
        )
    timeout = entry.timeout
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        _raise(
            loaded, f"{field}.timeout", f"timeout must be a number of seconds > 0, got {timeout}"
        )
    return {"cache": entry.cache, "retry": retry, "timeout": timeout}


def _exception_class(loaded: LoadedSpec, name: str, path: str) -> type[Exception]:
    """A retry policy's exception: a builtin's name, or a 'module:Class' reference."""
    found = _lookup(loaded, name, path) if ":" in name else getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, Exception):
        return found
    return _raise(  # type: ignore[no-any-return]
        loaded,
        path,
        f"{name!r} is not an exception class: give a builtin exception's name (e.g. "
        "'ConnectionError') or a 'module:Class' reference to an Exception subclass",
    )


def _is_function(target: Any) -> bool:
    return callable(target) and not isinstance(target, type) and hasattr(target, "__code__")


def _output_name(value: str | list[str] | None) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    return tuple(value)


def _tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _declared_gate(loaded: LoadedSpec, entry: NodeEntry, target: Any, field: str) -> GateNode:
    """The RouteNode / IfElseNode a ``kind = "route" | "ifelse"`` entry declares on a plain
    function. Its function may return the string "END" for END (``end_string``)."""
    if isinstance(target, HyperNode):
        decorator = "@route / @ifelse" if isinstance(target, GateNode) else "@node"
        _raise(
            loaded,
            f"{field}.kind",
            f"{entry.ref!r} is already a {type(target).__name__} (made by {decorator}); "
            "'kind' declares a gate on a plain function: remove 'kind' and the gate keys, "
            "or point 'ref' at the undecorated function",
        )
    if not _is_function(target):
        _raise(
            loaded, f"{field}.ref", f"{entry.ref!r} is a {type(target).__name__}, not a function"
        )
    emit, wait_for = _tuple(entry.emit), _tuple(entry.wait_for)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if entry.kind == "ifelse":
            assert entry.when_true is not None
            assert entry.when_false is not None
            return IfElseNode(
                target,
                _target(entry.when_true),
                _target(entry.when_false),
                cache=entry.cache,
                default_open=entry.default_open,
                emit=emit,
                wait_for=wait_for,
            )
        assert entry.targets is not None
        targets: list[Target] | dict[Target, str]
        if isinstance(entry.targets, dict):
            targets = {_target(t): text for t, text in entry.targets.items()}
        else:
            targets = [_target(t) for t in entry.targets]
        return RouteNode(
            target,
            targets,
            fallback=None if entry.fallback is None else _target(entry.fallback),
            multi_target=entry.multi_target,
            end_string=True,
            cache=entry.cache,
            default_open=entry.default_open,
            emit=emit,
            wait_for=wait_for,
        )


def _target(name: str) -> str:
    """A target as written in a spec: the string "END" is END."""
    return END if name == "END" else name


def _check_targets(loaded: LoadedSpec, owner: dict[str, int]) -> None:
    """Every target of a gate declared in the spec names a node of this graph (or END);
    `owner`: node name -> index of the entry that made it."""
    for index, entry in enumerate(loaded.spec.nodes):
        names = {name for name, made_by in owner.items() if made_by != index}
        declared: list[tuple[str, list[str]]] = []
        if entry.kind == "route":
            declared.append(("targets", list(entry.targets or ())))
            if entry.fallback is not None:
                declared.append(("fallback", [entry.fallback]))
        elif entry.kind == "ifelse":
            declared += [("when_true", [entry.when_true or ""])]
            declared += [("when_false", [entry.when_false or ""])]
        for key, targets in declared:
            for name in targets:
                if name == "END" or name in names:
                    continue
                if owner.get(name) == index:
                    _raise(loaded, f"nodes[{index}].{key}", f"gate {name!r} targets itself")
                hint = (
                    '; write "END" (in capitals) to end the route'
                    if name.upper() == "END"
                    else f"; the nodes are: {', '.join(sorted(names))}"
                )
                _raise(loaded, f"nodes[{index}].{key}", f"target {name!r} is not a node{hint}")
