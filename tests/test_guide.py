"""Every example of the execution-modes guide, asserting the outcome the guide states.

Sleeps are shortened (1 s -> 0.2 s, 0.1 s -> 0.01 s) keeping their ratios; httpx and openai
calls are replaced by simulated async functions.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from concurrency import Rendezvous

from hypergraph import AsyncRunner, Graph, IncompatibleRunnerError, SyncRunner, node

SECOND = 0.2  # the guide's 1 s
TENTH = 0.01  # the guide's 0.1 s (simulated work)


# -- Execution mode detection ----------------------------------------------------------------


def test_execution_mode_detection():
    @node(output_name="result")
    def sync_func(x: int) -> int:
        return x * 2

    assert sync_func.is_async is False
    assert sync_func.is_generator is False
    assert inspect.iscoroutinefunction(sync_func.func) is False

    @node(output_name="result")
    async def async_func(x: int) -> int:
        return x * 2

    assert async_func.is_async is True
    assert async_func.is_generator is False
    assert inspect.iscoroutinefunction(async_func.func) is True


# -- Mode 1: synchronous functions ----------------------------------------------------------


def test_mode1_sync_functions():
    @node(output_name="doubled")
    def double(x: int) -> int:
        return x * 2

    @node(output_name="result")
    def add_one(doubled: int) -> int:
        return doubled + 1

    graph = Graph([double, add_one])
    runner = SyncRunner()
    result = runner.run(graph, {"x": 5})
    assert result["result"] == 11
    # "Compatible with both SyncRunner and AsyncRunner"
    assert asyncio.run(AsyncRunner().run(graph, {"x": 5}))["result"] == 11


# -- Mode 2: asynchronous functions -----------------------------------------------------------


class FakeResponse:
    def __init__(self, url: str) -> None:
        self.url = url

    def json(self) -> dict[str, Any]:
        return {"url": self.url, "items": [1, 2]}


class FakeAsyncClient:
    """Stands in for httpx.AsyncClient."""

    async def __aenter__(self) -> FakeAsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def get(self, url: str) -> FakeResponse:
        await asyncio.sleep(TENTH)
        return FakeResponse(url)


@pytest.mark.asyncio
async def test_mode2_async_functions():
    @node(output_name="response")
    async def call_api(url: str) -> dict:
        async with FakeAsyncClient() as client:
            resp = await client.get(url)
            return resp.json()

    @node(output_name="processed")
    async def process(response: dict) -> dict:
        await asyncio.sleep(TENTH)  # Simulate async work
        return {"processed": True, **response}

    graph = Graph([call_api, process])
    runner = AsyncRunner()
    result = await runner.run(graph, {"url": "https://api.example.com/data"})
    assert result["processed"] == {
        "processed": True,
        "url": "https://api.example.com/data",
        "items": [1, 2],
    }
    # "Async nodes cannot be executed with SyncRunner."
    with pytest.raises(IncompatibleRunnerError):
        SyncRunner().run(graph, {"url": "https://api.example.com/data"})


@pytest.mark.asyncio
async def test_mode2_concurrency_about_one_not_two():
    # "~1 s, not 2 s" shown by events: each task waits until the other has started, which
    # only happens when they run at the same time (a time bound fails on a loaded machine).
    meet = Rendezvous(2)

    @node(output_name="result_a")
    async def task_a(x: int) -> int:
        await meet.wait_async()
        await asyncio.sleep(SECOND)
        return x * 2

    @node(output_name="result_b")
    async def task_b(y: int) -> int:
        await meet.wait_async()
        await asyncio.sleep(SECOND)
        return y * 3

    graph = Graph([task_a, task_b])
    runner = AsyncRunner()
    result = await runner.run(graph, {"x": 5, "y": 10})
    assert result.values == {"result_a": 10, "result_b": 30}
    assert meet.complete


# -- Mode 3: synchronous generators -------------------------------------------------------------


def test_mode3_sync_generators():
    @node(output_name="chunks")
    def chunk_text(text: str, size: int = 100) -> Iterator[str]:
        """Split text into chunks."""
        for i in range(0, len(text), size):
            yield text[i : i + size]

    @node(output_name="processed_chunks")
    def process_chunks(chunks: Iterator[str]) -> list[str]:
        """Process each chunk."""
        return [chunk.upper() for chunk in chunks]

    graph = Graph([chunk_text, process_chunks])
    runner = SyncRunner()
    result = runner.run(graph, {"text": "a" * 350, "size": 100})
    assert len(result["processed_chunks"]) == 4
    assert result["processed_chunks"] == ["A" * 100] * 3 + ["A" * 50]
    # size defaults to 100
    assert len(runner.run(graph, {"text": "a" * 350})["processed_chunks"]) == 4


def test_mode3_generator_passed_as_is():
    received: list[object] = []

    @node(output_name="numbers")
    def generate_numbers(n: int) -> Iterator[int]:
        yield from range(n)

    @node(output_name="sum")
    def sum_numbers(numbers: Iterator[int]) -> int:
        received.append(numbers)
        # numbers is the generator object
        return sum(numbers)  # Consumes the generator

    result = SyncRunner().run(Graph([generate_numbers, sum_numbers]), {"n": 5})
    assert result["sum"] == 10
    assert inspect.isgenerator(received[0])
    assert received[0] is result["numbers"]
    # "they can only be iterated once"
    assert list(result["numbers"]) == []


# -- Mode 4: asynchronous generators ------------------------------------------------------------


@pytest.mark.asyncio
async def test_mode4_async_generators():
    @node(output_name="tokens")
    async def stream_llm(prompt: str) -> AsyncIterator[str]:
        """Stream LLM response tokens."""
        words = ["Hello", "world", "from", "LLM"]
        for word in words:
            await asyncio.sleep(TENTH)  # Simulate network delay
            yield word

    @node(output_name="response")
    async def collect_tokens(tokens: AsyncIterator[str]) -> str:
        """Collect all tokens into a response."""
        parts = []
        async for token in tokens:
            parts.append(token)
        return " ".join(parts)

    graph = Graph([stream_llm, collect_tokens])
    runner = AsyncRunner()
    result = await runner.run(graph, {"prompt": "Say hello"})
    assert result["response"] == "Hello world from LLM"
    with pytest.raises(IncompatibleRunnerError):
        SyncRunner().run(graph, {"prompt": "Say hello"})


class _Delta:
    def __init__(self, content: str | None) -> None:
        self.content = content


class _Choice:
    def __init__(self, content: str | None) -> None:
        self.delta = _Delta(content)


class _Chunk:
    def __init__(self, content: str | None) -> None:
        self.choices = [_Choice(content)]


class FakeOpenAI:
    """Stands in for openai.AsyncOpenAI: chat.completions.create(stream=True)."""

    def __init__(self) -> None:
        self.chat = self
        self.completions = self

    async def create(self, *, model: str, messages: list[dict[str, str]], stream: bool) -> Any:
        assert stream is True

        async def chunks() -> AsyncIterator[_Chunk]:
            for piece in ["Hi", None, " there", "!"]:  # None: a chunk without content
                await asyncio.sleep(0)
                yield _Chunk(piece)

        return chunks()


@pytest.mark.asyncio
async def test_mode4_openai_streaming(capsys):
    @node(output_name="tokens")
    async def stream_openai(prompt: str) -> AsyncIterator[str]:
        """Stream OpenAI completions."""
        client = FakeOpenAI()
        stream = await client.chat.completions.create(
            model="gpt-4",
            messages=[{"role": "user", "content": prompt}],
            stream=True,
        )
        async for chunk in stream:
            if chunk.choices[0].delta.content:
                yield chunk.choices[0].delta.content

    @node(output_name="full_response")
    async def collect_response(tokens: AsyncIterator[str]) -> str:
        """Collect streaming tokens into full response."""
        parts = []
        async for token in tokens:
            parts.append(token)
            print(token, end="", flush=True)  # Stream to console
        return "".join(parts)

    result = await AsyncRunner().run(Graph([stream_openai, collect_response]), prompt="hi")
    assert result["full_response"] == "Hi there!"
    assert capsys.readouterr().out == "Hi there!"


# -- Mixing execution modes --------------------------------------------------------------------


def _mixed_graph() -> Graph:
    @node(output_name="data")
    def load_data(path: str) -> dict:
        # Mode 1: Sync function
        return {"items": [1, 2, 3, 4, 5]}

    @node(output_name="chunks")
    def chunk_items(data: dict) -> Iterator[list[int]]:
        # Mode 3: Sync generator
        items = data["items"]
        for i in range(0, len(items), 2):
            yield items[i : i + 2]

    @node(output_name="processed")
    async def process_chunk(chunks: Iterator[list[int]]) -> list[int]:
        # Mode 2: Async function consuming generator
        results = []
        for chunk in chunks:
            await asyncio.sleep(TENTH)  # Simulate async work
            results.extend([x * 2 for x in chunk])
        return results

    return Graph([load_data, chunk_items, process_chunk])


@pytest.mark.asyncio
async def test_mixing_execution_modes():
    graph = _mixed_graph()
    runner = AsyncRunner()  # Required for async nodes
    result = await runner.run(graph, {"path": "data.json"})
    assert result["processed"] == [2, 4, 6, 8, 10]


def test_mixing_requires_async_runner():
    with pytest.raises(IncompatibleRunnerError, match="process_chunk"):
        SyncRunner().run(_mixed_graph(), {"path": "data.json"})


# -- Runner compatibility table ---------------------------------------------------------------


def _one_node_per_mode() -> dict[str, Any]:
    def sync_function(x):
        return x

    async def async_function(x):
        return x

    def sync_generator(x):
        yield x

    async def async_generator(x):
        yield x

    return {
        f.__name__: node(f, "out")
        for f in (sync_function, async_function, sync_generator, async_generator)
    }


@pytest.mark.parametrize(
    ("mode", "sync_ok"),
    [
        ("sync_function", True),
        ("async_function", False),
        ("sync_generator", True),
        ("async_generator", False),
    ],
)
def test_runner_compatibility_table(mode, sync_ok):
    graph = Graph([_one_node_per_mode()[mode]])
    if sync_ok:
        assert SyncRunner().run(graph, x=1).completed
    else:
        with pytest.raises(IncompatibleRunnerError):
            SyncRunner().run(graph, x=1)
    assert asyncio.run(AsyncRunner().run(graph, x=1)).completed  # AsyncRunner: always yes


# -- Sequential vs concurrent execution --------------------------------------------------------


def _blocking_pair(meet: Rendezvous | None = None) -> Graph:
    """The guide's pair of blocking nodes; with `meet`, each waits until the other runs too
    (concurrency shown by events: a fixed time bound fails on a loaded machine)."""

    @node(output_name="result_a")
    def task_a(x: int) -> int:
        meet.wait() if meet else time.sleep(SECOND)  # 1 second
        return x * 2

    @node(output_name="result_b")
    def task_b(y: int) -> int:
        meet.wait() if meet else time.sleep(SECOND)  # 1 second
        return y * 3

    return Graph([task_a, task_b])


def test_sequential_sync_runner_about_two_seconds():
    graph = _blocking_pair()
    runner = SyncRunner()
    start = time.time()
    result = runner.run(graph, {"x": 5, "y": 10})
    took = time.time() - start
    assert result.values == {"result_a": 10, "result_b": 30}
    assert took >= 2 * SECOND * 0.95  # ~2 s (sequential)


@pytest.mark.asyncio
async def test_concurrent_async_runner_same_pair():
    meet = Rendezvous(2)
    result = await AsyncRunner().run(_blocking_pair(meet), {"x": 5, "y": 10})
    assert result.values == {"result_a": 10, "result_b": 30}
    assert meet.complete  # def nodes in worker threads, at the same time


# -- Superstep execution ------------------------------------------------------------------------


def test_three_stage_pipeline_three_supersteps():
    order: list[str] = []

    @node(output_name="a")
    def step1() -> int:
        order.append("step1")
        return 1

    @node(output_name="b")
    def step2(a: int) -> int:
        order.append("step2")
        return a * 2

    @node(output_name="c")
    def step3(b: int) -> int:
        order.append("step3")
        return b * 3

    graph = Graph([step1, step2, step3])
    assert graph.plan.supersteps == (("step1",), ("step2",), ("step3",))
    assert SyncRunner().run(graph).values == {"a": 1, "b": 2, "c": 6}
    assert order == ["step1", "step2", "step3"]


@pytest.mark.asyncio
async def test_fan_out_second_superstep_is_concurrent():
    @node(output_name="data")
    def fetch() -> dict:
        return {"value": 10}

    meet = Rendezvous(2)

    @node(output_name="result_a")
    async def process_a(data: dict) -> int:
        await meet.wait_async()  # returns once process_b runs too
        return data["value"] * 2

    @node(output_name="result_b")
    async def process_b(data: dict) -> int:
        await meet.wait_async()
        return data["value"] * 3

    @node(output_name="final")
    def combine(result_a: int, result_b: int) -> int:
        return result_a + result_b

    graph = Graph([fetch, process_a, process_b, combine])
    assert graph.plan.supersteps == (("fetch",), ("process_a", "process_b"), ("combine",))
    result = await AsyncRunner().run(graph)
    assert meet.complete
    assert result["final"] == 50


# -- Best practices ---------------------------------------------------------------------------


def test_best_practice_cpu_bound_sync():
    @node(output_name="result")
    def compute_hash(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    result = SyncRunner().run(Graph([compute_hash]), data=b"abc")
    assert result["result"] == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.asyncio
async def test_best_practice_io_bound_async():
    @node(output_name="data")
    async def fetch_api(url: str) -> dict:
        async with FakeAsyncClient() as client:
            return (await client.get(url)).json()

    result = await AsyncRunner().run(Graph([fetch_api]), url="u")
    assert result["data"] == {"url": "u", "items": [1, 2]}


def test_best_practice_large_file_generator(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_text("  one \ntwo\n three  \n")

    @node(output_name="lines")
    def read_large_file(path: str) -> Iterator[str]:
        with open(path) as f:
            for line in f:
                yield line.strip()

    @node(output_name="count")
    def count(lines: Iterator[str]) -> int:
        return sum(1 for _ in lines)

    result = SyncRunner().run(Graph([read_large_file, count]), path=str(path))
    assert result["count"] == 3
    leaf = SyncRunner().run(Graph([read_large_file]), path=str(path))["lines"]
    assert list(leaf) == ["one", "two", "three"]


@pytest.mark.asyncio
async def test_best_practice_streaming_async_generator():
    async def openai_stream(prompt: str) -> AsyncIterator[str]:
        for token in prompt.split():
            await asyncio.sleep(0)
            yield token

    @node(output_name="tokens")
    async def stream_llm(prompt: str) -> AsyncIterator[str]:
        async for token in openai_stream(prompt):
            yield token

    result = await AsyncRunner().run(Graph([stream_llm]), prompt="a b c")
    assert [t async for t in result["tokens"]] == ["a", "b", "c"]


# -- Avoid common pitfalls ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_pitfall_time_sleep_in_async_blocks_the_loop():
    @node(output_name="result")
    async def bad(x: int) -> int:
        time.sleep(SECOND)  # Blocks!
        return x * 2

    meet = Rendezvous(2)  # the awaiting pair overlaps: each waits until the other has started

    @node(output_name="result")
    async def good(x: int) -> int:
        await meet.wait_async()
        await asyncio.sleep(SECOND)
        return x * 2

    def pair(n):
        return Graph([n, n.with_name(f"{n.name}_2").rename_outputs(result="result_2")])

    start = time.time()
    blocked = await AsyncRunner().run(pair(bad), x=3)
    took_bad = time.time() - start
    fine = await AsyncRunner().run(pair(good), x=3)
    assert blocked.values == fine.values == {"result": 6, "result_2": 6}
    assert took_bad >= 2 * SECOND * 0.95  # the blocking pair serialises
    assert meet.complete  # the awaiting pair overlaps (counted, not timed)


def _numbers() -> Any:
    @node(output_name="numbers")
    def generate() -> Iterator[int]:
        yield from range(5)

    return generate


def test_pitfall_generator_used_twice():
    @node(output_name="result")
    def use_twice(numbers: Iterator[int]) -> tuple[int, int]:
        sum1 = sum(numbers)  # Consumes generator
        sum2 = sum(numbers)  # Empty! Generator exhausted
        return (sum1, sum2)

    result = SyncRunner().run(Graph([_numbers(), use_twice]))
    assert result["result"] == (10, 0)


def test_pitfall_fix_materialise_once():
    @node(output_name="result")
    def use_twice_fixed(numbers: Iterator[int]) -> tuple[int, int]:
        nums = list(numbers)  # Materialize once
        return (sum(nums), sum(nums))

    result = SyncRunner().run(Graph([_numbers(), use_twice_fixed]))
    assert result["result"] == (10, 10)
