"""emit / wait_for signals in compiled gated and cyclic graphs agree with the runners (API 2.7,
5.6 R4 (d): a waiter needs each signal present and re-emitted since its previous run, and a
first-time waiter whose signal producer is ready waits one step; R5: every emission advances
the signal's version). Both emissions (state machine and step loop), both back ends."""

from __future__ import annotations

import random
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from codegen_gate_fixtures import (
    LOG,
    held_waiter_graph,
    inc,
    mapped_signal_loop_graph,
    nested_signal_graph,
    nested_signal_loop_graph,
    random_gated_graph,
    signal_loop_graph,
    signalling_gate_graph,
    untaken_signal_graph,
)
from test_codegen_dynamic import BACKENDS, _check, _load, compiled_run, runner_run

from codegen import CompileError, compile_graph
from hypergraph import FunctionNode, Graph, InfiniteLoopError


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("signals")


@pytest.fixture(params=["states", "steps"])
def emission(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    import codegen.backends.dynamic.run

    monkeypatch.setattr(codegen.backends.dynamic.run, "SPECIALISE", request.param == "states")
    return str(request.param)


CASES: list[tuple[str, Any, dict[str, Any], list[str]]] = [
    (
        # observe's input never changes: each re-emission of `ticked` alone makes it run again
        "waits for the previous round's signal",
        signal_loop_graph,
        {"count": 0, "label": "x"},
        [
            *("tick 0", "observe x", "more 1 x"),
            *("tick 1", "observe x", "more 2 x"),
            *("tick 2", "observe x", "more 3 x"),
        ],
    ),
    (
        # `again` picks produce and waiter together; waiter (first run, its producer ready)
        # waits one step; later, picked but its signal not fresh, it does not run
        "a first-time waiter waits one step for its ready producer",
        held_waiter_graph,
        {"n": 0},
        [
            "produce 0",
            "again 1 0",
            "produce 1",
            "waiter 2",
            "again 2 20",
            "produce 2",
            "again 3 20",
        ],
    ),
    ("signal emitted in the taken branch", untaken_signal_graph, {"a": 7}, ["loud", "finish"]),
    ("signal only in the untaken branch", untaken_signal_graph, {"a": 2}, ["quiet"]),
    (
        "the signal loop nested in a plain graph",
        nested_signal_loop_graph,
        {"count": 0, "label": "x"},
        [
            *("tick 0", "observe x", "more 1 x"),
            *("tick 1", "observe x", "more 2 x"),
            *("tick 2", "observe x", "more 3 x"),
        ],
    ),
    (
        "the signal loop mapped",
        mapped_signal_loop_graph,
        {"count": 2, "label": ["a", "b"]},
        ["tick 2", "observe a", "more 3 a", "tick 2", "observe b", "more 3 b"],
    ),
    (
        "a gate that waits for a signal and emits one",
        signalling_gate_graph,
        {"total": 0},
        [
            *("bump 0", "step_gate 1", "bump 1", "step_gate 2"),
            *("bump 2", "step_gate 3", "bump 3", "step_gate 4", "tally 4"),
        ],
    ),
    (
        "a nested graph's signal, branch taken",
        nested_signal_graph,
        {"a": 7},
        ["inner_work 7", "after_inner 7"],
    ),
    ("a nested graph's signal, branch not taken", nested_signal_graph, {"a": 2}, ["quiet"]),
    (
        "a namespaced nested graph's signal",
        lambda: nested_signal_graph(namespaced=True),
        {"a": 9, "loud.a": 1},
        ["inner_work 1", "after_inner 9"],
    ),
]


def _parameters(inputs: dict[str, Any]) -> dict[str, Any]:
    return {name.replace(".", "__"): value for name, value in inputs.items()}


@pytest.mark.parametrize(("label", "build", "inputs", "calls"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_signals_agree_with_runners(
    workdir: Path,
    emission: str,
    label: str,
    build: Any,
    inputs: dict[str, Any],
    calls: list[str],
    backend: str,
    inline: bool,
) -> None:
    graph = build()
    module = _load(graph, backend, workdir, inline)
    LOG.clear()
    expected = runner_run(graph, backend, inline, inputs)
    runner_log = list(LOG)
    LOG.clear()
    got = compiled_run(module, backend, _parameters(inputs))
    assert got == expected
    assert expected[0] == "ok"
    signals = {s for n in graph.iter_nodes() for s in (*n.emit, *n.wait_for)}
    assert not signals & set(got[1])  # signals never appear in results
    if backend == "sync" or (inline and "mapped" not in label):  # the same calls, same order
        assert runner_log == LOG
    if backend == "sync":  # (async: a step's gates are called before its other nodes)
        assert calls == LOG


def test_signal_graphs_get_the_state_machine() -> None:
    """The state machine encodes signal freshness in its states: no fallback to the loop."""
    for _, build, _, _ in CASES:
        source = compile_graph(build())
        assert "# R2-R4" not in source, build
        assert not re.search(r"\bver_", source), build


@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_infinite_loop_error_at_the_same_superstep(
    workdir: Path, emission: str, backend: str, inline: bool
) -> None:
    """A signalling loop's budget is spent step by step exactly as the runners spend it."""
    graph = signal_loop_graph()
    module = _load(graph, backend, workdir, inline)
    inputs = {"count": 0, "label": "x", "rounds": 6}
    outcomes = []
    for limit in range(1, 26):
        LOG.clear()
        expected = runner_run(graph, backend, inline, inputs, max_iterations=limit)
        runner_log = list(LOG)
        LOG.clear()
        assert compiled_run(module, backend, inputs, max_iterations=limit) == expected, limit
        if backend == "sync":
            assert runner_log == LOG, limit  # the same calls before the error
        outcomes.append(expected[0] == "ok" or expected[1])
    assert InfiniteLoopError in outcomes
    assert True in outcomes


def test_a_waiter_whose_signal_is_never_emitted_never_runs(workdir: Path, emission: str) -> None:
    """The only emitter is outside the active set (entrypoints): the waiter never runs."""
    loop = signal_loop_graph()
    graph = Graph(
        [
            FunctionNode(inc, name="pre", output_name="z", emit="go"),
            *loop.iter_nodes(),
            FunctionNode(inc, name="late", output_name="y", wait_for="go").rename_inputs(a="count"),
        ],
        entrypoint="tick",
        name="unsignalled",
    )
    assert "pre" not in graph.active_nodes
    module = _load(graph, "sync", workdir)
    inputs = {"count": 0, "label": "x"}
    expected = runner_run(graph, "sync", False, inputs)
    assert compiled_run(module, "sync", inputs) == expected
    assert expected[0] == "ok"
    assert "y" not in expected[1]


def test_random_graphs_with_signals_agree(workdir: Path, emission: str) -> None:
    """A fixed sweep of random gated and cyclic graphs whose nodes emit and wait for
    signals (the hypothesis suite in test_codegen_dynamic draws them too)."""
    checked = 0
    for seed in range(200):
        size = 2 + seed % 7
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                graph, _ = random_gated_graph(random.Random(seed), size, allow_async=True)
            except Exception:
                continue
        if not any(n.emit or n.wait_for for n in graph.iter_nodes()):
            continue
        if _check(workdir, seed, size, seed % 3 == 0, (None, 4, 12)[seed % 3]):
            checked += 1
    assert checked >= 40, checked


def test_a_signal_read_as_a_value_is_refused() -> None:
    graph = Graph(
        [
            FunctionNode(inc, name="first", output_name="one", emit="done"),
            FunctionNode(inc, name="second", output_name="two").rename_inputs(a="done"),
            FunctionNode(inc, name="again", output_name="a").rename_inputs(a="two"),
        ],
        entrypoint="first",
        name="clash",
    )
    assert graph.plan.is_dynamic
    with pytest.raises(CompileError, match="signal") as info:
        compile_graph(graph)
    assert info.value.node == "second"
