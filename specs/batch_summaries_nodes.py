"""Nodes of the batch example: a report over the per-document outputs of the text pipeline."""

from __future__ import annotations

from collections.abc import Sequence


def report(
    summary: Sequence[dict[str, int | str] | None], longest: Sequence[int | None]
) -> dict[str, int]:
    """Totals over the documents; a failed document (None) is counted, not summed."""
    done = [s for s in summary if s is not None]
    return {
        "documents": len(summary),
        "failed": len(summary) - len(done),
        "words": sum(int(s["words"]) for s in done),
        "longest_chunk": max((n for n in longest if n is not None), default=0),
    }
