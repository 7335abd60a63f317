"""``--format text|json|github``: how a run's diagnostics and summary are printed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TextIO

from codegen.cli.diagnostics import CODES, Diagnostic

__all__ = ["FORMATS", "Format", "Report", "github_line", "summary_line", "text_lines"]

Format = Literal["text", "json", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "github")

_NAMES = {c.code: c.name for c in CODES}


@dataclass
class Report:
    """Everything one command found: diagnostics, how many specs it looked at, and progress
    lines (``wrote ...``, ``ok``) that only the text formats show, and only without -q."""

    checked: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    progress: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics of severity error."""
        return [d for d in self.diagnostics if d.severity == "error"]

    def print(self, out: TextIO, fmt: Format, *, quiet: bool) -> None:
        """Print the report in format `fmt` (JSON: one array, nothing else)."""
        if fmt == "json":
            out.write(json.dumps([d.as_dict() for d in self.diagnostics], indent=2) + "\n")
            return
        if not quiet:
            for line in self.progress:
                out.write(line + "\n")
        for d in self.diagnostics:
            if fmt == "github":
                out.write(github_line(d) + "\n")
            else:
                for line in text_lines(d):
                    out.write(line + "\n")
        if not quiet:
            out.write(summary_line(self.diagnostics, self.checked) + "\n")


def _spec_suffix(d: Diagnostic) -> str:
    return f" (spec {d.spec})" if d.spec and d.spec != d.file else ""


def text_lines(d: Diagnostic) -> list[str]:
    """``file:line:col: severity: message [code]``, a ``note:`` line for the hint, the detail."""
    where = f"{d.file}:{d.line}:{d.column}"
    lines = [f"{where}: {d.severity}: {d.message}{_spec_suffix(d)} [{d.code}]"]
    if d.hint:
        lines.append(f"{where}: note: {d.hint}")
    if d.detail:
        lines.append(d.detail.rstrip("\n"))
    return lines


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(d: Diagnostic) -> str:
    """A GitHub Actions workflow command that annotates the file in the pull request."""
    title = f"{d.code} {_NAMES.get(d.code, '')}".strip()
    props = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in (("file", d.file), ("line", d.line), ("col", d.column), ("title", title))
    )
    message = d.message + _spec_suffix(d) + (f"\n{d.hint}" if d.hint else "")
    return f"::{d.severity} {props}::{_escape_data(message)}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(diagnostics: Sequence[Diagnostic], checked: int) -> str:
    """``Found 3 errors in 2 specs (checked 6 specs)``, or ``Success: no issues found in 6
    specs``; warnings are counted after the errors."""
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return f"Success: no issues found in {_count(checked, 'spec')}"
    parts = [_count(errors, "error")] if errors else []
    if warnings:
        parts.append(_count(warnings, "warning"))
    specs = len({d.spec or d.file for d in diagnostics})
    return (
        f"Found {' and '.join(parts)} in {_count(specs, 'spec')} "
        f"(checked {_count(checked, 'spec')})"
    )
