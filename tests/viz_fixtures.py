"""Graphs for the picture tests: every node kind, gates, a loop, nesting, signals, odd names."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from hypergraph import END, FunctionNode, Graph, RouteNode, ifelse, node, route

__all__ = [
    "ODD_DESCRIPTIONS",
    "ODD_IDENTIFIERS",
    "ODD_NAMES",
    "kinds_graph",
    "loop_graph",
    "nested_graph",
    "odd_graph",
    "require_tool",
    "signals_graph",
]


@node(output_name="cleaned")
def clean(text: str, lower: bool = True) -> str:
    return text.lower() if lower else text


@node(output_name="fetched")
async def fetch(cleaned: str) -> str:
    return cleaned


@node(output_name="words")
def tokens(fetched: str) -> Iterator[str]:
    yield from fetched.split()


@node(output_name="parts")
async def chunks(fetched: str) -> AsyncIterator[str]:
    yield fetched


@ifelse(when_true="shout", when_false="whisper")
def loud(cleaned: str) -> bool:
    return cleaned.endswith("!")


@node(output_name="said")
def shout(cleaned: str) -> str:
    return cleaned.upper()


@node(output_name="said")
def whisper(cleaned: str) -> str:
    return cleaned


def kinds_graph() -> Graph:
    """One node of each kind: function, async, generator, async generator, ifelse, graph."""
    inner = Graph([node(lambda said: len(said), output_name="size").with_name("measure")])
    return Graph(
        [clean, fetch, tokens, chunks, loud, shout, whisper, inner.as_node(name="sizer")],
        name="kinds",
    )


@node(output_name="count")
def step(count: int) -> int:
    return count + 1


@route(targets={"step": "again", END: "stop"}, fallback=END)
def again(count: int, limit: int = 3) -> object:
    return "step" if count < limit else END


def loop_graph() -> Graph:
    """step -> again -> (step | END): a loop through a route with descriptions and fallback."""
    return Graph([step, again], entrypoint="step", name="loop")


def nested_graph() -> Graph:
    """Two levels of nesting: outer > middle (mapped) > inner, with a bound inner input."""

    @node(output_name="y")
    def double(x: int, factor: int) -> int:
        return x * factor

    @node(output_name="z")
    def plus(y: int) -> int:
        return y + 1

    @node(output_name="total")
    def add(z: list[int]) -> int:
        return sum(z)

    inner = Graph([double, plus], name="inner").bind(factor=2)
    middle = Graph([inner.as_node()], name="middle")
    mapped = middle.as_node().map_over("x")
    return Graph([mapped, add], name="outer")


def signals_graph() -> Graph:
    """emit/wait_for ordering, a hidden node, and a data edge that also orders."""

    @node(output_name="a", emit="ready")
    def first(seed: int) -> int:
        return seed

    @node(output_name="b", wait_for="ready")
    def second(seed: int) -> int:
        return seed * 2

    @node(output_name="c", wait_for="ready")
    def third(a: int) -> int:
        return a + 1

    @node(output_name="d", hide=True)
    def secret(b: int) -> int:
        return b

    @node(output_name="e")
    def after(d: int) -> int:
        return d

    return Graph([first, second, third, secret, after], name="signals")


ODD_NAMES = [
    "a-b",
    "a b",
    'q"uote',
    "<b>bold<b>",
    "#35;x",
    "%%c",
    "a|b",
    "x]y",
    "semi;colon",
    "back\\slash",
    "new\nline",
    "`tick`",
    "{brace}",
    "$$x$$",
    "a&amp;b",
    "-->",
]
"""Names a GraphNode (or a graph) may have that would break unescaped Mermaid or DOT."""

ODD_IDENTIFIERS = [
    "end",
    "graph",
    "subgraph",
    "node",
    "edge",
    "strict",
    "digraph",
    "flowchart",
    "classDef",
    "style",
    "linkStyle",
    "click",
    "default",
    "x",
    "o",
    "ünï",
    "End",
    "n_end",
]
"""Node names (identifiers) that are keywords of Mermaid or DOT, or collide once prefixed."""

ODD_DESCRIPTIONS = {"o_": '"go" <b>|on|</b> #35; %% end', END: "back\\slash\nnew line"}


def _link(i: int, name: str) -> FunctionNode:
    func = eval(f"lambda v{i}: v{i}")  # a distinct parameter per link of the chain
    return FunctionNode(func, name=name, output_name=f"v{i + 1}")


def odd_graph() -> Graph:
    """A chain of nested graphs with odd names, then nodes named like keywords, then a route
    with odd branch descriptions: every label that could break the syntax."""
    nodes: list[Any] = []
    for i, name in enumerate(ODD_NAMES):
        inner = Graph([_link(i, "step")], name="inner")
        nodes.append(inner.as_node(name=name))
    start = len(ODD_NAMES)
    nodes += [_link(start + i, name) for i, name in enumerate(ODD_IDENTIFIERS)]
    last = f"v{start + len(ODD_IDENTIFIERS)}"
    nodes.append(RouteNode(eval(f"lambda {last}: END"), ODD_DESCRIPTIONS, name="pick"))
    nodes.append(FunctionNode(eval(f"lambda {last}: 1"), name="o_", output_name="w"))
    graph = Graph(nodes, name='odd "graph" <1>')
    return graph


def require_tool(available: bool, what: str) -> None:
    """Skip (locally) or fail (in CI, which installs every tool) when `what` is missing."""
    if available:
        return
    message = f"{what} is not available"
    if os.environ.get("CI"):
        pytest.fail(f"{message}, but CI installs it (.ci/run)")
    pytest.skip(message)
