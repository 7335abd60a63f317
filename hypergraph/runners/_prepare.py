"""Completing a graph's wiring (`hypergraph.plan`) into the steps a run executes, once per graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import wiring_of
from hypergraph.runners._nested import graph_calls
from hypergraph.runners._steps import Prepared, RunStep, make_call, unbuilt_call

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = ["prepared"]


def prepared(graph: Graph) -> Prepared:
    """The cached run steps of `graph` (built on first use, with its wiring)."""
    cached = graph._cache.get("prepared")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    wiring = wiring_of(graph, RunStep)
    steps = cast("tuple[RunStep, ...]", wiring.ordered)
    for step in steps:  # one pass builds every call (a first run pays for it)
        attach_calls(step)
    dynamic_steps = None
    if wiring.dynamic is not None:
        dynamic_steps = cast("tuple[RunStep, ...]", tuple(n.step for n in wiring.dynamic.ordered))
        for step in dynamic_steps:
            if step.call is unbuilt_call:  # a record the dynamic plan re-wired (wired defaults)
                attach_calls(step)
    supersteps = cast("tuple[tuple[RunStep, ...], ...]", wiring.supersteps)
    sequence = tuple([(s, s.call, s.single_output) for s in steps])
    result = Prepared(wiring, supersteps, sequence, dynamic_steps)
    graph._cache["prepared"] = result
    return result


def attach_calls(step: RunStep) -> None:
    """Build the calls of one node from its wiring.

    This is where every node's call is made, for both runners: the one place to wrap it.
    """
    func = step.func
    if func is None:  # a nested graph: its calls are child runs
        node = step.node
        assert isinstance(node, GraphNode)
        step.call, step.acall = graph_calls(node, prepared)
    else:
        step.call = make_call(step, func)
