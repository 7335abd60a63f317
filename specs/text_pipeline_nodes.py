"""Nodes of the text pipeline example: chunk a text, count words per chunk, summarise."""

from __future__ import annotations

from collections.abc import Iterator

from hypergraph import node


def normalize(text: str, lowercase: bool = True) -> str:
    """Collapse whitespace (and lowercase unless told not to)."""
    cleaned = " ".join(text.split())
    return cleaned.lower() if lowercase else cleaned


@node(output_name="chunks")
def chunk_text(clean: str, size: int = 3) -> Iterator[str]:
    """Yield chunks of `size` words, lazily."""
    words = clean.split()
    for start in range(0, len(words), size):
        yield " ".join(words[start : start + size])


def count_words(chunks: Iterator[str]) -> list[int]:
    """Number of words in every chunk (consumes the generator)."""
    return [len(chunk.split()) for chunk in chunks]


def summarize(counts: list[int], label: str) -> dict[str, int | str]:
    """Totals over the chunk counts."""
    return {"label": label, "chunks": len(counts), "words": sum(counts)}


def stats(counts: list[int]) -> tuple[int, int]:
    """Shortest and longest chunk, two outputs."""
    return (min(counts, default=0), max(counts, default=0))
