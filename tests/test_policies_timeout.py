"""Issue 15, timeouts in the runners: an async node is cancelled at its deadline; a `def` node
in a worker thread is stopped waiting for (its thread finishes unobserved) while the rest of
the run is cancelled as for any failure; a timeout a runner cannot enforce is refused before
the run (SyncRunner, AsyncRunner(sync_nodes="inline") for def nodes). Deadlines are short and
nothing asserts on elapsed time: each test checks what was cancelled and what still runs."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from hypergraph import (
    AsyncRunner,
    Graph,
    IncompatibleRunnerError,
    NodeTimeoutError,
    RetryPolicy,
    SyncRunner,
    node,
)
from hypergraph.policies import attempt_errors

DEADLINE = 0.05  # seconds: the nodes below would otherwise wait for minutes


def other_tasks() -> set[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current}


@pytest.mark.asyncio
async def test_an_async_node_is_cancelled_at_its_deadline() -> None:
    cancelled: list[str] = []

    @node(output_name="y", timeout=DEADLINE)
    async def hang(x: int) -> int:
        try:
            await asyncio.sleep(600)
        except asyncio.CancelledError:
            cancelled.append("hang")
            raise
        return x

    with pytest.raises(NodeTimeoutError) as info:
        await AsyncRunner().run(Graph([hang]), x=1)
    error = info.value
    assert isinstance(error, TimeoutError)
    assert (error.node_name, error.timeout) == ("hang", DEADLINE)
    assert str(error).startswith("node 'hang' timed out after 0.05 s")
    assert cancelled == ["hang"]
    assert not other_tasks()


@pytest.mark.asyncio
async def test_a_node_that_finishes_in_time_is_not_affected() -> None:
    @node(output_name="y", timeout=60)
    async def quick(x: int) -> int:
        await asyncio.sleep(0)
        return x + 1

    @node(output_name="z", timeout=60)
    def quick_def(y: int) -> int:
        return y + 1

    assert (await AsyncRunner().run(Graph([quick, quick_def]), x=1)).values == {"y": 2, "z": 3}


@pytest.mark.asyncio
async def test_a_def_node_is_stopped_waiting_for_and_its_thread_left_to_finish() -> None:
    release = threading.Event()
    finished: list[str] = []

    @node(output_name="y", timeout=DEADLINE)
    def block(x: int) -> int:
        release.wait(600)
        finished.append("block")
        return x

    try:
        with pytest.raises(NodeTimeoutError, match="worker thread cannot be interrupted"):
            await AsyncRunner().run(Graph([block]), x=1)
        assert finished == []  # the run returned while the thread still runs
    finally:
        release.set()
    for _ in range(2000):  # the thread finishes on its own once released
        if finished:
            break
        await asyncio.sleep(0.005)
    assert finished == ["block"]


@pytest.mark.asyncio
async def test_a_timeout_cancels_the_rest_of_the_superstep() -> None:
    cancelled: list[str] = []
    release = threading.Event()

    @node(output_name="y", timeout=DEADLINE)
    def block(x: int) -> int:
        release.wait(600)
        return x

    @node(output_name="z")
    async def sibling(x: int) -> int:
        try:
            await asyncio.sleep(600)
        except asyncio.CancelledError:
            cancelled.append("sibling")
            raise
        return x

    try:
        result = await AsyncRunner().run(Graph([block, sibling]), x=1, error_handling="continue")
    finally:
        release.set()
    assert isinstance(result.error, NodeTimeoutError)
    assert result.failure is not None
    assert result.failure.node_name == "block"
    assert cancelled == ["sibling"]
    assert not other_tasks()


@pytest.mark.asyncio
async def test_a_timed_def_node_cancelled_by_a_sibling_is_not_waited_for_past_its_deadline() -> (
    None
):
    release = threading.Event()
    started = threading.Event()

    class Boom(Exception):
        pass

    @node(output_name="y", timeout=DEADLINE)
    def block(x: int) -> int:
        started.set()
        release.wait(600)
        return x

    @node(output_name="z")
    async def fail(x: int) -> int:
        while not started.is_set():
            await asyncio.sleep(0.001)
        raise Boom

    try:
        with pytest.raises(Boom):
            await AsyncRunner().run(Graph([block, fail]), x=1)
        assert not release.is_set()  # returned while the thread still blocks
    finally:
        release.set()


@pytest.mark.asyncio
async def test_each_attempt_has_the_timeout_and_timeouts_are_retried() -> None:
    attempts: list[int] = []

    @node(output_name="y", timeout=DEADLINE, retry=RetryPolicy(attempts=3, delay=0.0))
    async def slow_then_quick(x: int) -> int:
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            await asyncio.sleep(600)
        return x

    assert (await AsyncRunner().run(Graph([slow_then_quick]), x=7))["y"] == 7
    assert attempts == [1, 2, 3]


@pytest.mark.asyncio
async def test_a_timeout_that_is_not_retried_carries_its_attempts() -> None:
    @node(output_name="y", timeout=DEADLINE, retry=RetryPolicy(attempts=2, delay=0.0))
    async def always_slow(x: int) -> int:
        await asyncio.sleep(600)
        return x

    with pytest.raises(NodeTimeoutError) as info:
        await AsyncRunner().run(Graph([always_slow]), x=1)
    assert [type(e) for e in attempt_errors(info.value)] == [NodeTimeoutError] * 2


# -- refused where it cannot be enforced ----------------------------------------------------


@node(output_name="y", timeout=5)
def timed_def(x: int) -> int:
    return x


@node(output_name="y", timeout=5)
async def timed_async(x: int) -> int:
    return x


@pytest.mark.parametrize("how", ["raise", "continue"])
def test_sync_runner_refuses_a_timeout_before_running_anything(how: str) -> None:
    ran: list[int] = []

    @node(output_name="x")
    def first(a: int) -> int:
        ran.append(a)
        return a

    with pytest.raises(IncompatibleRunnerError) as info:
        SyncRunner().run(Graph([first, timed_def]), a=1, error_handling=how)
    error = info.value
    assert (error.node_name, error.capability) == ("timed_def", "timeout")
    assert "SyncRunner calls each node in the calling thread" in str(error)
    assert "Use AsyncRunner()" in str(error)
    with pytest.raises(IncompatibleRunnerError, match="'timed_def' have a timeout"):
        SyncRunner().map(Graph([first, timed_def]), a=[1, 2], map_over="a")
    assert ran == []


def test_sync_runner_refuses_a_nested_timeout_by_its_path() -> None:
    inner = Graph([timed_def], name="inner")
    with pytest.raises(IncompatibleRunnerError, match="'inner/timed_def'") as info:
        SyncRunner().run(Graph([inner.as_node()]), x=1)
    assert info.value.node_name == "inner/timed_def"


@pytest.mark.asyncio
async def test_inline_async_runner_refuses_a_def_nodes_timeout_only() -> None:
    inline = AsyncRunner(sync_nodes="inline")
    with pytest.raises(IncompatibleRunnerError, match='sync_nodes="inline"') as info:
        await inline.run(Graph([timed_def]), x=1)
    assert info.value.capability == "timeout"
    with pytest.raises(IncompatibleRunnerError, match="'timed_def'"):
        await inline.map(Graph([timed_def]), x=[1], map_over="x")
    assert (await inline.run(Graph([timed_async]), x=3))["y"] == 3  # async: enforceable


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (0, ValueError, "finite number > 0"),
        (-1, ValueError, "finite number > 0"),
        (math.nan, ValueError, "finite number > 0"),
        (math.inf, ValueError, "finite number > 0"),
        ("2", TypeError, "number of seconds"),
        (True, TypeError, "number of seconds"),
    ],
)
def test_bad_timeouts_are_refused_at_construction(
    value: Any, error: type[Exception], message: str
) -> None:
    def plain(x: int) -> int:
        return x

    with pytest.raises(error, match=message):
        node(plain, output_name="y", timeout=value)


def test_generators_cannot_have_a_timeout() -> None:
    def numbers(n: int) -> Iterator[int]:
        yield from range(n)

    with pytest.raises(ValueError, match="cannot have cache, retry or timeout"):
        node(numbers, output_name="items", timeout=1)
