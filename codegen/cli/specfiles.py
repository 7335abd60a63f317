"""Spec arguments to spec files: files as given, folders searched, glob patterns expanded."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from pathlib import Path

from codegen.errors import UsageError

__all__ = ["expand_specs", "find_specs", "is_spec_text"]

_GRAPH_TABLE = re.compile(r"^[ \t]*\[[ \t]*graph[ \t]*\][ \t]*(#.*)?$", re.MULTILINE)
_SKIPPED = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist"})


def is_spec_text(text: str) -> bool:
    """A spec is a TOML file with a ``[graph]`` table (so pyproject.toml is not one)."""
    return _GRAPH_TABLE.search(text) is not None


def _is_spec(path: Path) -> bool:
    try:
        return is_spec_text(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return True  # unreadable: keep it, so loading it reports why


def find_specs(folder: Path) -> list[Path]:
    """Every spec below `folder`, sorted; hidden folders, virtual environments, caches and
    build output are skipped."""
    found: list[Path] = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIPPED
            and not (Path(current) / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            path = Path(current) / name
            if name.endswith(".toml") and _is_spec(path):
                found.append(path)
    return found


def expand_specs(arguments: Sequence[str], base: Path) -> list[Path]:
    """Absolute spec paths for `arguments` (relative to `base`), in order, without repeats.

    A missing path, a folder without specs or a pattern that matches nothing is a UsageError.
    """
    found: list[Path] = []
    for argument in arguments:
        path = Path(argument) if Path(argument).is_absolute() else base / argument
        if any(ch in argument for ch in "*?["):
            pattern = os.path.join(base, argument)  # an absolute argument stays as it is
            matches = sorted(
                Path(m) for m in glob.glob(pattern, recursive=True) if m.endswith(".toml")
            )
            matches = [m for m in matches if m.is_file()]
            if not matches:
                raise UsageError(f"error: {argument!r} matches no spec file")
            found.extend(matches)
        elif path.is_dir():
            specs = find_specs(path)
            if not specs:
                raise UsageError(
                    f"error: no spec below {argument!r} (a spec is a .toml file with a [graph] "
                    "table)"
                )
            found.extend(specs)
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"error: {argument!r}: no such file or directory")
    unique = {os.path.normcase(os.path.abspath(p)): Path(os.path.abspath(p)) for p in found}
    return list(unique.values())
