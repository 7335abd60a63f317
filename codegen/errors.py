"""The compiler's errors: each names where the problem is and what to do about it."""

from __future__ import annotations

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "CodegenError",
    "CompileError",
    "SpecError",
    "UsageError",
]

# Exit codes of the ``hypergraph`` command, as linters use them (docs/ci.md).
EXIT_OK = 0
"""Nothing to report (warnings alone do not fail a run unless --strict)."""
EXIT_PROBLEMS = 1
"""Problems found in the specs: invalid, ill-typed, stale, or a run whose node raised."""
EXIT_USAGE = 2
"""Misuse of the command line (bad option, missing path, bad configuration) or an internal error."""


class CodegenError(Exception):
    """Base class of every error the compiler reports to users (the CLI prints it, no trace)."""


class SpecError(CodegenError):
    """A mistake in a spec file: names the file, the field path and what is wrong."""

    def __init__(self, file: str, path: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.path = path
        self.message = message
        self.line = line
        super().__init__(self.format())

    def format(self) -> str:
        """mypy-style text: ``file:line: error: path: message``."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f"{self.path}: " if self.path else ""
        return f"{where}: error: {field}{self.message}"


class CompileError(CodegenError):
    """A graph the compiler cannot express (or a value it cannot write safely)."""

    def __init__(self, message: str, node: str | None = None) -> None:
        self.message = message
        self.node = node
        super().__init__(message)


class UsageError(CodegenError):
    """A misuse of the command line or of its configuration (exit code 2, no diagnostics)."""
