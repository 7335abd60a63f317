"""Turning a graph's wiring (`hypergraph.plan`) into the steps a run executes, once per graph."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import NodeWiring, wiring_of
from hypergraph.plan.lowering import regroup
from hypergraph.runners._nested import graph_calls
from hypergraph.runners._steps import Prepared, RunStep, make_call

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = ["prepared"]


def prepared(graph: Graph) -> Prepared:
    """The cached run steps of `graph` (built on first use, with its wiring)."""
    cached = graph._cache.get("prepared")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    wiring = wiring_of(graph)
    # one pass builds every step (a first run pays for it): comprehensions, no appends
    steps = [run_step(w) for w in wiring.ordered]
    sequence = tuple([(s, s.call, s.single_output) for s in steps])
    dynamic_steps = None
    if wiring.dynamic is not None:
        built = {s.name: s for s in steps}
        dynamic_steps = tuple(
            built[node.name] if node.step is built[node.name].wiring else run_step(node.step)
            for node in wiring.dynamic.ordered
        )
    result = Prepared(wiring, regroup(steps, wiring.supersteps), sequence, dynamic_steps)
    graph._cache["prepared"] = result
    return result


def run_step(wiring: NodeWiring) -> RunStep:
    """The step of one node: its wiring with the call built from it.

    This is where a node's call is made, for both runners: the one place to wrap it.
    """
    func = wiring.func
    if func is None:  # a nested graph: its calls are child runs
        node = wiring.node
        assert isinstance(node, GraphNode)
        call, acall = graph_calls(node, prepared)
        return RunStep(wiring, wiring.name, wiring.mode, wiring.shape, None, call, acall)
    call = make_call(wiring, func)
    return RunStep(wiring, wiring.name, wiring.mode, wiring.shape, wiring.single_output, call)
