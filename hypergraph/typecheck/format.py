"""Print types the way mypy users read them: ``list[int]``, ``int | None``, ``Literal['a']``."""

from __future__ import annotations

import collections.abc as cabc
import enum
import types
import typing

import typing_extensions as te

__all__ = ["format_type"]

_UNIONS = (typing.Union, types.UnionType)
_LITERALS = (typing.Literal, te.Literal)
_ANNOTATED = (typing.Annotated, te.Annotated)


def format_type(t: object) -> str:
    """A short, mypy-style rendering of an annotation (never raises)."""
    try:
        return _fmt(t)
    except Exception:
        return repr(t)


def _fmt(t: object) -> str:
    if t is None or t is type(None):
        return "None"
    if t is typing.Any or t is te.Any:
        return "Any"
    if t is Ellipsis:
        return "..."
    if isinstance(t, str):
        return t
    if isinstance(t, typing.ForwardRef):
        return t.__forward_arg__
    if isinstance(t, (list, tuple)):
        return "[" + ", ".join(_fmt(a) for a in t) + "]"
    origin = typing.get_origin(t)
    args = typing.get_args(t)
    if origin in _ANNOTATED:
        return _fmt(args[0])
    if origin in _UNIONS:
        return " | ".join(_fmt(a) for a in args)
    if origin in _LITERALS:
        return "Literal[" + ", ".join(_literal(v) for v in args) + "]"
    if origin is cabc.Callable and args:
        return f"Callable[{_fmt(args[0])}, {_fmt(args[-1])}]"
    if origin is tuple and not args and t is not tuple:
        return "tuple[()]"
    if origin is not None:
        name = _name(origin)
        if not args:
            return name
        return f"{name}[{', '.join(_fmt(a) for a in args)}]"
    if hasattr(t, "__supertype__") or type(t).__name__ in ("TypeVar", "ParamSpec"):
        return str(getattr(t, "__name__", t))
    if isinstance(t, type):
        return _name(t)
    return repr(t)


def _name(cls: object) -> str:
    name = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", None)
    return str(name) if name is not None else repr(cls)


def _literal(value: object) -> str:
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    return repr(value)
