"""Mermaid pictures in README.md and docs/*.md: each names the command that draws it, and
equals that command's current output (so no picture goes stale)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from codegen.cli import main

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```mermaid[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
MARKER = re.compile(r"<!-- (hypergraph graph [^\n]*?) -->\n\Z")


def pictures(path: Path) -> list[tuple[int, str | None, str]]:
    """(line, drawing command or None, block text) for every ```mermaid block."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        marker = MARKER.search(text, 0, match.start())
        found.append((line, marker.group(1) if marker else None, match.group(1)))
    return found


FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCKS = [(path, *picture) for path in FILES for picture in pictures(path)]


def test_readme_and_the_pictures_page_show_a_picture() -> None:
    shown = {path.name for path, *_ in BLOCKS}
    assert {"README.md", "pictures.md"} <= shown


@pytest.mark.parametrize(
    ("path", "line", "command", "block"),
    BLOCKS,
    ids=[f"{path.name}:{line}" for path, line, _, _ in BLOCKS],
)
def test_mermaid_block_is_the_current_picture(
    path: Path,
    line: int,
    command: str | None,
    block: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    where = f"{path.relative_to(ROOT)}:{line}"
    assert command is not None, (
        f"{where}: put '<!-- hypergraph graph SPEC [options] -->' on the line before the block"
    )
    args = shlex.split(command)[1:]
    assert "--out" not in args, f"{where}: the picture goes to stdout"
    assert "--format" not in args, f"{where}: Mermaid (the default format) only"
    monkeypatch.chdir(ROOT)
    assert main(args) == 0
    current = capsys.readouterr().out
    assert block == current, f"{where} is stale: replace the block with the output of `{command}`"


def test_the_check_finds_a_stale_or_unmarked_block(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- hypergraph graph specs/agent_loop.toml -->\n```mermaid\nflowchart TB\n```\n"
        "text\n\n```mermaid\nflowchart LR\n```\n"
    )
    (first, second) = pictures(page)
    assert first == (2, "hypergraph graph specs/agent_loop.toml", "flowchart TB\n")
    assert second == (7, None, "flowchart LR\n")
