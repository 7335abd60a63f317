"""Graphs for the executor-map tests (tests/test_scale_out.py, benchmarks/bench_scale.py).

Worker processes import these by module and name, so everything here is module level.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from typing import Any

from hypergraph import END, Graph, RunResult, node, route


@node(output_name="y")
def square(x: int) -> int:
    return x * x


@node(output_name="z")
def shift(y: int, offset: int = 1) -> int:
    return y + offset


@node(output_name="y")
def picky(x: int) -> int:
    """Fails for every x with x % 4 == 3."""
    if x % 4 == 3:
        raise ValueError(f"x={x} is not welcome")
    return x * 10


@node(output_name="y")
async def asquare(x: int) -> int:
    await asyncio.sleep(0)
    return x * x


@node(output_name="total")
def total(z: list[int]) -> int:
    return sum(z)


@route(targets=["shift", END])
def big_enough(y: int) -> str:
    return "shift" if y > 4 else END


plain = Graph([square, shift], name="plain")
failing = Graph([picky, shift], name="failing")
inner = Graph([square, shift], name="inner")
nested = Graph([inner.as_node().map_over("x"), total], name="nested")
inner_failing = Graph([picky, shift], name="inner_failing")
nested_continue = Graph(
    [inner_failing.as_node().map_over("x", error_handling="continue")], name="nested_continue"
)
nested_raise = Graph([inner_failing.as_node().map_over("x")], name="nested_raise")
gated = Graph([square, big_enough, shift], name="gated")
async_graph = Graph([asquare, shift], name="async_graph")


# -- what cannot make the trip ---------------------------------------------------------------


@node(output_name="lock")
def make_lock(x: int) -> Any:
    return threading.Lock()


with_lock_output = Graph([make_lock], name="with_lock_output")


class PickyError(Exception):
    """An exception that pickles but cannot be unpickled (its __init__ takes two arguments)."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


@node(output_name="y")
def raise_picky(x: int) -> int:
    raise PickyError(str(x), "refused")


raising_picky = Graph([raise_picky], name="raising_picky")


@node(output_name="y")
def fail_on_lock(x: int, lock: Any) -> int:
    raise RuntimeError(f"item {x} failed while holding a lock")


failing_with_lock_input = Graph([fail_on_lock], name="failing_with_lock_input")


# -- counting and slowness ------------------------------------------------------------------


class Gauge:
    """How many calls are inside `measured` at once, at most (threads of this process)."""

    lock = threading.Lock()
    now = 0
    peak = 0
    calls = 0

    @classmethod
    def reset(cls) -> None:
        with cls.lock:
            cls.now = cls.peak = cls.calls = 0


@node(output_name="y")
def measured(x: int, pause: float = 0.02) -> int:
    with Gauge.lock:
        Gauge.now += 1
        Gauge.calls += 1
        Gauge.peak = max(Gauge.peak, Gauge.now)
    time.sleep(pause)
    with Gauge.lock:
        Gauge.now -= 1
    return x


gauged = Graph([measured], name="gauged")


@node(output_name="y")
def logged(x: int, log: str, pause: float = 0.05) -> int:
    """Appends x to the file `log` (visible across processes), then sleeps."""
    with Path(log).open("a") as handle:
        handle.write(f"{x}\n")
    time.sleep(pause)
    return x


logging_graph = Graph([logged], name="logging_graph")


def busy(n: int) -> int:
    """CPU-bound work: about `n` loop rounds of integer arithmetic."""
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) % 1_000_003
    return acc


@node(output_name="digest")
def crunch(x: int, rounds: int = 200_000) -> int:
    return busy(rounds + x)


cpu_graph = Graph([crunch], name="cpu_graph")


@node(output_name="pid")
def where(x: int) -> int:
    """The id of the process that ran the item."""
    return os.getpid()


pid_graph = Graph([where], name="pid_graph")


def fingerprint(results: Any) -> list[tuple[Any, ...]]:
    """What must be equal between a sequential map and an executor map: per item its status,
    values, error (type and args) and failure evidence (without run ids and timings)."""

    def error(exc: BaseException | None) -> Any:
        return None if exc is None else (type(exc).__name__, exc.args)

    def one(result: RunResult) -> tuple[Any, ...]:
        evidence = [
            (f.node_name, f.inputs, f.superstep, f.graph_name, f.item_index, error(f.error))
            for f in result.node_failures
        ]
        return (result.status, result.values, error(result.error), evidence)

    return [one(result) for result in results]
