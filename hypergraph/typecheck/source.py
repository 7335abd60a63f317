"""Where a function is defined: its source file and the line of its ``def`` statement."""

from __future__ import annotations

import inspect
import linecache
import os
import re
from collections.abc import Callable
from typing import Any

__all__ = ["def_location", "short_location"]

_DEF = re.compile(r"\s*(async\s+)?def\s")
_cache: dict[object, tuple[str | None, int | None]] = {}


def def_location(func: Callable[..., Any]) -> tuple[str | None, int | None]:
    """(full path, line of the ``def``) of ``func``; decorators lines are skipped."""
    target = inspect.unwrap(func)
    code = getattr(getattr(target, "__func__", target), "__code__", None)
    if code is None:
        return None, None
    hit = _cache.get(code)
    if hit is None:
        hit = _cache[code] = _locate(code)
    return hit


def _locate(code: Any) -> tuple[str | None, int | None]:
    path: str = code.co_filename
    line: int = code.co_firstlineno
    linecache.checkcache(path)  # the file may have changed since it was cached
    lines = linecache.getlines(path)
    for offset in range(60):
        index = line - 1 + offset
        if index >= len(lines):
            break
        if _DEF.match(lines[index]):
            return path, index + 1
    return path, line


def short_location(file: str | None, line: int | None) -> str:
    """``pipeline.py:12`` (basename and line), or ``<unknown>``."""
    if file is None:
        return "<unknown>"
    name = os.path.basename(file)
    return f"{name}:{line}" if line is not None else name
