"""Nodes written with ``from __future__ import annotations`` and forward references."""

from __future__ import annotations

from collections.abc import Iterator

from hypergraph import node


@node(output_name="doc")
def load() -> Document:
    return Document()


@node(output_name="words")
def split(doc: Document) -> Iterator[str]:
    yield "a"


@node(output_name="count")
def count(words: Iterator[int]) -> int:
    return 0


class Document:
    """Defined after the nodes: a forward reference resolved against this module."""
