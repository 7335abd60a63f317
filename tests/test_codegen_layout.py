"""codegen.render.layout writes statements the way ruff format would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codegen.render.layout import declaration

LONG = "a_long_nested_agent_loop_name_for_layout_tests__the_transcript_of_every_round"


def test_declarations_are_laid_out_as_ruff_formats_them(tmp_path: Path) -> None:
    cases = [
        ("short", "int"),
        (LONG, "list[list[str] | None]"),  # a subscript: its brackets open
        (LONG + "_so_far", "list[str]"),
        (LONG, "dict[str, int] | list[int]"),  # a union: in parentheses
        (LONG, "list[str] | None"),
        (LONG[:40], "asyncio.Task[Any]"),  # fits
        (LONG + "_and_even_longer_than_that", "Any"),  # nothing to split: flat
    ]
    lines = [declaration(target, kind, "_ABSENT", 1) for target, kind in cases]
    assert sum("\n" in line for line in lines) == 4
    module = tmp_path / "declared.py"
    module.write_text("def f() -> None:\n" + "\n".join(lines) + "\n")
    ruff = [sys.executable, "-m", "ruff", "format", "--isolated", "--line-length", "100"]
    done = subprocess.run(
        [*ruff, "--no-cache", "--diff", str(module)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
