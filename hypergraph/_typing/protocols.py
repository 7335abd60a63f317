"""Protocols: structural matching of classes and class objects by member names."""

from __future__ import annotations

import collections.abc as cabc
import inspect
import types
import typing
from typing import Final

import typing_extensions as te

from .verdict import NO, YES, Compat

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
    return cls in _TYPESHED_PROTOCOLS or is_protocol(cls)


def has_member(cls: type, name: str, settable: bool = False) -> bool:
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


def check_protocol(p_cls: type, proto: type) -> Compat:
    if p_cls is proto:
        return YES
    data = _protocol_data_members(proto)
    members = _protocol_members(proto)
    return YES if all(has_member(p_cls, m, m in data) for m in members) else NO


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
    return YES if all(_class_object_has(inner, m) for m in _protocol_members(proto)) else NO
