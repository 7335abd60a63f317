"""Graphs that cannot silently do nothing: the liveness warnings of ``graph.validate()``
(unreachable node, discarded return, unused output, loop no gate can leave), and warnings that
point at the user's line."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from hypergraph import END, FunctionNode, Graph, SyncRunner, ifelse, node, route
from hypergraph.graph.liveness import LIVENESS_CODES, returns_a_value


@node(output_name="docs")
def retrieve(query: str, history: list[str]) -> list[str]:
    return [query, *history]


@node(output_name="history")
def accumulate(docs: list[str]) -> list[str]:
    return docs[-3:]


@node(output_name="report")
def report(history: list[str]) -> str:
    return ";".join(history)


def codes(graph: Graph) -> list[tuple[str, str | None]]:
    return [(d.code, d.node) for d in graph.validate() if d.code in LIVENESS_CODES]


def test_an_entrypoint_that_skips_the_loop_is_reported_not_silent() -> None:
    graph = Graph([retrieve, accumulate, report], entrypoint="report")
    # the silent failure the warning exists for: the run completes with almost nothing
    result = SyncRunner().run(graph, history=["a"])
    assert result.values == {"history": ["a"], "report": "a"}  # retrieve never ran
    [finding] = [d for d in graph.validate() if d.code == "unreachable-node"]
    assert finding.severity == "warning"
    assert finding.node == "retrieve"
    assert "loop retrieve -> accumulate never runs" in finding.message
    assert "'report'" in finding.message
    assert finding.hint is not None
    assert "entrypoint" in finding.hint
    assert finding.file == __file__
    assert finding.line is not None


def test_nodes_before_the_entrypoints_of_a_dag_are_skipped_on_purpose() -> None:
    @node(output_name="a")
    def first(x: int) -> int:
        return x

    @node(output_name="b")
    def second(a: int) -> int:
        return a

    graph = Graph([first, second], entrypoint="second")
    assert codes(graph) == []


def test_a_node_no_path_from_the_entrypoints_reaches_is_unreachable() -> None:
    @node(output_name="a")
    def start(x: int) -> int:
        return x

    @node(output_name="b")
    def side(y: int) -> int:
        return y

    graph = Graph([start, side], entrypoint="start")
    assert codes(graph) == [("unreachable-node", "side")]


def test_a_waiter_whose_signal_producer_never_runs_is_unreachable() -> None:
    @node(output_name="a", emit="ready")
    def first(x: int) -> int:
        return x

    @node(output_name="b")
    def second(a: int) -> int:
        return a

    @node(output_name="c", wait_for="ready")
    def waiter(b: int) -> int:
        return b

    @node(output_name="d")
    def after(c: int) -> int:
        return c

    graph = Graph([first, second, waiter, after], entrypoint="second")
    found = [(d.node, d.message) for d in graph.validate() if d.code == "unreachable-node"]
    assert [n for n, _ in found] == ["waiter", "after"]
    assert "waits for 'ready', which no node that runs emits" in found[0][1]
    assert "needs 'c', whose producer(s) 'waiter' never run" in found[1][1]


def test_discarded_return_from_annotation_or_source() -> None:
    def annotated(x: int) -> int:
        return x

    def unannotated(x):  # type: ignore[no-untyped-def]
        return x * 2

    def side_effect(x: int) -> None:
        print(x)

    def bare(x):  # type: ignore[no-untyped-def]
        if x:
            return
        print(x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes = [
            FunctionNode(annotated, name="a"),
            FunctionNode(unannotated, name="b"),
            FunctionNode(side_effect, name="c"),
            FunctionNode(bare, name="d"),
        ]
    graph = Graph(nodes)
    assert codes(graph) == [("discarded-return", "a"), ("discarded-return", "b")]
    assert returns_a_value(unannotated)
    assert not returns_a_value(bare)


def test_outputs_the_selection_drops_unconsumed_are_reported() -> None:
    @node(output_name=("low", "high"))
    def bounds(xs: list[int]) -> tuple[int, int]:
        return min(xs), max(xs)

    @node(output_name="size")
    def size(xs: list[int]) -> int:
        return len(xs)

    graph = Graph([bounds, size])
    assert codes(graph) == []  # no selection: every output is a result
    found = [d for d in graph.select("low", "size").validate() if d.code == "unused-output"]
    assert [(d.node, d.parameter) for d in found] == [("bounds", "high")]
    assert "add 'high' to select" in (found[0].hint or "")


def test_a_loop_no_gate_can_leave() -> None:
    @ifelse(when_true="retrieve", when_false="accumulate")
    def again(history: list[str]) -> bool:
        return len(history) < 3

    looping = Graph([retrieve, accumulate], entrypoint="retrieve")
    assert codes(looping) == [("inescapable-loop", "retrieve")]
    gated = Graph([retrieve, accumulate, again], entrypoint="retrieve")
    [finding] = [d for d in gated.validate() if d.code == "inescapable-loop"]
    assert "none of its gates ('again') routes to END" in finding.message

    @route(targets=["retrieve", END])
    def decide(history: list[str]) -> object:
        return END if len(history) > 2 else "retrieve"

    assert codes(Graph([retrieve, accumulate, decide], entrypoint="retrieve")) == []


def test_a_route_that_may_return_none_can_leave_its_loop() -> None:
    @route(targets=["retrieve"])
    def maybe(history: list[str]) -> str | None:
        return None if len(history) > 2 else "retrieve"

    @route(targets=["retrieve"])
    def always(history: list[str]) -> str:
        return "retrieve"

    assert codes(Graph([retrieve, accumulate, maybe], entrypoint="retrieve")) == []
    assert codes(Graph([retrieve, accumulate, always], entrypoint="retrieve")) == [
        ("inescapable-loop", "retrieve")
    ]


def test_nested_graphs_are_checked_and_named_by_path() -> None:
    inner = Graph([retrieve, accumulate, report], entrypoint="report", name="inner")
    outer = Graph([inner.as_node(name="rag")])
    [finding] = [d for d in outer.validate() if d.code == "unreachable-node"]
    assert finding.node == "rag/retrieve"
    assert "nested graph 'rag'" in finding.message


def test_the_example_specs_have_no_liveness_warnings() -> None:
    from regen_golden import SPECS

    from codegen import compile_spec

    for spec in SPECS:
        graph = compile_spec(spec).graph
        assert codes(graph) == [], spec


def test_validate_still_lists_type_errors_first() -> None:
    @node(output_name="n")
    def count(text: str) -> int:
        return len(text)

    @node(output_name="shout")
    def shout(n: str) -> str:
        return n

    @node(output_name="ignored")
    def lonely(z: int) -> int:
        return z

    found = Graph([count, shout, lonely]).select("shout").validate()
    assert [d.severity for d in found] == ["error", "warning"]
    assert [d.code for d in found] == ["type-mismatch", "unused-output"]


# -- warnings point at the user's line ------------------------------------------------------


def _warned_at(action: object) -> list[tuple[str, int]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()  # type: ignore[operator]
    return [(Path(w.filename).name, w.lineno) for w in caught]


def _decorated_bare() -> None:
    @node
    def f(x: int) -> int:
        return x


def _decorated_call() -> None:
    @node()
    def f(x: int) -> int:
        return x


def _constructed() -> None:
    def f(x: int) -> int:
        return x

    FunctionNode(f)


@pytest.mark.parametrize("action", [_decorated_bare, _decorated_call, _constructed])
def test_the_output_name_warning_points_at_the_users_line(action: object) -> None:
    [(file, line)] = _warned_at(action)
    assert file == Path(__file__).name
    source = Path(__file__).read_text().splitlines()[line - 1]
    assert "node" in source or "FunctionNode" in source


def test_the_shared_generator_warning_points_at_the_graph_call() -> None:
    from collections.abc import Iterator

    @node(output_name="items")
    def items(n: int) -> Iterator[int]:
        yield from range(n)

    @node(output_name="a")
    def first(items: Iterator[int]) -> int:
        return sum(items)

    @node(output_name="b")
    def second(items: Iterator[int]) -> int:
        return sum(items)

    [(file, line)] = _warned_at(lambda: Graph([items, first, second]))
    assert file == Path(__file__).name
    assert "Graph([items, first, second])" in Path(__file__).read_text().splitlines()[line - 1]
