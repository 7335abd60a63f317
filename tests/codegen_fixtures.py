"""Module-level node functions for the compiler tests, and a random-DAG builder.

Compiled modules import node functions by module and name, so every function the tests wire
into graphs lives here, at the top level. Random graphs vary the wiring through renames.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

from concurrency import Rendezvous

from hypergraph import FunctionNode, Graph, IfElseNode, RetryPolicy, node


class FixtureError(Exception):
    """Raised on purpose by the failing fixtures."""


# -- the four modes, all on ints -------------------------------------------------------------


def add(a: int, b: int) -> int:
    return a + b


def inc(a: int) -> int:
    return a + 1


def scale(a: int, k: int = 3) -> int:
    return a * k


def sleepy(a: int) -> int:
    time.sleep(0.001)
    return a - 1


async def aadd(a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


async def ainc(a: int) -> int:
    await asyncio.sleep(0.001)
    return a + 1


def count_up(a: int) -> Iterator[int]:
    yield from range(abs(a) % 5)


async def acount_up(a: int) -> AsyncIterator[int]:
    for value in range(abs(a) % 5):
        await asyncio.sleep(0)
        yield value


def total(items: Iterable[int]) -> int:
    return sum(items)


async def atotal(items: AsyncIterator[int]) -> int:
    return sum([value async for value in items])


def split(a: int) -> tuple[int, int]:
    return a // 2, a % 2


def wrong_split(a: int) -> tuple[int, int]:
    return (a, a, a)  # type: ignore[return-value]


def remember(a: int, seen: list[int] = [0]) -> int:  # noqa: B006
    seen.append(a)
    return sum(seen)


LOG: list[str] = []


def sink(a: int) -> None:
    LOG.append(f"sink {a}")


def ticker(a: int) -> Iterator[int]:
    for value in range(abs(a) % 3):
        LOG.append(f"tick {value}")
        yield value


async def aticker(a: int) -> AsyncIterator[int]:
    for value in range(abs(a) % 3):
        LOG.append(f"atick {value}")
        yield value


def fail(a: int) -> int:
    raise FixtureError(f"fail got {a}")


async def afail(a: int) -> int:
    await asyncio.sleep(0)
    raise FixtureError(f"afail got {a}")


def picky(a: int) -> int:
    """Fails for some values only: mapped items fail one by one."""
    if a % 3 == 0:
        raise FixtureError(f"picky got {a}")
    return a


async def apicky(a: int) -> int:
    await asyncio.sleep(0)
    if a % 3 == 0:
        raise FixtureError(f"apicky got {a}")
    return a


# -- typed pairs for negative mypy tests -----------------------------------------------------


def make_text(a: int) -> str:
    return str(a)


def need_int(text: int) -> int:
    return text


@node(output_name="doubled")
def double(x: int) -> int:
    return 2 * x


# -- random DAGs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    func: object
    params: tuple[str, ...]
    outputs: tuple[str, ...] | None  # None: the node gets one fresh output name
    is_async: bool = False
    stream: str = ""  # "sync" / "async" for generators
    consumes: str = ""  # "sync" / "async" stream consumers


KINDS: tuple[Kind, ...] = (
    Kind(add, ("a", "b"), None),
    Kind(inc, ("a",), None),
    Kind(scale, ("a", "k"), None),
    Kind(sleepy, ("a",), None),
    Kind(aadd, ("a", "b"), None, is_async=True),
    Kind(ainc, ("a",), None, is_async=True),
    Kind(count_up, ("a",), None, stream="sync"),
    Kind(acount_up, ("a",), None, is_async=True, stream="async"),
    Kind(split, ("a",), ("hi", "lo")),
    Kind(remember, ("a", "seen"), None),
    Kind(sink, ("a",), ()),
    Kind(ticker, ("a",), ()),
    Kind(aticker, ("a",), (), is_async=True),
)
CONSUMERS = {"sync": Kind(total, ("items",), None), "async": Kind(atotal, ("items",), None, True)}
FAILERS = (Kind(fail, ("a",), None), Kind(afail, ("a",), None, is_async=True))
PICKY = (Kind(picky, ("a",), None), Kind(apicky, ("a",), None, is_async=True))


def random_graph(
    rng: random.Random,
    size: int,
    *,
    allow_async: bool,
    failing: bool = False,
    picky: bool = False,
    name: str = "random",
) -> Graph:
    """A random DAG of `size` nodes over int values `x0`, `x1` (graph inputs) and `v<i>`,
    biased towards connected shapes (a node reads an earlier node's value when it can, four
    times in five)."""
    kinds = [k for k in KINDS if allow_async or not k.is_async]
    values = ["x0", "x1"]
    streams: list[tuple[str, str]] = []  # unconsumed generator outputs (name, sync/async)
    nodes: list[FunctionNode[..., object]] = []
    fail_at = rng.randrange(size) if failing else -1
    for index in range(size):
        if index == fail_at:
            choices = list(PICKY if picky else FAILERS)
            choices = [k for k in choices if allow_async or not k.is_async]
            kind = rng.choice(choices)
        elif streams and rng.random() < 0.5:
            stream, flavour = streams.pop(rng.randrange(len(streams)))
            if flavour == "async" and not allow_async:
                continue
            kind = CONSUMERS[flavour if flavour == "async" else rng.choice(["sync", "sync"])]
            nodes.append(_make(kind, index, {"items": stream}, kind.outputs))
            values.append(nodes[-1].data_outputs[0])
            continue
        else:
            kind = rng.choice(kinds)
        wired = [p for p in kind.params if p in ("a", "b")]
        picked = rng.sample(values, len(wired))
        produced = [v for v in values if v not in ("x0", "x1")]
        # connected shapes: most nodes read a produced value when there is one
        unread = [v for v in produced if v not in picked]
        if picked and unread and set(picked) <= {"x0", "x1"} and rng.random() < 0.8:
            picked[0] = rng.choice(unread)
        renames = dict(zip(wired, picked, strict=True))
        if "k" in kind.params and produced and rng.random() < 0.5:
            choice = rng.choice(produced)
            if choice not in renames.values():
                renames["k"] = choice
        outputs = kind.outputs
        made = _make(kind, index, renames, outputs)
        nodes.append(made)
        if kind.stream:
            streams.append((made.data_outputs[0], kind.stream))
        else:
            values.extend(made.data_outputs)
    return Graph(nodes, name=name)


def _make(
    kind: Kind, index: int, renames: dict[str, str], outputs: tuple[str, ...] | None
) -> FunctionNode[..., object]:
    if outputs is None:
        output_name: str | tuple[str, ...] | None = f"v{index}"
    elif outputs:
        output_name = tuple(f"{o}{index}" for o in outputs)
    else:
        output_name = None
    made: FunctionNode[..., object] = FunctionNode(
        kind.func,  # type: ignore[arg-type]
        name=f"n{index}",
        output_name=output_name,
        rename_inputs=renames or None,
    )
    return made


# -- timing fixtures for the async back end ----------------------------------------------------

FINISHED: list[str] = []


IN_FLIGHT = [0, 0]
"""[running now, most at once] for `tracked`."""


async def tracked(a: int) -> int:
    IN_FLIGHT[0] += 1
    IN_FLIGHT[1] = max(IN_FLIGHT[1], IN_FLIGHT[0])
    try:
        await asyncio.sleep(0.01)
        return a
    finally:
        IN_FLIGHT[0] -= 1


MEETING: list[Rendezvous] = []
"""The rendezvous `meet_async` and `meet_thread` join (a test puts a fresh one here)."""


async def meet_async(a: int) -> int:
    await MEETING[-1].wait_async()
    return a


def meet_thread(a: int) -> int:
    MEETING[-1].wait()
    return a


def meet_thread_2(a: int) -> int:
    MEETING[-1].wait()
    return a + 1


async def slow_async(a: int) -> int:
    await asyncio.sleep(0.2)
    FINISHED.append("slow_async")
    return a


def slow_thread(a: int) -> int:
    time.sleep(0.2)
    FINISHED.append("slow_thread")
    return a


def slow_thread_2(a: int) -> int:
    time.sleep(0.2)
    return a


# -- golden graphs -----------------------------------------------------------------------------


def golden_graphs() -> dict[str, tuple[Graph, str, str]]:
    """name -> (graph, backend, sync_nodes) for the golden-file tests."""
    modes = Graph(
        [
            FunctionNode(ainc, name="start", output_name="a1"),
            FunctionNode(count_up, name="numbers", output_name="stream"),
            FunctionNode(acount_up, name="anumbers", output_name="astream"),
            FunctionNode(inc, name="step", output_name="b").rename_inputs(a="a1"),
            FunctionNode(ticker, name="tick"),
            FunctionNode(aticker, name="atick"),
            FunctionNode(total, name="sum_stream").rename_inputs(items="stream"),
            FunctionNode(atotal, name="sum_astream", output_name="c").rename_inputs(
                items="astream"
            ),
            FunctionNode(split, name="halves", output_name=("hi", "lo")).rename_inputs(a="b"),
            FunctionNode(sink, name="log").rename_inputs(a="c"),
        ],
        name="all_modes",
    )
    clashes = Graph(
        [
            FunctionNode(inc, name="inc", output_name="inc"),
            FunctionNode(add, name="add", output_name="list").rename_inputs(a="inc", b="int"),
            FunctionNode(scale, name="scaled", output_name="scale").rename_inputs(a="list"),
            FunctionNode(remember, name="remember", output_name="memory").rename_inputs(a="scale"),
            FunctionNode(remember, name="remember_too", output_name="memory_too").rename_inputs(
                a="inc"
            ),
        ],
        name="clashes",
    ).bind(k=5)
    inner = Graph(
        [
            FunctionNode(ainc, name="lift", output_name="lifted"),
            FunctionNode(count_up, name="numbers", output_name="stream").rename_inputs(a="lifted"),
            FunctionNode(total, name="sum_up", output_name="summed").rename_inputs(items="stream"),
            FunctionNode(scale, name="times", output_name="scaled").rename_inputs(a="summed"),
        ],
        name="inner",
    )
    middle = Graph(
        [
            inner.as_node(name="first"),
            inner.as_node(name="second", namespaced=True)
            .rename_inputs(a="summed")
            .expose("k", scaled="rescaled"),
            FunctionNode(picky, name="check", output_name="checked").rename_inputs(a="summed"),
        ],
        name="middle",
    ).select("summed", "checked", "rescaled")
    nested = Graph(
        [
            middle.as_node(name="pair"),
            middle.as_node(name="batch", namespaced=True).map_over(
                "batch.a", mode="product", error_handling="continue", clone=True
            ),
            FunctionNode(sleepy, name="aside", output_name="beside"),
        ],
        name="nested",
    ).bind(k=2)
    return {
        **policy_graphs(),
        "nested_async": (nested, "async", "thread"),
        "all_modes_thread": (modes, "async", "thread"),
        "all_modes_inline": (modes, "async", "inline"),
        "clashes_sync": (clashes, "sync", "thread"),
        "fanout_async": (
            Graph(
                [
                    FunctionNode(slow_async, name="left", output_name="left_value"),
                    FunctionNode(slow_thread, name="right", output_name="right_value"),
                    FunctionNode(aadd, name="join", output_name="sum").rename_inputs(
                        a="left_value", b="right_value"
                    ),
                ],
                name="fanout",
            ),
            "async",
            "thread",
        ),
    }


def positive(a: int) -> bool:
    return a > 0


def policy_graphs() -> dict[str, tuple[Graph, str, str]]:
    """Golden graphs of node policies (issue 15): every wrapper of both back ends."""
    flaky = RetryPolicy(attempts=3, on=(FixtureError, ConnectionError), delay=0.25, jitter=0.0)
    gated = Graph(
        [
            IfElseNode(positive, "grow", "shrink", cache=True),
            FunctionNode(inc, name="grow", output_name="r", cache=True, retry=flaky),
            FunctionNode(scale, name="shrink", output_name="r", retry=1),
        ],
        name="policies_gated",
    )
    mixed = Graph(
        [
            FunctionNode(sleepy, name="fetch", output_name="b", cache=True, retry=flaky, timeout=5),
            FunctionNode(ainc, name="lift", output_name="c", retry=2, timeout=1.5),
            FunctionNode(aadd, name="join", output_name="d", cache=True).rename_inputs(
                a="b", b="c"
            ),
            FunctionNode(scale, name="grow", output_name="e", retry=1).rename_inputs(a="d"),
        ],
        name="policies",
    )
    return {
        "policies_gated_sync": (gated, "sync", "thread"),
        "policies_gated_async": (gated, "async", "thread"),
        "policies_async": (mixed, "async", "thread"),
        "policies_inline": (
            Graph([n for n in mixed.iter_nodes() if n.name != "fetch"], name="policies_inline"),
            "async",
            "inline",
        ),
    }


# -- injection fuzzing -------------------------------------------------------------------------

INJECTED: list[str] = []
"""Payloads append here if they ever run; the fuzz test asserts it stays empty."""


def echo(s: str) -> str:
    return s


def echo_any(s: object) -> object:
    return s
