"""Bad input: every error a user can hit, with messages that name what is wrong."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator

import pytest

from hypergraph import (
    AsyncRunner,
    Graph,
    GraphConfigError,
    IncompatibleRunnerError,
    MissingInputError,
    RenameError,
    SyncRunner,
    node,
)
from hypergraph import exceptions as exc_module

# -- MissingInputError ------------------------------------------------------------------------


def _needs_three(calls: list[str]) -> Graph:
    @node(output_name="p")
    def first(alpha, beta):
        calls.append("first")
        return alpha + beta

    @node(output_name="q")
    def second(beta, gamma):
        calls.append("second")
        return beta + gamma

    @node(output_name="r")
    def third(p, q, delta=0):
        calls.append("third")
        return p + q + delta

    return Graph([first, second, third])


@pytest.mark.parametrize("runner", ["sync", "async"])
def test_missing_inputs_lists_every_name_and_the_nodes_needing_it(runner):
    calls: list[str] = []
    g = _needs_three(calls)
    if runner == "sync":
        with pytest.raises(MissingInputError) as info:
            SyncRunner().run(g, values={"gamma": 1})
    else:
        with pytest.raises(MissingInputError) as info:
            asyncio.run(AsyncRunner().run(g, values={"gamma": 1}))
    err = info.value
    assert calls == []
    assert err.missing == ["alpha", "beta"]
    assert err.provided == ["gamma"]
    assert err.message == str(err)
    assert str(err).startswith("Missing required inputs: 'alpha', 'beta'")
    lines = str(err).splitlines()
    assert any("'alpha'" in line and "first" in line and "second" not in line for line in lines)
    assert any("'beta'" in line and "first" in line and "second" in line for line in lines)
    assert "Provided: 'gamma'" in str(err)
    assert "bind" in str(err)
    assert "new graph" in str(err)


def test_missing_input_suggests_close_misspelling():
    calls: list[str] = []
    g = _needs_three(calls)
    with (
        pytest.warns(UserWarning, match=r"'alpah'.*did you mean 'alpha'"),
        pytest.raises(MissingInputError) as info,
    ):
        SyncRunner().run(g, values={"alpah": 1, "beta": 2, "gamma": 3})
    assert info.value.missing == ["alpha"]
    assert "did you mean 'alpah'" in str(info.value)
    assert calls == []


def test_missing_input_without_close_match_has_no_suggestion():
    g = _needs_three([])
    with pytest.raises(MissingInputError) as info:
        SyncRunner().run(g, alpha=1, beta=2)
    assert info.value.missing == ["gamma"]
    assert "did you mean" not in str(info.value)
    assert "Provided: 'alpha', 'beta'" in str(info.value)


def test_missing_input_with_nothing_provided():
    with pytest.raises(MissingInputError, match=r"nothing"):
        SyncRunner().run(_needs_three([]))


def test_missing_input_is_raised_even_under_continue():
    with pytest.raises(MissingInputError):
        SyncRunner().run(_needs_three([]), error_handling="continue")


# -- input keys --------------------------------------------------------------------------------


def test_unknown_values_key_warns_and_is_ignored():
    @node(output_name="y")
    def f(x):
        return x

    with pytest.warns(UserWarning, match="'xx'.*not an input"):
        r = SyncRunner().run(Graph([f]), {"x": 1, "xx": 2})
    assert r.values == {"y": 1}


def test_unknown_keyword_is_value_error_with_suggestion():
    calls: list[str] = []

    @node(output_name="y")
    def f(value):
        calls.append("f")
        return value

    with pytest.raises(ValueError, match=r"'valeu'.*did you mean 'value'"):
        SyncRunner().run(Graph([f]), value=1, valeu=2)
    with pytest.raises(ValueError, match="'valeu'"):
        asyncio.run(AsyncRunner().run(Graph([f]), value=1, valeu=2))
    assert calls == []


def test_keyword_named_like_run_option_or_entrypoint():
    @node(output_name="y")
    def f(select):
        return select

    with pytest.raises(ValueError, match="values="):
        SyncRunner().run(Graph([f]), max_concurrency=1)
    with pytest.raises(ValueError, match="with_entrypoint"):
        SyncRunner().run(Graph([f]), entrypoint="f")
    # the value goes through values= instead
    assert SyncRunner().run(Graph([f]), {"select": 3})["y"] == 3


def test_produced_name_as_input_is_value_error():
    calls: list[str] = []

    @node(output_name="a")
    def first(x):
        calls.append("first")
        return x

    @node(output_name="b")
    def second(a):
        calls.append("second")
        return a

    g = Graph([first, second])
    with pytest.raises(ValueError, match=r"'a'.*produced.*with_entrypoint"):
        SyncRunner().run(g, {"x": 1, "a": 5})
    with pytest.raises(ValueError, match="'a'"):
        asyncio.run(AsyncRunner().run(g, {"x": 1, "a": 5}))
    assert calls == []
    # the same name is fine once it is an input (entrypoint after its producer)
    assert SyncRunner().run(g.with_entrypoint("second"), {"a": 5})["b"] == 5


def test_argument_errors_come_before_missing_inputs():
    @node(output_name="y")
    def f(x, z):
        return x

    with pytest.raises(ValueError, match="unknown"):
        SyncRunner().run(Graph([f]), unknown=1)  # z and x missing too


# -- IncompatibleRunnerError ----------------------------------------------------------------------


def _mixed_graph(counter: list[str]) -> Graph:
    @node(output_name="a")
    def upstream(x):
        counter.append("upstream")
        return x

    @node(output_name="b")
    async def fetch(a):
        counter.append("fetch")
        return a

    @node(output_name="c")
    async def stream(b) -> AsyncIterator[int]:
        counter.append("stream")
        yield b

    @node(output_name="d")
    def sink(c):
        counter.append("sink")
        return c

    return Graph([upstream, fetch, stream, sink])


def test_sync_runner_refuses_async_before_any_node_runs():
    calls: list[str] = []
    g = _mixed_graph(calls)
    with pytest.raises(IncompatibleRunnerError) as info:
        SyncRunner().run(g, x=1)
    err = info.value
    assert calls == []
    assert err.message == str(err)
    assert "fetch" in err.message
    assert "stream" in err.message
    assert "upstream" not in err.message
    assert "sink" not in err.message
    assert err.message == (
        "Graph contains async node(s) but runner doesn't support async: fetch, stream. "
        "Use AsyncRunner instead."
    )
    assert err.node_name == "fetch"
    assert err.capability == "supports_async_nodes"


def test_sync_runner_refuses_async_generator_alone():
    calls: list[str] = []

    @node(output_name="tokens")
    async def tokens():
        calls.append("ran")
        yield 1

    with pytest.raises(IncompatibleRunnerError, match="tokens"):
        SyncRunner().run(Graph([tokens]))
    assert calls == []


def test_incompatible_runner_comes_before_missing_inputs():
    with pytest.raises(IncompatibleRunnerError):
        SyncRunner().run(_mixed_graph([]))  # x is missing too


def test_incompatible_runner_in_map_before_any_item():
    calls: list[str] = []
    g = _mixed_graph(calls)
    with pytest.raises(IncompatibleRunnerError):
        SyncRunner().map(g, x=[1, 2], map_over="x")
    assert calls == []


def test_async_runner_runs_the_same_graph():
    calls: list[str] = []
    r = asyncio.run(AsyncRunner().run(_mixed_graph(calls), x=1))
    # sink receives the async generator unstarted and never iterates it: stream's body never runs
    assert calls == ["upstream", "fetch", "sink"]
    assert r.completed
    assert r["d"] is r["c"]


def test_sync_runner_only_considers_active_nodes():
    @node(output_name="a")
    def plain(x):
        return x

    @node(output_name="b")
    async def fancy(x):
        return x

    g = Graph([plain, fancy])
    assert SyncRunner().run(g, x=1, select="a").values == {"a": 1}


# -- GraphConfigError ------------------------------------------------------------------------


@node(output_name="x")
def make_x():
    return 1


def test_duplicate_node_names():
    with pytest.raises(GraphConfigError, match=r"'make_x'.*with_name"):
        Graph([make_x, make_x])
    Graph([make_x, make_x.with_name("other_x").rename_outputs(x="x2")])


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (make_x.with_name("class"), "'class' is not a Python identifier"),
        (make_x.with_name("my-node"), "'my-node' is not a Python identifier"),
        (make_x.with_name("END"), "'END' is reserved"),
        (make_x.rename_outputs(x="_private"), "'_private' starts with '_'"),
        (make_x.rename_outputs(x="not valid"), "'not valid' is not a Python identifier"),
        (make_x.rename_outputs(x="for"), "'for' is not a Python identifier"),
    ],
)
def test_bad_names(bad, fragment):
    with pytest.raises(GraphConfigError, match=fragment):
        Graph([bad])


def test_bad_graph_name():
    for name in ("a.b", "a/b"):
        with pytest.raises(GraphConfigError, match="name"):
            Graph([make_x], name=name)


def test_not_a_node():
    def plain(x):
        return x

    with pytest.raises(GraphConfigError, match="@node"):
        Graph([plain])  # type: ignore[list-item]


def test_output_conflict_names_both_nodes():
    @node(output_name="x")
    def other_x():
        return 2

    with pytest.raises(GraphConfigError) as info:
        Graph([make_x, other_x])
    message = str(info.value)
    assert "Multiple nodes produce 'x'" in message
    assert "'make_x'" in message
    assert "'other_x'" in message


def test_ordered_producers_of_one_output_are_allowed():
    @node(output_name="x", wait_for="done")
    def later():
        return 2

    @node(output_name="x", emit="done")
    def earlier():
        return 1

    @node(output_name="y")
    def use(x):
        return x

    g = Graph([earlier, later, use])
    assert g.plan.superstep_of("later") > g.plan.superstep_of("earlier")


def test_producer_and_rewriter_of_one_output_need_ordering():
    # API 3.3: p1() -> v plus p2(v) -> v is a conflict without emit/wait_for
    @node(output_name="v")
    def p1():
        return 1

    @node(output_name="v")
    def p2(v):
        return v + 1

    with pytest.raises(GraphConfigError, match="'v'"):
        Graph([p1, p2])


def test_cycle_without_entrypoint():
    @node(output_name="a")
    def ping(b):
        return b

    @node(output_name="b")
    def pong(a):
        return a

    with pytest.raises(
        GraphConfigError, match="cyclic graphs require an explicit entrypoint"
    ) as info:
        Graph([ping, pong])
    assert "ping" in str(info.value)
    assert "pong" in str(info.value)


def test_self_loop_is_a_cycle():
    @node(output_name="count")
    def inc(count):
        return count + 1

    with pytest.raises(GraphConfigError, match=r"entrypoint.*inc -> inc"):
        Graph([inc])


def test_inconsistent_defaults():
    @node(output_name="a")
    def one(k=1):
        return k

    @node(output_name="b")
    def two(k=2):
        return k

    @node(output_name="c")
    def three(k):
        return k

    with pytest.raises(GraphConfigError, match=r"'k'.*different defaults.*'one'.*'two'"):
        Graph([one, two])
    with pytest.raises(
        GraphConfigError, match=r"'k' has a default in \['one'\] but not in \['three'\]"
    ):
        Graph([one, three])


def test_equal_array_like_defaults_are_consistent():
    class Arr:
        def __init__(self, v):
            self.v = v

        def __eq__(self, other):
            return Elementwise(self.v == other.v)

        __hash__ = None  # type: ignore[assignment]

    class Elementwise:
        def __init__(self, ok):
            self.ok = ok

        def __bool__(self):
            raise ValueError("truth value of an array is ambiguous")

        def all(self):
            return self.ok

    d1, d2, d3 = Arr(1), Arr(1), Arr(2)

    @node(output_name="a")
    def one(k=d1):
        return 1

    @node(output_name="b")
    def two(k=d2):
        return 2

    @node(output_name="c")
    def three(k=d3):
        return 3

    Graph([one, two])
    with pytest.raises(GraphConfigError, match="different defaults"):
        Graph([one, three])


def test_wait_for_typo_suggests():
    @node(output_name="y", wait_for="dnoe")
    def waiter():
        return 1

    @node(output_name="z", emit="done")
    def emitter():
        return 1

    with pytest.raises(GraphConfigError, match=r"'waiter' waits for 'dnoe'.*did you mean 'done'"):
        Graph([waiter, emitter])


def test_every_problem_is_reported_at_once():
    @node(output_name="x")
    def other_x():
        return 2

    @node(output_name="y", wait_for="nothing_emits_this")
    def waiter():
        return 1

    with pytest.raises(GraphConfigError, match="2 errors") as info:
        Graph([make_x, other_x, waiter])
    assert "Multiple nodes produce 'x'" in str(info.value)
    assert "nothing_emits_this" in str(info.value)


def test_graph_name_appears_in_errors():
    @node(output_name="x")
    def other_x():
        return 2

    with pytest.raises(GraphConfigError, match="'pipeline'"):
        Graph([make_x, other_x], name="pipeline")


def test_shared_names_must_be_data_outputs():
    # shared= is built (issue 12): a shared name nobody writes is the mistake now
    assert Graph([make_x], shared="x").shared == ("x",)
    with pytest.raises(GraphConfigError, match="shared name 'y' is not a data output"):
        Graph([make_x], shared="y")


def test_nodes_argument_must_be_a_list():
    with pytest.raises(GraphConfigError):
        Graph(make_x)  # type: ignore[arg-type]


# -- RenameError chains ------------------------------------------------------------------------


def test_rename_error_chain_for_inputs_and_outputs():
    @node(output_name="out")
    def f(a):
        return a

    n = f.rename_inputs(a="x").rename_inputs(x="z")
    with pytest.raises(RenameError, match="a → x → z"):
        n.rename_inputs(a="q")
    with pytest.raises(RenameError, match="a → x → z"):
        n.rename_inputs(x="q")
    m = f.rename_outputs(out="o1").rename_outputs(o1="o2")
    with pytest.raises(RenameError, match="out → o1 → o2"):
        m.rename_outputs(out="o3")


def test_rename_error_lists_existing_ports():
    @node(output_name="out")
    def f(a, b):
        return a

    with pytest.raises(RenameError, match=r"'c'.*'a', 'b'"):
        f.rename_inputs(c="d")


def test_rename_error_is_importable_from_exceptions():
    assert exc_module.RenameError is RenameError
    assert exc_module.GraphConfigError is GraphConfigError
    assert issubclass(exc_module.TypeMismatchError, GraphConfigError)


# -- exceptions module ---------------------------------------------------------------------------


def test_exception_attributes():
    err = exc_module.InfiniteLoopError(7)
    assert err.max_iterations == 7
    assert str(err) == "Graph execution exceeded 7 iterations"
    inc = IncompatibleRunnerError("m")
    assert (inc.node_name, inc.capability, inc.code) == (None, None, None)


def test_execution_error_never_escapes():
    @node(output_name="y")
    def bad(x):
        raise KeyError("inner")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(KeyError) as info:
            SyncRunner().run(Graph([bad]), x=1)
    assert not isinstance(info.value, exc_module.ExecutionError)
    r = SyncRunner().run(Graph([bad]), x=1, error_handling="continue")
    assert isinstance(r.error, KeyError)
