"""Types across the GraphNode boundary (API.md 3.7 item 5 and section 6 "Types"): the outer
graph's strict_types check sees each port's types from the inner nodes behind it."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pytest

from hypergraph import Graph, GraphConfigError, node
from hypergraph.typecheck.hints import MISSING
from hypergraph.typecheck.ports import port_types


@node(output_name="y")
def double(x: int) -> int:
    return 2 * x


@node(output_name="z")
def inc(y: int, step: int = 1) -> int:
    return y + step


INNER = Graph([double, inc], name="inner")


@node(output_name="x")
def int_source(a: int) -> int:
    return a


@node(output_name="x")
def str_source(a: int) -> str:
    return str(a)


@node(output_name="x")
def bool_source(a: int) -> bool:
    return bool(a)


@node(output_name="done")
def want_int(z: int) -> int:
    return z


@node(output_name="done")
def want_float(z: float) -> float:
    return z


@node(output_name="done")
def want_str(z: str) -> str:
    return z


@node(output_name="done")
def want_ints(z: list[int]) -> int:
    return sum(z)


@node(output_name="done")
def want_seq(z: Sequence[float]) -> float:
    return sum(z)


def build(*nodes: Any) -> Graph:
    return Graph(list(nodes), strict_types=True)


def message(*nodes: Any) -> str:
    with pytest.raises(GraphConfigError) as info:
        build(*nodes)
    return str(info.value)


# -- inputs ---------------------------------------------------------------------------------


def test_matching_producer_builds():
    build(int_source, INNER.as_node(), want_int)
    build(bool_source, INNER.as_node(), want_float)  # bool -> int, int -> float


def test_producer_not_fitting_an_inner_consumer_names_port_and_inner_node():
    text = message(str_source, INNER.as_node())
    assert "Type mismatch on 'x'" in text
    assert "node 'str_source' returns str" in text
    assert "node 'inner/double'" in text
    assert "port 'x' of GraphNode 'inner'" in text
    assert "expects int" in text
    assert "test_composition_types.py:" in text


def test_producer_must_fit_every_inner_consumer():
    @node(output_name="p")
    def as_float(x: float) -> float:
        return x

    @node(output_name="q")
    def as_int(x: int) -> int:
        return x

    both = Graph([as_float, as_int], name="both").as_node()

    @node(output_name="x")
    def float_source(a: int) -> float:
        return float(a)

    build(int_source, both)
    text = message(float_source, both)
    assert "node 'both/as_int'" in text
    assert "both/as_float" not in text


def test_renamed_and_namespaced_ports_are_checked_under_their_addresses():
    @node(output_name="number")
    def number(a: int) -> str:
        return str(a)

    text = message(number, INNER.as_node().rename_inputs(x="number"))
    assert "Type mismatch on 'number'" in text
    assert "parameter 'x'" in text
    exposed = INNER.as_node(namespaced=True).expose("x")
    assert "node 'inner/double'" in message(str_source, exposed)
    build(int_source, exposed)


def test_nested_three_deep_names_the_full_path():
    middle = Graph([INNER.as_node()], name="middle")
    outer = Graph([middle.as_node()], name="outer")
    text = message(str_source, outer.as_node())
    assert "node 'outer/middle/inner/double'" in text


def test_mutually_incompatible_inner_annotations_are_an_error():
    @node(output_name="p")
    def as_int(v: int) -> int:
        return v

    @node(output_name="q")
    def as_str(v: str) -> str:
        return v

    clash = Graph([as_int, as_str], name="clash")  # not strict: builds
    text = message(clash.as_node())
    assert "Conflicting annotations for port 'v' of GraphNode 'clash'" in text
    assert "'clash/as_int'" in text
    assert "'clash/as_str'" in text
    diagnostics = Graph([clash.as_node()]).validate()
    assert [d.code for d in diagnostics] == ["port-conflict"]


def test_graph_input_read_by_a_port_and_an_outer_node_must_agree():
    @node(output_name="other")
    def outer_reader(x: str) -> str:
        return x

    text = message(INNER.as_node(), outer_reader)
    assert "Conflicting annotations for graph input 'x'" in text
    assert "inner/double" in text


def test_missing_inner_annotation_is_reported_in_strict_outer_graph():
    @node(output_name="y")
    def loose(x):  # type: ignore[no-untyped-def]
        return x

    text = message(int_source, Graph([loose], name="lax").as_node())
    assert "Missing type annotation (strict_types): node 'lax/loose'" in text
    Graph([int_source, Graph([loose], name="lax").as_node()])  # not strict: fine


# -- outputs --------------------------------------------------------------------------------


def test_output_port_type_is_the_inner_producers():
    build(int_source, INNER.as_node(), want_float)
    text = message(int_source, INNER.as_node(), want_str)
    assert "node 'inner/inc' (port 'z' of GraphNode 'inner') returns int" in text
    assert "node 'want_str' parameter 'z' expects str" in text


def test_renamed_output_port():
    @node(output_name="done")
    def reader(result: str) -> str:
        return result

    text = message(int_source, INNER.as_node().rename_outputs(z="result"), reader)
    assert "Type mismatch on 'result'" in text
    assert "inner/inc" in text


def test_generator_output_crosses_the_boundary_as_its_declared_type():
    @node(output_name="numbers")
    def numbers(n: int) -> Iterator[int]:
        yield from range(n)

    gen = Graph([numbers], name="gen").as_node()

    @node(output_name="total")
    def total(numbers: Iterable[int]) -> int:
        return sum(numbers)

    @node(output_name="total")
    def as_list(numbers: list[int]) -> int:
        return sum(numbers)

    build(gen, total)
    assert "returns Iterator[int]" in message(gen, as_list)


def test_graph_node_to_graph_node():
    first = Graph([double], name="first").as_node()

    @node(output_name="out")
    def needs_str(y: str) -> str:
        return y

    second = Graph([needs_str], name="second").as_node()
    text = message(first, second)
    assert "node 'first/double' (port 'y' of GraphNode 'first') returns int" in text
    assert "node 'second/needs_str' (port 'y' of GraphNode 'second')" in text


# -- map_over -------------------------------------------------------------------------------


def test_mapped_outputs_are_lists():
    mapped = INNER.as_node().map_over("x")

    @node(output_name="x")
    def many(a: int) -> list[int]:
        return [a]

    build(many, mapped, want_ints)
    build(many, mapped, want_seq)
    text = message(many, mapped, want_int)
    assert "returns list[int]" in text
    assert "mapped" in text


def test_unannotated_mapped_output_is_bare_list():
    @node(output_name="y")
    def loose(x: int):  # type: ignore[no-untyped-def]
        return x

    mapped = Graph([loose], name="lax").as_node().map_over("x")
    ports = port_types(mapped)
    assert [e.type for e in ports.returns["y"]] == [list]
    plain = port_types(Graph([loose], name="lax").as_node())
    assert [e.type for e in plain.returns["y"]] == [MISSING]

    @node(output_name="n")
    def count(y: list[str]) -> int:
        return len(y)

    build(mapped, count)  # bare list fits list[str]


def test_mapped_inputs_expect_sequence_in_zip_and_iterable_in_product():
    zipped = port_types(INNER.as_node().map_over("x"))
    assert [e.type for e in zipped.expects["x"]] == [Sequence[int]]
    assert [e.type for e in zipped.expects["step"]] == [int]  # broadcast
    product = port_types(INNER.as_node().map_over("x", "step", mode="product"))
    assert [e.type for e in product.expects["x"]] == [Iterable[int]]

    @node(output_name="x")
    def tuple_source(a: int) -> tuple[int, ...]:
        return (a,)

    @node(output_name="x")
    def iter_source(a: int) -> Iterator[int]:
        return iter([a])

    build(tuple_source, INNER.as_node().map_over("x"))
    build(iter_source, INNER.as_node().map_over("x", mode="product"))
    text = message(iter_source, INNER.as_node().map_over("x"))
    assert "expects Sequence[int]" in text
    text = message(int_source, INNER.as_node().map_over("x"))
    assert "mapped (zip)" in text


def test_port_types_follow_renames_and_are_not_shared_between_copies():
    gn = INNER.as_node()
    renamed = gn.rename_inputs(x="number")
    assert set(port_types(gn).expects) == {"x", "step"}
    assert set(port_types(renamed).expects) == {"number", "step"}


def test_inner_graph_is_checked_per_its_own_flag():
    @node(output_name="y")
    def give_str(x: int) -> str:
        return str(x)

    @node(output_name="z")
    def take_int(y: int) -> int:
        return y

    bad_inner = Graph([give_str, take_int], name="bad")  # not strict: builds
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(int_source, bad_inner.as_node())  # inner edges are not the outer's business
    with pytest.raises(GraphConfigError):
        Graph([give_str, take_int], name="bad", strict_types=True)
