"""SyncRunner: run(), results, error handling, generators, defaults (API.md section 5)."""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Iterator

import pytest

from hypergraph import (
    BaseRunner,
    FailureEvidence,
    Graph,
    RunnerCapabilities,
    RunResult,
    RunStatus,
    SyncRunner,
    get_failure_evidence,
    node,
)
from hypergraph.runners.sync import SyncRunner as SyncRunnerFromModule


@node(output_name="doubled")
def double(x: int) -> int:
    return x * 2


@node(output_name="result")
def add_one(doubled: int) -> int:
    return doubled + 1


def test_basic_run_values_and_keywords():
    g = Graph([double, add_one])
    r1 = SyncRunner().run(g, {"x": 5})
    r2 = SyncRunner().run(g, x=5)
    assert r1.values == r2.values == {"doubled": 10, "result": 11}
    assert r1["result"] == 11


def test_values_and_keyword_merge():
    @node(output_name="s")
    def add(a, b):
        return a + b

    assert SyncRunner().run(Graph([add]), {"a": 1}, b=2)["s"] == 3
    with pytest.raises(ValueError, match="both"):
        SyncRunner().run(Graph([add]), {"a": 1, "b": 2}, b=2)


def test_run_result_shape():
    r = SyncRunner().run(Graph([double]), x=1)
    assert isinstance(r, RunResult)
    assert r.status is RunStatus.COMPLETED
    assert r.completed
    assert not r.failed
    assert r.error is None
    assert r.failure is None
    assert r.node_failures == ()
    assert re.fullmatch(r"run-[0-9a-f]+", r.run_id)
    assert "doubled" in r
    assert "nope" not in r
    assert r.get("nope", 7) == 7
    with pytest.raises(KeyError, match="'nope' is not in the run's values"):
        r["nope"]
    meta = r.to_dict()
    assert meta["status"] == "completed"
    assert meta["value_names"] == ["doubled"]
    assert "completed" in r.summary()
    other = SyncRunner().run(Graph([double]), x=1)
    assert other.run_id != r.run_id


def test_run_status_is_a_str_enum():
    assert RunStatus.COMPLETED == "completed"
    assert {s.name for s in RunStatus} >= {"COMPLETED", "FAILED", "PARTIAL", "PAUSED", "STOPPED"}


def test_capabilities_and_base():
    runner = SyncRunner()
    assert isinstance(runner, BaseRunner)
    caps = runner.capabilities
    assert isinstance(caps, RunnerCapabilities)
    assert caps.supports_async_nodes is False
    assert caps.returns_coroutine is False
    assert runner.default_max_iterations == 1000
    assert SyncRunnerFromModule is SyncRunner
    with pytest.raises(TypeError, match="abstract"):
        BaseRunner()  # type: ignore[abstract]


def test_a_cache_that_is_not_a_backend_is_refused():
    with pytest.raises(TypeError, match="cache must be a cache backend"):
        SyncRunner(cache=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="InMemoryCache"):
        SyncRunner(cache=True)  # type: ignore[arg-type]


# -- order ---------------------------------------------------------------------------------


def test_declaration_order_breaks_ties_and_dependencies_win():
    calls: list[str] = []

    def make(name, out, *ins):
        def f(**kw):
            calls.append(name)
            return name

        f.__name__ = name
        f.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY) for p in ins]
        )
        return node(f, out)

    s1 = make("step1", "a")
    s2 = make("step2", "b", "a")
    s3 = make("step3", "c", "b")
    SyncRunner().run(Graph([s3, s1, s2]))
    assert calls == ["step1", "step2", "step3"]
    calls.clear()
    z = make("zeta", "z")
    y = make("alpha", "y")
    SyncRunner().run(Graph([z, y]))
    assert calls == ["zeta", "alpha"]


def test_sync_runner_is_sequential():
    @node(output_name="a")
    def slow_a():
        time.sleep(0.1)
        return 1

    @node(output_name="b")
    def slow_b():
        time.sleep(0.1)
        return 2

    start = time.perf_counter()
    SyncRunner().run(Graph([slow_a, slow_b]))
    assert time.perf_counter() - start >= 0.19


# -- outputs ------------------------------------------------------------------------------


def test_several_outputs_unpack_any_sized_iterable():
    @node(output_name=("q", "r"))
    def split(n):
        return [n // 3, n % 3]

    assert SyncRunner().run(Graph([split]), n=7).values == {"q": 2, "r": 1}


def test_single_output_tuple_is_not_unpacked():
    @node(output_name="pair")
    def pair():
        return (1, 2)

    assert SyncRunner().run(Graph([pair]))["pair"] == (1, 2)


def test_wrong_output_count_is_a_value_error():
    @node(output_name=("a", "b"))
    def three():
        return 1, 2, 3

    with pytest.raises(ValueError, match="has 2 data outputs but returned 3 values"):
        SyncRunner().run(Graph([three]))

    @node(output_name=("a", "b"))
    def scalar():
        return 5

    with pytest.raises(ValueError, match="data outputs"):
        SyncRunner().run(Graph([scalar]))


def test_side_effect_node_return_discarded():
    seen: list[int] = []

    @node
    def record(x):
        seen.append(x)
        return "ignored"

    r = SyncRunner().run(Graph([record]), x=3)
    assert r.values == {}
    assert seen == [3]


def test_emit_wait_for_orders_nodes_and_signal_is_hidden():
    calls: list[str] = []

    @node(output_name="late", wait_for="ready")
    def waiter():
        calls.append("waiter")
        return 2

    @node(output_name="early", emit="ready")
    def first():
        calls.append("first")
        return 1

    g = Graph([waiter, first])
    r = SyncRunner().run(g)
    assert calls == ["first", "waiter"]
    assert r.values == {"late": 2, "early": 1}
    assert "ready" not in r


# -- generators ------------------------------------------------------------------------------


def test_generator_passes_downstream_unstarted():
    seen: dict[str, object] = {}

    @node(output_name="numbers")
    def gen(n):
        yield from range(n)

    @node(output_name="total")
    def consume(numbers):
        seen["state"] = inspect.getgeneratorstate(numbers)
        seen["obj"] = numbers
        return sum(numbers)

    r = SyncRunner().run(Graph([gen, consume]), n=4)
    assert seen["state"] == inspect.GEN_CREATED
    assert r["total"] == 6
    assert r["numbers"] is seen["obj"]


def test_leaf_generator_is_unconsumed_in_result():
    started: list[bool] = []

    @node(output_name="items")
    def items() -> Iterator[int]:
        started.append(True)
        yield 1
        yield 2

    r = SyncRunner().run(Graph([items]))
    gen = r["items"]
    assert inspect.isgenerator(gen)
    assert inspect.getgeneratorstate(gen) == inspect.GEN_CREATED
    assert started == []
    assert list(gen) == [1, 2]


def test_generator_without_output_is_drained_in_its_step():
    seen: list[int] = []

    @node
    def side():
        for i in range(3):
            seen.append(i)
            yield i

    assert SyncRunner().run(Graph([side])).values == {}
    assert seen == [0, 1, 2]


def test_generator_body_error_is_attributed_to_consumer():
    @node(output_name="items")
    def bad() -> Iterator[int]:
        yield 1
        raise RuntimeError("boom in generator")

    @node(output_name="total")
    def consume(items):
        return sum(items)

    r = SyncRunner().run(Graph([bad, consume]), error_handling="continue")
    assert r.failed
    assert r.failure is not None
    assert r.failure.node_name == "consume"
    assert str(r.error) == "boom in generator"


def test_each_run_makes_a_new_generator():
    @node(output_name="items")
    def gen() -> Iterator[int]:
        yield 1

    g = Graph([gen])
    assert SyncRunner().run(g)["items"] is not SyncRunner().run(g)["items"]


# -- defaults ---------------------------------------------------------------------------------


def test_mutable_defaults_are_fresh_each_run():
    @node(output_name="out")
    def append(x, acc=[]):  # noqa: B006 - the point of the test
        acc.append(x)
        return acc

    g = Graph([append])
    assert SyncRunner().run(g, x=1)["out"] == [1]
    assert SyncRunner().run(g, x=2)["out"] == [2]


def test_non_copyable_default_is_a_graph_config_error_at_run_time():
    import threading

    from hypergraph import GraphConfigError

    lock = threading.Lock()

    @node(output_name="y")
    def uses(x, guard=lock):
        return x

    g = Graph([uses])
    with pytest.raises(GraphConfigError, match="bind"):
        SyncRunner().run(g, x=1)
    assert SyncRunner().run(g.bind(guard=lock), x=1)["y"] == 1


# -- error handling ---------------------------------------------------------------------------


class Boom(Exception):
    pass


def _failing_graph(counter: list[str]) -> tuple[Graph, Boom]:
    error = Boom("boom")

    @node(output_name="a")
    def ok(x):
        counter.append("ok")
        return x + 1

    @node(output_name="b")
    def fails(a):
        counter.append("fails")
        raise error

    @node(output_name="c")
    def after(b):
        counter.append("after")
        return b

    return Graph([ok, fails, after]), error


def test_raise_propagates_the_original_exception():
    calls: list[str] = []
    g, error = _failing_graph(calls)
    with pytest.raises(Boom) as info:
        SyncRunner().run(g, x=1)
    assert info.value is error
    assert calls == ["ok", "fails"]
    evidence = get_failure_evidence(info.value)
    assert isinstance(evidence, FailureEvidence)
    assert evidence.node_name == "fails"
    assert evidence.inputs == {"a": 2}
    assert evidence.superstep == 1


def test_continue_returns_failed_result_with_partial_values():
    calls: list[str] = []
    g, error = _failing_graph(calls)
    r = SyncRunner().run(g, x=1, error_handling="continue")
    assert r.status is RunStatus.FAILED
    assert r.failed
    assert r.error is error
    assert r.values == {"a": 2}
    assert len(r.node_failures) == 1
    assert r.failure is r.node_failures[0]
    assert r.failure.node_name == "fails"
    assert r.failure.error is error
    assert calls == ["ok", "fails"]
    assert "fails" in r.summary()
    assert r.to_dict()["failed_nodes"] == ["fails"]


def test_sync_superstep_stops_at_first_failure():
    calls: list[str] = []

    @node(output_name="a")
    def first():
        calls.append("first")
        raise Boom

    @node(output_name="b")
    def second():
        calls.append("second")
        return 1

    r = SyncRunner().run(Graph([first, second]), error_handling="continue")
    assert calls == ["first"]
    assert r.values == {}


def test_bad_options():
    g = Graph([double])
    with pytest.raises(ValueError, match="error_handling"):
        SyncRunner().run(g, x=1, error_handling="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="on_missing"):
        SyncRunner().run(g, x=1, on_missing="loud")


# -- select ----------------------------------------------------------------------------------


def test_run_select_equals_graph_select():
    calls: list[str] = []

    @node(output_name="y")
    def make_y(x):
        calls.append("make_y")
        return x + 1

    @node(output_name="z")
    def make_z(x):
        calls.append("make_z")
        return x + 2

    g = Graph([make_y, make_z])
    r1 = SyncRunner().run(g, {"x": 1}, select=["y"])
    calls_1 = list(calls)
    calls.clear()
    r2 = SyncRunner().run(g.select("y"), {"x": 1})
    assert r1.values == r2.values == {"y": 2}
    assert calls_1 == calls == ["make_y"]
    assert SyncRunner().run(g, x=1, select="z").values == {"z": 3}


def test_selected_emit_signal_is_never_shown_and_counts_as_missing():
    """API 2.7: emit names get a private sentinel, never shown in results (selection too)."""

    @node(output_name=("a", "b"))
    def both():
        return 1, 2

    # a selected emit signal is never in values: the cleanest "absent at the end" case
    @node(output_name="c", emit="sig")
    def signals():
        return 3

    g = Graph([both, signals])
    assert SyncRunner().run(g, select=["c", "sig"]).values == {"c": 3}
    with pytest.warns(UserWarning, match="sig"):
        SyncRunner().run(g, select=["c", "sig"], on_missing="warn")
    with pytest.raises(ValueError, match="sig"):
        SyncRunner().run(g, select=["c", "sig"], on_missing="error")


def test_run_select_replaces_the_graph_selection():
    @node(output_name="a")
    def make_a():
        return 1

    @node(output_name="b")
    def make_b():
        return 2

    g = Graph([make_a, make_b]).select("a")
    assert SyncRunner().run(g).values == {"a": 1}
    assert SyncRunner().run(g, select="b").values == {"b": 2}


def test_empty_graph_runs_to_an_empty_result():
    r = SyncRunner().run(Graph([]))
    assert r.completed
    assert r.values == {}


def test_emit_only_node_orders_its_waiter():
    calls: list[str] = []

    @node(output_name="z", wait_for="done")
    def after():
        calls.append("after")
        return 1

    @node(emit="done")
    def side():
        calls.append("side")

    g = Graph([after, side])
    assert g.plan.supersteps == (("side",), ("after",))
    assert SyncRunner().run(g).values == {"z": 1}
    assert calls == ["side", "after"]


def test_renamed_input_keeps_its_default_and_real_parameter():
    @node(output_name="y")
    def f(a=5):
        return a

    g = Graph([f.rename_inputs(a="b")])
    assert g.inputs.optional == ("b",)
    assert SyncRunner().run(g).values == {"y": 5}
    assert SyncRunner().run(g, b=1).values == {"y": 1}
    assert SyncRunner().run(Graph([f]).bind(a=9)).values == {"y": 9}  # bind beats default


def test_none_is_a_real_value():
    @node(output_name="n")
    def nothing():
        return None

    @node(output_name="m")
    def check(n):
        return n is None

    assert SyncRunner().run(Graph([nothing, check])).values == {"n": None, "m": True}
