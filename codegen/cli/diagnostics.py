"""What the ``hypergraph`` command reports: one ``Diagnostic`` per problem, with a stable code.

A diagnostic has a file, a 1-based line and column, a severity, a code (``HG201``), a message,
the spec it came from, and optionally the node and a hint. Every code is listed in ``CODES``
and documented in docs/ci.md (a test keeps the two in step).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from codegen.errors import SpecError

__all__ = [
    "CODES",
    "Code",
    "Diagnostic",
    "Severity",
    "Stage",
    "code_for",
    "column_of",
    "display_path",
    "from_spec_error",
]

Severity = Literal["error", "warning"]
Stage = Literal["load", "resolve", "compile"]


@dataclass(frozen=True)
class Code:
    """One stable diagnostic code: ``HG201`` is ``type-mismatch``."""

    code: str
    name: str
    severity: Severity
    summary: str


CODES: tuple[Code, ...] = (
    # the spec itself, by the stage that refused it
    Code(
        "HG101",
        "invalid-spec",
        "error",
        "the spec cannot be read, is not TOML, or breaks the "
        "spec format (unknown or missing key, wrong type, entry rules)",
    ),
    Code(
        "HG102",
        "invalid-graph",
        "error",
        "the spec's graph cannot be built: a reference does "
        "not import, a node cannot be made, or the graph is invalid (names, wiring, bind, "
        "select, nesting)",
    ),
    Code(
        "HG103",
        "not-compilable",
        "error",
        "the graph is valid but the compiler cannot express it as a module",
    ),
    Code("HG104", "output-clash", "error", "several specs compile to the same file"),
    # hypergraph.typecheck, edge by edge
    Code(
        "HG200",
        "type-other",
        "error",
        "a type diagnostic this version has no code for (its name is in the message)",
    ),
    Code(
        "HG201",
        "type-mismatch",
        "error",
        "a producer's output type is not accepted by the consumer's parameter",
    ),
    Code("HG202", "missing-annotation", "error", "strict_types: an edge end has no annotation"),
    Code(
        "HG203",
        "output-annotation",
        "error",
        "a return annotation cannot be split across the node's outputs",
    ),
    Code(
        "HG204",
        "generator-mode",
        "error",
        "a generator's return annotation is not the iterator type of its mode",
    ),
    Code(
        "HG205",
        "generator-consumer-mode",
        "error",
        "a parameter expects the other generator family than its producer",
    ),
    Code(
        "HG206",
        "input-conflict",
        "error",
        "a graph input read by several nodes has incompatible annotations",
    ),
    Code(
        "HG207",
        "port-conflict",
        "error",
        "a nested graph's port is read with incompatible annotations",
    ),
    Code(
        "HG208",
        "unresolved-annotation",
        "warning",
        "an annotation cannot be evaluated; its edges are not type-checked",
    ),
    Code(
        "HG209",
        "type-undecidable",
        "warning",
        "the checker cannot decide an edge's types; the edge is not type-checked",
    ),
    Code(
        "HG210",
        "shared-generator",
        "warning",
        "one generator output feeds several nodes, which share one one-shot iterator",
    ),
    # graphs that cannot silently do nothing
    Code(
        "HG301",
        "unreachable-node",
        "warning",
        "a node no run executes (no path from the "
        "entrypoints, or it waits on a value or signal nothing that runs produces)",
    ),
    Code(
        "HG302",
        "discarded-return",
        "warning",
        "a node without an output name whose function returns a value",
    ),
    Code(
        "HG303", "unused-output", "warning", "an output no node consumes that the selection drops"
    ),
    Code(
        "HG304",
        "inescapable-loop",
        "warning",
        "a loop in which no gate can route to END or out of the loop",
    ),
    # mypy --strict on the compiled module
    Code(
        "HG401",
        "mypy",
        "error",
        "check --mypy: mypy --strict rejects the compiled module "
        "(mypy's own error code is in the message)",
    ),
    # compile --check
    Code(
        "HG501",
        "stale-file",
        "error",
        "a compiled module or stub differs from what the spec compiles to",
    ),
    Code("HG502", "missing-file", "error", "a compiled module or stub does not exist"),
    Code(
        "HG503",
        "foreign-file",
        "error",
        "a target file exists that hypergraph did not generate: it is never overwritten",
    ),
)

_BY_NAME = {c.name: c for c in CODES}


def code_for(name: str) -> str:
    """The HG code of a diagnostic name (``type-mismatch`` -> ``HG201``); ``HG200`` for a type
    diagnostic name this version does not know."""
    found = _BY_NAME.get(name)
    return found.code if found is not None else "HG200"


_STAGE_CODES: dict[Stage, str] = {"load": "HG101", "resolve": "HG102", "compile": "HG103"}


@dataclass(frozen=True)
class Diagnostic:
    """One problem: ``file:line:col: severity: message [code]`` plus where it came from."""

    file: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    spec: str | None = None
    """The spec being checked (differs from `file` for node modules and generated files)."""
    node: str | None = None
    hint: str | None = None
    detail: str | None = None
    """Extra text printed after the line in the text format (the diff of a stale file)."""

    def as_error(self) -> Diagnostic:
        """This diagnostic with severity error (``--strict``)."""
        return replace(self, severity="error")

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of ``--format json``."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "spec": self.spec,
            "node": self.node,
            "hint": self.hint,
            "detail": self.detail,
        }


def display_path(path: str | Path) -> str:
    """A path for messages: relative to the current directory when below it, else absolute;
    posix separators either way."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return candidate.as_posix()
    return candidate.as_posix()


def column_of(text: str | None, line: int) -> int:
    """The 1-based column of the first non-blank character of `line` in `text` (1 if unknown):
    diagnostics point at the key or the ``def`` that starts the construct."""
    if text is None:
        return 1
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return 1
    content = lines[line - 1]
    return len(content) - len(content.lstrip()) + 1


def read_text(path: str) -> str | None:
    """The text of `path`, or None when it cannot be read (the column then defaults to 1)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def from_spec_error(
    exc: SpecError, stage: Stage, text: str | None, spec: str | None = None
) -> Diagnostic:
    """A SpecError as a diagnostic; `text` is the spec's text (for the column), when read."""
    line = exc.line or 1
    field = f"{exc.path}: " if exc.path else ""
    return Diagnostic(
        file=exc.file,
        line=line,
        column=column_of(text, line) if exc.line else 1,
        severity="error",
        code=_STAGE_CODES[stage],
        message=f"{field}{exc.message}",
        spec=spec or exc.file,
    )


def relative_file(path: str | None) -> str | None:
    """A source file path as shown in diagnostics (relative to the cwd when below it)."""
    if path is None:
        return None
    return display_path(os.path.abspath(path))
