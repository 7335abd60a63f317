"""Issue 15, retries in the runners: counts, which errors are retried, backoff with jitter and
a cap (measured on a fake clock: nothing sleeps), every attempt in the node's call report, the
final failure carrying every attempt's error, and no reference cycle left by a failed run."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hypergraph import AsyncRunner, Graph, InMemoryCache, RetryPolicy, SyncRunner, node
from hypergraph.policies import attempt_errors
from hypergraph.runners import _policy

REAL_SLEEP = asyncio.sleep


class Clock:
    """Fake sleeps (sync and async) and a fixed random draw."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, draw: float = 0.5) -> None:
        self.waits: list[float] = []
        real_sleep = asyncio.sleep

        async def fake_async_sleep(delay: float, result: Any = None) -> Any:
            if delay > 0:
                self.waits.append(delay)
            return await real_sleep(0, result)

        monkeypatch.setattr(time, "sleep", self.waits.append)
        monkeypatch.setattr(asyncio, "sleep", fake_async_sleep)
        monkeypatch.setattr(random, "random", lambda: draw)


class Flaky:
    """A function failing `failures` times (with `error`), then returning x * 10."""

    def __init__(self, failures: int, error: type[Exception] = ConnectionError) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, x: int) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"attempt {self.calls}")
        return x * 10


def flaky_node(flaky: Flaky, retry: Any, is_async: bool = False) -> Any:
    if is_async:

        async def fetch(x: int) -> int:
            return flaky(x)

    else:

        def fetch(x: int) -> int:
            return flaky(x)

    return node(fetch, output_name="y", retry=retry)


RUNNERS = ["sync", "async-thread", "async-inline", "async-def"]


def run(kind: str, graph: Graph, **options: Any) -> Any:
    if kind == "sync":
        return SyncRunner(cache=options.pop("cache", None)).run(graph, **options)
    sync_nodes = "inline" if kind == "async-inline" else "thread"
    runner = AsyncRunner(cache=options.pop("cache", None), sync_nodes=sync_nodes)
    return asyncio.run(runner.run(graph, **options))


@pytest.mark.parametrize("kind", RUNNERS)
def test_retry_count_means_retries_after_the_first_attempt(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    flaky = Flaky(failures=2)
    graph = Graph([flaky_node(flaky, 2, is_async=kind == "async-def")])
    assert run(kind, graph, x=4)["y"] == 40
    assert flaky.calls == 3
    # delay 0.1, backoff 2, jitter 0.5 with a draw of 0.5: each wait is 3/4 of the base
    assert clock.waits == pytest.approx([0.075, 0.15])


@pytest.mark.parametrize("kind", RUNNERS)
def test_the_final_failure_carries_every_attempts_error(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Clock(monkeypatch)
    flaky = Flaky(failures=10)
    graph = Graph([flaky_node(flaky, RetryPolicy(attempts=3), is_async=kind == "async-def")])
    with pytest.raises(ConnectionError, match="attempt 3") as info:
        run(kind, graph, x=1)
    assert flaky.calls == 3
    errors = attempt_errors(info.value)
    assert [str(e) for e in errors] == ["attempt 1", "attempt 2", "attempt 3"]
    assert errors[-1] is info.value
    failed = run(kind, graph, x=1, error_handling="continue")
    assert [str(e) for e in attempt_errors(failed.error)] == ["attempt 4", "attempt 5", "attempt 6"]


@pytest.mark.parametrize("kind", ["sync", "async-def"])
def test_only_the_listed_exceptions_are_retried(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    flaky = Flaky(failures=1, error=ValueError)
    policy = RetryPolicy(attempts=5, on=(ConnectionError, TimeoutError))
    graph = Graph([flaky_node(flaky, policy, is_async=kind == "async-def")])
    with pytest.raises(ValueError, match="attempt 1") as info:
        run(kind, graph, x=1)
    assert flaky.calls == 1
    assert clock.waits == []
    assert attempt_errors(info.value) == (info.value,)


def test_backoff_grows_and_is_capped_by_max_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    policy = RetryPolicy(attempts=6, delay=1.0, backoff=3.0, max_delay=5.0, jitter=0.0)
    graph = Graph([flaky_node(Flaky(failures=5), policy)])
    assert SyncRunner().run(graph, x=1)["y"] == 10
    assert clock.waits == [1.0, 3.0, 5.0, 5.0, 5.0]


@pytest.mark.parametrize("draw", [0.0, 0.25, 0.999])
def test_jitter_shortens_each_wait_by_up_to_its_fraction(
    draw: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, draw=draw)
    policy = RetryPolicy(attempts=3, delay=2.0, backoff=2.0, jitter=0.5)
    SyncRunner().run(Graph([flaky_node(Flaky(failures=2), policy)]), x=1)
    assert clock.waits == pytest.approx([2.0 * (1 - 0.5 * draw), 4.0 * (1 - 0.5 * draw)])
    assert all(1.0 <= w <= 4.0 for w in clock.waits)


def test_a_huge_backoff_is_capped_not_an_overflow() -> None:
    policy = RetryPolicy(attempts=5000, delay=1.0, backoff=10.0, max_delay=7.0, jitter=0.0)
    assert policy.wait(4000, 0.3) == 7.0


@pytest.mark.parametrize("kind", ["sync", "async-thread"])
def test_every_attempt_is_in_the_nodes_call_report(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Clock(monkeypatch)
    reports: list[_policy.CallReport] = []
    monkeypatch.setattr(_policy, "report", lambda state, record: reports.append(record))
    flaky = Flaky(failures=2)
    double = flaky_node(flaky, 2)
    double.cache = True
    graph = Graph([double])
    cache = InMemoryCache()
    run(kind, graph, x=1, cache=cache)
    run(kind, graph, x=1, cache=cache)
    first, second = reports
    assert (first.node_name, first.cached) == ("fetch", False)
    assert [a.number for a in first.attempts] == [1, 2, 3]
    assert [str(a.error) for a in first.attempts] == ["attempt 1", "attempt 2", "None"]
    assert [a.wait for a in first.attempts] == pytest.approx([0.075, 0.15, 0.0])
    assert (second.cached, second.attempts) == (True, ())
    assert flaky.calls == 3


@pytest.mark.asyncio
async def test_a_retrying_node_holds_no_concurrency_slot_while_it_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other_ran = asyncio.Event()
    real_sleep = asyncio.sleep
    order: list[str] = []

    async def backoff(delay: float, result: Any = None) -> Any:
        if delay > 0:  # the retry's wait: only ends once the other node could run
            order.append("waiting")
            await asyncio.wait_for(other_ran.wait(), timeout=30)
        return await real_sleep(0, result)

    monkeypatch.setattr(asyncio, "sleep", backoff)
    flaky = Flaky(failures=1)

    @node(output_name="y", retry=1)
    async def first(x: int) -> int:
        order.append(f"first {flaky.calls + 1}")
        return flaky(x)

    @node(output_name="w")
    async def second(x: int) -> int:
        order.append("second")
        other_ran.set()
        return x

    result = await AsyncRunner().run(Graph([first, second]), x=2, max_concurrency=1)
    assert result.values == {"y": 20, "w": 2}
    assert order == ["first 1", "waiting", "second", "first 2"]


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (-1, ValueError, "retry must be >= 0"),
        (True, TypeError, "retry must be an int"),
        ("3", TypeError, "retry must be an int"),
        (2.0, TypeError, "retry must be an int"),
    ],
)
def test_bad_retry_values_are_refused_at_construction(
    value: Any, error: type[Exception], message: str
) -> None:
    def plain(x: int) -> int:
        return x

    with pytest.raises(error, match=message):
        node(plain, output_name="y", retry=value)


def test_retry_zero_is_no_policy_and_an_int_is_a_count_of_retries() -> None:
    def plain(x: int) -> int:
        return x

    assert node(plain, output_name="y", retry=0).retry is None
    assert node(plain, output_name="y", retry=2).retry == RetryPolicy(attempts=3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"attempts": 0}, "attempts must be an int >= 1"),
        ({"on": KeyboardInterrupt}, "on must be an Exception subclass"),
        ({"on": ()}, "on must be an Exception subclass"),
        ({"on": ("ValueError",)}, "on must be an Exception subclass"),
        ({"delay": -1}, "delay must be a finite number >= 0"),
        ({"backoff": 0.5}, "backoff must be a finite number >= 1"),
        ({"max_delay": float("inf")}, "max_delay must be a finite number"),
        ({"jitter": 1.5}, "jitter must be between 0 and 1"),
    ],
)
def test_a_bad_retry_policy_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        RetryPolicy(**fields)


def test_generators_cannot_retry() -> None:
    def numbers(n: int) -> Iterator[int]:
        yield from range(n)

    with pytest.raises(ValueError, match="generator node 'numbers' cannot have cache, retry"):
        node(numbers, output_name="items", retry=2)


# -- no reference cycle (tests/test_reliability_cleanup.py, with a retrying node) ------------

CLOSED: list[str] = []


def produce(n: int) -> Iterator[int]:
    try:
        yield from range(n)
    finally:
        CLOSED.append("produce")


def consume(items: Iterator[int]) -> int:
    for i in items:  # a retry gets the same one-shot generator, where the last attempt left it
        raise ValueError(f"bad item {i}")
    return 0


async def fail_async(graph: Graph, how: str) -> None:
    """A failed run on AsyncRunner, whatever it raised or returned dropped."""
    with contextlib.suppress(ValueError):
        await AsyncRunner().run(graph, n=5, error_handling=how)


async def failed_async_runs(graph: Graph) -> list[str]:
    """What was closed soon after each dropped failed run (raised, then returned): a few
    loop turns, as tests/test_reliability_cleanup.py allows; a cycle would keep it open."""
    seen = []
    for how in ("raise", "continue"):
        await fail_async(graph, how)
        for _ in range(100):
            if CLOSED:
                break
            await REAL_SLEEP(0.005)
        seen.append(",".join(CLOSED))
        CLOSED.clear()
    return seen


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_run_failed_after_retries_closes_its_generator_once_dropped(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Clock(monkeypatch)
    graph = Graph(
        [
            node(produce, output_name="items"),
            node(consume, output_name="total", retry=RetryPolicy(attempts=2, on=ValueError)),
        ]
    )
    CLOSED.clear()
    gc.collect()
    gc.disable()
    try:
        if kind == "async":  # checked inside the loop: asyncio.run's own shutdown makes cycles
            assert asyncio.run(failed_async_runs(graph)) == ["produce", "produce"]
            return
        with contextlib.suppress(ValueError):
            SyncRunner().run(graph, n=5)
        assert CLOSED == ["produce"]  # closed as soon as the error was dropped
        assert gc.collect() == 0  # nothing was kept alive by a reference cycle
        CLOSED.clear()
        result = SyncRunner().run(graph, n=5, error_handling="continue")
        assert result.failed
        del result
        assert CLOSED == ["produce"]
        assert gc.collect() == 0
    finally:
        gc.enable()
