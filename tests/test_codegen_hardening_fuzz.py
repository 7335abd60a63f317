"""Hostile strings in every string field of a spec (issue 11): the outcome is either a clean
spec error, or a module that compiles, imports without side effects and agrees with the
runtime. Nothing else: no other exception, no traceback, no code run from a spec string."""

from __future__ import annotations

import contextlib
import copy
import io
import keyword
import warnings
from pathlib import Path
from typing import Any

import pytest
from codegen_fixtures import INJECTED
from codegen_support import compiled_outcome, load_source, runner_outcome
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codegen import CompiledModule, SpecError, compile_loaded, load_spec
from codegen.analysis.names import HELPERS, RESERVED
from hypergraph.nodes.graph_node import GraphNode

INNER_SPEC = """\
[graph]
name = "inner"

[[nodes]]
ref = "codegen_specs_nodes:first"

[[nodes]]
ref = "codegen_specs_nodes:second"
"""

BASE: dict[str, Any] = {
    "graph": {"name": "fuzz", "module": "fuzz_mod", "runner": "sync", "bind": {"k": 2}},
    "nodes": [
        {
            "ref": "codegen_fixtures:inc",
            "name": "first_inc",
            "output": "b",
            "rename_inputs": {"a": "x"},
        },
        {
            "ref": "codegen_fixtures:scale",
            "name": "scaled",
            "output": "c",
            "rename_inputs": {"a": "b"},
            "emit": "done",
        },
        {
            "ref": "codegen_fixtures:add",
            "name": "adder",
            "output": ["out"],
            "rename_inputs": {"a": "c", "b": "x"},
            "wait_for": "done",
        },
        {
            "spec": "inner.toml",
            "name": "inner",
            "namespaced": True,
            "expose": ["z"],
            "map_over": ["inner.x"],
            "map_mode": "zip",
            "map_errors": "continue",
        },
        {
            "subgraph": "codegen_specs_nodes:INNER",
            "name": "nested",
            "rename_inputs": {"x": "out"},
            "rename_outputs": {"y": "ny", "z": "nz"},
        },
    ],
}

# (where, what): where the hostile string goes
FIELDS: list[tuple[str, ...]] = [
    ("graph", "name"),
    ("graph", "module"),
    ("graph", "runner"),
    ("graph", "sync_nodes"),
    ("graph", "select"),
    ("graph", "entrypoint"),
    ("graph", "bind", "key"),
    ("graph", "bind", "value"),
    *[
        ("nodes", str(index), key)
        for index, keys in (
            (0, ("ref", "name", "output", "rename_inputs", "rename_outputs", "graph")),
            (1, ("emit", "output", "rename_inputs")),
            (2, ("wait_for", "output", "rename_outputs")),
            (3, ("spec", "name", "expose", "map_over", "clone", "map_mode", "map_errors")),
            (3, ("rename_inputs", "rename_outputs")),
            (4, ("subgraph", "name", "rename_inputs", "rename_outputs")),
        )
        for key in keys
    ],
]

PAYLOADS = [
    "x\n__import__('codegen_fixtures').INJECTED.append('nl')\n",
    "'); __import__('codegen_fixtures').INJECTED.append('q'); ('",
    '"); __import__("codegen_fixtures").INJECTED.append("dq"); ("',
    '"""\n__import__("codegen_fixtures").INJECTED.append("doc")\n"""',
    "x\\",
    "\x00\x1b\u2028",
    "{{ m.source }}{% raw %}",
    "codegen_fixtures:inc\n",
    "codegen_fixtures:INJECTED",
    "../../../../etc/passwd",
    "/",
    ".",
    "a" * 300,
    "\ufb01le",
    "\uff58",
    "inner.x",
    "inner__x",
    "inner.z",
    "END",
    "x",
    "b",
    "done",
]
NAMES = st.sampled_from(
    [
        *sorted(RESERVED),
        *sorted(HELPERS),
        *(name.lstrip("_") for name in sorted(HELPERS)),
        *keyword.kwlist,
        *keyword.softkwlist,
        "type",
        "isinstance",
        "range",
        "bool",
        "__x",
        "_x",
        "caf\u00e9",
    ]
)
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=24),
    st.sampled_from(PAYLOADS),
    NAMES,
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
)


def _toml_string(text: str) -> str:
    parts = []
    for char in text:
        if char in '"\\':
            parts.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(char)
    return '"' + "".join(parts) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def _toml(spec: dict[str, Any]) -> str:
    graph = dict(spec["graph"])
    bind = graph.pop("bind")
    lines = ["[graph]", *(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in graph.items())]
    lines += [
        "",
        "[graph.bind]",
        *(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in bind.items()),
    ]
    for entry in spec["nodes"]:
        lines += [
            "",
            "[[nodes]]",
            *(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in entry.items()),
        ]
    return "\n".join(lines) + "\n"


def _place(spec: dict[str, Any], field: tuple[str, ...], text: str, as_list: bool) -> None:
    """Put `text` into `field` of `spec` (a list element when the field takes lists)."""
    if field[0] == "graph":
        table = spec["graph"]
        if field[1] == "bind":
            if field[2] == "key":
                table["bind"][text] = 5
            else:
                table["bind"]["k"] = text
        elif field[1] == "select":
            table["select"] = ["b", text] if as_list else [text]
        else:
            table[field[1]] = [text] if as_list and field[1] == "entrypoint" else text
        return
    entry = spec["nodes"][int(field[1])]
    key = field[2]
    if key in ("graph", "subgraph", "ref", "spec") and key not in entry:
        for kind in ("ref", "subgraph", "spec"):
            entry.pop(kind, None)
        for extra in ("output", "name", "rename_inputs", "rename_outputs", "emit", "wait_for"):
            entry.pop(extra, None)
    if key in ("rename_inputs", "rename_outputs"):
        mapping = dict(entry.get(key, {}))
        if as_list:  # the hostile string as the new name of an existing port
            old = next(iter(mapping), "a" if key == "rename_inputs" else "b")
            mapping[old] = text
        else:  # the hostile string as the port to rename
            mapping[text] = "renamed"
        entry[key] = mapping
    elif key in ("expose", "map_over", "clone"):
        entry[key] = [*entry.get(key, []), text] if as_list else [text]
    elif key in ("output", "emit", "wait_for"):
        entry[key] = [text] if as_list else text
    else:
        entry[key] = text


def _inputs(graph: Any) -> dict[str, Any]:
    """A value per required input: a list for a mapped port, else an int."""
    mapped = {
        address
        for n in graph.iter_nodes()
        if isinstance(n, GraphNode) and n.inner_map is not None
        for address, local in n.input_pairs
        if local in n.inner_map.params
    }
    return {name: [1, 2, 3] if name in mapped else 3 for name in graph.inputs.required}


def _compile(path: Path) -> CompiledModule | SpecError:
    """The compiled module, or the spec error (any other exception fails the test)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile_loaded(load_spec(path, path.name))
    except SpecError as error:
        return error


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fuzz")
    (directory / "inner.toml").write_text(INNER_SPEC)
    return directory


def test_the_base_spec_compiles_and_agrees(project: Path) -> None:
    (project / "base.toml").write_text(_toml(BASE))
    module = compile_loaded(load_spec(project / "base.toml", "base.toml"))
    compiled = load_source(module.source, project)
    inputs = _inputs(module.graph)
    assert set(inputs) == {"x", "inner.x"}
    expected = runner_outcome(module.graph, "sync", False, inputs)
    assert expected[0] == "ok"
    assert compiled_outcome(compiled, "sync", inputs) == expected


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(FIELDS), text=TEXT, as_list=st.booleans())
def test_hostile_strings_in_every_field(
    project: Path, field: tuple[str, ...], text: str, as_list: bool
) -> None:
    spec = copy.deepcopy(BASE)
    _place(spec, field, text, as_list)
    path = project / "fuzz.toml"
    path.write_text(_toml(spec), encoding="utf-8")
    outcome = _compile(path)
    if isinstance(outcome, SpecError):  # a clean spec error: the file and what is wrong
        event(f"{'.'.join(field)}: spec error")
        assert outcome.file.endswith(".toml")
        assert outcome.message
        assert INJECTED == []
        return
    module = outcome
    event(f"{'.'.join(field)}: compiled")
    compile(module.source, "fuzz_mod.py", "exec", dont_inherit=True)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        compiled = load_source(module.source, project)
    assert printed.getvalue() == ""
    assert INJECTED == []
    inputs = _inputs(module.graph)
    expected = runner_outcome(module.graph, module.spec.spec.graph.runner, False, inputs)
    assert compiled_outcome(compiled, module.spec.spec.graph.runner, inputs) == expected
    assert INJECTED == []
