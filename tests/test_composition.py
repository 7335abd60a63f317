"""Nested graphs (API.md section 6, issue 5 items 1-2): GraphNode ports, renames, namespacing,
binds and defaults across the boundary, nested runs, mapped subgraphs and failure paths, each on
SyncRunner and AsyncRunner (threads and inline)."""

from __future__ import annotations

import asyncio
import copy
import inspect
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from run_support import RUNNERS, execute

from hypergraph import (
    AsyncRunner,
    Graph,
    GraphConfigError,
    GraphNode,
    GraphNodeMapExecutionConfig,
    IncompatibleRunnerError,
    RenameError,
    RunStatus,
    SyncRunner,
    get_failure_evidence,
    node,
)


class Boom(Exception):
    pass


@node(output_name="y")
def double(x: int) -> int:
    return 2 * x


@node(output_name="z")
def inc(y: int, step: int = 1) -> int:
    return y + step


@node(output_name="w")
def square(z: int) -> int:
    return z * z


INNER = Graph([double, inc], name="inner")


# -- ports ------------------------------------------------------------------------------------


def test_ports_come_from_the_inner_input_spec_and_outputs():
    gn = INNER.as_node()
    assert isinstance(gn, GraphNode)
    assert gn.name == "inner"
    assert gn.node_type == "GRAPH"
    assert gn.inputs == INNER.inputs.all == ("x", "step")
    # every inner output, intermediates included (API 9)
    assert gn.outputs == gn.data_outputs == ("y", "z")
    assert gn.is_async is False
    assert GraphNode(INNER).inputs == gn.inputs


def test_select_on_the_inner_graph_limits_the_output_ports():
    gn = INNER.select("z").as_node()
    assert gn.outputs == ("z",)
    r = SyncRunner().run(Graph([gn]), x=3)
    assert r.values == {"z": 7}


@pytest.mark.parametrize("runner", RUNNERS)
def test_nested_outputs_include_inner_intermediates_unless_selected(runner):
    assert execute(runner, Graph([INNER.as_node(), square]), x=3).values == {
        "y": 6,
        "z": 7,
        "w": 49,
    }
    selected = Graph([INNER.select("z").as_node(), square])
    assert execute(runner, selected, x=3).values == {"z": 7, "w": 49}


def test_inner_entrypoints_keep_only_active_outputs():
    gn = INNER.with_entrypoint("inc").as_node()
    assert gn.inputs == ("y", "step")
    assert gn.outputs == ("z",)


def test_emit_names_are_outputs_but_not_data_outputs():
    @node(output_name="a", emit="ready")
    def first(x: int) -> int:
        return x

    @node(output_name="b", wait_for="ready")
    def second(a: int) -> int:
        return a + 1

    gn = Graph([first, second], name="sig").as_node()
    assert gn.data_outputs == ("a", "b")
    assert gn.outputs == ("a", "b", "ready")
    assert SyncRunner().run(Graph([gn]), x=1).values == {"a": 1, "b": 2}


def test_as_node_name_errors():
    with pytest.raises(ValueError, match="needs a name"):
        Graph([double]).as_node()
    for bad in ("a.b", "a/b", ""):
        with pytest.raises(ValueError, match="must be non-empty"):
            INNER.as_node(name=bad)
    with pytest.raises(ValueError, match="must be non-empty"):
        INNER.as_node().with_name("x.y")
    assert Graph([double]).as_node(name="named").name == "named"


def test_as_node_runner_delegation_is_refused():
    with pytest.raises(GraphConfigError, match="runner"):
        INNER.as_node(runner=SyncRunner())


# -- nesting, three deep ------------------------------------------------------------------------


def three_deep() -> Graph:
    middle = Graph([INNER.as_node(), square], name="middle")

    @node(output_name="final")
    def finish(w: int, z: int) -> int:
        return w + z

    return Graph([middle.as_node(), finish], name="outer")


@pytest.mark.parametrize("runner", RUNNERS)
def test_three_deep_runs_as_one_node_per_level(runner):
    outer = three_deep()
    assert outer.inputs.required == ("x",)
    assert outer.inputs.optional == ("step",)
    r = execute(runner, outer, x=3)
    assert r.values == {"y": 6, "z": 7, "w": 49, "final": 56}
    assert execute(runner, outer, x=3, step=0)["final"] == 36 + 6
    top = Graph([outer.as_node()])
    assert execute(runner, top, x=1)["final"] == 9 + 3


@pytest.mark.parametrize("runner", RUNNERS)
def test_nested_graph_is_one_node_in_the_outer_superstep(runner):
    @node(output_name="x")
    def source(a: int) -> int:
        return a

    outer = Graph([source, INNER.as_node(), square])
    assert outer.plan.supersteps == (("source",), ("inner",), ("square",))
    assert execute(runner, outer, a=2)["w"] == 25


# -- renames ----------------------------------------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_renamed_input_and_output_ports(runner):
    gn = INNER.as_node().rename_inputs(x="number").rename_outputs(z="result", y="twice")
    assert gn.inputs == ("number", "step")
    assert gn.outputs == ("twice", "result")
    r = execute(runner, Graph([gn]), number=4)
    assert r.values == {"twice": 8, "result": 9}


def test_renames_are_simultaneous_and_chain_with_history():
    gn = INNER.as_node().rename_inputs({"x": "step", "step": "x"})
    assert gn.inputs == ("step", "x")
    assert SyncRunner().run(Graph([gn]), step=5, x=0).values == {"y": 10, "z": 10}
    chained = INNER.as_node().rename_inputs(x="a").rename_inputs(a="b")
    assert chained.inputs == ("b", "step")
    with pytest.raises(RenameError, match="x → a → b"):
        chained.rename_inputs(a="c")
    out = INNER.as_node().rename_outputs(z="z1").with_outputs(z1="z2")
    assert out.outputs == ("y", "z2")
    with pytest.raises(RenameError, match="z → z1 → z2"):
        out.rename_outputs(z1="q")


def test_rename_errors():
    gn = INNER.as_node()
    with pytest.raises(RenameError):
        gn.rename_inputs(nope="a")
    with pytest.raises(RenameError):
        gn.rename_inputs(x="step")  # duplicate
    for alias in ("_private", "class", "not-an-id"):
        with pytest.raises(RenameError):
            gn.rename_outputs(z=alias)
    assert gn.rename_inputs().inputs == gn.inputs  # empty mapping: plain copy


def test_with_name_keeps_ports_and_nodes_are_immutable():
    gn = INNER.as_node()
    other = gn.with_name("again")
    assert (other.name, other.inputs, other.outputs) == ("again", gn.inputs, gn.outputs)
    gn.rename_inputs(x="q")
    assert gn.inputs == ("x", "step")
    assert gn.name == "inner"
    # two instances of one inner graph side by side
    pair = Graph([gn.rename_outputs(y="y1", z="z1"), other.rename_inputs(x="z1")])
    assert SyncRunner().run(pair, x=1).values == {"y1": 2, "z1": 3, "y": 6, "z": 7}


# -- namespacing ------------------------------------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_namespaced_ports_and_expose(runner):
    ns = INNER.as_node(namespaced=True)
    assert ns.inputs == ("inner.x", "inner.step")
    assert ns.outputs == ("inner.y", "inner.z")
    assert execute(runner, Graph([ns]), {"inner.x": 2}).values == {"inner.y": 4, "inner.z": 5}
    flat = ns.expose("x", "z")
    assert flat.inputs == ("x", "inner.step")
    assert flat.outputs == ("inner.y", "z")
    assert execute(runner, Graph([flat, square]), x=2)["w"] == 25
    aliased = ns.expose(x="number", z="result")
    assert aliased.inputs == ("number", "inner.step")
    assert aliased.outputs == ("inner.y", "result")
    assert execute(runner, Graph([aliased]), number=1)["result"] == 3


def test_namespaced_addresses_follow_with_name_and_expose_errors():
    ns = INNER.as_node(namespaced=True).with_name("pre")
    assert ns.inputs == ("pre.x", "pre.step")
    with pytest.raises(RenameError):
        ns.expose("nope")
    with pytest.raises(RenameError):
        ns.expose(z="class")
    exposed = ns.expose("x")
    with pytest.raises(RenameError, match="exposed"):
        exposed.rename_inputs(x="other")


def test_two_namespaced_instances_do_not_collide():
    a = INNER.as_node(name="a", namespaced=True)
    b = INNER.as_node(name="b", namespaced=True)
    r = SyncRunner().run(Graph([a, b]), {"a.x": 1, "b.x": 10})
    assert r.values == {"a.y": 2, "a.z": 3, "b.y": 20, "b.z": 21}


# -- binds and defaults -----------------------------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_inner_binds_are_honoured_and_overridable_from_the_parent(runner):
    bound = INNER.bind(step=10).as_node(name="b")
    assert bound.has_default_for("step")
    assert bound.get_default_for("step") == 10
    outer = Graph([bound])
    assert outer.inputs.optional == ("step",)
    assert execute(runner, outer, x=1)["z"] == 12
    assert execute(runner, outer, x=1, step=2)["z"] == 4  # given to run(): no warning
    with pytest.warns(UserWarning, match="overrides"):
        rebound = outer.bind(step=5)
    assert execute(runner, rebound, x=1)["z"] == 7


def test_two_graph_nodes_binding_one_address_differently_is_an_error():
    with pytest.raises(GraphConfigError):
        Graph([INNER.bind(step=1).as_node(name="p"), INNER.bind(step=2).as_node(name="q")])


def test_defaults_only_when_every_inner_consumer_is_satisfied():
    @node(output_name="a")
    def with_default(v: int = 3) -> int:
        return v

    @node(output_name="b")
    def without(v: int) -> int:
        return v

    @node(output_name="c")
    def also_default(v: int = 3) -> int:
        return v

    plain = Graph([without, double], name="plain").as_node()
    assert not plain.has_default_for("v")
    assert "v" not in plain.defaults
    with pytest.raises(KeyError, match="has no default for 'v'"):
        plain.get_default_for("v")
    assert Graph([plain]).inputs.required == ("v", "x")
    fully = Graph([with_default, also_default], name="fully").as_node()
    assert fully.has_default_for("v")
    assert fully.get_default_for("v") == 3
    assert fully.defaults == {"v": 3}
    assert Graph([fully]).inputs.optional == ("v",)
    assert SyncRunner().run(Graph([fully])).values == {"a": 3, "c": 3}
    # the parent sees the nested port as having no default, like any other consumer
    with pytest.raises(GraphConfigError, match="default"):
        Graph([with_default, plain], name="mixed")
    bound = Graph([without, double], name="b").bind(v=7).as_node()
    assert bound.has_default_for("v")
    assert bound.get_default_for("v") == 7
    assert not INNER.as_node().has_default_for("x")
    assert not INNER.as_node().has_default_for("unknown")
    ns = INNER.as_node(namespaced=True)
    assert ns.has_default_for("inner.step")
    assert ns.get_default_for("inner.step") == 1


# -- async inside -----------------------------------------------------------------------------


def test_is_async_when_anything_inside_is_async_and_sync_runner_refuses_before_running():
    ran: list[str] = []

    @node(output_name="x")
    def upstream(a: int) -> int:
        ran.append("upstream")
        return a

    @node(output_name="y")
    async def fetch(x: int) -> int:
        return x

    deep = Graph([fetch], name="deep")
    middle = Graph([deep.as_node()], name="middle")
    assert deep.as_node().is_async
    assert middle.as_node().is_async
    outer = Graph([upstream, middle.as_node()])
    with pytest.raises(IncompatibleRunnerError) as info:
        SyncRunner().run(outer, a=1)
    assert info.value.node_name == "middle/deep/fetch"
    assert "middle/deep/fetch" in str(info.value)
    assert info.value.capability == "supports_async_nodes"
    assert ran == []
    with pytest.raises(IncompatibleRunnerError):
        SyncRunner().map(outer, a=[1, 2], map_over="a")
    assert asyncio.run(AsyncRunner().run(outer, a=4)).values == {"x": 4, "y": 4}
    assert ran == ["upstream"]


# -- failures ---------------------------------------------------------------------------------


def failing_three_deep() -> tuple[Graph, Boom]:
    error = Boom("bad")

    @node(output_name="y")
    def explode(x: int) -> int:
        raise error

    inner = Graph([double.rename_outputs(y="d"), explode], name="inner")
    middle = Graph([inner.as_node()], name="middle")
    return Graph([middle.as_node()], name="outer"), error


@pytest.mark.parametrize("runner", RUNNERS)
def test_failure_inside_nested_graph_propagates_original_with_path(runner):
    outer, error = failing_three_deep()
    with pytest.raises(Boom) as info:
        execute(runner, outer, x=1)
    assert info.value is error
    evidence = get_failure_evidence(info.value)
    assert evidence is not None
    assert evidence.node_name == "middle/inner/explode"
    assert evidence.graph_name == "outer"
    r = execute(runner, outer, x=1, error_handling="continue")
    assert r.status is RunStatus.FAILED
    assert r.error is error
    assert r.failure is not None
    assert r.failure.node_name == "middle/inner/explode"


# -- map_over ---------------------------------------------------------------------------------


def test_map_over_configuration():
    m = INNER.as_node().map_over("x")
    assert m.map_config == (("x",), "zip", "raise")
    assert m.map_execution_config == GraphNodeMapExecutionConfig(("x",), "zip", "raise", False)
    assert INNER.as_node().map_config is None
    assert INNER.as_node().map_execution_config is None
    renamed = (
        INNER.as_node()
        .map_over("x", "step", mode="product", error_handling="continue")
        .rename_inputs(x="xs")
    )
    assert renamed.map_config == (("xs", "step"), "product", "continue")


def test_map_over_argument_errors():
    gn = INNER.as_node()
    with pytest.raises(ValueError, match="at least one"):
        gn.map_over()
    with pytest.raises(ValueError, match="not an input"):
        gn.map_over("nope")
    with pytest.raises(ValueError, match="mode"):
        gn.map_over("x", mode="diagonal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="error_handling"):
        gn.map_over("x", error_handling="ignore")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="clone must be a bool or a list of input names, got str"):
        gn.map_over("x", clone="step")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="clone must be a bool or a list of input names, got int"):
        gn.map_over("x", clone=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-mapped input"):
        gn.map_over("x", clone=["x"])  # a mapped param
    with pytest.raises(ValueError, match="non-mapped input"):
        gn.map_over("x", clone=["nope"])  # not an input


@pytest.mark.parametrize("runner", RUNNERS)
def test_map_zip_outputs_are_lists_aligned_with_items(runner):
    @node(output_name="s")
    def add(a: int, b: int) -> int:
        return a + b

    m = Graph([add], name="adder").as_node().map_over("a", "b")
    assert execute(runner, Graph([m]), a=[1, 2, 3], b=[10, 20, 30]).values == {"s": [11, 22, 33]}
    broadcast = Graph([add], name="adder").as_node().map_over("a")
    assert execute(runner, Graph([broadcast]), a=[1, 2], b=100)["s"] == [101, 102]
    with pytest.raises(ValueError, match="equal lengths"):
        execute(runner, Graph([m]), a=[1, 2], b=[1])


@pytest.mark.parametrize("runner", RUNNERS)
def test_map_product_mode(runner):
    @node(output_name="s")
    def add(a: int, b: int) -> int:
        return a + b

    m = Graph([add], name="adder").as_node().map_over("a", "b", mode="product")
    r = execute(runner, Graph([m]), a=[1, 2], b=(x for x in (10, 20, 30)))  # any iterable
    assert r["s"] == [11, 21, 31, 12, 22, 32]


@pytest.mark.parametrize("runner", RUNNERS)
def test_mapped_three_deep_with_renames(runner):
    m = three_deep().as_node().rename_inputs(x="xs").map_over("xs")
    r = execute(runner, Graph([m]), xs=[1, 2, 3])
    assert r.values == {
        "y": [2, 4, 6],
        "z": [3, 5, 7],
        "w": [9, 25, 49],
        "final": [12, 30, 56],
    }


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("mode", ["zip", "product"])
def test_empty_map_inputs_give_empty_lists(runner, mode):
    m = INNER.as_node().map_over("x", mode=mode)
    r = execute(runner, Graph([m]), x=[])
    assert r.status is RunStatus.COMPLETED
    assert r.values == {"y": [], "z": []}


@pytest.mark.parametrize("runner", RUNNERS)
def test_mapped_item_error_raise_propagates_original_with_path(runner):
    seen: list[int] = []
    error = Boom("item two")

    @node(output_name="y")
    def check(x: int) -> int:
        seen.append(x)
        if x == 2:
            raise error
        return x * 10

    inner = Graph([check], name="inner")
    outer = Graph([inner.as_node().map_over("x")], name="outer")
    with pytest.raises(Boom) as info:
        execute(runner, outer, x=[1, 2, 3])
    assert info.value is error
    evidence = get_failure_evidence(info.value)
    assert evidence is not None
    assert evidence.node_name == "inner/check"
    r = execute(runner, outer, x=[1, 2, 3], error_handling="continue")
    assert r.failed
    assert r.error is error
    assert r.failure is not None
    assert r.failure.node_name == "inner/check"
    if runner == "sync":
        assert seen[:2] == [1, 2]
        assert 3 not in seen[:2]


@pytest.mark.parametrize("runner", RUNNERS)
def test_mapped_item_error_continue_gives_none_in_every_list(runner):
    @node(output_name="y")
    def check(x: int) -> int:
        if x == 2:
            raise Boom("two")
        return x * 10

    @node(output_name="z")
    def plus(y: int) -> int:
        return y + 1

    @node(output_name="n")
    def count(z: list[int | None]) -> int:
        return sum(v is not None for v in z)

    inner = Graph([check, plus], name="inner")
    m = inner.as_node().map_over("x", error_handling="continue")
    r = execute(runner, Graph([m, count]), x=[1, 2, 3])
    assert r.status is RunStatus.COMPLETED
    assert r.values == {"y": [10, None, 30], "z": [11, None, 31], "n": 2}


@pytest.mark.parametrize("runner", RUNNERS)
def test_mapped_graph_with_generator_nodes(runner):
    @node(output_name="numbers")
    def numbers(n: int) -> Iterator[int]:
        yield from range(n)

    @node(output_name="total")
    def total(numbers: Iterator[int]) -> int:
        return sum(numbers)

    m = Graph([numbers, total], name="gen").as_node().map_over("n")
    r = execute(runner, Graph([m]), n=[1, 2, 3, 4])
    assert r["total"] == [0, 1, 3, 6]
    assert len(r["numbers"]) == 4
    assert all(inspect.isgenerator(g) for g in r["numbers"])  # consumed, passed as-is
    lone = Graph([numbers], name="lone").as_node().map_over("n")
    gens = execute(runner, Graph([lone]), n=[2, 3])["numbers"]
    assert [list(g) for g in gens] == [[0, 1], [0, 1, 2]]  # unconsumed: unstarted


@pytest.mark.parametrize("runner", RUNNERS)
def test_clone_deep_copies_per_item(runner):
    @node(output_name="out")
    def append(x: int, acc: list[int]) -> list[int]:
        acc.append(x)
        return acc

    inner = Graph([append], name="app")
    shared: list[int] = []
    r = execute(runner, Graph([inner.as_node().map_over("x")]), x=[1, 2], acc=shared)
    assert shared == [1, 2]
    assert r["out"][0] is shared
    for clone in (True, ["acc"]):
        fresh: list[int] = []
        m = inner.as_node().map_over("x", clone=clone)
        r = execute(runner, Graph([m]), x=[1, 2], acc=fresh)
        assert r["out"] == [[1], [2]]
        assert fresh == []
    renamed = inner.as_node().map_over("x", clone=["acc"]).rename_inputs(acc="bucket")
    assert renamed.map_execution_config is not None
    assert renamed.map_execution_config.clone == ("bucket",)
    assert execute(runner, Graph([renamed]), x=[5], bucket=[])["out"] == [[5]]


@pytest.mark.parametrize("runner", RUNNERS)
def test_clone_of_a_value_that_cannot_be_copied_is_a_config_error(runner):
    class Uncopyable:
        def __deepcopy__(self, memo: Any) -> Any:
            raise TypeError("no")

    @node(output_name="out")
    def use(x: int, thing: Any) -> int:
        return x

    m = Graph([use], name="u").as_node().map_over("x", clone=True)
    with pytest.raises(GraphConfigError):
        execute(runner, Graph([m]), x=[1], thing=Uncopyable())
    assert copy.copy(m).name == "u"


def test_map_over_follows_renames_in_runs():
    m = INNER.as_node().map_over("x").rename_inputs(x="xs").rename_outputs(z="zs")
    r = SyncRunner().run(Graph([m]), xs=[1, 2])
    assert r.values == {"y": [2, 4], "zs": [3, 5]}


def test_map_over_on_namespaced_ports():
    ns = INNER.as_node(namespaced=True).map_over("inner.x")
    assert ns.map_config == (("inner.x",), "zip", "raise")
    r = SyncRunner().run(Graph([ns]), {"inner.x": [1, 2]})
    assert r.values == {"inner.y": [2, 4], "inner.z": [3, 5]}


def test_nested_runs_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bound = INNER.bind(step=3).as_node(name="b")
        SyncRunner().run(Graph([bound]), x=1, step=4)
        SyncRunner().run(Graph([bound.map_over("x")]), x=[1], step=4)
