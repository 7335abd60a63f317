"""The compiled fast loops that run two rounds per pass (codegen.backends.dynamic.machine): compared
values alternate between their variable and their temporary, so every way of leaving a pass
(a value that stops changing, a comparison that raises, a gate's other decisions, the budget)
is checked in both rounds, against SyncRunner and AsyncRunner, call by call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_codegen_dynamic import _load, compiled_run, runner_run

import codegen.backends.dynamic.states
from codegen import compile_graph
from hypergraph import END, Graph, node, route

BACKENDS = [("sync", False), ("async", False), ("async", True)]
LOG: list[str] = []


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fastloop")


def _agree(
    graph: Graph, cases: list[dict[str, Any]], workdir: Path, budgets: list[int | None]
) -> None:
    """Every back end, input case and max_iterations: same outcome and same calls."""
    for backend, inline in BACKENDS:
        module = _load(graph, backend, workdir, inline)
        for inputs in cases:
            for limit in budgets:
                options = {} if limit is None else {"max_iterations": limit}
                LOG.clear()
                expected = runner_run(graph, backend, inline, inputs, **options)
                expected_calls = list(LOG)
                LOG.clear()
                got = compiled_run(module, backend, inputs, **options)
                calls = list(LOG)
                where = (backend, inline, inputs, limit)
                assert _plain(got) == _plain(expected), where
                assert calls == expected_calls, where


def _plain(outcome: Any) -> Any:
    """An outcome with its boxes (which refuse comparison) as their values."""
    kind, result = outcome
    if kind == "ok":
        result = {
            k: (type(v).__name__, v.value) if isinstance(v, Box | Lopsided) else v
            for k, v in result.items()
        }
    return kind, result


def _source(graph: Graph) -> str:
    return compile_graph(graph, backend="sync")


# -- a counter loop whose values stop changing at a chosen node and round -------------------


def step(count: int, cap_a: int = 1000) -> int:
    LOG.append("step")
    return min(count + 1, cap_a)


def clip_b(a: int, cap_b: int = 1000) -> int:
    LOG.append("clip_b")
    return min(a, cap_b)


def clip_c(b: int, cap_c: int = 1000) -> int:
    LOG.append("clip_c")
    return min(b, cap_c)


def again(count: int, rounds: int) -> str:
    LOG.append("again")
    return "step" if count < rounds else END


def counter_graph() -> Graph:
    return Graph(
        [
            node(step, output_name="a"),
            node(clip_b, output_name="b"),
            node(clip_c, output_name="count"),
            route(targets=["step", END])(again),
        ],
        entrypoint="step",
    )


def test_counter_loop_runs_two_rounds_per_pass() -> None:
    source = _source(counter_graph())
    assert "two rounds at a time" in source
    assert "round 2 of 2" in source


@pytest.mark.parametrize("where", ["cap_a", "cap_b", "cap_c"])
def test_a_value_stops_changing_in_either_round(where: str, workdir: Path) -> None:
    """The cap makes one node's value stop changing in round `cap` (odd and even caps: the
    first and the second round of a pass), the run ends there."""
    cases = [{"count": 0, "rounds": 50, where: cap} for cap in range(1, 9)]
    _agree(counter_graph(), cases, workdir, [None])


def test_the_budget_ends_anywhere_in_a_double_round(workdir: Path) -> None:
    """max_iterations from 1 to beyond the run: the budget runs out at every step of the
    first and second round of a pass (InfiniteLoopError at the runners' superstep)."""
    cases = [{"count": 0, "rounds": rounds} for rounds in (1, 2, 3, 4, 5)]
    _agree(counter_graph(), cases, workdir, [*range(1, 26), None])


def test_a_value_stops_changing_as_the_budget_ends(workdir: Path) -> None:
    cases = [{"count": 0, "rounds": 50, "cap_b": cap} for cap in (3, 4)]
    _agree(counter_graph(), cases, workdir, list(range(8, 20)))


# -- leaving a pass to a checked block: the values go back into their variables -------------


def again_or_finish(count: int, rounds: int) -> str:
    LOG.append("again_or_finish")
    if count < rounds:
        return "step"
    return "finish" if count == rounds else END


def finish(a: int, b: int, count: int) -> tuple[int, int, int]:
    LOG.append("finish")
    return (a, b, count)


def finishing_graph() -> Graph:
    return Graph(
        [
            node(step, output_name="a"),
            node(clip_b, output_name="b"),
            node(clip_c, output_name="count"),
            route(targets=["step", "finish", END])(again_or_finish),
            node(finish, output_name="summary"),
        ],
        entrypoint="step",
    )


def test_leaving_either_round_for_a_checked_block_copies_the_values_back(
    workdir: Path,
) -> None:
    """`finish` runs after the loop and reads every value the rounds alternate: leaving
    from the first round (values in the temporaries) and from the second."""
    source = _source(finishing_graph())
    assert "two rounds at a time" in source
    cases = [{"count": 0, "rounds": rounds} for rounds in range(1, 9)]
    cases += [{"count": 0, "rounds": 9, "cap_c": cap} for cap in (4, 5)]
    _agree(finishing_graph(), cases, workdir, [None, 9, 10, 13, 14, 21, 22])


# -- comparisons that raise, in either round --------------------------------------------------


class Box:
    """Comparing two boxes raises (like arrays): a box changed unless it is the same object."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __ne__(self, other: object) -> bool:
        raise ValueError("ambiguous comparison")

    def __repr__(self) -> str:
        return f"Box({self.value})"


FROZEN = Box(500)
"""The one box handed back again and again: unchanged from the second time on."""


def box_step(count: int, switch_a: int = 1000) -> Box:
    LOG.append("box_step")
    return Box(count + 1) if count + 1 < switch_a else FROZEN


def box_pass(a: Box, switch_b: int = 1000) -> Box:
    LOG.append("box_pass")
    return FROZEN if a.value >= switch_b else a


def unbox(b: Box) -> int:
    LOG.append("unbox")
    return b.value


def box_again(count: int, rounds: int = 1000) -> str:
    LOG.append("box_again")
    return "box_step" if count < rounds else END


def box_graph() -> Graph:
    return Graph(
        [
            node(box_step, output_name="a"),
            node(box_pass, output_name="b"),
            node(unbox, output_name="count"),
            route(targets=["box_step", END])(box_again),
        ],
        entrypoint="box_step",
    )


@pytest.mark.parametrize("where", ["switch_a", "switch_b"])
def test_comparisons_that_raise_in_either_round(where: str, workdir: Path) -> None:
    """Every comparison of boxes raises: a new box counts as changed, the same box handed
    back as unchanged, which ends the run at the first or second node, in either round."""
    assert "two rounds at a time" in _source(box_graph())
    cases = [{"count": 0, where: switch} for switch in range(1, 9)]
    cases.append({"count": 0, "rounds": 6})
    _agree(box_graph(), cases, workdir, [None, 10, 11, 14, 15])


class Lopsided:
    """`old != new` is the old value's say: compared the other way round, a run would end a
    round early."""

    def __init__(self, value: int, ne: bool) -> None:
        self.value = value
        self.ne = ne

    def __ne__(self, other: object) -> bool:
        return self.ne


def lop_step(count: int, flip: int) -> Lopsided:
    LOG.append("lop_step")
    return Lopsided(count + 1, count + 1 < flip)


def lop_open(a: Lopsided) -> int:
    LOG.append("lop_open")
    return a.value


def lop_again(count: int, rounds: int = 1000) -> str:
    LOG.append("lop_again")
    return "lop_step" if count < rounds else END


def lopsided_graph() -> Graph:
    return Graph(
        [
            node(lop_step, output_name="a"),
            node(lop_open, output_name="count"),
            route(targets=["lop_step", END])(lop_again),
        ],
        entrypoint="lop_step",
    )


def test_the_old_value_is_compared_with_the_new_in_both_rounds(workdir: Path) -> None:
    """Round 2 writes into the variable and compares the temporary (old) with it (new)."""
    assert "two rounds at a time" in _source(lopsided_graph())
    cases = [{"count": 0, "flip": flip} for flip in range(1, 9)]
    _agree(lopsided_graph(), cases, workdir, [None, 7, 8, 9])


# -- a value read by another node of its batch ----------------------------------------------


def mix(count: int, a: int) -> int:
    LOG.append("mix")
    return count * 100 + a


def settle(m: int, cap: int = 1000) -> int:
    LOG.append("settle")
    return min(m // 100 + 1, cap)


def mixing_graph() -> Graph:
    """Batches (step, settle) and (mix, again): `step` reads `count` as it was before
    `settle`, in the same batch, writes it."""
    return Graph(
        [
            node(step, output_name="a"),
            node(mix, output_name="m"),
            node(settle, output_name="count"),
            route(targets=["step", END])(again),
        ],
        entrypoint=["step", "mix"],
    )


def test_a_batch_reads_the_old_value_from_where_it_is(workdir: Path) -> None:
    source = _source(mixing_graph())
    assert "two rounds at a time" in source
    assert "# batch: step, settle" in source
    cases = [{"count": 0, "a": 0, "rounds": rounds, "cap": 9} for rounds in range(1, 6)]
    cases += [{"count": 0, "a": 0, "rounds": 20, "cap": cap} for cap in (4, 5)]
    _agree(mixing_graph(), cases, workdir, [None, *range(3, 30, 2)])


# -- two loops at once, in step: two budgets ------------------------------------------------


def twin_step(twin: int) -> int:
    LOG.append("twin_step")
    return twin + 2


def twin_relay(t: int) -> int:
    LOG.append("twin_relay")
    return t


def twin_relay_again(u: int) -> int:
    LOG.append("twin_relay_again")
    return u


def twin_again(twin: int, twin_rounds: int = 10) -> str:
    LOG.append("twin_again")
    return "twin_step" if twin < twin_rounds else END


def twin_graph() -> Graph:
    return Graph(
        [
            node(step, output_name="a"),
            node(clip_b, output_name="b"),
            node(clip_c, output_name="count"),
            route(targets=["step", END])(again),
            node(twin_step, output_name="t"),
            node(twin_relay, output_name="u"),
            node(twin_relay_again, output_name="twin"),
            route(targets=["twin_step", END])(twin_again),
        ],
        entrypoint=["step", "twin_step"],
    )


def test_two_loops_spending_two_budgets(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each pass charges both budgets (a ``while`` over two counters); the graph has more
    states than the default limits allow, which are raised for it."""
    monkeypatch.setattr(codegen.backends.dynamic.states, "MAX_STATES", 200)
    monkeypatch.setattr(codegen.backends.dynamic.states, "MAX_LEAVES", 200)
    source = _source(twin_graph())
    assert "two rounds at a time" in source
    assert "spent_1 <= max_iterations - 8" in source  # one counter per budget
    cases = [
        {"count": 0, "twin": 0, "rounds": rounds, "twin_rounds": twin}
        for rounds, twin in ((3, 6), (6, 12), (7, 20), (9, 9), (5, 0))
    ]
    cases.append({"count": 0, "twin": 0, "rounds": 9, "twin_rounds": 40, "cap_b": 4})
    _agree(twin_graph(), cases, workdir, [None, *range(3, 30, 2)])
