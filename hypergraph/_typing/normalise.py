"""Normalisation: canonical forms of annotations and predicates on them."""

from __future__ import annotations

import enum
import types
import typing
from typing import Final

import typing_extensions as te


class _Special(enum.Enum):
    ANY = "Any"
    NEVER = "Never"


ANY: Final = _Special.ANY
NEVER: Final = _Special.NEVER

NONE_TYPE: Final = type(None)
_LITERALS: Final = (typing.Literal, te.Literal)
ANNOTATED: Final = (typing.Annotated, te.Annotated)
_UNIONS: Final = (typing.Union, types.UnionType)
WRAPPERS: Final[set[object]] = {
    typing.ClassVar,
    typing.Final,
    te.Required,
    te.NotRequired,
    te.ReadOnly,
}
_BOOL_FORMS: Final[set[object]] = {te.TypeGuard, te.TypeIs}


def norm(t: object) -> object:
    """Canonical form: strip Annotated/qualifiers, map None/Any/Never/aliases."""
    while True:
        if t is None or t is NONE_TYPE:
            return NONE_TYPE
        if t is typing.Any or t is te.Any:
            return ANY
        if t in (typing.NoReturn, te.Never, te.NoReturn):
            return NEVER
        if t is te.LiteralString:
            return str
        origin = typing.get_origin(t)
        if origin in ANNOTATED:
            t = typing.get_args(t)[0]
            continue
        if origin in WRAPPERS:
            t = typing.get_args(t)[0]
            continue
        if origin in _BOOL_FORMS:
            return bool
        if origin is not None and _is_bare_alias(t) and isinstance(origin, type):
            return origin  # bare typing.List -> list
        return t


def _is_bare_alias(t: object) -> bool:
    """``typing.List`` and friends without arguments (not ``tuple[()]``)."""
    return any(c.__name__ == "_SpecialGenericAlias" for c in type(t).__mro__)


def is_typevar(t: object) -> bool:
    return type(t).__name__ == "TypeVar"


def is_newtype(t: object) -> bool:
    return hasattr(t, "__supertype__") and callable(t) and not isinstance(t, type)


def union_members(t: object) -> tuple[object, ...] | None:
    """Members of a union (a multi-value Literal counts as a union of single literals)."""
    origin = typing.get_origin(t)
    if origin in _UNIONS:
        out: list[object] = []
        for arg in typing.get_args(t):
            arg = norm(arg)
            out.extend(union_members(arg) or (arg,))
        return tuple(out)
    if origin in _LITERALS:
        values = typing.get_args(t)
        if len(values) > 1:
            return tuple(typing.Literal[v] for v in values)
    if origin is type:
        args = typing.get_args(t)
        inner = union_members(norm(args[0])) if args else None
        if inner is not None:
            return tuple(type[m] for m in inner)
    return None


def literal_value(t: object) -> tuple[bool, object]:
    if typing.get_origin(t) in _LITERALS:
        values = typing.get_args(t)
        if len(values) == 1:
            return True, values[0]
    return False, None


def literal_base(value: object) -> object:
    return type(value)
