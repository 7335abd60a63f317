"""``hypergraph run --input name=value``: the text is parsed by the input's declared type."""

from __future__ import annotations

import json
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Literal, TypedDict

import pytest

from codegen.cli.inputtypes import typed_value
from codegen.errors import UsageError


class Mode(Enum):
    FAST = "fast"
    SLOW = "slow"


class Point(TypedDict):
    x: int
    y: int


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (str, "123", "123"),
        (str, "[1, 2]", "[1, 2]"),
        (str, "", ""),
        (int, "123", 123),
        (float, "1.5", 1.5),
        (float, "2", 2.0),
        (bool, "true", True),
        (bool, "false", False),
        (int | None, "null", None),
        (int | None, "7", 7),
        (str | None, "null", "null"),  # with str in the type, the text is kept
        (int | str, "123", "123"),
        (list[int], "[1, 2]", [1, 2]),
        (list[str], '["a", "b"]', ["a", "b"]),
        (tuple[int, str], '[1, "a"]', (1, "a")),
        (dict[str, float], '{"a": 1}', {"a": 1.0}),
        (Point, '{"x": 1, "y": 2}', {"x": 1, "y": 2}),
        (Literal["a", "b"], "b", "b"),
        (Mode, "fast", Mode.FAST),
        (Any, "42", 42),
        (Any, "hello", "hello"),
        (Any, '{"k": [1]}', {"k": [1]}),
    ],
)
def test_values_are_parsed_by_their_declared_type(kind: Any, text: str, expected: Any) -> None:
    value = typed_value("x", text, kind)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (int, "abc", "--input x='abc': not a valid int: "),
        (list[int], "[1, oops]", "not a valid list[int]"),
        (list[int], '["a"]', "not a valid list[int]: 0: Input should be a valid integer"),
        (Literal["a", "b"], "c", "not a valid Literal['a', 'b']"),
        (bool, "maybe", "not a valid bool"),
    ],
)
def test_values_that_do_not_fit_are_clear_errors(kind: Any, text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        typed_value("x", text, kind)
    assert message in str(caught.value)


def test_types_the_command_line_cannot_express_are_refused() -> None:
    class Opaque:
        pass

    with pytest.raises(
        UsageError, match=r"values of type .*Opaque cannot be given on the command line"
    ):
        typed_value("x", "1", Opaque)


NODES = """\
def echo(text: str, count: int, tags: list[str], ratio: float = 0.5) -> dict[str, object]:
    return {"text": text, "count": count, "tags": tags, "ratio": ratio}


def anything(raw):
    return raw
"""
SPEC = (
    '[graph]\nname = "echo"\n\n[[nodes]]\nref = "echonodes:echo"\noutput = "out"\n\n'
    '[[nodes]]\nref = "echonodes:anything"\noutput = "same"\n'
)


def hg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hypergraph", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_run_parses_each_input_by_the_compiled_signature(tmp_path: Path) -> None:
    (tmp_path / "echonodes.py").write_text(NODES)
    (tmp_path / "echo.toml").write_text(SPEC)
    args = ["--input", "text=123", "--input", "count=4", "--input", 'tags=["a", "b"]']
    result = hg("run", "echo.toml", *args, "--input", "raw=[1, 2]", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    assert outputs["out"] == {"text": "123", "count": 4, "tags": ["a", "b"], "ratio": 0.5}
    assert outputs["same"] == [1, 2]  # unannotated: JSON when it parses
    bad = hg("run", "echo.toml", *args, "--input", "count=four", "--input", "raw=1", cwd=tmp_path)
    assert bad.returncode == 2
    assert "--input count='four': not a valid int" in bad.stderr
    assert "Traceback" not in bad.stderr
