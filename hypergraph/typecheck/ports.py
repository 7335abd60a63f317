"""Port types of a GraphNode, read from the inner nodes that consume and produce each port.

A port has no annotation of its own: an input port expects what every active inner consumer
of that input expects, an output port returns what its inner producer returns. Nested graphs
are followed recursively, so an endpoint is named by its path (``inner/mid/node``). With
``map_over`` a mapped input expects ``Sequence[T]`` (zip) or ``Iterable[T]`` (product) and
every output is ``list[T]`` (bare ``list`` when the producer is unannotated).
"""

from __future__ import annotations

import collections.abc as abc
import weakref
from dataclasses import dataclass
from typing import Any

from hypergraph.typecheck.hints import MISSING, Unresolved, function_hints
from hypergraph.typecheck.modes import runtime_output_type
from hypergraph.typecheck.outputs import split_outputs
from hypergraph.typecheck.source import def_location, short_location

__all__ = ["Endpoint", "PortTypes", "function_output_types", "port_types"]


@dataclass(frozen=True)
class Endpoint:
    """One inner parameter or output behind a port: who, what type, where it is defined."""

    node: str
    """The inner node's path below the GraphNode, e.g. ``double`` or ``mid/double``."""
    name: str
    """The parameter (consumer) or output (producer) name on that inner node."""
    type: object
    """A type, ``MISSING`` or ``Unresolved``."""
    file: str | None = None
    line: int | None = None
    is_generator: bool = False
    is_async: bool = False
    mapped: str | None = None
    """``"zip"``/``"product"`` when the type was wrapped for ``map_over``."""

    @property
    def where(self) -> str:
        return short_location(self.file, self.line)


@dataclass(frozen=True)
class PortTypes:
    """Port address -> the inner endpoints behind it, for both sides of a GraphNode."""

    expects: dict[str, tuple[Endpoint, ...]]
    returns: dict[str, tuple[Endpoint, ...]]


def function_output_types(node: Any) -> dict[str, object]:
    """A function node's data outputs and the type each delivers (generators: what the
    consumer receives). Badly shaped annotations give ``MISSING`` (check.py reports them)."""
    names = tuple(getattr(node, "data_outputs", ()))
    hints = function_hints(node.func)
    outputs, _ = split_outputs(hints.returns, names)
    returns = hints.returns
    if getattr(node, "is_generator", False) and names and _usable(returns):
        is_async = bool(getattr(node, "is_async", False))
        outputs = dict.fromkeys(names, runtime_output_type(is_async, returns))
    return outputs


_cache: weakref.WeakKeyDictionary[Any, PortTypes] = weakref.WeakKeyDictionary()


def port_types(node: Any) -> PortTypes:
    """The types behind every port of GraphNode ``node`` (cached on the node)."""
    cached = _cache.get(node)
    if cached is None:
        cached = _cache[node] = _compute(node)
    return cached


def _compute(node: Any) -> PortTypes:
    graph = node.graph
    active = set(graph.active_nodes)
    wired = {
        (target, value)
        for source, target, value in graph.data_edges
        if source in active and target in active
    }
    mapping = node.inner_map
    mapped = set(mapping.params) if mapping is not None else set()
    mode = mapping.mode if mapping is not None else None
    expects: dict[str, tuple[Endpoint, ...]] = {}
    for address, local in node.input_pairs:
        found: list[Endpoint] = []
        for inner in graph.iter_nodes():
            if inner.name in active and local in inner.inputs and (inner.name, local) not in wired:
                found += _consumers(inner, local)
        if local in mapped:
            found = [_wrap_input(e, mode) for e in found]
        expects[address] = tuple(found)
    returns: dict[str, tuple[Endpoint, ...]] = {}
    for address, local in node.output_pairs:
        made: list[Endpoint] = []
        for inner in graph.iter_nodes():
            if inner.name in active and local in inner.data_outputs:
                made += _producers(inner, local)
        if mapping is not None:
            made = [_wrap_output(e) for e in made]
        returns[address] = tuple(made)
    return PortTypes(expects, returns)


def _located(inner: Any) -> tuple[str | None, int | None]:
    func = getattr(inner, "func", None)
    return def_location(func) if func is not None else (None, None)


def _consumers(inner: Any, local: str) -> list[Endpoint]:
    if hasattr(inner, "graph") and hasattr(inner, "input_pairs"):  # a nested GraphNode
        nested = port_types(inner).expects.get(local, ())
        return [_below(inner.name, e) for e in nested]
    func = getattr(inner, "func", None)
    if func is None:
        return []
    get = getattr(inner, "param_name", None)
    param = str(get(local)) if get is not None else local
    file, line = _located(inner)
    return [Endpoint(inner.name, param, function_hints(func).param(param), file, line)]


def _producers(inner: Any, local: str) -> list[Endpoint]:
    if hasattr(inner, "graph") and hasattr(inner, "output_pairs"):  # a nested GraphNode
        nested = port_types(inner).returns.get(local, ())
        return [_below(inner.name, e) for e in nested]
    if getattr(inner, "func", None) is None or getattr(inner, "is_gate", False):
        return []  # a gate's `_<gate>` decision is never type-checked (API 3.7)
    file, line = _located(inner)
    return [
        Endpoint(
            inner.name,
            local,
            function_output_types(inner).get(local, MISSING),
            file,
            line,
            is_generator=bool(getattr(inner, "is_generator", False)),
            is_async=bool(getattr(inner, "is_async", False)),
        )
    ]


def _below(name: str, e: Endpoint) -> Endpoint:
    return Endpoint(
        f"{name}/{e.node}", e.name, e.type, e.file, e.line, e.is_generator, e.is_async, e.mapped
    )


def _usable(t: object) -> bool:
    return t is not MISSING and not isinstance(t, Unresolved)


def _wrap_input(e: Endpoint, mode: str | None) -> Endpoint:
    container: Any = abc.Sequence if mode == "zip" else abc.Iterable
    t = container[e.type] if _usable(e.type) else e.type
    return Endpoint(e.node, e.name, t, e.file, e.line, mapped=mode)


def _wrap_output(e: Endpoint) -> Endpoint:
    listed: Any = list
    t = listed if e.type is MISSING else listed[e.type] if _usable(e.type) else e.type
    return Endpoint(e.node, e.name, t, e.file, e.line, mapped="list")
