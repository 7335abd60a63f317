"""SyncRunner's loops: call each node in the calling thread, in plan order.

A DAG runs straight down its precomputed sequence (the hot path: call, then store); a graph
with gates or cycles asks the shared step logic (`_engine`) for each batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypergraph.events.scope import decision_value
from hypergraph.nodes.function import ExecutionMode
from hypergraph.plan import NONE
from hypergraph.runners._engine import Done, apply_done, new_state, next_batch, outcome
from hypergraph.runners._execute import evidence_inputs, fail, store
from hypergraph.runners._steps import EVENTS, Prepared, RunStep

if TYPE_CHECKING:
    from hypergraph.events.scope import RunScope

__all__ = ["execute"]

_SYNC_GENERATOR = ExecutionMode.SYNC_GENERATOR


def execute(
    prep: Prepared, state: dict[str, Any], graph_name: str | None, max_iterations: int
) -> None:
    """Run every node of `prep` on `state`; a failure raises ExecutionError."""
    if prep.dynamic_steps is not None:
        return _execute_dynamic(prep, state, graph_name, max_iterations)
    if EVENTS in state:  # watched: superstep by superstep, each node reported
        return _execute_observed(prep, state, graph_name, state[EVENTS])
    step: RunStep | None = None
    try:
        for step, call, output in prep.sequence:
            result = call(state)
            if output is not None:
                state[output] = result
            else:
                if step.shape == NONE and step.mode is _SYNC_GENERATOR:
                    for _ in result:  # run the body for its side effects
                        pass
                store(step, result, state)
    except Exception as exc:
        assert step is not None
        inputs = evidence_inputs(step, state)
        superstep = prep.wiring.superstep_of[step.name]
        raise fail(step, exc, inputs, superstep, None, graph_name, state) from exc


def _execute_observed(
    prep: Prepared, state: dict[str, Any], graph_name: str | None, events: RunScope
) -> None:
    """The DAG loop with events: the plan's supersteps, each node between start and end."""
    for index, superstep in enumerate(prep.supersteps):
        events.superstep(index)
        for step in superstep:
            events.node_start(step.name)
            try:
                result = step.call(state)
                if step.shape == NONE and step.mode is _SYNC_GENERATOR:
                    for _ in result:  # run the body for its side effects
                        pass
                store(step, result, state)
            except Exception as exc:
                events.node_error(step.name, exc)
                inputs = evidence_inputs(step, state)
                raise fail(step, exc, inputs, index, None, graph_name, state) from exc
            events.node_end(step.name)


def _execute_dynamic(
    prep: Prepared, values: dict[str, Any], graph_name: str | None, max_iterations: int
) -> None:
    """Gates and cycles: each batch runs sequentially in declaration order."""
    steps = prep.dynamic_steps
    assert steps is not None
    state = new_state(prep, values)
    events: RunScope | None = values.get(EVENTS)
    while batch := next_batch(state, max_iterations, graph_name):
        state.start(batch)
        if events is not None:
            events.superstep(state.superstep - 1)
        done: list[Done] = []
        for node in batch:
            step = steps[node.index]
            if events is not None:
                events.node_start(step.name)
            try:
                result = step.call(values)
                if step.shape == NONE and step.mode is _SYNC_GENERATOR:
                    for _ in result:  # an output-less generator runs for its side effects
                        pass
                written, decision = outcome(node, result)
            except Exception as exc:
                if events is not None:
                    events.node_error(step.name, exc)
                inputs = evidence_inputs(step, values)
                apply_done(state, done)  # partial values: the batch's finished nodes
                index = state.superstep - 1
                raise fail(step, exc, inputs, index, None, graph_name, values) from exc
            if events is not None:
                if decision is not None:
                    assert node.gate is not None
                    events.route(step.name, decision_value(node.gate.multi_target, *decision))
                events.node_end(step.name)
            done.append((node, written, decision))
        apply_done(state, done)
