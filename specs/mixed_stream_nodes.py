"""Nodes of the mixed example: an async generator streams events into sync and async nodes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator


async def events(count: int, delay: float = 0.001) -> AsyncIterator[int]:
    """Stream `count` readings, lazily (runs only when a consumer iterates)."""
    for index in range(count):
        await asyncio.sleep(delay)
        yield index * index


async def collect(events: AsyncIterator[int]) -> list[int]:
    """Drain the stream into a list."""
    return [value async for value in events]


def scale(readings: list[int], factor: float) -> list[float]:
    """A sync step on the materialised readings."""
    return [value * factor for value in readings]


async def total(readings: list[int]) -> int:
    """An async step running beside scale."""
    await asyncio.sleep(0)
    return sum(readings)


def describe(scaled: list[float], total: int, tags: list[str] = ["stream"]) -> str:  # noqa: B006
    """A sync summary; `tags` shows a mutable default, fresh on every run."""
    tags.append("done")
    return f"{len(scaled)} readings, total {total}, tags {'/'.join(tags)}"
