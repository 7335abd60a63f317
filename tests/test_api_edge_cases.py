"""API.md section 9: the edge cases this issue covers (gates, cycles, nesting, strict_types and
compiled modules belong to other issues), each on both runners where it applies."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator

import pytest
from concurrency import Rendezvous
from run_support import RUNNERS, execute

from hypergraph import (
    AsyncRunner,
    Graph,
    GraphConfigError,
    IncompatibleRunnerError,
    MissingInputError,
    SyncRunner,
    node,
)


def run_both(graph, *args, **kwargs):
    """Values of the same run on SyncRunner and AsyncRunner (thread and inline)."""
    return [
        SyncRunner().run(graph, *args, **kwargs),
        asyncio.run(AsyncRunner().run(graph, *args, **kwargs)),
        asyncio.run(AsyncRunner(sync_nodes="inline").run(graph, *args, **kwargs)),
    ]


@node(output_name="numbers")
def generate() -> Iterator[int]:
    yield from range(5)


# -- generators -------------------------------------------------------------------------------


def test_one_shot_generator_sums_to_10_then_0():
    @node(output_name="result")
    def use_twice(numbers):
        return (sum(numbers), sum(numbers))

    for r in run_both(Graph([generate, use_twice])):
        assert r["result"] == (10, 0)


def test_materialised_generator_sums_twice():
    @node(output_name="result")
    def use_twice_fixed(numbers):
        nums = list(numbers)
        return (sum(nums), sum(nums))

    for r in run_both(Graph([generate, use_twice_fixed])):
        assert r["result"] == (10, 10)


def test_consumer_gets_generator_unstarted():
    seen: list[tuple[bool, str]] = []

    @node(output_name="ok")
    def inspect_it(numbers):
        seen.append((inspect.isgenerator(numbers), inspect.getgeneratorstate(numbers)))
        return True

    for _ in run_both(Graph([generate, inspect_it])):
        pass
    assert seen == [(True, inspect.GEN_CREATED)] * 3


def test_unconsumed_generator_sits_unstarted_in_result():
    for r in run_both(Graph([generate])):
        gen = r["numbers"]
        assert inspect.isgenerator(gen)
        assert inspect.getgeneratorstate(gen) == inspect.GEN_CREATED
        assert sum(gen) == 10


@pytest.mark.asyncio
async def test_unconsumed_async_generator_sits_unstarted_in_result():
    @node(output_name="tokens")
    async def tokens() -> AsyncIterator[int]:
        yield 1

    r = await AsyncRunner().run(Graph([tokens]))
    assert inspect.isasyncgen(r["tokens"])
    assert r["tokens"].ag_frame is not None
    assert r["tokens"].ag_frame.f_lasti <= 0
    assert [t async for t in r["tokens"]] == [1]


def test_shared_generator_warns_single_consumer_does_not():
    @node(output_name="a")
    def c1(numbers):
        return sum(numbers)

    @node(output_name="b")
    def c2(numbers):
        return sum(numbers)

    with pytest.warns(UserWarning, match=r"'numbers'.*'generate'"):
        Graph([generate, c1, c2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Graph([generate, c1])


# -- SyncRunner refuses async --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["async_function", "async_generator"])
def test_sync_runner_refuses_before_running_upstream_sync_nodes(kind):
    ran: list[str] = []

    @node(output_name="a")
    def upstream(x):
        ran.append("upstream")
        return x

    if kind == "async_function":

        @node(output_name="b")
        async def downstream(a):
            ran.append("downstream")
            return a

    else:

        @node(output_name="b")
        async def downstream(a):
            ran.append("downstream")
            yield a

    with pytest.raises(IncompatibleRunnerError, match=r"downstream.*Use AsyncRunner"):
        SyncRunner().run(Graph([upstream, downstream]), x=1)
    assert ran == []


# -- AsyncRunner timing ---------------------------------------------------------------------------


def _pair(kind: str, meet: Rendezvous | None = None) -> Graph:
    """Two independent nodes that nap 0.2 s each, or meet: each waits for the other."""
    if kind == "async":

        @node(output_name="a")
        async def first():
            await (meet.wait_async() if meet else asyncio.sleep(0.2))
            return 1

        @node(output_name="b")
        async def second():
            await (meet.wait_async() if meet else asyncio.sleep(0.2))
            return 2

    else:

        @node(output_name="a")
        def first():
            meet.wait() if meet else time.sleep(0.2)
            return 1

        @node(output_name="b")
        def second():
            meet.wait() if meet else time.sleep(0.2)
            return 2

    return Graph([first, second])


@pytest.mark.parametrize("kind", ["async", "def"])
def test_two_independent_nodes_run_at_the_same_time(kind):
    meet = Rendezvous(2)  # events, not seconds: each node waits until the other is running
    r = asyncio.run(AsyncRunner().run(_pair(kind, meet)))
    assert meet.complete
    assert r.values == {"a": 1, "b": 2}


def test_inline_def_pair_takes_at_least_0_4_s():
    start = time.perf_counter()
    r = asyncio.run(AsyncRunner(sync_nodes="inline").run(_pair("def")))
    assert time.perf_counter() - start >= 0.38  # one nap after the other
    assert r.values == {"a": 1, "b": 2}


@pytest.mark.asyncio
@pytest.mark.parametrize("sibling_kind", ["async", "def"])
async def test_failure_cancels_sibling_and_nothing_stays_alive(sibling_kind):
    error = RuntimeError("A failed")
    record: dict[str, object] = {}

    @node(output_name="ra")
    async def A():
        await asyncio.sleep(0.05)
        raise error

    if sibling_kind == "async":

        @node(output_name="rb")
        async def B():
            try:
                await asyncio.sleep(2)
            except asyncio.CancelledError:
                record["cancelled"] = True
                raise
            finally:
                record["finished"] = time.perf_counter()

    else:

        @node(output_name="rb")
        def B():
            record["thread"] = threading.current_thread()
            try:
                time.sleep(0.2)
            finally:
                record["finished"] = time.perf_counter()

    before = asyncio.all_tasks()
    with pytest.raises(RuntimeError) as info:
        await AsyncRunner().run(Graph([A, B]))
    raised_at = time.perf_counter()
    assert info.value is error
    assert asyncio.all_tasks() <= before
    assert "finished" in record
    assert record["finished"] <= raised_at  # type: ignore[operator]
    if sibling_kind == "async":
        assert record["cancelled"] is True
        assert raised_at - record["finished"] < 1  # type: ignore[operator]


# -- selection and determinism ---------------------------------------------------------------------


def _xyz(calls: list[str]) -> Graph:
    @node(output_name="y")
    def make_y(x):
        calls.append("make_y")
        return x + 1

    @node(output_name="z")
    def make_z(y):
        calls.append("make_z")
        return y + 1

    @node(output_name="w")
    def make_w(x):
        calls.append("make_w")
        return x * 10

    return Graph([make_y, make_z, make_w])


@pytest.mark.parametrize("runner", RUNNERS)
def test_run_select_equals_graph_select(runner):
    calls: list[str] = []
    g = _xyz(calls)
    first = execute(runner, g, {"x": 1}, select=["y"])
    calls_first = sorted(calls)
    calls.clear()
    second = execute(runner, g.select("y"), {"x": 1})
    assert first.values == second.values == {"y": 2}
    assert calls_first == sorted(calls) == ["make_y"]


@pytest.mark.parametrize("runner", RUNNERS)
def test_declaration_order_runs_by_dependency(runner):
    order: list[str] = []

    @node(output_name="a")
    def step1():
        order.append("step1")
        return 1

    @node(output_name="b")
    def step2(a):
        order.append("step2")
        return a * 2

    @node(output_name="c")
    def step3(b):
        order.append("step3")
        return b * 3

    r = execute(runner, Graph([step3, step1, step2]))
    assert order == ["step1", "step2", "step3"]
    assert r["c"] == 6


@pytest.mark.parametrize("runner", ["sync", "inline"])
def test_siblings_run_in_declaration_order(runner):
    order: list[str] = []

    def make(name):
        def f():
            order.append(name)
            return name

        f.__name__ = name
        return node(f, f"out_{name}")

    execute(runner, Graph([make("zulu"), make("alpha"), make("mike")]))
    assert order == ["zulu", "alpha", "mike"]


def test_diamond_supersteps():
    @node(output_name="a")
    def A():
        return 1

    @node(output_name="b")
    def B(a):
        return a + 1

    @node(output_name="c")
    def C(a):
        return a + 2

    @node(output_name="d")
    def D(b, c):
        return b * c

    g = Graph([A, B, C, D])
    plan = g.plan
    assert [plan.superstep_of(n) for n in "ABCD"] == [0, 1, 1, 2]
    for r in run_both(g):
        assert r["d"] == 6


# -- inputs ------------------------------------------------------------------------------------


@node(output_name="b")
def needs_a(a):
    return a


@node(output_name="a")
def makes_a(x):
    return x


def test_internal_name_as_input_is_value_error():
    g = Graph([makes_a, needs_a])
    with pytest.raises(ValueError, match="'a'"):
        SyncRunner().run(g, {"x": 1, "a": 2})
    with pytest.raises(ValueError, match="'a'"):
        asyncio.run(AsyncRunner().run(g, {"x": 1, "a": 2}))


@pytest.mark.parametrize("runner", RUNNERS)
def test_unknown_values_key_warns(runner):
    with pytest.warns(UserWarning, match="'bogus'"):
        r = execute(runner, Graph([needs_a]), {"a": 1, "bogus": 2})
    assert r["b"] == 1


def test_unknown_keyword_is_value_error():
    with pytest.raises(ValueError, match="'bogus'"):
        SyncRunner().run(Graph([needs_a]), a=1, bogus=2)
    with pytest.raises(ValueError, match="'bogus'"):
        asyncio.run(AsyncRunner().run(Graph([needs_a]), a=1, bogus=2))


def test_missing_input_lists_it():
    with pytest.raises(MissingInputError) as info:
        SyncRunner().run(Graph([needs_a]))
    assert info.value.missing == ["a"]
    with pytest.raises(MissingInputError, match="'a'"):
        asyncio.run(AsyncRunner().run(Graph([needs_a])))


# -- defaults and binds ----------------------------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_defaults_deep_copied_per_use_binds_are_the_same_object(runner):
    @node(output_name="out")
    def grow(item, bucket={"items": []}):  # noqa: B006 - the point of the test
        bucket["items"].append(item)
        return bucket

    g = Graph([grow])
    assert execute(runner, g, item=1)["out"] == {"items": [1]}
    assert execute(runner, g, item=2)["out"] == {"items": [2]}  # fresh default each run
    mine: dict[str, list[int]] = {"items": []}
    bound = g.bind(bucket=mine)
    assert execute(runner, bound, item=1)["out"] is mine
    assert execute(runner, bound, item=2)["out"] is mine
    assert mine == {"items": [1, 2]}


def test_default_fresh_for_each_consumer_in_one_run():
    @node(output_name="first")
    def one(cfg=[]):  # noqa: B006
        return cfg

    @node(output_name="second")
    def two(cfg=[]):  # noqa: B006
        return cfg

    for r in run_both(Graph([one, two])):
        assert r["first"] == r["second"] == []
        assert r["first"] is not r["second"]


# -- cycles and map --------------------------------------------------------------------------


def test_cycle_without_entrypoint_is_graph_config_error():
    @node(output_name="count")
    def inc(count):
        return count + 1

    with pytest.raises(GraphConfigError, match="cyclic graphs require an explicit entrypoint"):
        Graph([inc])


def test_map_zip_unequal_lengths_is_value_error():
    @node(output_name="s")
    def add(a, b):
        return a + b

    with pytest.raises(ValueError, match=r"a=2.*b=1"):
        SyncRunner().map(Graph([add]), a=[1, 2], b=[1], map_over=["a", "b"])
    with pytest.raises(ValueError, match=r"a=2.*b=1"):
        asyncio.run(AsyncRunner().map(Graph([add]), a=[1, 2], b=[1], map_over=["a", "b"]))
