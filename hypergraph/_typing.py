"""Type compatibility engine behind ``strict_types``.

``is_type_compatible(produced, expected)`` answers: would mypy accept passing a value of type
``produced`` to a parameter annotated ``expected``? ``compatibility`` gives the same answer as a
three-way :class:`Compat`, where ``UNKNOWN`` marks forms the engine cannot decide (those count as
compatible: the engine must never reject what mypy accepts).
"""

from __future__ import annotations

import collections
import collections.abc as cabc
import enum
import inspect
import types
import typing
from collections.abc import Iterable
from typing import Any, Final

import typing_extensions as te

__all__ = ["Compat", "compatibility", "is_type_compatible"]


class Compat(enum.Enum):
    """Three-way verdict: compatible, incompatible, or undecidable (treated as compatible)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


YES: Final = Compat.YES
NO: Final = Compat.NO
UNKNOWN: Final = Compat.UNKNOWN


def is_type_compatible(produced: object, expected: object) -> bool:
    """True iff mypy would accept a ``produced`` value for an ``expected`` parameter.

    Undecidable forms are accepted (the engine never rejects what mypy accepts).
    """
    return compatibility(produced, expected) is not NO


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
        return _check(_norm(produced), _norm(expected))
    except RecursionError:
        return UNKNOWN
    except Exception:  # exotic forms must never crash the checker
        return UNKNOWN


# ---------------------------------------------------------------------------------------------
# Normalisation


class _Special(enum.Enum):
    ANY = "Any"
    NEVER = "Never"


ANY: Final = _Special.ANY
NEVER: Final = _Special.NEVER

_NONE_TYPE: Final = type(None)
_LITERALS: Final = (typing.Literal, te.Literal)
_ANNOTATED: Final = (typing.Annotated, te.Annotated)
_UNIONS: Final = (typing.Union, types.UnionType)
_WRAPPERS: Final[set[object]] = {
    typing.ClassVar,
    typing.Final,
    te.Required,
    te.NotRequired,
    te.ReadOnly,
}
_BOOL_FORMS: Final[set[object]] = {te.TypeGuard, te.TypeIs}


def _norm(t: object) -> object:
    """Canonical form: strip Annotated/qualifiers, map None/Any/Never/aliases."""
    while True:
        if t is None or t is _NONE_TYPE:
            return _NONE_TYPE
        if t is typing.Any or t is te.Any:
            return ANY
        if t in (typing.NoReturn, te.Never, te.NoReturn):
            return NEVER
        if t is te.LiteralString:
            return str
        origin = typing.get_origin(t)
        if origin in _ANNOTATED:
            t = typing.get_args(t)[0]
            continue
        if origin in _WRAPPERS:
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


def _is_typevar(t: object) -> bool:
    return type(t).__name__ == "TypeVar"


def _is_newtype(t: object) -> bool:
    return hasattr(t, "__supertype__") and callable(t) and not isinstance(t, type)


def _union_members(t: object) -> tuple[object, ...] | None:
    """Members of a union (a multi-value Literal counts as a union of single literals)."""
    origin = typing.get_origin(t)
    if origin in _UNIONS:
        out: list[object] = []
        for arg in typing.get_args(t):
            arg = _norm(arg)
            out.extend(_union_members(arg) or (arg,))
        return tuple(out)
    if origin in _LITERALS:
        values = typing.get_args(t)
        if len(values) > 1:
            return tuple(typing.Literal[v] for v in values)
    if origin is type:
        args = typing.get_args(t)
        inner = _union_members(_norm(args[0])) if args else None
        if inner is not None:
            return tuple(type[m] for m in inner)
    return None


def _literal_value(t: object) -> tuple[bool, object]:
    if typing.get_origin(t) in _LITERALS:
        values = typing.get_args(t)
        if len(values) == 1:
            return True, values[0]
    return False, None


def _literal_base(value: object) -> object:
    return type(value)


# ---------------------------------------------------------------------------------------------
# Core dispatch


def _check(p: object, e: object) -> Compat:
    if p is e:
        return YES
    if e is ANY or p is ANY or e is object or p is NEVER:
        return YES
    if e is NEVER:
        return NO
    if _opaque(p) or _opaque(e):
        return UNKNOWN
    if _is_typevar(p):
        return YES  # a TypeVar output counts as Any
    if _is_typevar(e):
        return _check_typevar_param(p, e)
    p_members = _union_members(p)
    if p_members is not None:
        return _all(_check(m, e) for m in p_members)
    e_members = _union_members(e)
    if e_members is not None:
        if _exhausts(p, e_members):
            return YES
        return _any(_check(p, m) for m in e_members)
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
    constraints = getattr(e, "__constraints__", ())
    if constraints:
        return _any(_check(p, _norm(c)) for c in constraints)
    bound = getattr(e, "__bound__", None)
    if bound is None:
        return YES
    return _check(p, _norm(bound))


def _exhausts(p: object, e_members: tuple[object, ...]) -> bool:
    """``bool`` against Literal[True, False], an Enum against all its members."""
    if not isinstance(p, type):
        return False
    values = set()
    for m in e_members:
        ok, value = _literal_value(m)
        if ok:
            values.add((type(value), value))
    if p is bool:
        return {(bool, True), (bool, False)} <= values
    if issubclass(p, enum.Enum):
        return bool(list(p)) and {(p, v) for v in p} <= values
    return False


def _check_simple(p: object, e: object) -> Compat:
    """Neither side is a union, Any, TypeVar or opaque."""
    if _is_newtype(e):
        if _is_newtype(p):
            return YES if _newtype_chain_has(p, e) else NO
        return NO
    if _is_newtype(p):
        return _check(_norm(getattr(p, "__supertype__", ANY)), e)

    e_is_lit, e_value = _literal_value(e)
    p_is_lit, p_value = _literal_value(p)
    if e_is_lit:
        if p_is_lit:
            return YES if (type(p_value), p_value) == (type(e_value), e_value) else NO
        if isinstance(p, type) and issubclass(p, enum.Enum) and len(p) == 1:
            return YES if next(iter(p)) is e_value else NO
        return NO
    if p_is_lit:
        return _check(_literal_base(p_value), e)

    if te.is_typeddict(e):
        return _check_typeddict_pair(p, e) if te.is_typeddict(p) else NO
    if te.is_typeddict(p):
        return _check(cabc.Mapping[str, object], e)

    e_origin = typing.get_origin(e) or e
    p_origin = typing.get_origin(p) or p
    if e_origin is cabc.Callable:
        return _check_callable_param(p, p_origin, e)
    if p_origin is cabc.Callable:
        return _check_callable_output(e_origin)
    if e_origin is type or p_origin is type:
        return _check_type_objects(p, p_origin, e, e_origin)
    if e_origin is tuple:
        return _check_tuple_param(p, p_origin, e)
    if p_origin is tuple or _is_namedtuple(p):
        if _is_namedtuple(p) and isinstance(p, type) and e_origin in p.__mro__:
            return YES
        return _check_tuple_output(p, e, e_origin)
    if isinstance(p_origin, type) and isinstance(e_origin, type):
        return _check_classes(p, p_origin, e, e_origin)
    return UNKNOWN


def _newtype_chain_has(p: object, e: object) -> bool:
    cur: object = p
    while _is_newtype(cur):
        if cur is e:
            return True
        cur = getattr(cur, "__supertype__", None)
    return False


# ---------------------------------------------------------------------------------------------
# TypedDict


def _typeddict_items(td: object) -> tuple[dict[str, Any], frozenset[str], frozenset[str]]:
    """(key -> value type, required keys, read-only keys) of a TypedDict."""
    try:
        hints = typing.get_type_hints(td, include_extras=True)
    except Exception:  # unresolvable forward refs: keep raw values (opaque ones stay opaque)
        hints = {}
        for base in reversed(getattr(td, "__mro__", ())):
            hints.update(getattr(base, "__annotations__", {}))
    required = set(getattr(td, "__required_keys__", hints))
    readonly = set(getattr(td, "__readonly_keys__", ()))
    for key, value in hints.items():
        # string annotations hide Required/NotRequired from the runtime's own bookkeeping
        for qualifier in _qualifiers(value):
            if qualifier is te.NotRequired:
                required.discard(key)
            elif qualifier is te.Required:
                required.add(key)
            elif qualifier is te.ReadOnly:
                readonly.add(key)
    return hints, frozenset(required), frozenset(readonly)


def _qualifiers(t: object) -> list[object]:
    found: list[object] = []
    while True:
        origin = typing.get_origin(t)
        if origin in _WRAPPERS or origin in _ANNOTATED:
            found.append(origin)
            t = typing.get_args(t)[0]
            continue
        return found


def _check_typeddict_pair(p: object, e: object) -> Compat:
    p_items, p_req, _ = _typeddict_items(p)
    e_items, e_req, e_ro = _typeddict_items(e)
    verdicts: list[Compat] = []
    for key, e_type in e_items.items():
        if key not in p_items:
            return NO
        if (key in e_req) != (key in p_req) and not (key in e_ro and key in p_req):
            return NO
        forward = _check(_norm(p_items[key]), _norm(e_type))
        if key in e_ro:
            verdicts.append(forward)
        else:
            verdicts.append(_all([forward, _check(_norm(e_type), _norm(p_items[key]))]))
    return _all(verdicts)


# ---------------------------------------------------------------------------------------------
# Callables and type objects


def _check_callable_param(p: object, p_origin: object, e: object) -> Compat:
    e_args = typing.get_args(e)
    if p_origin is cabc.Callable:
        p_args = typing.get_args(p)
        if not e_args or not p_args:
            return YES
        return _check_signatures(p_args, e_args)
    if p_origin is type:
        inner = typing.get_args(p)
        made = _norm(inner[0]) if inner else ANY
        if not e_args:
            return YES
        returns = _check(made, _norm(e_args[-1]))
        if e_args[0] is Ellipsis or returns is NO:
            return returns
        return UNKNOWN  # constructor signature: not modelled
    if p is _NONE_TYPE:
        return NO
    if isinstance(p_origin, type):
        if _has_member(p_origin, "__call__"):
            return UNKNOWN
        return NO
    return UNKNOWN


def _check_signatures(p_args: tuple[Any, ...], e_args: tuple[Any, ...]) -> Compat:
    p_params, p_ret = p_args[0], p_args[-1]
    e_params, e_ret = e_args[0], e_args[-1]
    ret = _check(_norm(p_ret), _norm(e_ret))
    if p_params is Ellipsis or e_params is Ellipsis:
        return ret
    if not isinstance(p_params, (list, tuple)) or not isinstance(e_params, (list, tuple)):
        return _all([ret, UNKNOWN])
    if len(p_params) != len(e_params):
        return NO
    params = [_check(_norm(ea), _norm(pa)) for pa, ea in zip(p_params, e_params)]
    return _all([*params, ret])


def _check_callable_output(e_origin: object) -> Compat:
    """A Callable value against a non-Callable parameter type."""
    if isinstance(e_origin, type):
        if _is_protocol(e_origin):
            return UNKNOWN if _has_member(e_origin, "__call__") else NO
        if e_origin is cabc.Hashable:
            return YES
    return NO


def _check_type_objects(p: object, p_origin: object, e: object, e_origin: object) -> Compat:
    if e_origin is type:
        if p_origin is not type:
            if isinstance(p_origin, type) and issubclass(p_origin, type):
                return YES if not typing.get_args(e) else UNKNOWN  # metaclass instances
            return NO
        p_args, e_args = typing.get_args(p), typing.get_args(e)
        if not p_args or not e_args:
            return YES
        return _check(_norm(p_args[0]), _norm(e_args[0]))
    # produced type[...] against something else: a class object is an instance of its metaclass
    if isinstance(e_origin, type):
        p_args = typing.get_args(p)
        inner = _norm(p_args[0]) if p_args else ANY
        if _is_structural(e_origin):
            if not p_args:
                return _check_protocol(type, e_origin)
            if isinstance(inner, type) and issubclass(inner, enum.Enum):
                if e_origin is cabc.Iterable:
                    return YES  # mypy binds EnumMeta.__iter__ loosely
                items = _project(cabc.Collection, (inner,), e_origin)
                e_args = typing.get_args(e)
                if items is not None and len(items) == len(e_args) == 1:
                    return _check(inner, _norm(e_args[0]))
            return _check_class_object_protocol(inner, e_origin)
        return YES if e_origin in _metaclass_mro(inner) else NO
    return UNKNOWN


# ---------------------------------------------------------------------------------------------
# Tuples


def _tuple_shape(t: object) -> tuple[tuple[object, ...], bool]:
    """(element types, variadic): ``tuple[int, ...]`` -> ((int,), True); bare -> ((Any,), True)."""
    if _is_namedtuple(t) and isinstance(t, type):
        hints = typing.get_type_hints(t)
        fields = getattr(t, "_fields", ())
        return tuple(_norm(hints.get(f, ANY)) for f in fields), False
    args = typing.get_args(t)
    if typing.get_origin(t) is None:  # bare tuple
        return (ANY,), True
    if args == ((),):  # typing.Tuple[()] on old Pythons
        return (), False
    if len(args) == 2 and args[1] is Ellipsis:
        return (_norm(args[0]),), True
    return tuple(_norm(a) for a in args), False


def _is_namedtuple(t: object) -> bool:
    return isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields")


def _check_tuple_param(p: object, p_origin: object, e: object) -> Compat:
    if p_origin is not tuple and not _is_namedtuple(p):
        if isinstance(p_origin, type) and issubclass(p_origin, tuple):
            return YES if not typing.get_args(e) else UNKNOWN
        return NO
    p_elems, p_var = _tuple_shape(p)
    e_elems, e_var = _tuple_shape(e)
    if e_var:
        return _all(_check(x, e_elems[0]) for x in p_elems)
    if p_var:
        return YES if p_elems[0] is ANY else NO
    if len(p_elems) != len(e_elems):
        return NO
    return _all(_check(x, y) for x, y in zip(p_elems, e_elems))


def _check_tuple_output(p: object, e: object, e_origin: object) -> Compat:
    """A tuple value against a non-tuple parameter: it is a ``Sequence`` of its elements."""
    elems, _ = _tuple_shape(p)
    if not isinstance(e_origin, type):
        return UNKNOWN
    if e_origin in tuple.__mro__ and not typing.get_args(e):
        return YES
    e_args = typing.get_args(e)
    shape = _project(tuple, (ANY,), e_origin)
    if shape is None:
        return _check_protocol(tuple, e_origin) if _is_structural(e_origin) else NO
    if not e_args:
        return YES
    variance = _variance(e_origin)
    if len(e_args) != len(shape) or len(variance) != len(shape):
        return UNKNOWN
    # each element in turn stands for the tuple's item type; all must fit
    verdicts: list[Compat] = []
    for elem in elems or (NEVER,):
        projected = _project(tuple, (elem,), e_origin)
        if projected is None:
            return UNKNOWN
        verdicts.append(_check_args(projected, tuple(_norm(a) for a in e_args), variance))
    return _all(verdicts)


# ---------------------------------------------------------------------------------------------
# Classes and generic containers

_INV, _CO, _CONTRA = "inv", "co", "contra"
_VARIANCE: Final[dict[object, tuple[str, ...]]] = {
    list: (_INV,),
    dict: (_INV, _INV),
    set: (_INV,),
    frozenset: (_CO,),
    collections.deque: (_INV,),
    collections.defaultdict: (_INV, _INV),
    collections.OrderedDict: (_INV, _INV),
    collections.Counter: (_INV,),
    collections.ChainMap: (_INV, _INV),
    cabc.MutableSequence: (_INV,),
    cabc.MutableMapping: (_INV, _INV),
    cabc.MutableSet: (_INV,),
    cabc.Mapping: (_INV, _CO),
    cabc.Sequence: (_CO,),
    cabc.Set: (_CO,),
    cabc.Collection: (_CO,),
    cabc.Container: (_CO,),
    cabc.Reversible: (_CO,),
    cabc.Iterable: (_CO,),
    cabc.Iterator: (_CO,),
    cabc.Generator: (_CO, _CONTRA, _CO),
    cabc.AsyncIterable: (_CO,),
    cabc.AsyncIterator: (_CO,),
    cabc.AsyncGenerator: (_CO, _CONTRA),
    cabc.Awaitable: (_CO,),
    cabc.Coroutine: (_CO, _CONTRA, _CO),
    cabc.KeysView: (_CO,),
    cabc.ValuesView: (_CO,),
    cabc.ItemsView: (_CO, _CO),
    cabc.MappingView: (),
    type: (_CO,),
}

# Nominal supertypes as typeshed declares them: origin -> ((super origin, argument map), ...).
# An int in the map picks the subtype's argument at that index; anything else is a constant.
_Map = tuple[object, ...]
_ITEM_PAIR: Final = "(key, value)"  # map entry: tuple[args[0], args[1]]
_SUPERS: Final[dict[object, tuple[tuple[object, _Map], ...]]] = {
    list: ((cabc.MutableSequence, (0,)),),
    collections.deque: ((cabc.MutableSequence, (0,)),),
    cabc.MutableSequence: ((cabc.Sequence, (0,)),),
    cabc.Sequence: ((cabc.Reversible, (0,)), (cabc.Collection, (0,))),
    cabc.Reversible: ((cabc.Iterable, (0,)),),
    cabc.Collection: ((cabc.Iterable, (0,)), (cabc.Container, (0,)), (cabc.Sized, ())),
    str: ((cabc.Sequence, (str,)), (cabc.Hashable, ())),
    bytes: ((cabc.Sequence, (int,)), (cabc.Hashable, ())),
    bytearray: ((cabc.MutableSequence, (int,)),),
    memoryview: ((cabc.Sequence, (int,)), (cabc.Hashable, ())),
    range: ((cabc.Sequence, (int,)), (cabc.Hashable, ())),
    dict: ((cabc.MutableMapping, (0, 1)), (cabc.Reversible, (0,))),
    collections.defaultdict: ((dict, (0, 1)),),
    collections.OrderedDict: ((dict, (0, 1)),),
    collections.Counter: ((dict, (0, int)),),
    collections.ChainMap: ((cabc.MutableMapping, (0, 1)),),
    cabc.MutableMapping: ((cabc.Mapping, (0, 1)),),
    cabc.Mapping: ((cabc.Collection, (0,)),),
    set: ((cabc.MutableSet, (0,)),),
    cabc.MutableSet: ((cabc.Set, (0,)),),
    frozenset: ((cabc.Set, (0,)), (cabc.Hashable, ())),
    cabc.Set: ((cabc.Collection, (0,)),),
    cabc.KeysView: ((cabc.MappingView, ()), (cabc.Set, (0,))),
    cabc.ValuesView: ((cabc.MappingView, ()), (cabc.Collection, (0,))),
    cabc.ItemsView: ((cabc.MappingView, ()), (cabc.Set, (_ITEM_PAIR,))),
    cabc.MappingView: ((cabc.Sized, ()),),
    cabc.Generator: ((cabc.Iterator, (0,)),),
    cabc.Iterator: ((cabc.Iterable, (0,)),),
    cabc.AsyncGenerator: ((cabc.AsyncIterator, (0,)),),
    cabc.AsyncIterator: ((cabc.AsyncIterable, (0,)),),
    cabc.Coroutine: ((cabc.Awaitable, (2,)),),
    tuple: ((cabc.Sequence, (0,)), (cabc.Hashable, ())),
}

# ABCs that typeshed declares as Protocols: matched structurally by member names.
_ABC_PROTOCOLS: Final[dict[object, tuple[str, ...]]] = {
    cabc.Hashable: ("__hash__",),
    cabc.Sized: ("__len__",),
    cabc.Container: ("__contains__",),
    cabc.Iterable: ("__iter__",),
    cabc.Iterator: ("__next__", "__iter__"),
    cabc.Reversible: ("__reversed__", "__iter__"),
    cabc.Collection: ("__len__", "__iter__", "__contains__"),
    cabc.AsyncIterable: ("__aiter__",),
    cabc.AsyncIterator: ("__anext__", "__aiter__"),
    cabc.Awaitable: ("__await__",),
    cabc.Buffer if hasattr(cabc, "Buffer") else te.Buffer: ("__buffer__",),
}


def _variance(origin: object) -> tuple[str, ...]:
    known = _VARIANCE.get(origin)
    if known is not None:
        return known
    out = []
    for param in getattr(origin, "__parameters__", ()):
        if getattr(param, "__covariant__", False):
            out.append(_CO)
        elif getattr(param, "__contravariant__", False):
            out.append(_CONTRA)
        elif getattr(param, "__infer_variance__", False):
            out.append("infer")
        else:
            out.append(_INV)
    return tuple(out)


def _args_of(t: object, origin: object) -> tuple[object, ...]:
    arity = len(_variance(origin))
    args = tuple(_norm(a) for a in typing.get_args(t))
    if not args:
        return (ANY,) * arity
    return args


def _project(p_origin: object, p_args: tuple[object, ...], e_origin: object) -> _Map | None:
    """The arguments ``p_origin[p_args]`` has when viewed as ``e_origin``; None if unrelated."""
    if p_origin is e_origin:
        return p_args
    supers = _SUPERS.get(p_origin)
    if supers is None:
        for sup, mapped in _user_supers(p_origin, p_args):
            found = _project(sup, mapped, e_origin)
            if found is not None:
                return found
        return None
    for sup, mapping in supers:
        mapped = tuple(_pick(p_args, m) for m in mapping)
        found = _project(sup, mapped, e_origin)
        if found is not None:
            return found
    return None


def _pick(args: tuple[object, ...], m: object) -> object:
    if m is _ITEM_PAIR:
        key, value = (*args, ANY, ANY)[:2]
        return tuple[key, value]  # type: ignore[valid-type]
    if isinstance(m, int) and not isinstance(m, bool):
        return args[m] if m < len(args) else ANY
    return m


def _user_supers(cls: object, args: tuple[object, ...]) -> list[tuple[object, _Map]]:
    """Direct bases of a user class with TypeVars substituted by ``args``."""
    if not isinstance(cls, type):
        return []
    params = getattr(cls, "__parameters__", ())
    subst = dict(zip(params, args))
    out: list[tuple[object, _Map]] = []
    seen: set[int] = set()
    for base in getattr(cls, "__orig_bases__", ()) or cls.__bases__:
        origin = typing.get_origin(base) or base
        if origin is typing.Generic or origin is typing.Protocol or origin is te.Protocol:
            continue
        if not isinstance(origin, type):
            continue
        seen.add(id(origin))
        base_args = tuple(_norm(subst.get(a, a)) for a in typing.get_args(base))
        if not base_args:
            base_args = (ANY,) * len(_variance(origin))
        out.append((origin, base_args))
    for base in cls.__bases__:
        if id(base) not in seen and base is not object and base is not typing.Generic:
            out.append((base, (ANY,) * len(_variance(base))))
    return out


def _check_classes(p: object, p_origin: type, e: object, e_origin: type) -> Compat:
    e_args = typing.get_args(e)
    if not e_args and not typing.get_args(p) and e_origin in p_origin.__mro__:
        return YES
    if _promotes(p_origin, e_origin):
        return YES
    if p_origin is _NONE_TYPE and e_origin is not _NONE_TYPE:
        return _check_protocol(p_origin, e_origin) if _is_structural(e_origin) else NO
    projected = _project(p_origin, _args_of(p, p_origin), e_origin)
    if projected is None:
        if _is_structural(e_origin):
            return _check_protocol(p_origin, e_origin)
        return NO
    if not e_args:
        return YES
    variance = _variance(e_origin)
    e_norm = tuple(_norm(a) for a in e_args)
    if len(projected) != len(e_norm) or len(variance) != len(e_norm):
        return UNKNOWN
    return _check_args(projected, e_norm, variance)


def _check_args(p_args: _Map, e_args: _Map, variance: tuple[str, ...]) -> Compat:
    verdicts: list[Compat] = []
    for pa, ea, var in zip(p_args, e_args, variance):
        if var == _CO:
            verdicts.append(_check(pa, ea))
        elif var == _CONTRA:
            verdicts.append(_check(ea, pa))
        elif var == _INV:
            verdicts.append(_all([_check(pa, ea), _check(ea, pa)]))
        else:
            verdicts.append(_any([_check(pa, ea), _check(ea, pa)]))
    return _all(verdicts)


def _promotes(p: type, e: type) -> bool:
    """mypy's numeric promotions: int -> float -> complex (subclasses included)."""
    if e is float:
        return int in p.__mro__
    if e is complex:
        return int in p.__mro__ or float in p.__mro__
    return False


# ---------------------------------------------------------------------------------------------
# Protocols


def _is_protocol(cls: object) -> bool:
    return bool(getattr(cls, "_is_protocol", False)) and cls not in (typing.Protocol, te.Protocol)


def _is_structural(cls: object) -> bool:
    return cls in _ABC_PROTOCOLS or _is_protocol(cls)


_NOT_MEMBERS: Final = frozenset(
    {
        "__abstractmethods__",
        "__annotations__",
        "__annotate__",
        "__annotations_cache__",
        "__dict__",
        "__doc__",
        "__init__",
        "__module__",
        "__new__",
        "__slots__",
        "__subclasshook__",
        "__weakref__",
        "__class_getitem__",
        "__parameters__",
        "__orig_bases__",
        "__orig_class__",
        "__protocol_attrs__",
        "__non_callable_proto_members__",
        "__callable_proto_members_only__",
        "__type_params__",
        "__qualname__",
        "__firstlineno__",
        "__static_attributes__",
        "__init_subclass__",
        "__match_args__",
        "_is_protocol",
        "_is_runtime_protocol",
    }
)


def _protocol_members(proto: type) -> frozenset[str]:
    known = _ABC_PROTOCOLS.get(proto)
    if known is not None:
        return frozenset(known)
    names: set[str] = set()
    for base in proto.__mro__:
        if base in (object, typing.Generic, typing.Protocol, te.Protocol):
            continue
        if base in _ABC_PROTOCOLS:
            names.update(_ABC_PROTOCOLS[base])
            continue
        for name in (*vars(base), *getattr(base, "__annotations__", {})):
            if name not in _NOT_MEMBERS and not name.startswith("_abc_"):
                names.add(name)
    return frozenset(names)


# typeshed declares these ABCs as Protocols: their values carry no ``object`` members for mypy
_TYPESHED_PROTOCOLS: Final = frozenset(
    {
        *_ABC_PROTOCOLS,
        cabc.Generator,
        cabc.AsyncGenerator,
        cabc.Coroutine,
    }
)


def _is_protocol_value(cls: type) -> bool:
    return cls in _TYPESHED_PROTOCOLS or _is_protocol(cls)


def _has_member(cls: type, name: str, settable: bool = False) -> bool:
    """Whether instances of ``cls`` have attribute ``name`` as mypy sees the class."""
    skip_object = _is_protocol_value(cls)
    for base in cls.__mro__:
        if base is object and skip_object:
            break
        if name in vars(base):
            value = vars(base)[name]
            if value is None:
                # runtime ABCs set __hash__ = None where typeshed keeps object.__hash__
                return name == "__hash__" and base.__module__ in _ABC_MODULES
            if settable and isinstance(value, (property, types.DynamicClassAttribute)):
                return value.fset is not None
            return True
        if name in getattr(base, "__annotations__", {}):
            return True
    if not name.startswith("__"):
        slots = getattr(cls, "__slots__", ())
        if name in (slots if isinstance(slots, (tuple, list)) else (slots,)):
            return True
        return _assigned_in_methods(cls, name)
    return False


_ABC_MODULES: Final = ("collections.abc", "_collections_abc", "typing")


def _assigned_in_methods(cls: type, name: str) -> bool:
    """Instance attributes set in a method body (``self.name = ...``) count as members."""
    for base in cls.__mro__:
        for value in vars(base).values():
            code = getattr(value, "__code__", None)
            if code is not None and name in code.co_names:
                return True
    return False


def _check_protocol(p_cls: type, proto: type) -> Compat:
    if p_cls is proto:
        return YES
    data = _protocol_data_members(proto)
    members = _protocol_members(proto)
    return YES if all(_has_member(p_cls, m, m in data) for m in members) else NO


def _protocol_data_members(proto: type) -> frozenset[str]:
    """Protocol attributes declared by annotation only (they must be settable)."""
    names: set[str] = set()
    for base in proto.__mro__:
        for name in getattr(base, "__annotations__", {}):
            if name not in vars(base):
                names.add(name)
    return frozenset(names)


def _class_object_has(cls: object, name: str) -> bool:
    """Whether the class object ``cls`` (a ``type[cls]`` value) has attribute ``name``."""
    meta_mro = _metaclass_mro(cls)
    for base in meta_mro:
        if base is object and meta_mro[0] is type:
            break  # mypy sees no ``object`` members on plain class objects
        if name in vars(base):
            return True
    if isinstance(cls, type):
        for base in cls.__mro__:
            if base is object:
                break
            if name in vars(base):
                value = vars(base)[name]
                class_level = (classmethod, staticmethod, types.ClassMethodDescriptorType)
                return isinstance(value, class_level) or not hasattr(type(value), "__get__")
    return False


def _metaclass_mro(cls: object) -> tuple[type, ...]:
    meta: type = type(cls) if isinstance(cls, type) else type
    return inspect.getmro(meta)


def _check_class_object_protocol(inner: object, proto: type) -> Compat:
    return YES if all(_class_object_has(inner, m) for m in _protocol_members(proto)) else NO


# ---------------------------------------------------------------------------------------------
# Verdict combinators


def _all(verdicts: Iterable[Compat]) -> Compat:
    result = YES
    for v in verdicts:
        if v is NO:
            return NO
        if v is UNKNOWN:
            result = UNKNOWN
    return result


def _any(verdicts: Iterable[Compat]) -> Compat:
    result = NO
    for v in verdicts:
        if v is YES:
            return YES
        if v is UNKNOWN:
            result = UNKNOWN
    return result
