"""Issue 15, caching in the runners: `cache=True` on nodes and gates, a runner `cache=` backend,
hits and misses counted by calls, invalidation, copy semantics, LRU, bad values, broken
backends, nested graphs and maps, and identical concurrent calls computed once."""

from __future__ import annotations

import asyncio
import threading
import warnings
from typing import Any

import pytest

from hypergraph import (
    END,
    AsyncRunner,
    CacheBackend,
    CacheKeyError,
    Graph,
    GraphConfigError,
    InMemoryCache,
    SyncRunner,
    ifelse,
    node,
    route,
)


class Counter:
    def __init__(self) -> None:
        self.calls: list[Any] = []


def counted_double(counter: Counter) -> Any:
    @node(output_name="y", cache=True)
    def double(x: Any) -> Any:
        counter.calls.append(x)
        return [x, x]

    return double


@node(output_name="z")
def tail(y: Any) -> Any:
    return y


# -- hits and misses ------------------------------------------------------------------------


def test_a_second_run_with_the_same_inputs_is_served_from_the_cache() -> None:
    counter = Counter()
    graph = Graph([counted_double(counter), tail])
    runner = SyncRunner(cache=InMemoryCache())
    first = runner.run(graph, x=3)
    second = runner.run(graph, x=3)
    assert first.values == second.values == {"y": [3, 3], "z": [3, 3]}
    assert counter.calls == [3]
    runner.run(graph, x=4)  # other inputs: a miss
    assert counter.calls == [3, 4]


@pytest.mark.parametrize("value", [1, 1.0, True, "1", (1,), [1], {"1": 1}])
def test_values_equal_by_eq_but_of_another_type_are_other_keys(value: Any) -> None:
    counter = Counter()
    graph = Graph([counted_double(counter)])
    runner = SyncRunner(cache=InMemoryCache())
    runner.run(graph, x=1)
    runner.run(graph, x=value)
    assert len(counter.calls) == (1 if value == 1 and type(value) is int else 2)


def test_without_a_runner_cache_a_cached_node_computes_every_time() -> None:
    counter = Counter()
    graph = Graph([counted_double(counter)])
    SyncRunner().run(graph, x=1)
    SyncRunner().run(graph, x=1)
    assert counter.calls == [1, 1]


def test_defaults_and_binds_are_part_of_the_key() -> None:
    calls: list[int] = []

    @node(output_name="y", cache=True)
    def add(x: int, k: int = 10) -> int:
        calls.append(x)
        return x + k

    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([add])
    assert runner.run(graph, x=1)["y"] == 11
    assert runner.run(graph, x=1)["y"] == 11
    assert runner.run(graph, x=1, k=5)["y"] == 6
    assert runner.run(graph.bind(k=7), x=1)["y"] == 8
    assert runner.run(graph.bind(k=7), x=1)["y"] == 8
    assert calls == [1, 1, 1]


def test_an_edited_function_does_not_read_the_entries_of_its_old_body() -> None:
    cache = InMemoryCache()

    def build(body: str) -> Graph:
        namespace: dict[str, Any] = {}
        exec(f"def compute(x):\n    return {body}\n", namespace)
        return Graph([node(namespace["compute"], output_name="y", cache=True)])

    runner = SyncRunner(cache=cache)
    assert runner.run(build("x + 1"), x=1)["y"] == 2
    assert runner.run(build("x + 1"), x=1)["y"] == 2  # the same code: a hit
    assert len(cache) == 1
    assert runner.run(build("x * 100"), x=1)["y"] == 100  # new body: never the stale 2
    assert len(cache) == 2


def test_a_renamed_node_is_a_different_definition() -> None:
    counter = Counter()
    double = counted_double(counter)
    runner = SyncRunner(cache=InMemoryCache())
    runner.run(Graph([double]), x=1)
    runner.run(Graph([double.with_name("twice")]), x=1)
    assert counter.calls == [1, 1]


# -- copies -------------------------------------------------------------------------------


def test_a_hit_is_a_fresh_copy_equal_to_the_computed_value() -> None:
    counter = Counter()

    @node(output_name="z")
    def spoil(y: list[Any]) -> list[Any]:
        y.append("spoiled")  # a downstream node mutating its input
        return y

    graph = Graph([counted_double(counter), spoil])
    runner = SyncRunner(cache=InMemoryCache())
    assert runner.run(graph, x=1)["z"] == [1, 1, "spoiled"]
    second = runner.run(graph, x=1)
    assert second["z"] == [1, 1, "spoiled"]  # not [1, 1, "spoiled", "spoiled"]
    assert second["y"] is not runner.run(graph, x=1)["y"]
    assert counter.calls == [1]


def test_lru_drops_the_least_recently_used_entry() -> None:
    counter = Counter()
    graph = Graph([counted_double(counter)])
    cache = InMemoryCache(max_size=2)
    runner = SyncRunner(cache=cache)
    for x in (1, 2, 1, 3):  # 1 was used after 2: 2 goes when 3 arrives
        runner.run(graph, x=x)
    assert len(cache) == 2
    runner.run(graph, x=1)
    assert counter.calls == [1, 2, 3]
    runner.run(graph, x=2)
    assert counter.calls == [1, 2, 3, 2]


@pytest.mark.parametrize("size", [0, -1, 1.5, True, "3"])
def test_a_bad_max_size_is_refused(size: Any) -> None:
    with pytest.raises(ValueError, match="max_size must be an int >= 1 or None"):
        InMemoryCache(max_size=size)


# -- gates, nested graphs, maps -------------------------------------------------------------


def test_a_cached_gate_replays_its_decision() -> None:
    decided: list[int] = []

    @ifelse("big", "small", cache=True)
    def is_big(x: int) -> bool:
        decided.append(x)
        return x > 10

    @node(output_name="label")
    def big(x: int) -> str:
        return "big"

    @node(output_name="label")
    def small(x: int) -> str:
        return "small"

    graph = Graph([is_big, big, small])
    runner = SyncRunner(cache=InMemoryCache())
    assert runner.run(graph, x=50).values == {"_is_big": True, "label": "big"}
    assert runner.run(graph, x=50).values == {"_is_big": True, "label": "big"}
    assert runner.run(graph, x=1)["label"] == "small"
    assert decided == [50, 1]


@pytest.mark.asyncio
async def test_a_cached_route_replays_end_under_async_runner() -> None:
    decided: list[int] = []

    @route(["work", END], cache=True)
    def decide(x: int) -> Any:
        decided.append(x)
        return END if x < 0 else "work"

    @node(output_name="out")
    def work(x: int) -> int:
        return x

    runner = AsyncRunner(cache=InMemoryCache())
    graph = Graph([decide, work])
    for _ in range(2):
        result = await runner.run(graph, x=-1)
        assert result["_decide"] is END
        assert "out" not in result
    assert decided == [-1]


def test_nested_graphs_use_the_parent_runners_cache() -> None:
    counter = Counter()
    inner = Graph([counted_double(counter)], name="inner")
    outer = Graph([inner.as_node(), tail])
    runner = SyncRunner(cache=InMemoryCache())
    assert runner.run(outer, x=2)["z"] == [2, 2]
    assert runner.run(outer, x=2)["z"] == [2, 2]
    assert counter.calls == [2]
    mapped = Graph([inner.as_node(name="each").map_over("x")])
    assert runner.run(mapped, x=[2, 5, 5])["y"] == [[2, 2], [5, 5], [5, 5]]
    assert counter.calls == [2, 5]


def test_map_items_share_the_cache() -> None:
    counter = Counter()
    graph = Graph([counted_double(counter)])
    result = SyncRunner(cache=InMemoryCache()).map(graph, x=[1, 2, 1, 1], map_over="x")
    assert result["y"] == [[1, 1], [2, 2], [1, 1], [1, 1]]
    assert counter.calls == [1, 2]


def test_cache_true_on_a_nested_graph_is_a_graph_config_error() -> None:
    inner = Graph([tail], name="inner").as_node()
    inner.cache = True
    with pytest.raises(GraphConfigError, match=r"'inner': cache=True on a nested graph"):
        Graph([inner])


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_generators_cannot_be_cached(kind: str) -> None:
    if kind == "sync":

        def numbers(n: int) -> Any:
            yield from range(n)

    else:

        async def numbers(n: int) -> Any:  # type: ignore[misc]
            yield n

    with pytest.raises(ValueError, match="generator node 'numbers' cannot have cache"):
        node(numbers, output_name="items", cache=True)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_cache_must_be_a_bool(value: Any) -> None:
    def plain(x: int) -> int:
        return x

    with pytest.raises(TypeError, match="'plain': cache must be True or False"):
        node(plain, output_name="y", cache=value)
    with pytest.raises(TypeError, match="'plain': cache must be True or False"):
        ifelse("a", "b", cache=value)(plain)


# -- values that cannot be keyed or stored --------------------------------------------------


def test_an_input_that_cannot_be_keyed_is_an_error_naming_node_and_parameter() -> None:
    counter = Counter()
    graph = Graph([counted_double(counter)])
    runner = SyncRunner(cache=InMemoryCache())
    with pytest.raises(CacheKeyError) as info:
        runner.run(graph, x={"items": [1, threading.Lock()]})
    error = info.value
    assert isinstance(error, TypeError)
    assert (error.node_name, error.parameter) == ("double", "x")
    assert "x['items'][1] is a _thread.lock object" in str(error)
    assert "remove cache=True" in str(error)
    assert counter.calls == []  # refused before the call
    failed = runner.run(graph, x=threading.Lock(), error_handling="continue")
    assert isinstance(failed.error, CacheKeyError)


def test_a_result_that_cannot_be_pickled_is_returned_and_not_cached_with_a_warning() -> None:
    calls: list[int] = []

    @node(output_name="lock", cache=True)
    def make_lock(x: int) -> Any:
        calls.append(x)
        return threading.Lock()

    cache = InMemoryCache()
    runner = SyncRunner(cache=cache)
    with pytest.warns(UserWarning, match=r"node 'make_lock': its result \(lock\) was not cached"):
        result = runner.run(Graph([make_lock]), x=1)
    assert hasattr(result["lock"], "acquire")
    assert len(cache) == 0
    with pytest.warns(UserWarning, match="was not cached"):
        runner.run(Graph([make_lock]), x=1)
    assert calls == [1, 1]


class DictCache:
    """A user's backend: structural, no base class."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.gets = 0

    def get(self, key: str) -> tuple[bool, Any]:
        self.gets += 1
        return (key in self.data, self.data.get(key))

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value


def test_any_object_with_get_and_set_is_a_backend() -> None:
    backend = DictCache()
    assert isinstance(backend, CacheBackend)
    counter = Counter()
    graph = Graph([counted_double(counter)])
    runner = SyncRunner(cache=backend)
    runner.run(graph, x=1)
    runner.run(graph, x=1)
    assert counter.calls == [1]
    assert backend.gets == 2
    assert len(backend.data) == 1
    (key,) = backend.data
    assert len(key) == 64
    assert int(key, 16) >= 0


class BrokenCache:
    def get(self, key: str) -> tuple[bool, Any]:
        raise ConnectionError("cache server down")

    def set(self, key: str, value: Any) -> None:
        raise ConnectionError("cache server down")


def test_a_failing_backend_is_a_warned_miss_never_a_failed_run() -> None:
    counter = Counter()
    graph = Graph([counted_double(counter)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = SyncRunner(cache=BrokenCache()).run(graph, x=1)
    assert result["y"] == [1, 1]
    messages = [str(w.message) for w in caught]
    assert any("could not be read" in m and "cache server down" in m for m in messages)
    assert any("was not cached" in m for m in messages)


# -- AsyncRunner ----------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["async", "thread", "inline"])
async def test_async_runner_hits_in_every_mode(mode: str) -> None:
    calls: list[int] = []
    if mode == "async":

        @node(output_name="y", cache=True)
        async def compute(x: int) -> int:
            calls.append(x)
            return x * 2

    else:

        @node(output_name="y", cache=True)
        def compute(x: int) -> int:
            calls.append(x)
            return x * 2

    runner = AsyncRunner(
        cache=InMemoryCache(), sync_nodes="inline" if mode == "inline" else "thread"
    )
    graph = Graph([compute, tail.rename_inputs(y="y")])
    for _ in range(3):
        assert (await runner.run(graph, x=4)).values == {"y": 8, "z": 8}
    assert calls == [4]


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["async", "thread"])
async def test_identical_concurrent_calls_compute_once(mode: str) -> None:
    calls: list[int] = []
    started = asyncio.Event()
    release = threading.Event()

    if mode == "async":

        @node(output_name="y", cache=True)
        async def slow(x: int) -> int:
            calls.append(x)
            started.set()
            while not release.is_set():
                await asyncio.sleep(0.001)
            return x * 10

    else:

        @node(output_name="y", cache=True)
        def slow(x: int) -> int:
            calls.append(x)
            release.wait(10)
            return x * 10

    runner = AsyncRunner(cache=InMemoryCache())
    mapped = asyncio.ensure_future(runner.map(Graph([slow]), x=[1, 1, 2, 1, 2], map_over="x"))
    while len(calls) < 2:  # both distinct values started; the others wait for them
        await asyncio.sleep(0.001)
    release.set()
    result = await mapped
    assert result["y"] == [10, 10, 20, 10, 20]
    assert sorted(calls) == [1, 2]


@pytest.mark.asyncio
async def test_a_failed_leader_lets_a_waiting_call_compute_for_itself() -> None:
    calls: list[int] = []
    gate = asyncio.Event()

    @node(output_name="y", cache=True)
    async def once_bad(x: int) -> int:
        calls.append(x)
        if len(calls) == 1:
            await gate.wait()
            raise RuntimeError("first call fails")
        return x

    async def release_soon() -> None:
        while len(calls) < 1:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.01)
        gate.set()

    runner = AsyncRunner(cache=InMemoryCache())
    releaser = asyncio.ensure_future(release_soon())
    result = await runner.map(Graph([once_bad]), x=[7, 7], map_over="x", error_handling="continue")
    await releaser
    assert [r.status.value for r in result] == ["failed", "completed"]
    assert result[1]["y"] == 7
    assert calls == [7, 7]


def test_a_runner_refuses_a_cache_that_is_no_backend() -> None:
    with pytest.raises(TypeError, match=r"get\(key\) and set\(key, value\)"):
        AsyncRunner(cache={})  # type: ignore[arg-type]
