"""Plain functions (no hypergraph import) for gates declared in specs (test_spec_gates.py)."""

from __future__ import annotations

import asyncio


def score(ticket: str) -> int:
    """A ticket's priority: its number of '!' times three, minus one per '?'."""
    return ticket.count("!") * 3 - ticket.count("?")


def triage(priority: int) -> str | None:
    """Route with a fallback: "urgent" above 7, the string "END" below 0, else None."""
    if priority > 7:
        return "urgent"
    return "END" if priority < 0 else None


def urgent(ticket: str) -> str:
    return f"paged someone about {ticket!r}"


def normal(ticket: str) -> str:
    return f"queued {ticket!r}"


def notify(priority: int) -> list[str] | None:
    """Multi-target route: every channel the priority calls for; "END" among them ends it."""
    if priority < 0:
        return ["email", "END"]
    if priority == 0:
        return None
    return ["email", "sms"] if priority > 5 else ["email"]


def email(ticket: str) -> str:
    return f"emailed about {ticket!r}"


def sms(ticket: str) -> str:
    return f"texted about {ticket!r}"


def step(count: int, stride: int) -> int:
    """One round of a loop: the count grows by `stride`."""
    return count + stride


def more(count: int, limit: int) -> bool:
    """Ifelse: round again while the count is below the limit."""
    return count < limit


def keep_going(count: int, limit: int) -> str:
    """Route: the loop again, or the string "END" (or a bogus target, for the error path)."""
    if count == 13:
        return "nowhere"
    return "step" if count < limit else "END"


async def fetch(count: int) -> int:
    """An async node for the async back end."""
    await asyncio.sleep(0)
    return count * 2
