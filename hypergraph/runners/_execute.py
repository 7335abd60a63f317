"""The pieces of a superstep both runners share: resolve inputs, store outputs, finish."""

from __future__ import annotations

import dataclasses
import itertools
import time
import uuid
import warnings
from collections.abc import Sized
from typing import Any, NoReturn, TypeVar

from hypergraph.exceptions import ExecutionError
from hypergraph.plan import MAPPING, SEVERAL, SINGLE, NodeWiring
from hypergraph.runners._steps import SIGNAL, Prepared, RunStep, kwargs_for
from hypergraph.runners.result import FailureEvidence, RunResult, RunStatus, attach_evidence

__all__ = [
    "evidence_inputs",
    "fail",
    "finish",
    "new_run_id",
    "raise_taken",
    "store",
    "taken",
    "with_item_index",
]


_T = TypeVar("_T")

_RUN_PREFIX = "run-" + uuid.uuid4().hex[:12]
_RUN_NUMBERS = itertools.count(1)
_COMPLETED, _FAILED = RunStatus.COMPLETED, RunStatus.FAILED


def new_run_id() -> str:
    """A fresh run identifier: a random per-process prefix and a counter, in hex.

    Unique like a UUID per run, at a fraction of the cost (map() makes one per item).
    """
    return f"{_RUN_PREFIX}{next(_RUN_NUMBERS):012x}"


def with_item_index(result: RunResult, index: int) -> RunResult:
    """A map item's result, its failure evidence marked with the item's index."""
    if result.node_failures:
        result.node_failures = tuple(
            dataclasses.replace(f, item_index=index) for f in result.node_failures
        )
    return result


def evidence_inputs(step: RunStep, state: dict[str, Any]) -> dict[str, Any]:
    """The inputs a failed node was called with, re-read from the (unchanged) state."""
    try:
        return kwargs_for(step, state)
    except Exception:  # a default that cannot be copied: report what is in the state
        return {param: state[name] for param, name in step.args if name in state}


def store(step: NodeWiring, result: Any, state: dict[str, Any]) -> None:
    """Write a node's result into the state: one output, several (unpacked) or none."""
    shape = step.shape
    if shape == SINGLE:
        state[step.outputs[0]] = result
    elif shape == SEVERAL:
        expected = len(step.outputs)
        if not isinstance(result, Sized) or isinstance(result, str | bytes):
            raise ValueError(
                f"node {step.name!r} has {expected} data outputs {step.outputs} but returned "
                f"{type(result).__name__}, not a sequence of {expected} values"
            )
        if len(result) != expected:
            raise ValueError(
                f"node {step.name!r} has {expected} data outputs but returned {len(result)} values"
            )
        for name, value in zip(step.outputs, result):  # type: ignore[call-overload]
            state[name] = value
    elif shape == MAPPING:
        state.update(result)
    for name in step.emit:
        state[name] = SIGNAL


def fail(
    step: RunStep,
    error: BaseException,
    kwargs: dict[str, Any],
    superstep: int,
    started: float | None,
    graph_name: str | None,
    state: dict[str, Any],
) -> ExecutionError:
    """Record a node failure: evidence attached to the error, wrapped for the runner.

    A failure inside a nested graph is named by its path, `outer/inner/node`.
    """
    name = step.name
    inner = getattr(error, "__hypergraph_failure__", None)
    if step.func is None and isinstance(inner, FailureEvidence):  # a GraphNode
        name = f"{step.name}/{inner.node_name}"
    evidence = FailureEvidence(
        node_name=name,
        error=error,
        inputs=dict(kwargs),
        superstep=superstep,
        duration_ms=None if started is None else (time.perf_counter() - started) * 1000,
        graph_name=graph_name,
    )
    attach_evidence(error, evidence)  # where it cannot be, the RunResult still carries it
    return ExecutionError(evidence, state)


# A raised exception's traceback keeps the frames it passed through, and each frame keeps
# its caller (f_back) with the locals it had when it ended. A runner frame whose locals still
# reach the exception (its evidence, a RunResult) makes a reference cycle, which would keep
# the failed run's values (an open generator, say) alive until the cyclic GC runs. Runner
# frames therefore hand errors and results over in boxes they empty as they go.


def raise_taken(box: list[Any]) -> NoReturn:
    """Empty `box` and raise the `error` of its last item (evidence or a RunResult)."""
    error: BaseException = box[-1].error
    box.clear()
    try:
        raise error
    finally:
        del error


def taken(box: list[_T]) -> tuple[_T, ...]:
    """The items of `box` as a tuple; `box` is left empty."""
    items = tuple(box)
    box.clear()
    return items


def finish(
    prep: Prepared,
    state: dict[str, Any],
    on_missing: str,
    run_id: str,
    failure: FailureEvidence | None = None,
) -> RunResult:
    """Filter the final state into a RunResult."""
    wiring = prep.wiring
    values = {name: state[name] for name in wiring.result_names if name in state}
    if failure is None:
        if on_missing != "ignore":
            absent = [n for n in wiring.selected if n not in values]
            if absent:
                message = f"selected outputs {absent} were not produced by the run"
                if on_missing == "error":
                    raise ValueError(message)
                warnings.warn(message, UserWarning, stacklevel=3)
        return RunResult(values, _COMPLETED, run_id)  # positional: cheaper, once per item
    return RunResult(
        values=values,
        status=_FAILED,
        run_id=run_id,
        error=failure.error,
        node_failures=(failure,),
    )
