"""The work behind ``hypergraph compile`` and ``hypergraph check``."""

from __future__ import annotations

import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from codegen import CompiledModule, compile_loaded
from codegen.errors import CodegenError, SpecError
from codegen.resolve import resolve
from codegen.spec import LoadedSpec, load_spec
from codegen.write import atomic_write, compare

__all__ = ["check_command", "compile_command", "mypy_diagnostics"]


def _shown(path: str) -> str:
    from codegen.cli import shown

    return shown(path)


def _targets(
    spec_path: str, module: CompiledModule, out: str | None, stubs: str | None
) -> list[tuple[Path, str]]:
    directory = Path(out) if out else Path(spec_path).parent
    targets = [(directory / f"{module.name}.py", module.source)]
    if stubs:
        targets.append((Path(stubs) / f"{module.name}.pyi", module.stub))
    return targets


def compile_command(
    specs: Sequence[str], out: str | None, stubs: str | None, *, check: bool
) -> int:
    """Compile every spec (or compare with disk); 2 on spec errors, 1 on stale files."""
    failed = stale = 0
    planned: list[tuple[Path, str]] = []
    for spec_path in specs:
        try:
            module = compile_loaded(load_spec(_shown(spec_path)))
        except CodegenError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        planned.extend(_targets(spec_path, module, out, stubs))
    names = [path for path, _ in planned]
    duplicates = {p for p in names if names.count(p) > 1}
    if duplicates:
        listed = ", ".join(sorted(p.as_posix() for p in duplicates))
        print(f"error: several specs compile to the same file: {listed}", file=sys.stderr)
        return 2
    for path, text in planned:
        if check:
            result = compare(path, text)
            if result.missing:
                print(f"{path.as_posix()}: missing (run hypergraph compile)")
                stale += 1
            elif result.stale:
                print(f"{path.as_posix()}: stale (run hypergraph compile)")
                sys.stdout.write(result.diff)
                stale += 1
        elif atomic_write(path, text):
            print(f"wrote {path.as_posix()}")
    if failed:
        return 2
    if check:
        if stale:
            print(f"{stale} file(s) out of date", file=sys.stderr)
            return 1
        print(f"{len(planned)} file(s) up to date")
    return 0


def check_command(specs: Sequence[str], *, mypy: bool) -> int:
    """Validate specs and print diagnostics; 1 if any error, 2 if a spec cannot be read."""
    errors = 0
    unreadable = 0
    for spec_path in specs:
        try:
            loaded = load_spec(_shown(spec_path))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                graph = resolve(loaded, enforce_types=False)
        except SpecError as exc:
            print(exc.format())
            unreadable += 1
            continue
        lines = _type_diagnostics(loaded, graph)
        try:
            module = compile_loaded(loaded)
        except SpecError as exc:
            lines.append(("error", exc.format()))
            module = None
        if mypy and module is not None:
            lines += mypy_diagnostics(module)
        for severity, text in lines:
            print(text)
            errors += severity == "error"
        if not lines:
            print(f"{loaded.path}: ok")
    if unreadable:
        return 2
    return 1 if errors else 0


def _type_diagnostics(loaded: LoadedSpec, graph: object) -> list[tuple[str, str]]:
    try:
        from hypergraph.typecheck import check_graph
    except ImportError:  # the type checker is optional in older runtimes
        return []
    found = check_graph(graph, strict=loaded.spec.graph.strict_types)
    return [(d.severity, d.format()) for d in found]


def mypy_diagnostics(module: CompiledModule) -> list[tuple[str, str]]:
    """Run ``mypy --strict`` on the compiled module; complaints are mapped to node names."""
    from mypy import api

    spec = module.spec
    with tempfile.TemporaryDirectory(prefix="hypergraph-mypy-") as temp:
        target = Path(temp) / f"{module.name}.py"
        target.write_text(module.source, encoding="utf-8")
        stdout, _, _ = api.run(
            [
                "--strict",
                "--no-error-summary",
                "--show-error-codes",
                "--no-incremental",
                str(target),
            ]
        )
        found: list[tuple[str, str]] = []
        for raw in stdout.splitlines():
            head, sep, rest = raw.partition(": ")
            if not sep or not rest.startswith(("error:", "note:")):
                continue
            severity = "error" if rest.startswith("error:") else "note"
            message = rest.split(": ", 1)[1]
            file_part, _, line_part = head.rpartition(":")
            if Path(file_part) == target and line_part.isdigit():
                node = module.node_lines.get(int(line_part))
                path = spec.path_of_node(node)
                line = spec.line_of(path) if node else None
                where = f"{spec.path}:{line}" if line else spec.path
                who = f"node {node!r}: " if node else f"generated line {line_part}: "
                found.append((severity, f"{where}: {severity}: {who}{message} [mypy]"))
            else:
                found.append((severity, f"{head}: {severity}: {message} [mypy]"))
        return [item for item in found if item[0] == "error"] + [
            item for item in found if item[0] != "error"
        ]
