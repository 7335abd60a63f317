"""Events from the runners: order, nesting, maps, failures, processors that misbehave, shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
import pickle
import threading
import warnings
from typing import Any

import pytest

from hypergraph import END, AsyncRunner, Graph, NodeContext, SyncRunner, ifelse, node, route
from hypergraph.events import (
    AsyncEventProcessor,
    CacheHitEvent,
    EventDispatcher,
    EventProcessor,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
    StreamingChunkEvent,
    SuperstepStartEvent,
    TypedEventProcessor,
)
from hypergraph.events.scope import RunScope


class Recorder(EventProcessor):
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.shutdowns = 0

    def on_event(self, event: Any) -> None:
        self.events.append(event)

    def shutdown(self) -> None:
        self.shutdowns += 1


def kinds(events: list[Any]) -> list[tuple[str, str]]:
    return [(type(e).__name__, getattr(e, "node_name", "")) for e in events]


@node(output_name="b")
def inc(a: int) -> int:
    return a + 1


@node(output_name="c")
def double(b: int) -> int:
    return b * 2


@node(output_name="d")
def triple(b: int) -> int:
    return b * 3


@node(output_name="c")
def broken(b: int) -> int:
    raise ValueError(f"bad {b}")


DAG = Graph([inc, double, triple], name="dag")

EXPECTED_DAG = [
    ("RunStartEvent", ""),
    ("SuperstepStartEvent", ""),
    ("NodeStartEvent", "inc"),
    ("NodeEndEvent", "inc"),
    ("SuperstepStartEvent", ""),
    ("NodeStartEvent", "double"),
    ("NodeEndEvent", "double"),
    ("NodeStartEvent", "triple"),
    ("NodeEndEvent", "triple"),
    ("RunEndEvent", ""),
]


def test_sync_run_reports_supersteps_and_nodes_in_plan_order() -> None:
    recorder = Recorder()
    result = SyncRunner().run(DAG, a=1, event_processors=[recorder])
    assert result["c"] == 4
    assert kinds(recorder.events) == EXPECTED_DAG
    start, end = recorder.events[0], recorder.events[-1]
    assert isinstance(start, RunStartEvent)
    assert isinstance(end, RunEndEvent)
    assert start.run_id == end.run_id == result.run_id
    assert start.span_id == end.span_id
    assert start.parent_span_id is None
    assert end.status is RunStatus.COMPLETED
    assert end.error is None
    assert start.graph_name == "dag"
    nodes = [e for e in recorder.events if isinstance(e, NodeStartEvent | NodeEndEvent)]
    assert all(e.parent_span_id == start.span_id for e in nodes)
    assert [e.superstep for e in recorder.events if isinstance(e, SuperstepStartEvent)] == [0, 1]
    # a node's start and end share its span
    assert recorder.events[2].span_id == recorder.events[3].span_id != start.span_id


@pytest.mark.asyncio
async def test_async_run_reports_the_same_events() -> None:
    recorder = Recorder()
    result = await AsyncRunner().run(DAG, a=1, event_processors=[recorder])
    assert result["d"] == 6
    # within a superstep, nodes run concurrently: compare the superstep's events as a set
    got = kinds(recorder.events)
    assert got[:4] == EXPECTED_DAG[:4]
    assert sorted(got[5:9]) == sorted(EXPECTED_DAG[5:9])
    assert got[-1] == ("RunEndEvent", "")


def test_failure_reports_node_error_and_failed_run_without_breaking_continue() -> None:
    recorder = Recorder()
    graph = Graph([inc, broken], name="fails")
    result = SyncRunner().run(graph, a=1, error_handling="continue", event_processors=[recorder])
    assert result.failed
    error = next(e for e in recorder.events if isinstance(e, NodeErrorEvent))
    assert (error.node_name, error.error_type, error.error) == ("broken", "ValueError", "bad 2")
    end = recorder.events[-1]
    assert isinstance(end, RunEndEvent)
    assert end.status is RunStatus.FAILED
    assert (end.error_type, end.error) == ("ValueError", "bad 2")
    assert not any(isinstance(e, NodeEndEvent) and e.node_name == "broken" for e in recorder.events)


def test_failure_under_raise_still_ends_the_run() -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match="bad 2"):
        SyncRunner().run(Graph([inc, broken]), a=1, event_processors=[recorder])
    assert isinstance(recorder.events[-1], RunEndEvent)
    assert recorder.events[-1].status is RunStatus.FAILED


@pytest.mark.asyncio
async def test_cancelled_sibling_gets_an_error_event() -> None:
    started = asyncio.Event()

    @node(output_name="slow")
    async def slow(a: int) -> int:
        started.set()
        await asyncio.sleep(10)
        return a

    @node(output_name="fast")
    async def fast(a: int) -> int:
        await started.wait()
        raise RuntimeError("boom")

    recorder = Recorder()
    with pytest.raises(RuntimeError):
        await AsyncRunner().run(Graph([slow, fast]), a=1, event_processors=[recorder])
    errors = {e.node_name: e.error_type for e in recorder.events if isinstance(e, NodeErrorEvent)}
    assert errors == {"fast": "RuntimeError", "slow": "CancelledError"}


@pytest.mark.parametrize("runner_kind", ["sync", "async"])
def test_nested_graphs_and_mapped_graph_nodes_nest_their_spans(runner_kind: str) -> None:
    inner = Graph([inc, double], name="inner")
    outer = Graph([inner.as_node(name="each").map_over("a")], name="outer")
    recorder = Recorder()
    if runner_kind == "sync":
        result = SyncRunner().run(outer, a=[1, 2], event_processors=[recorder])
    else:
        result = asyncio.run(AsyncRunner().run(outer, a=[1, 2], event_processors=[recorder]))
    assert result["c"] == [4, 6]
    events = recorder.events
    by_span = {e.span_id: e for e in events if isinstance(e, RunStartEvent | NodeStartEvent)}
    top = events[0]
    each = next(e for e in events if isinstance(e, NodeStartEvent) and e.node_name == "each")
    assert each.parent_span_id == top.span_id
    mapped = next(e for e in events if isinstance(e, RunStartEvent) and e.is_map)
    assert (mapped.parent_span_id, mapped.map_size, mapped.graph_name) == (each.span_id, 2, "inner")
    items = [
        e for e in events if isinstance(e, RunStartEvent) and e.parent_span_id == mapped.span_id
    ]
    assert sorted(e.item_index for e in items) == [0, 1]
    inner_nodes = [e for e in events if isinstance(e, NodeStartEvent) and e.node_name == "double"]
    assert len(inner_nodes) == 2
    for event in inner_nodes:  # node -> item run -> map -> GraphNode's span -> top run
        item = by_span[event.parent_span_id]
        assert item.item_index == event.item_index
        assert by_span[item.parent_span_id] is mapped
    ends = [e for e in events if isinstance(e, RunEndEvent) and e.span_id == mapped.span_id]
    assert ends[0].status is RunStatus.COMPLETED


def test_map_reports_a_map_run_with_one_run_per_item() -> None:
    recorder = Recorder()
    graph = Graph([inc, broken], name="items")
    result = SyncRunner().map(
        graph, a=[1, 2, 3], map_over="a", error_handling="continue", event_processors=[recorder]
    )
    starts = [e for e in recorder.events if isinstance(e, RunStartEvent)]
    assert starts[0].is_map
    assert starts[0].map_size == 3
    assert starts[0].run_id == result.run_id
    assert [s.item_index for s in starts[1:]] == [0, 1, 2]
    assert [s.run_id for s in starts[1:]] == [r.run_id for r in result]
    ends = [e for e in recorder.events if isinstance(e, RunEndEvent)]
    assert [e.status for e in ends[:3]] == [RunStatus.FAILED] * 3
    assert ends[-1].status is RunStatus.FAILED  # every item failed
    assert ends[-1].span_id == starts[0].span_id


@pytest.mark.asyncio
async def test_async_map_reports_items_and_partial_status() -> None:
    @node(output_name="b")
    def picky(a: int) -> int:
        if a == 2:
            raise ValueError("two")
        return a

    recorder = Recorder()
    result = await AsyncRunner().map(
        Graph([picky]), a=[1, 2, 3], map_over="a", error_handling="continue",
        event_processors=[recorder],
    )  # fmt: skip
    assert result.partial
    ends = [e for e in recorder.events if isinstance(e, RunEndEvent)]
    assert ends[-1].status is RunStatus.PARTIAL
    items = {e.item_index: e.status for e in ends[:-1]}
    assert items == {0: RunStatus.COMPLETED, 1: RunStatus.FAILED, 2: RunStatus.COMPLETED}


def test_route_decisions_come_between_the_gate_start_and_end() -> None:
    @route(targets=["bump", END])
    def again(n: int) -> object:
        return "bump" if n < 2 else END

    @node(output_name="n2")
    def bump(n: int) -> int:
        return n + 1

    @ifelse(when_true="big", when_false="small")
    def size(n2: int) -> bool:
        return n2 > 5

    @node(output_name="label")
    def big(n2: int) -> str:
        return "big"

    @node(output_name="label")
    def small(n2: int) -> str:
        return "small"

    recorder = Recorder()
    graph = Graph([again, bump, size, big, small])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = SyncRunner().run(graph, n=1, event_processors=[recorder])
    assert result["label"] == "small"
    decisions = [
        (e.node_name, e.decision) for e in recorder.events if isinstance(e, RouteDecisionEvent)
    ]
    assert decisions == [("again", "bump"), ("size", "small")]
    names = kinds(recorder.events)
    at = names.index(("RouteDecisionEvent", "again"))
    assert names[at - 1] == ("NodeStartEvent", "again")
    assert names[at + 1] == ("NodeEndEvent", "again")


def test_multi_target_decision_is_a_list() -> None:
    @route(targets=["left", "right", END], multi_target=True)
    def fan(a: int) -> list[object]:
        return ["left", END]

    @node(output_name="l")
    def left(a: int) -> int:
        return a

    @node(output_name="r")
    def right(a: int) -> int:
        return a

    recorder = Recorder()
    SyncRunner().run(Graph([fan, left, right]), a=1, event_processors=[recorder])
    (decision,) = [e for e in recorder.events if isinstance(e, RouteDecisionEvent)]
    assert decision.decision == ["left", "END"]


def test_typed_processor_gets_one_method_per_event_type() -> None:
    seen: list[str] = []

    class Typed(TypedEventProcessor):
        def on_node_start(self, event: NodeStartEvent) -> None:
            seen.append(f"start {event.node_name}")

        def on_run_end(self, event: RunEndEvent) -> None:
            seen.append(f"end {event.status.value}")

    SyncRunner().run(Graph([inc]), a=1, event_processors=[Typed()])
    assert seen == ["start inc", "end completed"]


def test_events_are_picklable_plain_data() -> None:
    recorder = Recorder()
    SyncRunner().run(
        Graph([inc, broken]), a=1, error_handling="continue", event_processors=[recorder]
    )
    assert pickle.loads(pickle.dumps(recorder.events)) == recorder.events


def test_a_raising_processor_never_breaks_the_run_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Exploding(EventProcessor):
        name = "exploder"

        def on_event(self, event: Any) -> None:
            raise RuntimeError("processor bug")

    recorder = Recorder()
    runner = SyncRunner(event_processors=[Exploding(), recorder])
    with caplog.at_level(logging.ERROR, logger="hypergraph.events"):
        assert runner.run(DAG, a=1)["c"] == 4
        assert runner.run(DAG, a=2)["c"] == 6
    records = [r for r in caplog.records if r.name == "hypergraph.events"]
    assert len(records) == 1
    assert "exploder" in records[0].getMessage()
    assert len(recorder.events) == 2 * len(EXPECTED_DAG)  # the others still got every event


def test_call_processors_are_shut_down_at_the_end_of_the_call_even_on_failure() -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match="bad 2"):
        SyncRunner().run(Graph([inc, broken]), a=1, event_processors=[recorder])
    assert recorder.shutdowns == 1
    mapped = Recorder()
    SyncRunner().map(Graph([inc]), a=[1, 2], map_over="a", event_processors=[mapped])
    assert mapped.shutdowns == 1


def test_runner_processors_are_shut_down_once_at_close() -> None:
    recorder = Recorder()
    with SyncRunner(event_processors=[recorder]) as runner:
        runner.run(DAG, a=1)
        runner.run(DAG, a=1, event_processors=[recorder])  # both lists: delivered once
        assert recorder.shutdowns == 0
    assert recorder.shutdowns == 1
    assert len(recorder.events) == 2 * len(EXPECTED_DAG)
    runner.close()
    assert recorder.shutdowns == 1
    with pytest.raises(RuntimeError, match="closed"):
        runner.run(DAG, a=1)


def test_runner_processors_are_shut_down_when_the_runner_is_collected() -> None:
    recorder = Recorder()
    runner = SyncRunner(event_processors=[recorder])
    runner.run(DAG, a=1)
    del runner
    gc.collect()
    assert recorder.shutdowns == 1


def test_bad_processors_are_refused() -> None:
    with pytest.raises(TypeError, match="wrap a single processor"):
        SyncRunner(event_processors=Recorder())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"event_processors\[0\]"):
        SyncRunner().run(DAG, a=1, event_processors=["log"])  # type: ignore[list-item]

    class OnlyAsync(AsyncEventProcessor):
        async def on_event_async(self, event: Any) -> None:
            pass

    with pytest.raises(ValueError, match="AsyncRunner"):
        SyncRunner(event_processors=[OnlyAsync()])
    with pytest.raises(TypeError, match="show_progress"):
        SyncRunner().run(DAG, a=1, show_progress="yes")  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_async_processors_are_delivered_off_the_run_path_and_before_return() -> None:
    released = asyncio.Event()
    received: list[str] = []

    class Slow(AsyncEventProcessor):
        async def on_event_async(self, event: Any) -> None:
            if isinstance(event, RunStartEvent):
                await released.wait()  # blocks until a node of the run itself sets it
            received.append(type(event).__name__)

        async def shutdown_async(self) -> None:
            received.append("shutdown")

    @node(output_name="b")
    async def release(a: int) -> int:
        released.set()
        return a

    result = await asyncio.wait_for(
        AsyncRunner().run(Graph([release]), a=1, event_processors=[Slow()]), timeout=30
    )
    assert result["b"] == 1
    assert received[0] == "RunStartEvent"
    assert received[-2:] == ["RunEndEvent", "shutdown"]


@pytest.mark.asyncio
async def test_async_runner_aclose_awaits_async_shutdown() -> None:
    done: list[str] = []

    class Closing(AsyncEventProcessor):
        async def shutdown_async(self) -> None:
            done.append("async")

    async with AsyncRunner(event_processors=[Closing()]) as runner:
        await runner.run(DAG, a=1)
    assert done == ["async"]


def test_show_progress_prints_plain_lines_when_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    SyncRunner().map(Graph([inc], name="inc"), a=list(range(4)), map_over="a", show_progress=True)
    err = capsys.readouterr().err
    assert "inc: map of 4 items" in err
    assert "4/4 items, 0 failed" in err
    assert "\x1b" not in err


def test_cache_hits_are_reported_before_a_cached_node_end() -> None:
    recorder = Recorder()
    scope = RunScope(EventDispatcher([recorder]), "run-x", "g")
    scope.node_start("n")
    scope.cache_hit("n", "key-1")
    scope.node_end("n")
    start, hit, end = recorder.events
    assert isinstance(hit, CacheHitEvent)
    assert hit.cache_key == "key-1"
    assert isinstance(end, NodeEndEvent)
    assert end.cached
    assert start.span_id == hit.span_id == end.span_id


@pytest.mark.asyncio
async def test_chunks_from_a_worker_thread_are_delivered_on_the_loop() -> None:
    recorder = Recorder()
    threads: list[int] = []

    class Where(EventProcessor):
        def on_event(self, event: Any) -> None:
            threads.append(threading.get_ident())

    scope = RunScope(EventDispatcher([recorder, Where()]), "run-x", "g")
    scope.node_start("n")
    await asyncio.to_thread(scope.chunk, "n", "partial")
    await asyncio.sleep(0)
    assert isinstance(recorder.events[-1], StreamingChunkEvent)
    assert recorder.events[-1].chunk == "partial"
    assert set(threads) == {threading.get_ident()}


# -- NodeContext: streaming from inside a node -------------------------------------------------


@node(output_name="text")
def speak(prompt: str, ctx: NodeContext) -> str:
    for word in prompt.split():
        ctx.stream(word)
    assert not ctx.stop_requested
    return prompt.upper()


@node(output_name="text")
async def speak_async(prompt: str, context: NodeContext) -> str:
    for word in prompt.split():
        context.stream(word)
    return prompt.upper()


def test_a_node_context_is_passed_by_the_runner_and_is_no_input() -> None:
    graph = Graph([speak])
    assert graph.inputs.all == ("prompt",)
    assert speak.context_param == "ctx"
    assert SyncRunner().run(graph, prompt="a b")["text"] == "A B"  # nothing watches: no-op


@pytest.mark.parametrize("mode", ["sync", "thread", "async"])
def test_streamed_chunks_come_between_the_node_start_and_end(mode: str) -> None:
    recorder = Recorder()
    if mode == "sync":
        SyncRunner().run(Graph([speak]), prompt="a b c", event_processors=[recorder])
    else:
        graph = Graph([speak]) if mode == "thread" else Graph([speak_async])
        asyncio.run(AsyncRunner().run(graph, prompt="a b c", event_processors=[recorder]))
    names = kinds(recorder.events)
    chunks = [e.chunk for e in recorder.events if isinstance(e, StreamingChunkEvent)]
    assert chunks == ["a", "b", "c"]
    first = [kind for kind, _ in names].index("StreamingChunkEvent")
    assert names[first - 1][0] == "NodeStartEvent"
    assert names[first + 3][0] == "NodeEndEvent"


def test_node_context_is_refused_where_it_cannot_be_given() -> None:
    with pytest.raises(TypeError, match="only function nodes"):

        @ifelse(when_true="a", when_false="b")
        def gate(x: int, ctx: NodeContext) -> bool:
            return True

    def twice(a: int, one: NodeContext, two: NodeContext) -> int:
        return a

    with pytest.raises(TypeError, match="both ask for a NodeContext"):
        node(twice, output_name="b")

    from codegen import compile_graph
    from codegen.errors import CompileError

    with pytest.raises(CompileError, match="NodeContext"):
        compile_graph(Graph([speak]))


def test_run_status_is_one_enum() -> None:
    import hypergraph
    from hypergraph.events import types

    assert types.RunStatus is hypergraph.RunStatus is RunStatus


def test_fast_built_events_equal_constructed_ones() -> None:
    """RunScope builds events without their __init__: every field must be there."""
    import dataclasses

    recorder = Recorder()
    SyncRunner().map(Graph([inc]), a=[1], map_over="a", event_processors=[recorder])
    for event in recorder.events:
        fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
        assert set(vars(event)) == set(fields)
        assert type(event)(**fields) == event
