"""Nested values for namespaced GraphNodes: `{"A": {"x": v}}` is `{"A.x": v}` (API 5.2, 3.5)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = ["flatten_namespaced"]


def flatten_namespaced(graph: Graph, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with `{"A": {"x": v}}` flattened to `{"A.x": v}` where A is a namespaced
    GraphNode of `graph` (and not itself an input name); other keys are kept as they are."""
    groups = _namespaced_nodes(graph)
    if not groups:
        return dict(values)
    flattened: dict[str, Any] = {}
    for key, value in values.items():
        if key in groups and isinstance(value, Mapping):
            for local, inner in value.items():
                address = f"{key}.{local}"
                if address in values:
                    raise ValueError(f"input {address!r} is given both flat and nested")
                flattened[address] = inner
        else:
            flattened[key] = value
    return flattened


def _namespaced_nodes(graph: Graph) -> frozenset[str]:
    """Names of the active namespaced GraphNodes that are not input names (cached)."""
    cached: frozenset[str] | None = graph._cache.get("namespaced")
    if cached is None:
        nodes, spec = graph.nodes, set(graph.inputs.all)
        cached = graph._cache["namespaced"] = frozenset(
            name
            for name in graph.active_nodes
            if getattr(nodes[name], "namespaced", False) and name not in spec
        )
    return cached
