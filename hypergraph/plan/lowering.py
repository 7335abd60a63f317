"""Lowering a Graph into what runs: its wiring records and, with gates or cycles, its dynamic plan.

`wiring_of(graph)` builds both once per graph and caches them on the graph; the runners and
the compiler read the same objects, so they cannot disagree about what runs with which
arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Sized
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from typing import TYPE_CHECKING, TypeVar

from hypergraph.nodes.base import HyperNode
from hypergraph.plan.dynamic import DynamicPlan, dynamic_plan
from hypergraph.plan.wiring import NodeWiring, async_paths, node_wiring

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = ["GraphWiring", "regroup", "wiring_of"]

_T = TypeVar("_T")
_FROM_GIVEN = attrgetter("from_given")


@dataclass(frozen=True, slots=True)
class GraphWiring:
    """Everything a run of one graph reads, derived once from the graph and its Plan."""

    supersteps: tuple[tuple[NodeWiring, ...], ...]
    """The Plan's supersteps, each node as its wiring record."""
    ordered: tuple[NodeWiring, ...]
    """Every record, in plan order (`supersteps` flattened)."""
    superstep_of: dict[str, int]
    """Node name -> the index of its superstep."""
    produced: frozenset[str]
    """Every name an active node writes (data outputs and emit signals)."""
    result_names: tuple[str, ...]
    """What RunResult.values may hold: the selection or every output, never emit signals."""
    selected: tuple[str, ...]
    """The graph's selected outputs (empty: every output)."""
    needs_given: bool
    """Whether some node reads `from_given`: runs then keep the given inputs apart."""
    async_nodes: tuple[str, ...]
    """The active async nodes (`async_paths`)."""
    dynamic: DynamicPlan | None = None
    """For a dynamic plan (gates, cycles): its DynamicPlan; None for a DAG."""


def wiring_of(graph: Graph, record: type[NodeWiring] = NodeWiring) -> GraphWiring:
    """The wiring of `graph`: cached on the graph, built on first use.

    Each node becomes a `record`: NodeWiring, or a subclass of it whose instances a caller
    completes (the runners attach their call closures to theirs, so a run builds one object
    per node). Raises GraphConfigError for a node kind that cannot run.
    """
    key = "wiring" if record is NodeWiring else f"wiring:{record.__module__}.{record.__name__}"
    cached = graph._cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    nodes: Mapping[str, HyperNode] = graph.nodes
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
    # one pass over the plan builds every per-node record (a first run pays for it)
    rows = graph.plan.supersteps
    ordered = [
        node_wiring(nodes[name], wired, made, given, shared, record) for row in rows for name in row
    ]
    wanted = graph.selected if graph.selected is not None else graph.outputs
    dynamic = None
    if graph.plan.is_dynamic:
        dynamic = dynamic_plan(graph, ordered)
    result = GraphWiring(
        supersteps=regroup(ordered, rows),
        ordered=tuple(ordered),
        superstep_of={name: index for index, row in enumerate(rows) for name in row},
        produced=frozenset(made),
        result_names=tuple([out for out in wanted if out not in emitted]),
        selected=graph.selected or (),
        needs_given=any(map(_FROM_GIVEN, ordered)),
        async_nodes=async_paths(graph),
        dynamic=dynamic,
    )
    graph._cache[key] = result
    return result


def regroup(items: Sequence[_T], rows: Sequence[Sized]) -> tuple[tuple[_T, ...], ...]:
    """`items` (one per node, in plan order) grouped like `rows` (supersteps)."""
    it = iter(items)
    return tuple([tuple(islice(it, size)) for size in map(len, rows)])
