"""The README's promises: two commands at the top, and CI runs the same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_starts_with_install_and_test_commands() -> None:
    blocks = _bash_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 2
    main_job, tests = blocks[0], blocks[1]
    assert main_job.startswith("pip install")
    assert "specs/" in main_job
    assert "hypergraph run" in main_job
    assert tests.startswith("python -m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    tests = _bash_blocks((ROOT / "README.md").read_text())[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert tests in ci_lines


def test_main_job_inputs_exist() -> None:
    main_job = _bash_blocks((ROOT / "README.md").read_text())[0]
    for path in re.findall(r"specs/[\w./]+", main_job):
        assert (ROOT / path).is_file(), path
