"""The name rules that reach the compiler's own checks (issue 20): identifiers, reserved names,
helper prefixes and mangled ``__`` names, drawn where a random string would be refused by the
Graph long before the compiler sees it. Each draw records which layer refused it (the Graph, the
compiler, or neither) and the test holds that against an independent statement of the rules."""

from __future__ import annotations

import builtins
import keyword
import typing
import warnings
from pathlib import Path

import pytest
from codegen_fixtures import FunctionNode, Graph, inc
from codegen_support import load_source
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codegen import CompileError, compile_graph
from codegen.analysis.names import HELPERS, RESERVED, Namespace, check_identifier, check_input
from hypergraph import GraphConfigError
from hypergraph.identifiers import identifier_problem, normal_form_problem

# -- the rules, stated independently of the code under test ---------------------------------


def _refusal(name: str, where: str) -> tuple[str, str] | None:
    """(layer, message fragment) for `name` used as `where` ('input', 'output', 'node'), or
    None when the name compiles. The Graph owns identifier syntax, keywords, NFKC and its own
    reserved names; the compiler owns what is specific to a generated module."""
    if not name.isidentifier():
        return "graph", "is not a Python identifier"
    if keyword.iskeyword(name):
        return "graph", "(it is a keyword)"
    if any(ord(c) > 127 for c in name) and name != _nfkc(name):
        return "graph", "is not in NFKC normal form"
    if where == "output" and name.startswith("_"):
        return "graph", "starts with '_', which is reserved"
    if where == "node" and name == "END":
        return "graph", "reserved for the END route target"
    if where != "output" and name.startswith("__"):
        return "compiler", "starts with '__', which Python mangles"
    if where == "input" and name.startswith("_"):
        return "compiler", "starts with '_', which compiled modules keep for their own helpers"
    if where == "input" and name in RESERVED:
        return "compiler", "is a name the compiled module uses itself"
    return None


def _nfkc(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", name)


IDENTIFIERS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
NAMES = st.one_of(
    IDENTIFIERS,
    st.sampled_from(sorted(RESERVED)),
    st.sampled_from(sorted(HELPERS)),
    st.sampled_from(keyword.kwlist + keyword.softkwlist),
    st.sampled_from(["sum", "type", "list", "print", "builtins", "END", "x", "café", "ñ"]),
    st.sampled_from(["\ufb01le", "\uff58", "x\u00b2", "\u212b", "1x", "a-b"]),
    IDENTIFIERS.map(lambda s: "__" + s.lstrip("_")),
    IDENTIFIERS.map(lambda s: "_" + s.lstrip("_")),
    IDENTIFIERS.map(lambda s: s + "__"),
)


# the names of the other two places: longer than any drawn identifier, so never drawn
INPUT, OUTPUT, NODE = "fixed_input_a", "fixed_output_y", "fixed_node_n"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("names")


def _try(name: str, where: str) -> tuple[str, str, str | None]:
    """Build a one-node graph with `name` in place `where` and compile it: which layer
    refused (graph, compiler, none), the message, and the source when it compiled."""
    inputs, output, node_name = INPUT, OUTPUT, NODE
    if where == "input":
        inputs = name
    elif where == "output":
        output = name
    else:
        node_name = name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            made = FunctionNode(inc, name=node_name, output_name=output)
            graph = Graph([made.rename_inputs(a=inputs)])
    except (GraphConfigError, ValueError) as error:
        return "graph", str(error), None
    try:
        source = compile_graph(graph)
    except CompileError as error:
        return "compiler", str(error), None
    return "none", "", source


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=NAMES, where=st.sampled_from(["input", "output", "node"]))
def test_each_name_is_refused_by_the_layer_that_owns_its_rule(
    workdir: Path, name: str, where: str
) -> None:
    layer, message, source = _try(name, where)
    event(f"{where}: {layer}")
    expected = _refusal(name, where)
    if expected is None:
        assert layer == "none", message
        assert source is not None
        module = load_source(source, workdir)
        inputs = {name if where == "input" else INPUT: 1}
        out = name if where == "output" else OUTPUT
        assert module.run(**inputs) == {out: 2}
        # the TypedDicts carry the names as written: nothing mangled or renamed
        assert set(typing.get_type_hints(module.Inputs)) == set(inputs)
        assert set(typing.get_type_hints(module.Outputs)) == {out}
        return
    assert (layer, expected[1] in message) == (expected[0], True), message
    assert repr(name) in message  # the message names the offending name


@pytest.mark.parametrize(
    ("name", "where", "fragment"),
    [
        ("__x", "input", "starts with '__', which Python mangles in class bodies"),
        ("__x", "node", "starts with '__', which Python mangles in class bodies"),
        ("__", "input", "starts with '__'"),
        ("_x", "input", "starts with '_', which compiled modules keep for their own helpers"),
        ("_drain", "input", "starts with '_'"),
        ("run", "input", "is a name the compiled module uses itself (reserved: Any, "),
        ("Inputs", "input", "reserved"),
        ("max_iterations", "input", "reserved"),
    ],
)
def test_the_compiler_refuses_what_the_graph_lets_through(
    name: str, where: str, fragment: str
) -> None:
    layer, message, _ = _try(name, where)
    assert layer == "compiler"
    assert fragment in message
    assert message.endswith(("; rename it", "(rename_inputs)"))


# -- the rules one by one -------------------------------------------------------------------


def test_identifier_problem_names_each_reason() -> None:
    assert identifier_problem("ok_name") is None
    assert identifier_problem("café") is None
    assert identifier_problem("match") is None  # soft keywords are identifiers
    assert identifier_problem("1x") == "is not a Python identifier"
    assert identifier_problem("") == "is not a Python identifier"
    assert identifier_problem("class") == "is not a Python identifier (it is a keyword)"
    assert identifier_problem("\ufb01le") == (
        "is not in NFKC normal form (Python code reads it as 'file', strings and "
        "run(**inputs) do not); write 'file'"
    )


def test_normal_form_problem_only_for_names_python_reads_differently() -> None:
    assert normal_form_problem("x") is None
    assert normal_form_problem("\u00e9") is None  # composed: already normal
    assert normal_form_problem("e\u0301") is not None  # decomposed: Python composes it
    assert "'x'" in (normal_form_problem("\uff58") or "")


def test_check_identifier_messages() -> None:
    assert check_identifier("value", "output of node 'n'") == "value"
    assert check_identifier("_private", "node name") == "_private"
    with pytest.raises(CompileError) as refused:
        check_identifier(3, "output of node 'n'")
    assert str(refused.value) == "output of node 'n' 3 is not a Python identifier"
    with pytest.raises(CompileError) as refused:
        check_identifier("a b", "node name")
    assert str(refused.value) == "node name 'a b' is not a Python identifier; rename it"
    with pytest.raises(CompileError) as refused:
        check_identifier("for", "node name")
    assert str(refused.value) == (
        "node name 'for' is not a Python identifier (it is a keyword); rename it"
    )
    with pytest.raises(CompileError) as refused:
        check_identifier("__x", "graph input")
    assert str(refused.value) == (
        "graph input '__x' starts with '__', which Python mangles in class bodies (the Inputs "
        "and Outputs TypedDicts); rename it"
    )


def test_check_input_messages() -> None:
    assert check_input("text", "graph input") == "text"
    with pytest.raises(CompileError) as refused:
        check_input("__x", "graph input")
    assert "starts with '__'" in str(refused.value)
    with pytest.raises(CompileError) as refused:
        check_input("_x", "graph input")
    assert str(refused.value) == (
        "graph input '_x' starts with '_', which compiled modules keep for their own helpers; "
        "rename it (rename_inputs)"
    )
    with pytest.raises(CompileError) as refused:
        check_input("SCHEDULE", "graph input")
    assert str(refused.value) == (
        "graph input 'SCHEDULE' is a name the compiled module uses itself (reserved: "
        f"{', '.join(sorted(RESERVED))}); rename it (rename_inputs)"
    )
    with pytest.raises(CompileError, match=r"^bound input 'if' is not a Python identifier"):
        check_input("if", "bound input")


def test_namespace_claims_free_names_and_suffixes_taken_ones() -> None:
    space = Namespace(["taken"])
    assert space.is_taken("taken")
    assert space.is_taken("run")  # RESERVED
    assert space.is_taken("_drain")  # HELPERS
    assert not space.is_taken("fresh")
    assert space.claim("fresh") == "fresh"
    assert space.is_taken("fresh")
    assert space.claim("fresh") == "fresh_"
    assert space.claim("fresh") == "fresh_2"
    assert space.claim("fresh") == "fresh_3"
    assert space.claim("taken") == "taken_"
    assert space.claim("run") == "run_"
    assert space.claim("_drain") == "_drain_"
    assert space.claim("gate", "_decision") == "gate"
    assert space.claim("gate", "_decision") == "gate_decision"
    assert space.claim("gate", "_decision") == "gate_decision2"


def test_namespace_never_claims_a_keyword_or_a_builtin() -> None:
    space = Namespace([])
    assert space.claim("class") == "class_"
    assert space.claim("sum") == "sum_"
    assert space.claim("print") == "print_"
    for name in ("len", "type", "None"):
        claimed = space.claim(name)
        assert claimed != name
        assert not keyword.iskeyword(claimed)
        assert claimed not in dir(builtins)
