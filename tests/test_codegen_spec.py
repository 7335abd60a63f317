"""Spec loading and resolution: format, errors with field paths, graph building."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from codegen import CompileError, SpecError, compile_graph, compile_loaded
from codegen.spec.load import parse_spec
from codegen.spec.locate import locate
from codegen.spec.resolve import resolve
from hypergraph import FunctionNode, Graph, SyncRunner

HEAD = '[graph]\nname = "g"\n'


def _graph(text: str) -> Graph:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return resolve(parse_spec(text, "t.toml"))


def test_nodes_functions_renames_bind_select() -> None:
    graph = _graph(
        HEAD
        + 'select = ["out"]\n[graph.bind]\nfactor = 3\n'
        + '[[nodes]]\nref = "codegen_specs_nodes:first"\n'
        + '[[nodes]]\nref = "codegen_specs_nodes:second"\n'
        + '[[nodes]]\nref = "codegen_specs_nodes:plain"\noutput = "out"\nname = "negate"\n'
    )
    assert list(graph.nodes) == ["first", "second", "negate"]
    assert graph.inputs.bound == {"factor": 3}
    assert SyncRunner().run(graph, x=1).values == {"out": -6}


def test_graph_entries_inline_nodes_and_binds() -> None:
    graph = _graph(HEAD + '[[nodes]]\ngraph = "codegen_specs_nodes:INNER_BOUND"\n')
    assert list(graph.nodes) == ["first", "second"]
    assert SyncRunner().run(graph, x=1).values == {"y": 2, "z": 20}


def test_rename_inputs_reaches_the_real_parameter() -> None:
    graph = _graph(
        HEAD + '[[nodes]]\nref = "codegen_specs_nodes:plain"\noutput = "w"\n'
        'rename_inputs = { z = "value" }\n'
    )
    source = compile_graph(graph)
    assert "w = plain(z=value)" in source


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (
            '[[nodes]]\nref = "codegen_specs_nodes:first"\noutput = "q"\n',
            "nodes[0].output",
            "already names its outputs",
        ),
        (
            '[[nodes]]\ngraph = "codegen_specs_nodes:INNER"\nname = "x"\n',
            "nodes[0].name",
            "applies to single nodes",
        ),
        (
            '[[nodes]]\nref = "codegen_specs_nodes:INNER"\n',
            "nodes[0].ref",
            "is a Graph; write graph =",
        ),
        ('[[nodes]]\ngraph = "codegen_specs_nodes:first"\n', "nodes[0].graph", "not a Graph"),
        (
            '[[nodes]]\nref = "codegen_specs_nodes:NOT_A_NODE"\n',
            "nodes[0].ref",
            "not a node or a function",
        ),
        ('[[nodes]]\nname = "x"\n', "nodes[0]", "exactly one of 'ref'"),
        (
            '[[nodes]]\nref = "codegen_specs_nodes:plain"\nrename_inputs = { q = "r" }\n',
            "nodes[0]",
            "cannot make a node",
        ),
        ("[[nodes]]\nref = 1\n", "nodes[0].ref", "Input should be a valid string"),
    ],
)
def test_mistakes_name_the_field(body: str, path: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        _graph(HEAD + body)
    assert caught.value.path == path
    assert message in caught.value.message
    assert caught.value.format().startswith("t.toml")


def test_empty_node_list_is_reported() -> None:
    with pytest.raises(SpecError, match="nodes: List should have at least 1 item"):
        _graph("nodes = []\n" + HEAD)


def test_unknown_runner_value_is_reported() -> None:
    with pytest.raises(SpecError, match=r"graph\.runner: Input should be 'sync' or 'async'"):
        _graph(HEAD + 'runner = "threads"\n[[nodes]]\nref = "m:f"\n')


def test_locate_finds_lines() -> None:
    text = HEAD + "[graph.bind]\nk = 1\n[[nodes]]\nref = 'a:b'\n[[nodes]]\n\nref = 'c:d'\n"
    assert locate(text, "graph.name") == 2
    assert locate(text, "graph.bind.k") == 4
    assert locate(text, "nodes[1].ref") == 9
    assert locate(text, "nodes[1]") == 7


def test_local_functions_are_refused_and_cycles_compile() -> None:
    def local(x: int) -> int:
        return x

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local_graph = Graph([FunctionNode(local, output_name="y")])
    with pytest.raises(CompileError, match="local function"):
        compile_graph(local_graph)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from codegen_fixtures import inc

        loop = Graph(
            [
                FunctionNode(inc, name="ping", output_name="b"),
                FunctionNode(inc, name="pong", output_name="a").rename_inputs(a="b"),
            ],
            entrypoint="ping",
        )
    assert "while True:" in compile_graph(loop)  # a gate-less loop: stops when values settle


def test_compile_loaded_names_the_spec_in_compile_errors(tmp_path: Path) -> None:
    loaded = parse_spec(
        HEAD + '[[nodes]]\nref = "codegen_specs_nodes:plain"\noutput = "out"\n'
        'rename_inputs = { z = "run" }\n',
        "t.toml",
    )
    with pytest.raises(SpecError, match="'run' is a name the compiled module uses itself") as info:
        compile_loaded(loaded)
    assert info.value.file == "t.toml"
