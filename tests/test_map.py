"""map() on both runners: zip/product, MapResult, errors, max_concurrency (API.md 5.3-5.4)."""

from __future__ import annotations

import asyncio
import time

import pytest
from concurrency import Rendezvous

from hypergraph import AsyncRunner, Graph, GraphConfigError, MapResult, RunStatus, SyncRunner, node


@node(output_name="y")
def scale(x: int, factor: int = 1) -> int:
    return x * factor


class Boom(Exception):
    pass


async def amap(graph, *args, **kwargs) -> MapResult:
    return await AsyncRunner().map(graph, *args, **kwargs)


def both_runners(graph, *args, **kwargs) -> list[MapResult]:
    """The same map() call on SyncRunner and AsyncRunner."""
    return [
        SyncRunner().map(graph, *args, **kwargs),
        asyncio.run(AsyncRunner().map(graph, *args, **kwargs)),
    ]


def test_zip_over_one_input_broadcasts_the_rest():
    for mr in both_runners(Graph([scale]), {"x": [1, 2, 3], "factor": 10}, map_over="x"):
        assert isinstance(mr, MapResult)
        assert mr["y"] == [10, 20, 30]
        assert len(mr) == 3
        assert mr.status is RunStatus.COMPLETED
        assert mr.completed
        assert not mr.failed
        assert not mr.partial
        assert not mr.any_failed
        assert mr.map_over == ("x",)
        assert mr.map_mode == "zip"
        assert mr.run_id.startswith("run-")


def test_zip_over_two_inputs():
    for mr in both_runners(Graph([scale]), x=[1, 2], factor=[5, 7], map_over=["x", "factor"]):
        assert mr["y"] == [5, 14]


def test_product_mode_in_map_over_order():
    for mr in both_runners(
        Graph([scale]), x=[1, 2], factor=[10, 100], map_over=["x", "factor"], map_mode="product"
    ):
        assert mr["y"] == [10, 100, 20, 200]
        assert mr.map_mode == "product"


def test_product_accepts_any_iterable():
    mr = SyncRunner().map(
        Graph([scale]), x=range(2), factor=(3, 4), map_over=["x", "factor"], map_mode="product"
    )
    assert mr["y"] == [0, 0, 3, 4]


def test_empty_mapped_list_gives_empty_completed_result():
    for mr in both_runners(Graph([scale]), x=[], map_over="x"):
        assert len(mr) == 0
        assert mr.status is RunStatus.COMPLETED
        assert mr["y"] == []


def test_zip_unequal_lengths_lists_them():
    with pytest.raises(ValueError, match=r"x=2.*factor=3"):
        SyncRunner().map(Graph([scale]), x=[1, 2], factor=[1, 2, 3], map_over=["x", "factor"])
    with pytest.raises(ValueError, match="zip"):
        asyncio.run(amap(Graph([scale]), x=[1, 2], factor=[1, 2, 3], map_over=["x", "factor"]))


def test_bad_map_mode_and_unknown_map_over():
    with pytest.raises(ValueError, match="map_mode"):
        SyncRunner().map(Graph([scale]), x=[1], map_over="x", map_mode="cartesian")
    with pytest.raises(KeyError, match="factor"):
        SyncRunner().map(Graph([scale]), x=[1], map_over="factor")
    with pytest.raises(KeyError, match="map_over names 'nope'"):
        asyncio.run(amap(Graph([scale]), x=[1], map_over="nope"))


def test_map_result_sequence_protocol_and_accessors():
    mr = SyncRunner().map(Graph([scale]), x=[1, 2, 3], map_over="x")
    assert mr[0]["y"] == 1
    assert [r["y"] for r in mr[1:]] == [2, 3]
    assert mr.get("missing", "-") == ["-", "-", "-"]
    assert mr["missing"] == [None, None, None]
    assert "3 items" in mr.summary()
    assert mr.total_duration_ms >= 0
    assert mr.results[2]["y"] == 3


def _sometimes_failing():
    @node(output_name="y")
    def maybe(x):
        if x < 0:
            raise Boom(f"negative {x}")
        return x

    return Graph([maybe])


def test_continue_gives_partial_status_and_none_values():
    for mr in both_runners(
        _sometimes_failing(), x=[1, -1, 2], map_over="x", error_handling="continue"
    ):
        assert mr.status is RunStatus.PARTIAL
        assert mr.partial
        assert mr.any_failed
        assert mr["y"] == [1, None, 2]
        assert len(mr.failures) == 1
        assert isinstance(mr.failures[0].error, Boom)


def test_all_failed_is_failed():
    for mr in both_runners(
        _sometimes_failing(), x=[-1, -2], map_over="x", error_handling="continue"
    ):
        assert mr.status is RunStatus.FAILED
        assert mr.failed


def test_sync_raise_stops_at_first_failed_item():
    seen: list[int] = []

    @node(output_name="y")
    def record(x):
        seen.append(x)
        if x < 0:
            raise Boom(str(x))
        return x

    with pytest.raises(Boom, match="-1"):
        SyncRunner().map(Graph([record]), x=[1, -1, 2, -2], map_over="x")
    assert seen == [1, -1]


@pytest.mark.asyncio
async def test_async_raise_reraises_lowest_index_failure():
    @node(output_name="y")
    async def record(x):
        # later items fail first
        await asyncio.sleep(0.01 * (10 - abs(x)))
        if x < 0:
            raise Boom(str(x))
        return x

    with pytest.raises(Boom) as info:
        await AsyncRunner().map(Graph([record]), x=[1, -2, -3], map_over="x")
    assert str(info.value) == "-2"


@pytest.mark.asyncio
async def test_async_raise_starts_no_new_item_after_failure():
    started: list[int] = []

    @node(output_name="y")
    async def record(x):
        started.append(x)
        await asyncio.sleep(0.01)
        if x == 0:
            raise Boom
        return x

    with pytest.raises(Boom):
        await AsyncRunner().map(Graph([record]), x=list(range(6)), map_over="x", max_concurrency=1)
    assert started == [0]


@pytest.mark.asyncio
async def test_async_items_run_concurrently_and_max_concurrency_limits():
    meet = Rendezvous(4)

    @node(output_name="y")
    async def together(x):
        await meet.wait_async()  # returns once all four items run
        return x

    mr = await AsyncRunner().map(Graph([together]), x=[1, 2, 3, 4], map_over="x")
    assert meet.complete
    assert mr["y"] == [1, 2, 3, 4]

    @node(output_name="y")
    async def nap(x):
        await asyncio.sleep(0.2)
        return x

    g = Graph([nap])
    start = time.perf_counter()
    mr = await AsyncRunner().map(g, x=[1, 2, 3, 4], map_over="x", max_concurrency=2)
    assert time.perf_counter() - start >= 0.38
    assert mr["y"] == [1, 2, 3, 4]


@pytest.mark.asyncio
async def test_async_max_concurrency_counts_nodes_across_items():
    in_flight = 0
    peak = 0

    @node(output_name="a")
    async def left(x):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return x

    @node(output_name="b")
    async def right(x):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return x

    mr = await AsyncRunner().map(
        Graph([left, right]), x=list(range(5)), map_over="x", max_concurrency=3
    )
    assert peak == 3
    assert mr["a"] == mr["b"] == list(range(5))


@pytest.mark.asyncio
async def test_async_map_results_in_item_order():
    @node(output_name="y")
    async def nap(x):
        await asyncio.sleep(0.01 * (5 - x))
        return x

    mr = await AsyncRunner().map(Graph([nap]), x=[0, 1, 2, 3, 4], map_over="x")
    assert mr["y"] == [0, 1, 2, 3, 4]


def test_too_many_unbounded_async_items():
    with pytest.raises(ValueError, match="max_concurrency"):
        asyncio.run(amap(Graph([scale]), x=list(range(10_001)), map_over="x"))


def test_clone_deep_copies_broadcast_inputs():
    @node(output_name="out")
    def mutate(x, bucket):
        bucket.append(x)
        return list(bucket)

    g = Graph([mutate])
    shared = SyncRunner().map(g, x=[1, 2], bucket=[], map_over="x")
    assert shared["out"] == [[1], [1, 2]]
    cloned = SyncRunner().map(g, x=[1, 2], bucket=[], map_over="x", clone=True)
    assert cloned["out"] == [[1], [2]]
    named = SyncRunner().map(g, x=[1, 2], bucket=[], map_over="x", clone=["bucket"])
    assert named["out"] == [[1], [2]]


def test_clone_of_uncopyable_value_is_graph_config_error():
    import threading

    @node(output_name="out")
    def use(x, guard):
        return x

    with pytest.raises(GraphConfigError, match="guard"):
        SyncRunner().map(Graph([use]), x=[1], guard=threading.Lock(), map_over="x", clone=["guard"])


def test_item_validation_errors_become_failed_items():
    @node(output_name="y")
    def f(x):
        return x

    @node(output_name="z")
    def g_(y, needed):
        return y

    g = Graph([f, g_])
    mr = SyncRunner().map(g, x=[1, 2], map_over="x", error_handling="continue")
    assert mr.status is RunStatus.FAILED
    assert all(type(r.error).__name__ == "MissingInputError" for r in mr)


def test_map_with_select():
    @node(output_name="a")
    def first(x):
        return x + 1

    @node(output_name="b")
    def second(a):
        return a * 2

    mr = SyncRunner().map(Graph([first, second]), x=[1, 2], map_over="x", select="a")
    assert [r.values for r in mr] == [{"a": 2}, {"a": 3}]


@pytest.mark.asyncio
async def test_failed_item_evidence_carries_its_index_on_both_runners():
    """API 5.4: FailureEvidence.item_index names the map item that failed."""

    @node(output_name="y")
    def picky(x: int) -> int:
        if x == 2:
            raise ValueError("two")
        return x

    graph = Graph([picky])
    sync = SyncRunner().map(graph, x=[1, 2, 3], map_over="x", error_handling="continue")
    async_ = await AsyncRunner().map(graph, x=[1, 2, 3], map_over="x", error_handling="continue")
    for result in (sync, async_):
        assert result["y"] == [1, None, 3]
        [failed] = result.failures
        assert failed.failure is not None
        assert failed.failure.item_index == 1
        assert failed.failure.node_name == "picky"
