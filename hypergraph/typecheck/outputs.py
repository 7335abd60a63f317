"""Split a node's return annotation into one type per data output."""

from __future__ import annotations

import typing

import typing_extensions as te

from hypergraph.typecheck.format import format_type
from hypergraph.typecheck.hints import MISSING, Unresolved

__all__ = ["split_outputs"]


def split_outputs(returns: object, names: tuple[str, ...]) -> tuple[dict[str, object], str | None]:
    """Map output names to types; the second item explains an annotation that cannot split.

    One output takes the whole annotation. Several: ``tuple[A, B]`` of matching arity -> A, B;
    ``tuple[T, ...]`` -> T each; bare ``tuple`` or ``Any`` -> Any each.
    """
    if len(names) <= 1 or returns is MISSING or isinstance(returns, Unresolved):
        return dict.fromkeys(names, returns), None
    t = returns
    while typing.get_origin(t) in (typing.Annotated, te.Annotated):
        t = typing.get_args(t)[0]
    if t in (typing.Any, te.Any, tuple, typing.Tuple):  # noqa: UP006
        return dict.fromkeys(names, typing.Any), None
    if typing.get_origin(t) is tuple:
        args = typing.get_args(t)
        if len(args) == 2 and args[1] is Ellipsis:
            return dict.fromkeys(names, args[0]), None
        if args == ((),):
            args = ()
        if len(args) == len(names):
            return dict(zip(names, args)), None
    problem = (
        f"has {len(names)} outputs ({', '.join(repr(n) for n in names)}) but its return "
        f"annotation {format_type(returns)} is not a tuple of {len(names)} types"
    )
    return dict.fromkeys(names, MISSING), problem
