"""Expressions laid out the way `ruff format` writes them (flat if it fits, else exploded)."""

from __future__ import annotations

from dataclasses import dataclass

from codegen.render.literals import LINE_LENGTH, format_literal

__all__ = [
    "Call",
    "Expr",
    "Lit",
    "Name",
    "Raw",
    "assignment",
    "declaration",
    "returned",
    "statement",
    "unpack",
]

_INDENT = "    "


@dataclass(frozen=True)
class Name:
    """A validated identifier (or dotted name built from identifiers)."""

    text: str


@dataclass(frozen=True)
class Raw:
    """Source text built by the compiler from validated parts; never split."""

    text: str


@dataclass(frozen=True)
class Lit:
    """A data value (already checked by `check_literal`)."""

    value: object


@dataclass(frozen=True)
class Call:
    """``func(arg, key=value, ...)``."""

    func: str
    args: tuple[tuple[str | None, Expr], ...]


Expr = Name | Raw | Lit | Call


def _flat(expr: Expr) -> str:
    if isinstance(expr, (Name, Raw)):
        return expr.text
    if isinstance(expr, Lit):
        return format_literal(expr.value, 0, 0, 0)
    parts = [f"{key}={_flat(value)}" if key else _flat(value) for key, value in expr.args]
    return f"{expr.func}({', '.join(parts)})"


def _format(expr: Expr, indent: int, used: int, trail: int) -> str:
    if isinstance(expr, Lit):
        return format_literal(expr.value, indent, used, trail)
    flat = _flat(expr)
    if not isinstance(expr, Call) or not expr.args or used + len(flat) + trail <= LINE_LENGTH:
        return flat
    inner = _INDENT * (indent + 1)
    lines = []
    for key, value in expr.args:
        prefix = f"{key}=" if key else ""
        lines.append(f"{inner}{prefix}{_format(value, indent + 1, len(inner) + len(prefix), 1)},\n")
    return f"{expr.func}(\n{''.join(lines)}{_INDENT * indent})"


def statement(prefix: str, expr: Expr, indent: int = 1, suffix: str = "") -> str:
    """``<prefix><expr><suffix>`` at `indent` levels, the first line indented too."""
    used = len(_INDENT * indent) + len(prefix)
    return _INDENT * indent + prefix + _format(expr, indent, used, len(suffix)) + suffix


def assignment(target: str, value: str, indent: int) -> str:
    """``target = value`` at `indent`; too long, the value goes in parentheses (as ruff)."""
    pad = _INDENT * indent
    flat = f"{pad}{target} = {value}"
    if len(flat) <= LINE_LENGTH or len(f"{pad}{_INDENT}{value}") > LINE_LENGTH:
        return flat  # fits, or would not fit in parentheses either (ruff keeps it flat)
    return f"{pad}{target} = (\n{pad}{_INDENT}{value}\n{pad})"


def unpack(names: list[str], value: str, indent: int) -> str:
    """``a, b = value`` (``(a,) = value`` for one name), split as ruff format splits it."""
    pad, inner = _INDENT * indent, _INDENT * (indent + 1)
    target = f"({names[0]},)" if len(names) == 1 else ", ".join(names)
    flat = f"{pad}{target} = {value}"
    if len(flat) <= LINE_LENGTH:
        return flat
    if len(f"{pad}{target} = (") <= LINE_LENGTH and len(names) > 1:
        return f"{pad}{target} = (\n{inner}{value}\n{pad})"
    return f"{pad}(\n" + "".join(f"{inner}{n},\n" for n in names) + f"{pad}) = {value}"


def returned(names: list[str], indent: int) -> str:
    """``return (a, b)`` (``(a,)`` for one, ``()`` for none), exploded when too long."""
    pad, inner = _INDENT * indent, _INDENT * (indent + 1)
    if not names:
        return f"{pad}return ()"
    flat = f"{pad}return ({names[0]},)" if len(names) == 1 else f"{pad}return ({', '.join(names)})"
    if len(flat) <= LINE_LENGTH:
        return flat
    return f"{pad}return (\n" + "".join(f"{inner}{n},\n" for n in names) + f"{pad})"


def declaration(target: str, annotation: str, value: str, indent: int) -> str:
    """``target: annotation = value`` at `indent`; too long, ruff format's split: a subscripted
    annotation's brackets opened, a union put in parentheses."""
    pad = _INDENT * indent
    flat = f"{pad}{target}: {annotation} = {value}"
    if len(flat) <= LINE_LENGTH:
        return flat
    start = annotation.find("[")
    if start > 0 and annotation.endswith("]") and _closes_at_end(annotation, start):
        head, inner, close = f"{annotation[: start + 1]}", annotation[start + 1 : -1], "]"
    elif " " in annotation:  # an operator (a union): parenthesized
        head, inner, close = "(", annotation, ")"
    else:
        return flat
    if len(f"{pad}{target}: {head}") > LINE_LENGTH:
        return flat
    return f"{pad}{target}: {head}\n{pad}{_INDENT}{inner}\n{pad}{close} = {value}"


def _closes_at_end(text: str, start: int) -> bool:
    """Whether the bracket opened at `start` closes at the end of `text`."""
    depth = 0
    for position in range(start, len(text)):
        depth += {"[": 1, "]": -1}.get(text[position], 0)
        if depth == 0:
            return position == len(text) - 1
    return False
