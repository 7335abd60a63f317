"""Cheap hints that come with a type mismatch ("list is invariant; use Sequence[float]")."""

from __future__ import annotations

import types
import typing

from hypergraph._typing import is_type_compatible
from hypergraph.typecheck.format import format_type

__all__ = ["mismatch_hint"]

_COVARIANT_VIEW = {
    list: "Sequence",
    set: "AbstractSet",
    dict: "Mapping",
}


def _args(t: object) -> tuple[object, ...]:
    return typing.get_args(t)


def mismatch_hint(produced: object, expected: object) -> str | None:
    """A one-line suggestion for a rejected ``produced -> expected`` pair, or None."""
    p_origin, e_origin = typing.get_origin(produced), typing.get_origin(expected)
    if p_origin is e_origin and p_origin in _COVARIANT_VIEW:
        p_args, e_args = _args(produced), _args(expected)
        if len(p_args) == len(e_args) and all(map(is_type_compatible, p_args, e_args)):
            view = _COVARIANT_VIEW[p_origin]
            inner = ", ".join(format_type(a) for a in e_args)
            part = " in its value type" if p_origin is dict else ""
            return f"{p_origin.__name__} is invariant{part}; use {view}[{inner}]"
    if p_origin in (typing.Union, types.UnionType) and type(None) in _args(produced):
        rest = [a for a in _args(produced) if a is not type(None)]
        if rest and all(is_type_compatible(a, expected) for a in rest):
            return (
                "the producer may return None; handle None before, or annotate the parameter "
                f"as {format_type(expected)} | None"
            )
    if (
        e_origin in (list, tuple)
        and p_origin is not None
        and p_origin.__name__
        in (
            "Iterator",
            "Generator",
            "Iterable",
        )
    ):
        return "an iterator is not a list; annotate the parameter as Iterable[...] or use list()"
    if produced is float and expected is int:
        return "float is not accepted for int; round or convert explicitly"
    return None
