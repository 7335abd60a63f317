"""Tuples: fixed and variadic shapes, NamedTuples, and tuples as ``Sequence`` values."""

from __future__ import annotations

import typing

from .classes import check_args, project, variance_of
from .normalise import ANY, NEVER, norm
from .protocols import check_protocol, is_structural
from .verdict import NO, UNKNOWN, YES, Check, Compat, all_of


def _tuple_shape(t: object) -> tuple[tuple[object, ...], bool]:
    """(element types, variadic): ``tuple[int, ...]`` -> ((int,), True); bare -> ((Any,), True)."""
    if is_namedtuple(t) and isinstance(t, type):
        hints = typing.get_type_hints(t)
        fields = getattr(t, "_fields", ())
        return tuple(norm(hints.get(f, ANY)) for f in fields), False
    args = typing.get_args(t)
    if typing.get_origin(t) is None:  # bare tuple
        return (ANY,), True
    if args == ((),):  # typing.Tuple[()] on old Pythons
        return (), False
    if len(args) == 2 and args[1] is Ellipsis:
        return (norm(args[0]),), True
    return tuple(norm(a) for a in args), False


def is_namedtuple(t: object) -> bool:
    return isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields")


def check_tuple_param(check: Check, p: object, p_origin: object, e: object) -> Compat:
    if p_origin is not tuple and not is_namedtuple(p):
        if isinstance(p_origin, type) and issubclass(p_origin, tuple):
            return YES if not typing.get_args(e) else UNKNOWN
        return NO
    p_elems, p_var = _tuple_shape(p)
    e_elems, e_var = _tuple_shape(e)
    if e_var:
        return all_of(check(x, e_elems[0]) for x in p_elems)
    if p_var:
        return YES if p_elems[0] is ANY else NO
    if len(p_elems) != len(e_elems):
        return NO
    return all_of(check(x, y) for x, y in zip(p_elems, e_elems))


def check_tuple_output(check: Check, p: object, e: object, e_origin: object) -> Compat:
    """A tuple value against a non-tuple parameter: it is a ``Sequence`` of its elements."""
    elems, _ = _tuple_shape(p)
    if not isinstance(e_origin, type):
        return UNKNOWN
    if e_origin in tuple.__mro__ and not typing.get_args(e):
        return YES
    e_args = typing.get_args(e)
    shape = project(tuple, (ANY,), e_origin)
    if shape is None:
        return check_protocol(tuple, e_origin) if is_structural(e_origin) else NO
    if not e_args:
        return YES
    variance = variance_of(e_origin)
    if len(e_args) != len(shape) or len(variance) != len(shape):
        return UNKNOWN
    # each element in turn stands for the tuple's item type; all must fit
    verdicts: list[Compat] = []
    for elem in elems or (NEVER,):
        projected = project(tuple, (elem,), e_origin)
        if projected is None:
            return UNKNOWN
        verdicts.append(check_args(check, projected, tuple(norm(a) for a in e_args), variance))
    return all_of(verdicts)
