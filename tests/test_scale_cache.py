"""Executor maps and the runner's cache (issues 15 and 19 together): items on a thread pool
share the runner's cache; a cache cannot reach other processes, so a map of a graph with
cached nodes on a process executor is refused before anything is sent, and so is a compiled
module with run_many and a cached node."""

from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from codegen import compile_graph
from codegen.errors import CompileError
from hypergraph import AsyncRunner, FunctionNode, Graph, InMemoryCache, SyncRunner
from hypergraph.plan import cached_paths
from hypergraph.runners import _executor

CALLS: list[int] = []


def slow_square(x: int) -> int:
    CALLS.append(x)
    return x * x


def plus_one(y: int) -> int:
    return y + 1


def cached_graph() -> Graph:
    return Graph(
        [
            FunctionNode(slow_square, output_name="y", cache=True),
            FunctionNode(plus_one, output_name="z"),
        ],
        name="cached",
    )


def nested_cached_graph() -> Graph:
    inner = cached_graph().as_node(name="inner").map_over("x")
    return Graph([inner], name="outer")


XS = [1, 2, 3, 1, 2, 3, 4]


def _values(result: Any) -> list[dict[str, Any]]:
    return [dict(r.values) for r in result.results]


@pytest.fixture(autouse=True)
def _clear() -> None:
    CALLS.clear()


def test_a_thread_pool_map_uses_the_runners_cache() -> None:
    runner = SyncRunner(cache=InMemoryCache())
    expected = _values(SyncRunner().map(cached_graph(), x=XS, map_over="x"))
    with ThreadPoolExecutor(2) as pool:
        first = runner.map(cached_graph(), x=XS, map_over="x", executor=pool, chunksize=2)
        assert _values(first) == expected
        CALLS.clear()
        again = runner.map(cached_graph(), x=XS, map_over="x", executor=pool)
    assert _values(again) == expected
    assert CALLS == []  # every item was served from the cache the first map filled


def test_an_async_thread_pool_map_uses_the_runners_cache() -> None:
    runner = AsyncRunner(cache=InMemoryCache())

    async def main() -> list[list[dict[str, Any]]]:
        with ThreadPoolExecutor(2) as pool:
            first = await runner.map(cached_graph(), x=XS, map_over="x", executor=pool)
            CALLS.clear()
            again = await runner.map(cached_graph(), x=XS, map_over="x", executor=pool)
        return [_values(first), _values(again)]

    first, again = asyncio.run(main())
    assert CALLS == []
    assert first == again == _values(SyncRunner().map(cached_graph(), x=XS, map_over="x"))


def test_a_cached_map_on_another_process_is_refused_before_sending() -> None:
    pool = ProcessPoolExecutor(1)  # never started: the refusal comes before any submit
    try:
        with pytest.raises(ValueError, match=r"node 'slow_square' has cache=True.*InMemoryCache"):
            SyncRunner(cache=InMemoryCache()).map(cached_graph(), x=XS, map_over="x", executor=pool)
        with pytest.raises(ValueError, match="node 'slow_square' has cache=True"):
            asyncio.run(
                AsyncRunner(cache=InMemoryCache()).map(
                    cached_graph(), x=XS, map_over="x", executor=pool
                )
            )
        with pytest.raises(ValueError, match=r"node 'inner/slow_square' has cache=True"):
            SyncRunner(cache=InMemoryCache()).run(nested_cached_graph(), x=XS, executor=pool)
    finally:
        pool.shutdown()
    assert CALLS == []


def test_without_a_runner_cache_or_cached_nodes_nothing_is_refused() -> None:
    pool = ProcessPoolExecutor(1)
    try:
        _executor.check_cache_reach(cached_graph(), pool, None)  # no runner cache
        plain = Graph([FunctionNode(plus_one, output_name="z")])
        cache = _executor.RunCache(InMemoryCache())
        _executor.check_cache_reach(plain, pool, cache)  # nothing cached
        with pytest.raises(ValueError, match="slow_square"):
            _executor.check_cache_reach(cached_graph(), pool, cache)
    finally:
        pool.shutdown()


def test_run_many_with_a_cached_node_is_refused_clearly() -> None:
    with pytest.raises(CompileError, match=r"node 'slow_square' has cache=True.*run_many"):
        compile_graph(cached_graph(), run_many=True)
    compile_graph(cached_graph())  # the cache alone compiles


def test_cached_paths_name_active_cached_nodes_at_any_depth() -> None:
    assert cached_paths(cached_graph()) == ("slow_square",)
    assert cached_paths(nested_cached_graph()) == ("inner/slow_square",)
    assert cached_paths(cached_graph().select("y")) == ("slow_square",)
    assert cached_paths(Graph([FunctionNode(plus_one, output_name="z")])) == ()
