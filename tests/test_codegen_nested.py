"""Nested and mapped graphs in specs and in the compiler: spec keys, schedules, refusals."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import codegen_fixtures
import pytest
from codegen_fixtures import FixtureError, FunctionNode, Graph, inc, picky, tracked
from codegen_support import compile_and_load, load_source

from codegen import CompileError, SpecError, compile_graph, compile_loaded, compile_spec
from codegen.spec.load import load_spec, parse_spec
from codegen.spec.resolve import resolve
from hypergraph import END, AsyncRunner, SyncRunner

HEAD = '[graph]\nname = "outer"\n'


def _spec(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _quiet_graph(path: Path) -> Graph:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return resolve(load_spec(path))


def test_spec_nests_a_spec_mapped_and_renamed(tmp_path: Path) -> None:
    _spec(
        tmp_path,
        "inner.toml",
        '[graph]\nname = "inner"\n[graph.bind]\nfactor = 10\n'
        '[[nodes]]\nref = "codegen_specs_nodes:first"\n'
        '[[nodes]]\nref = "codegen_specs_nodes:second"\n',
    )
    outer = _spec(
        tmp_path,
        "outer.toml",
        HEAD + '[[nodes]]\nspec = "inner.toml"\nname = "each"\n'
        'rename_inputs = { x = "xs" }\nrename_outputs = { z = "zs" }\n'
        'map_over = ["xs"]\nmap_errors = "continue"\n',
    )
    graph = _quiet_graph(outer)
    assert graph.inputs.required == ("xs",)
    assert SyncRunner().run(graph, xs=[1, 2]).values == {"y": [2, 3], "zs": [20, 30]}
    module = compile_spec(outer)
    assert '"each/first", "each/second"' in module.source
    compiled = load_source(module.source, tmp_path)
    assert compiled.run(xs=[1, 2]) == {"y": [2, 3], "zs": [20, 30]}
    assert compiled.run(xs=[]) == {"y": [], "zs": []}
    assert compiled.run(xs=[1], factor=2) == {"y": [2], "zs": [4]}  # overrides the inner bind


def test_subgraph_entry_nests_a_graph_namespaced(tmp_path: Path) -> None:
    outer = _spec(
        tmp_path,
        "outer.toml",
        HEAD + '[[nodes]]\nsubgraph = "codegen_specs_nodes:INNER_BOUND"\n'
        'name = "a"\nnamespaced = true\nexpose = ["x"]\n'
        '[[nodes]]\nref = "codegen_specs_nodes:first"\nname = "b"\n',
    )
    graph = _quiet_graph(outer)
    assert list(graph.nodes) == ["a", "b"]
    expected = SyncRunner().run(graph, x=1).values
    assert expected == {"a.y": 2, "a.z": 20, "y": 2}
    compiled = load_source(compile_spec(outer).source, tmp_path)
    assert compiled.run(x=1) == expected
    assert compiled.SCHEDULE == (("a/first", "a/second", "b"),)


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (
            '[[nodes]]\nref = "codegen_specs_nodes:first"\nmap_over = ["x"]\n',
            "nodes[0].map_over",
            "applies to nested graphs",
        ),
        (
            '[[nodes]]\nsubgraph = "codegen_specs_nodes:INNER"\noutput = "q"\n',
            "nodes[0].output",
            "applies to single nodes",
        ),
        (
            '[[nodes]]\nsubgraph = "codegen_specs_nodes:INNER"\nmap_mode = "product"\n',
            "nodes[0].map_mode",
            "needs 'map_over'",
        ),
        (
            '[[nodes]]\nsubgraph = "codegen_specs_nodes:INNER"\nspec = "x.toml"\n',
            "nodes[0]",
            "exactly one of",
        ),
        (
            '[[nodes]]\nsubgraph = "codegen_specs_nodes:NOT_A_NODE"\n',
            "nodes[0].subgraph",
            "not a Graph",
        ),
        (
            '[[nodes]]\nsubgraph = "codegen_specs_nodes:INNER"\nmap_over = ["nope"]\n',
            "nodes[0]",
            "not an input",
        ),
    ],
)
def test_nesting_mistakes_name_the_field(body: str, path: str, message: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(SpecError) as info:
            resolve(parse_spec(HEAD + body, "t.toml"))
    assert info.value.path == path
    assert message in str(info.value)


def test_a_spec_nesting_itself_is_refused(tmp_path: Path) -> None:
    loop = _spec(tmp_path, "loop.toml", HEAD + '[[nodes]]\nspec = "loop.toml"\n')
    with pytest.raises(SpecError, match="nests itself"):
        load_spec_and_resolve(loop)
    broken = _spec(tmp_path, "broken.toml", HEAD + '[[nodes]]\nspec = "missing.toml"\n')
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec_and_resolve(broken)


def load_spec_and_resolve(path: Path) -> Graph:
    return resolve(load_spec(path))


def test_a_nested_output_a_gate_may_leave_unwritten_is_refused_naming_the_node() -> None:
    from codegen_specs_nodes import first, is_big, second

    from hypergraph import END, ifelse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gate = ifelse("second", END, name="gate")(is_big)
        inner = Graph([first, gate, second], name="inner")
        outer = Graph([inner.as_node(name="wrapped")], name="outer")
    with pytest.raises(CompileError, match=r"'wrapped'.*may end without writing") as info:
        compile_graph(outer)
    assert info.value.node == "wrapped"


def test_mapped_port_fed_by_an_omittable_input_is_refused() -> None:
    from codegen_fixtures import scale

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inner = Graph([FunctionNode(scale, name="times", output_name="out")], name="inner")
        outer = Graph([inner.as_node(name="m").map_over("k")], name="outer")
    with pytest.raises(CompileError, match="mapped port 'k'"):
        compile_graph(outer)


def test_spec_compile_errors_inside_nested_nodes_point_at_the_entry(tmp_path: Path) -> None:
    loaded = parse_spec(
        HEAD + '[[nodes]]\nsubgraph = "codegen_specs_nodes:INNER"\nname = "__run"\n', "t.toml"
    )
    with pytest.raises(SpecError) as info:
        compile_loaded(loaded)
    assert info.value.path == "nodes[0]"


@pytest.mark.parametrize("backend", ["sync", "async"])
@pytest.mark.parametrize("errors", ["raise", "continue"])
def test_failing_items_match_the_runner(tmp_path: Path, backend: str, errors: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inner = Graph(
            [
                FunctionNode(picky, name="check", output_name="ok"),
                FunctionNode(inc, name="bump", output_name="b").rename_inputs(a="ok"),
            ],
            name="inner",
        )
        graph = Graph([inner.as_node(name="each").map_over("a", error_handling=errors)])
    module = compile_and_load(graph, backend, tmp_path)
    items = [1, 3, 4, 6, 7]
    if backend == "sync":
        call = lambda: module.run(a=items)  # noqa: E731
        runner = lambda: SyncRunner().run(graph, a=items).values  # noqa: E731
    else:
        call = lambda: asyncio.run(module.run(a=items))  # noqa: E731
        runner = lambda: asyncio.run(AsyncRunner().run(graph, a=items)).values  # noqa: E731
    if errors == "raise":
        with pytest.raises(FixtureError, match="picky got 3"):
            runner()
        with pytest.raises(FixtureError, match="picky got 3"):
            call()
        return
    assert call() == runner() == {"ok": [1, None, 4, None, 7], "b": [2, None, 5, None, 8]}


def test_batch_summaries_example_matches_the_runner(tmp_path: Path) -> None:
    module = compile_spec("specs/batch_summaries.toml")
    compiled = load_source(module.source, tmp_path)
    docs = ["a b c", None, "d e f g h"]  # None fails normalize: that document's outputs are None
    expected = SyncRunner().run(module.graph, documents=docs, size=2).values
    assert compiled.run(documents=docs, size=2) == expected
    assert expected["report"] == {"documents": 3, "failed": 1, "words": 8, "longest_chunk": 2}


@pytest.mark.asyncio
async def test_agent_batch_example_maps_a_loop_and_matches_the_runner(tmp_path: Path) -> None:
    """A spec mapping a looping spec: the loop runs as a module function per question."""
    module = compile_spec("specs/agent_batch.toml")
    assert "async def _graph_agent(" in module.source
    compiled = load_source(module.source, tmp_path)
    inputs = {"questions": ["a", "b", "c"], "history": [], "max_rounds": 2}
    expected = (await AsyncRunner().run(module.graph, **inputs)).values
    assert await compiled.run(**inputs) == expected
    assert await compiled.run(**inputs, max_concurrency=1) == expected
    assert [len(t) for t in expected["transcripts"]] == [2, 2, 2]
    assert expected["_should_continue"] == [END, END, END]


@pytest.mark.parametrize(("limit", "peak"), [(None, 8), (2, 2), (1, 1)])
def test_async_map_runs_at_most_max_concurrency_items(
    tmp_path: Path, limit: int | None, peak: int
) -> None:
    """A compiled async map is a bounded gather: run(max_concurrency=N) caps items in flight."""
    inner = Graph([FunctionNode(tracked, name="track", output_name="b")], name="inner")
    graph = Graph([inner.as_node(name="each").map_over("a")])
    module = compile_and_load(graph, "async", tmp_path)
    codegen_fixtures.IN_FLIGHT[:] = [0, 0]
    result = asyncio.run(module.run(a=list(range(8)), max_concurrency=limit))
    assert result == {"b": list(range(8))}
    assert [0, peak] == codegen_fixtures.IN_FLIGHT


def test_async_map_rejects_a_bad_max_concurrency(tmp_path: Path) -> None:
    inner = Graph([FunctionNode(tracked, name="track", output_name="b")], name="inner")
    graph = Graph([inner.as_node(name="each").map_over("a")])
    module = compile_and_load(graph, "async", tmp_path)
    with pytest.raises(ValueError, match="max_concurrency must be an int >= 1"):
        asyncio.run(module.run(a=[1, 2], max_concurrency=0))


def test_surely_written_is_what_every_completed_run_holds() -> None:
    """The compiler's static estimate behind refusing a nested output that may be missing:
    checked against the runner on the graphs it must accept and refuse."""
    from codegen_gate_fixtures import agent_graph, branch_graph, same_incomparable, token_cycle

    from codegen.analysis.written import surely_written

    agent = agent_graph()
    assert set(agent.outputs) <= surely_written(agent)  # the loop's entrypoint runs first
    assert set(token_cycle(same_incomparable).outputs) <= surely_written(
        token_cycle(same_incomparable)
    )
    branch = branch_graph()
    assert "reply" in surely_written(branch)  # both branches of the ifelse write it
    assert "_is_urgent" in surely_written(branch)  # the gate itself always decides
    for message in ("calm", "loud!"):
        values = SyncRunner().run(branch, message=message).values
        assert surely_written(branch) <= set(values) | set(branch.inputs.all)
    # a waiter runs once a surely-run node has emitted its signal; not when only a branch does
    from codegen_gate_fixtures import FunctionNode, IfElseNode, half, inc, is_even

    from hypergraph import END

    waiting = Graph(
        [
            IfElseNode(is_even, "other", END, name="g"),
            FunctionNode(inc, name="other", output_name="three"),
            FunctionNode(inc, name="first", output_name="one", emit="done"),
            FunctionNode(half, name="after", output_name="two", wait_for="done"),
        ],
        name="waiting",
    )
    assert waiting.plan.is_dynamic
    assert {"one", "two"} <= surely_written(waiting)
    assert "three" not in surely_written(waiting)
    gated = Graph(
        [
            IfElseNode(is_even, "first", END, name="g"),
            FunctionNode(inc, name="first", output_name="one", emit="done"),
            FunctionNode(half, name="after", output_name="two", wait_for="done"),
        ],
        name="gated_waiting",
    )
    assert "two" not in surely_written(gated)
    assert "two" not in SyncRunner().run(gated, a=1).values  # is_even(1): first never runs
