"""Issue 15 with issue 14's events: a cache hit ends its node with CacheHitEvent then
NodeEndEvent(cached=True) and calls nothing; a cached gate still reports its decision; every
retried attempt is a NodeRetryEvent and the attempt that ends the node is on its end or error
event; a timeout is the node's NodeErrorEvent (a TimeoutError). Compiled modules with
`events = true` and policies report the same sequence as the runners (hypothesis)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import random
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import policy_fixtures as fx
import pytest
from codegen_support import load_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from test_codegen_policies import SYNC, chain, fx_name, node_options

from codegen import compile_graph
from hypergraph import (
    AsyncRunner,
    FunctionNode,
    Graph,
    IfElseNode,
    InMemoryCache,
    NodeTimeoutError,
    RetryPolicy,
    SyncRunner,
    node,
)
from hypergraph.events import (
    CacheHitEvent,
    EventProcessor,
    LoggingProcessor,
    NodeEndEvent,
    NodeErrorEvent,
    NodeRetryEvent,
    OpenTelemetryProcessor,
    SuperstepStartEvent,
    TypedEventProcessor,
    observe,
)


class Recorder(EventProcessor):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event)


def node_events(events: list[Any]) -> list[tuple[Any, ...]]:
    """(type, node, cached, attempt, error type, decision) of every node-level event."""
    return [
        (
            type(e).__name__,
            e.node_name,
            getattr(e, "cached", None),
            getattr(e, "attempt", None),
            getattr(e, "error_type", None),
            str(getattr(e, "decision", "")),
        )
        for e in events
        if hasattr(e, "node_name")
    ]


RUNNERS = ["sync", "async-thread", "async-inline"]


def run_with(kind: str, graph: Graph, cache: Any, recorder: Recorder, **inputs: Any) -> Any:
    """Run `graph` on runner `kind` with `cache`, events to `recorder`; its values, or the
    error it raised."""
    try:
        if kind == "sync":
            return SyncRunner(cache=cache).run(graph, inputs, event_processors=[recorder]).values
        sync_nodes = "inline" if kind == "async-inline" else "thread"
        runner = AsyncRunner(cache=cache, sync_nodes=sync_nodes)
        return asyncio.run(runner.run(graph, inputs, event_processors=[recorder])).values
    except Exception as exc:
        return exc


# -- cache hits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", RUNNERS)
def test_a_cache_hit_ends_the_node_with_cache_hit_then_cached_end(kind: str) -> None:
    calls: list[int] = []

    @node(output_name="y", cache=True)
    def double(x: int) -> int:
        calls.append(x)
        return 2 * x

    graph = Graph([double], name="hits")
    cache = InMemoryCache()
    first, second = Recorder(), Recorder()
    assert run_with(kind, graph, cache, first, x=4) == {"y": 8}
    assert run_with(kind, graph, cache, second, x=4) == {"y": 8}
    assert calls == [4]  # the hit called nothing
    assert node_events(first.events) == [
        ("NodeStartEvent", "double", None, None, None, ""),
        ("NodeEndEvent", "double", False, 1, None, ""),
    ]
    assert node_events(second.events) == [
        ("NodeStartEvent", "double", None, None, None, ""),
        ("CacheHitEvent", "double", None, None, None, ""),
        ("NodeEndEvent", "double", True, 1, None, ""),
    ]
    hit = next(e for e in second.events if isinstance(e, CacheHitEvent))
    end = next(e for e in second.events if isinstance(e, NodeEndEvent))
    assert hit.span_id == end.span_id  # the hit belongs to the node's span
    assert hit.cache_key  # the key the value was stored under


@pytest.mark.parametrize("kind", RUNNERS)
def test_a_cached_gate_replays_its_decision_and_reports_it(kind: str) -> None:
    gate = IfElseNode(fx.is_big, "big", "small", cache=True)
    graph = Graph(
        [
            gate,
            FunctionNode(fx.big, output_name="label"),
            FunctionNode(fx.small, output_name="label"),
        ],
        name="gated",
    )
    fx.reset()
    cache = InMemoryCache()
    first, second = Recorder(), Recorder()
    assert run_with(kind, graph, cache, first, x=50)["label"] == "big"
    assert run_with(kind, graph, cache, second, x=50)["label"] == "big"
    assert fx.CALLS["is_big"] == 1
    gate_events = [e for e in node_events(second.events) if e[1] == "is_big"]
    assert gate_events == [
        ("NodeStartEvent", "is_big", None, None, None, ""),
        ("RouteDecisionEvent", "is_big", None, None, None, "big"),
        ("CacheHitEvent", "is_big", None, None, None, ""),
        ("NodeEndEvent", "is_big", True, 1, None, ""),
    ]


def test_without_processors_a_hit_reports_nothing_and_still_serves() -> None:
    @node(output_name="y", cache=True)
    def double(x: int) -> int:
        return 2 * x

    runner = SyncRunner(cache=InMemoryCache())
    assert runner.run(Graph([double]), x=1)["y"] == 2
    assert runner.run(Graph([double]), x=1)["y"] == 2


# -- retries --------------------------------------------------------------------------------


def flaky(failures: int) -> Any:
    seen: list[int] = []

    @node(output_name="y", retry=RetryPolicy(attempts=3, delay=0.5, jitter=0.0))
    def call(x: int) -> int:
        seen.append(x)
        if len(seen) <= failures:
            raise ConnectionError(f"attempt {len(seen)}")
        return x

    return call, seen


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A fake clock: the runners' waits are recorded, nothing sleeps."""
    waits: list[float] = []

    async def fake_async_sleep(delay: float, result: Any = None) -> Any:
        waits.append(delay)
        return result

    monkeypatch.setattr(time, "sleep", waits.append)
    monkeypatch.setattr(asyncio, "sleep", fake_async_sleep)
    return waits


@pytest.mark.parametrize("kind", RUNNERS)
def test_every_retried_attempt_is_a_retry_event_and_the_last_is_on_the_end(
    kind: str, no_sleep: list[float]
) -> None:
    call, seen = flaky(2)
    recorder = Recorder()
    assert run_with(kind, Graph([call]), None, recorder, x=7) == {"y": 7}
    assert len(seen) == 3
    assert node_events(recorder.events) == [
        ("NodeStartEvent", "call", None, None, None, ""),
        ("NodeRetryEvent", "call", None, 1, "ConnectionError", ""),
        ("NodeRetryEvent", "call", None, 2, "ConnectionError", ""),
        ("NodeEndEvent", "call", False, 3, None, ""),
    ]
    retries = [e for e in recorder.events if isinstance(e, NodeRetryEvent)]
    assert [e.error for e in retries] == ["attempt 1", "attempt 2"]
    assert [e.delay_ms for e in retries] == pytest.approx([500.0, 1000.0])
    assert no_sleep == pytest.approx([0.5, 1.0])
    start = recorder.events[[type(e).__name__ for e in recorder.events].index("NodeStartEvent")]
    assert {e.span_id for e in retries} == {start.span_id}  # in the node's span


@pytest.mark.parametrize("kind", RUNNERS)
def test_a_node_that_fails_every_attempt_ends_in_an_error_with_its_attempt(
    kind: str, no_sleep: list[float]
) -> None:
    call, _ = flaky(5)
    recorder = Recorder()
    error = run_with(kind, Graph([call]), None, recorder, x=7)
    assert isinstance(error, ConnectionError)
    assert node_events(recorder.events)[1:] == [
        ("NodeRetryEvent", "call", None, 1, "ConnectionError", ""),
        ("NodeRetryEvent", "call", None, 2, "ConnectionError", ""),
        ("NodeErrorEvent", "call", None, 3, "ConnectionError", ""),
    ]
    final = next(e for e in recorder.events if isinstance(e, NodeErrorEvent))
    assert final.error == "attempt 3"


def test_an_error_that_is_not_retried_reports_no_retry() -> None:
    @node(output_name="y", retry=RetryPolicy(attempts=3, on=ConnectionError))
    def wrong(x: int) -> int:
        raise ValueError("not retried")

    recorder = Recorder()
    assert isinstance(run_with("sync", Graph([wrong]), None, recorder, x=1), ValueError)
    assert [e[0] for e in node_events(recorder.events)] == ["NodeStartEvent", "NodeErrorEvent"]
    assert node_events(recorder.events)[-1][3] == 1


def test_built_in_processors_show_retries(
    no_sleep: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    call, _ = flaky(1)
    seen: list[int] = []

    class Typed(TypedEventProcessor):
        def on_node_retry(self, event: NodeRetryEvent) -> None:
            seen.append(event.attempt)

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    processors = [Typed(), LoggingProcessor(), OpenTelemetryProcessor(tracer_provider=provider)]
    with caplog.at_level(logging.DEBUG, logger="hypergraph.runs"):
        SyncRunner().run(Graph([call]), x=1, event_processors=processors)
    assert seen == [1]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "node call attempt 1 failed: ConnectionError: attempt 1; retrying in 500.0 ms"
    ]
    span = next(s for s in exporter.get_finished_spans() if s.name == "node call")
    assert span.attributes is not None
    assert span.attributes["hypergraph.attempts"] == 2
    assert [(e.name, e.attributes["hypergraph.attempt"]) for e in span.events] == [("retry", 1)]


# -- timeouts -------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["async", "thread"])
def test_a_timeout_ends_the_node_in_an_error_carrying_the_timeout(where: str) -> None:
    release = threading.Event()

    @node(output_name="y", timeout=0.05)
    async def hang(x: int) -> int:
        await asyncio.sleep(600)
        return x

    @node(output_name="y", timeout=0.05)
    def block(x: int) -> int:
        release.wait(600)
        return x

    class Releasing(Recorder):
        """Lets the abandoned thread finish once the node's error is reported, so that
        asyncio.run's shutdown (which waits for the executor's threads) does not wait."""

        def on_event(self, event: Any) -> None:
            super().on_event(event)
            if isinstance(event, NodeErrorEvent):
                release.set()

    recorder = Releasing()
    graph = Graph([hang if where == "async" else block])
    try:
        error = run_with("async-thread", graph, None, recorder, x=1)
    finally:
        release.set()
    assert isinstance(error, NodeTimeoutError)
    assert isinstance(error, TimeoutError)
    name = "hang" if where == "async" else "block"
    assert node_events(recorder.events) == [
        ("NodeStartEvent", name, None, None, None, ""),
        ("NodeErrorEvent", name, None, 1, "NodeTimeoutError", ""),
    ]
    failed = recorder.events[-2]
    assert isinstance(failed, NodeErrorEvent)
    assert failed.error.startswith(f"node {name!r} timed out after 0.05 s")


# -- compiled modules report what the runners report ------------------------------------------


def _compiled_events(
    backend: str, graph: Graph, module: Any, xs: list[int], fails: dict[str, int]
) -> tuple[list[Any], list[Any]]:
    """The node events of runner and module over the inputs `xs` (one cache per side)."""
    found = []
    for side in ("runner", "module"):
        fx.reset({fx_name(graph, name): n for name, n in fails.items()})
        cache = InMemoryCache()
        # run() takes cache= only when some node is cached
        given = {"cache": cache} if "cache" in inspect.signature(module.run).parameters else {}
        recorder = Recorder()
        with observe([recorder]) as observer:
            for x in xs:
                with contextlib.suppress(ConnectionError):
                    if side == "runner" and backend == "sync":
                        SyncRunner(cache=cache).run(graph, x=x, event_processors=[recorder])
                    elif side == "runner":
                        runner = AsyncRunner(cache=cache)
                        asyncio.run(runner.run(graph, x=x, event_processors=[recorder]))
                    elif backend == "sync":
                        module.run(x=x, observer=observer, **given)
                    else:
                        asyncio.run(module.run(x=x, observer=observer, **given))
        events = [e for e in recorder.events if not isinstance(e, SuperstepStartEvent)]
        found.append(([_compared(e) for e in events], dict(fx.CALLS)))
    return found[0], found[1]


def _compared(event: Any) -> tuple[Any, ...]:
    return (
        type(event).__name__,
        getattr(event, "node_name", ""),
        getattr(event, "cached", None),
        getattr(event, "attempt", None),
        getattr(event, "error_type", None),
        str(getattr(event, "decision", "")),
        str(getattr(event, "status", "")),
    )


@given(
    options=st.lists(node_options, min_size=3, max_size=3),
    xs=st.lists(st.integers(0, 3), min_size=1, max_size=5),
    backend=st.sampled_from(["sync", "async"]),
)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_compiled_modules_with_events_and_policies_report_the_runners_events(
    options: list[tuple[bool, int | None, int, bool, bool]], xs: list[int], backend: str
) -> None:
    graph = chain(options, backend)
    fails = {name: option[2] for name, option in zip(SYNC, options)}
    with tempfile.TemporaryDirectory() as directory:
        source = compile_graph(graph, backend=backend, events=True)  # type: ignore[arg-type]
        module = load_source(source, Path(directory))
        runner, compiled = _compiled_events(backend, graph, module, xs, fails)
    assert compiled == runner


@pytest.mark.parametrize("backend", ["sync", "async"])
def test_a_compiled_cached_gate_reports_its_decision_and_hit(backend: str, tmp_path: Path) -> None:
    gate = IfElseNode(fx.is_big, "big", "small", cache=True)
    graph = Graph(
        [
            gate,
            FunctionNode(fx.big, output_name="label"),
            FunctionNode(fx.small, output_name="label"),
        ],
        name="gated",
    )
    module = load_source(compile_graph(graph, backend=backend, events=True), tmp_path)  # type: ignore[arg-type]
    runner, compiled = _compiled_events(backend, graph, module, [50, 50, 1, 50], {})
    assert compiled == runner
    hits = [e for e in compiled[0] if e[0] == "CacheHitEvent"]
    assert [e[1] for e in hits] == ["is_big", "is_big"]


def test_compiled_modules_with_policies_and_events_pass_mypy_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mypy import api

    root = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("MYPYPATH", os.pathsep.join([str(root), str(root / "tests")]))
    paths = []
    options = [(True, 2, 0, True, True), (False, 1, 0, False, False), (True, None, 0, False, True)]
    for backend in ("sync", "async"):
        path = tmp_path / f"policed_{backend}.py"
        path.write_text(compile_graph(chain(options, backend), backend=backend, events=True))  # type: ignore[arg-type]
        paths.append(str(path))
    status = api.run(
        ["--strict", "--no-incremental", "--follow-imports=silent",
         "--cache-dir", str(tmp_path / ".mypy_cache"), *paths]
    )  # fmt: skip
    assert status[2] == 0, status[0] + status[1]


def test_a_retry_delay_is_reported_as_the_runner_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "random", lambda: 0.25)
    monkeypatch.setattr(time, "sleep", lambda delay: None)
    call, _ = flaky(1)
    recorder = Recorder()
    SyncRunner().run(Graph([call]), x=1, event_processors=[recorder])
    retry = next(e for e in recorder.events if isinstance(e, NodeRetryEvent))
    assert retry.delay_ms == pytest.approx(500.0)  # jitter=0.0: the full delay
    assert retry.duration_ms >= 0.0
