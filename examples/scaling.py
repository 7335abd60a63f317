"""Node functions for docs/scaling-out.md: module level, so worker processes import them."""

from __future__ import annotations

from hypergraph import Graph, node


@node(output_name="score")
def score(text: str, weight: int = 1) -> int:
    """Some CPU work per item: here, a checksum of the text."""
    total = 0
    for position, char in enumerate(text):
        total = (total * 31 + ord(char) * (position + 1)) % 1_000_003
    return total * weight


@node(output_name="label")
def label(score: int) -> str:
    if score < 0:
        raise ValueError(f"negative score {score}")
    return "high" if score > 500_000 else "low"


@node(output_name="checked")
def check(text: str) -> str:
    if not text:
        raise ValueError("empty text")
    return text


scoring = Graph([check, score, label], name="scoring")
"""One document: check it, score it, label the score."""

batch = Graph([scoring.as_node(name="each").map_over("text")], name="batch")
"""A batch of documents: the scoring graph once per text (a mapped nested graph)."""
