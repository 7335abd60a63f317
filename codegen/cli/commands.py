"""The work behind ``hypergraph compile`` and ``hypergraph check``: specs in, a Report out."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codegen.cli.diagnostics import (
    Diagnostic,
    Stage,
    code_for,
    column_of,
    display_path,
    from_spec_error,
    read_text,
    relative_file,
)
from codegen.cli.formats import Report
from codegen.errors import RefusedWrite, SpecError, UsageError
from codegen.pipeline import CompiledModule, compile_loaded
from codegen.spec.load import LoadedSpec, load_spec
from codegen.spec.resolve import resolve
from codegen.write import atomic_write, check_replaceable, compare
from hypergraph import Graph
from hypergraph.graph.liveness import LIVENESS_CODES, liveness_warnings
from hypergraph.typecheck import Diagnostic as GraphDiagnostic

__all__ = ["check_command", "compile_command", "compile_one", "graph_diagnostic"]


@dataclass
class _Spec:
    """One spec on its way through a command: what loaded, what it found."""

    path: str
    loaded: LoadedSpec | None = None
    graph: Graph | None = None
    found: list[Diagnostic] = field(default_factory=list)

    def fail(self, exc: SpecError, stage: Stage) -> None:
        text = self.loaded.text if self.loaded is not None else read_text(self.path)
        self.found.append(from_spec_error(exc, stage, text, spec=self.path))

    @property
    def failed(self) -> bool:
        return any(d.severity == "error" for d in self.found)


def _load(path: Path, *, enforce_types: bool) -> _Spec:
    item = _Spec(display_path(path))
    try:
        item.loaded = load_spec(path, item.path)
    except SpecError as exc:
        item.fail(exc, "load")
        return item
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # reported as diagnostics instead
            item.graph = resolve(item.loaded, enforce_types=enforce_types)
    except SpecError as exc:
        item.fail(exc, "resolve")
    return item


def _compile(item: _Spec) -> CompiledModule | None:
    assert item.loaded is not None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile_loaded(item.loaded)
    except SpecError as exc:
        item.fail(exc, "compile")
        return None


def compile_one(path: Path) -> tuple[CompiledModule | None, list[Diagnostic]]:
    """One spec compiled for ``hypergraph run``: the module, or the errors that stopped it."""
    item = _load(path, enforce_types=True)
    module = _compile(item) if item.loaded is not None and item.graph is not None else None
    return module, item.found


def graph_diagnostic(d: GraphDiagnostic, loaded: LoadedSpec) -> Diagnostic:
    """A runtime diagnostic (``graph.validate()``) as a CLI one. Findings about a node's place
    in the graph point at the node's spec entry; type findings at the function's ``def``."""
    code = code_for(d.code)
    entry_line = loaded.line_of(loaded.path_of_node(d.node)) if d.node else None
    file: str = loaded.path
    line: int | None = entry_line
    text: str | None = loaded.text
    if d.code not in LIVENESS_CODES and d.file is not None and d.line is not None:
        file, line, text = relative_file(d.file) or d.file, d.line, read_text(d.file)
    message = d.message if code != "HG200" else f"{d.code}: {d.message}"
    return Diagnostic(
        file=file,
        line=line or 1,
        column=column_of(text, line) if line else 1,
        severity=d.severity,
        code=code,
        message=message,
        spec=loaded.path,
        node=d.node,
        hint=d.hint,
    )


def _strictly(found: list[Diagnostic], strict: bool) -> list[Diagnostic]:
    return [d.as_error() for d in found] if strict else found


def check_command(specs: Sequence[Path], *, mypy: bool, strict: bool) -> Report:
    """Validate every spec: structure, types, the warnings of liveness, compilability and,
    with `mypy`, mypy --strict on the compiled module. Nothing is written."""
    report = Report(checked=len(specs))
    for path in specs:
        item = _load(path, enforce_types=False)
        if item.loaded is not None and item.graph is not None:
            loaded = item.loaded
            found = item.graph.validate(strict=loaded.spec.graph.strict_types)
            item.found += [graph_diagnostic(d, loaded) for d in found]
            type_errors = any(d.severity == "error" for d in found)
            # strict_types: the compiler would refuse the same type errors again
            module = None if type_errors and loaded.spec.graph.strict_types else _compile(item)
            if mypy and module is not None:
                from codegen.cli.mypyrun import mypy_diagnostics

                item.found += mypy_diagnostics(module)
        found_here = _strictly(item.found, strict)
        if not found_here:
            report.progress.append(f"{item.path}: ok")
        report.diagnostics += found_here
    return report


@dataclass(frozen=True)
class _Target:
    path: Path
    text: str
    spec: str


def _targets(
    item: _Spec, module: CompiledModule, out: Path | None, stubs: Path | None
) -> list[_Target]:
    directory = out if out is not None else Path(item.path).parent
    targets = [_Target(directory / f"{module.name}.py", module.source, item.path)]
    if stubs is not None:
        targets.append(_Target(stubs / f"{module.name}.pyi", module.stub, item.path))
    return targets


def compile_command(
    specs: Sequence[Path],
    out: Path | None,
    stubs: Path | None,
    *,
    check: bool,
    strict: bool,
) -> Report:
    """Compile every spec and write its module (and stub), or with `check` compare them with
    the files on disk. A spec with errors (warnings too, under `strict`) writes nothing."""
    report = Report(checked=len(specs))
    planned: list[_Target] = []
    for path in specs:
        item = _load(path, enforce_types=True)
        module = None
        if item.loaded is not None and item.graph is not None:
            item.found += [graph_diagnostic(d, item.loaded) for d in liveness_warnings(item.graph)]
            module = _compile(item)
        item.found = _strictly(item.found, strict)
        report.diagnostics += item.found
        if module is not None and not item.failed:
            planned.extend(_targets(item, module, out, stubs))
    planned = _without_clashes(planned, report)
    if not check and _refused(planned, report):
        return report  # nothing is written while a user's file is in the way
    unchanged = 0
    for target in planned:
        shown = display_path(target.path)
        if check:
            problem = _staleness(target, shown)
            if problem is None:
                unchanged += 1
            else:
                report.diagnostics.append(problem)
        elif _write(target):
            report.progress.append(f"wrote {shown}")
        else:
            unchanged += 1
    if check:
        report.progress.append(f"{unchanged} file(s) up to date")
    return report


def _refused(planned: list[_Target], report: Report) -> bool:
    """Report every target that is a file hypergraph did not generate (HG503); True if any."""
    refused = False
    for target in planned:
        try:
            check_replaceable(target.path)
        except RefusedWrite as exc:
            report.diagnostics.append(_foreign(target, str(exc).removeprefix("error: ")))
            refused = True
    return refused


def _foreign(target: _Target, message: str) -> Diagnostic:
    return Diagnostic(
        file=display_path(target.path),
        line=1,
        column=1,
        severity="error",
        code="HG503",
        message=message,
        spec=target.spec,
    )


def _write(target: _Target) -> bool:
    """Write one target atomically; an OS failure is a usage error (exit 2), not a trace."""
    try:
        return atomic_write(target.path, target.text)
    except OSError as exc:
        shown = display_path(target.path)
        raise UsageError(f"error: cannot write {shown}: {exc.strerror or exc}") from None


def _without_clashes(planned: list[_Target], report: Report) -> list[_Target]:
    """Targets that no other spec also compiles to; each clash is an HG104 error."""
    owners: dict[Path, list[str]] = {}
    for target in planned:
        owners.setdefault(target.path.resolve(), []).append(target.spec)
    kept = []
    for target in planned:
        others = [s for s in owners[target.path.resolve()] if s != target.spec]
        if not others:
            kept.append(target)
            continue
        report.diagnostics.append(
            Diagnostic(
                file=target.spec,
                line=1,
                column=1,
                severity="error",
                code="HG104",
                message=f"compiles to {display_path(target.path)}, as does {', '.join(others)}; "
                "give one of them another [graph] module name or another output folder",
                spec=target.spec,
            )
        )
    return kept


def _staleness(target: _Target, shown: str) -> Diagnostic | None:
    result = compare(target.path, target.text)
    if not result.stale:
        return None
    if result.foreign:
        return _foreign(
            target,
            f"{shown}: not generated by hypergraph: compile would refuse to overwrite it",
        )
    if result.missing:
        return Diagnostic(
            file=shown,
            line=1,
            column=1,
            severity="error",
            code="HG502",
            message="missing: the compiled file does not exist",
            spec=target.spec,
            hint="run hypergraph compile to write it",
        )
    return Diagnostic(
        file=shown,
        line=_first_difference(target.path, target.text),
        column=1,
        severity="error",
        code="HG501",
        message="stale: the compiled file differs from what its spec compiles to",
        spec=target.spec,
        hint="run hypergraph compile to update it (do not edit generated files)",
        detail=result.diff,
    )


def _first_difference(path: Path, expected: str) -> int:
    """The 1-based line where the file on disk first differs from `expected`."""
    current = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    wanted = expected.splitlines()
    for number, (have, want) in enumerate(zip(current, wanted), 1):
        if have != want:
            return number
    return min(len(current), len(wanted)) + 1 if len(current) != len(wanted) else 1
