"""Nodes of the agent loop example: retrieve, generate, accumulate, and a gate that decides
whether to go round again (routing back to retrieve) or stop (END)."""

from __future__ import annotations

from hypergraph import END, route


def retrieve(query: str, history: list[str]) -> str:
    """Look up documents for the query (here: a string naming the round)."""
    return f"docs about {query} (round {len(history) + 1})"


def generate(query: str, docs: str) -> str:
    """Answer the query from the documents."""
    return f"answer to {query!r} from {docs}"


def accumulate(history: list[str], answer: str) -> list[str]:
    """Append the answer to the history (the loop's state)."""
    return [*history, answer]


@route(targets=["retrieve", END])
def should_continue(history: list[str], max_rounds: int = 3) -> str:
    """Another round until `max_rounds` answers are collected, then END."""
    return "retrieve" if len(history) < max_rounds else END
