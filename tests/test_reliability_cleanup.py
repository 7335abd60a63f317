"""A failed run keeps no reference cycle (issue 10, item 3): once the caller drops the
exception, or the RunResult of an error_handling="continue" run, a generator the run created
is closed at once (its `finally` runs), as in plain Python, without waiting for the cyclic
garbage collector. The tests disable that collector: a cycle would keep the generator open."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from codegen_support import compile_and_load

from hypergraph import AsyncRunner, Graph, SyncRunner, get_failure_evidence, ifelse, node
from hypergraph.events import EventProcessor

CLOSED: list[str] = []


class Bad(Exception):
    pass


def produce(n: int) -> Iterator[int]:
    try:
        yield from range(n)
    finally:
        CLOSED.append("produce")


async def aproduce(n: int) -> AsyncIterator[int]:
    try:
        for i in range(n):
            yield i
    finally:
        CLOSED.append("aproduce")


def consume(items: Iterator[int]) -> int:
    for i in items:
        if i == 2:
            raise Bad("bad item")
    return 0


async def aconsume(items: AsyncIterator[int]) -> int:
    async for i in items:
        if i == 2:
            raise Bad("bad item")
    return 0


def size(n: int) -> int:
    return n


async def sibling(k: int) -> int:
    await asyncio.sleep(0.01)
    return k


def _graph(kind: str, shape: str, runner: str) -> Graph:
    """The generator's producer and a consumer that raises while iterating it."""
    if kind == "sync":
        made = [node(produce, output_name="items"), node(consume, output_name="total")]
    else:
        made = [node(aproduce, output_name="items"), node(aconsume, output_name="total")]
    if shape == "alone":
        return Graph(made)
    if shape == "with a sibling":  # the consumer shares its superstep with another node
        other = sibling if runner != "sync" else size
        extra = [node(size, output_name="k"), node(other, output_name="other").with_name("other")]
        return Graph([*made, *extra])
    if shape == "nested":
        return Graph([Graph(made, name="inner").as_node()])
    assert shape == "after a gate"

    @ifelse(when_true=made[1].name, when_false="other")
    def go(n: int) -> bool:
        return True

    return Graph([*made, go, node(size, output_name="other").with_name("other")])


def _cases() -> list[tuple[str, str, str]]:
    shapes = ["alone", "with a sibling", "nested", "after a gate"]
    cases = [("sync", "sync", shape) for shape in shapes]
    for runner in ("thread", "inline"):
        cases += [(runner, kind, shape) for kind in ("sync", "async") for shape in shapes]
    return cases


@pytest.fixture
def no_cyclic_gc() -> Any:
    gc.collect()
    CLOSED.clear()
    gc.disable()
    yield
    gc.enable()


async def _closed_soon() -> bool:
    """Async generators are closed by the loop's finalizer a few loop turns after they are
    dropped; a reference cycle would keep them open for good (the collector is off)."""
    for _ in range(100):
        if CLOSED:
            return True
        await asyncio.sleep(0.005)
    return False


def _options(how: str, mapped: bool, watched: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Inputs and options; a watched run reports to a processor that does nothing."""
    options: dict[str, Any] = {"error_handling": how}
    if watched:
        options["event_processors"] = [EventProcessor()]
    if mapped:
        return {"n": [5, 5]}, {**options, "map_over": "n"}
    return {"n": 5}, options


def _run(graph: Graph, how: str, mapped: bool, watched: bool) -> None:
    """Run on SyncRunner and drop whatever the run returned or raised."""
    inputs, options = _options(how, mapped, watched)
    runner = SyncRunner()
    with contextlib.suppress(Bad):
        (runner.map if mapped else runner.run)(graph, inputs, **options)


async def _arun(sync_nodes: str, graph: Graph, how: str, mapped: bool, watched: bool) -> None:
    """Run on AsyncRunner and drop whatever the run returned or raised."""
    inputs, options = _options(how, mapped, watched)
    runner = AsyncRunner(sync_nodes=sync_nodes)  # type: ignore[arg-type]
    with contextlib.suppress(Bad):
        await (runner.map if mapped else runner.run)(graph, inputs, **options)


@pytest.mark.usefixtures("no_cyclic_gc")
@pytest.mark.parametrize("watched", [False, True], ids=["", "watched"])
@pytest.mark.parametrize("mapped", [False, True], ids=["run", "map"])
@pytest.mark.parametrize("how", ["raise", "continue"])
@pytest.mark.parametrize(("runner", "kind", "shape"), _cases())
def test_a_failed_run_closes_its_generator_once_dropped(
    runner: str, kind: str, shape: str, how: str, mapped: bool, watched: bool
) -> None:
    graph = _graph(kind, shape, runner)
    if runner == "sync":
        _run(graph, how, mapped, watched)
        assert CLOSED, "the generator stayed open: a reference cycle holds it"
        return

    async def main() -> None:
        await _arun(runner, graph, how, mapped, watched)
        assert await _closed_soon(), "the generator stayed open: a reference cycle holds it"

    asyncio.run(main())


@pytest.mark.usefixtures("no_cyclic_gc")
def test_the_evidence_still_names_the_error_and_its_inputs() -> None:
    graph = _graph("sync", "alone", "sync")
    with pytest.raises(Bad) as info:
        SyncRunner().run(graph, n=5)
    evidence = get_failure_evidence(info.value)
    assert evidence is not None
    assert evidence.error is info.value
    assert evidence.node_name == "consume"
    assert isinstance(evidence.inputs["items"], Iterator)
    del evidence
    assert not CLOSED  # the exception still holds the failed node's inputs
    del info
    assert CLOSED
    result = SyncRunner().run(graph, n=5, error_handling="continue")
    assert result.failure is not None
    assert result.failure.error is result.error
    CLOSED.clear()
    del result
    assert CLOSED


@pytest.mark.usefixtures("no_cyclic_gc")
@pytest.mark.parametrize("backend", ["sync", "async"])
def test_compiled_modules_close_the_generator_the_same_way(backend: str, tmp_path: Path) -> None:
    graph = _graph("sync", "alone", "sync")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = compile_and_load(graph, backend, tmp_path)
    gc.collect()
    CLOSED.clear()
    if backend == "sync":
        with contextlib.suppress(Bad):
            module.run(n=5)
        assert CLOSED
        return

    async def main() -> None:  # caught inside: asyncio.run's own frame keeps what escapes it
        with contextlib.suppress(Bad):
            await module.run(n=5)
        assert await _closed_soon()

    asyncio.run(main())
