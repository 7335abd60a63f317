"""Events and progress of executor maps (docs/scaling-out.md#events-and-progress): whichever
process runs an item, the caller's processors receive the same events as for an in-process
map, nested under the map's span.

The graphs live in tests/scale_fixtures.py: worker processes import them by name.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest
import scale_fixtures as fx

from hypergraph import AsyncRunner, Graph, SyncRunner
from hypergraph.events import EventProcessor
from hypergraph.events.types import (
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
)

XS = list(range(11))


class Recorder(EventProcessor):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event)


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as executor:
        yield executor


@pytest.fixture(scope="module")
def dask_executor() -> Iterator[Executor]:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client.get_executor()


def shape(events: list[Any] | Recorder) -> list[tuple[Any, ...]]:
    """Each event as what must not depend on where its item ran: its type, node, item index,
    the chain of runs and nodes it nests in, and its outcome (no ids, times or durations).
    Every span id is checked to be unique and every parent to be known."""
    if isinstance(events, Recorder):
        events = events.events
    labels: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    for event in events:
        if isinstance(event, RunStartEvent):
            label = f"run:{event.graph_name}#{event.item_index}"
        elif isinstance(event, NodeStartEvent):
            label = f"node:{event.node_name}"
        else:
            continue
        assert event.span_id not in labels, "span ids are unique"
        labels[event.span_id] = label
        parents[event.span_id] = event.parent_span_id

    def path(span: str | None) -> tuple[str, ...]:
        chain: list[str] = []
        while span is not None:
            assert span in labels, "every parent span was started"
            chain.append(labels[span])
            span = parents[span]
        return tuple(reversed(chain))

    return [
        (
            type(event).__name__,
            getattr(event, "node_name", None),
            event.item_index,
            path(event.parent_span_id),
            getattr(event, "status", None),
            getattr(event, "error_type", None),
            getattr(event, "is_map", None),
            getattr(event, "map_size", None),
            str(getattr(event, "decision", None)),
        )
        for event in events
    ]


def watched_map(graph: Graph, executor: Executor | None, **kwargs: Any) -> list[Any]:
    recorder = Recorder()
    # error_handling="raise": the events up to the failure are compared
    with contextlib.suppress(ValueError):
        SyncRunner().map(
            graph, map_over="x", executor=executor, event_processors=[recorder], **kwargs
        )
    return recorder.events


CASES = [
    pytest.param(fx.plain, XS, "continue", id="plain"),
    pytest.param(fx.failing, XS, "continue", id="failing"),
    pytest.param(fx.failing, XS, "raise", id="failing-raise"),
    pytest.param(fx.gated, XS, "continue", id="gated"),
    pytest.param(fx.nested, [[1, 2], [], [3, 4, 5]] * 2, "continue", id="nested"),
    pytest.param(fx.nested_continue, [[1, 3], [2, 7, 0]] * 2, "continue", id="nested-continue"),
    pytest.param(fx.nested_raise, [[1, 3], [2, 4], [0]] * 2, "continue", id="nested-raise"),
]


@pytest.mark.parametrize(("graph", "x", "errors"), CASES)
@pytest.mark.parametrize("chunksize", [None, 1, 3])
def test_a_process_pool_map_reports_the_events_of_an_in_process_map(
    pool: ProcessPoolExecutor, graph: Graph, x: list[Any], errors: str, chunksize: int | None
) -> None:
    expected = watched_map(graph, None, x=x, error_handling=errors)
    got = watched_map(graph, pool, x=x, error_handling=errors, chunksize=chunksize)
    assert shape(got) == shape(expected)
    assert len(got) > 2 * len(x)  # items and their nodes, not just the map's start and end


def test_item_events_keep_their_worker_timestamps_and_run_ids(pool: ProcessPoolExecutor) -> None:
    recorder = Recorder()
    result = SyncRunner().map(
        fx.pid_graph, x=XS, map_over="x", executor=pool, chunksize=2, event_processors=[recorder]
    )
    starts = [e for e in recorder.events if isinstance(e, RunStartEvent)]
    map_start, items = starts[0], starts[1:]
    assert map_start.is_map
    assert map_start.parent_span_id is None
    assert [e.item_index for e in items] == list(range(len(XS)))
    assert all(e.parent_span_id == map_start.span_id for e in items)
    # each item's run id is its RunResult's, made in the worker
    assert [e.run_id for e in items] == [r.run_id for r in result.results]
    assert {r.values["pid"] for r in result.results} - {os.getpid()}  # ran elsewhere
    # timestamps are the worker's: no item starts before the map nor ends after it
    map_end = recorder.events[-1]
    assert isinstance(map_end, RunEndEvent)
    assert map_end.span_id == map_start.span_id
    assert all(map_start.timestamp <= e.timestamp <= map_end.timestamp for e in items)


def test_a_thread_pool_map_reports_the_events_of_an_in_process_map() -> None:
    with ThreadPoolExecutor(3) as threads:
        for graph, x, errors in [(fx.failing, XS, "continue"), (fx.nested, [[1], [2, 3]], "raise")]:
            expected = watched_map(graph, None, x=x, error_handling=errors)
            got = watched_map(graph, threads, x=x, error_handling=errors, chunksize=1)
            assert shape(got) == shape(expected)


def test_an_unwatched_executor_map_records_nothing(pool: ProcessPoolExecutor) -> None:
    from hypergraph.runners import _executor, _remote

    graph = fx.plain
    batch = _executor.make_batch(
        pool, graph, {"x": None, "offset": 1}, _rows(XS), "sync", "ignore", False, 100, 4, None
    )
    outcome = _remote.run_chunk(batch.tasks[0])
    assert batch.tasks[0].watch is None
    assert outcome.events is None


def _rows(values: list[Any]) -> Any:
    from hypergraph.runners._map import MapRows

    return MapRows(("x",), ("x",), [(v,) for v in values])


@pytest.mark.asyncio
@pytest.mark.parametrize(("graph", "x", "errors"), CASES)
async def test_an_async_process_pool_map_reports_the_events_of_an_in_process_map(
    pool: ProcessPoolExecutor, graph: Graph, x: list[Any], errors: str
) -> None:
    """Items of an async map run concurrently: the same events, item by item."""
    expected, got = Recorder(), Recorder()
    for executor, recorder in ((None, expected), (pool, got)):
        with contextlib.suppress(ValueError):
            await AsyncRunner().map(
                graph,
                x=x,
                map_over="x",
                error_handling=errors,
                executor=executor,
                event_processors=[recorder],
            )
    if errors == "raise":  # which later items ran before the failure stopped the map varies
        assert shape(got)[-1] == shape(expected)[-1]
        return
    if graph is fx.nested_raise:  # a failed inner item cancels its siblings, at a time
        # of the event loop's: which of them had started varies, here as there
        assert outline(got) == outline(expected)
        return
    assert by_item(shape(got)) == by_item(shape(expected))
    assert shape(got)[0] == shape(expected)[0]
    assert shape(got)[-1] == shape(expected)[-1]


def outline(recorder: Recorder) -> list[tuple[Any, ...]]:
    """The map's and its items' own starts and ends, sorted."""
    return sorted((s for s in shape(recorder) if len(s[3]) <= 1), key=repr)


def by_item(shapes: list[tuple[Any, ...]]) -> dict[str, list[tuple[Any, ...]]]:
    """The events of each top-level item (keyed by its run label), sorted: inside an async
    item, a nested map's items run concurrently too, in an order of the event loop's."""
    items: dict[str, list[tuple[Any, ...]]] = {}
    for kind, node_name, index, path, *rest in shapes:
        if len(path) >= 2:
            key = path[1]
        elif path and kind in ("RunStartEvent", "RunEndEvent"):
            key = f"run:#{index}"
        else:
            continue
        items.setdefault(key, []).append((kind, node_name, index, path, *rest))
    return {key: sorted(events, key=repr) for key, events in items.items()}


@pytest.mark.parametrize("graph", [fx.nested, fx.nested_continue, fx.nested_raise])
def test_run_with_an_executor_reports_nested_items_as_here(
    pool: ProcessPoolExecutor, graph: Graph
) -> None:
    x = [1, 3, 2, 7, 0]
    expected, got = Recorder(), Recorder()
    for executor, recorder in ((None, expected), (pool, got)):
        with contextlib.suppress(ValueError):
            SyncRunner().run(graph, x=x, executor=executor, event_processors=[recorder])
    assert shape(got) == shape(expected)
    if graph is not fx.nested_raise:  # else the map stops at item 1
        assert any(e.item_index == 4 for e in got.events)


@pytest.mark.asyncio
async def test_async_run_with_an_executor_reports_nested_items(pool: ProcessPoolExecutor) -> None:
    x = [1, 2, 3, 4]
    expected, got = Recorder(), Recorder()
    for executor, recorder in ((None, expected), (pool, got)):
        await AsyncRunner().run(fx.nested, x=x, executor=executor, event_processors=[recorder])
    assert sorted(shape(got), key=repr) == sorted(shape(expected), key=repr)


def test_show_progress_advances_per_item_on_a_process_pool(
    pool: ProcessPoolExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    SyncRunner().map(fx.plain, x=list(range(20)), map_over="x", show_progress=True)
    here = capsys.readouterr().err
    SyncRunner().map(
        fx.plain, x=list(range(20)), map_over="x", show_progress=True, executor=pool, chunksize=5
    )
    there = capsys.readouterr().err
    lines = [line.split(" items")[0] for line in there.splitlines() if "/20 items" in line]
    # the plain progress lines: one per tenth of the items done, then the end
    assert lines == [line.split(" items")[0] for line in here.splitlines() if "/20" in line]
    assert lines[:3] == ["plain: 2/20", "plain: 4/20", "plain: 6/20"]


@pytest.mark.slow
@pytest.mark.parametrize(("graph", "x", "errors"), CASES)
def test_a_dask_map_reports_the_events_of_an_in_process_map(
    dask_executor: Executor, graph: Graph, x: list[Any], errors: str
) -> None:
    expected = watched_map(graph, None, x=x, error_handling=errors)
    got = watched_map(graph, dask_executor, x=x, error_handling=errors, chunksize=2)
    assert shape(got) == shape(expected)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_an_async_dask_map_reports_every_item(dask_executor: Executor) -> None:
    expected, got = Recorder(), Recorder()
    for executor, recorder in ((None, expected), (dask_executor, got)):
        await AsyncRunner().map(
            fx.failing,
            x=XS,
            map_over="x",
            error_handling="continue",
            executor=executor,
            event_processors=[recorder],
        )
    assert by_item(shape(got)) == by_item(shape(expected))


@pytest.mark.slow
def test_show_progress_advances_per_item_on_dask(
    dask_executor: Executor, capsys: pytest.CaptureFixture[str]
) -> None:
    SyncRunner().map(
        fx.failing, x=XS, map_over="x", show_progress=True, executor=dask_executor,
        error_handling="continue", chunksize=2,
    )  # fmt: skip
    err = capsys.readouterr().err
    assert "failing: map of 11 items" in err
    assert "11/11 items, 2 failed" in err


def test_a_streamed_chunk_that_cannot_be_pickled_travels_as_its_repr() -> None:
    from hypergraph.events.types import StreamingChunkEvent
    from hypergraph.runners import _pickling
    from hypergraph.runners._remote import pack_events

    lock = threading.Lock()
    event = StreamingChunkEvent(run_id="r", span_id="s", node_name="n", chunk=lock)
    ((back,),) = _pickling.loads(pack_events([[event]]))
    assert back.chunk == repr(lock)
    assert back.node_name == "n"


def test_events_that_cannot_be_unpickled_are_left_out_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from hypergraph.runners._executor import _events

    with caplog.at_level(logging.ERROR, logger="hypergraph.events"):
        assert _events(b"not a pickle", 7, 2) == [[], []]
    assert "events of map items 7 to 8 cannot be unpickled" in caplog.text
