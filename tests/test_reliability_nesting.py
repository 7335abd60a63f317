"""Deep nesting (issue 10, item 7): graphs nest up to MAX_NESTING_DEPTH levels, and every
runner runs a graph nested that deep; one level more is a GraphConfigError when the graph is
built, naming the depth and the limit (never a RecursionError, at build or at run time)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from run_support import RUNNERS, execute

from hypergraph import END, AsyncRunner, Graph, GraphConfigError, SyncRunner, node, route
from hypergraph.nodes.graph_node import MAX_NESTING_DEPTH


@node(output_name="b")
def inc(a: int) -> int:
    return a + 1


@node(output_name="b")
async def ainc(a: int) -> int:
    await asyncio.sleep(0)
    return a + 1


def _gate(target: str) -> Any:
    @route(targets=[target, END])
    def choose(a: int) -> str:
        return target

    return choose.with_name(f"choose_{target}")


def nested(depth: int, leaf: Any = inc, gated: bool = False) -> Graph:
    """`leaf` wrapped in `depth` graphs; with `gated`, a route in front of every level."""
    graph = Graph([leaf], name="level0")
    for level in range(1, depth + 1):
        name = f"level{level}"
        nodes = [graph.select("b").as_node(name=name)]
        if gated:
            nodes.append(_gate(name))
        graph = Graph(nodes, name=name)
    return graph


def test_nesting_up_to_the_limit_builds() -> None:
    graph = nested(MAX_NESTING_DEPTH - 1)
    outer = graph.as_node(name="outermost")  # the last level allowed
    assert outer.nesting_depth == MAX_NESTING_DEPTH
    assert Graph([outer]).plan is not None


@pytest.mark.parametrize("depth", [MAX_NESTING_DEPTH + 1, 300])
def test_nesting_past_the_limit_is_refused_when_built(depth: int) -> None:
    with pytest.raises(GraphConfigError) as info:
        nested(depth)  # refused at the first level past the limit, not at `depth`
    message = str(info.value)
    assert f"graph 'level{MAX_NESTING_DEPTH + 1}' as a node" in message
    assert f"nest graphs {MAX_NESTING_DEPTH + 1} levels deep" in message
    assert f"the limit is {MAX_NESTING_DEPTH}" in message


def test_the_depth_counts_the_deepest_branch_and_survives_renames() -> None:
    shallow = Graph([inc], name="shallow").as_node()
    deep = nested(5).as_node(name="deep")
    both = Graph([shallow, deep.rename_outputs(b="c").rename_inputs(a="z")], name="both")
    assert shallow.nesting_depth == 1
    assert deep.with_name("again").nesting_depth == 6
    assert both.as_node().nesting_depth == 7


@pytest.mark.parametrize("gated", [False, True], ids=["dag", "gates"])
@pytest.mark.parametrize("runner", RUNNERS)
def test_every_runner_runs_a_graph_nested_to_the_limit(runner: str, gated: bool) -> None:
    graph = nested(MAX_NESTING_DEPTH, gated=gated)
    assert execute(runner, graph, a=1)["b"] == 2


@pytest.mark.parametrize("gated", [False, True], ids=["dag", "gates"])
def test_async_nodes_nested_to_the_limit_run(gated: bool) -> None:
    graph = nested(MAX_NESTING_DEPTH, leaf=ainc, gated=gated)
    assert asyncio.run(AsyncRunner().run(graph, a=1))["b"] == 2


def test_maps_over_a_graph_nested_to_the_limit() -> None:
    graph = nested(MAX_NESTING_DEPTH, gated=True)
    assert SyncRunner().map(graph, a=[1, 2], map_over="a")["b"] == [2, 3]
    mapped = asyncio.run(AsyncRunner().map(graph, a=[1, 2], map_over="a", max_concurrency=2))
    assert mapped["b"] == [2, 3]
