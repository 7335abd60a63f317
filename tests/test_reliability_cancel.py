"""Cancellation leaves nothing running (issue 10, items 1 and 2): however often a run or a map
is cancelled or timed out, it raises only once every thread and task it started has settled."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from codegen_support import compile_and_load

from hypergraph import AsyncRunner, Graph, ifelse, node


class Blocker:
    """A `def` node body that blocks its worker thread until the test releases it."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished: list[int] = []

    def __call__(self, x: int) -> int:
        self.started.set()
        self.release.wait(10)
        self.finished.append(x)
        return x


BLOCKER = Blocker()


def blocked(x: int) -> int:
    """Module level, so a compiled module can import it."""
    return BLOCKER(x)


def blocked_too(x: int) -> int:
    return BLOCKER(x) + 1


def other_tasks() -> set[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current}


async def wait_until(event: threading.Event) -> None:
    for _ in range(1000):
        if event.is_set():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the node never started")


async def cancel_repeatedly(
    start: Callable[[], Coroutine[Any, Any, Any]], blocker: Blocker, cancels: int
) -> None:
    """Cancel the task `cancels` times while a node blocks in its thread: the task must not
    end before the thread has returned, and must then end cancelled."""
    before = other_tasks()
    task = asyncio.ensure_future(start())
    await wait_until(blocker.started)
    for _ in range(cancels):
        task.cancel()
        await asyncio.sleep(0.02)  # the run reaches its cleanup and waits there
    done, _ = await asyncio.wait([task], timeout=0.2)
    assert not done, "the run ended while its worker thread was still running"
    assert not blocker.finished
    blocker.release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert blocker.finished, "the thread had not returned when the run ended"
    assert other_tasks() <= before


def _blocking_graphs() -> dict[str, tuple[Graph, dict[str, Any]]]:
    one = node(blocked, output_name="y")
    two = node(blocked_too, output_name="z")

    @node(output_name="w")
    async def waits(x: int) -> int:
        await asyncio.sleep(5)
        return x

    @ifelse(when_true="one", when_false="waits")
    def choose(x: int) -> bool:
        return True

    inner = Graph([one], name="inner")
    return {
        "single def node": (Graph([one]), {}),
        "def siblings": (Graph([one, two]), {}),
        "def and async siblings": (Graph([one, waits]), {}),
        "with max_concurrency": (Graph([one]), {"max_concurrency": 2}),
        "gate (dynamic plan)": (Graph([choose, one.with_name("one"), waits]), {}),
        "nested graph": (Graph([inner.as_node()]), {}),
        "mapped nested graph": (Graph([inner.as_node().map_over("x")]), {"x": [1, 2]}),
    }


@pytest.fixture
def blocker() -> Iterator[Blocker]:
    global BLOCKER
    BLOCKER = Blocker()  # fresh events for each test
    yield BLOCKER
    BLOCKER.release.set()  # never leave a thread blocked, even when the test failed


@pytest.mark.asyncio
@pytest.mark.parametrize("cancels", [2, 3])
@pytest.mark.parametrize("shape", list(_blocking_graphs()))
async def test_repeated_cancel_of_run_waits_for_its_threads(
    shape: str, cancels: int, blocker: Blocker
) -> None:
    graph, options = _blocking_graphs()[shape]
    inputs = {"x": options.pop("x", 1)}
    runner = AsyncRunner()
    await cancel_repeatedly(lambda: runner.run(graph, inputs, **options), blocker, cancels)


@pytest.mark.asyncio
@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is new in 3.11")
async def test_timeout_then_cancel_waits_for_the_thread(blocker: Blocker) -> None:
    graph = Graph([node(blocked, output_name="y")])
    scopes: list[asyncio.Timeout] = []

    async def timed() -> None:
        async with asyncio.timeout(None) as scope:
            scopes.append(scope)
            await AsyncRunner().run(graph, x=1)

    task = asyncio.ensure_future(timed())
    await wait_until(blocker.started)
    scopes[0].reschedule(asyncio.get_running_loop().time())  # the timeout expires now
    await asyncio.sleep(0.02)
    assert not task.done()  # the run waits for its thread
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=0.2)
    assert not done, "a cancel after the timeout ended the run while its thread ran"
    blocker.release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert blocker.finished


@pytest.mark.asyncio
@pytest.mark.parametrize("cancels", [1, 2])
async def test_repeated_cancel_of_map_waits_for_its_threads(cancels: int, blocker: Blocker) -> None:
    graph = Graph([node(blocked, output_name="y")])
    runner = AsyncRunner()
    await cancel_repeatedly(
        lambda: runner.map(graph, x=[1, 2, 3], map_over="x", max_concurrency=2), blocker, cancels
    )


# -- a timed-out or cancelled map leaves no thread and no task of any item behind -------------


class Tracker:
    """Counts the node bodies running in threads right now."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.calls = 0

    def work(self, x: int) -> int:
        with self.lock:
            self.running += 1
            self.calls += 1
        try:
            time.sleep(0.3)
            return x
        finally:
            with self.lock:
                self.running -= 1


def _tracked_graphs(tracker: Tracker) -> dict[str, tuple[Graph, dict[str, Any]]]:
    @node(output_name="y")
    def first(x: int) -> int:
        return tracker.work(x)

    @node(output_name="z")
    def second(y: int) -> int:
        return tracker.work(y)

    flat = Graph([first])
    inner = Graph([first, second], name="inner")
    nested = Graph([inner.as_node().map_over("x")])
    return {
        "flat": (flat, {"x": list(range(30))}),
        "flat, bounded": (flat, {"x": list(range(30)), "max_concurrency": 4}),
        "nested mapped graphs": (nested, {"x": [list(range(4)) for _ in range(6)]}),
    }


@pytest.mark.asyncio
@pytest.mark.parametrize("shape", ["flat", "flat, bounded", "nested mapped graphs"])
@pytest.mark.parametrize("how", ["wait_for", "timeout", "cancel twice"])
async def test_stopped_map_leaves_nothing_running(shape: str, how: str) -> None:
    if how == "timeout" and sys.version_info < (3, 11):
        pytest.skip("asyncio.timeout is new in 3.11")
    tracker = Tracker()
    graph, options = _tracked_graphs(tracker)[shape]
    before = other_tasks()
    call = AsyncRunner().map(graph, map_over="x", **options)
    if how == "wait_for":
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(call, 0.15)
    elif how == "timeout":
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.15):
                await call
    else:
        task = asyncio.ensure_future(call)
        await asyncio.sleep(0.15)
        task.cancel()
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert tracker.calls > 0  # some items had started
    assert tracker.running == 0, "an item's thread was still running after map() raised"
    assert other_tasks() <= before, "an item's task was still running after map() raised"


# -- compiled async modules wait for their thread calls the same way ------------------------


def _compiled(nodes: list[Any], tmp: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = Graph(nodes)
    return compile_and_load(graph, "async", tmp)


@pytest.mark.asyncio
@pytest.mark.parametrize("cancels", [2, 3])
@pytest.mark.parametrize("shape", ["single", "siblings", "mapped"])
async def test_compiled_module_waits_for_thread_calls_however_often_cancelled(
    shape: str, cancels: int, blocker: Blocker, tmp_path: Path
) -> None:
    one = node(blocked, output_name="y")
    if shape == "single":
        module, inputs = _compiled([one], tmp_path), {"x": 1}
    elif shape == "siblings":
        module, inputs = _compiled([one, node(blocked_too, output_name="z")], tmp_path), {"x": 1}
    else:
        inner = Graph([one], name="inner")
        module = _compiled([inner.as_node().map_over("x")], tmp_path)
        inputs = {"x": [1, 2]}
    await cancel_repeatedly(lambda: module.run(**inputs), blocker, cancels)
