"""The dynamic engine examines only the nodes that may need to run (API 5.6 R4 (e)): nodes that
never ran, nodes a pending decision names, nodes whose inputs got a new version, and nodes
waiting for signals. These tests pin the cases where a node becomes ready for one of those
reasons alone, under both runners."""

from __future__ import annotations

from typing import Any

import pytest
from run_support import RUNNERS, execute

from hypergraph import (
    END,
    Graph,
    InfiniteLoopError,
    SyncRunner,
    get_failure_evidence,
    node,
    route,
)


def counting_loop(log: list[str], rounds: int = 3) -> list[Any]:
    """bump -> again -> bump ... until count reaches `rounds` (bump is the entrypoint)."""

    @node(output_name="count")
    def bump(count: int) -> int:
        log.append(f"bump {count}")
        return count + 1

    @route(targets=["bump", END])
    def again(count: int) -> Any:
        log.append(f"again {count}")
        return "bump" if count < rounds else END

    return [bump, again]


# -- a node that becomes ready only because its component became runnable --------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_node_after_a_loop_waits_for_the_loop_however_often_its_input_changes(runner):
    log: list[str] = []

    @node(output_name="report")
    def tail(count: int, x: int) -> str:
        log.append(f"tail {count}")
        return f"{x}:{count}"

    graph = Graph([*counting_loop(log), tail], entrypoint="bump")
    result = execute(runner, graph, count=0, x=7)
    assert result["report"] == "7:3"
    assert log == [
        "bump 0",
        "again 1",
        "bump 1",
        "again 2",
        "bump 2",
        "again 3",
        "tail 3",
    ]


@pytest.mark.parametrize("runner", RUNNERS)
def test_node_after_a_loop_runs_in_the_step_the_loop_completes(runner):
    """The loop's component completes in the step where it has no ready node; its successor
    is examined in that same step (R2), which the failure's superstep shows."""
    log: list[str] = []

    @node(output_name="report")
    def tail(count: int) -> int:
        raise RuntimeError(f"tail saw {count}")

    graph = Graph([*counting_loop(log), tail], entrypoint="bump")
    result = execute(runner, graph, count=0, error_handling="continue")
    assert result.failed
    evidence = get_failure_evidence(result.error)
    assert evidence is not None
    assert evidence.node_name == "tail"
    assert evidence.superstep == 6  # bump, again three times: steps 0-5
    assert evidence.inputs == {"count": 3}
    assert result.values == {"count": 3, "_again": END}


@pytest.mark.parametrize("runner", RUNNERS)
def test_waiter_after_a_loop_runs_once_when_the_loop_completes(runner):
    """`after` reads only a provided input: nothing it reads is ever re-written, and the
    signal it waits for orders it after the loop. Only its component becoming runnable
    lets it run."""
    log: list[str] = []

    @node(output_name="count", emit="ticked")
    def bump(count: int) -> int:
        log.append(f"bump {count}")
        return count + 1

    @route(targets=["bump", END])
    def again(count: int) -> Any:
        return "bump" if count < 3 else END

    @node(output_name="seen", wait_for="ticked")
    def after(x: int) -> int:
        log.append("after")
        return x

    graph = Graph([bump, again, after], entrypoint="bump")
    assert [c.nodes for c in graph.plan.components] == [("bump", "again"), ("after",)]
    result = execute(runner, graph, count=0, x=1)
    assert result.values == {"count": 3, "_again": END, "seen": 1}
    assert log == ["bump 0", "bump 1", "bump 2", "after"]


# -- a pending decision for a node whose inputs did not change -------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_decision_reruns_a_node_whose_inputs_did_not_change(runner):
    log: list[str] = []

    @node(output_name="count")
    def bump(count: int) -> int:
        log.append(f"bump {count}")
        return count + 1

    @node(output_name="pong")
    def ping(x: int) -> int:
        log.append("ping")
        return x

    @route(targets=["bump", "ping", END], multi_target=True)
    def again(count: int, pong: int = 0) -> Any:
        log.append(f"again {count} {pong}")
        return ["bump", "ping"] if count < 3 else None

    graph = Graph([bump, ping, again], entrypoint="bump")
    assert len(graph.plan.components) == 1  # ping feeds the gate: it is in the loop
    result = execute(runner, graph, count=0, x=5)
    assert result.values == {"count": 3, "pong": 5, "_again": None}
    # the second ping runs on the decision alone: x is unchanged and pong is re-written equal
    assert log == [
        "bump 0",
        "again 1 0",
        "bump 1",
        "ping",
        "again 2 5",
        "bump 2",
        "ping",
        "again 3 5",
    ]


@pytest.mark.parametrize("runner", RUNNERS)
def test_decision_for_a_node_not_ready_yet_keeps_it_pending(runner):
    """The gate names `late` in the first step, but `late` waits for `clock`'s signal; it
    runs once `clock` has, on the decision made steps before."""
    log: list[str] = []

    @route(targets=["late", END])
    def choose(x: int) -> Any:
        log.append("choose")
        return "late"

    @node(output_name="out", wait_for="tick")
    def late(x: int) -> int:
        log.append("late")
        return x + 1

    @node(output_name="z", emit="tick")
    def clock(x: int) -> int:
        log.append("clock")
        return x

    graph = Graph([choose, late, clock])
    result = execute(runner, graph, x=1)
    assert result.values == {"_choose": "late", "z": 1, "out": 2}
    assert log == ["choose", "clock", "late"]


# -- re-written with an equal value (not stale) or a different one ---------------------------------


def relay_loop(log: list[str], clip: Any) -> Graph:
    @node(output_name="count")
    def bump(count: int) -> int:
        log.append(f"bump {count}")
        return count + 1

    @node(output_name="v")
    def limit(count: int) -> Any:
        return clip(count)

    @node(output_name="w")
    def relay(v: Any) -> Any:
        log.append(f"relay {v}")
        return v

    @route(targets=["bump", END])
    def again(count: int, w: Any) -> Any:
        return "bump" if count < 5 else END

    return Graph([bump, limit, relay, again], entrypoint="bump")


@pytest.mark.parametrize("runner", RUNNERS)
def test_equal_rewrite_does_not_retrigger_a_reader(runner):
    log: list[str] = []
    result = execute(runner, relay_loop(log, lambda count: min(count, 2)), count=0)
    assert result["count"] == 5
    assert [entry for entry in log if entry.startswith("relay")] == ["relay 1", "relay 2"]


@pytest.mark.parametrize("runner", RUNNERS)
def test_different_rewrite_retriggers_a_reader(runner):
    log: list[str] = []
    result = execute(runner, relay_loop(log, lambda count: count * 10), count=0)
    assert result["count"] == 5
    relays = [entry for entry in log if entry.startswith("relay")]
    assert relays == ["relay 10", "relay 20", "relay 30", "relay 40", "relay 50"]


class Restless:
    """Unequal to everything, itself included: every write is a new version."""

    def __ne__(self, other: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "Restless()"


RESTLESS = Restless()


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_value_unequal_to_itself_retriggers_a_reader_every_time(runner):
    log: list[str] = []
    result = execute(runner, relay_loop(log, lambda count: RESTLESS), count=0)
    assert result["count"] == 5
    assert [entry for entry in log if entry.startswith("relay")] == ["relay Restless()"] * 5


@pytest.mark.parametrize("runner", RUNNERS)
def test_gateless_cycle_stops_when_values_stop_changing(runner):
    log: list[int] = []

    @node(output_name="a")
    def halve(b: int) -> int:
        log.append(b)
        return b // 2

    @node(output_name="b")
    def keep(a: int) -> int:
        return a

    graph = Graph([halve, keep], entrypoint="halve")
    result = execute(runner, graph, b=20)
    assert result.values == {"a": 0, "b": 0}
    assert log == [20, 10, 5, 2, 1, 0]


@pytest.mark.parametrize("runner", RUNNERS)
def test_gateless_cycle_that_never_settles_overspends_at_the_same_step(runner):
    @node(output_name="a")
    def up(b: int) -> int:
        return b + 1

    @node(output_name="b")
    def back(a: int) -> int:
        return a

    graph = Graph([up, back], entrypoint="up")
    with pytest.raises(InfiniteLoopError, match="exceeded 5 iterations") as raised:
        execute(runner, graph, b=0, max_iterations=5)
    evidence = get_failure_evidence(raised.value)
    assert evidence is not None
    assert (evidence.node_name, evidence.superstep) == ("up", 5)
    result = execute(runner, graph, b=0, max_iterations=5, error_handling="continue")
    assert isinstance(result.error, InfiniteLoopError)
    assert result.values == {"a": 3, "b": 2}


# -- signals and failures --------------------------------------------------------------------------


@pytest.mark.parametrize("runner", RUNNERS)
def test_waiter_in_a_loop_reruns_once_per_signal(runner):
    log: list[str] = []

    @node(output_name="count", emit="ticked")
    def bump(count: int) -> int:
        log.append(f"bump {count}")
        return count + 1

    @node(output_name="seen", wait_for="ticked")
    def watch(x: int) -> int:
        log.append("watch")
        return x

    @route(targets=["bump", END])
    def again(count: int, seen: int = 0) -> Any:
        log.append(f"again {count}")
        return "bump" if count < 3 else END

    graph = Graph([bump, watch, again], entrypoint="bump")
    assert len(graph.plan.components) == 1  # watch feeds the gate: it is in the loop
    result = execute(runner, graph, count=0, x=1)
    assert result.values == {"count": 3, "seen": 1, "_again": END}
    # watch's input never changes: only the signal makes it run again. From the second round
    # watch and the gate share a step: SyncRunner calls them in declaration order,
    # AsyncRunner calls the gate first (API 5.7)
    first = ["bump 0", "watch", "again 1"]
    rounds = [["bump 1", "watch", "again 2"], ["bump 2", "watch", "again 3"]]
    if runner != "sync":
        rounds = [[bump, gate, watched] for bump, watched, gate in rounds]
    assert log == first + rounds[0] + rounds[1]


def test_failure_in_a_batch_keeps_the_outputs_of_nodes_before_it():
    """SyncRunner: a batch stops at its first failure; earlier nodes' outputs are kept."""

    @route(targets=["a", "b", END], multi_target=True)
    def fan(x: int) -> list[str]:
        return ["a", "b"]

    @node(output_name="ya")
    def a(x: int) -> int:
        return x + 1

    @node(output_name="yb")
    def b(x: int) -> int:
        raise ValueError("b fails")

    result = SyncRunner().run(Graph([fan, a, b]), x=1, error_handling="continue")
    assert isinstance(result.error, ValueError)
    assert result.values == {"_fan": ["a", "b"], "ya": 2}
    with pytest.raises(ValueError, match="b fails"):
        SyncRunner().run(Graph([fan, a, b]), x=1)
