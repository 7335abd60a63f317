"""Data values as Python literals, formatted as `ruff format` would write them.

Only values whose text round-trips are accepted: None, bools, ints, finite floats, strings, and
tuples, lists and dicts of those. Anything else raises CompileError, so a spec can put data into
a generated module but never code.
"""

from __future__ import annotations

import ast
import math

from codegen.errors import CompileError

__all__ = ["LINE_LENGTH", "check_literal", "format_literal", "string_literal"]

LINE_LENGTH = 100
_INDENT = "    "


def string_literal(text: str) -> str:
    """A string literal in ruff's preferred style (double quotes unless that adds escapes)."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'  # the common case, without a pass per character
    quote = "'" if text.count('"') > text.count("'") else '"'
    parts = []
    for ch in text:
        if ch == "\\":
            parts.append("\\\\")
        elif ch == quote:
            parts.append("\\" + ch)
        elif ch in "'\"" or ch.isprintable():
            parts.append(ch)
        else:
            parts.append(repr(ch)[1:-1])
    return quote + "".join(parts) + quote


def _flat(value: object) -> str:
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return repr(value).replace("e+", "e")
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, tuple):
        if len(value) == 1:
            return f"({_flat(value[0])},)"
        return "(" + ", ".join(_flat(v) for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    raise AssertionError(f"unchecked value {value!r}")


def check_literal(value: object, what: str) -> None:
    """Raise CompileError unless `value` can be written as a literal that round-trips."""
    problem = _problem(value)
    if problem is None:
        try:
            same = _same(ast.literal_eval(_flat(value)), value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            same = False
        if not same:
            problem = f"its text {_flat(value)!r} does not read back as the same value"
    if problem is not None:
        raise CompileError(
            f"{what} cannot be written into a compiled module: {problem}. Compiled modules "
            "hold only None, bool, int, float, str and tuples, lists and dicts of those"
        )


def _problem(value: object, depth: int = 0) -> str | None:
    if depth > 50:
        return "it is nested too deeply"
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return None
    if kind is float:
        return None if math.isfinite(value) else f"{value!r} is not a finite float"  # type: ignore[arg-type]
    if kind in (tuple, list):
        for item in value:  # type: ignore[attr-defined]
            problem = _problem(item, depth + 1)
            if problem:
                return problem
        return None
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            problem = _problem(key, depth + 1) or _problem(item, depth + 1)
            if problem:
                return problem
            if type(key) in (list, dict):
                return f"dict key {key!r} is not hashable"
        return None
    return f"{kind.__name__} values are not supported (got {value!r:.60})"


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list))
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))  # type: ignore[arg-type]
    return a == b


def format_literal(value: object, indent: int = 0, used: int = 0, trail: int = 0) -> str:
    """`value` (already checked) as ruff would lay it out.

    `indent` is the current indentation level, `used` the width of the text before the literal on
    its line and `trail` the width after it. A literal that does not fit is exploded one element
    per line with a magic trailing comma, recursively.
    """
    flat = _flat(value)
    if used + len(flat) + trail <= LINE_LENGTH or not _explodable(value):
        return flat
    inner = _INDENT * (indent + 1)
    if isinstance(value, dict):
        items = [
            f"{_flat(k)}: " + format_literal(v, indent + 1, len(inner) + len(_flat(k)) + 2, 1)
            for k, v in value.items()
        ]
    else:
        items = [format_literal(v, indent + 1, len(inner), 1) for v in value]  # type: ignore[attr-defined]
    brackets: dict[type, tuple[str, str]] = {tuple: ("(", ")"), list: ("[", "]"), dict: ("{", "}")}
    opening, closing = brackets[type(value)]
    body = "".join(f"{inner}{item},\n" for item in items)
    return f"{opening}\n{body}{_INDENT * indent}{closing}"


def _explodable(value: object) -> bool:
    return type(value) in (tuple, list, dict) and len(value) > 0  # type: ignore[arg-type]
