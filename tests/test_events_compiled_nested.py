"""Compiled modules with `events = true` report nested graphs as the runners do: the
GraphNode's span, the child run nested in it (a map, then its items, when mapped), the inner
nodes nested in that run, through every level, in the same order (sync) and with the same
nesting (both back ends)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import random
import warnings
from pathlib import Path
from typing import Any

import pytest
from codegen_fixtures import inc, picky
from codegen_gate_fixtures import (
    LOG,
    mapped_agent_graph,
    mapped_branches_graph,
    nested_agent_graph,
    nested_branch_graph,
    random_gated_graph,
    routed_constant_graph,
    routed_nested_graph,
)
from codegen_nested_fixtures import composite
from codegen_support import load_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mypy import api

from codegen import compile_graph
from codegen.errors import CompileError
from hypergraph import AsyncRunner, FunctionNode, Graph, SyncRunner
from hypergraph.events import (
    EventProcessor,
    NodeErrorEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
    SuperstepStartEvent,
    observe,
)
from hypergraph.exceptions import GraphConfigError

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = [("sync", False), ("async", False), ("async", True)]


class Recorder(EventProcessor):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event)


def tree(events: list[Any]) -> list[tuple[Any, ...]]:
    """Each event with what must agree: its type, node, graph, item, status, decision, map
    size, and where it nests (the chain of runs and nodes above it, by their start events)."""
    label: dict[str, tuple[Any, ...]] = {}
    parent: dict[str, str | None] = {}
    shown = []
    for e in events:
        if isinstance(e, SuperstepStartEvent):
            continue
        if isinstance(e, RunStartEvent):
            label[e.span_id] = ("run", e.graph_name, e.item_index, e.is_map, e.map_size)
            parent[e.span_id] = e.parent_span_id
        elif isinstance(e, NodeStartEvent):
            label[e.span_id] = ("node", e.node_name, e.item_index)
            parent[e.span_id] = e.parent_span_id
        chain = []
        up = e.parent_span_id
        while up is not None:
            chain.append(label[up])  # a KeyError: nested in a span that never started
            up = parent[up]
        shown.append(
            (
                type(e).__name__,
                getattr(e, "node_name", ""),
                getattr(e, "graph_name", ""),
                e.item_index,
                getattr(e, "is_map", None),
                getattr(e, "map_size", None),
                getattr(e, "status", None),
                getattr(e, "error_type", None),
                str(getattr(e, "decision", "")),
                tuple(chain),
            )
        )
    return shown


def spans(events: list[Any]) -> list[tuple[Any, ...]]:
    """The sync order with span ids renumbered by first appearance: equal lists nest alike."""
    number: dict[str | None, int | None] = {None: None}
    out = []
    for e in events:
        if isinstance(e, SuperstepStartEvent):
            continue
        for span in (e.span_id, e.parent_span_id):
            number.setdefault(span, len(number))
        out.append((type(e).__name__, number[e.span_id], number[e.parent_span_id]))
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nested_events")


def _events(
    graph: Graph, inputs: dict[str, Any], module: Any, backend: str, inline: bool
) -> tuple[list[Any], list[Any]]:
    ran, compiled = Recorder(), Recorder()
    keywords = {name.replace(".", "__"): value for name, value in inputs.items()}  # namespaced
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if backend == "sync":
            with contextlib.suppress(Exception):
                SyncRunner().run(graph, inputs, event_processors=[ran])
            with contextlib.suppress(Exception):
                module.run(**keywords, observer=observe([compiled]))
            return ran.events, compiled.events

        async def go() -> None:
            runner = AsyncRunner(sync_nodes="inline" if inline else "thread")
            with contextlib.suppress(Exception):
                await runner.run(graph, inputs, event_processors=[ran])
            with contextlib.suppress(Exception):
                await module.run(**keywords, observer=observe([compiled]))

        asyncio.run(go())
    return ran.events, compiled.events


def _compile(graph: Graph, backend: str, inline: bool, workdir: Path) -> Any:
    source = compile_graph(
        graph,
        backend=backend,  # type: ignore[arg-type]
        events=True,
        sync_nodes="inline" if inline else "thread",
    )
    return load_source(source, workdir)


def _agree(graph: Graph, inputs: dict[str, Any], backend: str, inline: bool, workdir: Path) -> None:
    module = _compile(graph, backend, inline, workdir)
    ran, compiled = _events(graph, inputs, module, backend, inline)
    a, b = tree(ran), tree(compiled)
    assert a, graph.name
    if backend == "sync":  # one order: the same events, nested alike, in the same order
        assert a == b, graph.name
        assert spans(ran) == spans(compiled), graph.name
        return
    assert a[0] == b[0], (graph.name, inline)  # the run's start
    assert a[-1] == b[-1], (graph.name, inline)  # and its end
    if not any(row[0] == "NodeErrorEvent" for row in a):
        # concurrent nodes and items: the same events with the same nesting, in any order
        assert collections.Counter(a) == collections.Counter(b), (graph.name, inline)
    else:
        # a failure cancels siblings (in the run, or in a failing item of a map) at different
        # points in the two back ends (two instances of one failing graph may both fail in
        # one, one of them cancelled in the other): a node failed on its own, in the same
        # graph, in both. Where it nests may differ: of two twin nested graphs that both
        # fail, whichever fails first in time is the one reported (not the same in both)
        def failed(rows: list[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
            own = (r for r in rows if r[0] == "NodeErrorEvent" and r[7] != "CancelledError")
            return {r[:8] for r in own}  # type, node, graph, item, ..., error type

        assert failed(a) & failed(b), (graph.name, inline)
    well_formed(compiled)


def well_formed(events: list[Any]) -> None:
    """Every span that starts ends once, after everything nested in it has ended."""
    open_spans: dict[str, str | None] = {}
    ended: set[str] = set()
    for e in events:
        if isinstance(e, RunStartEvent | NodeStartEvent):
            assert e.span_id not in open_spans
            assert e.span_id not in ended
            assert e.parent_span_id is None or e.parent_span_id in open_spans
            open_spans[e.span_id] = e.parent_span_id
        elif isinstance(e, RunEndEvent) or type(e).__name__ in ("NodeEndEvent", "NodeErrorEvent"):
            assert e.span_id in open_spans, e
            assert e.span_id not in open_spans.values(), e  # a nested span is still open
            del open_spans[e.span_id]
            ended.add(e.span_id)
    assert not open_spans


# -- random nested and mapped graphs (codegen_nested_fixtures) -------------------------------


def _check_composite(workdir: Path, seed: int, failing: bool) -> None:
    for backend, inline in BACKENDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph, inputs = composite(
                random.Random(seed), allow_async=backend == "async", failing=failing
            )
        _agree(graph, inputs, backend, inline, workdir)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10**6), failing=st.booleans())
def test_nested_and_mapped_graphs_report_the_runners_events(
    workdir: Path, seed: int, failing: bool
) -> None:
    """Graphs nested one to three deep (renamed, namespaced, twice), mapped (zip or product,
    raise or continue, clone, failing items, no items), maps of maps."""
    _check_composite(workdir, seed, failing)


@pytest.mark.parametrize("seed", range(12))
def test_fixed_nested_seeds_report_the_runners_events(workdir: Path, seed: int) -> None:
    _check_composite(workdir, seed, seed % 2 == 0)


# -- nested graphs in gated and cyclic parents, gated and cyclic graphs nested ----------------

GATED = [
    ("nested agent", nested_agent_graph, {"query": "q", "history": []}),
    ("mapped agent", mapped_agent_graph, {"query": ["a", "b", "c"], "history": []}),
    ("mapped agent, no items", mapped_agent_graph, {"query": [], "history": []}),
    ("routed to a node", routed_nested_graph, {"message": "Hi!"}),
    ("routed to a graph", routed_nested_graph, {"message": "Hi"}),
    ("mapped in a branch", mapped_branches_graph, {"message": "x", "messages": ["A!", "b"]}),
    ("a router nested once", nested_branch_graph, {"message": "hey!"}),
    ("a graph without inputs", routed_constant_graph, {"a": 2}),
]


@pytest.mark.parametrize(("label", "build", "inputs"), GATED, ids=[g[0] for g in GATED])
@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_nested_graphs_in_gates_and_loops_report_the_runners_events(
    workdir: Path, label: str, build: Any, inputs: dict[str, Any], backend: str, inline: bool
) -> None:
    """Nested graphs compiled to module functions (a gated parent, a cyclic or gated inner
    graph, once or mapped) report their child runs and route decisions inside them."""
    LOG.clear()
    _agree(build(), inputs, backend, inline, workdir)


@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_random_gated_graphs_nested_report_the_runners_events(
    workdir: Path, backend: str, inline: bool
) -> None:
    checked = 0
    for seed in range(40):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                inner, inputs = random_gated_graph(
                    random.Random(seed), 3 + seed % 5, allow_async=backend == "async", failing=True
                )
            except Exception:
                continue
            node = inner.as_node(name="inner")
            given = dict(inputs)
            if seed % 3 and "x0" in node.inputs:
                node = node.map_over("x0", error_handling="continue" if seed % 3 == 2 else "raise")
                given["x0"] = [inputs["x0"], 3, -2, 10]
            try:
                parent = Graph([node], name="parent")
            except GraphConfigError:
                continue
        given = {k: v for k, v in given.items() if k in parent.inputs.all}
        try:
            _compile(parent, backend, inline, workdir)
        except CompileError:  # an inner graph that may leave an output unwritten
            continue
        _agree(parent, given, backend, inline, workdir)
        checked += 1
    assert checked >= 10


# -- a failing nested node, step by step -------------------------------------------------------


def _failing_graphs() -> dict[str, Graph]:
    inner = Graph(
        [
            FunctionNode(inc, output_name="b"),
            FunctionNode(picky, output_name="c").rename_inputs(a="b"),  # fails for b % 3 == 0
        ],
        name="inner",
    )
    once = Graph([inner.as_node(name="step")], name="outer")
    middle = Graph([once.as_node(name="middle")], name="middle_graph")
    return {
        "once": once,
        "two levels": Graph([middle.as_node(name="top")], name="top_graph"),
        "mapped, raise": Graph([inner.as_node(name="each").map_over("a")], name="outer"),
        "mapped, continue": Graph(
            [inner.as_node(name="each").map_over("a", error_handling="continue")], name="outer"
        ),
    }


@pytest.mark.parametrize("label", ["once", "two levels", "mapped, raise", "mapped, continue"])
@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_a_failing_nested_node_ends_every_run_it_is_in(
    workdir: Path, label: str, backend: str, inline: bool
) -> None:
    graph = _failing_graphs()[label]
    mapped = label.startswith("mapped")
    inputs = {"a": [0, 2, 3]} if mapped else {"a": 2}
    _agree(graph, inputs, backend, inline, workdir)
    module = _compile(graph, backend, inline, workdir)
    compiled = _events(graph, inputs, module, backend, inline)[1]
    by_span = {e.span_id: e for e in compiled if isinstance(e, RunStartEvent | NodeStartEvent)}
    errors = [e for e in compiled if isinstance(e, NodeErrorEvent)]
    ends = [e for e in compiled if isinstance(e, RunEndEvent)]
    inner = next(e for e in errors if e.node_name == "picky")
    assert inner.error_type == "FixtureError"
    # the inner node's run nests in the GraphNode's span (through the map, if mapped)
    run = by_span[inner.parent_span_id]
    assert isinstance(run, RunStartEvent)
    assert (run.graph_name, run.item_index) == ("inner", 1 if mapped else None)
    if label == "mapped, continue":
        # the item failed, its map is PARTIAL, the GraphNode and the run completed
        assert sorted((e.item_index, e.status) for e in ends[:3]) == [
            (0, RunStatus.COMPLETED),
            (1, RunStatus.FAILED),
            (2, RunStatus.COMPLETED),
        ]
        assert [e.status for e in ends[3:]] == [RunStatus.PARTIAL, RunStatus.COMPLETED]
        assert [e.node_name for e in errors] == ["picky"]
        return
    # the error ends the inner run (or map), then the GraphNode, then each run above it
    tail = compiled[-3:]
    assert [type(e).__name__ for e in tail] == ["RunEndEvent", "NodeErrorEvent", "RunEndEvent"]
    assert all(e.error_type == "FixtureError" for e in tail)
    assert tail[0].status is tail[2].status is RunStatus.FAILED
    assert tail[1].node_name == by_span[tail[1].span_id].node_name == next(iter(graph.nodes))
    steps = {"once": {"step"}, "two levels": {"top", "middle", "step"}}.get(label, {"each"})
    failed = {e.node_name for e in errors if e.error_type == "FixtureError"}
    assert failed == {"picky", *steps}


def test_nested_events_carry_graph_names_item_indexes_and_map_sizes(workdir: Path) -> None:
    graph = _failing_graphs()["mapped, continue"]
    module = _compile(graph, "sync", False, workdir)
    recorder = Recorder()
    module.run(a=[0, 3], observer=observe([recorder]))
    starts = [e for e in recorder.events if isinstance(e, RunStartEvent)]
    assert [(e.graph_name, e.is_map, e.map_size, e.item_index) for e in starts] == [
        ("outer", False, None, None),
        ("inner", True, 2, None),
        ("inner", False, None, 0),
        ("inner", False, None, 1),
    ]
    node_start = next(e for e in recorder.events if isinstance(e, NodeStartEvent))
    assert node_start.node_name == "each"
    assert starts[1].parent_span_id == node_start.span_id
    assert starts[2].parent_span_id == starts[3].parent_span_id == starts[1].span_id
    inner_nodes = [e for e in recorder.events if getattr(e, "graph_name", "") == "inner"]
    assert {e.item_index for e in inner_nodes if isinstance(e, NodeStartEvent)} == {0, 1}


def test_two_observed_runs_at_once_keep_their_own_nesting(workdir: Path) -> None:
    """Each run's nodes report to that run's nested runs, however the runs interleave."""
    graph = _failing_graphs()["mapped, continue"]
    module = _compile(graph, "async", True, workdir)
    first, second = Recorder(), Recorder()

    async def go() -> None:
        await asyncio.gather(
            module.run(a=[0, 3, 5], observer=observe([first])),
            module.run(a=[7, 8], observer=observe([second])),
        )

    asyncio.run(go())
    for recorder, size in ((first, 3), (second, 2)):
        rows = tree(recorder.events)
        assert sum(1 for r in rows if r[0] == "RunStartEvent") == 2 + size
        runs = {e.run_id for e in recorder.events}
        assert len(runs) == 2 + size  # the run, the map, its items: no other run's ids


def test_without_an_observer_a_nested_module_runs_as_without_events(workdir: Path) -> None:
    for label, graph in _failing_graphs().items():
        inputs: dict[str, Any] = {"a": [0, 3]} if label.startswith("mapped") else {"a": 0}
        plain = load_source(compile_graph(graph, backend="sync"), workdir)
        watched = _compile(graph, "sync", False, workdir)
        assert watched.run(**inputs) == plain.run(**inputs)
        assert compile_graph(graph, backend="sync", events=False) == compile_graph(
            graph, backend="sync"
        )


def test_nested_graph_input_named_observer_is_refused() -> None:
    """A nested graph compiled to module functions takes `observer` as a keyword."""

    inner = Graph([FunctionNode(inc, output_name="observer")], name="inner")
    parent = Graph([routed_constant_graph().nodes["even"], inner.as_node(name="constant")])
    with pytest.raises(CompileError, match="'observer'"):
        compile_graph(parent, events=True)


def test_modules_with_nested_events_pass_mypy_strict(tmp_path: Path) -> None:
    graphs = [
        (g, backend)
        for g in (
            *_failing_graphs().values(),
            nested_agent_graph(),
            mapped_agent_graph(),
            mapped_branches_graph(),
        )
        for backend in ("sync", "async")
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(4):
            graph = composite(random.Random(seed), allow_async=True, failing=True)[0]
            graphs.append((graph, "async"))
    paths = []
    for index, (graph, backend) in enumerate(graphs):
        path = tmp_path / f"nested_watched_{index}.py"
        path.write_text(compile_graph(graph, backend=backend, events=True))  # type: ignore[arg-type]
        paths.append(str(path))
    old = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    try:
        out, err, status = api.run(
            ["--strict", "--no-incremental", "--follow-imports=silent",
             "--cache-dir", str(tmp_path / ".mypy_cache"), *paths]
        )  # fmt: skip
    finally:
        if old is None:
            os.environ.pop("MYPYPATH", None)
        else:
            os.environ["MYPYPATH"] = old
    assert status == 0, out + err
