"""check_graph on real graphs: message content, modes, inputs, warnings, resolution."""
# ruff: noqa: UP045  (old typing spellings are under test)

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import typing_fixtures_future as fut

from hypergraph import Graph, GraphConfigError, node
from hypergraph.typecheck import Diagnostic, check_graph, format_type

HERE = os.path.basename(__file__)


def _line(func: Any) -> int:
    return int(func.__code__.co_firstlineno) + 1  # one decorator line above the def


@node(output_name="v")
def produce() -> list[int]:
    return [1]


@node(output_name="out")
def consume(v: list[float]) -> int:
    return 0


@node(output_name="out")
def consume_any(v) -> int:  # type: ignore[no-untyped-def]
    return 0


def _codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def test_mismatch_message_names_everything() -> None:
    [d] = check_graph(Graph([produce, consume]), strict=False)
    p_line, c_line = _line(produce.func), _line(consume.func)
    assert d.message == (
        f"Type mismatch on 'v': node 'produce' returns list[int] ({HERE}:{p_line}) but node "
        f"'consume' parameter 'v' expects list[float] ({HERE}:{c_line})"
    )
    assert (d.code, d.severity, d.node, d.parameter) == ("type-mismatch", "error", "consume", "v")
    assert (d.produced, d.expected) == ("list[int]", "list[float]")
    assert d.file == os.path.abspath(__file__)
    assert d.line == c_line
    assert d.hint == "list is invariant; use Sequence[float]"
    assert d.format().startswith(f"{d.file}:{c_line}: error: Type mismatch on 'v'")


def test_strict_graph_raises_with_every_error() -> None:
    with pytest.raises(GraphConfigError) as info:
        Graph([produce, consume], strict_types=True)
    assert "Type mismatch on 'v'" in str(info.value)


def test_renamed_input_reports_real_parameter() -> None:
    renamed = consume.rename_inputs(v="w")
    producer = produce.rename_outputs(v="w")
    [d] = check_graph(Graph([producer, renamed]), strict=False)
    assert d.parameter == "v"
    assert "on 'w'" in d.message
    assert "parameter 'v'" in d.message


def test_missing_annotation_only_in_strict() -> None:
    graph = Graph([produce, consume_any])
    assert check_graph(graph, strict=False) == []
    [d] = check_graph(graph, strict=True)
    assert d.message == (
        "Missing type annotation (strict_types): node 'consume_any' parameter 'v' "
        f"({HERE}:{_line(consume_any.func)})"
    )


def test_missing_output_annotation_in_strict() -> None:
    @node(output_name="v")
    def bare():  # type: ignore[no-untyped-def]
        return [1]

    [d] = check_graph(Graph([bare, consume]), strict=True)
    assert d.code == "missing-annotation"
    assert "node 'bare' output 'v'" in d.message


def test_accepted_edges_give_nothing() -> None:
    @node(output_name="v")
    def ints() -> list[int]:
        return [1]

    @node(output_name="s")
    def total(v: Any) -> float:
        return 0.0

    @node(output_name="t")
    def half(s: float | None) -> float:
        return 0.0

    assert check_graph(Graph([ints, total, half]), strict=True) == []


def test_sync_generator_annotated_async() -> None:
    @node(output_name="items")
    def gen() -> AsyncIterator[int]:
        yield 1  # type: ignore[misc]

    [d] = check_graph(Graph([gen]), strict=False)
    assert d.code == "generator-mode"
    assert "is a sync generator (def with yield)" in d.message
    assert "AsyncIterator[int]" in d.message
    assert "expected Iterator[...]" in d.message
    assert d.hint == "annotate the return as Iterator[int]"


def test_async_generator_annotated_sync_and_non_iterator() -> None:
    @node(output_name="a")
    async def agen() -> Iterator[int]:  # type: ignore[misc]
        yield 1

    @node(output_name="b")
    def listy() -> list[str]:  # type: ignore[misc]
        yield "x"

    diags = check_graph(Graph([agen, listy]), strict=False)
    assert _codes(diags) == ["generator-mode", "generator-mode"]
    assert "an async generator (async def with yield)" in diags[0].message
    assert "expected AsyncIterator[...]" in diags[0].message
    assert "list[str]" in diags[1].message


def test_consumer_mode_mismatch() -> None:
    @node(output_name="items")
    def gen() -> Iterator[int]:
        yield 1

    @node(output_name="n")
    def eat(items: AsyncIterator[int]) -> int:
        return 0

    [d] = check_graph(Graph([gen, eat]), strict=False)
    assert d.code == "generator-consumer-mode"
    assert "node 'gen' is a sync generator" in d.message
    assert "parameter 'items' expects AsyncIterator[int]" in d.message
    assert d.hint == "annotate the parameter as Iterator[int]"


def test_async_generator_fed_to_iterator_parameter() -> None:
    @node(output_name="items")
    async def agen() -> AsyncIterator[int]:
        yield 1

    @node(output_name="n")
    def eat(items: Iterator[int]) -> int:
        return 0

    [d] = check_graph(Graph([agen, eat]), strict=False)
    assert d.code == "generator-consumer-mode"
    assert "async generator" in d.message


def test_shared_generator_warning() -> None:
    @node(output_name="items")
    def gen() -> Iterator[int]:
        yield 1

    @node(output_name="a")
    def first(items: Iterator[int]) -> int:
        return 0

    @node(output_name="b")
    def second(items: Iterator[int]) -> int:
        return 0

    with pytest.warns(UserWarning, match="one-shot"):
        graph = Graph([gen, first, second])
    [d] = check_graph(graph, strict=True)
    assert (d.code, d.severity, d.node) == ("shared-generator", "warning", "gen")
    assert "'first', 'second'" in d.message


def test_graph_input_annotated_two_ways() -> None:
    @node(output_name="a")
    def f(x: int) -> int:
        return x

    @node(output_name="b")
    def g(x: str) -> str:
        return x

    @node(output_name="c")
    def h(x: float) -> float:
        return x

    diags = check_graph(Graph([f, g, h]), strict=False)
    assert len(diags) == 2  # int/str and str/float; int/float is fine
    assert all(d.code == "input-conflict" for d in diags)
    assert "graph input 'x'" in diags[0].message
    assert "node 'f' parameter 'x' expects int" in diags[0].message
    assert "node 'g' parameter 'x' expects str" in diags[0].message


def test_unresolvable_forward_reference_is_a_warning() -> None:
    class Local:
        pass

    @node(output_name="v")
    def make() -> Local:
        return Local()

    @node(output_name="w")
    def use(v: Missing) -> int:  # type: ignore[name-defined]  # noqa: F821
        return 0

    [d] = check_graph(Graph([make, use]), strict=True)
    assert (d.code, d.severity, d.parameter) == ("unresolved-annotation", "warning", "v")
    assert "'Missing'" in d.message
    assert "node 'use'" in d.message


def test_future_annotations_and_forward_refs_resolve() -> None:
    diags = check_graph(Graph([fut.load, fut.split, fut.count]), strict=True)
    assert _codes(diags) == ["type-mismatch"]
    assert "returns Iterator[str]" in diags[0].message
    assert "expects Iterator[int]" in diags[0].message
    assert "typing_fixtures_future.py" in diags[0].message


def test_several_outputs_split_by_tuple() -> None:
    @node(output_name=("a", "b"))
    def both() -> tuple[int, str]:
        return 1, "x"

    @node(output_name="c")
    def use(a: int, b: int) -> int:
        return 0

    [d] = check_graph(Graph([both, use]), strict=True)
    assert "on 'b'" in d.message
    assert "returns str" in d.message


def test_several_outputs_with_wrong_annotation() -> None:
    @node(output_name=("a", "b"))
    def both() -> list[int]:
        return [1, 2]

    [d] = check_graph(Graph([both]), strict=False)
    assert d.code == "output-annotation"
    assert "is not a tuple of 2 types" in d.message


def test_diagnostics_are_sorted_and_deterministic() -> None:
    graph = Graph([produce, consume])
    assert check_graph(graph, strict=True) == check_graph(graph, strict=True)


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (list[int], "list[int]"),
        (int | None, "int | None"),
        (Iterator[str], "Iterator[str]"),
        (None, "None"),
        (Any, "Any"),
        (tuple[int, ...], "tuple[int, ...]"),
        (tuple[()], "tuple[()]"),
    ],
)
def test_format_type(t: Any, text: str) -> None:
    assert format_type(t) == text


def test_format_literal_and_callable() -> None:
    from collections.abc import Callable
    from typing import Literal, Optional

    assert format_type(Literal["a"]) == "Literal['a']"
    assert format_type(Optional[int]) == "int | None"
    assert format_type(Callable[[int], str]) == "Callable[[int], str]"
