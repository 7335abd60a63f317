"""Protocols: structural matching of values and class objects, member by member.

A protocol member is compared with the value's member the way mypy does it: methods by
signature (parameter names only matter for ``__call__``), attributes by type, invariantly when
the protocol's attribute is settable (then the value's must be settable too: a frozen dataclass
field or a read-only property is not), class variables against class variables. Generic
protocols and generic classes have their type variables substituted first. Members of C
builtins have no inspectable signature: for those only presence counts (and a few dunder
return types typeshed declares, see ``_BUILTIN_RETURNS``).
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import dis
import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import typing_extensions as te

from .normalise import ANY, NONE_TYPE, is_typevar, norm, substitute
from .signatures import Signature, callable_signature, function_signature, is_subsignature
from .signatures import with_self as _with_self
from .verdict import NO, YES, Check, Compat, all_of

# ABCs that typeshed declares as Protocols: member name -> return type given the item type.
_Returns = Callable[[object], object]
_ABC_PROTOCOLS: Final[dict[object, dict[str, _Returns]]] = {
    cabc.Hashable: {"__hash__": lambda t: int},
    cabc.Sized: {"__len__": lambda t: int},
    cabc.Container: {"__contains__": lambda t: bool},
    cabc.Iterable: {"__iter__": lambda t: cabc.Iterator[t]},  # type: ignore[valid-type]
    cabc.Iterator: {
        "__next__": lambda t: t,
        "__iter__": lambda t: cabc.Iterator[t],  # type: ignore[valid-type]
    },
    cabc.Reversible: {
        "__reversed__": lambda t: cabc.Iterator[t],  # type: ignore[valid-type]
        "__iter__": lambda t: cabc.Iterator[t],  # type: ignore[valid-type]
    },
    cabc.Collection: {
        "__len__": lambda t: int,
        "__iter__": lambda t: cabc.Iterator[t],  # type: ignore[valid-type]
        "__contains__": lambda t: bool,
    },
    cabc.AsyncIterable: {"__aiter__": lambda t: cabc.AsyncIterator[t]},  # type: ignore[valid-type]
    cabc.AsyncIterator: {
        "__anext__": lambda t: cabc.Awaitable[t],  # type: ignore[valid-type]
        "__aiter__": lambda t: cabc.AsyncIterator[t],  # type: ignore[valid-type]
    },
    cabc.Awaitable: {"__await__": lambda t: cabc.Generator[Any, Any, t]},  # type: ignore[valid-type]
    cabc.Buffer if hasattr(cabc, "Buffer") else te.Buffer: {"__buffer__": lambda t: memoryview},
}

# Return types typeshed gives some dunders of C builtins (used by the ``typing.Supports*``).
_BUILTIN_RETURNS: Final[dict[tuple[type, str], object]] = {
    (int, "__abs__"): int,
    (float, "__abs__"): float,
    (complex, "__abs__"): float,
    (int, "__int__"): int,
    (float, "__int__"): int,
    (int, "__float__"): float,
    (float, "__float__"): float,
    (int, "__index__"): int,
    (int, "__complex__"): complex,
    (float, "__complex__"): complex,
    (complex, "__complex__"): complex,
    (bytes, "__bytes__"): bytes,
    (int, "__hash__"): int,
    (str, "__len__"): int,
    (bytes, "__len__"): int,
}


class _RealLike:
    """typeshed's return type of ``numbers.Complex.__abs__``: a protocol no builtin is."""


# The same for stdlib classes written in Python without annotations: "self" = the class.
_STDLIB_RETURNS: Final[dict[tuple[str, str], object]] = {
    ("fractions.Fraction", "__abs__"): "self",
    ("decimal.Decimal", "__abs__"): "self",
    ("numbers.Complex", "__abs__"): _RealLike,
}


def is_protocol(cls: object) -> bool:
    return bool(getattr(cls, "_is_protocol", False)) and cls not in (typing.Protocol, te.Protocol)


def is_structural(cls: object) -> bool:
    return cls in _ABC_PROTOCOLS or is_protocol(cls)


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


@dataclass(frozen=True)
class Member:
    """One member as a type checker sees it: a method (``sig``) or an attribute (``type``)."""

    sig: Signature | None = None
    type: object = ANY
    is_method: bool = False
    settable: bool = False
    classvar: bool = False
    owner: object = None


@functools.lru_cache(maxsize=1024)
def _protocol_names(proto: type) -> tuple[str, ...]:
    known = _ABC_PROTOCOLS.get(proto)
    if known is not None:
        return tuple(known)
    names: dict[str, None] = {}
    for base in proto.__mro__:
        if base in (object, typing.Generic, typing.Protocol, te.Protocol):
            continue
        if base in _ABC_PROTOCOLS:
            names.update(dict.fromkeys(_ABC_PROTOCOLS[base]))
            continue
        for name in (*vars(base), *getattr(base, "__annotations__", {})):
            if name not in _NOT_MEMBERS and not name.startswith("_abc_"):
                names[name] = None
    return tuple(names)


# typeshed declares these ABCs as Protocols: their values carry no ``object`` members for mypy
_TYPESHED_PROTOCOLS: Final = frozenset(
    {*_ABC_PROTOCOLS, cabc.Generator, cabc.AsyncGenerator, cabc.Coroutine}
)
_ABC_MODULES: Final = ("collections.abc", "_collections_abc", "typing", "numbers")


def _is_protocol_value(cls: type) -> bool:
    return cls in _TYPESHED_PROTOCOLS or is_protocol(cls)


def has_member(cls: type, name: str) -> bool:
    """Whether instances of ``cls`` have attribute ``name`` as mypy sees the class."""
    return find_member(cls, (), name) is not None


def _type_mapping(cls: type, args: tuple[object, ...]) -> dict[object, object]:
    """TypeVar -> type for ``cls[args]`` and every generic base it derives from."""
    mapping: dict[object, object] = {}
    params = getattr(cls, "__parameters__", ())
    mapping.update(zip(params, args or (ANY,) * len(params)))
    _walk_bases(cls, mapping, 0)
    return mapping


def _walk_bases(cls: type, mapping: dict[object, object], depth: int) -> None:
    if depth > 20:
        return
    for base in getattr(cls, "__orig_bases__", ()):
        origin = typing.get_origin(base)
        if not isinstance(origin, type) or origin in (typing.Generic, typing.Protocol):
            continue
        params = getattr(origin, "__parameters__", ())
        for param, arg in zip(params, typing.get_args(base)):
            if param not in mapping:
                mapping[param] = mapping.get(arg, arg) if is_typevar(arg) else arg
        _walk_bases(origin, mapping, depth + 1)


def find_member(cls: type, args: tuple[object, ...], name: str) -> Member | None:
    """Member ``name`` of instances of ``cls[args]`` (None when absent)."""
    try:
        return _find_member(cls, args, name)
    except TypeError:  # unhashable arguments: look it up uncached
        return _find_member.__wrapped__(cls, args, name)


@functools.lru_cache(maxsize=4096)
def _find_member(cls: type, args: tuple[object, ...], name: str) -> Member | None:
    skip_object = _is_protocol_value(cls)
    mapping = _type_mapping(cls, args) if (args or hasattr(cls, "__orig_bases__")) else {}
    for base in cls.__mro__:
        if base is object and skip_object:
            break
        if name in vars(base):
            value = vars(base)[name]
            if value is None and name == "__hash__":
                if base.__module__ in _ABC_MODULES:
                    if _numbers_eq(base):
                        return None
                    return Member(is_method=True)  # typeshed keeps these ABCs hashable
                if _implicit_hash_none(base):
                    continue  # mypy looks further up, as if the class did not define it
                return None
            return _member_from_value(cls, base, name, value, mapping)
        annotations = getattr(base, "__annotations__", {})
        if name in annotations and not _is_namedtuple(base):
            return _annotated_member(cls, base, name, mapping)
    if not name.startswith("__"):
        slots = getattr(cls, "__slots__", ())
        if name in (slots if isinstance(slots, (tuple, list)) else (slots,)):
            return Member(settable=True)
        if _assigned_in_methods(cls, name):
            return Member(settable=True)
    return None


def _member_from_value(
    cls: type, base: type, name: str, value: object, mapping: Mapping[object, object]
) -> Member | None:
    if value is None:
        return Member(type=NONE_TYPE, settable=True)
    known = _STDLIB_RETURNS.get((f"{base.__module__}.{base.__qualname__}", name))
    if known is not None:
        made = base if known == "self" else known
        return Member(sig=Signature((), made, any_params=True), is_method=True)
    if isinstance(value, staticmethod):
        return Member(sig=_sig(value.__func__, False, mapping, cls), is_method=True)
    if isinstance(value, classmethod):
        return Member(sig=_sig(value.__func__, True, mapping, cls), is_method=True)
    if isinstance(value, (property, types.DynamicClassAttribute)):
        getter = _sig(value.fget, False, mapping, cls) if value.fget is not None else None
        return Member(
            type=getter.returns if getter is not None else ANY, settable=value.fset is not None
        )
    if isinstance(value, types.FunctionType):
        return Member(sig=_sig(value, True, mapping, cls), is_method=True)
    if _is_namedtuple(base) and name in getattr(base, "_fields", ()):
        return Member(type=_annotation(base, name, mapping))
    if callable(value) and type(value).__name__ in _C_METHODS:
        return Member(
            sig=_c_signature(value, _BUILTIN_RETURNS.get((base, name), ANY)), is_method=True
        )
    if type(value).__name__ in ("member_descriptor", "getset_descriptor"):
        return Member(type=ANY, settable=True)
    if name in getattr(base, "__annotations__", {}):
        return _annotated_member(cls, base, name, mapping)
    if isinstance(value, (int, float, complex, str, bytes)):
        return Member(type=type(value), settable=True)
    return Member(settable=True)


def _c_signature(method: object, returns: object) -> Signature:
    """A C method's parameter shape from its text signature, every type Any (typeshed's types
    are not available at run time); any arguments when it has no text signature."""
    sig = function_signature(method, True)
    if sig is None:
        return Signature((), returns, any_params=True)
    return Signature(sig.params, returns)


_C_METHODS: Final = frozenset(
    {
        "method_descriptor",
        "wrapper_descriptor",
        "builtin_function_or_method",
        "classmethod_descriptor",
    }
)


def _numbers_eq(base: type) -> bool:
    """``numbers.Complex`` and below: typeshed declares ``__hash__: ClassVar[None]``."""
    return base.__module__ == "numbers" and "__eq__" in vars(base)


_HEAPTYPE: Final = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a ``class`` statement


def _implicit_hash_none(base: type) -> bool:
    """``__hash__ = None`` that the runtime set, not the class's author: Python sets it on a
    class defining ``__eq__`` without ``__hash__`` (and so on ``eq=True`` dataclasses); mypy
    does not model that and keeps looking up the MRO. C types (``list``, ``deque``) declare
    ``__hash__: ClassVar[None]`` in typeshed, as does an explicit ``__hash__`` annotation."""
    if not base.__flags__ & _HEAPTYPE or "__hash__" in getattr(base, "__annotations__", {}):
        return False
    return "__eq__" in vars(base) or dataclasses.is_dataclass(base)


def _annotated_member(cls: type, base: type, name: str, mapping: Mapping[object, object]) -> Member:
    raw = getattr(base, "__annotations__", {}).get(name)
    outer = _outer_qualifier(raw)
    t = _annotation(base, name, mapping)
    classvar = outer is typing.ClassVar
    frozen = _frozen_dataclass(cls) and not classvar
    final = outer is typing.Final
    sig = callable_signature(t) if typing.get_origin(t) is cabc.Callable else None
    return Member(
        type=t,
        settable=not (frozen or final),
        classvar=classvar,
        sig=sig,
        owner=base,
    )


def _outer_qualifier(raw: object) -> object:
    if isinstance(raw, str):
        text = raw.strip()
        for prefix, qualifier in (("ClassVar", typing.ClassVar), ("Final", typing.Final)):
            if text.startswith(prefix) or f".{prefix}" in text.split("[")[0]:
                return qualifier
        return None
    origin = typing.get_origin(raw)
    if origin is typing.ClassVar or raw is typing.ClassVar:
        return typing.ClassVar
    if origin is typing.Final or raw is typing.Final:
        return typing.Final
    return None


def _frozen_dataclass(cls: type) -> bool:
    params = getattr(cls, "__dataclass_params__", None)
    return bool(getattr(params, "frozen", False))


def _annotation(base: type, name: str, mapping: Mapping[object, object]) -> object:
    t = _class_hints(base).get(name, ANY)
    return norm(substitute(t, mapping)) if mapping else norm(t)


@functools.lru_cache(maxsize=1024)
def _class_hints(base: type) -> dict[str, object]:
    try:
        return typing.get_type_hints(base)
    except Exception:  # unresolvable names: those annotations count as Any
        return {}


def _sig(
    func: object, bound: bool, mapping: Mapping[object, object], owner: object
) -> Signature | None:
    sig = function_signature(func, bound, mapping)
    return _with_self(sig, owner) if sig is not None else None


def _is_namedtuple(t: object) -> bool:
    return isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields")


def _assigned_in_methods(cls: type, name: str) -> bool:
    """Instance attributes set in a method body (``self.name = ...``) count as members."""
    for base in cls.__mro__:
        if base.__module__ in _RUNTIME_MODULES:
            continue
        for value in vars(base).values():
            code = getattr(value, "__code__", None)
            if code is None or name not in code.co_names:
                continue
            for ins in dis.get_instructions(code):
                if ins.opname == "STORE_ATTR" and ins.argval == name:
                    return True
    return False


_RUNTIME_MODULES: Final = frozenset({"builtins", "typing", "typing_extensions", "abc"})


def protocol_members(proto: type, args: tuple[object, ...]) -> dict[str, Member]:
    """Every member protocol ``proto[args]`` requires, with its signature or type."""
    known = _ABC_PROTOCOLS.get(proto)
    if known is not None:
        item = norm(args[0]) if args else ANY
        return {
            name: Member(sig=Signature((), norm(make(item)), any_params=True), is_method=True)
            for name, make in known.items()
        }
    out: dict[str, Member] = {}
    for name in _protocol_names(proto):
        member = find_member(proto, args, name)
        if member is not None:
            out[name] = member
    return out


def check_protocol(check: Check, p: object, e: object) -> Compat:
    """Whether a ``p`` value satisfies protocol ``e`` (both possibly parametrised)."""
    p_origin = typing.get_origin(p) or p
    e_origin = typing.get_origin(e) or e
    if not isinstance(p_origin, type) or not isinstance(e_origin, type):
        return YES
    if p_origin is e_origin and not typing.get_args(e):
        return YES
    p_args = tuple(typing.get_args(p))
    wanted = protocol_members(e_origin, tuple(typing.get_args(e)))
    verdicts: list[Compat] = []
    for name, want in wanted.items():
        have = find_member(p_origin, p_args, name)
        if have is None:
            return NO
        verdict = compare_members(check, have, want, name)
        if verdict is NO:
            return NO
        verdicts.append(verdict)
    return all_of(verdicts)


def compare_members(check: Check, have: Member, want: Member, name: str) -> Compat:
    """One member of a value against the protocol's member of the same name."""
    ignore_names = name != "__call__"
    if want.is_method or (want.sig is not None and not want.settable):
        if want.sig is None:
            return YES
        have_sig = have.sig if have.sig is not None else _attr_signature(have.type)
        if have_sig is None:
            return YES if have.type is ANY else NO
        return is_subsignature(check, have_sig, want.sig, ignore_names)
    # an attribute (or a property) of the protocol
    if have.is_method:
        if want.settable:
            return NO
        want_sig = callable_signature(want.type) if _is_callable(want.type) else None
        if want_sig is None or have.sig is None:
            return YES if want.type is ANY or have.sig is None else NO
        return is_subsignature(check, have.sig, want_sig, True)
    if want.settable:
        if not have.settable or have.classvar != want.classvar:
            return NO
        return all_of([check(have.type, want.type), check(want.type, have.type)])
    if want.classvar and not have.classvar:
        return NO
    return check(have.type, want.type)


def _is_callable(t: object) -> bool:
    return typing.get_origin(t) is cabc.Callable or t is cabc.Callable


def _attr_signature(t: object) -> Signature | None:
    if _is_callable(t):
        return callable_signature(t)
    return None


def _class_object_has(cls: object, name: str) -> bool:
    """Whether the class object ``cls`` (a ``type[cls]`` value) has attribute ``name``."""
    meta_mro = metaclass_mro(cls)
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


def metaclass_mro(cls: object) -> tuple[type, ...]:
    meta: type = type(cls) if isinstance(cls, type) else type
    return inspect.getmro(meta)


def check_class_object_protocol(inner: object, proto: type) -> Compat:
    return YES if all(_class_object_has(inner, m) for m in _protocol_names(proto)) else NO
