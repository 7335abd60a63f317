"""SyncRunner's loops: call each node in the calling thread, in plan order.

A DAG runs straight down its precomputed sequence (the hot path: call, then store); a graph
with gates or cycles asks the shared step logic (`_engine`) for each batch.
"""

from __future__ import annotations

from typing import Any

from hypergraph.nodes.function import ExecutionMode
from hypergraph.plan import NONE
from hypergraph.runners._engine import Done, apply_done, new_state, next_batch, outcome
from hypergraph.runners._execute import evidence_inputs, fail, store
from hypergraph.runners._steps import Prepared, RunStep

__all__ = ["execute"]

_SYNC_GENERATOR = ExecutionMode.SYNC_GENERATOR


def execute(
    prep: Prepared, state: dict[str, Any], graph_name: str | None, max_iterations: int
) -> None:
    """Run every node of `prep` on `state`; a failure raises ExecutionError."""
    if prep.dynamic_steps is not None:
        return _execute_dynamic(prep, state, graph_name, max_iterations)
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


def _execute_dynamic(
    prep: Prepared, values: dict[str, Any], graph_name: str | None, max_iterations: int
) -> None:
    """Gates and cycles: each batch runs sequentially in declaration order."""
    steps = prep.dynamic_steps
    assert steps is not None
    state = new_state(prep, values)
    while batch := next_batch(state, max_iterations, graph_name):
        state.start(batch)
        done: list[Done] = []
        for node in batch:
            step = steps[node.index]
            try:
                result = step.call(values)
                if step.shape == NONE and step.mode is _SYNC_GENERATOR:
                    for _ in result:  # an output-less generator runs for its side effects
                        pass
                written, decision = outcome(node, result)
            except Exception as exc:
                inputs = evidence_inputs(step, values)
                apply_done(state, done)  # partial values: the batch's finished nodes
                index = state.superstep - 1
                raise fail(step, exc, inputs, index, None, graph_name, values) from exc
            done.append((node, written, decision))
        apply_done(state, done)
