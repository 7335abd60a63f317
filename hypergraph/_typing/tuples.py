"""Tuples: fixed, variadic and unpacked shapes, NamedTuples, and tuples as ``Sequence`` values."""

from __future__ import annotations

import typing
from dataclasses import dataclass

import typing_extensions as te

from .classes import check_args, project, variance_of
from .normalise import ANY, NEVER, norm
from .protocols import check_protocol, is_structural
from .verdict import NO, UNKNOWN, YES, Check, Compat, all_of

_UNPACKS = (typing.Unpack, te.Unpack) if hasattr(typing, "Unpack") else (te.Unpack,)


@dataclass(frozen=True)
class Shape:
    """``tuple[*head, *tuple[star, ...], *tail]``; ``star`` is None for a fixed length."""

    head: tuple[object, ...]
    star: object | None = None
    tail: tuple[object, ...] = ()

    @property
    def items(self) -> tuple[object, ...]:
        """Every element type (the variadic one once): what the tuple yields as a Sequence."""
        middle = () if self.star is None else (self.star,)
        return (*self.head, *middle, *self.tail)


class OpaqueShape(Exception):
    """A shape the engine does not model (an unpacked ``TypeVarTuple``)."""


def tuple_shape(t: object) -> Shape:
    """The shape of a tuple type: ``tuple[int, ...]`` -> (), int, (); bare -> (), Any, ()."""
    if is_namedtuple(t) and isinstance(t, type):
        hints = typing.get_type_hints(t)
        fields = getattr(t, "_fields", ())
        return Shape(tuple(norm(hints.get(f, ANY)) for f in fields))
    args = typing.get_args(t)
    if typing.get_origin(t) is None:  # bare tuple
        return Shape((), ANY)
    if args == ((),):  # typing.Tuple[()] on old Pythons
        return Shape(())
    if len(args) == 2 and args[1] is Ellipsis:
        return Shape((), norm(args[0]))
    head: list[object] = []
    tail: list[object] = []
    star: object | None = None
    for arg in args:
        inner = _unpacked(arg)
        if inner is None:
            (head if star is None else tail).append(norm(arg))
            continue
        sub = tuple_shape(inner)
        if sub.star is not None and star is not None:
            raise OpaqueShape  # two variadic parts: not a valid tuple type
        (head if star is None else tail).extend(sub.head)
        if sub.star is not None:
            star = sub.star
            tail.extend(sub.tail)
    return Shape(tuple(head), star, tuple(tail))


def _unpacked(arg: object) -> object | None:
    """The tuple inside ``*tuple[...]`` / ``Unpack[tuple[...]]``; None for a plain element."""
    if getattr(arg, "__unpacked__", False) and typing.get_origin(arg) is tuple:
        args: tuple[object, ...] = typing.get_args(arg)
        shape: object = tuple.__class_getitem__(args) if args else tuple[()]
        return shape
    if typing.get_origin(arg) in _UNPACKS:
        inner: object = typing.get_args(arg)[0]
        if typing.get_origin(inner) is tuple or inner is tuple:
            return inner
        raise OpaqueShape  # Unpack[Ts]
    return None


def is_namedtuple(t: object) -> bool:
    return isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields")


def check_tuple_param(check: Check, p: object, p_origin: object, e: object) -> Compat:
    if p_origin is not tuple and not is_namedtuple(p):
        if isinstance(p_origin, type) and issubclass(p_origin, tuple):
            return YES if not typing.get_args(e) else UNKNOWN
        return NO
    try:
        return _check_shapes(check, tuple_shape(p), tuple_shape(e))
    except OpaqueShape:
        return UNKNOWN


def _check_shapes(check: Check, p: Shape, e: Shape) -> Compat:
    if e.star is None:
        if p.star is None:
            if len(p.head) != len(e.head):
                return NO
            return all_of(check(x, y) for x, y in zip(p.head, e.head))
        # a variadic value fits a fixed shape only when its variable part is Any
        fixed = len(p.head) + len(p.tail)
        if p.star is not ANY or fixed > len(e.head):
            return NO
        middle = (ANY,) * (len(e.head) - fixed)
        return all_of(check(x, y) for x, y in zip((*p.head, *middle, *p.tail), e.head))
    need = len(e.head) + len(e.tail)
    if p.star is None:
        if len(p.head) < need:
            return NO
        cut = len(p.head) - len(e.tail)
        pairs = [
            *zip(p.head[: len(e.head)], e.head),
            *((x, e.star) for x in p.head[len(e.head) : cut]),
            *zip(p.head[cut:], e.tail),
        ]
        return all_of(check(x, y) for x, y in pairs)
    head, tail = p.head, p.tail
    if len(head) < len(e.head) or len(tail) < len(e.tail):
        if p.star is not ANY:
            return NO
        head = (*head, *(ANY,) * max(0, len(e.head) - len(head)))
        tail = (*(ANY,) * max(0, len(e.tail) - len(tail)), *tail)
    cut = len(tail) - len(e.tail)
    pairs = [
        *zip(head[: len(e.head)], e.head),
        *((x, e.star) for x in head[len(e.head) :]),
        (p.star, e.star),
        *((x, e.star) for x in tail[:cut]),
        *zip(tail[cut:], e.tail),
    ]
    return all_of(check(x, y) for x, y in pairs)


def check_tuple_output(check: Check, p: object, e: object, e_origin: object) -> Compat:
    """A tuple value against a non-tuple parameter: it is a ``Sequence`` of its elements."""
    try:
        elems = tuple_shape(p).items
    except OpaqueShape:
        return UNKNOWN
    if not isinstance(e_origin, type):
        return UNKNOWN
    if e_origin in tuple.__mro__ and not typing.get_args(e):
        return YES
    e_args = typing.get_args(e)
    shape = project(tuple, (ANY,), e_origin)
    if shape is None:
        if not is_structural(e_origin):
            return NO
        return check_protocol(check, p if is_namedtuple(p) else tuple, e)
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
