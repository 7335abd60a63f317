"""Maps on executors (docs/scaling-out.md): a process pool, a thread pool, a Dask cluster.

The graphs live in tests/scale_fixtures.py: worker processes import them by name.
"""

from __future__ import annotations

import _thread
import asyncio
import multiprocessing
import os
import pickle
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import scale_fixtures as fx
from scale_fixtures import fingerprint

from hypergraph import AsyncRunner, FunctionNode, Graph, SyncRunner, node
from hypergraph.exceptions import (
    ItemTransferError,
    NotPicklableError,
    get_failure_evidence,
)
from hypergraph.runners import _executor, _pickling
from hypergraph.runners._remote import ItemReport

XS = list(range(23))


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """Two worker processes started with spawn: they import everything by name."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as executor:
        yield executor


def sequential(graph: Graph, **kwargs: Any) -> Any:
    return SyncRunner().map(graph, error_handling="continue", **kwargs)


CASES = [
    pytest.param(fx.plain, {"x": XS}, id="plain"),
    pytest.param(fx.plain, {"x": XS, "offset": [0, 5]}, id="product", marks=()),
    pytest.param(fx.failing, {"x": XS}, id="failing"),
    pytest.param(fx.nested, {"x": [[1, 2], [], [3, 4, 5]] * 4}, id="nested"),
    pytest.param(fx.nested_continue, {"x": [[1, 3], [2, 7, 0]] * 3}, id="nested-continue"),
    pytest.param(fx.nested_raise, {"x": [[1, 3], [2, 4], [0]] * 3}, id="nested-raise"),
    pytest.param(fx.gated, {"x": XS}, id="gated"),
]


def _map_kwargs(case_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    if "offset" in inputs:
        return {**inputs, "map_over": ["x", "offset"], "map_mode": "product"}
    return {**inputs, "map_over": "x"}


@pytest.mark.parametrize(("graph", "inputs"), CASES)
@pytest.mark.parametrize("chunksize", [None, 1, 4])
def test_a_process_pool_map_equals_the_sequential_map(
    pool: ProcessPoolExecutor, graph: Graph, inputs: dict[str, Any], chunksize: int | None
) -> None:
    kwargs = _map_kwargs("", inputs)
    expected = sequential(graph, **kwargs)
    got = SyncRunner().map(
        graph, error_handling="continue", executor=pool, chunksize=chunksize, **kwargs
    )
    assert fingerprint(got) == fingerprint(expected)
    assert (got.map_over, got.map_mode, got.graph_name, got.status) == (
        expected.map_over,
        expected.map_mode,
        expected.graph_name,
        expected.status,
    )


@pytest.mark.parametrize(("graph", "inputs"), CASES)
@pytest.mark.asyncio
async def test_an_async_process_pool_map_equals_the_in_process_async_map(
    pool: ProcessPoolExecutor, graph: Graph, inputs: dict[str, Any]
) -> None:
    kwargs = _map_kwargs("", inputs)
    runner = AsyncRunner()
    expected = await runner.map(graph, error_handling="continue", **kwargs)
    got = await runner.map(graph, error_handling="continue", executor=pool, chunksize=3, **kwargs)
    assert fingerprint(got) == fingerprint(expected)


@pytest.mark.asyncio
async def test_async_nodes_run_on_a_process_pool(pool: ProcessPoolExecutor) -> None:
    expected = await AsyncRunner().map(fx.async_graph, x=XS, map_over="x")
    for runner in (AsyncRunner(), AsyncRunner(sync_nodes="inline")):
        got = await runner.map(fx.async_graph, x=XS, map_over="x", executor=pool)
        assert fingerprint(got) == fingerprint(expected)
        assert got["z"] == [x * x + 1 for x in XS]


def test_raise_re_raises_the_first_failed_item_with_its_evidence(
    pool: ProcessPoolExecutor,
) -> None:
    with pytest.raises(ValueError, match="x=3 is not welcome") as expected:
        SyncRunner().map(fx.failing, x=XS, map_over="x")
    for chunksize in (1, 2, 5, 50):
        with pytest.raises(ValueError, match="x=3 is not welcome") as caught:
            SyncRunner().map(fx.failing, x=XS, map_over="x", executor=pool, chunksize=chunksize)
        sent = get_failure_evidence(caught.value)
        here = get_failure_evidence(expected.value)
        assert sent is not None
        assert here is not None
        assert (sent.node_name, sent.inputs, sent.superstep, sent.graph_name) == (
            here.node_name,
            here.inputs,
            here.superstep,
            here.graph_name,
        )
        cause = caught.value.__cause__
        assert isinstance(cause, _executor.RemoteTraceback)
        assert "scale_fixtures.py" in str(cause)
        assert "in picky" in str(cause)


@pytest.mark.asyncio
async def test_async_raise_re_raises_the_lowest_index_failure(pool: ProcessPoolExecutor) -> None:
    for chunksize in (1, 3):
        with pytest.raises(ValueError, match="x=3 is not welcome"):
            await AsyncRunner().map(
                fx.failing, x=XS, map_over="x", executor=pool, chunksize=chunksize
            )


def test_a_failed_item_keeps_its_result_identity(pool: ProcessPoolExecutor) -> None:
    got = SyncRunner().map(fx.failing, x=XS, map_over="x", executor=pool, error_handling="continue")
    failed = got.failures[0]
    assert failed.failure is not None
    assert failed.error is failed.failure.error  # one object, as in a run here
    assert failed.failure.item_index == 3
    evidence = get_failure_evidence(failed.error)
    assert evidence is not None
    assert evidence.node_name == "picky"


def test_items_run_in_the_worker_processes(pool: ProcessPoolExecutor) -> None:
    reports: list[ItemReport] = []
    graph = fx.plain
    runner_items = _executor.make_batch(
        pool,
        graph,
        {"x": None, **graph.inputs.bound},
        _rows(XS),
        "sync",
        "ignore",
        False,
        1000,
        4,
        None,
    )
    results = _executor.run_batch(pool, runner_items, reports)
    assert [r.values["z"] for r in results if r is not None] == [x * x + 1 for x in XS]
    assert sorted(r.index for r in reports) == list(range(len(XS)))
    workers = {r.worker for r in reports}
    assert all(not w.endswith(f":{os.getpid()}") for w in workers)
    assert all(r.duration_ms >= 0 and not r.failed for r in reports)


def _rows(values: list[Any]) -> Any:
    from hypergraph.runners._map import map_rows

    return map_rows({"x": values}, "x", "zip", False)


# -- options ---------------------------------------------------------------------------------


def test_default_chunk_size() -> None:
    assert _executor.chunk_size(0, None, None) == 1
    assert _executor.chunk_size(10, None, None) == 1
    assert _executor.chunk_size(300, None, None) == 10  # about 32 chunks
    assert _executor.chunk_size(10**7, None, None) == _executor.MAX_DEFAULT_CHUNKSIZE
    assert _executor.chunk_size(300, 50, None) == 50
    assert _executor.chunk_size(300, 50, 8) == 8  # a chunk's items are all in flight
    assert _executor.chunk_size(300, None, 4) == 4


def test_bad_executor_options_are_refused() -> None:
    runner = SyncRunner()
    with pytest.raises(ValueError, match="chunksize= applies to maps sent to an executor"):
        runner.map(fx.plain, x=[1], map_over="x", chunksize=2)
    with pytest.raises(TypeError, match=r"concurrent\.futures\.Executor"):
        runner.map(fx.plain, x=[1], map_over="x", executor=object())  # type: ignore[arg-type]
    with ThreadPoolExecutor(1) as threads:
        for bad in (0, -1, True, 1.5):
            with pytest.raises(ValueError, match="chunksize must be an int >= 1"):
                runner.map(fx.plain, x=[1], map_over="x", executor=threads, chunksize=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="max_concurrency must be an int >= 1"):
            runner.map(fx.plain, x=[1], map_over="x", executor=threads, max_concurrency=0)


def test_a_thread_pool_shares_the_inputs_and_gives_the_same_results() -> None:
    shared: list[int] = []

    @node(output_name="y")
    def remember(x: int, seen: list[int]) -> int:  # a closure: fine, nothing is pickled
        seen.append(x)
        return x

    graph = Graph([remember], name="remember")
    with ThreadPoolExecutor(3) as threads:
        got = SyncRunner().map(graph, x=XS, seen=shared, map_over="x", executor=threads)
    assert got["y"] == XS
    assert sorted(shared) == XS  # the very list passed in, not a copy


@pytest.mark.parametrize(("limit", "chunksize"), [(3, 1), (4, 2), (2, None), (5, 9)])
def test_max_concurrency_bounds_the_items_in_flight(limit: int, chunksize: int | None) -> None:
    fx.Gauge.reset()
    with ThreadPoolExecutor(8) as threads:
        got = SyncRunner().map(
            fx.gauged,
            x=list(range(24)),
            map_over="x",
            executor=threads,
            chunksize=chunksize,
            max_concurrency=limit,
        )
    assert got["y"] == list(range(24))
    assert fx.Gauge.calls == 24
    assert 1 <= fx.Gauge.peak <= limit


@pytest.mark.asyncio
async def test_async_max_concurrency_bounds_the_items_in_flight() -> None:
    fx.Gauge.reset()
    with ThreadPoolExecutor(8) as threads:
        got = await AsyncRunner(max_concurrency=3).map(
            fx.gauged, x=list(range(18)), map_over="x", executor=threads, chunksize=1
        )
    assert got["y"] == list(range(18))
    assert 1 <= fx.Gauge.peak <= 3


def test_on_missing_warn_is_given_by_the_caller(pool: ProcessPoolExecutor) -> None:
    graph = fx.gated.select("z")  # z is routed away when y <= 4
    with warnings.catch_warnings(record=True) as here:
        warnings.simplefilter("always")
        SyncRunner().map(graph, x=[1, 5, 2], map_over="x", on_missing="warn")
    with warnings.catch_warnings(record=True) as sent:
        warnings.simplefilter("always")
        SyncRunner().map(graph, x=[1, 5, 2], map_over="x", on_missing="warn", executor=pool)
    assert [str(w.message) for w in sent] == [str(w.message) for w in here]
    assert len(sent) == 2


# -- what cannot be pickled -----------------------------------------------------------------


class CountingExecutor(Executor):
    """A process-like executor (not a thread pool) that records what it is sent."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_a_lambda_without_cloudpickle_fails_fast_with_advice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_pickling, "_cloud", lambda: None)
    graph = Graph([FunctionNode(lambda x: x + 1, name="bump", output_name="y")], name="lam")
    executor = CountingExecutor()
    with pytest.raises(NotPicklableError) as caught:
        SyncRunner().map(graph, x=[1, 2], map_over="x", executor=executor)
    message = str(caught.value)
    assert "node 'bump'" in message
    assert "a lambda" in message
    assert "test_scale_out.py:" in message
    assert "module-level functions are fine" in message
    assert "cloudpickle" in message
    assert caught.value.node_name == "bump"
    assert executor.submitted == 0


def test_a_closure_without_cloudpickle_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pickling, "_cloud", lambda: None)

    def make() -> Any:
        step = 2

        @node(output_name="y")
        def add(x: int) -> int:
            return x + step

        return add

    inner = Graph([make()], name="inner")
    graph = Graph([inner.as_node(name="outer_node")], name="closure")
    with pytest.raises(NotPicklableError, match=r"node 'outer_node/add'.*a closure") as caught:
        SyncRunner().map(graph, x=[1], map_over="x", executor=CountingExecutor())
    assert caught.value.node_name == "outer_node/add"


def test_a_closure_holding_a_lock_is_named_with_cloudpickle() -> None:
    pytest.importorskip("cloudpickle")
    guard = threading.Lock()

    @node(output_name="y")
    def guarded(x: int) -> int:
        with guard:
            return x

    executor = CountingExecutor()
    with pytest.raises(NotPicklableError, match=r"node 'guarded'.*variable 'guard'"):
        SyncRunner().map(Graph([guarded]), x=[1], map_over="x", executor=executor)
    assert executor.submitted == 0


def test_lambdas_travel_by_value_with_cloudpickle(pool: ProcessPoolExecutor) -> None:
    pytest.importorskip("cloudpickle")
    graph = Graph([FunctionNode(lambda x: x + 1, name="bump", output_name="y")], name="lam")
    assert SyncRunner().map(graph, x=[1, 2], map_over="x", executor=pool)["y"] == [2, 3]


def test_unpicklable_inputs_are_named() -> None:
    executor = CountingExecutor()
    lock = threading.Lock()
    with pytest.raises(NotPicklableError, match="input 'lock' cannot be pickled") as caught:
        SyncRunner().map(
            fx.failing_with_lock_input, x=[1, 2], lock=lock, map_over="x", executor=executor
        )
    assert caught.value.input_name == "lock"
    with pytest.raises(NotPicklableError, match="input 'x' of item 2 cannot be pickled") as item:
        SyncRunner().map(fx.plain, x=[1, 2, lock, 3], map_over="x", executor=executor)
    assert item.value.item_index == 2
    bound = fx.plain.bind(offset=lock)
    with pytest.raises(NotPicklableError, match="value bound to 'offset'"):
        SyncRunner().map(bound, x=[1], map_over="x", executor=executor)
    assert executor.submitted == 0


@pytest.mark.asyncio
async def test_async_unpicklable_fails_before_sending() -> None:
    executor = CountingExecutor()
    with pytest.raises(NotPicklableError, match="input 'x' of item 0"):
        await AsyncRunner().map(fx.plain, x=[threading.Lock()], map_over="x", executor=executor)
    assert executor.submitted == 0


# -- what cannot come back ------------------------------------------------------------------


def test_an_output_that_cannot_be_pickled_fails_its_item(pool: ProcessPoolExecutor) -> None:
    assert SyncRunner().map(fx.with_lock_output, x=[1, 2], map_over="x").completed
    got = SyncRunner().map(
        fx.with_lock_output, x=[1, 2], map_over="x", executor=pool, error_handling="continue"
    )
    assert [r.failed for r in got] == [True, True]
    error = got[1].error
    assert isinstance(error, ItemTransferError)
    assert "item 1 completed" in str(error)
    assert "['lock']" in str(error)


def test_an_exception_that_cannot_be_unpickled_is_stood_in_for(
    pool: ProcessPoolExecutor,
) -> None:
    got = SyncRunner().map(
        fx.raising_picky, x=[4], map_over="x", executor=pool, error_handling="continue"
    )
    error = got[0].error
    assert isinstance(error, ItemTransferError)
    assert "PickyError: 4: refused" in str(error)
    assert error.remote_traceback is not None
    assert "raise_picky" in error.remote_traceback
    assert got[0].failure is not None
    assert got[0].failure.node_name == "raise_picky"


def test_evidence_inputs_that_cannot_be_pickled_are_marked(pool: ProcessPoolExecutor) -> None:
    # the lock input cannot go out: a thread pool runs it here, then a pickling pool of one
    # thread would not help; run the item in this process through run_chunk's packing
    from hypergraph.runners._remote import pack

    here = SyncRunner().map(
        fx.failing_with_lock_input,
        x=[7],
        lock=threading.Lock(),
        map_over="x",
        error_handling="continue",
    )
    data, trace = pack(here[0], 0)
    back = _pickling.loads(data)
    assert isinstance(back.error, RuntimeError)  # the error itself made the trip
    assert back.failure.inputs["x"] == 7
    assert isinstance(back.failure.inputs["lock"], ItemTransferError)
    assert trace is not None
    assert "fail_on_lock" in trace


# -- cancellation ---------------------------------------------------------------------------


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.mark.asyncio
async def test_cancelling_an_async_map_cancels_pending_chunks(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as single:
        task = asyncio.ensure_future(
            AsyncRunner().map(
                fx.logging_graph,
                x=list(range(40)),
                log=str(log),
                map_over="x",
                executor=single,
                chunksize=1,
            )
        )
        while _lines(log) < 1:  # the first item has started in the worker
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    # the pool is shut down and waited for: whatever ran has run
    assert _lines(log) < 40
    assert _lines(log) <= 1 + 3  # the started item, and the pool's few queued calls


def test_interrupting_a_sync_map_cancels_pending_chunks(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"

    def interrupt_after_first_item() -> None:
        while _lines(log) < 1:
            time.sleep(0.01)
        _thread.interrupt_main()

    with ThreadPoolExecutor(1) as single:
        watcher = threading.Thread(target=interrupt_after_first_item)
        watcher.start()
        with pytest.raises(KeyboardInterrupt):
            SyncRunner().map(
                fx.logging_graph,
                x=list(range(40)),
                log=str(log),
                map_over="x",
                executor=single,
                chunksize=1,
            )
        watcher.join()
    assert 1 <= _lines(log) <= 2  # the running item finished; the queued ones never started


def test_raise_cancels_the_chunks_after_the_failure(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"

    @node(output_name="y")
    def logged_picky(x: int) -> int:
        with log.open("a") as handle:
            handle.write(f"{x}\n")
        if x == 1:
            raise ValueError("one")
        time.sleep(0.02)
        return x

    with ThreadPoolExecutor(1) as single, pytest.raises(ValueError, match="one"):
        SyncRunner().map(
            Graph([logged_picky]),
            x=list(range(30)),
            map_over="x",
            executor=single,
            chunksize=1,
            max_concurrency=2,
        )
    assert _lines(log) <= 3  # items 0 and 1, and at most the one already sent after it


# -- Dask ------------------------------------------------------------------------------------


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


@pytest.mark.slow
@pytest.mark.parametrize(("graph", "inputs"), CASES)
def test_a_dask_map_equals_the_sequential_map(
    dask_executor: Executor, graph: Graph, inputs: dict[str, Any]
) -> None:
    kwargs = _map_kwargs("", inputs)
    expected = sequential(graph, **kwargs)
    got = SyncRunner().map(
        graph, error_handling="continue", executor=dask_executor, chunksize=4, **kwargs
    )
    assert fingerprint(got) == fingerprint(expected)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_an_async_dask_map_equals_the_in_process_map(dask_executor: Executor) -> None:
    for graph in (fx.failing, fx.async_graph, fx.nested):
        x: list[Any] = [[1, 2], [3]] * 5 if graph is fx.nested else XS
        expected = await AsyncRunner().map(graph, x=x, map_over="x", error_handling="continue")
        got = await AsyncRunner().map(
            graph, x=x, map_over="x", error_handling="continue", executor=dask_executor
        )
        assert fingerprint(got) == fingerprint(expected)


@pytest.mark.slow
def test_dask_raise_and_unpicklable(dask_executor: Executor) -> None:
    with pytest.raises(ValueError, match="x=3 is not welcome"):
        SyncRunner().map(fx.failing, x=XS, map_over="x", executor=dask_executor, chunksize=2)
    with pytest.raises(NotPicklableError, match="input 'x' of item 1"):
        SyncRunner().map(fx.plain, x=[1, threading.Lock()], map_over="x", executor=dask_executor)


# -- nested mapped graphs in one run --------------------------------------------------------


@pytest.mark.parametrize(
    ("graph", "x"),
    [
        (fx.nested, [1, 2, 3, 4, 5]),
        (fx.nested_continue, [1, 3, 2, 7, 0]),
    ],
)
def test_run_sends_the_items_of_a_mapped_nested_graph(
    pool: ProcessPoolExecutor, graph: Graph, x: list[int]
) -> None:
    expected = SyncRunner().run(graph, x=x)
    counting = CountingExecutor()
    got = SyncRunner().run(graph, x=x, executor=counting, chunksize=2)
    assert got.values == expected.values
    assert counting.submitted == 3  # five items, two per chunk
    assert SyncRunner().run(graph, x=x, executor=pool).values == expected.values


def test_run_re_raises_a_nested_item_failure_as_here(pool: ProcessPoolExecutor) -> None:
    with pytest.raises(ValueError, match="x=3 is not welcome") as here:
        SyncRunner().run(fx.nested_raise, x=[1, 3, 7])
    with pytest.raises(ValueError, match="x=3 is not welcome") as sent:
        SyncRunner().run(fx.nested_raise, x=[1, 3, 7], executor=pool, chunksize=1)
    there, local = get_failure_evidence(sent.value), get_failure_evidence(here.value)
    assert there is not None
    assert local is not None
    assert (there.node_name, there.inputs) == (local.node_name, local.inputs)
    assert there.node_name == "inner_failing/picky"


@pytest.mark.asyncio
async def test_async_run_sends_the_items_of_a_mapped_nested_graph(
    pool: ProcessPoolExecutor,
) -> None:
    for graph, x in ((fx.nested, [1, 2, 3]), (fx.nested_continue, [3, 1])):
        expected = await AsyncRunner().run(graph, x=x)
        got = await AsyncRunner().run(graph, x=x, executor=pool)
        assert got.values == expected.values
    with pytest.raises(ValueError, match="x=7 is not welcome"):
        await AsyncRunner().run(fx.nested_raise, x=[1, 7], executor=pool)


def test_run_with_an_executor_needs_a_mapped_nested_graph() -> None:
    with pytest.raises(ValueError, match=r"graph 'plain' has none.*map\(\.\.\., executor"):
        SyncRunner().run(fx.plain, x=1, executor=CountingExecutor())


def test_run_refuses_an_unpicklable_nested_graph_before_any_node_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_pickling, "_cloud", lambda: None)
    ran: list[int] = []

    @node(output_name="x")
    def first(n: int) -> list[int]:
        ran.append(n)
        return list(range(n))

    inner = Graph([FunctionNode(lambda x: x, name="same", output_name="y")], name="inner")
    graph = Graph([first, inner.as_node(name="each").map_over("x")], name="outer")
    with pytest.raises(NotPicklableError, match="node 'each/same'"):
        SyncRunner().run(graph, n=3, executor=CountingExecutor())
    assert ran == []


# -- pickling graphs and errors --------------------------------------------------------------


@pytest.mark.parametrize("graph", [fx.plain, fx.nested, fx.gated, fx.nested_continue])
def test_graphs_of_decorated_nodes_pickle_with_the_standard_pickle(graph: Graph) -> None:
    SyncRunner().map(graph, x=[[1]] if "nested" in (graph.name or "") else [1], map_over="x")
    copy = pickle.loads(pickle.dumps(graph))  # after a run: the caches are left behind
    assert copy.definition_hash == graph.definition_hash
    assert [n.name for n in copy.iter_nodes()] == [n.name for n in graph.iter_nodes()]
    x: list[Any] = [[1, 2], [3]] if "nested" in (graph.name or "") else [1, 2, 3]
    assert fingerprint(SyncRunner().map(copy, x=x, map_over="x", error_handling="continue")) == (
        fingerprint(SyncRunner().map(graph, x=x, map_over="x", error_handling="continue"))
    )


def test_hypergraph_errors_survive_pickling() -> None:
    from hypergraph.exceptions import InfiniteLoopError, MissingInputError

    missing = pickle.loads(pickle.dumps(MissingInputError(["a"], ["b"], "Missing required")))
    assert (missing.missing, missing.provided, missing.message) == (
        ["a"],
        ["b"],
        "Missing required",
    )
    loop = pickle.loads(pickle.dumps(InfiniteLoopError(7)))
    assert loop.max_iterations == 7
    assert str(loop) == "Graph execution exceeded 7 iterations"
    sent = pickle.loads(pickle.dumps(NotPicklableError("m", node_name="n", item_index=2)))
    assert (sent.node_name, sent.item_index, str(sent)) == ("n", 2, "m")


SCRIPT = """
import sys
from hypergraph import Graph, SyncRunner, node

@node(output_name="y")
def triple(x: int) -> int:
    return 3 * x

if __name__ == "__main__":
    graph = Graph([triple], name="script")
    if sys.argv[1] == "pool":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
            print(SyncRunner().map(graph, x=[1, 2], map_over="x", executor=ex)["y"])
    else:
        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=1, processes=True, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                ex = client.get_executor()
                print(SyncRunner().map(graph, x=[1, 2], map_over="x", executor=ex)["y"])
"""


@pytest.mark.parametrize("where", ["pool", pytest.param("dask", marks=pytest.mark.slow)])
def test_nodes_of_a_script_run_on_workers(tmp_path: Path, where: str) -> None:
    """`@node` functions of `__main__`: by reference for a process pool (its workers re-run the
    script's imports), by value with cloudpickle for Dask (whose workers have another main)."""
    if where == "dask":
        pytest.importorskip("distributed")
    script = tmp_path / "script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), where],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.stdout.strip().splitlines()[-1:] == ["[3, 6]"], done.stderr


def test_items_go_in_chunks_of_the_documented_size() -> None:
    for count, chunksize, calls in ((300, None, 30), (300, 7, 43), (10, None, 10), (0, None, 0)):
        executor = CountingExecutor()
        got = SyncRunner().map(
            fx.plain, x=list(range(count)), map_over="x", executor=executor, chunksize=chunksize
        )
        assert got["z"] == [x * x + 1 for x in range(count)]
        assert executor.submitted == calls


def test_a_worker_that_cannot_import_the_nodes_says_so(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as single:
        SyncRunner().map(fx.plain, x=[1], map_over="x", executor=single)  # worker started
        (tmp_path / "only_here.py").write_text(
            "from hypergraph import node\n\n"
            "@node(output_name='y')\ndef here(x: int) -> int:\n    return x\n",
            encoding="utf-8",
        )
        sys.path.insert(0, str(tmp_path))
        try:
            import only_here

            graph = Graph([only_here.here], name="only_here")
            with pytest.raises(RuntimeError, match=r"could not unpickle.*only_here"):
                SyncRunner().map(graph, x=[1, 2], map_over="x", executor=single)
        finally:
            sys.path.remove(str(tmp_path))
            sys.modules.pop("only_here", None)
