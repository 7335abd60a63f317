"""The plan layer (issue 13): hypergraph.plan holds the records both runners and the compiler
read, public and documented, built once per graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

import hypergraph.plan as plan_layer
from hypergraph import END, Graph, GraphConfigError, GraphNode, SyncRunner, ifelse, node, route
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.function import ExecutionMode
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
from hypergraph.plan.wiring import node_wiring

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


# -- the wiring records in the cases the runner tests reach only indirectly (explicit edges,
# inactive producers, node kinds that cannot run, record subclasses; docs/mutation.md)


@node(output_name="v")
def make_v(seed: int) -> int:
    return seed + 1


@node(output_name="w")
def use_v(v: int = 100) -> int:
    return v * 2


def test_an_unwired_input_another_node_makes_is_read_from_the_given_inputs_only() -> None:
    # explicit edges, none into `use_v`: its `v` must not see `make_v`'s v, only a given v
    graph = Graph([make_v, use_v], edges=[])
    records = {w.name: w for w in wiring_of(graph).ordered}
    assert records["use_v"].args == ()
    assert records["use_v"].optional == ()
    assert records["use_v"].from_given == (("v", "v", 100, False),)
    runner = SyncRunner()
    assert runner.run(graph, seed=1)["w"] == 200  # the default, not make's 2
    assert runner.run(graph, seed=1, v=5)["w"] == 10


def test_an_edge_from_an_inactive_producer_does_not_wire_the_parameter() -> None:
    # `make_v` is upstream of the entrypoint, so it never runs: `use_v` runs on its default
    graph = Graph([make_v, use_v], entrypoint="use_v")
    assert graph.active_nodes == ("use_v",)
    (record,) = wiring_of(graph).ordered
    assert record.args == ()
    assert record.optional == (("v", "v", 100, False),)
    assert SyncRunner().run(graph)["w"] == 200


def test_a_nested_graph_record_is_complete() -> None:
    inner = Graph([make_v], name="inner")
    outer = Graph([GraphNode(inner, name="nested").with_inputs(seed="start")])
    (record,) = wiring_of(outer).ordered
    assert record.mode is ExecutionMode.SYNC_FUNCTION  # run as one call: a child run
    assert (record.args, record.optional, record.from_given) == ((("seed", "start"),), (), ())
    assert (record.outputs, record.shape, record.single_output) == (("v",), MAPPING, None)


def test_a_node_kind_that_cannot_run_is_refused_by_name() -> None:
    with pytest.raises(GraphConfigError) as refused:
        node_wiring(cast(HyperNode, _FakeNode("opaque")), set(), set(), set(), frozenset())
    assert str(refused.value) == "node 'opaque': _FakeNode cannot run in this version"


class _FakeNode:
    """Any object that is not a function, gate or graph node (node_wiring checks the kind first)."""

    def __init__(self, name: str) -> None:
        self.name = name


class _SyncRecord(NodeWiring):
    __slots__ = ()


class _AsyncRecord(NodeWiring):
    __slots__ = ()


def test_each_record_class_gets_its_own_cached_wiring() -> None:
    graph = Graph([make_v, use_v])
    plain = wiring_of(graph)
    first = wiring_of(graph, _SyncRecord)
    second = wiring_of(graph, _AsyncRecord)
    assert {type(w) for w in plain.ordered} == {NodeWiring}
    assert {type(w) for w in first.ordered} == {_SyncRecord}
    assert {type(w) for w in second.ordered} == {_AsyncRecord}
    assert wiring_of(graph) is plain
    assert wiring_of(graph, _SyncRecord) is first


@node(output_name="step")
def prep(n: int) -> int:
    return n


@node(output_name="x", emit="doubled")
def double_and_tell(x: int, step: int = 1) -> int:
    return x * 2 + step


@ifelse(when_true="double_and_tell", when_false=END)
def still_small(x: int) -> bool:
    return x < 10


@node(output_name="seen", wait_for="doubled")
def log(x: int) -> int:
    return x


def test_the_dynamic_plan_leaves_inactive_producers_out_and_lists_signal_emitters() -> None:
    # `prep` feeds `step` but sits upstream of the entrypoint: it never runs, so it is
    # neither a predecessor of the loop nor something the loop watches
    graph = Graph([prep, still_small, double_and_tell, log], entrypoint="double_and_tell")
    assert graph.active_nodes == ("still_small", "double_and_tell", "log")
    dynamic = wiring_of(graph).dynamic
    assert dynamic is not None
    looped = dynamic.nodes["double_and_tell"]
    assert (looped.preds, looped.watch, looped.needs) == ((), ("x",), ("x",))
    assert looped.step.optional == (("step", "step", 1, False),)
    assert (looped.controllers, looped.entry) == (("still_small",), True)
    assert dynamic.nodes["log"].signals == ("doubled",)
    assert dynamic.emitters == {"doubled": ("double_and_tell",)}
    assert dynamic.signals == frozenset({"doubled"})
    assert dynamic.has_entrypoints is True
    assert dynamic.shared_watchers == {}
    assert SyncRunner().run(graph, x=3).values == {"_still_small": False, "x": 15, "seen": 15}


def test_the_dynamic_plan_of_a_graph_without_entrypoints_says_so() -> None:
    @route(targets=["bump", END])
    def again(count: int) -> object:
        return "bump" if count < 3 else END

    @node(output_name="total")
    def bump(count: int) -> int:
        return count + 1

    dynamic = wiring_of(Graph([again, bump])).dynamic
    assert dynamic is not None
    assert dynamic.has_entrypoints is False


def test_in_shared_mode_a_declared_edge_makes_its_target_watch_the_writer() -> None:
    from test_parity_shared import chat

    dynamic = wiring_of(chat()).dynamic
    assert dynamic is not None
    named = {key: [n.name for n in nodes] for key, nodes in dynamic.shared_watchers.items()}
    assert named == {("add_user", "messages"): ["llm"], ("add_assistant", "messages"): ["more"]}
    # an ordering edge orders; only data edges make a node watch a name
    assert {name: n.watch for name, n in dynamic.nodes.items()} == {
        "add_user": (),
        "llm": (),
        "add_assistant": ("response",),
        "more": (),
    }
    assert {k: [n.name for n in v] for k, v in dynamic.watchers.items()} == {
        "response": ["add_assistant"]
    }
    assert (dynamic.emitters, dynamic.signals) == ({}, frozenset())


def test_a_signal_edge_in_shared_mode_is_not_a_shared_watch() -> None:
    from test_parity_shared import add_assistant, add_user, llm, more

    @node(output_name="note", emit="noted")
    def noter(messages: list[str]) -> str:
        return "n"

    @node(output_name="after", wait_for="noted")
    def waiter(messages: list[str]) -> str:
        return "a"

    graph = Graph(
        [add_user, llm, add_assistant, more, noter, waiter],
        shared=["messages"],
        entrypoint="add_user",
        edges=[(add_user, llm), (add_assistant, more), (add_assistant, noter)],
    )
    assert ("noter", "waiter", ("noted",)) in {(e.source, e.target, e.values) for e in graph.edges}
    dynamic = wiring_of(graph).dynamic
    assert dynamic is not None
    named = {key: [n.name for n in nodes] for key, nodes in dynamic.shared_watchers.items()}
    # (writer, shared name) only: the signal `noted` orders waiter by its own rule
    assert named == {
        ("add_user", "messages"): ["llm"],
        ("add_assistant", "messages"): ["more", "noter"],
    }
    assert dynamic.emitters == {"noted": ("noter",)}
