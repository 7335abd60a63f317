"""``[tool.hypergraph]`` in pyproject.toml: the specs, output folders and strictness of a project.

The nearest pyproject.toml with a ``[tool.hypergraph]`` table, from the current directory
upwards, configures ``hypergraph compile`` and ``hypergraph check``; paths in it are relative
to its directory (the project root). Command-line arguments override it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codegen.errors import UsageError
from codegen.spec.locate import format_loc

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["Config", "find_config", "load_config"]


class _Table(BaseModel):
    """The keys ``[tool.hypergraph]`` accepts."""

    model_config = ConfigDict(extra="forbid", strict=True)

    specs: list[str] = Field(default_factory=list, description="Spec files, folders or globs.")
    out: str | None = Field(None, description="Folder for the compiled modules.")
    stubs: str | None = Field(None, description="Folder for the .pyi stubs.")
    strict: bool = Field(False, description="Warnings are errors (as --strict).")


@dataclass(frozen=True)
class Config:
    """A project's ``[tool.hypergraph]`` settings; paths as written, relative to `root`."""

    root: Path
    file: Path
    specs: tuple[str, ...]
    out: str | None
    stubs: str | None
    strict: bool


def _table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: error: cannot read the configuration: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: error: TOML syntax: {exc}") from None
    tool = data.get("tool")
    table = tool.get("hypergraph") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise UsageError(f"{path}: error: [tool.hypergraph] must be a table")
    return table


def load_config(path: Path) -> Config | None:
    """The ``[tool.hypergraph]`` table of `path`, validated; None if it has none."""
    table = _table(path)
    if table is None:
        return None
    try:
        parsed = _Table.model_validate(table)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = format_loc(("tool", "hypergraph", *error["loc"]))
        if error["type"] == "extra_forbidden":
            message = f"unknown key; allowed: {', '.join(sorted(_Table.model_fields))}"
        else:
            message = str(error["msg"])
        raise UsageError(f"{path}: error: {key}: {message}") from None
    return Config(
        root=path.parent,
        file=path,
        specs=tuple(parsed.specs),
        out=parsed.out,
        stubs=parsed.stubs,
        strict=parsed.strict,
    )


def find_config(start: Path) -> Config | None:
    """The configuration of the nearest pyproject.toml with ``[tool.hypergraph]`` at or above
    `start` (pyproject files without the table are passed over)."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            found = load_config(candidate)
            if found is not None:
                return found
    return None
