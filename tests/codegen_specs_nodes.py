"""Node modules for the spec tests (imported by reference from TOML specs)."""

from __future__ import annotations

from hypergraph import Graph, node


@node(output_name="y")
def first(x: int) -> int:
    return x + 1


@node(output_name="z")
def second(y: int, factor: int = 2) -> int:
    return y * factor


def plain(z: int) -> int:
    return -z


INNER = Graph([first, second], name="inner")
INNER_BOUND = INNER.bind(factor=10)
NOT_A_NODE = 42


def is_big(y: int) -> bool:
    """A routing function for the gate-refusal test."""
    return y > 10
