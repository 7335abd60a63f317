"""Nodes of the policies example: a flaky fetch worth retrying and caching, then a summary.

Plain functions: the spec gives them their policies, and the compiled module needs nothing
from hypergraph."""

from __future__ import annotations

import asyncio


def fetch(url: str) -> str:
    """Pretend to download a page (a plain def: the async module runs it in a thread)."""
    return f"<title>{url.rsplit('/', 1)[-1]}</title> " + " ".join(["word"] * len(url))


async def summarize(page: str, words: int = 3) -> str:
    """Keep the first few words of the page."""
    await asyncio.sleep(0)
    return " ".join(page.split()[:words])
