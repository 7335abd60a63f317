"""specs/agent_loop_nodes.should_continue as a plain function (no hypergraph import)."""

from __future__ import annotations


def should_continue(history: list[str], max_rounds: int = 3) -> str:
    """Another round until `max_rounds` answers are collected, then the string "END"."""
    return "retrieve" if len(history) < max_rounds else "END"
