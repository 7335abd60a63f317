"""Run every ```python block of docs/*.md and README.md.

The blocks of one file run in order in one fresh namespace (so a later block may use what an
earlier one defined), with the repository root as working directory. Top-level `await` works:
a block that uses it is compiled with PyCF_ALLOW_TOP_LEVEL_AWAIT and its coroutine is run with
asyncio.run. One test per file; files without python blocks are skipped.

Expected output written as comments right after a ``print(...)`` line is checked: the comment
lines (a wrapped line continues on the next) must appear in what the block printed, where
``(...)`` and ``...`` stand for any text, ``(pipeline.py:5)`` for any source location, and runs
of whitespace compare equal.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
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


_PRINT = re.compile(r"^(\s*)print\(")


def expected_outputs(source: str) -> list[str]:
    """The output each ``print(...)`` line announces in the comment lines that follow it."""
    lines = source.splitlines()
    found = []
    for index, text in enumerate(lines):
        match = _PRINT.match(text)
        if not match:
            continue
        comment = []
        for following in lines[index + 1 :]:
            stripped = following.strip()
            if not stripped.startswith("#") or not following.startswith(match.group(1) + "#"):
                break
            comment.append(stripped.lstrip("#").strip())
        if comment:
            found.append(" ".join(comment))
    return found


_ANY = re.compile(r"\(\.\.\.\)|\.\.\.")
_LOCATION = re.compile(r"\([\w./-]+\.py:\d+\)")


def output_pattern(expected: str) -> re.Pattern[str]:
    """`expected` as a pattern: ``(...)`` and ``...`` match any text, whitespace any run, and
    a source location such as ``(pipeline.py:5)`` any location (the blocks run from the
    Markdown file, so real locations name it)."""
    pattern = []
    for index, piece in enumerate(_ANY.split(expected)):
        if index:
            pattern.append(r".*?")
        for number, part in enumerate(_LOCATION.split(piece)):
            if number:
                pattern.append(r"\([^()\s]+:\d+\)")
            pattern += [
                r"\s+" if token.isspace() else re.escape(token)
                for token in re.split(r"(\s+)", part)
                if token
            ]
    return re.compile("".join(pattern), re.DOTALL)


def check_printed(source: str, printed: str) -> None:
    """Every expected output of `source` appears, in order, in `printed`."""
    position = 0
    for expected in expected_outputs(source):
        found = output_pattern(expected).search(printed, position)
        assert found, f"printed output lacks: {expected!r}\nprinted:\n{printed}"
        position = found.end()


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
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                run_block(source, module.__dict__, str(path), line)
            check_printed(source, printed.getvalue())
        except Exception as exc:
            where = path.relative_to(ROOT).as_posix()
            raise AssertionError(f"{where}: the block at line {line} failed: {exc!r}") from exc


def test_block_runner_supports_top_level_await_and_shared_namespace() -> None:
    namespace: dict[str, Any] = {"__name__": "probe"}
    run_block("import asyncio\nx = 1\n", namespace, "<probe>", 1)
    before = os.getcwd()
    run_block("await asyncio.sleep(0)\ny = x + 1\n", namespace, "<probe>", 3)
    assert namespace["y"] == 2
    with pytest.raises(AssertionError) as failed:
        run_block("assert y == 3\n", namespace, "<probe>", 5)
    assert failed.traceback[-1].lineno == 4  # 0-based: Markdown line 5
    assert os.getcwd() == before  # running a block leaves the working directory alone
    run_block("def f(x: int) -> int: ...\n", namespace, "<probe>", 7)
    assert namespace["f"].__annotations__ == {"x": int, "return": int}  # no inherited future


def test_printed_output_is_checked_against_the_comments_after_print() -> None:
    source = (
        "print(report)\n"
        "# Type mismatch on 'v': node 'a' (pipeline.py:5) but node 'b'\n"
        "#   expects str (...)\n"
        "x = 1  # not output\n"
        "    print(other)\n"
        "    # second ... line\n"
    )
    assert expected_outputs(source) == [
        "Type mismatch on 'v': node 'a' (pipeline.py:5) but node 'b' expects str (...)",
        "second ... line",
    ]
    check_printed(
        source,
        "Type mismatch on 'v': node 'a' (x.py:1) but node 'b'\n  expects str (x.py:2)\n"
        "second and last line\n",
    )
    wrong = "Type mismatch on 'v': node 'a' (m.md:3) but node 'b' expects str ()"
    with pytest.raises(AssertionError, match=re.escape("lacks: 'second ... line'")):
        check_printed(source, wrong)
    with pytest.raises(AssertionError, match="printed output lacks"):
        check_printed(source, "Type mismatch on 'w': node 'a' (x) but node 'b' expects str\n")


def test_fence_extraction_ignores_other_languages(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("text\n```python\na = 1\n```\n```text\nnot python\n```\n```python\nb = 2\n```\n")
    assert python_blocks(doc) == [(3, "a = 1\n"), (9, "b = 2\n")]


# -- conventions of the pages that follow them (the tutorial): say what a block builds on,
# and mark top-level await as notebook / REPL style ------------------------------------

MARKED_PAGES = [ROOT / "docs" / "tutorial.md", ROOT / "docs" / "specs.md"]
CONTINUES = "# continues"
AWAIT_MARK = "# notebook / REPL style: top-level await"


def leading_comments(source: str) -> list[str]:
    """The comment lines a block starts with."""
    lines = []
    for line in source.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def awaits_at_top_level(tree: ast.AST) -> bool:
    """Whether `await`, `async for` or `async with` occurs outside any function."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(child, ast.Await | ast.AsyncFor | ast.AsyncWith):
            return True
        if awaits_at_top_level(child):
            return True
    return False


def bound_names(tree: ast.AST) -> set[str]:
    """Names a block binds: assignments, definitions, imports, parameters, loop targets."""
    names: set[str] = set()
    for item in ast.walk(tree):
        if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store | ast.Del):
            names.add(item.id)
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(item.name)
        elif isinstance(item, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).partition(".")[0] for alias in item.names)
        elif isinstance(item, ast.arg):
            names.add(item.arg)
        elif isinstance(item, ast.ExceptHandler) and item.name:
            names.add(item.name)
    return names


def borrowed_names(source: str, earlier: set[str]) -> set[str]:
    """Names a block reads that an earlier block of the page defined (and it does not)."""
    tree = ast.parse(source)
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return (read - bound_names(tree)) & earlier


def convention_problems(path: Path) -> list[str]:
    problems = []
    earlier: set[str] = set()
    for line, source in python_blocks(path):
        comments = leading_comments(source)
        borrowed = borrowed_names(source, earlier)
        says_continues = any(c.lower().startswith(CONTINUES) for c in comments)
        if borrowed and not says_continues:
            problems.append(
                f"{path.name}:{line}: the block uses {', '.join(sorted(borrowed))} from earlier "
                f"blocks; start it with '{CONTINUES} <where>: uses ...'"
            )
        awaits = awaits_at_top_level(ast.parse(source))  # parsing accepts a top-level await
        if awaits != (AWAIT_MARK in comments):
            problems.append(
                f"{path.name}:{line}: "
                + ("mark the block with" if awaits else "no top-level await: remove")
                + f" '{AWAIT_MARK}'"
            )
        earlier |= bound_names(ast.parse(source))
    return problems


@pytest.mark.parametrize("path", MARKED_PAGES, ids=[p.name for p in MARKED_PAGES])
def test_blocks_say_what_they_build_on_and_mark_top_level_await(path: Path) -> None:
    assert python_blocks(path)
    assert convention_problems(path) == []


def test_convention_check_catches_unmarked_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nx = 1\n```\n"
        "```python\ny = x + 1\n```\n"  # uses x without saying so
        "```python\n# continues above: uses x\nimport asyncio\nawait asyncio.sleep(x)\n```\n"
        f"```python\n{AWAIT_MARK}\nz = 3\n```\n"  # marked, but awaits nothing
    )
    problems = convention_problems(page)
    assert [p.split(": ", 1)[0] for p in problems] == ["page.md:5", "page.md:8", "page.md:13"]
    assert "uses x from earlier blocks" in problems[0]
    assert "mark the block with" in problems[1]
    assert "no top-level await" in problems[2]


@pytest.mark.slow
def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    """mkdocs build --strict: every page in the nav, no broken link or API reference."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "tutorial.html").is_file()
    reference = (tmp_path / "reference" / "hypergraph.html").read_text(encoding="utf-8")
    assert 'id="hypergraph.SyncRunner"' in reference
