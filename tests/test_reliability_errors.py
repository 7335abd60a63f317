"""Whatever a node raises comes out of the run as the same object (issue 10, item 4), also a
BaseException that is not an Exception, from any kind of superstep, on every back end."""

from __future__ import annotations

import asyncio
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from codegen_support import compile_and_load

from hypergraph import AsyncRunner, Graph, SyncRunner, ifelse, node


class Abort(BaseException):
    """Not an Exception: like KeyboardInterrupt, it must not be taken for a node failure."""


ABORT = Abort("stop everything")


def aborts(x: int) -> int:
    time.sleep(0.01)
    raise ABORT


async def aborts_async(x: int) -> int:
    await asyncio.sleep(0.01)
    raise ABORT


def sibling(x: int) -> int:
    time.sleep(0.05)
    return x


async def sibling_async(x: int) -> int:
    await asyncio.sleep(0.05)
    return x


def _graphs() -> dict[str, Graph]:
    bad, bad_async = node(aborts, output_name="a"), node(aborts_async, output_name="a")
    other, other_async = node(sibling, output_name="b"), node(sibling_async, output_name="b")

    @ifelse(when_true="aborts", when_false="sibling")
    def pick(x: int) -> bool:
        return True

    inner = Graph([bad, other], name="inner")
    return {
        "def siblings": Graph([bad, other]),
        "async siblings": Graph([bad_async, other_async]),
        "def and async siblings": Graph([bad, other_async]),
        "async and def siblings": Graph([bad_async, other]),
        "gate, then siblings": Graph([pick, bad, other, node(sibling_async, output_name="c")]),
        "nested graph": Graph([inner.as_node(), node(sibling_async, output_name="c")]),
        "mapped nested graph": Graph([inner.as_node().map_over("x")]),
    }


SHAPES = list(_graphs())


def _inputs(shape: str) -> dict[str, Any]:
    return {"x": [1, 2, 3]} if shape.startswith("mapped") else {"x": 1}


def other_tasks() -> set[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current}


@pytest.mark.asyncio
@pytest.mark.parametrize("sync_nodes", ["thread", "inline"])
@pytest.mark.parametrize("shape", SHAPES)
async def test_base_exception_of_a_concurrent_superstep_propagates_as_is(
    shape: str, sync_nodes: str
) -> None:
    runner = AsyncRunner(sync_nodes=sync_nodes)  # type: ignore[arg-type]
    before = other_tasks()
    with pytest.raises(Abort) as info:
        await runner.run(_graphs()[shape], _inputs(shape))
    assert info.value is ABORT
    assert other_tasks() <= before  # the siblings were cancelled and waited for


@pytest.mark.asyncio
@pytest.mark.parametrize("error_handling", ["raise", "continue"])
@pytest.mark.parametrize("max_concurrency", [None, 2])
async def test_base_exception_of_a_map_item_propagates_as_is(
    error_handling: str, max_concurrency: int | None
) -> None:
    before = other_tasks()
    with pytest.raises(Abort) as info:
        await AsyncRunner().map(
            _graphs()["def siblings"],
            x=[1, 2, 3, 4],
            map_over="x",
            error_handling=error_handling,  # type: ignore[arg-type]
            max_concurrency=max_concurrency,
        )
    assert info.value is ABORT
    assert other_tasks() <= before


@pytest.mark.parametrize("shape", ["def siblings", "nested graph", "mapped nested graph"])
def test_sync_runner_propagates_a_base_exception_as_is(shape: str) -> None:
    graph = _graphs()[shape]
    if shape == "nested graph":  # without the async sibling SyncRunner refuses
        inner = Graph([node(aborts, output_name="a")], name="inner")
        graph = Graph([inner.as_node()])
    with pytest.raises(Abort) as info:
        SyncRunner().run(graph, _inputs(shape))
    assert info.value is ABORT


@pytest.mark.parametrize("inline", [False, True])
@pytest.mark.parametrize("shape", ["def siblings", "async siblings", "def and async siblings"])
def test_compiled_module_and_runner_raise_the_same_object(
    shape: str, inline: bool, tmp_path: Path
) -> None:
    graph = _graphs()[shape]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = compile_and_load(graph, "async", tmp_path, inline)
    with pytest.raises(Abort) as compiled:
        asyncio.run(module.run(x=1))
    runner = AsyncRunner(sync_nodes="inline" if inline else "thread")
    with pytest.raises(Abort) as ran:
        asyncio.run(runner.run(graph, x=1))
    assert compiled.value is ran.value is ABORT
