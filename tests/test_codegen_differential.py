"""Differential suite: compiled modules and the runners agree on random DAGs of all four modes."""

from __future__ import annotations

import random
import re
import warnings
from pathlib import Path

import pytest
from codegen_fixtures import LOG, atotal, random_graph, total
from codegen_support import compile_and_load, compiled_outcome, runner_outcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BACKENDS = [("sync", False), ("async", False), ("async", True)]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("differential")


def _check(workdir: Path, seed: int, size: int, failing: bool, x0: int, x1: int) -> None:
    inputs = {"x0": x0, "x1": x1}
    for backend, inline in BACKENDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = random_graph(
                random.Random(seed), size, allow_async=backend == "async", failing=failing
            )
        wanted = {k: v for k, v in inputs.items() if k in graph.inputs.all}
        module = compile_and_load(graph, backend, workdir, inline)
        for _ in range(2):  # twice: mutable defaults must be fresh on every run
            LOG.clear()
            expected = runner_outcome(graph, backend, inline, wanted)
            runner_log = list(LOG)
            LOG.clear()
            got = compiled_outcome(module, backend, wanted)
            assert got == expected, (backend, inline, graph.plan)
            if backend == "sync":
                assert runner_log == LOG  # side effects happen in the same order


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10**6),
    size=st.integers(1, 9),
    failing=st.booleans(),
    x0=st.integers(-20, 20),
    x1=st.integers(-20, 20),
)
def test_compiled_modules_agree_with_runners(
    workdir: Path, seed: int, size: int, failing: bool, x0: int, x1: int
) -> None:
    _check(workdir, seed, size, failing, x0, x1)


@pytest.mark.parametrize("seed", range(8))
def test_fixed_seeds_agree(workdir: Path, seed: int) -> None:
    _check(workdir, seed, 8, seed % 3 == 0, seed, 7 - seed)


@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_signals_and_side_effects_agree(workdir: Path, backend: str, inline: bool) -> None:
    from codegen_fixtures import FunctionNode, Graph, inc, sink, ticker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = Graph(
            [
                FunctionNode(sink, name="first", emit="done"),
                FunctionNode(ticker, name="ticks", emit="ticked"),
                FunctionNode(inc, name="later", output_name="b", wait_for=("done", "ticked")),
                FunctionNode(sink, name="last").rename_inputs(a="b"),
            ]
        )
    module = compile_and_load(graph, backend, workdir, inline)
    LOG.clear()
    expected = runner_outcome(graph, backend, inline, {"a": 2})
    runner_log = sorted(LOG)
    LOG.clear()
    assert compiled_outcome(module, backend, {"a": 2}) == expected == ("ok", {"b": 3})
    assert sorted(LOG) == runner_log == ["sink 2", "sink 3", "tick 0", "tick 1"]


_ITEM_FAILURE = re.compile(r"a?picky got (-?\d+)")


def _concurrent_item_failures(got: object, expected: object) -> bool:
    """Both back ends failed on a mapped item, each on a different one. Async back ends start
    every item together, and the first failure in time cancels the items still running
    (docs/compiler.md, docs/runners.md): with several items bound to fail, which one is
    reported depends on timing, in the runner and in the module alike (the runner under load
    reported another item 2 times in 20 for one seed). Both must still be real item failures
    of the same type."""
    if not (isinstance(got, tuple) and isinstance(expected, tuple)):
        return False
    if got[0] != "error" or expected[0] != "error" or got[1] is not expected[1]:
        return False
    found = [_ITEM_FAILURE.fullmatch(str(outcome[2])) for outcome in (got, expected)]
    return all(m is not None and int(m.group(1)) % 3 == 0 for m in found)


def _check_nested(workdir: Path, seed: int, failing: bool) -> None:
    from codegen_nested_fixtures import composite

    for backend, inline in BACKENDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph, inputs = composite(
                random.Random(seed), allow_async=backend == "async", failing=failing
            )
        module = compile_and_load(graph, backend, workdir, inline)
        LOG.clear()
        expected = runner_outcome(graph, backend, inline, inputs)
        runner_log = list(LOG)
        LOG.clear()
        got = compiled_outcome(module, backend, inputs)
        if backend == "async" and _concurrent_item_failures(got, expected):
            continue
        assert got == expected, (backend, inline, graph.name, module.SCHEDULE)
        if backend == "sync":
            assert runner_log == LOG


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10**6), failing=st.booleans())
def test_nested_and_mapped_graphs_agree_with_runners(
    workdir: Path, seed: int, failing: bool
) -> None:
    _check_nested(workdir, seed, failing)


@pytest.mark.parametrize("seed", range(12))
def test_nested_fixed_seeds_agree(workdir: Path, seed: int) -> None:
    _check_nested(workdir, seed, seed % 2 == 0)


# -- entrypoints on DAGs: the active set narrowed, produced values fed as inputs ------------------


def _check_entrypoints(workdir: Path, seed: int, size: int, starts: int, value: int) -> bool:
    """Compile `random_graph(seed)` started at `starts` of its nodes; False if not usable."""
    for backend, inline in BACKENDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = random_graph(random.Random(seed), size, allow_async=backend == "async")
            names = list(graph.nodes)
            chosen = random.Random(seed + starts).sample(names, min(starts, len(names)))
            try:
                graph = graph.with_entrypoint(*chosen)
            except Exception:  # e.g. an entrypoint that is not a valid start
                return False
        inputs: dict[str, int] = {}
        streams = {
            name for n in graph.iter_nodes() if n.func in (total, atotal) for name in n.inputs
        }
        for name in graph.inputs.required:
            if name in streams or (name not in ("x0", "x1") and not name.startswith("v")):
                return False  # a stream fed by hand: not this test's subject
            inputs[name] = value + len(inputs)
        for name in graph.inputs.optional:  # half the draws give the fed values too
            if name.startswith("v") and value % 2 == 0 and name not in streams:
                inputs[name] = value - len(inputs)
        module = compile_and_load(graph, backend, workdir, inline)
        LOG.clear()
        expected = runner_outcome(graph, backend, inline, inputs)
        runner_log = list(LOG)
        LOG.clear()
        assert compiled_outcome(module, backend, inputs) == expected, (seed, chosen, backend)
        if backend == "sync":
            assert runner_log == LOG
    return True


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10**6),
    size=st.integers(2, 8),
    starts=st.integers(1, 3),
    value=st.integers(-20, 20),
)
def test_compiled_modules_with_entrypoints_agree_with_runners(
    workdir: Path, seed: int, size: int, starts: int, value: int
) -> None:
    _check_entrypoints(workdir, seed, size, starts, value)


def test_entrypoint_fixed_seeds_cover_compiled_entrypoints(workdir: Path) -> None:
    """Enough fixed cases compile and agree (the property test may skip unusable draws)."""
    used = sum(_check_entrypoints(workdir, seed, 6, 1 + seed % 3, seed) for seed in range(30))
    assert used >= 10
