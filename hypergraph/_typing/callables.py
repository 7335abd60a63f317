"""Callables and type objects: ``Callable`` signatures, ``type[...]`` and class objects."""

from __future__ import annotations

import collections.abc as cabc
import enum
import typing
from typing import Any

from .classes import project
from .normalise import ANY, NONE_TYPE, norm
from .protocols import (
    check_class_object_protocol,
    check_protocol,
    has_member,
    is_protocol,
    is_structural,
    metaclass_mro,
)
from .verdict import NO, UNKNOWN, YES, Check, Compat, all_of


def check_callable_param(check: Check, p: object, p_origin: object, e: object) -> Compat:
    e_args = typing.get_args(e)
    if p_origin is cabc.Callable:
        p_args = typing.get_args(p)
        if not e_args or not p_args:
            return YES
        return _check_signatures(check, p_args, e_args)
    if p_origin is type:
        inner = typing.get_args(p)
        made = norm(inner[0]) if inner else ANY
        if not e_args:
            return YES
        returns = check(made, norm(e_args[-1]))
        if e_args[0] is Ellipsis or returns is NO:
            return returns
        return UNKNOWN  # constructor signature: not modelled
    if p is NONE_TYPE:
        return NO
    if isinstance(p_origin, type):
        if has_member(p_origin, "__call__"):
            return UNKNOWN
        return NO
    return UNKNOWN


def _check_signatures(check: Check, p_args: tuple[Any, ...], e_args: tuple[Any, ...]) -> Compat:
    p_params, p_ret = p_args[0], p_args[-1]
    e_params, e_ret = e_args[0], e_args[-1]
    ret = check(norm(p_ret), norm(e_ret))
    if p_params is Ellipsis or e_params is Ellipsis:
        return ret
    if not isinstance(p_params, (list, tuple)) or not isinstance(e_params, (list, tuple)):
        return all_of([ret, UNKNOWN])
    if len(p_params) != len(e_params):
        return NO
    params = [check(norm(ea), norm(pa)) for pa, ea in zip(p_params, e_params)]
    return all_of([*params, ret])


def check_callable_output(e_origin: object) -> Compat:
    """A Callable value against a non-Callable parameter type."""
    if isinstance(e_origin, type):
        if is_protocol(e_origin):
            return UNKNOWN if has_member(e_origin, "__call__") else NO
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
                return check_protocol(type, e_origin)
            if isinstance(inner, type) and issubclass(inner, enum.Enum):
                if e_origin is cabc.Iterable:
                    return YES  # mypy binds EnumMeta.__iter__ loosely
                items = project(cabc.Collection, (inner,), e_origin)
                e_args = typing.get_args(e)
                if items is not None and len(items) == len(e_args) == 1:
                    return check(inner, norm(e_args[0]))
            return check_class_object_protocol(inner, e_origin)
        return YES if e_origin in metaclass_mro(inner) else NO
    return UNKNOWN
