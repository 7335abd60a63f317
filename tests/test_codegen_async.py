"""The async back end's concurrency and failure semantics match AsyncRunner (API 5.7)."""

from __future__ import annotations

import asyncio
import time
import warnings
from pathlib import Path
from types import ModuleType

import pytest
from codegen_fixtures import (
    FINISHED,
    MEETING,
    FixtureError,
    FunctionNode,
    Graph,
    afail,
    fail,
    meet_async,
    meet_thread,
    meet_thread_2,
    slow_async,
    slow_thread,
    slow_thread_2,
)
from codegen_support import compile_and_load
from concurrency import Rendezvous


def _module(nodes: list[FunctionNode[..., object]], tmp: Path, inline: bool = False) -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = Graph(nodes)
    return compile_and_load(graph, "async", tmp, inline)


def _timed(module: ModuleType, **inputs: int) -> float:
    started = time.perf_counter()
    asyncio.run(module.run(**inputs))
    return time.perf_counter() - started


def test_async_siblings_run_concurrently(tmp_path: Path) -> None:
    module = _module(
        [
            FunctionNode(meet_async, name="one", output_name="x"),
            FunctionNode(meet_async, name="two", output_name="y"),
        ],
        tmp_path,
    )
    MEETING.append(Rendezvous(2))  # each waits until the other runs: events, not seconds
    assert asyncio.run(module.run(a=1)) == {"x": 1, "y": 1}
    assert MEETING[-1].complete


def test_def_siblings_run_in_threads_unless_inline(tmp_path: Path) -> None:
    meeting = [
        FunctionNode(meet_thread, name="one", output_name="x"),
        FunctionNode(meet_thread_2, name="two", output_name="y"),
    ]
    MEETING.append(Rendezvous(2))
    assert asyncio.run(_module(meeting, tmp_path).run(a=1)) == {"x": 1, "y": 2}
    assert MEETING[-1].complete
    napping = [
        FunctionNode(slow_thread, name="one", output_name="x"),
        FunctionNode(slow_thread_2, name="two", output_name="y"),
    ]
    assert _timed(_module(napping, tmp_path, inline=True), a=1) >= 0.39  # one after the other


def test_failure_cancels_async_siblings_and_raises_the_original(tmp_path: Path) -> None:
    FINISHED.clear()
    module = _module(
        [
            FunctionNode(slow_async, name="slow", output_name="x"),
            FunctionNode(afail, name="bad", output_name="y"),
        ],
        tmp_path,
    )
    with pytest.raises(FixtureError, match="afail got 1"):
        asyncio.run(module.run(a=1))
    time.sleep(0.25)  # past the sibling's nap: had it not been cancelled, it would finish
    assert FINISHED == []  # cancelled, never finished


def test_failure_waits_for_started_threads(tmp_path: Path) -> None:
    FINISHED.clear()
    module = _module(
        [
            FunctionNode(slow_thread, name="slow", output_name="x"),
            FunctionNode(afail, name="bad", output_name="y"),
        ],
        tmp_path,
    )

    async def main() -> None:
        with pytest.raises(FixtureError):
            await module.run(a=1)
        assert FINISHED == ["slow_thread"]  # the thread had settled before run() raised

    asyncio.run(main())


def test_sync_failure_in_thread_propagates_unwrapped(tmp_path: Path) -> None:
    module = _module(
        [
            FunctionNode(fail, name="bad", output_name="x"),
            FunctionNode(slow_async, name="slow", output_name="y"),
        ],
        tmp_path,
    )
    with pytest.raises(FixtureError, match="fail got 2"):
        asyncio.run(module.run(a=2))
