"""Issue 12: the runners and compiled modules agree on the chat accumulator (two producers of
one value ordered by emit/wait_for) and on routes returning END, declared or not."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from codegen_support import compile_and_load, compiled_outcome, runner_outcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parity_fixtures import LOG, chat_graph, choose, choose_many, finish

from hypergraph import END, FunctionNode, Graph, RouteNode

BACKENDS = [("sync", False), ("async", False), ("async", True)]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("parity")


SHAPES = ["states", "steps"]
"""Both shapes of a compiled loop: the state machine and the step loop
(codegen.backends.dynamic.run)."""


@pytest.fixture(scope="module")
def chat_modules(workdir: Path) -> dict[tuple[str, bool, str], Any]:
    import codegen.backends.dynamic.run

    graph = chat_graph()
    modules = {}
    for shape in SHAPES:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(codegen.backends.dynamic.run, "SPECIALISE", shape == "states")
            for b, i in BACKENDS:
                modules[b, i, shape] = compile_and_load(graph, b, workdir, i)
    return modules


def _agree(graph: Graph, module: Any, backend: str, inline: bool, inputs: dict[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        LOG.clear()
        expected = runner_outcome(graph, backend, inline, inputs)
        runner_log = list(LOG)
        LOG.clear()
        got = compiled_outcome(module, backend, inputs)
    assert got == expected
    if backend == "sync":
        assert runner_log == LOG  # the same calls in the same order
    return expected


@SETTINGS
@given(
    queries=st.lists(st.sampled_from(["hi", "why", "bye"]), min_size=1, max_size=4),
    seeded=st.booleans(),
)
def test_chat_accumulators_agree(
    chat_modules: dict[tuple[str, bool, str], Any], queries: list[str], seeded: bool
) -> None:
    graph = chat_graph()
    messages = ["system: be brief", "bot: ok"] if seeded else []
    inputs = {"messages": messages, "queries": [*queries, "extra"] if seeded else queries}
    for (backend, inline, _), module in chat_modules.items():
        outcome = _agree(graph, module, backend, inline, inputs)
        status, values = outcome
        assert status == "ok"
        wanted = inputs["queries"]
        assert len(values["messages"]) == 2 * len(wanted)
        turn = len(messages) // 2
        assert values["messages"][len(messages) :] == [
            line for query in wanted[turn:] for line in (f"user: {query}", f"bot: {query.upper()}")
        ]
        assert values["_another_turn"] is END


def _routed(options: tuple[str, ...], multi: bool, end_declared: bool) -> Graph:
    targets: list[Any] = ["finish", END] if end_declared else ["finish"]
    func = choose_many if multi else choose
    gate = RouteNode(func, targets, multi_target=multi, name="pick")
    graph = Graph([gate, FunctionNode(finish, output_name="out")], name="routed")
    return graph.bind(options=options)


@pytest.fixture(scope="module")
def routed_modules(workdir: Path) -> dict[tuple[bool, bool, str, bool], Any]:
    """Each graph compiled for each back end; the step-loop shape under `inline` for async
    (the state machine otherwise), so both shapes check the decisions."""
    import codegen.backends.dynamic.run

    modules = {}
    for multi in (False, True):
        for declared in (False, True):
            graph = _routed(("finish", "<end>"), multi, declared)
            for backend, inline in BACKENDS:
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(codegen.backends.dynamic.run, "SPECIALISE", not inline)
                    modules[multi, declared, backend, inline] = compile_and_load(
                        graph, backend, workdir, inline
                    )
    return modules


@SETTINGS
@given(a=st.integers(0, 3), multi=st.booleans(), declared=st.booleans())
def test_routes_returning_end_agree(
    routed_modules: dict[tuple[bool, bool, str, bool], Any], a: int, multi: bool, declared: bool
) -> None:
    graph = _routed(("finish", "<end>"), multi, declared)
    returns_end = (a >> 1 & 1) if multi else a % 2 == 1
    for backend, inline in BACKENDS:
        module = routed_modules[multi, declared, backend, inline]
        outcome = _agree(graph, module, backend, inline, {"a": a})
        if returns_end and not declared:
            assert outcome[:2] == ("error", ValueError)
            assert "returned END, which is not one of its targets" in outcome[2]
        else:
            assert outcome[0] == "ok"


@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_compiled_undeclared_end_names_the_route_and_its_targets(
    routed_modules: dict[tuple[bool, bool, str, bool], Any], backend: str, inline: bool
) -> None:
    import asyncio

    module = routed_modules[False, False, backend, inline]

    def run() -> Any:
        result = module.run(a=1)
        return asyncio.run(result) if backend == "async" else result

    with pytest.raises(ValueError, match=r"route 'pick' returned END.*targets \['finish'\]"):
        run()
