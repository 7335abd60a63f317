"""Node functions for the policy tests of compiled modules (importable by the modules).

Each counts its calls in `CALLS` and fails the first `FAILS[name]` calls for each input with
ConnectionError, so a retry policy and a cache change what is called, by how much."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

CALLS: Counter[str] = Counter()
SEEN: Counter[tuple[str, object]] = Counter()
FAILS: dict[str, int] = {}
RELEASE = threading.Event()
"""What `block` waits for (set it when a test is done)."""


def reset(fails: dict[str, int] | None = None) -> None:
    """Forget every call; `fails`: how often each function fails per input."""
    CALLS.clear()
    SEEN.clear()
    FAILS.clear()
    FAILS.update(fails or {})


def _work(name: str, key: object, value: int) -> int:
    CALLS[name] += 1
    SEEN[(name, key)] += 1
    if SEEN[(name, key)] <= FAILS.get(name, 0):
        raise ConnectionError(f"{name} attempt {SEEN[(name, key)]}")
    return value


def step_a(x: int) -> int:
    return _work("step_a", x, x + 1)


def step_b(a: int) -> int:
    return _work("step_b", a, a * 2)


def step_c(b: int) -> int:
    return _work("step_c", b, b - 3)


async def astep_a(x: int) -> int:
    await asyncio.sleep(0)
    return _work("astep_a", x, x + 1)


async def astep_b(a: int) -> int:
    await asyncio.sleep(0)
    return _work("astep_b", a, a * 2)


async def astep_c(b: int) -> int:
    await asyncio.sleep(0)
    return _work("astep_c", b, b - 3)


async def slow_square(x: int) -> int:
    """Long enough for identical concurrent calls to overlap."""
    CALLS["slow_square"] += 1
    await asyncio.sleep(0.05)
    return x * x


async def hang(x: int) -> int:
    await asyncio.sleep(600)
    return x


def block(x: int) -> int:
    RELEASE.wait(600)
    CALLS["block"] += 1
    return x


def is_big(x: int) -> bool:
    CALLS["is_big"] += 1
    return x > 10


def big(x: int) -> str:
    return _work("big", x, 1) and "big"


def small(x: int) -> str:
    return _work("small", x, 1) and "small"


class Unimportable(Exception):
    pass


def local_error_class() -> type[Exception]:
    class Local(Exception):
        pass

    return Local
