"""Gates (API.md section 4): construction, build-time rules, run-time decisions, scheduling."""

from __future__ import annotations

import asyncio
import copy
import pickle
import threading

import pytest
from run_support import RUNNERS, execute

import hypergraph
from hypergraph import (
    END,
    AsyncRunner,
    GateNode,
    Graph,
    GraphConfigError,
    IfElseNode,
    RenameError,
    RouteNode,
    SyncRunner,
    ifelse,
    node,
    route,
)
from hypergraph.nodes import gate as gate_module


def counted(calls: list[str], name: str, output: str, value=None):
    """A node appending its name to `calls` and returning `value` (or its input x)."""

    def body(x):
        calls.append(name)
        return x if value is None else value

    body.__name__ = name
    return node(body, output_name=output)


# -- END ---------------------------------------------------------------------------------------


def test_end_is_a_private_singleton_string():
    assert isinstance(END, str)
    assert str(END) == "END"
    assert repr(END) == "END"
    assert END != "END"
    assert pickle.loads(pickle.dumps(END)) is END
    assert copy.deepcopy(END) is END
    assert copy.copy(END) is END
    assert hypergraph.END is gate_module.END


def test_exports():
    for name in ("GateNode", "IfElseNode", "RouteNode", "ifelse", "route", "END"):
        assert name in hypergraph.__all__
        assert getattr(hypergraph.nodes, name) is getattr(gate_module, name)


# -- construction ------------------------------------------------------------------------------


def test_route_properties():
    @route(targets={"a": "first", "b": "second", END: "stop"}, fallback="c")
    def decide(x, y=2):
        return "a"

    assert isinstance(decide, RouteNode)
    assert isinstance(decide, GateNode)
    assert decide.targets == ["a", "b", END, "c"]
    assert decide.descriptions["a"] == "first"
    assert decide.fallback == "c"
    assert decide.multi_target is False
    assert decide.is_gate is True
    assert decide.is_async is False
    assert decide.is_generator is False
    assert decide.node_type == "BRANCH"
    assert decide.data_outputs == ("_decide",)
    assert decide.outputs == ("_decide",)
    assert decide.inputs == ("x", "y")
    assert decide.defaults == {"y": 2}
    assert decide.default_open is True
    assert decide.cache is False
    assert decide(1) == "a"


def test_route_targets_deduplicated_in_order_and_fallback_kept_once():
    @route(targets=["b", "a", "b"], fallback="a")
    def decide(x):
        return None

    assert decide.targets == ["b", "a"]


def test_ifelse_properties_and_names():
    @ifelse(when_true="yes", when_false=END, name="check", emit="checked")
    def is_big(x):
        return x > 1

    assert isinstance(is_big, IfElseNode)
    assert is_big.name == "check"
    assert is_big.targets == ["yes", END]
    assert is_big.when_true == "yes"
    assert is_big.when_false is END
    assert is_big.outputs == ("_check", "checked")
    assert is_big.fallback is None
    assert is_big.multi_target is False


def test_renames_follow_the_gate_name():
    @route(targets=["a"], rename_inputs={"x": "value"})
    def decide(x):
        return "a"

    assert decide.inputs == ("value",)
    renamed = decide.with_name("choose")
    assert renamed.outputs == ("_choose",)
    assert decide.outputs == ("_decide",)
    assert decide.rename_inputs(value="v").inputs == ("v",)
    with pytest.raises(RenameError):
        decide.rename_outputs(_decide="other")


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda f: route(targets=[])(f), ValueError),
        (lambda f: route(targets=["a"], fallback="b", multi_target=True)(f), ValueError),
        (lambda f: route(targets=["a", "END"])(f), ValueError),
        (lambda f: route(targets=["a"], fallback="END")(f), ValueError),
        (lambda f: route(targets=["a", "\x00hypergraph.END"])(f), ValueError),
        (lambda f: ifelse(when_true="a", when_false="a")(f), ValueError),
        (lambda f: ifelse(when_true="END", when_false="a")(f), ValueError),
        (lambda f: route(targets="a")(f), TypeError),
    ],
)
def test_construction_errors(make, error):
    def decide(x):
        return "a"

    with pytest.raises(error):
        make(decide)


def test_async_and_generator_routing_functions_are_type_errors():
    async def decide_async(x):
        return "a"

    def decide_gen(x):
        yield "a"

    with pytest.raises(TypeError, match="'decide_async' must be a plain def function"):
        route(targets=["a"])(decide_async)
    with pytest.raises(TypeError, match="'decide_gen' must be a plain def function"):
        ifelse(when_true="a", when_false="b")(decide_gen)


# -- build time --------------------------------------------------------------------------------


@node(output_name="y")
def a(x):
    return x + 1


@node(output_name="y")
def b(x):
    return x - 1


@node(output_name="z")
def c(y):
    return y * 10


def test_control_edges_controlled_by_and_has_gates():
    @ifelse(when_true="a", when_false="b")
    def positive(x):
        return x > 0

    g = Graph([positive, a, b, c])
    assert g.has_gates
    assert not g.has_cycles
    assert g.controlled_by == {"a": ["positive"], "b": ["positive"]}
    kinds = {(e.source, e.target): e.kind for e in g.edges}
    assert kinds[("positive", "a")] == "control"
    assert kinds[("a", "c")] == "data"
    assert "_positive" in g.outputs
    assert g.plan.is_dynamic
    assert g.plan.supersteps == (("positive",), ("a", "b"), ("c",))
    assert [comp.nodes for comp in g.plan.components] == [("positive",), ("a",), ("b",), ("c",)]
    assert not Graph([a, c]).plan.is_dynamic


def test_nx_graph_has_control_edges():
    pytest.importorskip("networkx")

    @route(targets=["c", END])
    def decide(x):
        return "c"

    g = Graph([decide, c])
    assert g.nx_graph.edges["decide", "c"]["edge_type"] == "control"


@pytest.mark.parametrize(
    ("targets", "match"),
    [(["missing"], "not a node"), (["decide"], "targets itself")],
)
def test_bad_targets(targets, match):
    @route(targets=targets)
    def decide(x):
        return None

    with pytest.raises(GraphConfigError, match=match):
        Graph([decide, c])


def test_multi_target_gate_whose_targets_share_an_output():
    @route(targets=["a", "b"], multi_target=True)
    def both(x):
        return ["a", "b"]

    with pytest.raises(GraphConfigError, match="multi-target"):
        Graph([both, a, b])


def test_conflicting_outputs_outside_exclusive_branches_are_errors():
    with pytest.raises(GraphConfigError, match="Multiple nodes produce 'y'"):
        Graph([a, b, c])


def test_gate_cannot_be_an_entrypoint():
    @route(targets=["c"])
    def decide(y):
        return "c"

    with pytest.raises(GraphConfigError, match="gate"):
        Graph([decide, c], entrypoint="decide")
    with pytest.raises(GraphConfigError, match="gate"):
        Graph([a, decide, c]).with_entrypoint("decide")


def test_gate_output_name_is_reserved_for_the_gate():
    @node(output_name="_decide")
    def sneaky(x):
        return x

    with pytest.raises(GraphConfigError, match="reserved"):
        Graph([sneaky])


def test_select_pulls_in_every_gate_target():
    @ifelse(when_true="a", when_false="b")
    def positive(x):
        return x > 0

    g = Graph([positive, a, b, c]).select("z")
    assert set(g.active_nodes) == {"positive", "a", "b", "c"}
    for runner in RUNNERS:
        assert execute(runner, g, x=-3).values == {"z": -40}


def test_shadow_elimination_ignores_paths_through_the_gate_s_own_targets():
    @node(output_name=("v", "k"))
    def first(x):
        return x, x

    @node(output_name="v")
    def second(k):
        return k + 10

    @route(targets=["second", END])
    def decide(v):
        return "second" if v == 1 else END

    @node(output_name="w")
    def plain(v):
        return v

    # `first` reaches both consumers only through `second`, another producer of v: the
    # plain consumer reads v from `second` only; for the gate, a path through its own
    # target does not count, so it reads v from both (first round: from `first`).
    g = Graph([first, second, decide, plain], entrypoint="first")
    feeds = {(e.source, e.target) for e in g.edges if e.kind == "data"}
    assert {("first", "decide"), ("second", "decide"), ("second", "plain")} <= feeds
    assert ("first", "plain") not in feeds
    for runner in RUNNERS:
        result = execute(runner, g, x=1)
        assert result.values == {"v": 11, "k": 1, "_decide": END, "w": 11}


# -- run time: decisions -----------------------------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_branch_only_the_taken_branch_runs(runner):
    calls: list[str] = []

    @ifelse(when_true="up", when_false="down")
    def positive(x):
        return x > 0

    up = counted(calls, "up", "y", "UP")
    down = counted(calls, "down", "y", "DOWN")
    g = Graph([positive, up, down, c])
    result = execute(runner, g, x=5)
    assert result.values == {"_positive": True, "y": "UP", "z": "UP" * 10}
    assert calls == ["up"]
    calls.clear()
    result = execute(runner, g, x=-5)
    assert result["_positive"] is False
    assert result["y"] == "DOWN"
    assert calls == ["down"]


@pytest.mark.parametrize("runner", RUNNERS)
def test_route_decision_appears_in_values(runner):
    @node(output_name="p")
    def produce(x):
        return x

    @route(targets=["p2", "q"])
    def decide(p):
        return "p2"

    @node(output_name="out")
    def p2(p):
        return p + 1

    @node(output_name="other")
    def q(p):
        return 0

    result = execute(runner, Graph([produce, decide, p2, q]), x=1)
    assert result.values == {"p": 1, "_decide": "p2", "out": 2}


@pytest.mark.parametrize("runner", RUNNERS)
def test_route_none_without_fallback_runs_nothing(runner):
    calls: list[str] = []
    target = counted(calls, "target", "y")

    @route(targets=["target"])
    def gate(x):
        return None

    result = execute(runner, Graph([gate, target]), x=1)
    assert result.completed
    assert result.values == {"_gate": None}
    assert result["_gate"] is None
    assert calls == []


@pytest.mark.parametrize("runner", RUNNERS)
def test_route_none_with_fallback_runs_the_fallback(runner):
    calls: list[str] = []
    first = counted(calls, "first", "y", 1)
    spare = counted(calls, "spare", "w", 2)

    @route(targets=["first"], fallback="spare")
    def gate(x):
        return None

    result = execute(runner, Graph([gate, first, spare]), x=1)
    assert result.values == {"_gate": None, "w": 2}
    assert calls == ["spare"]


@pytest.mark.parametrize("runner", RUNNERS)
def test_route_to_end_runs_no_target(runner):
    calls: list[str] = []
    target = counted(calls, "target", "y")

    @route(targets=["target", END])
    def gate(x):
        return END

    result = execute(runner, Graph([gate, target]), x=1)
    assert result["_gate"] is END
    assert calls == []


@pytest.mark.parametrize("runner", RUNNERS)
def test_multi_target_runs_targets_in_one_superstep(runner):
    calls: list[str] = []
    left = counted(calls, "left", "l", 1)
    right = counted(calls, "right", "r", 2)
    skipped = counted(calls, "skipped", "s", 3)

    @route(targets=["left", "right", "skipped"], multi_target=True)
    def fan(x):
        return ["right", "left"]

    @node(output_name="total")
    def join(l, r):  # noqa: E741
        return l + r

    g = Graph([fan, left, right, skipped, join])
    result = execute(runner, g, x=0)
    assert result.values == {"_fan": ["right", "left"], "l": 1, "r": 2, "total": 3}
    assert sorted(calls) == ["left", "right"]


def test_multi_target_targets_share_a_superstep():
    barrier = threading.Barrier(2, timeout=5)

    @route(targets=["left", "right"], multi_target=True)
    def fan(x):
        return ["left", "right"]

    @node(output_name="l")
    def left(x):
        barrier.wait()  # passes only if `right` runs at the same time
        return 1

    @node(output_name="r")
    def right(x):
        barrier.wait()
        return 2

    g = Graph([fan, left, right])
    result = asyncio.run(AsyncRunner().run(g, x=0))
    assert result.values == {"_fan": ["left", "right"], "l": 1, "r": 2}

    @node(output_name="r")
    def broken(x):
        raise RuntimeError("boom")

    @node(output_name="l")
    def quick(x):
        return 1

    failed = SyncRunner().run(
        Graph([fan, quick.with_name("left"), broken.with_name("right")]),
        x=0,
        error_handling="continue",
    )
    assert failed.values == {"_fan": ["left", "right"], "l": 1}
    assert failed.failure.node_name == "right"
    assert failed.failure.superstep == 1


@pytest.mark.parametrize("runner", RUNNERS)
def test_multi_target_empty_list_and_none_route_nowhere(runner):
    calls: list[str] = []
    only = counted(calls, "only", "y")
    for decision in ([], None):

        @route(targets=["only"], multi_target=True)
        def fan(x, decision=decision):
            return decision

        result = execute(runner, Graph([fan, only]), x=1)
        assert result.completed
        assert "y" not in result
    assert calls == []


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize(
    ("decision", "multi", "error"),
    [
        ("nowhere", False, ValueError),
        (["only"], False, TypeError),
        ("only", True, TypeError),
        (["only", "nowhere"], True, ValueError),
        (3, False, ValueError),
    ],
)
def test_bad_route_decisions(runner, decision, multi, error):
    only = counted([], "only", "y")

    @route(targets=["only"], multi_target=multi)
    def gate(x):
        return decision

    with pytest.raises(error):
        execute(runner, Graph([gate, only]), x=1)
    failed = execute(runner, Graph([gate, only]), x=1, error_handling="continue")
    assert failed.failed
    assert isinstance(failed.error, error)
    assert failed.failure.node_name == "gate"


@pytest.mark.parametrize("runner", RUNNERS)
def test_end_string_warns_then_raises(runner):
    only = counted([], "only", "y")

    @route(targets=["only", END])
    def gate(x):
        return "END"

    with pytest.warns(UserWarning, match="END"), pytest.raises(ValueError, match="END"):
        execute(runner, Graph([gate, only]), x=1)


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("decision", [1, 0, None, "yes"])
def test_ifelse_needs_a_real_bool(runner, decision):
    @ifelse(when_true="a", when_false="b")
    def check(x):
        return decision

    with pytest.raises(TypeError, match="True or False"):
        execute(runner, Graph([check, a, b]), x=1)


@pytest.mark.parametrize("runner", RUNNERS)
def test_routing_function_runs_on_the_calling_thread(runner):
    threads: list[int] = []

    @route(targets=["a"])
    def gate(x):
        threads.append(threading.get_ident())
        return "a"

    async def main():
        await AsyncRunner().run(Graph([gate, a]), x=1)
        return threading.get_ident()

    if runner == "sync":
        SyncRunner().run(Graph([gate, a]), x=1)
        assert threads == [threading.get_ident()]
    else:
        loop_thread = asyncio.run(main())
        assert threads == [loop_thread]


@pytest.mark.parametrize("runner", RUNNERS)
def test_gate_inputs_resolve_like_any_node(runner):
    @route(targets=["a", END])
    def gate(x, limit=3):
        return "a" if x < limit else END

    g = Graph([gate, a])
    assert execute(runner, g, x=1)["y"] == 2
    assert "y" not in execute(runner, g.bind(limit=0), x=1)


@pytest.mark.parametrize("runner", RUNNERS)
def test_gate_chain_deactivation_propagates(runner):
    calls: list[str] = []
    leaf = counted(calls, "leaf", "y")
    other = counted(calls, "other", "w")

    @route(targets=["inner", "other"])
    def outer(x):
        return "other"

    @route(targets=["leaf"])
    def inner(x):
        return "leaf"

    result = execute(runner, Graph([outer, inner, leaf, other]), x=1)
    assert calls == ["other"]
    assert "_inner" not in result


@pytest.mark.parametrize("runner", RUNNERS)
def test_merge_after_branches_uses_defaults(runner):
    @ifelse(when_true="left", when_false="right")
    def side(x):
        return x > 0

    @node(output_name="l")
    def left(x):
        return "L"

    @node(output_name="r")
    def right(x):
        return "R"

    @node(output_name="merged")
    def merge(l=None, r=None):  # noqa: E741
        return l or r

    g = Graph([side, left, right, merge])
    assert execute(runner, g, x=1)["merged"] == "L"
    assert execute(runner, g, x=-1)["merged"] == "R"


@pytest.mark.parametrize("runner", RUNNERS)
def test_downstream_of_an_untaken_branch_does_not_run(runner):
    calls: list[str] = []

    @ifelse(when_true="a", when_false=END)
    def go(x):
        return False

    after = counted(calls, "after", "w")
    after = after.rename_inputs(x="y")
    result = execute(runner, Graph([go, a, after]), x=1)
    assert result.values == {"_go": False}
    assert calls == []


@pytest.mark.parametrize("runner", ["async", "inline"])
def test_async_targets(runner):
    @route(targets=["slow", "fast"], multi_target=True)
    def fan(x):
        return ["slow", "fast"]

    @node(output_name="s")
    async def slow(x):
        await asyncio.sleep(0.01)
        return x + 1

    @node(output_name="f")
    async def fast(x):
        return x + 2

    result = execute(runner, Graph([fan, slow, fast]), x=1)
    assert result.values == {"_fan": ["slow", "fast"], "s": 2, "f": 3}


def test_nested_graph_with_a_gate():
    @ifelse(when_true="a", when_false="b")
    def positive(x):
        return x > 0

    inner = Graph([positive, a, b], name="inner")

    @node(output_name="out")
    def after(y):
        return y * 2

    outer = Graph([inner.as_node(), after])
    for runner in RUNNERS:
        assert execute(runner, outer, x=1)["out"] == 4
        assert execute(runner, outer, x=-1)["out"] == -4


@pytest.mark.parametrize("runner", RUNNERS)
def test_an_output_a_nested_gate_left_unwritten_is_missing_downstream(runner):
    """API 5.6 R4(c): a consumer runs only with every input available. The inner graph's
    untaken branch leaves `y` unwritten, so `double` does not run and `shifted` falls back
    to its default, in a parent with no gate of its own."""
    calls = []

    @ifelse(when_true="big", when_false=END)
    def is_big(x):
        return x > 5

    @node(output_name="y")
    def big(x):
        return x * 10

    @node(output_name="doubled")
    def double(y):
        calls.append("double")
        return y * 2

    @node(output_name="shifted")
    def shift(y=7):
        return y + 1

    outer = Graph([Graph([is_big, big], name="inner").as_node(), double, shift])
    assert outer.plan.is_dynamic  # the parent decides readiness at run time
    assert execute(runner, outer, x=10).values == {
        "_is_big": True,
        "y": 100,
        "doubled": 200,
        "shifted": 101,
    }
    assert calls == ["double"]
    result = execute(runner, outer, x=1)
    assert result.completed
    assert result.values == {"_is_big": False, "shifted": 8}
    assert calls == ["double"]
    mapped = Graph([Graph([is_big, big], name="inner").as_node().map_over("x")])
    assert not mapped.plan.is_dynamic  # a mapped node always writes its lists
    assert execute(runner, mapped, x=[1, 10])["y"] == [None, 100]


def test_async_failure_in_a_routed_superstep_cancels_the_siblings():
    cancelled: list[bool] = []

    @route(targets=["boom", "slow"], multi_target=True)
    def fan(x):
        return ["boom", "slow"]

    @node(output_name="a")
    async def boom(x):
        await asyncio.sleep(0.01)
        raise RuntimeError("boom")

    @node(output_name="b")
    async def slow(x):
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def main():
        with pytest.raises(RuntimeError, match="boom"):
            await AsyncRunner().run(Graph([fan, boom, slow]), x=1)
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert asyncio.run(main()) == []
    assert cancelled == [True]
