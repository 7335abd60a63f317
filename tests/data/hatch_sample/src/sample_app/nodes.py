"""Node functions of the sample graphs: plain functions, nothing imported from hypergraph."""

from __future__ import annotations

import asyncio


def normalize(text: str) -> str:
    """The ticket's text in lower case, whitespace collapsed."""
    return " ".join(text.lower().split())


def classify(clean: str) -> str:
    """Gate (route, declared in the spec): urgent tickets are escalated, others answered."""
    return "escalate" if "down" in clean or "urgent" in clean else "reply"


def escalate(clean: str) -> str:
    """The page sent to the on-call engineer."""
    return f"PAGE: {clean}"


def reply(clean: str) -> str:
    """The answer sent to the customer."""
    return f"Thanks, we are looking into: {clean}"


async def lookup(user_id: int) -> dict[str, str]:
    """The user's profile (where a real service awaits its database)."""
    await asyncio.sleep(0)
    return {"name": f"user-{user_id}"}


async def count_orders(user_id: int) -> int:
    """How many orders the user placed."""
    await asyncio.sleep(0)
    return user_id % 5


def greet(profile: dict[str, str], orders: int) -> str:
    """A greeting that uses both lookups."""
    return f"Hello {profile['name']}, you have {orders} orders"
