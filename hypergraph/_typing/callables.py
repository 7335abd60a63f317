"""Callables and type objects: ``Callable`` signatures, callback protocols, ``type[...]``."""

from __future__ import annotations

import collections.abc as cabc
import enum
import types
import typing

from .classes import project
from .normalise import ANY, NONE_TYPE, norm
from .protocols import (
    check_class_object_protocol,
    check_protocol,
    compare_members,
    find_member,
    is_protocol,
    is_structural,
    metaclass_mro,
    protocol_members,
)
from .signatures import callable_signature, is_subsignature
from .verdict import NO, UNKNOWN, YES, Check, Compat, all_of


def check_callable_param(check: Check, p: object, p_origin: object, e: object) -> Compat:
    """A value of type ``p`` against a ``Callable[...]`` parameter."""
    want = callable_signature(e)
    if want is None:
        return UNKNOWN  # ParamSpec / Concatenate
    if p_origin is cabc.Callable:
        have = callable_signature(p)
        if have is None:
            return UNKNOWN
        return is_subsignature(check, have, want, True)
    if p_origin is type:
        inner = typing.get_args(p)
        made = norm(inner[0]) if inner else ANY
        returns = check(made, want.returns)
        if want.any_params or returns is NO:
            return returns
        return UNKNOWN  # constructor signature: not modelled
    if p is NONE_TYPE:
        return NO
    if isinstance(p_origin, type):
        member = find_member(p_origin, tuple(typing.get_args(p)), "__call__")
        if member is None:
            return NO
        have_sig = member.sig
        if have_sig is None:
            return YES if member.type is ANY else UNKNOWN
        return is_subsignature(check, have_sig, want, True)
    return UNKNOWN


def check_callable_output(check: Check, p: object, e: object, e_origin: object) -> Compat:
    """A ``Callable[...]`` value against a non-Callable parameter (a callback protocol)."""
    if not isinstance(e_origin, type):
        return UNKNOWN
    if is_protocol(e_origin):
        have = callable_signature(p)
        wanted = protocol_members(e_origin, tuple(typing.get_args(e)))
        verdicts: list[Compat] = []
        for name, want in wanted.items():
            if name == "__call__":
                if have is None or want.sig is None:
                    verdicts.append(UNKNOWN)
                    continue
                verdicts.append(is_subsignature(check, have, want.sig, False))
                continue
            member = find_member(types.FunctionType, (), name)  # what a function object has
            if member is None:
                return NO
            verdicts.append(compare_members(check, member, want, name))
        return all_of(verdicts)
    if e_origin is cabc.Hashable:
        return YES
    return NO


def check_type_objects(
    check: Check, p: object, p_origin: object, e: object, e_origin: object
) -> Compat:
    if e_origin is type:
        if p_origin is not type:
            if isinstance(p_origin, type) and issubclass(p_origin, type):
                return YES if not typing.get_args(e) else UNKNOWN  # metaclass instances
            return NO
        p_args, e_args = typing.get_args(p), typing.get_args(e)
        if not p_args or not e_args:
            return YES
        return check(norm(p_args[0]), norm(e_args[0]))
    # produced type[...] against something else: a class object is an instance of its metaclass
    if isinstance(e_origin, type):
        p_args = typing.get_args(p)
        inner = norm(p_args[0]) if p_args else ANY
        if is_structural(e_origin):
            if not p_args:
                return check_protocol(check, type, e)
            if isinstance(inner, type) and issubclass(inner, enum.Enum):
                if e_origin is cabc.Iterable:
                    return YES  # mypy binds EnumMeta.__iter__ loosely
                items = project(cabc.Collection, (inner,), e_origin)
                e_args = typing.get_args(e)
                if items is not None and len(items) == len(e_args) == 1:
                    return check(inner, norm(e_args[0]))
            if is_protocol(e_origin):
                call = protocol_members(e_origin, tuple(typing.get_args(e))).get("__call__")
                # calling a class object constructs an instance: the return must fit
                sig = call.sig if call is not None else None
                if sig is not None and check(inner, sig.returns) is NO:
                    return NO
            return check_class_object_protocol(inner, e_origin)
        return YES if e_origin in metaclass_mro(inner) else NO
    return UNKNOWN
