"""What a spec file is refused for, exactly (issue 20).

The models are strict: TOML values of the wrong type are refused with the field, its line and
what was expected, never coerced (``strict_types = "yes"`` is not True, ``namespaced = 1`` is
not a bool, a number is not a name). Every other refusal is checked whole too: the file, the
line, the field path and the message, for mistakes in each part of the format (unknown keys,
kinds of entries, gate keys, names, parser limits), and the loader's handling of unreadable
files. Mutation testing showed the suite checked few of these messages whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen import SpecError
from codegen.errors import SpecReadError
from codegen.spec.load import LoadedSpec, display_path, load_spec, parse_spec
from codegen.spec.locate import field_at, locate
from codegen.spec.models import GraphSection, NodeEntry

GRAPH = '[graph]\nname = "g"\n'
NODE = '\n[[nodes]]\nref = "pkg.mod:func"\n'
NESTED = '\n[[nodes]]\nspec = "inner.toml"\nname = "inner"\n'


def _refusal(text: str) -> SpecError:
    with pytest.raises(SpecError) as refused:
        parse_spec(text, "g.toml")
    return refused.value


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('strict_types = "yes"', "Input should be a valid boolean"),
        ('strict_types = "true"', "Input should be a valid boolean"),
        ("strict_types = 1", "Input should be a valid boolean"),
        ("strict_types = 0", "Input should be a valid boolean"),
        ("name = 3", "Input should be a valid string"),
        ("module = true", "Input should be a valid string"),
        ('runner = "Sync"', "Input should be 'sync' or 'async'"),
        ("runner = 1", "Input should be 'sync' or 'async'"),
        ('sync_nodes = "threads"', "Input should be 'thread' or 'inline'"),
        ('select = "out"', "Input should be a valid list"),
        ("select = [1]", "Input should be a valid string"),
        ("entrypoint = 1", "Input should be a valid"),
        ('bind = "x"', "Input should be a valid dictionary"),
    ],
)
def test_graph_section_values_are_not_coerced(line: str, expected: str) -> None:
    key = line.split(" = ")[0]
    text = GRAPH.replace('name = "g"\n', "") if key == "name" else GRAPH
    error = _refusal(text + line + "\n" + NODE)
    assert error.path.startswith(f"graph.{key}")
    assert expected in error.message
    assert error.line == text.count("\n") + 1  # the line of the bad value
    assert error.file == "g.toml"


@pytest.mark.parametrize(
    ("body", "line", "expected"),
    [
        (NODE, "name = 5", "Input should be a valid string"),
        (NODE, "output = 5", "Input should be a valid"),
        (NODE, "rename_inputs = { a = 1 }", "Input should be a valid string"),
        (NODE, 'rename_outputs = "b"', "Input should be a valid dictionary"),
        (NODE, 'emit = ["a", 2]', "Input should be a valid"),
        (NODE, 'kind = "gate"', "Input should be 'node', 'route' or 'ifelse'"),
        (NODE, 'multi_target = "no"', "Input should be a valid boolean"),
        (NODE, "default_open = 0", "Input should be a valid boolean"),
        (NESTED, 'namespaced = "true"', "Input should be a valid boolean"),
        (NESTED, "namespaced = 1", "Input should be a valid boolean"),
        (NESTED, 'expose = "x"', "Input should be a valid list"),
        (NESTED, 'map_over = "x"', "Input should be a valid list"),
        (NESTED, 'map_mode = "zipped"', "Input should be 'zip' or 'product'"),
        (NESTED, 'map_errors = "ignore"', "Input should be 'raise' or 'continue'"),
        (NESTED, "clone = 1", "Input should be a valid"),
    ],
)
def test_node_entry_values_are_not_coerced(body: str, line: str, expected: str) -> None:
    key = line.split(" = ")[0]
    text = GRAPH + body + line + "\n"
    error = _refusal(text)
    assert error.path.startswith(f"nodes[0].{key}")
    assert expected in error.message
    assert error.line == text.count("\n")
    assert error.file == "g.toml"


def test_the_models_themselves_are_strict_frozen_and_closed() -> None:
    for model in (GraphSection, NodeEntry):
        assert model.model_config.get("strict") is True
        assert model.model_config.get("extra") == "forbid"
        assert model.model_config.get("frozen") is True
    section = GraphSection(name="g", strict_types=True)
    assert section.strict_types is True
    with pytest.raises(ValueError, match="valid boolean"):
        GraphSection.model_validate({"name": "g", "strict_types": "yes"})


def test_correct_types_are_accepted_as_written() -> None:
    loaded = parse_spec(
        GRAPH + "strict_types = true\n" + NESTED + 'namespaced = true\nmap_over = ["inner.x"]\n',
        "g.toml",
    )
    assert loaded.spec.graph.strict_types is True
    assert loaded.spec.nodes[0].namespaced is True
    assert loaded.spec.nodes[0].map_over == ["inner.x"]


# -- every other refusal, whole ----------------------------------------------------------------

G = GRAPH
N = NODE
# spec text, then the whole error as printed (None: the spec is valid)
CASES: dict[str, tuple[str, str | None]] = {
    "unknown_top": (
        "extra = 1\n" + G + N,
        "g.toml: error: extra: unknown key 'extra' in the spec; allowed: graph, nodes",
    ),
    "unknown_graph": (
        G + 'colour = "red"\n' + N,
        (
            "g.toml:3: error: graph.colour: unknown key 'colour' in graph; allowed: bind, "
            "entrypoint, events, module, name, run_many, runner, select, strict_types, sync_nodes"
        ),
    ),
    "unknown_node": (
        G + N + 'colour = "red"\n',
        (
            "g.toml:6: error: nodes[0].colour: unknown key 'colour' in nodes[0]; allowed: cache, "
            "clone, default_open, emit, expose, fallback, graph, kind, map_errors, map_mode, "
            "map_over, multi_target, name, namespaced, output, ref, rename_inputs, rename_outputs, "
            "retry, spec, subgraph, targets, timeout, wait_for, when_false, when_true"
        ),
    ),
    "unknown_bind_ok": (
        G + "[graph.bind]\nx = 1\n" + N,
        None,
    ),
    "missing_name": (
        '[graph]\nrunner = "sync"\n' + N,
        "g.toml:1: error: graph.name: required key is missing",
    ),
    "missing_nodes": (
        G,
        "g.toml: error: nodes: required key is missing",
    ),
    "empty_nodes": (
        "nodes = []\n" + G,
        "g.toml: error: nodes: List should have at least 1 item after validation, not 0",
    ),
    "two_problems": (
        '[graph]\nname = 3\nrunner = "x"\n' + N,
        "g.toml:2: error: graph.name: Input should be a valid string (and 1 more problem)",
    ),
    "three_problems": (
        '[graph]\nname = 3\nrunner = "x"\nstrict_types = "y"\n' + N,
        "g.toml:2: error: graph.name: Input should be a valid string (and 2 more problems)",
    ),
    "bad_ref": (
        G + '\n[[nodes]]\nref = "pkg.mod.func"\n',
        (
            "g.toml:5: error: nodes[0].ref: 'pkg.mod.func' is not an import reference; write "
            "'package.module:attribute' (module path, a colon, then the name defined in that "
            "module)"
        ),
    ),
    "ref_newline": (
        G + '\n[[nodes]]\nref = "pkg.mod:func\\n"\n',
        (
            "g.toml:5: error: nodes[0].ref: 'pkg.mod:func\\n' is not an import reference; write "
            "'package.module:attribute' (module path, a colon, then the name defined in that "
            "module)"
        ),
    ),
    "bad_name": (
        G + N + 'name = "a-b"\n',
        (
            "g.toml:6: error: nodes[0].name: 'a-b' is not a Python identifier (ASCII letters, "
            "digits, '_')"
        ),
    ),
    "graph_name": (
        '[graph]\nname = "1g"\n' + N,
        "g.toml:2: error: graph.name: '1g' is not a Python identifier (ASCII letters, digits, '_')",
    ),
    "module_kw": (
        G + 'module = "class"\n' + N,
        (
            "g.toml:3: error: graph.module: 'class' is a Python keyword; a module of that name "
            "cannot be imported"
        ),
    ),
    "module_soft": (
        G + 'module = "match"\n' + N,
        (
            "g.toml:3: error: graph.module: 'match' is a Python keyword; a module of that name "
            "cannot be imported"
        ),
    ),
    "module_std": (
        G + 'module = "json"\n' + N,
        (
            "g.toml:3: error: graph.module: 'json' is a standard library module; a compiled module "
            "of that name would shadow it: pick another name"
        ),
    ),
    "module_long": (
        G + 'module = "' + "m" * 101 + '"\n' + N,
        "g.toml:3: error: graph.module: module name of 101 characters is too long (at most 100)",
    ),
    "module_bad": (
        G + 'module = "a.b"\n' + N,
        (
            "g.toml:3: error: graph.module: 'a.b' is not an importable module name: use ASCII "
            "letters, digits and '_', not starting with a digit"
        ),
    ),
    "spec_path_empty": (
        G + '\n[[nodes]]\nspec = ""\n',
        (
            "g.toml:5: error: nodes[0].spec: '' is not a path: give a non-empty path of printable "
            "characters"
        ),
    ),
    "spec_path_nonprint": (
        G + '\n[[nodes]]\nspec = "a\\tb"\n',
        (
            "g.toml:5: error: nodes[0].spec: 'a\\tb' is not a path: give a non-empty path of "
            "printable characters"
        ),
    ),
    "spec_path_not_toml": (
        G + '\n[[nodes]]\nspec = "/etc/passwd"\n',
        (
            "g.toml:5: error: nodes[0].spec: '/etc/passwd' is not a spec file: a nested spec is a "
            ".toml file"
        ),
    ),
    "two_kinds": (
        G + '\n[[nodes]]\nref = "a:b"\ngraph = "a:c"\n',
        (
            "g.toml:4: error: nodes[0]: give exactly one of 'ref' (a node or function), 'graph' (a "
            "Graph to inline), 'subgraph' (a Graph nested as one node) or 'spec' (a spec nested as "
            "one node)"
        ),
    ),
    "no_kind": (
        G + '\n[[nodes]]\nname = "x"\n',
        (
            "g.toml:4: error: nodes[0]: give exactly one of 'ref' (a node or function), 'graph' (a "
            "Graph to inline), 'subgraph' (a Graph nested as one node) or 'spec' (a spec nested as "
            "one node)"
        ),
    ),
    "nesting_on_ref": (
        G + N + "namespaced = true\n",
        (
            "g.toml:6: error: nodes[0].namespaced: 'namespaced' applies to nested graphs "
            "('subgraph', 'spec') only"
        ),
    ),
    "output_on_spec": (
        G + '\n[[nodes]]\nspec = "in.toml"\noutput = "x"\n',
        "g.toml:6: error: nodes[0].output: 'output' applies to single nodes ('ref') only",
    ),
    "emit_on_sub": (
        G + '\n[[nodes]]\nsubgraph = "a:G"\nemit = "x"\n',
        "g.toml:6: error: nodes[0].emit: 'emit' applies to single nodes ('ref') only",
    ),
    "map_mode_no_map": (
        G + '\n[[nodes]]\nspec = "in.toml"\nmap_mode = "product"\n',
        "g.toml:6: error: nodes[0].map_mode: 'map_mode' needs 'map_over'",
    ),
    "map_errors_no_map": (
        G + '\n[[nodes]]\nspec = "in.toml"\nmap_errors = "continue"\n',
        "g.toml:6: error: nodes[0].map_errors: 'map_errors' needs 'map_over'",
    ),
    "clone_no_map": (
        G + '\n[[nodes]]\nspec = "in.toml"\nclone = true\n',
        "g.toml:6: error: nodes[0].clone: 'clone' needs 'map_over'",
    ),
    "graph_extra_name": (
        G + '\n[[nodes]]\ngraph = "a:G"\nname = "x"\n',
        (
            "g.toml:6: error: nodes[0].name: 'name' applies to single nodes ('ref'), not to a "
            "'graph' entry"
        ),
    ),
    "graph_extra_wait": (
        G + '\n[[nodes]]\ngraph = "a:G"\nwait_for = "x"\n',
        (
            "g.toml:6: error: nodes[0].wait_for: 'wait_for' applies to single nodes ('ref'), not "
            "to a 'graph' entry"
        ),
    ),
    "graph_extra_rout": (
        G + '\n[[nodes]]\ngraph = "a:G"\nrename_outputs = {a = "b"}\n',
        (
            "g.toml:6: error: nodes[0].rename_outputs: 'rename_outputs' applies to single nodes "
            "('ref'), not to a 'graph' entry"
        ),
    ),
    "kind_no_ref": (
        G + '\n[[nodes]]\nspec = "in.toml"\nkind = "route"\n',
        (
            'g.toml:6: error: nodes[0].kind: kind = "route" declares a gate on a plain function: '
            "it needs 'ref'"
        ),
    ),
    "targets_on_node": (
        G + N + 'targets = ["a"]\n',
        (
            "g.toml:6: error: nodes[0].targets: 'targets' applies to gates declared with kind = "
            '"route" only'
        ),
    ),
    "when_true_on_route": (
        G + N + 'kind = "route"\ntargets = ["a"]\nwhen_true = "a"\n',
        (
            "g.toml:8: error: nodes[0].when_true: 'when_true' applies to gates declared with kind "
            '= "ifelse" only'
        ),
    ),
    "default_open_on_node": (
        G + N + "default_open = false\n",
        (
            "g.toml:6: error: nodes[0].default_open: 'default_open' applies to gates declared with "
            'kind = "route" or kind = "ifelse" only'
        ),
    ),
    "gate_output": (
        G + N + 'kind = "route"\ntargets = ["a"]\noutput = "x"\n',
        (
            "g.toml:8: error: nodes[0].output: a gate's only output is its decision, named '_<node "
            "name>'; remove 'output' (kind = \"route\")"
        ),
    ),
    "route_no_targets": (
        G + N + 'kind = "route"\n',
        (
            'g.toml:6: error: nodes[0].kind: a kind = "route" gate needs targets = ["node", ..., '
            '"END"]'
        ),
    ),
    "route_empty_targets": (
        G + N + 'kind = "route"\ntargets = []\n',
        'g.toml:7: error: nodes[0].targets: give at least one target (node names and/or "END")',
    ),
    "route_fallback_multi": (
        G + N + 'kind = "route"\ntargets = ["a"]\nfallback = "a"\nmulti_target = true\n',
        (
            "g.toml:8: error: nodes[0].fallback: fallback cannot be combined with multi_target = "
            "true (return [] or None to route nowhere)"
        ),
    ),
    "ifelse_missing": (
        G + N + 'kind = "ifelse"\nwhen_true = "a"\n',
        (
            "g.toml:6: error: nodes[0].kind: a kind = \"ifelse\" gate needs 'when_true' and "
            "'when_false'"
        ),
    ),
    "ifelse_same": (
        G + N + 'kind = "ifelse"\nwhen_true = "a"\nwhen_false = "a"\n',
        (
            "g.toml:8: error: nodes[0].when_false: when_true and when_false are both 'a'; a branch "
            "needs two different targets"
        ),
    ),
    "targets_bad": (
        G + N + 'kind = "route"\ntargets = [1]\n',
        (
            'g.toml:7: error: nodes[0].targets: targets is a list of node names and/or "END" '
            '(targets = ["a", "END"]), or a table of descriptions (targets = { a = "why", END = '
            '"why" })'
        ),
    ),
    "targets_table_bad": (
        G + N + 'kind = "route"\ntargets = { a = 1 }\n',
        (
            'g.toml:7: error: nodes[0].targets: targets is a list of node names and/or "END" '
            '(targets = ["a", "END"]), or a table of descriptions (targets = { a = "why", END = '
            '"why" })'
        ),
    ),
    "toml_syntax": (
        G + "name = \n" + N,
        "g.toml:3: error: TOML syntax: Invalid value (at line 3, column 8)",
    ),
    "long_int": (
        G + "[graph.bind]\nx = " + "1" * 5000 + "\n" + N,
        (
            "g.toml:4: error: graph.bind.x: integer of more than 4300 digits: Python does not "
            "convert integers that long; write the value as a string"
        ),
    ),
    "nesting": (
        G + "[graph.bind]\nx = " + "[" * 101 + "]" * 101 + "\n" + N,
        "g.toml:4: error: graph.bind.x: arrays or inline tables nested more than 100 levels deep",
    ),
    "nesting_in_string_ok": (
        G
        + '[graph.bind]\nx = "'
        + "[" * 150
        + "\"\ny = '''\n"
        + "{" * 150
        + "\n'''\n# "
        + "[" * 150
        + "\n"
        + N,
        None,
    ),
    "node2_bad": (
        G + N + N + "name = 5\n",
        "g.toml:9: error: nodes[1].name: Input should be a valid string",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_mistake_is_reported_exactly(name: str) -> None:
    text, expected = CASES[name]
    if expected is None:
        assert parse_spec(text, "g.toml").spec.graph.name == "g"
        return
    with pytest.raises(SpecError) as refused:
        parse_spec(text, "g.toml")
    error = refused.value
    assert error.format() == expected
    assert str(error) == expected
    assert error.file == "g.toml"
    if error.line is not None:  # the line named holds the field named
        line = text.splitlines()[error.line - 1]
        key = error.path.rsplit(".", 1)[-1].split("[")[0]
        assert key in line or line.startswith("[") or error.path == ""


def test_load_spec_reads_validates_and_keeps_both_paths(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "g.toml"
    path.parent.mkdir()
    text = G + N
    path.write_text(text, encoding="utf-8")
    loaded = load_spec(path, "shown/g.toml")
    assert loaded.path == "shown/g.toml"
    assert loaded.location == str(path)
    assert loaded.directory == path.parent
    assert loaded.text == text
    import hashlib

    assert loaded.digest == hashlib.sha256(text.encode()).hexdigest()
    assert loaded.spec.nodes[0].ref == "pkg.mod:func"
    default = load_spec(path)
    assert default.path == path.as_posix()
    assert display_path(Path("a") / "b.toml") == "a/b.toml"


def test_load_spec_refusals_name_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SpecReadError) as refused:
        load_spec(tmp_path, "folder.toml")
    assert refused.value.format() == (
        "folder.toml: error: cannot read the spec: not a regular file"
    )
    with pytest.raises(SpecReadError) as refused:
        load_spec(tmp_path / "absent.toml", "absent.toml")
    assert refused.value.format() == (
        "absent.toml: error: cannot read the spec: No such file or directory"
    )
    with pytest.raises(SpecReadError) as refused:
        load_spec("nul\x00.toml", "nul.toml")
    assert refused.value.format().startswith("nul.toml: error: cannot read the spec: ")
    assert "null" in refused.value.format()
    binary = tmp_path / "latin.toml"
    binary.write_bytes(b'[graph]\nname = "caf\xe9"\n')
    with pytest.raises(SpecError) as refused:
        load_spec(binary, "latin.toml")
    assert not isinstance(refused.value, SpecReadError)
    assert refused.value.format() == (
        "latin.toml: error: the spec is not UTF-8 text: 'utf-8' codec can't decode byte 0xe9 "
        "in position 19: invalid continuation byte"
    )
    locked = tmp_path / "locked.toml"
    locked.write_text(G + N)

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(SpecReadError) as refused:
        load_spec(locked, "locked.toml")
    assert refused.value.format() == "locked.toml: error: cannot read the spec: Permission denied"


SPEC = """\
[graph]
name = "g"
module = "g_mod"

[graph.bind]
limit = 3
other = 4

[[nodes]]
ref = "pkg.mod:first"
name = "start"
rename_inputs = { a = "b" }

[[nodes]]
ref = "pkg.mod:second"
output = "y"

[[nodes]]
spec = "inner.toml"
name = "inner"
"""


def test_field_paths_and_lines_locate_each_other() -> None:
    assert locate(SPEC, "graph") == 1
    assert locate(SPEC, "graph.module") == 3
    assert locate(SPEC, "graph.bind") == 5
    assert locate(SPEC, "graph.bind.other") == 7
    assert locate(SPEC, "graph.bind.absent") == 1  # not found: the table's header
    assert locate(SPEC, "nodes") == 9
    assert locate(SPEC, "nodes[1]") == 14
    assert locate(SPEC, "nodes[1].output") == 16
    assert locate(SPEC, "nodes[2].name") == 20
    assert locate(SPEC, "nodes[0].rename_inputs") == 12
    assert locate(SPEC, "nodes[0].absent") == 9
    assert locate(SPEC, "nodes[7]") is None
    assert locate(SPEC, "elsewhere") is None
    assert field_at(SPEC, 3) == "graph.module"
    assert field_at(SPEC, 6) == "graph.bind.limit"
    assert field_at(SPEC, 7) == "graph.bind.other"
    assert field_at(SPEC, 9) == "nodes[0]"
    assert field_at(SPEC, 11) == "nodes[0].name"
    assert field_at(SPEC, 16) == "nodes[1].output"
    assert field_at(SPEC, 20) == "nodes[2].name"
    assert field_at("x = 1\n", 1) == "x"
    assert field_at("[other.table]\nkey = 1\n", 2) == "other.table.key"


def test_the_entry_of_a_node_is_found_by_name_or_function() -> None:
    loaded = parse_spec(SPEC, "g.toml")
    assert isinstance(loaded, LoadedSpec)
    assert loaded.path_of_node("start") == "nodes[0]"
    assert loaded.path_of_node("second") == "nodes[1]"  # unnamed: the function's name
    assert loaded.path_of_node("inner") == "nodes[2]"
    assert loaded.path_of_node("inner/deep") == "nodes[2]"  # a nested call: its outer node
    assert loaded.path_of_node("first") == "nodes"  # renamed: only its name finds it
    assert loaded.path_of_node(None) == "graph"
    assert loaded.line_of("nodes[1].output") == 16
    assert loaded.directory == Path(".")


# -- the parser limits, at their edges ---------------------------------------------------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_is_refused_past_100_levels_and_counted_outside_strings() -> None:
    assert parse_spec(GRAPH + f"[graph.bind]\nx = {_nested(100)}\n" + NODE, "g.toml")
    # siblings do not add up: depth goes down again after each
    siblings = f"[graph.bind]\nx = [{_nested(60)}, {_nested(60)}]\ny = {{a = {_nested(99)}}}\n"
    assert parse_spec(GRAPH + siblings + NODE, "g.toml")
    brackets = "[{" * 80
    hidden = (
        "[graph.bind]\n"
        f'a = "{brackets}\\"{brackets}"\n'  # an escaped quote does not end the string
        f"b = '{brackets}'\n"
        f'c = """\nx{brackets}\n"{brackets}\n"""\n'
        f"d = '''\nx{brackets}\n'''\n"
        f"# {brackets}\n"
        f"e = {_nested(101)}\n"
    )
    text = GRAPH + hidden + NODE
    with pytest.raises(SpecError) as refused:
        parse_spec(text, "g.toml")
    assert refused.value.format() == (
        "g.toml:14: error: graph.bind.e: arrays or inline tables nested more than 100 levels deep"
    )
    assert text.splitlines()[13].startswith("e = ")


def test_an_unclosed_string_is_left_to_the_parser() -> None:
    with pytest.raises(SpecError) as refused:
        parse_spec(GRAPH + 'x = "[[[\n' + NODE, "g.toml")
    assert refused.value.format().startswith("g.toml:3: error: TOML syntax: ")
    with pytest.raises(SpecError, match="TOML syntax"):
        parse_spec(GRAPH + "x = '''[[[\n" + NODE, "g.toml")


def test_integers_longer_than_python_converts_are_refused_at_their_line() -> None:
    import sys

    limit = sys.get_int_max_str_digits()
    ok = GRAPH + "[graph.bind]\nfirst = 1\nx = " + "7" * limit + "\n" + NODE
    assert parse_spec(ok, "g.toml").spec.graph.bind["x"] == int("7" * limit)
    text = GRAPH + "[graph.bind]\nfirst = 1\nsecond = 2\nx = 1_" + "7" * limit + "\n" + NODE
    with pytest.raises(SpecError) as refused:
        parse_spec(text, "g.toml")
    assert refused.value.format() == (
        f"g.toml:6: error: graph.bind.x: integer of more than {limit} digits: Python does not "
        "convert integers that long; write the value as a string"
    )
    # lines count from the file's first character, a leading blank line included
    with pytest.raises(SpecError) as refused:
        parse_spec("\n" + text, "g.toml")
    assert (refused.value.line, refused.value.path) == (7, "graph.bind.x")


def test_load_spec_names_the_file_as_shown_in_a_refusal(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    path.write_text(GRAPH + "[[nodes]]\nref = 'a:b'\ncolour = 1\n", encoding="utf-8")
    with pytest.raises(SpecError) as refused:
        load_spec(path, "specs/g.toml")
    assert refused.value.format().startswith("specs/g.toml:5: error: nodes[0].colour: unknown key")


def test_smaller_rules_of_the_loader_and_the_entries(tmp_path: Path) -> None:
    import hashlib

    # a module name may have exactly MODULE_NAME_BYTES bytes
    assert parse_spec(GRAPH + f'module = "{"m" * 100}"\n' + NODE, "g.toml").spec.graph.module
    # the digest of parsed text defaults to its SHA-256
    text = GRAPH + NODE
    assert parse_spec(text, "g.toml").digest == hashlib.sha256(text.encode()).hexdigest()
    assert parse_spec(text, "g.toml", digest="given").digest == "given"
    # refusals of the file as a whole name no field
    with pytest.raises(SpecReadError) as refused:
        load_spec(tmp_path, "folder.toml")
    assert (refused.value.path, refused.value.line) == ("", None)
    with pytest.raises(SpecReadError) as refused:
        load_spec(tmp_path / "absent.toml", "absent.toml")
    assert refused.value.path == ""
    binary = tmp_path / "latin.toml"
    binary.write_bytes(b"\xff")
    with pytest.raises(SpecError) as refused:
        load_spec(binary)
    assert (refused.value.file, refused.value.path) == (binary.as_posix(), "")
    # a nested entry with map_over takes the mapping keys; 'output' and friends are refused
    nested = GRAPH + '\n[[nodes]]\nspec = "in.toml"\nmap_over = ["x"]\nmap_mode = "product"\n'
    assert parse_spec(nested, "g.toml").spec.nodes[0].map_mode == "product"
    for key, value in (("wait_for", '"s"'), ("output", '"x"'), ("emit", '"s"')):
        entry = f'\n[[nodes]]\nsubgraph = "a:G"\n{key} = {value}\n'
        with pytest.raises(SpecError, match=f"'{key}' applies to single nodes"):
            parse_spec(GRAPH + entry, "g.toml")
    for key, value in (("output", '"x"'), ("rename_inputs", '{a = "b"}'), ("emit", '"s"')):
        entry = f'\n[[nodes]]\ngraph = "a:G"\n{key} = {value}\n'
        with pytest.raises(SpecError, match=f"nodes\\[0\\].{key}: '{key}' applies to single"):
            parse_spec(GRAPH + entry, "g.toml")


def test_unknown_keys_deeper_down_list_no_allowed_keys() -> None:
    text = GRAPH + N + 'rename_inputs = { a = "b" }\n[nodes.extra]\nx = 1\n'
    with pytest.raises(SpecError) as refused:
        parse_spec(text, "g.toml")
    assert refused.value.message == "unknown key 'extra' in nodes[0]; allowed: " + ", ".join(
        sorted(NodeEntry.model_fields)
    )
    text = "[graph]\nname = 'g'\n[graph.bind]\nx = 1\n" + N
    assert parse_spec(text, "g.toml").spec.graph.bind == {"x": 1}
