"""Deterministic, atomic writes, and the byte comparison behind ``--check``."""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Staleness", "atomic_write", "compare"]


def atomic_write(path: Path, text: str) -> bool:
    """Write `text` (UTF-8, ``\\n`` newlines) to `path` through a temporary file in the same
    directory and ``os.replace``; returns False (and writes nothing) if the bytes are unchanged."""
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True


@dataclass(frozen=True)
class Staleness:
    """The result of comparing an expected file with what is on disk."""

    path: Path
    missing: bool
    diff: str

    @property
    def stale(self) -> bool:
        """Whether the file on disk differs from (or lacks) the expected text."""
        return self.missing or bool(self.diff)


def compare(path: Path, expected: str) -> Staleness:
    """Compare the bytes of `path` with `expected`; a unified diff if they differ."""
    if not path.exists():
        return Staleness(path, True, "")
    current = path.read_bytes()
    wanted = expected.encode("utf-8")
    if current == wanted:
        return Staleness(path, False, "")
    diff = difflib.unified_diff(
        current.decode("utf-8", errors="replace").splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"{path.as_posix()} (on disk)",
        tofile=f"{path.as_posix()} (expected)",
    )
    return Staleness(path, False, "".join(diff) or "(bytes differ: line endings or encoding)\n")
