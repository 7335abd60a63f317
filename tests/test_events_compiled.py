"""Compiled modules with `events = true`: the same events as the runners, at no cost without
an observer, and nothing changed for modules without the option."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import random
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from codegen_fixtures import random_graph
from codegen_gate_fixtures import random_gated_graph
from codegen_support import load_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mypy import api

from codegen import compile_graph, compile_spec
from codegen.errors import CompileError
from hypergraph import AsyncRunner, Graph, SyncRunner, node
from hypergraph.events import (
    EventProcessor,
    NodeErrorEvent,
    RunEndEvent,
    RunStatus,
    SuperstepStartEvent,
    observe,
)

ROOT = Path(__file__).resolve().parent.parent


class Recorder(EventProcessor):
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.threads: set[int] = set()

    def on_event(self, event: Any) -> None:
        self.events.append(event)
        self.threads.add(threading.get_ident())


def shape(events: list[Any]) -> list[tuple[Any, ...]]:
    """What both back ends must agree on: event types, node names, decisions, statuses
    (compiled modules report no supersteps)."""
    return [
        (
            type(e).__name__,
            getattr(e, "node_name", ""),
            str(getattr(e, "decision", "")),
            getattr(e, "status", None),
            getattr(e, "error_type", None),
        )
        for e in events
        if not isinstance(e, SuperstepStartEvent)
    ]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("events")


def _graph(kind: str, seed: int, allow_async: bool, failing: bool) -> tuple[Graph, dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "dag":
            graph = random_graph(random.Random(seed), 6, allow_async=allow_async, failing=failing)
            inputs = {k: v for k, v in {"x0": seed % 7, "x1": 3}.items() if k in graph.inputs.all}
            return graph, inputs
        return random_gated_graph(random.Random(seed), 6, allow_async=allow_async, failing=failing)


def _sync_events(graph: Graph, inputs: dict[str, Any], module: Any) -> tuple[list[Any], list[Any]]:
    runner, compiled = Recorder(), Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(Exception):
            SyncRunner().run(graph, inputs, event_processors=[runner])
        with contextlib.suppress(Exception):
            module.run(**inputs, observer=observe([compiled]))
    return runner.events, compiled.events


def _async_events(
    graph: Graph, inputs: dict[str, Any], module: Any, inline: bool
) -> tuple[list[Any], list[Any]]:
    runner, compiled = Recorder(), Recorder()

    async def go() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.suppress(Exception):
                await AsyncRunner(sync_nodes="inline" if inline else "thread").run(
                    graph, inputs, event_processors=[runner]
                )
            with contextlib.suppress(Exception):
                await module.run(**inputs, observer=observe([compiled]))

    asyncio.run(go())
    assert compiled.threads == {threading.get_ident()}  # worker threads' calls were handed over
    return runner.events, compiled.events


def _check(workdir: Path, kind: str, seed: int, failing: bool) -> None:
    graph, inputs = _graph(kind, seed, False, failing)
    module = load_source(compile_graph(graph, backend="sync", events=True), workdir)
    ran, compiled = _sync_events(graph, inputs, module)
    assert shape(ran) == shape(compiled), (kind, seed)
    for inline in (False, True):
        graph, inputs = _graph(kind, seed, True, failing)
        source = compile_graph(
            graph, backend="async", events=True, sync_nodes="inline" if inline else "thread"
        )
        module = load_source(source, workdir)
        ran, compiled = _async_events(graph, inputs, module, inline)
        a, b = shape(ran), shape(compiled)
        assert a[0] == b[0], (kind, seed, inline)  # the run's start
        assert a[-1] == b[-1], (kind, seed, inline)  # its end: status and error
        if a[-1][3] is RunStatus.COMPLETED:
            # a superstep's nodes run concurrently: the same events, not the same order
            assert collections.Counter(a) == collections.Counter(b), (kind, seed, inline)
        else:
            # a failed superstep's siblings are cancelled at different points (the runner
            # reports CancelledError, a compiled thread call may finish): the node that
            # failed must be the same
            def failed(events: list[Any]) -> set[str]:
                return {
                    e.node_name
                    for e in events
                    if isinstance(e, NodeErrorEvent) and e.error_type != "CancelledError"
                }

            assert failed(ran) == failed(compiled), (kind, seed, inline)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kind=st.sampled_from(["dag", "gated"]), seed=st.integers(0, 10**6), failing=st.booleans())
def test_compiled_modules_report_the_runners_events(
    workdir: Path, kind: str, seed: int, failing: bool
) -> None:
    _check(workdir, kind, seed, failing)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", ["dag", "gated"])
def test_fixed_seeds_report_the_runners_events(workdir: Path, kind: str, seed: int) -> None:
    _check(workdir, kind, seed, seed % 2 == 0)


def test_every_node_start_is_matched_by_one_end_or_error(workdir: Path) -> None:
    for seed in range(10):
        graph, inputs = _graph("gated", seed, False, True)
        module = load_source(compile_graph(graph, backend="sync", events=True), workdir)
        for events in _sync_events(graph, inputs, module):
            open_nodes: list[str] = []
            for event in events:
                name = type(event).__name__
                if name == "NodeStartEvent":
                    open_nodes.append(event.node_name)
                elif name in ("NodeEndEvent", "NodeErrorEvent"):
                    assert open_nodes.pop() == event.node_name
            assert open_nodes == []
            assert isinstance(events[-1], RunEndEvent)


def test_without_the_option_nothing_changes() -> None:
    graph, _ = _graph("dag", 1, False, False)
    plain = compile_graph(graph, backend="sync")
    assert plain == compile_graph(graph, backend="sync", events=False)
    assert "observer" not in plain
    assert "observer: Observer | None = None" in compile_graph(graph, backend="sync", events=True)


def test_a_spec_with_events_true_takes_an_observer(tmp_path: Path) -> None:
    spec = (ROOT / "specs" / "text_pipeline.toml").read_text()
    path = tmp_path / "watched.toml"
    path.write_text(spec.replace('runner = "sync"', 'runner = "sync"\nevents = true'))
    compiled = compile_spec(path)
    module = load_source(compiled.source, tmp_path)
    assert "Observer" in module.__all__
    recorder = Recorder()
    with observe([recorder]) as observer:
        result = module.run(text="a b c d", observer=observer)
    assert result == module.run(text="a b c d")
    nodes = [e.node_name for e in recorder.events if type(e).__name__ == "NodeEndEvent"]
    assert nodes == ["normalize", "chunk_text", "count", "summarize", "stats"]
    assert "class Observer(Protocol)" in compiled.stub
    assert "observer: Observer | None = None" in compiled.stub


def test_nested_graphs_and_clashing_names_are_refused() -> None:
    @node(output_name="b")
    def inc(a: int) -> int:
        return a + 1

    inner = Graph([inc], name="inner")
    with pytest.raises(CompileError, match="nested graph"):
        compile_graph(Graph([inner.as_node()]), events=True)

    @node(output_name="b")
    def clash(observer: int) -> int:
        return observer

    with pytest.raises(CompileError, match="'observer'"):
        compile_graph(Graph([clash]), events=True)


def test_modules_with_events_pass_mypy_strict(tmp_path: Path) -> None:
    paths = []
    for index, (kind, backend) in enumerate(
        [("dag", "sync"), ("gated", "sync"), ("dag", "async"), ("gated", "async")]
    ):
        graph, _ = _graph(kind, 5 + index, backend == "async", True)
        path = tmp_path / f"watched_{index}.py"
        path.write_text(compile_graph(graph, backend=backend, events=True))  # type: ignore[arg-type]
        paths.append(str(path))
    old = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    try:
        out, err, status = api.run(
            ["--strict", "--no-incremental", "--follow-imports=silent",
             "--cache-dir", str(tmp_path / ".mypy_cache"), *paths]
        )  # fmt: skip
    finally:
        if old is None:
            os.environ.pop("MYPYPATH", None)
        else:
            os.environ["MYPYPATH"] = old
    assert status == 0, out + err
