"""Normalisation: canonical forms of annotations and predicates on them."""

from __future__ import annotations

import enum
import sys
import types
import typing
from collections.abc import Mapping
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
        if type(t) is type:
            return t  # a plain class: the common case, nothing to unwrap
        if t is typing.Any or t is te.Any:
            return ANY
        if t in (typing.NoReturn, te.Never, te.NoReturn):
            return NEVER
        if t is te.LiteralString:
            return str
        if is_type_alias(t):
            t = alias_value(t)
            continue
        origin = typing.get_origin(t)
        if origin in ANNOTATED:
            t = typing.get_args(t)[0]
            continue
        if is_type_alias(origin):  # a generic alias applied: ``Pairs[int]``
            params = getattr(origin, "__type_params__", ())
            t = substitute(alias_value(origin), dict(zip(params, typing.get_args(t))))
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


def is_type_alias(t: object) -> bool:
    """``TypeAliasType`` from typing_extensions, or 3.12's ``type X = ...`` statement."""
    return type(t).__name__ == "TypeAliasType"


def alias_value(alias: object) -> object:
    """The aliased type; a string value (a recursive alias) is evaluated in the alias's module.

    An unresolvable string stays a string, which the engine treats as undecidable.
    """
    value = getattr(alias, "__value__", typing.Any)
    if isinstance(value, typing.ForwardRef):
        value = value.__forward_arg__
    if not isinstance(value, str):
        return value
    module = sys.modules.get(getattr(alias, "__module__", ""), None)
    namespace = dict(getattr(module, "__dict__", {}))
    namespace.setdefault(str(getattr(alias, "__name__", "")), alias)
    try:
        return eval(value, namespace)  # the alias's own text, as get_type_hints evaluates it
    except Exception:
        return value


def substitute(t: object, mapping: Mapping[object, object]) -> object:
    """``t`` with its type variables replaced (Python's own ``alias[...]`` substitution)."""
    if not mapping:
        return t
    if is_typevar(t):
        return _runtime_form(mapping.get(t, t))
    params = getattr(t, "__parameters__", ())
    if not params or isinstance(t, type):
        return t
    try:
        return t[tuple(_runtime_form(mapping.get(p, p)) for p in params)]  # type: ignore[index]
    except Exception:
        return t


def _runtime_form(t: object) -> object:
    """Sentinels back to the objects ``typing`` accepts as arguments."""
    if t is ANY:
        return typing.Any
    if t is NEVER:
        return te.Never
    return t


def typevar_bound(tv: object) -> object | None:
    """A TypeVar's bound, a string bound resolved in the module that defines the TypeVar."""
    return _resolve_in_module(tv, getattr(tv, "__bound__", None))


def typevar_constraints(tv: object) -> tuple[object, ...]:
    return tuple(_resolve_in_module(tv, c) for c in getattr(tv, "__constraints__", ()))


def _resolve_in_module(owner: object, t: object) -> object:
    if isinstance(t, typing.ForwardRef):
        t = t.__forward_arg__
    if not isinstance(t, str):
        return t
    module = sys.modules.get(getattr(owner, "__module__", ""), None)
    try:
        return eval(t, dict(getattr(module, "__dict__", {})))
    except Exception:
        return t  # unresolvable: stays a string, which the engine treats as undecidable
