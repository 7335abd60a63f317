"""The ``Diagnostic`` value: one finding of the graph type checker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Diagnostic", "Severity"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One type-checking finding: what, where (node, parameter, source line) and how to fix."""

    code: str
    severity: Severity
    message: str
    node: str | None = None
    parameter: str | None = None
    produced: str | None = None
    expected: str | None = None
    file: str | None = None
    line: int | None = None
    hint: str | None = None

    def format(self) -> str:
        """mypy-style text: ``file:line: error: message`` plus a ``note:`` line for the hint."""
        where = self.file or "<unknown>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        text = f"{where}: {self.severity}: {self.message}  [{self.code}]"
        if self.hint:
            text += f"\n{where}: note: {self.hint}"
        return text

    def __str__(self) -> str:
        return self.format()
