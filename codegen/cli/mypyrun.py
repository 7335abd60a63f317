"""``hypergraph check --mypy``: mypy --strict on a compiled module, whatever the install.

mypy finds installed packages through the interpreter's site-packages, but not packages
installed in editable mode (their import hooks are invisible to it) nor modules that import
from the current directory when mypy runs elsewhere. So every top-level package the module
imports that does not live in site-packages has its parent folder put on mypy's search path,
through a private configuration file (the project's own mypy settings do not apply: the
module is checked with ``--strict`` alone).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import site
import sys
import sysconfig
import tempfile
from dataclasses import replace
from pathlib import Path

from codegen.cli.diagnostics import Diagnostic, column_of, display_path
from codegen.pipeline import CompiledModule

__all__ = ["mypy_diagnostics", "search_path"]


def _imports(source: str) -> set[str]:
    """Dotted names of every absolute import in `source` (inside functions too)."""
    found: set[str] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return {name for name in found if name.partition(".")[0] not in _SKIPPED}


_SKIPPED = frozenset(sys.stdlib_module_names) | {"__future__"}
_LIMIT = 500  # modules read at most: enough for a project's node code, bounded for huge ones


def _site_folders() -> set[str]:
    folders = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    folders.update(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        folders.add(site.getusersitepackages())
    return {os.path.realpath(f) for f in folders}


def _root_of(name: str, origin: str) -> str:
    """The folder to put on the search path so that module `name` at `origin` is found."""
    folder = os.path.dirname(origin)
    depth = name.count(".") + (os.path.basename(origin) == "__init__.py")
    for _ in range(depth):
        folder = os.path.dirname(folder)
    return os.path.realpath(folder)


def search_path(source: str) -> list[str]:
    """Folders mypy needs on its path for what `source` imports, directly or through modules
    outside site-packages (user code, editable installs), which mypy follows."""
    installed = _site_folders()
    found: list[str] = []
    pending = sorted(_imports(source))
    seen: set[str] = set(pending)
    while pending and len(seen) < _LIMIT:
        name = pending.pop(0)
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError, AttributeError):
            continue
        if spec is None or not spec.origin or not os.path.isfile(spec.origin):
            continue
        root = _root_of(name, spec.origin)
        if root in installed or any(root.startswith(f + os.sep) for f in installed):
            continue  # mypy finds it through the interpreter (PEP 561)
        if root not in found:
            found.append(root)
        if spec.origin.endswith(".py"):
            text = Path(spec.origin).read_text(encoding="utf-8", errors="replace")
            for imported in sorted(_imports(text) - seen):
                seen.add(imported)
                pending.append(imported)
    return found


def _config(folder: Path, paths: list[str]) -> Path:
    config = folder / "mypy.ini"
    lines = ["[mypy]"]
    if paths:
        lines.append(f"mypy_path = {','.join(paths)}")
    # hypergraph itself is not under check here, only what the module does with it
    lines += ["", "[mypy-hypergraph.*]", "follow_imports = silent", ""]
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def mypy_diagnostics(module: CompiledModule) -> list[Diagnostic]:
    """Run ``mypy --strict`` on the compiled module; complaints are mapped to the spec entry of
    the node whose call they are about (else to the spec's ``[graph]``)."""
    from mypy import api

    spec = module.spec
    with tempfile.TemporaryDirectory(prefix="hypergraph-mypy-") as temp:
        target = Path(temp) / f"{module.name}.py"
        target.write_text(module.source, encoding="utf-8")
        config = _config(Path(temp), search_path(module.source))
        stdout, stderr, status = api.run(
            [
                "--config-file",
                str(config),
                "--strict",
                "--no-error-summary",
                "--show-error-codes",
                "--no-incremental",
                "--cache-dir",
                os.devnull,
                str(target),
            ]
        )
        found: list[Diagnostic] = []
        for raw in stdout.splitlines():
            head, sep, rest = raw.partition(": ")
            kind, _, message = rest.partition(": ")
            if not sep or kind not in ("error", "note"):
                continue
            file_part, _, line_part = head.rpartition(":")
            if kind == "note":
                if found:  # a note explains the error before it
                    last = found[-1]
                    hint = f"{last.hint}; {message}" if last.hint else message
                    found[-1] = replace(last, hint=hint)
                continue
            found.append(_located(module, target, file_part, line_part, message))
        if status == 2 and not found:  # mypy itself failed (bad configuration, crash)
            text = (stderr or stdout).strip().splitlines()
            found.append(
                Diagnostic(
                    file=spec.path,
                    line=1,
                    column=1,
                    severity="error",
                    code="HG401",
                    message=f"mypy could not check the compiled module: {' '.join(text[-3:])}",
                    spec=spec.path,
                )
            )
        return found


def _located(
    module: CompiledModule, target: Path, file_part: str, line_part: str, message: str
) -> Diagnostic:
    spec = module.spec
    if Path(file_part) == target and line_part.isdigit():
        node = module.node_lines.get(int(line_part))
        line = spec.line_of(spec.path_of_node(node)) if node else None
        who = f"node {node!r}: " if node else f"generated line {line_part}: "
        return Diagnostic(
            file=spec.path,
            line=line or 1,
            column=column_of(spec.text, line) if line else 1,
            severity="error",
            code="HG401",
            message=f"{who}{message}",
            spec=spec.path,
            node=node,
        )
    return Diagnostic(
        file=display_path(os.path.abspath(file_part)) if file_part else spec.path,
        line=int(line_part) if line_part.isdigit() else 1,
        column=1,
        severity="error",
        code="HG401",
        message=message,
        spec=spec.path,
    )
