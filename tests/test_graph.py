"""Graph: wiring by name, InputSpec, derivations and the Plan (API.md section 3)."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator

import pytest

from hypergraph import AsyncRunner, Graph, GraphConfigError, InputSpec, Plan, SyncRunner, node
from hypergraph.graph import Graph as GraphFromPackage
from hypergraph.graph import GraphConfigError as GCEFromGraph
from hypergraph.graph.validation import GraphConfigError as GCEFromValidation


@node(output_name="a")
def step1() -> int:
    return 1


@node(output_name="b")
def step2(a: int) -> int:
    return a * 2


@node(output_name="c")
def step3(b: int) -> int:
    return b * 3


def test_exports_are_the_same_objects():
    assert GraphFromPackage is Graph
    assert GCEFromGraph is GraphConfigError is GCEFromValidation


# -- wiring ---------------------------------------------------------------------------------


def test_edges_inferred_by_name():
    g = Graph([step1, step2, step3])
    assert [(e.source, e.target, e.kind, e.values) for e in g.edges] == [
        ("step1", "step2", "data", ("a",)),
        ("step2", "step3", "data", ("b",)),
    ]
    assert g.data_edges == (("step1", "step2", "a"), ("step2", "step3", "b"))


def test_one_edge_per_pair_lists_every_value():
    @node(output_name=("p", "q"))
    def src():
        return 1, 2

    @node(output_name="r")
    def dst(q, p):
        return p + q

    g = Graph([src, dst])
    assert len(g.edges) == 1
    assert g.edges[0].values == ("q", "p")
    assert SyncRunner().run(g)["r"] == 3


def test_shadowed_producer_is_dropped():
    # API.md 3.2: a() -> (x, y), b(y) -> x, c(x): c reads x from b only.
    @node(output_name=("x", "y"))
    def a():
        return "from a", "y"

    @node(output_name="x")
    def b(y):
        return "from b"

    @node(output_name="z")
    def c(x):
        return x

    g = Graph([a, b, c])
    assert ("a", "c", "x") not in g.data_edges
    assert ("b", "c", "x") in g.data_edges
    assert SyncRunner().run(g)["z"] == "from b"


def test_nodes_are_a_copy_in_declaration_order():
    g = Graph([step3, step1, step2])
    nodes = g.nodes
    assert list(nodes) == ["step3", "step1", "step2"]
    nodes.clear()
    assert len(g.nodes) == 3
    assert [n.name for n in g.iter_nodes()] == ["step3", "step1", "step2"]


def test_outputs_and_leaf_outputs():
    @node(output_name=("x", "side"))
    def first():
        return 1, 2

    @node(output_name="y", emit="done")
    def second(x):
        return x

    g = Graph([first, second])
    assert g.outputs == ("x", "side", "y", "done")
    assert g.leaf_outputs == ("y", "done")


def test_has_async_nodes_and_cycles():
    @node(output_name="y")
    async def slow(x):
        return x

    assert Graph([slow]).has_async_nodes
    assert not Graph([step1, step2]).has_async_nodes
    assert not Graph([step1, step2]).has_cycles
    assert not Graph([step1]).has_gates

    @node(output_name="count")
    def inc(count):
        return count + 1

    assert Graph([inc], entrypoint="inc").has_cycles


# -- InputSpec ------------------------------------------------------------------------------


def test_input_spec_required_optional_bound():
    @node(output_name="y")
    def f(x, k=2):
        return x * k

    @node(output_name="z")
    def g_(y, offset):
        return y + offset

    g = Graph([f, g_])
    assert g.inputs == InputSpec(required=("x", "offset"), optional=("k",), bound={})
    assert g.inputs.all == ("x", "offset", "k")
    bound = g.bind(offset=10)
    assert bound.inputs.required == ("x",)
    assert bound.inputs.optional == ("k", "offset")
    assert bound.inputs.bound == {"offset": 10}
    assert SyncRunner().run(bound, x=1)["z"] == 12


def test_input_spec_is_frozen_with_exact_fields():
    import dataclasses

    spec = InputSpec(("a",), ("b",), {"b": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.required = ()  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(InputSpec)] == ["required", "optional", "bound"]


def test_an_edge_cancels_a_default():
    @node(output_name="x")
    def produce():
        return 5

    @node(output_name="y")
    def consume(x=100):
        return x

    g = Graph([produce, consume])
    assert g.inputs.all == ()
    assert SyncRunner().run(g)["y"] == 5


def test_default_in_every_consumer_makes_optional():
    @node(output_name="a")
    def f1(k=3):
        return k

    @node(output_name="b")
    def f2(k=3):
        return k

    g = Graph([f1, f2])
    assert g.inputs.optional == ("k",)
    assert SyncRunner().run(g).values == {"a": 3, "b": 3}


# -- bind / unbind ---------------------------------------------------------------------------


def test_bind_returns_a_new_graph():
    g = Graph([step2])
    bound = g.bind(a=4)
    assert g.inputs.required == ("a",)
    assert bound.inputs.required == ()
    assert SyncRunner().run(bound)["b"] == 8
    assert bound.unbind("a").inputs.required == ("a",)
    assert bound.unbind("not_there").inputs.bound == {"a": 4}


def test_bind_mapping_plus_keywords():
    @node(output_name="s")
    def add(p, q):
        return p + q

    assert SyncRunner().run(Graph([add]).bind({"p": 1}, q=2))["s"] == 3


def test_bind_errors():
    g = Graph([step1, step2])
    with pytest.raises(ValueError, match="with_entrypoint"):
        g.bind(a=1)  # an output
    with pytest.raises(ValueError, match="not an input"):
        Graph([step2]).bind(zzz=1)
    with pytest.raises(ValueError, match="twice"):
        Graph([step2]).bind({"a": 1}, a=2)


def test_bound_values_are_not_copied():
    @node(output_name="same")
    def ident(obj):
        return obj

    payload = {"k": [1]}
    result = SyncRunner().run(Graph([ident]).bind(obj=payload))
    assert result["same"] is payload


def test_run_value_overrides_bind_with_warning():
    g = Graph([step2]).bind(a=1)
    with pytest.warns(UserWarning, match="bound"):
        result = SyncRunner().run(g, a=5)
    assert result["b"] == 10


# -- select -------------------------------------------------------------------------------


def test_select_narrows_results_active_set_and_inputs():
    @node(output_name="left")
    def lhs(x):
        return x + 1

    @node(output_name="right")
    def rhs(y):
        return y + 2

    g = Graph([lhs, rhs])
    sel = g.select("left")
    assert sel.selected == ("left",)
    assert sel.active_nodes == ("lhs",)
    assert sel.inputs.required == ("x",)
    assert SyncRunner().run(sel, x=1).values == {"left": 2}
    assert g.selected is None


def test_select_errors():
    g = Graph([step1, step2])
    with pytest.raises(ValueError, match="not an output"):
        g.select("zzz")
    with pytest.raises(ValueError, match="unique"):
        g.select("a", "a")


def test_select_keeps_needed_ancestors():
    g = Graph([step1, step2, step3]).select("b")
    assert g.active_nodes == ("step1", "step2")
    assert SyncRunner().run(g).values == {"b": 2}


# -- entrypoints ------------------------------------------------------------------------------


def test_with_entrypoint_makes_upstream_outputs_inputs():
    calls: list[str] = []

    @node(output_name="a")
    def first():
        calls.append("first")
        return 1

    @node(output_name="b")
    def second(a):
        calls.append("second")
        return a * 10

    g = Graph([first, second]).with_entrypoint("second")
    assert g.entrypoints_config == ("second",)
    assert g.inputs.required == ("a",)
    assert SyncRunner().run(g, a=7).values == {"a": 7, "b": 70}
    assert calls == ["second"]


def test_with_entrypoint_accumulates_and_accepts_nodes():
    g = Graph([step1, step2, step3]).with_entrypoint(step2).with_entrypoint("step3")
    assert g.entrypoints_config == ("step2", "step3")
    assert Graph([step1]).entrypoints_config is None


def test_with_entrypoint_errors():
    g = Graph([step1, step2])
    with pytest.raises(GraphConfigError):
        g.with_entrypoint()
    with pytest.raises(GraphConfigError, match="zzz"):
        g.with_entrypoint("zzz")


def test_entrypoint_constructor_argument():
    g = Graph([step1, step2, step3], entrypoint=["step2"])
    assert g.active_nodes == ("step2", "step3")


def test_selection_not_reachable_from_entrypoint():
    g = Graph([step1, step2, step3]).with_entrypoint("step3")
    with pytest.raises(GraphConfigError, match="'b'"):
        g.select("b")


# -- explicit edges ---------------------------------------------------------------------------


def test_explicit_edges_are_the_only_data_edges():
    @node(output_name="x")
    def first():
        return 1

    @node(output_name="out")
    def use(x):
        return x

    g = Graph([first, use], edges=[])
    assert g.data_edges == ()
    assert g.inputs.required == ("x",)
    wired = Graph([first, use], edges=[("first", use)])
    assert wired.data_edges == (("first", "use", "x"),)
    assert SyncRunner().run(wired)["out"] == 1


def test_explicit_edge_with_values_and_errors():
    @node(output_name=("x", "y"))
    def src():
        return 1, 2

    @node(output_name="out")
    def dst(x, y=0):
        return x + y

    g = Graph([src, dst], edges=[("src", "dst", "x")])
    assert g.data_edges == (("src", "dst", "x"),)
    assert g.inputs.optional == ("y",)
    with pytest.raises(GraphConfigError, match="'zz'"):
        Graph([src, dst], edges=[("src", "dst", "zz")])
    with pytest.raises(GraphConfigError, match="not a node"):
        Graph([src, dst], edges=[("src", "nobody")])
    with pytest.raises(GraphConfigError):
        Graph([src, dst], edges=["src"])  # type: ignore[list-item]
    with pytest.raises(GraphConfigError, match="add_nodes"):
        g.add_nodes(step1)


def test_explicit_mode_unwired_value_is_not_read_from_its_producer():
    """API 5.6 R4/R5: an input is read from a *wired* producer, else provided/bound/default.

    `y` is not on any declared edge, so dst must use its default (0) or the provided value,
    never src's unwired output.
    """

    @node(output_name=("x", "y"))
    def src():
        return 1, 2

    @node(output_name="out")
    def dst(x, y=0):
        return x + y

    g = Graph([src, dst], edges=[("src", "dst", "x")])
    assert SyncRunner().run(g)["out"] == 1
    assert SyncRunner().run(g, y=5)["out"] == 6


def test_explicit_mode_provided_input_is_not_overwritten_by_unwired_producer():
    @node(output_name="x")
    def first():
        return 1

    @node(output_name="out")
    def use(x):
        return x

    g = Graph([first, use], edges=[])
    assert SyncRunner().run(g, x=42)["out"] == 42
    assert asyncio.run(AsyncRunner().run(g, x=42))["out"] == 42


def test_explicit_edge_without_shared_values_is_ordering_only():
    @node(output_name="x")
    def first():
        return 1

    @node(output_name="y")
    def second():
        return 2

    g = Graph([second, first], edges=[(first, second)])
    assert g.edges[0].kind == "ordering"
    assert g.plan.supersteps == (("first",), ("second",))


# -- add_nodes --------------------------------------------------------------------------------


def test_add_nodes_replays_configuration():
    g = Graph([step2], name="pipe").bind(a=3)
    bigger = g.add_nodes(step3)
    assert bigger.name == "pipe"
    assert bigger.inputs.bound == {"a": 3}
    assert SyncRunner().run(bigger).values == {"b": 6, "c": 18}
    assert list(g.nodes) == ["step2"]
    sel = Graph([step1]).select("a").add_nodes(step2)
    assert sel.selected == ("a",)


# -- the plan ---------------------------------------------------------------------------------


def test_plan_is_layered_and_cached():
    g = Graph([step3, step1, step2])
    plan = g.plan
    assert isinstance(plan, Plan)
    assert plan.supersteps == (("step1",), ("step2",), ("step3",))
    assert g.plan is plan
    assert plan.nodes == ("step1", "step2", "step3")
    assert plan.superstep_of("step3") == 2
    with pytest.raises(KeyError, match="nope"):
        plan.superstep_of("nope")


def test_plan_is_immutable():
    plan = Graph([step1]).plan
    with pytest.raises(AttributeError):
        plan.supersteps = ()  # type: ignore[misc]


def test_diamond_supersteps():
    @node(output_name="a")
    def A():
        return 1

    @node(output_name="b")
    def B(a):
        return a

    @node(output_name="c")
    def C(a):
        return a

    @node(output_name="d")
    def D(b, c):
        return b + c

    plan = Graph([D, C, B, A]).plan
    assert plan.supersteps == (("A",), ("C", "B"), ("D",))


def test_plan_longest_path_layering():
    @node(output_name="a")
    def root():
        return 1

    @node(output_name="b")
    def mid(a):
        return a

    @node(output_name="c")
    def late(a, b):
        return a + b

    assert Graph([root, mid, late]).plan.supersteps == (("root",), ("mid",), ("late",))


def test_plan_follows_entrypoint_and_selection():
    g = Graph([step1, step2, step3])
    assert g.with_entrypoint("step2").plan.supersteps == (("step2",), ("step3",))
    assert g.select("b").plan.supersteps == (("step1",), ("step2",))


def test_plan_is_independent_of_inputs():
    @node(output_name="y")
    def f(x):
        return x

    g = Graph([f])
    plan = g.plan
    SyncRunner().run(g, x=1)
    SyncRunner().run(g, x=2)
    assert g.plan is plan


# -- generators shared ------------------------------------------------------------------------


def test_generator_shared_by_two_consumers_warns():
    @node(output_name="items")
    def produce() -> Iterator[int]:
        yield 1

    @node(output_name="one")
    def c1(items):
        return list(items)

    @node(output_name="two")
    def c2(items):
        return list(items)

    with pytest.warns(UserWarning, match=r"'items'.*'produce'.*c1, c2"):
        Graph([produce, c1, c2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Graph([produce, c1])


# -- misc -------------------------------------------------------------------------------------


def test_definition_hash_excludes_binds_and_tracks_structure():
    g = Graph([step2])
    assert g.definition_hash == g.bind(a=1).definition_hash
    assert g.definition_hash != Graph([step2, step3]).definition_hash
    assert len(g.definition_hash) == 64


def test_nx_graph_has_edge_types():
    pytest.importorskip("networkx")
    nxg = Graph([step1, step2]).nx_graph
    assert nxg.edges["step1", "step2"]["edge_type"] == "data"
    assert nxg.edges["step1", "step2"]["value_names"] == ["a"]


def test_graph_name_and_repr():
    g = Graph([step1], name="pipeline")
    assert g.name == "pipeline"
    assert "pipeline" in repr(g)
    assert Graph([step1]).name is None


def test_graph_is_not_mutated_by_derivations():
    g = Graph([step1, step2, step3])
    g.select("b")
    g.with_entrypoint("step2")
    assert g.selected is None
    assert g.entrypoints_config is None
    assert g.plan.supersteps == (("step1",), ("step2",), ("step3",))


def test_strict_types_flag_is_kept():
    assert Graph([step1, step2], strict_types=True).strict_types is True
    assert Graph([step1]).strict_types is False
