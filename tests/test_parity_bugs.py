"""Issue 12, bugs 1-7: code written for the reference API runs here unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from run_support import RUNNERS, execute

from hypergraph import (
    END,
    AsyncRunner,
    Graph,
    GraphConfigError,
    RenameError,
    SyncRunner,
    ifelse,
    node,
    route,
)
from hypergraph.nodes import RouteNode

# -- 1. two producers of one value ordered by emit/wait_for (the chat accumulator) ----------------


@node(output_name="messages", emit="query_added")
def accumulate_query(messages: list[str], query: str) -> list[str]:
    return [*messages, f"user: {query}"]


@node(output_name="response")
def respond(query: str) -> str:
    return f"echo {query}"


@node(output_name="messages", wait_for="query_added")
def accumulate_response(messages: list[str], response: str) -> list[str]:
    return [*messages, f"bot: {response}"]


@route(targets=["accumulate_query", END])
def another_turn(messages: list[str], turns: int) -> object:
    return "accumulate_query" if len(messages) < 2 * turns else END


def chat_graph() -> Graph:
    return Graph(
        [accumulate_query, respond, accumulate_response, another_turn],
        entrypoint=["accumulate_query", "respond"],
        name="chat",
    )


@pytest.mark.parametrize("runner", RUNNERS)
def test_accumulators_ordered_by_emit_wait_for_build_and_run(runner: str) -> None:
    result = execute(runner, chat_graph(), messages=[], query="hi", turns=2)
    assert result["messages"] == ["user: hi", "bot: echo hi", "user: hi", "bot: echo hi"]
    assert result["_another_turn"] is END


def test_the_ordering_signal_is_kept_on_the_data_edge() -> None:
    edge = next(
        e
        for e in chat_graph().edges
        if (e.source, e.target) == ("accumulate_query", "accumulate_response")
    )
    assert (edge.kind, edge.values, edge.orders) == ("data", ("messages",), ("query_added",))
    pytest.importorskip("networkx")
    nx_edge = chat_graph().nx_graph.edges["accumulate_query", "accumulate_response"]
    assert nx_edge["value_names"] == ["messages", "query_added"]


def test_accumulators_without_ordering_are_still_a_conflict() -> None:
    plain_query = node(accumulate_query.func, output_name="messages")  # no signal
    plain_response = node(accumulate_response.func, output_name="messages")
    with pytest.raises(GraphConfigError, match="Multiple nodes produce 'messages'"):
        Graph([plain_query, respond, plain_response], entrypoint=["accumulate_query", "respond"])


def test_declared_edges_order_two_producers_as_they_are() -> None:
    @node(output_name="v")
    def p1() -> int:
        return 1

    @node(output_name="v")
    def p2(v: int) -> int:
        return v + 10

    with pytest.raises(GraphConfigError, match="Multiple nodes produce 'v'"):
        Graph([p1, p2])  # auto mode: the only link carries the contested value
    graph = Graph([p1, p2], edges=[(p1, p2)])  # explicit mode: the declared edge orders them
    assert SyncRunner().run(graph).values == {"v": 11}


# -- 2. a gate nested two or more levels down --------------------------------------------------


@node(output_name="y")
def double(x: int) -> int:
    return 2 * x


@node(output_name="y")
def negate(x: int) -> int:
    return -x


@ifelse("double", "negate")
def check(x: int) -> bool:
    return x > 0


@pytest.mark.parametrize("depth", [2, 3])
@pytest.mark.parametrize("runner", RUNNERS)
def test_a_deeply_nested_gate_builds_and_routes(runner: str, depth: int) -> None:
    graph = Graph([check, double, negate], name="level0")
    for level in range(1, depth + 1):
        graph = Graph([graph.as_node(name=f"level{level - 1}")], name=f"level{level}")
    assert "_check" in graph.outputs
    assert execute(runner, graph, x=3).values == {"_check": True, "y": 6}
    assert execute(runner, graph, x=-3).values == {"_check": False, "y": 3}


def test_an_underscore_output_that_is_no_gate_decision_is_still_refused() -> None:
    @node(output_name="_hidden")
    def sneaky(x: int) -> int:
        return x

    inner = Graph([check, double, negate], name="inner")
    with pytest.raises(GraphConfigError, match="'_hidden' starts with '_'"):
        Graph([Graph([inner.as_node()], name="mid").as_node(), sneaky])


# -- 3. a route returning END when END is not a declared target ---------------------------------


@node(output_name="out")
def first(a: int) -> int:
    return a + 1


def _ends(a: int) -> object:
    return END


def _ends_in_list(a: int) -> list[object]:
    return [END]


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize(
    "gate",
    [
        RouteNode(_ends, ["first"], name="pick"),
        RouteNode(_ends_in_list, ["first"], multi_target=True, name="pick"),
    ],
    ids=["single", "multi"],
)
def test_undeclared_end_raises_naming_the_route_and_targets(runner: str, gate: Any) -> None:
    graph = Graph([gate, first])
    with pytest.raises(ValueError, match=r"route 'pick' returned END.*targets \['first'\]"):
        execute(runner, graph, a=1)


@pytest.mark.parametrize("runner", RUNNERS)
def test_declared_end_still_ends(runner: str) -> None:
    graph = Graph([RouteNode(_ends, ["first", END], name="pick"), first])
    assert execute(runner, graph, a=1).values == {"_pick": END}


# -- 4. RenameError is a ValueError -------------------------------------------------------------


def test_rename_error_is_a_value_error() -> None:
    assert issubclass(RenameError, ValueError)
    inner = Graph([double], name="inner")
    with pytest.raises(ValueError, match="output alias '_y'"):
        inner.as_node().rename_outputs(y="_y")
    with pytest.raises(ValueError, match="no input 'nope'") as caught:  # a bad rename
        double.rename_inputs(nope="x")
    assert isinstance(caught.value, RenameError)


# -- 5. clone= validation -----------------------------------------------------------------------


@node(output_name="total")
def add(a: int, b: int) -> int:
    return a + b


ADDER = Graph([add], name="adder")


@pytest.mark.parametrize("clone", [("b",), "b", {"b"}, 1])
def test_map_over_clone_must_be_a_bool_or_a_list(clone: Any) -> None:
    with pytest.raises(TypeError, match="clone must be a bool or a list"):
        ADDER.as_node().map_over("a", clone=clone)


def test_map_over_clone_lists_names() -> None:
    with pytest.raises(TypeError, match="clone lists input names"):
        ADDER.as_node().map_over("a", clone=["b", 123])
    with pytest.raises(ValueError, match="non-mapped input"):
        ADDER.as_node().map_over("a", clone=["zz"])
    mapped = ADDER.as_node().map_over("a", clone=["b"])
    assert mapped.map_execution_config is not None
    assert mapped.map_execution_config.clone == ("b",)


def test_runner_map_clone_is_checked_with_clear_errors() -> None:
    runner = SyncRunner()
    with pytest.raises(TypeError, match="clone must be a bool or a list"):
        runner.map(ADDER, a=[1], b=2, map_over="a", clone="b")
    with pytest.raises(TypeError, match="clone lists input names"):
        runner.map(ADDER, a=[1], b=2, map_over="a", clone=["b", 123])
    with pytest.raises(GraphConfigError, match="'zz', which is not among the supplied inputs"):
        runner.map(ADDER, a=[1], b=2, map_over="a", clone=["zz"])
    assert runner.map(ADDER, a=[1, 2], b=2, map_over="a", clone=["b"])["total"] == [3, 4]


# -- 6. dotted keyword inputs -------------------------------------------------------------------


def _namespaced() -> Graph:
    return Graph([ADDER.as_node(namespaced=True)], name="outer")


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_dotted_keyword_input_is_refused_pointing_at_values(runner: str) -> None:
    with pytest.raises(ValueError, match=r"'adder.a' is dotted.*values=\{'adder.a'"):
        execute(runner, _namespaced(), **{"adder.a": 1, "adder.b": 2})
    assert execute(runner, _namespaced(), {"adder.a": 1, "adder.b": 2}).values == {"adder.total": 3}


def test_a_dotted_keyword_is_refused_by_map_too() -> None:
    with pytest.raises(ValueError, match="is dotted"):
        SyncRunner().map(_namespaced(), {"adder.b": 1}, map_over="adder.a", **{"adder.a": [1]})

    async def go() -> None:
        await AsyncRunner().map(
            _namespaced(), {"adder.b": 1}, map_over="adder.a", **{"adder.a": [1]}
        )

    with pytest.raises(ValueError, match="is dotted"):
        asyncio.run(go())


@pytest.mark.parametrize("runner", RUNNERS)
def test_nested_values_flatten_for_namespaced_nodes(runner: str) -> None:
    values = {"adder": {"a": 1, "b": 2}}
    assert execute(runner, _namespaced(), values).values == {"adder.total": 3}
    bound = _namespaced().bind(adder={"b": 5})
    assert bound.inputs.bound == {"adder.b": 5}
    assert execute(runner, bound, {"adder": {"a": 1}}).values == {"adder.total": 6}


# -- 7. output_annotation and RouteNode.descriptions --------------------------------------------


def test_output_annotation_is_empty_when_the_return_cannot_be_split() -> None:
    @node(output_name=("a", "b"))
    def wrong_arity() -> tuple[int, int, int]:
        return 1, 2, 3

    @node(output_name=("a", "b"))
    def not_a_tuple() -> list[int]:
        return [1, 2]

    @node(output_name=("a", "b"))
    def split() -> tuple[int, str]:
        return 1, "x"

    @node(output_name=("a", "b"))
    def bare() -> tuple:  # type: ignore[type-arg]
        return 1, 2

    assert wrong_arity.output_annotation == {}
    assert not_a_tuple.output_annotation == {}
    assert not_a_tuple.get_output_type("a") is None
    assert split.output_annotation == {"a": int, "b": str}
    assert bare.output_annotation == {"a": Any, "b": Any}


def test_route_descriptions_only_for_described_targets() -> None:
    @route(targets=["a", "b", END])
    def plain(x: int) -> object:
        return "a"

    @route(targets={"a": "first", END: "stop"}, fallback="b")
    def described(x: int) -> object:
        return "a"

    assert plain.descriptions == {}
    assert described.descriptions == {"a": "first", END: "stop"}
    assert described.targets == ["a", END, "b"]
