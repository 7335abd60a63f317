"""The spec models are strict (issue 20): TOML values of the wrong type are refused with the
field, its line and what was expected, never coerced (``strict_types = "yes"`` is not True,
``namespaced = 1`` is not a bool, a number is not a name)."""

from __future__ import annotations

import pytest

from codegen import SpecError
from codegen.spec import GraphSection, NodeEntry, parse_spec

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
