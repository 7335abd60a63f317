"""Cycles (API.md 4.4, 5.6): entrypoints, seeds, gate-driven loops, max_iterations."""

from __future__ import annotations

import asyncio

import pytest
from run_support import RUNNERS, execute

from hypergraph import (
    END,
    AsyncRunner,
    Graph,
    GraphConfigError,
    InfiniteLoopError,
    MissingInputError,
    SyncRunner,
    get_failure_evidence,
    ifelse,
    node,
    route,
)

# -- the classic agentic loop ------------------------------------------------------------------


@node(output_name="docs")
def retrieve(query: str, history: list[str]) -> str:
    return f"docs for {query} #{len(history)}"


@node(output_name="answer")
def generate(query: str, docs: str) -> str:
    return f"answer({docs})"


@node(output_name="history")
def accumulate(history: list[str], answer: str) -> list[str]:
    return [*history, answer]


@route(targets=["retrieve", END])
def should_continue(history: list[str], rounds: int = 3) -> str:
    return "retrieve" if len(history) < rounds else END


AGENT = Graph(
    [retrieve, generate, accumulate, should_continue], entrypoint="retrieve", name="agent"
)


@pytest.mark.parametrize("runner", RUNNERS)
def test_agentic_loop(runner):
    result = execute(runner, AGENT, query="q", history=[])
    assert result.completed
    assert result["history"] == [f"answer(docs for q #{i})" for i in range(3)]
    assert result["_should_continue"] is END
    assert result["docs"] == "docs for q #2"


@pytest.mark.parametrize("runner", RUNNERS)
def test_agentic_loop_rounds_and_select(runner):
    result = execute(runner, AGENT.bind(rounds=5), query="q", history=[], select="history")
    assert list(result.values) == ["history"]
    assert len(result["history"]) == 5


def test_agentic_loop_structure():
    assert AGENT.has_cycles
    assert AGENT.has_gates
    assert AGENT.inputs.required == ("query", "history")  # history: the cycle seed
    assert AGENT.controlled_by == {"retrieve": ["should_continue"]}
    plan = AGENT.plan
    assert plan.is_dynamic
    assert plan.has_cycles
    (loop,) = plan.components
    assert loop.cyclic
    assert loop.nodes == ("retrieve", "generate", "accumulate", "should_continue")
    assert loop.supersteps == (
        ("retrieve",),
        ("generate",),
        ("accumulate",),
        ("should_continue",),
    )
    assert ("should_continue", "retrieve") in loop.back_edges
    with pytest.raises(MissingInputError, match="history"):
        SyncRunner().run(AGENT, query="q")


@pytest.mark.parametrize("runner", RUNNERS)
def test_node_after_a_loop_runs_once_when_it_completes(runner):
    calls: list[str] = []

    @node(output_name="report")
    def summarise(history):
        calls.append("summarise")
        return len(history)

    g = AGENT.add_nodes(summarise)
    result = execute(runner, g, query="q", history=[])
    assert result["report"] == 3
    assert calls == ["summarise"]
    assert [c.nodes for c in g.plan.components][-1] == ("summarise",)


# -- API.md section 9 --------------------------------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_self_producing_node_runs_once(runner):
    calls: list[int] = []

    @node(output_name="count")
    def inc(count):
        calls.append(count)
        return count + 1

    g = Graph([inc], entrypoint="inc")
    assert g.has_cycles
    assert g.inputs.required == ("count",)
    result = execute(runner, g, count=0)
    assert result.values == {"count": 1}
    assert calls == [0]


def three_node_loop() -> Graph:
    @node(output_name="n")
    def start(count):
        return count + 1

    @node(output_name="count")
    def step(n):
        return n

    @route(targets=["start", END])
    def again(count):
        return END  # one full round, then stop

    return Graph([start, step, again], entrypoint="start")


@pytest.mark.parametrize("runner", RUNNERS)
def test_three_node_loop_exceeds_two_iterations(runner):
    g = three_node_loop()
    with pytest.raises(InfiniteLoopError) as info:
        execute(runner, g, count=0, max_iterations=2)
    assert info.value.max_iterations == 2
    assert str(info.value).startswith("Graph execution exceeded 2 iterations")
    for name in ("start", "step", "again"):
        assert name in info.value.message
    assert execute(runner, g, count=0).values == {"n": 1, "count": 1, "_again": END}
    assert execute(runner, g, count=0, max_iterations=3).completed


@pytest.mark.parametrize("runner", RUNNERS)
def test_infinite_loop_under_continue_is_a_failed_result(runner):
    @node(output_name="count")
    def inc(count):
        return count + 1

    @route(targets=["inc"])
    def forever(count):
        return "inc"

    g = Graph([inc, forever], entrypoint="inc")
    result = execute(runner, g, count=0, max_iterations=10, error_handling="continue")
    assert result.failed
    assert isinstance(result.error, InfiniteLoopError)
    assert result.error.max_iterations == 10
    assert result["count"] == 5  # inc and forever alternate: 10 supersteps, 5 rounds
    assert get_failure_evidence(result.error) is not None
    with pytest.raises(InfiniteLoopError) as info:
        execute(runner, g, count=0)
    assert info.value.max_iterations == 1000


def test_default_max_iterations():
    assert SyncRunner().default_max_iterations == 1000
    assert AsyncRunner().default_max_iterations == 1000
    runner = SyncRunner()
    runner.default_max_iterations = 2
    with pytest.raises(InfiniteLoopError):
        runner.run(three_node_loop(), count=0)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "3", True])
def test_max_iterations_must_be_a_positive_int(bad):
    with pytest.raises(ValueError, match="max_iterations"):
        SyncRunner().run(three_node_loop(), count=0, max_iterations=bad)


# -- gate-less cycles and seeds ----------------------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_gateless_cycle_stops_when_values_stop_changing(runner):
    @node(output_name="half")
    def halve(n):
        return n // 2

    @node(output_name="n")
    def relay(half):
        return half

    g = Graph([halve, relay], entrypoint="halve")
    result = execute(runner, g, n=40)
    assert result.values == {"half": 0, "n": 0}


@pytest.mark.parametrize("runner", RUNNERS)
def test_seed_with_a_default_is_optional(runner):
    @node(output_name="total")
    def add(total=0, step=1):
        return total + step

    @route(targets=["add", END])
    def enough(total):
        return "add" if total < 5 else END

    g = Graph([add, enough], entrypoint="add")
    assert g.inputs.required == ()
    assert "total" in g.inputs.optional
    assert execute(runner, g)["total"] == 5
    assert execute(runner, g, total=10)["total"] == 11


def test_cycles_need_an_entrypoint():
    with pytest.raises(GraphConfigError, match="entrypoint"):
        Graph([retrieve, generate, accumulate, should_continue])


def test_ambiguous_producers_on_a_data_cycle():
    @node(output_name="x")
    def one(y):
        return y

    @node(output_name="x")
    def two(y):
        return y

    @node(output_name="y")
    def both(x):
        return x

    with pytest.raises(GraphConfigError):
        Graph([one, two, both], entrypoint="both")


# -- ifelse loops, budgets, nesting, failures --------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_ifelse_loop_with_two_components_and_separate_budgets(runner):
    @node(output_name="a")
    def up(a):
        return a + 1

    @ifelse(when_true="up", when_false="down")
    def more(a):
        return a < 3

    @node(output_name="b")
    def down(a, b=0):
        return b + 2 * a

    @route(targets=["down", END])
    def stop(b):
        return "down" if b < 10 else END

    g = Graph([up, more, down, stop], entrypoint="up")
    assert [c.cyclic for c in g.plan.components] == [True, True]
    # first loop: up/more alternate 3 times (6 supersteps); second: down/stop twice (4)
    result = execute(runner, g, a=0, max_iterations=6)
    assert result["a"] == 3
    assert result["b"] == 12
    with pytest.raises(InfiniteLoopError):
        execute(runner, g, a=0, max_iterations=5)


@pytest.mark.parametrize("runner", RUNNERS)
def test_failure_inside_a_loop_keeps_completed_values(runner):
    @node(output_name="count")
    def inc(count):
        if count == 3:
            raise RuntimeError("three")
        return count + 1

    @route(targets=["inc", END])
    def again(count):
        return "inc"

    g = Graph([inc, again], entrypoint="inc")
    result = execute(runner, g, count=0, error_handling="continue")
    assert result.failed
    assert str(result.error) == "three"
    assert result["count"] == 3
    assert result.failure.node_name == "inc"


@pytest.mark.parametrize("runner", RUNNERS)
def test_cycle_inside_a_nested_graph(runner):
    @node(output_name="out")
    def double(history):
        return len(history) * 2

    # the nested node reads and writes `history`: a self-loop, so it is the entrypoint
    outer = Graph([AGENT.as_node(), double], entrypoint="agent")
    result = execute(runner, outer, query="q", history=[])
    assert result["out"] == 6
    assert result["_should_continue"] is END


@pytest.mark.parametrize("runner", ["async", "inline"])
def test_async_nodes_in_a_loop(runner):
    @node(output_name="count")
    async def inc(count):
        await asyncio.sleep(0)
        return count + 1

    @node(output_name="seen")
    async def watch(count, seen=()):
        return (*seen, count)

    @route(targets=["inc", END])
    def again(count):
        return "inc" if count < 3 else END

    g = Graph([inc, again, watch], entrypoint="inc")
    assert execute(runner, g, count=0)["count"] == 3


@pytest.mark.parametrize("runner", RUNNERS)
def test_wait_for_in_a_loop_needs_a_fresh_signal(runner):
    log: list[str] = []

    @node(output_name="count", emit="ticked")
    def tick(count):
        log.append(f"tick{count}")
        return count + 1

    @node(output_name="echo", wait_for="ticked")
    def echo(count):
        log.append(f"echo{count}")
        return count

    @route(targets=["tick", END])
    def again(echo):
        return "tick" if echo < 2 else END

    g = Graph([tick, echo, again], entrypoint="tick")
    result = execute(runner, g, count=0)
    assert result["echo"] == 2
    assert log == ["tick0", "echo1", "tick1", "echo2"]


# -- the compiler: top-level gates and loops compile, gates inside nested graphs do not -------


@route(targets=["finish", END])
def check(x: int) -> str:
    return "finish" if x else END


@node(output_name="done")
def finish(x: int) -> int:
    return x


def test_compiler_refuses_a_nested_output_that_a_branch_may_leave_unwritten():
    codegen = pytest.importorskip("codegen")
    assert "while True:" in codegen.compile_graph(AGENT)
    assert "_decide(" in codegen.compile_graph(Graph([check, finish]))
    inner = Graph([check, finish], name="inner")
    with pytest.raises(codegen.CompileError, match=r"'done'.*branch not taken") as info:
        codegen.compile_graph(Graph([inner.as_node()]))
    assert info.value.node == "inner"
    mapped = Graph([inner.as_node().map_over("x")])  # an item without it gives None
    assert "def _node_inner(" in codegen.compile_graph(mapped)


@pytest.mark.parametrize("runner", RUNNERS)
def test_default_open_false_keeps_the_entrypoint_closed(runner):
    @node(output_name="count")
    def inc(count):
        return count + 1

    @route(targets=["inc", END], default_open=False)
    def again(count):
        return END

    result = execute(runner, Graph([inc, again], entrypoint="inc"), count=0)
    # inc never ran (closed until a decision names it); the gate ran on the seed and ended
    assert result.values == {"count": 0, "_again": END}


@pytest.mark.parametrize("runner", RUNNERS)
def test_end_is_sticky(runner):
    calls: list[int] = []

    @node(output_name="count")
    def inc(count, bump=0):
        return count + 1 + bump

    @route(targets=["inc", END])
    def gate(count):
        calls.append(count)
        return END

    # `gate` decides END once; `inc` does not run again, and neither does the gate
    result = execute(runner, Graph([inc, gate], entrypoint="inc"), count=0)
    assert calls == [1]
    assert result["_gate"] is END


def test_plan_is_cached_and_structural():
    plan = AGENT.plan
    assert AGENT.plan is plan
    assert AGENT.bind(rounds=2).plan == plan
    assert AGENT.select("history").plan.components[0].nodes == plan.components[0].nodes
