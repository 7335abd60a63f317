"""The plan layer (issue 13): hypergraph.plan holds the records both runners and the compiler
read, public and documented, built once per graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import hypergraph.plan as plan_layer
from hypergraph import END, Graph, GraphNode, SyncRunner, ifelse, node, route
from hypergraph.plan import (
    MAPPING,
    NO_DEFAULT,
    NONE,
    SEVERAL,
    SINGLE,
    DynamicPlan,
    GraphWiring,
    NodeWiring,
    async_paths,
    hints_of,
    wiring_of,
)

ROOT = Path(__file__).resolve().parents[1]


@node(output_name="total")
def add(x: int, y: int = 2, extra: list[int] = []) -> int:  # noqa: B006 - a mutable default
    return x + y + sum(extra)


@node(output_name=("low", "high"))
def split(total: int) -> tuple[int, int]:
    return total - 1, total + 1


@node
def report(low: int) -> None:
    pass


@node(output_name="label", emit="announced")
async def announce(high: int) -> str:
    return f"{high}"


def test_the_wiring_of_a_graph_says_where_each_parameter_comes_from() -> None:
    graph = Graph([add, split, report])
    wiring = wiring_of(graph)
    assert isinstance(wiring, GraphWiring)
    assert [[w.name for w in step] for step in wiring.supersteps] == [
        ["add"],
        ["split"],
        ["report"],
    ]
    assert [w.name for w in wiring.ordered] == ["add", "split", "report"]
    first, second, third = wiring.ordered
    assert isinstance(first, NodeWiring)
    assert first.func is add.func
    assert first.args == (("x", "x"),)  # required: always read from the state
    # optional inputs fall back to their defaults; a mutable one is deep-copied per call
    assert first.optional == (("y", "y", 2, False), ("extra", "extra", [], True))
    assert first.from_given == ()
    assert (first.shape, first.single_output) == (SINGLE, "total")
    assert (second.args, second.shape, second.outputs) == (
        (("total", "total"),),
        SEVERAL,
        ("low", "high"),
    )
    assert (third.shape, third.single_output) == (NONE, None)
    assert wiring.superstep_of == {"add": 0, "split": 1, "report": 2}
    assert wiring.produced == {"total", "low", "high"}
    assert wiring.dynamic is None
    assert wiring_of(graph) is wiring  # built once, cached on the graph


def test_a_value_with_no_default_is_the_no_default_marker() -> None:
    @node(output_name="y")
    def needs(x: int) -> int:
        return x

    graph = Graph([needs], strict_types=False)
    (record,) = wiring_of(graph).ordered
    assert record.optional == ()
    assert repr(NO_DEFAULT) == "<no default>"


def test_emit_names_and_async_nodes_are_in_the_wiring() -> None:
    graph = Graph([add, split, announce])
    wiring = wiring_of(graph)
    record = wiring.ordered[-1]
    assert record.emit == ("announced",)
    assert record.single_output is None  # the signal is written too: not stored as-is
    assert "announced" in wiring.produced
    assert "announced" not in wiring.result_names  # signals never reach results
    assert wiring.async_nodes == ("announce",) == async_paths(graph)


def test_a_nested_graph_is_wired_port_by_port() -> None:
    inner = Graph([add], name="inner")
    outer = Graph([GraphNode(inner, name="nested").with_inputs(x="start")])
    (record,) = wiring_of(outer).ordered
    assert record.func is None  # its call is a child run, built by the runners
    assert record.shape == MAPPING
    assert ("x", "start") in record.args  # (inner input, outer address)


@ifelse(when_true="double", when_false=END)
def small(x: int) -> bool:
    return x < 10


@node(output_name="x")
def double(x: int, step: int = 1) -> int:
    return x * 2 + step


def test_a_gated_graph_has_a_dynamic_plan() -> None:
    graph = Graph([small, double], entrypoint="double")
    wiring = wiring_of(graph)
    dynamic = wiring.dynamic
    assert isinstance(dynamic, DynamicPlan)
    assert graph.plan.is_dynamic
    record = dynamic.nodes["double"]
    assert record.controllers == ("small",)
    assert dynamic.nodes["small"].gate is small
    assert dynamic.cyclic == (True,)
    assert "x" in record.watch  # a new version of x makes double stale
    # the runners execute exactly these records
    assert SyncRunner().run(graph, x=3)["x"] == 15


def test_a_wired_input_with_a_default_may_run_on_it_in_a_dynamic_plan() -> None:
    @node(output_name="v")
    def make(go: bool) -> int:
        return 7

    @route(targets=["make", END])
    def pick(go: bool) -> object:
        return "make" if go else END

    @node(output_name="out")
    def merge(v: int = 0) -> int:
        return v

    graph = Graph([pick, make, merge])
    dynamic = wiring_of(graph).dynamic
    assert dynamic is not None
    step = dynamic.nodes["merge"].step
    # the DAG wiring reads v from the state; after a route, v's producer may not have run
    assert step.args == ()
    assert step.optional == (("v", "v", 0, False),)
    assert SyncRunner().run(graph, go=False)["out"] == 0
    assert SyncRunner().run(graph, go=True)["out"] == 7


def test_hints_have_a_public_home() -> None:
    assert hints_of(add.func) == {"x": int, "y": int, "extra": list[int], "return": int}
    assert plan_layer.Plan is Graph([add]).plan.__class__


def test_every_public_name_is_documented() -> None:
    for name in plan_layer.__all__:
        value = getattr(plan_layer, name)
        if callable(value) and not isinstance(value, int):
            assert value.__doc__, f"hypergraph.plan.{name} has no docstring"


@pytest.mark.slow
def test_the_import_contracts_hold() -> None:
    """lint-imports (.ci/run) passes: the layers, runner internals, codegen's public reads."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
