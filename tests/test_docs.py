"""Run every ```python block of docs/*.md and README.md.

The blocks of one file run in order in one fresh namespace (so a later block may use what an
earlier one defined), with the repository root as working directory. Top-level `await` works:
a block that uses it is compiled with PyCF_ALLOW_TOP_LEVEL_AWAIT and its coroutine is run with
asyncio.run. One test per file; files without python blocks are skipped.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import os
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def markdown_files() -> list[Path]:
    files = sorted((ROOT / "docs").rglob("*.md")) if (ROOT / "docs").is_dir() else []
    readme = ROOT / "README.md"
    if readme.is_file():
        files.append(readme)
    return files


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(first line number, source) of every ```python block."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start(1)) + 1
        blocks.append((line, match.group(1)))
    return blocks


def run_block(source: str, namespace: dict[str, Any], filename: str, line: int) -> None:
    padded = "\n" * (line - 1) + source  # tracebacks point at the Markdown line
    # dont_inherit: this file's `from __future__ import annotations` must not leak into docs
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    code = compile(padded, filename, "exec", flags=flags, dont_inherit=True)
    result = eval(code, namespace)  # a coroutine when the block awaits at top level
    if inspect.iscoroutine(result):
        asyncio.run(result)


FILES = markdown_files()


def test_there_are_python_blocks_to_run() -> None:
    assert sum(len(python_blocks(p)) for p in FILES) > 0


def _id(path: Path) -> str:
    """The file name, or the path from the root if two files share a name."""
    if sum(p.name == path.name for p in FILES) > 1:
        return path.relative_to(ROOT).as_posix()
    return path.name


@pytest.mark.parametrize("path", FILES, ids=[_id(p) for p in FILES])
def test_markdown_python_blocks_run(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(path)
    if not blocks:
        pytest.skip(f"{path.name} has no python blocks")
    monkeypatch.chdir(ROOT)
    # a real (temporary) module, so dataclasses, pickling and get_type_hints find the namespace
    module = types.ModuleType(f"_doc_{path.stem.replace('-', '_')}")
    module.__file__ = str(path)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for line, source in blocks:
        try:
            run_block(source, module.__dict__, str(path), line)
        except Exception as exc:
            where = path.relative_to(ROOT).as_posix()
            raise AssertionError(f"{where}: the block at line {line} failed: {exc!r}") from exc


def test_block_runner_supports_top_level_await_and_shared_namespace() -> None:
    namespace: dict[str, Any] = {"__name__": "probe"}
    run_block("import asyncio\nx = 1\n", namespace, "<probe>", 1)
    run_block("await asyncio.sleep(0)\ny = x + 1\n", namespace, "<probe>", 3)
    assert namespace["y"] == 2
    with pytest.raises(AssertionError):
        run_block("assert y == 3\n", namespace, "<probe>", 5)
    assert os.getcwd()  # cwd is untouched outside the doc tests
    run_block("def f(x: int) -> int: ...\n", namespace, "<probe>", 7)
    assert namespace["f"].__annotations__ == {"x": int, "return": int}  # no inherited future


def test_fence_extraction_ignores_other_languages(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("text\n```python\na = 1\n```\n```text\nnot python\n```\n```python\nb = 2\n```\n")
    assert python_blocks(doc) == [(3, "a = 1\n"), (9, "b = 2\n")]
