"""Issue 12, missing public API (items 9, 10, 11, 13): GraphNode port types, Graph.describe,
self_producers / input_data_producers / nx_graph attributes, cache=True stored, hide."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any, Union

import pytest

from hypergraph import END, FunctionNode, Graph, ifelse, node, route
from hypergraph.nodes import IfElseNode, RouteNode

# -- 9. GraphNode.output_annotation, get_input_type, get_output_type ----------------------------


@node(output_name="total")
def add(a: int, b: float) -> float:
    return a + b


@node(output_name="label")
def describe_total(total: float, a: float) -> str:
    return f"{a}: {total}"


@node(output_name="raw")
def untyped(a):  # type: ignore[no-untyped-def]
    return a


INNER = Graph([add, describe_total, untyped], name="inner")


def test_graph_node_port_types_come_from_the_inner_nodes() -> None:
    n = INNER.as_node()
    assert n.output_annotation == {"total": float, "label": str}  # `raw` is unannotated
    assert n.get_output_type("label") is str
    assert n.get_output_type("raw") is None
    assert n.get_output_type("nope") is None
    # `a` feeds add (int) and describe_total (float): a value must fit both, so int
    assert n.get_input_type("a") is int
    assert n.get_input_type("b") is float
    assert n.get_input_type("nope") is None


def test_graph_node_port_types_follow_renames_and_namespacing() -> None:
    renamed = INNER.as_node().rename_inputs(a="left").rename_outputs(label="text")
    assert renamed.get_input_type("left") is int
    assert renamed.output_annotation == {"total": float, "text": str}
    spaced = INNER.as_node(namespaced=True)
    assert spaced.get_input_type("inner.b") is float
    assert spaced.output_annotation == {"inner.total": float, "inner.label": str}


def test_mapped_graph_node_port_types_are_containers() -> None:
    zipped = INNER.as_node().map_over("a")
    assert zipped.get_input_type("a") == Sequence[int]
    assert zipped.get_input_type("b") is float  # broadcast
    assert zipped.output_annotation == {"total": list[float], "label": list[str], "raw": list}
    assert INNER.as_node().map_over("a", mode="product").get_input_type("a") == Iterable[int]


def test_output_type_of_gate_branches_is_their_union() -> None:
    @node(output_name="y")
    def as_int(x: int) -> int:
        return x

    @node(output_name="y")
    def as_text(x: int) -> str:
        return str(x)

    gate = IfElseNode(lambda x: x > 0, "as_int", "as_text", name="sign")
    branches = Graph([gate, as_int, as_text], name="branches").as_node()
    assert branches.get_output_type("y") == Union[int, str]  # noqa: UP007
    assert branches.get_output_type("_sign") is None  # decisions are never typed


def test_nested_graph_node_types_look_through_every_level() -> None:
    outer = Graph([INNER.as_node()], name="outer").as_node()
    assert outer.get_input_type("a") is int
    assert outer.get_output_type("total") is float


# -- 10. Graph.describe ---------------------------------------------------------------------------


@node(output_name="cleaned")
def clean(text: str) -> str:
    return text.strip()


@node(output_name="words")
def split(cleaned: str, sep: str = " ") -> list[str]:
    return cleaned.split(sep)


@node(output_name="count")
def count(words: list[str]) -> int:
    return len(words)


def test_describe_a_linear_graph_as_a_chain() -> None:
    graph = Graph([count, clean, split], name="word_count")
    assert graph.describe() == (
        "Graph 'word_count': 3 nodes\n"
        "  inputs:  text (required), sep=' ' (default)\n"
        "  outputs: count, cleaned, words\n"
        "  nodes:   clean -> split -> count"
    )
    assert graph.bind(sep=",").describe(show_types=True) == (
        "Graph 'word_count': 3 nodes\n"
        "  inputs:  text: str (required), sep: str = ',' (bound)\n"
        "  outputs: count: int, cleaned: str, words: list[str]\n"
        "  nodes:   clean -> split -> count"
    )


def test_describe_respects_selection_and_entrypoints() -> None:
    graph = Graph([clean, split, count])
    assert graph.select("words").describe().splitlines()[2:] == [
        "  outputs: words",
        "  nodes:   clean -> split",
    ]
    later = graph.with_entrypoint("split").describe()
    assert later.splitlines() == [
        "Graph: 2 nodes",
        "  entrypoints: split",
        "  inputs:  cleaned (required), sep=' ' (default)",
        "  outputs: words, count",
        "  nodes:   split -> count",
    ]


def test_describe_a_branching_graph_as_lists() -> None:
    @node(output_name="y")
    def double(x: int) -> int:
        return 2 * x

    @node(output_name="y", emit="done")
    def negate(x: int) -> int:
        return -x

    @ifelse("double", "negate")
    def check(x: int) -> bool:
        return x > 0

    text = Graph([check, double, negate], name="branchy").describe(show_types=True)
    assert text == (
        "Graph 'branchy': 3 nodes\n"
        "  inputs:  x: int (required)\n"
        "  outputs: _check, y: int\n"
        "  nodes:\n"
        "    check(x: int) -> _check  [routes to double | negate]\n"
        "    double(x: int) -> y: int\n"
        "    negate(x: int) -> y: int  [emits done]"
    )


def test_describe_leaves_hidden_nodes_out() -> None:
    quiet = FunctionNode(count.func, name="quiet", output_name="count", hide=True)
    graph = Graph([clean, split, quiet], name="g")
    text = graph.describe()
    assert "quiet" not in text
    assert text.splitlines()[0] == "Graph 'g': 2 nodes (+1 hidden)"
    assert text.splitlines()[-1] == "  nodes:   clean -> split"


# -- 11. self_producers, input_data_producers, nx_graph ------------------------------------------


@node(output_name="n")
def tally(n: int, words: list[str]) -> int:
    return n + len(words)


def test_self_producers_and_input_data_producers() -> None:
    graph = Graph([tally, split, count, clean], entrypoint="clean")
    assert graph.self_producers == {"n": ("tally",)}
    assert graph.input_data_producers == {
        "tally": {"n": ("tally",), "words": ("split",)},
        "split": {"cleaned": ("clean",)},
        "count": {"words": ("split",)},
    }
    graph.self_producers["n"] = ()  # a fresh copy: the graph does not change
    assert graph.self_producers == {"n": ("tally",)}


def test_nx_graph_nodes_carry_their_attributes() -> None:
    pytest.importorskip("networkx")

    @route(targets=["clean", END])
    def gate(text: str) -> object:
        return "clean"

    hidden = FunctionNode(split.func, name="hidden_split", output_name="words", hide=True)
    graph = Graph([gate, clean, hidden, Graph([count], name="inner").as_node()])
    nxg = graph.nx_graph
    assert nxg.nodes["clean"] == {
        "node": clean,
        "node_type": "FUNCTION",
        "label": "clean",
        "inputs": ("text",),
        "outputs": ("cleaned",),
        "parent": None,
        "hide": False,
    }
    assert nxg.nodes["gate"]["node_type"] == "BRANCH"
    assert nxg.nodes["inner"]["node_type"] == "GRAPH"
    assert nxg.nodes["hidden_split"]["hide"] is True
    assert nxg.edges["gate", "clean"]["edge_type"] == "control"
    assert nxg.edges["hidden_split", "inner"]["value_names"] == ["words"]


def test_nx_graph_without_networkx_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "networkx", None)  # import networkx now fails
    with pytest.raises(ImportError, match=r"pip install 'hypergraph-workflows\[graph\]'"):
        _ = Graph([clean]).nx_graph


def test_networkx_is_an_optional_extra() -> None:
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert not any("networkx" in d for d in project["project"]["dependencies"])
    extras = project["project"]["optional-dependencies"]
    assert extras["graph"] == ["networkx>=3.0"]
    assert any("graph" in d for d in extras["dev"] if d.startswith("hypergraph-workflows["))


# -- 13. cache=True stored (issue 15 built caching), hide stored ----------------------------------


def plain(x: int) -> int:
    return x


@pytest.mark.parametrize(
    "build",
    [
        lambda: node(plain, "y", cache=True),
        lambda: node(output_name="y", cache=True)(plain),
        lambda: FunctionNode(plain, output_name="y", cache=True),
        lambda: route(["a"], cache=True)(plain),
        lambda: ifelse("a", "b", cache=True)(plain),
        lambda: RouteNode(plain, ["a"], cache=True),
    ],
    ids=["node", "decorator", "FunctionNode", "route", "ifelse", "RouteNode"],
)
def test_cache_true_is_stored_on_nodes_and_gates_and_survives_renames(build: Any) -> None:
    built = build()
    assert built.cache is True
    assert built.with_name("other").cache is True
    assert built.rename_inputs(x="z").cache is True


def test_hide_is_stored_and_survives_renames() -> None:
    hidden = node(plain, "y", hide=True)
    assert hidden.hide is True
    assert hidden.with_name("other").rename_inputs(x="z").hide is True
    assert node(plain, "y").hide is False
    assert route(["a"], hide=True)(plain).hide is True
    assert node(plain, "y").cache is False
