"""Completing a graph's wiring (`hypergraph.plan`) into the steps a run executes, once per graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from hypergraph.nodes.function import ExecutionMode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.plan import wiring_of
from hypergraph.runners._nested import graph_calls
from hypergraph.runners._policy import async_call, sync_call, timed
from hypergraph.runners._steps import Prepared, RunStep, SyncCall, make_call, unbuilt_call

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
    # a comprehension, not a per-node call: a first run of a large graph is counted in calls
    if [s for s in steps if s.func is None or s.node.timeout is not None]:
        result = Prepared(wiring, supersteps, sequence, dynamic_steps, timed(graph))
    else:
        result = Prepared(wiring, supersteps, sequence, dynamic_steps)
    graph._cache["prepared"] = result
    return result


def attach_calls(step: RunStep) -> None:
    """Build the calls of one node from its wiring.

    This is where every node's call is made, for both runners: the one place to wrap it. A
    node with a policy (cache, retry, timeout) gets the policy calls; the others keep the bare
    call of the hot path.
    """
    func = step.func
    node = step.node
    if func is None:  # a nested graph: its calls are child runs
        assert isinstance(node, GraphNode)
        step.call, step.acall = graph_calls(node, prepared)
    elif node.cache or node.retry is not None or node.timeout is not None:
        _attach_policies(step, make_call(step, func))
    else:
        step.call = make_call(step, func)


def _attach_policies(step: RunStep, bare: SyncCall) -> None:
    """The calls of a node with policies: gates (cache only) decide inline through the sync
    call; function nodes under AsyncRunner go through their own async call."""
    if step.node.is_gate:
        step.call = sync_call(step, bare)
        return
    step.acall = acall = async_call(step, bare)
    if step.mode is ExecutionMode.ASYNC_FUNCTION:  # SyncRunner refuses it: never called sync
        step.call = lambda state: acall(state, False, None)
    else:
        step.call = sync_call(step, bare)
