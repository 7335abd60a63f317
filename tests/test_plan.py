"""The planner's graph algorithms against independent oracles (issue 20): networkx for strongly
connected components and layering, a plain recursive depth-first search for back edges. Random
directed graphs, self-loops and edges that leave the planned node set included."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypergraph.plan.schedule import (
    _back_edges,
    build_dynamic_plan,
    build_plan,
    plan_or_cycle,
    strongly_connected,
)

NAMES = ["n0", "n1", "n2", "n3", "n4", "n5", "n6"]


@st.composite
def digraphs(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str]]]:
    """A declaration order (names deliberately not in sorted order) and edges, some of them
    to or from `ghost`, a node outside the order."""
    order = draw(st.permutations(NAMES).map(lambda p: p[: draw(st.integers(1, len(NAMES)))]))
    ends = st.sampled_from([*order, "ghost"])
    edges = draw(st.lists(st.tuples(ends, ends), max_size=14))
    return list(order), edges


def _inside(order: list[str], edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((s, d) for s, d in edges if s in order and d in order))


def _reference_back_edges(
    order: list[str], edges: list[tuple[str, str]], starts: list[str]
) -> set[tuple[str, str]]:
    """Depth-first search from `starts` then every node, successors in declaration order; an
    edge into a node on the current path closes a loop."""
    position = {name: i for i, name in enumerate(order)}
    successors = {
        name: sorted({d for s, d in edges if s == name}, key=position.get) for name in order
    }
    on_path: set[str] = set()
    done: set[str] = set()
    back: set[tuple[str, str]] = set()

    def visit(name: str) -> None:
        on_path.add(name)
        for nxt in successors[name]:
            if nxt in on_path:
                back.add((name, nxt))
            elif nxt not in done:
                visit(nxt)
        on_path.discard(name)
        done.add(name)

    for root in [*starts, *order]:
        if root not in done and root not in on_path:
            visit(root)
    return back


@settings(max_examples=300, deadline=None)
@given(graph=digraphs())
def test_strongly_connected_components_match_networkx(
    graph: tuple[list[str], list[tuple[str, str]]],
) -> None:
    order, edges = graph
    found = strongly_connected(order, edges)
    reference = nx.DiGraph()
    reference.add_nodes_from(order)
    reference.add_edges_from(_inside(order, edges))
    expected = {frozenset(c) for c in nx.strongly_connected_components(reference)}
    assert {frozenset(c) for c in found} == expected
    for component in found:  # each in declaration order
        assert list(component) == sorted(component, key=order.index)


@settings(max_examples=300, deadline=None)
@given(graph=digraphs(), data=st.data())
def test_back_edges_are_the_depth_first_searchs(
    graph: tuple[list[str], list[tuple[str, str]]], data: st.DataObject
) -> None:
    order, edges = graph
    inside = _inside(order, edges)
    starts = data.draw(st.lists(st.sampled_from(order), unique=True, max_size=2))
    back = _back_edges(order, inside, starts)
    assert back == _reference_back_edges(order, inside, starts)
    remaining = nx.DiGraph([e for e in inside if e not in back])
    assert nx.is_directed_acyclic_graph(remaining)


@settings(max_examples=300, deadline=None)
@given(graph=digraphs(), data=st.data())
def test_dynamic_plan_components_match_the_oracles(
    graph: tuple[list[str], list[tuple[str, str]]], data: st.DataObject
) -> None:
    order, edges = graph
    inside = _inside(order, edges)
    starts = data.draw(st.lists(st.sampled_from(order), unique=True, max_size=2))
    plan = build_dynamic_plan(order, edges, {}, [*starts, "ghost"])
    assert plan.entrypoints == tuple(starts)  # names outside the order are dropped
    # edges to or from a node outside the order change nothing
    assert plan == build_dynamic_plan(order, inside, {}, starts)
    reference = nx.DiGraph()
    reference.add_nodes_from(order)
    reference.add_edges_from(inside)
    condensed = nx.condensation(reference)
    assert {frozenset(c.nodes) for c in plan.components} == {
        frozenset(condensed.nodes[c]["members"]) for c in condensed
    }
    back = _reference_back_edges(order, inside, starts)
    seen: set[str] = set()
    for component in plan.components:
        members = set(component.nodes)
        selfloop = any(s == d and s in members for s, d in inside)
        assert component.cyclic == (len(members) > 1 or selfloop)
        for p in component.predecessors:  # topological order: predecessors come first
            assert set(plan.components[p].nodes) <= seen
        expected_preds = {
            i
            for i, other in enumerate(plan.components)
            if other is not component and any(s in other.nodes and d in members for s, d in inside)
        }
        assert set(component.predecessors) == expected_preds
        assert set(component.back_edges) == {(s, d) for s, d in back if s in members}
        forward = nx.DiGraph()
        forward.add_nodes_from(component.nodes)
        forward.add_edges_from(
            (s, d) for s, d in inside if s in members and d in members and (s, d) not in back
        )
        layers = [set(layer) for layer in nx.topological_generations(forward)]
        assert [set(step) for step in component.supersteps] == layers
        seen |= members


def test_single_nodes_loop_only_with_a_self_loop() -> None:
    plan = build_dynamic_plan(["a", "b", "c", "d"], [("a", "b"), ("c", "c"), ("b", "d")], {})
    cyclic = {component.nodes: component.cyclic for component in plan.components}
    assert cyclic == {("a",): False, ("b",): False, ("c",): True, ("d",): False}
    pair = build_dynamic_plan(["a", "b"], [("a", "b"), ("b", "a")], {})
    [component] = pair.components
    assert component.nodes == ("a", "b")
    assert component.cyclic
    assert component.back_edges == (("b", "a"),)
    assert component.supersteps == (("a",), ("b",))


@settings(max_examples=200, deadline=None)
@given(graph=digraphs())
def test_flat_plans_layer_by_longest_path(graph: tuple[list[str], list[tuple[str, str]]]) -> None:
    order, edges = graph
    inside = _inside(order, edges)
    reference = nx.DiGraph()
    reference.add_nodes_from(order)
    reference.add_edges_from(inside)
    result = plan_or_cycle(order, edges)
    if not nx.is_directed_acyclic_graph(reference):
        assert isinstance(result, list)
        assert result[0] == result[-1]  # a closed path along real edges
        assert result[0] == min(result, key=order.index)  # from its first-declared node
        assert all((a, b) in inside for a, b in itertools.pairwise(result))
        return
    assert result == build_plan(order, inside)
    layers = [set(layer) for layer in nx.topological_generations(reference)]
    assert [set(step) for step in result.supersteps] == layers
    for step in result.supersteps:
        assert list(step) == sorted(step, key=order.index)


def test_a_cycle_is_reported_along_its_edges() -> None:
    """The error names the loop in the direction values flow (it once ran backwards)."""
    from hypergraph import Graph, GraphConfigError, node

    @node(output_name="a")
    def fa(c: int) -> int:
        return c

    @node(output_name="b")
    def fb(a: int) -> int:
        return a

    @node(output_name="c")
    def fc(b: int) -> int:
        return b

    assert plan_or_cycle(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")]) == [
        "a",
        "b",
        "c",
        "a",
    ]
    with pytest.raises(GraphConfigError, match="entrypoint: fa -> fb -> fc -> fa\\."):
        Graph([fa, fb, fc]).plan  # noqa: B018


@settings(max_examples=300, deadline=None)
@given(graph=digraphs())
def test_a_reported_cycle_follows_edges_from_its_first_declared_node(
    graph: tuple[list[str], list[tuple[str, str]]],
) -> None:
    order, edges = graph
    inside = _inside(order, edges)
    result = plan_or_cycle(order, inside)
    if not isinstance(result, list):
        assert nx.is_directed_acyclic_graph(nx.DiGraph(inside))
        return
    loop = result[:-1]
    assert result[-1] == result[0]
    assert len(set(loop)) == len(loop)
    assert all(step in inside for step in itertools.pairwise(result))
    assert result[0] == min(loop, key=order.index)


def test_a_cycle_found_from_a_later_node_starts_at_the_first_declared_one() -> None:
    # graphlib finds p -> q -> p starting from p; q is declared before p
    order = ["r", "q", "p", "s"]
    edges = [("p", "q"), ("p", "r"), ("p", "s"), ("q", "p"), ("q", "r"), ("r", "p")]
    edges += [("r", "q"), ("s", "p")]
    cycle = plan_or_cycle(order, edges)
    assert isinstance(cycle, list)
    assert cycle[0] == cycle[-1] == min(cycle, key=order.index)
    assert all(step in edges for step in itertools.pairwise(cycle))


def test_superstep_of_names_the_missing_node() -> None:
    plan = build_plan(["a", "b"], [("a", "b")])
    assert plan.superstep_of("b") == 1
    with pytest.raises(KeyError) as missing:
        plan.superstep_of("nope")
    assert missing.value.args == ("nope",)
