"""Nested and mapped graphs under AsyncRunner: concurrency of items, max_concurrency across
nesting, cancellation on a failed item (API.md 5.7 and 6)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from concurrency import Rendezvous

from hypergraph import AsyncRunner, Graph, RunStatus, get_failure_evidence, node

NAP = 0.1
ITEMS = 8


class Boom(Exception):
    pass


class InFlight:
    """Counts concurrent executions and remembers the peak (thread-safe)."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


def sleepy_graph(counter: InFlight, kind: str, meet: Rendezvous | None = None) -> Graph:
    """Items that nap; with `meet`, the first `meet.parties` items wait for each other."""
    if kind == "async":

        @node(output_name="y")
        async def work(x: int) -> int:
            counter.enter()
            try:
                if meet and x < meet.parties:
                    await meet.wait_async()
                else:
                    await asyncio.sleep(NAP)
            finally:
                counter.leave()
            return x * 2

    else:

        @node(output_name="y")
        def work(x: int) -> int:
            counter.enter()
            try:
                if meet and x < meet.parties:
                    meet.wait()
                else:
                    time.sleep(NAP)
            finally:
                counter.leave()
            return x * 2

    return Graph([work], name="sleepy")


def other_tasks() -> set[asyncio.Task[object]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current}


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["async", "def"])
async def test_mapped_items_run_concurrently(kind):
    # events, not seconds: the first items wait for each other (all of them for tasks; four
    # for threads, fewer than any default worker pool on a 1-core machine)
    meet = Rendezvous(ITEMS if kind == "async" else 4)
    counter = InFlight()
    m = sleepy_graph(counter, kind, meet).as_node().map_over("x")
    r = await AsyncRunner().run(Graph([m]), x=list(range(ITEMS)))
    assert r["y"] == [2 * i for i in range(ITEMS)]
    assert meet.complete
    assert counter.peak >= meet.parties


@pytest.mark.asyncio
async def test_inline_def_items_run_one_after_another():
    counter = InFlight()
    m = sleepy_graph(counter, "def").as_node().map_over("x")
    r = await AsyncRunner(sync_nodes="inline").run(Graph([m]), x=[1, 2, 3])
    assert r["y"] == [2, 4, 6]
    assert counter.peak == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["async", "def"])
@pytest.mark.parametrize("where", ["runner", "run"])
async def test_mapped_items_stay_within_max_concurrency(kind, where):
    counter = InFlight()
    m = sleepy_graph(counter, kind).as_node().map_over("x")
    if where == "runner":
        r = await AsyncRunner(max_concurrency=3).run(Graph([m]), x=list(range(ITEMS)))
    else:
        r = await AsyncRunner().run(Graph([m]), x=list(range(ITEMS)), max_concurrency=3)
    assert r["y"] == [2 * i for i in range(ITEMS)]
    assert counter.peak == 3


@pytest.mark.asyncio
async def test_max_concurrency_counts_nested_nodes_and_map_items_together():
    counter = InFlight()
    inner = sleepy_graph(counter, "async")
    middle = Graph([inner.as_node().map_over("x")], name="middle")

    @node(output_name="other")
    async def sibling(a: int) -> int:
        counter.enter()
        try:
            await asyncio.sleep(NAP)
        finally:
            counter.leave()
        return a

    outer = Graph([middle.as_node(), sibling])
    r = await AsyncRunner().run(outer, x=[1, 2, 3, 4], a=0, max_concurrency=2)
    assert r.values == {"y": [2, 4, 6, 8], "other": 0}
    assert counter.peak == 2


@pytest.mark.asyncio
async def test_failed_item_cancels_the_others_and_nothing_stays_alive():
    error = Boom("first")
    finished: list[int] = []

    @node(output_name="y")
    async def work(x: int) -> int:
        if x == 0:
            await asyncio.sleep(0.01)
            raise error
        await asyncio.sleep(1)
        finished.append(x)
        return x

    m = Graph([work], name="inner").as_node().map_over("x")
    before = other_tasks()
    with pytest.raises(Boom) as info:
        await AsyncRunner().run(Graph([m], name="outer"), x=[0, 1, 2])
    assert info.value is error  # raised without waiting: `finished` below stays empty
    evidence = get_failure_evidence(info.value)
    assert evidence is not None
    assert evidence.node_name == "inner/work"
    assert finished == []
    assert other_tasks() <= before


@pytest.mark.asyncio
async def test_continue_runs_every_item_concurrently():
    meet = Rendezvous(6)

    @node(output_name="y")
    async def work(x: int) -> int:
        await meet.wait_async()  # every item runs before any fails
        if x % 2:
            raise Boom(str(x))
        return x

    m = Graph([work], name="inner").as_node().map_over("x", error_handling="continue")
    r = await AsyncRunner().run(Graph([m]), x=list(range(6)))
    assert meet.complete
    assert r.status is RunStatus.COMPLETED
    assert r["y"] == [0, None, 2, None, 4, None]


@pytest.mark.asyncio
async def test_runner_map_over_a_graph_holding_a_mapped_graph_node():
    @node(output_name="y")
    async def work(x: int, k: int) -> int:
        await asyncio.sleep(0)
        return x * k

    m = Graph([work], name="inner").as_node().map_over("x")
    result = await AsyncRunner().map(Graph([m]), x=[1, 2], k=[1, 10], map_over="k")
    assert result["y"] == [[1, 2], [10, 20]]


@pytest.mark.asyncio
async def test_items_failing_together_leave_no_unretrieved_task_exception():
    """Several mapped items fail in the same moment: the lowest-index error is raised, and
    asyncio has no task exception left to report as never retrieved."""
    import gc

    @node(output_name="y")
    async def boom(x: int) -> int:
        await asyncio.sleep(0)
        raise ValueError(f"item {x}")

    outer = Graph([Graph([boom], name="inner").as_node(name="each").map_over("x")])
    reported = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    with pytest.raises(ValueError, match="item 1"):
        await AsyncRunner().run(outer, x=[1, 2, 3])
    gc.collect()
    await asyncio.sleep(0)
    assert reported == []
