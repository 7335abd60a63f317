"""The compiler's shape (docs/design.md): what import-linter cannot see.

The import contracts in pyproject.toml (layers, no cycles, private modules imported only inside
their package) are checked by ``lint-imports`` in CI and here. These tests add what
works below the module level: a private *name* imported from a public hypergraph module, and
the size of classes.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODEGEN = ROOT / "codegen"
MAX_CLASS_LINES = 250


def _sources() -> list[Path]:
    return sorted(CODEGEN.rglob("*.py"))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_reaches(source: str) -> list[str]:
    """Imports in `source` of hypergraph's private modules or private names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "hypergraph":
                continue
            names = [alias.name for alias in node.names]
            if any(_private(part) for part in parts) or any(_private(n) for n in names):
                found.append(f"line {node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "hypergraph" and any(_private(part) for part in parts):
                    found.append(f"line {node.lineno}: import {alias.name}")
    return found


def test_private_reaches_are_found() -> None:
    source = (
        "from hypergraph.runners._steps import prepared\n"
        "from hypergraph.__main__ import _EXTRA_MODULES\n"
        "import hypergraph.nodes._ports\n"
        "from hypergraph import Graph\n"
        "from hypergraph.__main__ import version_text\n"
    )
    assert [reach.split(":")[0] for reach in private_reaches(source)] == [
        "line 1",
        "line 2",
        "line 3",
    ]


def test_the_compiler_reads_no_private_hypergraph_module_or_name() -> None:
    found = {
        str(path.relative_to(ROOT)): reaches
        for path in _sources()
        if (reaches := private_reaches(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "use hypergraph's public API (hypergraph.plan, hypergraph.identifiers)"


def test_no_class_of_the_compiler_is_over_250_lines() -> None:
    big = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_CLASS_LINES:
                    big[f"{path.relative_to(ROOT)}:{node.name}"] = size
    assert big == {}, "split these by responsibility"


@pytest.mark.skipif(shutil.which("lint-imports") is None, reason="import-linter not installed")
def test_the_import_contracts_hold() -> None:
    """pyproject.toml's import-linter contracts (the same command CI runs)."""
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else ["lint-imports"]
    done = subprocess.run(
        [*command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
