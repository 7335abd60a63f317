"""Generic nodes in graphs: type variables solved from what feeds a node (issue 18)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from hypergraph import Graph, node
from hypergraph.typecheck import check_graph

T = TypeVar("T")
N = TypeVar("N", bound="float")
S = TypeVar("S", int, str)


@node(output_name="x")
def number() -> int:
    return 1


@node(output_name="x")
def text() -> str:
    return "a"


@node(output_name="x")
def numbers() -> list[int]:
    return [1]


@node(output_name="v")
def wrap(x: T) -> list[T]:
    return [x]


@node(output_name="v")
def first(x: Sequence[T]) -> T:
    return x[0]


@node(output_name="done")
def floats(v: list[float]) -> None:
    pass


@node(output_name="done")
def whole(v: int) -> None:
    pass


@node(output_name="done")
def words(v: list[str]) -> None:
    pass


@node(output_name="done")
def label(v: str) -> None:
    pass


def errors(*nodes: object) -> list[str]:
    return [
        d.message for d in check_graph(Graph(list(nodes)), strict=True) if d.severity == "error"
    ]


def test_consumer_context_takes_part_in_solving() -> None:
    # mypy accepts floats(wrap(1)): T is solved as float from what floats expects
    assert errors(number, wrap, floats) == []


def test_producer_output_solved_from_its_input() -> None:
    [message] = errors(text, wrap, floats)  # T = float makes the str input fail, as mypy says
    assert "solves node 'wrap'" in message
    assert "T=float" in message
    [message] = errors(numbers, first, label)  # T = int from list[int]: no str comes out
    assert "returns int (T with T=int)" in message
    [message] = errors(numbers, first, words)  # a generic-instance context fixes T = list[str]
    assert "as T=list[str]; its inputs do not fit that" in message
    assert errors(numbers, first, whole) == []


@node(output_name="a")
def ints() -> list[int]:
    return [1]


@node(output_name="b")
def strs() -> list[str]:
    return ["a"]


@node(output_name="b")
def more_ints() -> list[int]:
    return [2]


@node(output_name="done")
def same_list(a: list[T], b: list[T]) -> None:
    pass


@node(output_name="done")
def same_seq(a: Sequence[T], b: Sequence[T]) -> None:
    pass


def test_generic_consumer_solves_all_inputs_together() -> None:
    assert errors(ints, more_ints, same_list) == []
    found = errors(ints, strs, same_list)  # T would have to be int and str at once
    assert found
    assert all("node 'same_list' parameter" in m for m in found)
    assert "solved as T=" in found[0]
    assert errors(ints, strs, same_seq) == []  # covariant: T = object fits both


@node(output_name="done")
def scaled(x: N) -> None:
    pass


@node(output_name="done")
def picked(x: S) -> None:
    pass


@node(output_name="x")
def flag() -> bool:
    return True


@node(output_name="x")
def ratio() -> float:
    return 0.5


def test_bounds_and_value_restrictions() -> None:
    assert errors(number, scaled) == []
    [message] = errors(text, scaled)  # the bound is the string "float", resolved
    assert "type variable N" in message
    assert "outside its bound float" in message
    assert errors(flag, picked) == []  # bool fits the int value
    [message] = errors(ratio, picked)
    assert "allowed types int, str" in message


@node(output_name="v")
def ident(x: T) -> T:
    return x


@node(output_name="w")
def again(v: T) -> T:
    return v


@node(output_name="done")
def strings(w: str) -> None:
    pass


def test_solutions_flow_along_a_chain_of_generic_nodes() -> None:
    assert errors(text, ident, again, strings) == []
    [message] = errors(number, ident, again, strings)
    assert "node 'again' returns int" in message


def test_graph_input_leaves_a_type_variable_open() -> None:
    assert errors(wrap, floats) == []  # x is a graph input: unknown until run time
