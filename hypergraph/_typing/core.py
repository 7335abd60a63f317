"""Core dispatch: the public entry points, the per-pair result cache and the recursive ``_check``.

``_check`` routes each (produced, expected) pair to a section module and passes itself along as
the ``check`` argument, so sections recurse without importing this module (no import cycle).
"""

from __future__ import annotations

import collections.abc as cabc
import enum
import threading
import typing
from collections.abc import Sequence

import typing_extensions as te

from . import generics
from .callables import check_callable_output, check_callable_param, check_type_objects
from .classes import check_classes
from .generics import CallCheck
from .normalise import (
    ANY,
    NEVER,
    is_newtype,
    is_typevar,
    literal_base,
    literal_value,
    norm,
    typevar_bound,
    typevar_constraints,
    union_members,
)
from .tuples import check_tuple_output, check_tuple_param, is_namedtuple
from .typeddict import check_typeddict_pair
from .verdict import NO, UNKNOWN, YES, Compat, all_of, any_of


def is_type_compatible(produced: object, expected: object) -> bool:
    """True iff mypy would accept a ``produced`` value for an ``expected`` parameter.

    Undecidable forms are accepted (the engine never rejects what mypy accepts).
    """
    return compatibility(produced, expected) is not NO


def solve_call(
    formals: Sequence[object],
    actuals: Sequence[object | None],
    returns: object,
    context: object | None = None,
) -> CallCheck:
    """Solve a generic call ``f(*actuals)`` whose result goes where ``context`` is expected
    (None: no expected type), as mypy infers it; see :mod:`.generics`. Cached per call shape."""
    key = (tuple(formals), tuple(actuals), returns, context)
    try:
        hit = _calls.get(key)
    except TypeError:  # an unhashable annotation: solve uncached
        return generics.solve_call(compatibility, formals, actuals, returns, context)
    if hit is None:
        hit = generics.solve_call(compatibility, formals, actuals, returns, context)
        if len(_calls) > 16384:
            _calls.clear()
        _calls[key] = hit
    return hit


_calls: dict[tuple[object, ...], CallCheck] = {}


def compatibility(produced: object, expected: object) -> Compat:
    """Like :func:`is_type_compatible` but tells ``UNKNOWN`` apart from ``YES``."""
    try:
        return _cached(produced, expected)
    except TypeError:  # unhashable annotation (e.g. Annotated with a dict as metadata)
        return _safe_check(produced, expected)


_cache: dict[tuple[object, object], Compat] = {}


def _cached(produced: object, expected: object) -> Compat:
    key = (produced, expected)
    hit = _cache.get(key)
    if hit is None:
        hit = _safe_check(produced, expected)
        if len(_cache) > 65536:
            _cache.clear()
        _cache[key] = hit
    return hit


def _safe_check(produced: object, expected: object) -> Compat:
    try:
        return _check(norm(produced), norm(expected))
    except RecursionError:
        return UNKNOWN
    except Exception:  # exotic forms must never crash the checker
        return UNKNOWN


_local = threading.local()


def _check(p: object, e: object) -> Compat:
    if p is e:
        return YES
    if type(p) is type and type(e) is type:
        return _check_plain(p, e)
    # Recursive aliases and self-referring protocols: a pair met again while it is being
    # decided holds by assumption (as in mypy), so the recursion ends.
    active: set[tuple[object, object]] | None = getattr(_local, "active", None)
    if active is None:
        active = _local.active = set()
    key = (p, e)
    try:
        if key in active:
            return YES
        active.add(key)
    except TypeError:  # unhashable form: no guard (such forms do not recurse)
        return _check_plain(p, e)
    try:
        return _check_plain(p, e)
    finally:
        active.discard(key)


def _check_plain(p: object, e: object) -> Compat:
    if e is ANY or p is ANY or e is object or p is NEVER:
        return YES
    if e is NEVER:
        return NO
    if _opaque(p) or _opaque(e):
        return UNKNOWN
    if is_typevar(p):
        return YES  # a TypeVar output counts as Any
    if is_typevar(e):
        return _check_typevar_param(p, e)
    p_members = union_members(p)
    if p_members is not None:
        return all_of(_check(m, e) for m in p_members)
    e_members = union_members(e)
    if e_members is not None:
        if _exhausts(p, e_members):
            return YES
        return any_of(_check(p, m) for m in e_members)
    try:
        if p == e:
            return YES
    except Exception:
        pass
    return _check_simple(p, e)


def _opaque(t: object) -> bool:
    """Forms the engine cannot reason about (forward refs, ParamSpec, TypeVarTuple, ...)."""
    if isinstance(t, (str, typing.ForwardRef)):
        return True
    name = type(t).__name__
    if name in ("ParamSpec", "TypeVarTuple", "ParamSpecArgs", "ParamSpecKwargs"):
        return True
    origin = typing.get_origin(t)
    return origin is te.Unpack or origin is typing.Concatenate


def _check_typevar_param(p: object, e: object) -> Compat:
    constraints = typevar_constraints(e)
    if constraints:
        return any_of(_check(p, norm(c)) for c in constraints)
    bound = typevar_bound(e)
    if bound is None:
        return YES
    return _check(p, norm(bound))


def _exhausts(p: object, e_members: tuple[object, ...]) -> bool:
    """``bool`` against Literal[True, False], an Enum against all its members."""
    if not isinstance(p, type):
        return False
    values = set()
    for m in e_members:
        ok, value = literal_value(m)
        if ok:
            values.add((type(value), value))
    if p is bool:
        return {(bool, True), (bool, False)} <= values
    if issubclass(p, enum.Enum):
        return bool(list(p)) and {(p, v) for v in p} <= values
    return False


def _check_simple(p: object, e: object) -> Compat:
    """Neither side is a union, Any, TypeVar or opaque."""
    if is_newtype(e):
        if is_newtype(p):
            return YES if _newtype_chain_has(p, e) else NO
        return NO
    if is_newtype(p):
        return _check(norm(getattr(p, "__supertype__", ANY)), e)

    e_is_lit, e_value = literal_value(e)
    p_is_lit, p_value = literal_value(p)
    if e_is_lit:
        if p_is_lit:
            return YES if (type(p_value), p_value) == (type(e_value), e_value) else NO
        return NO  # even a single-member enum: mypy does not narrow it to its member
    if p_is_lit:
        return _check(literal_base(p_value), e)

    if te.is_typeddict(e):
        return check_typeddict_pair(_check, p, e) if te.is_typeddict(p) else NO
    if te.is_typeddict(p):
        return _check(cabc.Mapping[str, object], e)

    e_origin = typing.get_origin(e) or e
    p_origin = typing.get_origin(p) or p
    if e_origin is cabc.Callable:
        return check_callable_param(_check, p, p_origin, e)
    if p_origin is cabc.Callable:
        return check_callable_output(_check, p, e, e_origin)
    if e_origin is type or p_origin is type:
        return check_type_objects(_check, p, p_origin, e, e_origin)
    if e_origin is tuple:
        return check_tuple_param(_check, p, p_origin, e)
    if p_origin is tuple or is_namedtuple(p):
        if is_namedtuple(p) and isinstance(p, type) and e_origin in p.__mro__:
            return YES
        return check_tuple_output(_check, p, e, e_origin)
    if isinstance(p_origin, type) and isinstance(e_origin, type):
        return check_classes(_check, p, p_origin, e, e_origin)
    return UNKNOWN


def _newtype_chain_has(p: object, e: object) -> bool:
    cur: object = p
    while is_newtype(cur):
        if cur is e:
            return True
        cur = getattr(cur, "__supertype__", None)
    return False
