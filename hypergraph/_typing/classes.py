"""Classes and generic containers: nominal subtyping, typeshed supertypes, argument variance."""

from __future__ import annotations

import collections
import collections.abc as cabc
import typing
from typing import Final

import typing_extensions as te

from .normalise import ANY, NONE_TYPE, norm
from .protocols import check_protocol, is_structural
from .verdict import NO, UNKNOWN, YES, Check, Compat, all_of, any_of

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
SUPERS: Final[dict[object, tuple[tuple[object, _Map], ...]]] = {
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


def variance_of(origin: object) -> tuple[str, ...]:
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
    arity = len(variance_of(origin))
    args = tuple(norm(a) for a in typing.get_args(t))
    if not args:
        return (ANY,) * arity
    return args


def project(p_origin: object, p_args: tuple[object, ...], e_origin: object) -> _Map | None:
    """The arguments ``p_origin[p_args]`` has when viewed as ``e_origin``; None if unrelated."""
    if p_origin is e_origin:
        return p_args
    supers = SUPERS.get(p_origin)
    if supers is None:
        for sup, mapped in _user_supers(p_origin, p_args):
            found = project(sup, mapped, e_origin)
            if found is not None:
                return found
        return None
    for sup, mapping in supers:
        mapped = tuple(_pick(p_args, m) for m in mapping)
        found = project(sup, mapped, e_origin)
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
        base_args = tuple(norm(subst.get(a, a)) for a in typing.get_args(base))
        if not base_args:
            base_args = (ANY,) * len(variance_of(origin))
        out.append((origin, base_args))
    for base in cls.__bases__:
        if id(base) not in seen and base is not object and base is not typing.Generic:
            out.append((base, (ANY,) * len(variance_of(base))))
    return out


def check_classes(check: Check, p: object, p_origin: type, e: object, e_origin: type) -> Compat:
    e_args = typing.get_args(e)
    if not e_args and not typing.get_args(p) and e_origin in p_origin.__mro__:
        return YES
    if _promotes(p_origin, e_origin):
        return YES
    if p_origin is NONE_TYPE and e_origin is not NONE_TYPE:
        return check_protocol(check, p_origin, e) if is_structural(e_origin) else NO
    projected = project(p_origin, _args_of(p, p_origin), e_origin)
    if projected is None:
        if is_structural(e_origin):
            return check_protocol(check, p, e)
        return NO
    if not e_args:
        return YES
    variance = variance_of(e_origin)
    e_norm = tuple(norm(a) for a in e_args)
    if len(projected) != len(e_norm) or len(variance) != len(e_norm):
        return UNKNOWN
    return check_args(check, projected, e_norm, variance)


def check_args(check: Check, p_args: _Map, e_args: _Map, variance: tuple[str, ...]) -> Compat:
    verdicts: list[Compat] = []
    for pa, ea, var in zip(p_args, e_args, variance):
        if var == _CO:
            verdicts.append(check(pa, ea))
        elif var == _CONTRA:
            verdicts.append(check(ea, pa))
        elif var == _INV:
            verdicts.append(all_of([check(pa, ea), check(ea, pa)]))
        else:
            verdicts.append(any_of([check(pa, ea), check(ea, pa)]))
    return all_of(verdicts)


def _promotes(p: type, e: type) -> bool:
    """mypy's numeric promotions: int -> float -> complex (subclasses included)."""
    if e is float:
        return int in p.__mro__
    if e is complex:
        return int in p.__mro__ or float in p.__mro__
    return False
