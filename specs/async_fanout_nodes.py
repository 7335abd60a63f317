"""Nodes of the async fan-out example: three lookups run concurrently, then a merge."""

from __future__ import annotations

import asyncio

from hypergraph import node


@node(output_name="profile")
async def fetch_profile(user_id: int, latency: float = 0.05) -> dict[str, str]:
    """Pretend to call a profile service."""
    await asyncio.sleep(latency)
    return {"id": str(user_id), "name": f"user-{user_id}"}


@node(output_name="orders")
async def fetch_orders(user_id: int, latency: float = 0.05) -> list[int]:
    """Pretend to call an order service."""
    await asyncio.sleep(latency)
    return [user_id * 10 + i for i in range(3)]


@node(output_name="score")
def risk_score(user_id: int) -> float:
    """A plain def node: the async back end runs it in a worker thread."""
    return (user_id % 7) / 7


@node(output_name="report")
async def merge(profile: dict[str, str], orders: list[int], score: float) -> dict[str, object]:
    """Combine the three answers."""
    await asyncio.sleep(0)
    return {"name": profile["name"], "orders": len(orders), "risk": round(score, 3)}
