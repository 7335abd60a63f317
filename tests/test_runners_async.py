"""AsyncRunner: concurrency, threads vs inline, cancellation on failure (API.md 5.1-5.7)."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from concurrency import Rendezvous

from hypergraph import (
    AsyncRunner,
    Graph,
    RunnerCapabilities,
    RunStatus,
    SyncRunner,
    get_failure_evidence,
    node,
)
from hypergraph.runners.async_ import AsyncRunner as AsyncRunnerFromModule

# Two 0.2 s sleeps: concurrent runs must stay well under 0.4 s, sequential ones reach it.
NAP = 0.2
SEQUENTIAL_MIN = 0.38  # two naps one after the other (a lower bound holds under any load)


class Boom(Exception):
    pass


def other_tasks() -> set[asyncio.Task[object]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current}


# -- basics ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_basic_run_with_all_node_kinds():
    @node(output_name="doubled")
    def double(x: int) -> int:
        return x * 2

    @node(output_name="result")
    async def add_one(doubled: int) -> int:
        await asyncio.sleep(0)
        return doubled + 1

    g = Graph([double, add_one])
    r = await AsyncRunner().run(g, {"x": 5})
    assert r.values == {"doubled": 10, "result": 11}
    assert r.status is RunStatus.COMPLETED
    assert (await AsyncRunner().run(g, x=5)).values == r.values


def test_run_is_a_coroutine_function_and_capabilities():
    runner = AsyncRunner()
    assert inspect.iscoroutinefunction(runner.run)
    assert inspect.iscoroutinefunction(runner.map)
    caps = runner.capabilities
    assert isinstance(caps, RunnerCapabilities)
    assert caps.supports_async_nodes
    assert caps.returns_coroutine
    assert caps.supports_cycles
    assert caps.supports_gates
    assert runner.default_max_iterations == 1000
    assert AsyncRunnerFromModule is AsyncRunner


def test_constructor_validation():
    with pytest.raises(ValueError, match="sync_nodes"):
        AsyncRunner(sync_nodes="process")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_concurrency"):
        AsyncRunner(max_concurrency=0)
    assert AsyncRunner(sync_nodes="inline").sync_nodes == "inline"
    assert AsyncRunner().sync_nodes == "thread"


@pytest.mark.asyncio
async def test_run_option_validation():
    @node(output_name="y")
    def f(x):
        return x

    g = Graph([f])
    with pytest.raises(ValueError, match="error_handling"):
        await AsyncRunner().run(g, x=1, error_handling="skip")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_concurrency"):
        await AsyncRunner().run(g, x=1, max_concurrency=-1)


@pytest.mark.asyncio
async def test_run_max_concurrency_zero_is_rejected():
    """API 5.2: max_concurrency >= 1, else ValueError (0 must not mean 'unlimited')."""

    @node(output_name="y")
    def f(x):
        return x

    with pytest.raises(ValueError, match="max_concurrency"):
        await AsyncRunner().run(Graph([f]), x=1, max_concurrency=0)


# -- concurrency ------------------------------------------------------------------------------


def _async_pair(meet: Rendezvous | None = None):
    """Two independent nodes that nap, or meet: each waits until the other runs too."""

    @node(output_name="result_a")
    async def task_a(x: int) -> int:
        await (meet.wait_async() if meet else asyncio.sleep(NAP))
        return x * 2

    @node(output_name="result_b")
    async def task_b(y: int) -> int:
        await (meet.wait_async() if meet else asyncio.sleep(NAP))
        return y * 3

    return Graph([task_a, task_b])


def _def_pair(meet: Rendezvous | None = None):
    @node(output_name="result_a")
    def task_a(x: int) -> int:
        meet.wait() if meet else time.sleep(NAP)
        return x * 2

    @node(output_name="result_b")
    def task_b(y: int) -> int:
        meet.wait() if meet else time.sleep(NAP)
        return y * 3

    return Graph([task_a, task_b])


@pytest.mark.asyncio
async def test_independent_async_nodes_run_concurrently():
    meet = Rendezvous(2)
    r = await AsyncRunner().run(_async_pair(meet), x=5, y=10)
    assert r.values == {"result_a": 10, "result_b": 30}
    assert meet.complete


@pytest.mark.asyncio
async def test_def_nodes_run_concurrently_in_threads():
    meet = Rendezvous(2)
    r = await AsyncRunner().run(_def_pair(meet), x=5, y=10)
    assert r.values == {"result_a": 10, "result_b": 30}
    assert meet.complete


@pytest.mark.asyncio
async def test_inline_def_nodes_are_sequential():
    start = time.perf_counter()
    r = await AsyncRunner(sync_nodes="inline").run(_def_pair(), x=5, y=10)
    elapsed = time.perf_counter() - start
    assert r.values == {"result_a": 10, "result_b": 30}
    assert elapsed >= SEQUENTIAL_MIN


@pytest.mark.asyncio
async def test_max_concurrency_one_serialises_a_superstep():
    start = time.perf_counter()
    await AsyncRunner().run(_async_pair(), x=1, y=1, max_concurrency=1)
    assert time.perf_counter() - start >= SEQUENTIAL_MIN
    meet = Rendezvous(2)
    await AsyncRunner(max_concurrency=2).run(_async_pair(meet), x=1, y=1)
    assert meet.complete


@pytest.mark.asyncio
async def test_a_thread_running_node_holds_its_concurrency_slot():
    start = time.perf_counter()
    r = await AsyncRunner(max_concurrency=1).run(_def_pair(), x=1, y=1)
    assert time.perf_counter() - start >= SEQUENTIAL_MIN
    assert r.values == {"result_a": 2, "result_b": 3}


@pytest.mark.asyncio
async def test_max_concurrency_bounds_in_flight_nodes():
    in_flight = 0
    peak = 0

    def make(i):
        async def work():
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.02)
            in_flight -= 1
            return i

        work.__name__ = f"w{i}"
        return node(work, f"out{i}")

    g = Graph([make(i) for i in range(6)])
    r = await AsyncRunner().run(g, max_concurrency=2)
    assert peak == 2
    assert r.values == {f"out{i}": i for i in range(6)}


@pytest.mark.asyncio
async def test_def_node_threads_and_inline_placement():
    loop_thread = threading.get_ident()
    seen: dict[str, int] = {}

    @node(output_name="y")
    def where(x):
        seen["def"] = threading.get_ident()
        return x

    @node(output_name="z")
    async def where_async(x):
        seen["async"] = threading.get_ident()
        return x

    g = Graph([where, where_async])
    await AsyncRunner().run(g, x=1)
    assert seen["def"] != loop_thread
    assert seen["async"] == loop_thread
    await AsyncRunner(sync_nodes="inline").run(g, x=1)
    assert seen["def"] == loop_thread


@pytest.mark.asyncio
async def test_single_node_superstep_def_also_runs_in_a_thread():
    loop_thread = threading.get_ident()
    seen: list[int] = []

    @node(output_name="y")
    def alone(x):
        seen.append(threading.get_ident())
        return x

    await AsyncRunner().run(Graph([alone]), x=1)
    assert seen[0] != loop_thread


VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


@pytest.mark.asyncio
async def test_threads_get_a_copy_of_contextvars():
    @node(output_name="seen")
    def reads():
        value = VAR.get()
        VAR.set("written in thread")
        return value

    @node(output_name="other")
    def sibling():
        return 1

    token = VAR.set("from caller")
    try:
        r = await AsyncRunner().run(Graph([reads, sibling]))
        assert r["seen"] == "from caller"
        assert VAR.get() == "from caller"
    finally:
        VAR.reset(token)


@pytest.mark.asyncio
async def test_superstep_reads_state_before_it_and_applies_in_declaration_order():
    order: list[str] = []

    @node(output_name="a")
    def start():
        return 1

    @node(output_name="b")
    async def slow(a):
        await asyncio.sleep(0.05)
        order.append("slow")
        return a + 1

    @node(output_name="c")
    async def fast(a):
        order.append("fast")
        return a + 2

    @node(output_name="d")
    def join(b, c):
        return (b, c)

    g = Graph([start, slow, fast, join])
    r = await AsyncRunner().run(g)
    assert order == ["fast", "slow"]  # finished out of order...
    assert r["d"] == (2, 3)  # ...results still right
    assert list(r.values) == ["a", "b", "c", "d"]


# -- failure: cancellation and nothing left running -----------------------------------------


@pytest.mark.asyncio
async def test_failure_cancels_async_sibling_and_propagates_same_object():
    error = Boom("a failed")
    flags = {"cancelled": False, "finally": False, "completed": False}

    @node(output_name="ra")
    async def a(x):
        await asyncio.sleep(0.02)
        raise error

    @node(output_name="rb")
    async def b(x):
        try:
            await asyncio.sleep(NAP * 5)
            flags["completed"] = True
            return x
        except asyncio.CancelledError:
            flags["cancelled"] = True
            raise
        finally:
            flags["finally"] = True

    before = other_tasks()
    with pytest.raises(Boom) as info:
        await AsyncRunner().run(Graph([a, b]), x=1)
    assert info.value is error
    # cancelled, not awaited to the end: the events say so, whatever the machine's load
    assert flags == {"cancelled": True, "finally": True, "completed": False}
    assert other_tasks() <= before
    evidence = get_failure_evidence(info.value)
    assert evidence is not None
    assert evidence.node_name == "a"


@pytest.mark.asyncio
async def test_failure_waits_for_a_running_def_sibling_thread():
    error = Boom("async failure")
    state = {"finished_at": 0.0, "started": False}

    @node(output_name="ra")
    async def fails(x):
        await asyncio.sleep(0.05)
        raise error

    @node(output_name="rb")
    def sleeper(x):
        state["started"] = True
        time.sleep(NAP)
        state["finished_at"] = time.perf_counter()
        return x

    with pytest.raises(Boom) as info:
        await AsyncRunner().run(Graph([fails, sleeper]), x=1)
    raised_at = time.perf_counter()
    assert info.value is error
    assert state["started"] is True
    assert 0 < state["finished_at"] <= raised_at


@pytest.mark.asyncio
@pytest.mark.parametrize("sync_nodes", ["thread", "inline"])
async def test_def_node_failure_cancels_async_sibling(sync_nodes):
    error = Boom("in a def node")
    flags: dict[str, bool] = {}

    @node(output_name="ra")
    def fails(x):
        time.sleep(0.02)
        raise error

    @node(output_name="rb")
    async def sibling(x):
        try:
            await asyncio.sleep(NAP * 5)
            flags["completed"] = True
        finally:
            flags["finally"] = True
        return x

    before = other_tasks()
    with pytest.raises(Boom) as info:
        await AsyncRunner(sync_nodes=sync_nodes).run(Graph([fails, sibling]), x=1)
    assert info.value is error
    assert "completed" not in flags  # the sibling was cancelled, not awaited
    assert other_tasks() <= before
    if sync_nodes == "thread":  # the sibling was running when the thread failed
        assert flags == {"finally": True}


@pytest.mark.asyncio
async def test_failure_in_single_node_superstep_propagates_same_object():
    error = Boom("alone")

    @node(output_name="y")
    async def alone(x):
        raise error

    with pytest.raises(Boom) as info:
        await AsyncRunner().run(Graph([alone]), x=1)
    assert info.value is error


@pytest.mark.asyncio
async def test_continue_returns_failed_result():
    error = Boom("x")

    @node(output_name="a")
    def first(x):
        return x + 1

    @node(output_name="b")
    async def second(a):
        raise error

    r = await AsyncRunner().run(Graph([first, second]), x=1, error_handling="continue")
    assert r.status is RunStatus.FAILED
    assert r.error is error
    assert r.values == {"a": 2}
    assert r.failure is not None
    assert r.failure.node_name == "second"
    assert r.failure.superstep == 1


@pytest.mark.asyncio
async def test_continue_partial_values_include_siblings_that_finished_first():
    """API 5.5: partial = completed supersteps plus failing-superstep nodes that finished
    before the failure. SyncRunner keeps `quick`; AsyncRunner must agree."""

    @node(output_name="q")
    async def quick(x):
        return x

    @node(output_name="f")
    async def fails(x):
        await asyncio.sleep(0.05)
        raise Boom

    g = Graph([quick, fails])
    r = await AsyncRunner().run(g, x=1, error_handling="continue")
    assert r.failed
    assert r.values == {"q": 1}


@pytest.mark.asyncio
async def test_outer_cancellation_leaves_no_thread_running():
    state = {"finished": False}

    @node(output_name="a")
    def blocking():
        time.sleep(NAP)
        state["finished"] = True
        return 1

    @node(output_name="b")
    async def waiting():
        await asyncio.sleep(NAP * 5)
        return 2

    task = asyncio.ensure_future(AsyncRunner().run(Graph([blocking, waiting])))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert state["finished"] is True


# -- generators ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_generator_passes_downstream_unstarted():
    seen: dict[str, object] = {}

    @node(output_name="tokens")
    async def stream(n):
        for i in range(n):
            await asyncio.sleep(0)
            yield i

    @node(output_name="total")
    async def collect(tokens):
        seen["obj"] = tokens
        seen["running"] = tokens.ag_running
        seen["frame_started"] = tokens.ag_frame.f_lasti
        return sum([t async for t in tokens])

    r = await AsyncRunner().run(Graph([stream, collect]), n=4)
    assert r["total"] == 6
    assert r["tokens"] is seen["obj"]
    assert inspect.isasyncgen(seen["obj"])
    assert seen["running"] is False


@pytest.mark.asyncio
async def test_leaf_async_generator_is_unconsumed_in_result():
    ran: list[bool] = []

    @node(output_name="tokens")
    async def stream() -> AsyncIterator[str]:
        ran.append(True)
        yield "a"

    r = await AsyncRunner().run(Graph([stream]))
    assert inspect.isasyncgen(r["tokens"])
    assert ran == []
    assert [t async for t in r["tokens"]] == ["a"]


@pytest.mark.asyncio
async def test_output_less_generators_are_drained():
    seen: list[str] = []

    @node
    async def agen_side():
        for s in ("a1", "a2"):
            seen.append(s)
            yield s

    @node
    def gen_side():
        for s in ("s1", "s2"):
            seen.append(s)
            yield s

    for runner in (AsyncRunner(), AsyncRunner(sync_nodes="inline")):
        seen.clear()
        r = await runner.run(Graph([agen_side, gen_side]))
        assert r.values == {}
        assert sorted(seen) == ["a1", "a2", "s1", "s2"]


@pytest.mark.asyncio
async def test_sync_consumer_iterates_generator_in_worker_thread():
    loop_thread = threading.get_ident()
    where: list[int] = []

    @node(output_name="items")
    def produce() -> Iterator[int]:
        where.append(threading.get_ident())
        yield 1
        yield 2

    @node(output_name="total")
    def consume(items):
        return sum(items)

    r = await AsyncRunner().run(Graph([produce, consume]))
    assert r["total"] == 3
    assert where
    assert where[0] != loop_thread


@pytest.mark.asyncio
async def test_async_consumer_iterates_sync_generator_on_loop():
    loop_thread = threading.get_ident()
    where: list[int] = []

    @node(output_name="items")
    def produce() -> Iterator[int]:
        where.append(threading.get_ident())
        yield 5

    @node(output_name="total")
    async def consume(items):
        return sum(items)

    r = await AsyncRunner().run(Graph([produce, consume]))
    assert r["total"] == 5
    assert where == [loop_thread]


@pytest.mark.asyncio
async def test_one_shot_generator_under_async_runner():
    @node(output_name="numbers")
    def generate() -> Iterator[int]:
        yield from range(5)

    @node(output_name="result")
    async def use_twice(numbers):
        return (sum(numbers), sum(numbers))

    r = await AsyncRunner().run(Graph([generate, use_twice]))
    assert r["result"] == (10, 0)


# -- consistency with SyncRunner -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_same_values_as_sync_runner_on_sync_graph():
    @node(output_name=("q", "r"))
    def divmod_(n, d=3):
        return divmod(n, d)

    @node(output_name="s")
    def add(q, r):
        return q + r

    g = Graph([divmod_, add])
    sync = SyncRunner().run(g, n=17).values
    for mode in ("thread", "inline"):
        assert (await AsyncRunner(sync_nodes=mode).run(g, n=17)).values == sync  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_run_select_equals_graph_select():
    calls: list[str] = []

    @node(output_name="y")
    async def make_y(x):
        calls.append("y")
        return x

    @node(output_name="z")
    async def make_z(x):
        calls.append("z")
        return x

    g = Graph([make_y, make_z])
    r1 = await AsyncRunner().run(g, x=1, select=["y"])
    first_calls = list(calls)
    calls.clear()
    r2 = await AsyncRunner().run(g.select("y"), x=1)
    assert r1.values == r2.values == {"y": 1}
    assert first_calls == calls == ["y"]


@pytest.mark.asyncio
async def test_async_generator_error_is_attributed_to_consumer():
    error = RuntimeError("gen boom")

    @node(output_name="tokens")
    async def bad() -> AsyncIterator[int]:
        yield 1
        raise error

    @node(output_name="collected")
    async def consume(tokens):
        return [t async for t in tokens]

    r = await AsyncRunner().run(Graph([bad, consume]), error_handling="continue")
    assert r.error is error
    assert r.failure is not None
    assert r.failure.node_name == "consume"


@pytest.mark.asyncio
async def test_concurrent_runs_of_one_graph_are_independent():
    @node(output_name="y")
    async def slow(x):
        await asyncio.sleep(0.01 * (5 - x))
        return x * 10

    @node(output_name="z")
    def add(y, x):
        return y + x

    g = Graph([slow, add])
    results = await asyncio.gather(*(AsyncRunner().run(g, x=i) for i in range(5)))
    assert [r.values for r in results] == [{"y": i * 10, "z": i * 11} for i in range(5)]


@pytest.mark.asyncio
async def test_wrong_output_count_in_concurrent_superstep_fails_that_node():
    @node(output_name=("p", "q"))
    async def two():
        return (1, 2, 3)

    @node(output_name="r")
    async def fine():
        return 1

    r = await AsyncRunner().run(Graph([two, fine]), error_handling="continue")
    assert r.failed
    assert r.failure is not None
    assert r.failure.node_name == "two"
    assert "has 2 data outputs but returned 3 values" in str(r.error)
