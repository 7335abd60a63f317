"""Execution mode against annotation: generators must be annotated as the iterators they are."""

from __future__ import annotations

import collections.abc as cabc
import types
import typing
from typing import Any, Literal

import typing_extensions as te

from hypergraph.typecheck.format import format_type

__all__ = [
    "Family",
    "consumer_family_error",
    "family_of",
    "mode_label",
    "producer_mode_error",
    "runtime_output_type",
    "suggested_annotation",
]

Family = Literal["sync", "async"]

_SYNC: frozenset[object] = frozenset({cabc.Iterator, cabc.Iterable, cabc.Generator})
_ASYNC: frozenset[object] = frozenset({cabc.AsyncIterator, cabc.AsyncIterable, cabc.AsyncGenerator})
_EXPECTED = {
    "sync": "Iterator[...], Iterable[...] or Generator[...]",
    "async": "AsyncIterator[...], AsyncIterable[...] or AsyncGenerator[...]",
}
_PARAM_EXPECTED = {
    "sync": "Iterator[...] or Iterable[...]",
    "async": "AsyncIterator[...] or AsyncIterable[...]",
}


def mode_label(is_async: bool) -> str:
    """Human name of a generator mode."""
    return (
        "an async generator (async def with yield)"
        if is_async
        else "a sync generator (def with yield)"
    )


def _strip(t: object) -> object:
    while typing.get_origin(t) in (typing.Annotated, te.Annotated):
        t = typing.get_args(t)[0]
    return t


def family_of(t: object) -> Family | None:
    """'sync' for Iterator/Iterable/Generator, 'async' for the async ones, else None."""
    t = _strip(t)
    origin = typing.get_origin(t) or t
    if origin in _SYNC:
        return "sync"
    if origin in _ASYNC:
        return "async"
    return None


def _is_any(t: object) -> bool:
    return _strip(t) in (typing.Any, te.Any)


def producer_mode_error(is_async: bool, annotation: object) -> str | None:
    """Why ``annotation`` does not fit a generator of this mode (None when it fits)."""
    if _is_any(annotation):
        return None
    mode: Family = "async" if is_async else "sync"
    if family_of(annotation) == mode:
        return None
    return f"expected {_EXPECTED[mode]}"


def runtime_output_type(is_async: bool, annotation: object) -> object:
    """What consumers really receive: the annotation if it fits the mode, else a generic one."""
    if producer_mode_error(is_async, annotation) is None:
        return annotation
    return cabc.AsyncIterator[Any] if is_async else cabc.Iterator[Any]


def suggested_annotation(is_async: bool, t: object) -> str:
    """The annotation a generator of this mode should have, keeping the item type."""
    args = typing.get_args(_strip(t))
    item = format_type(args[0]) if args else "..."
    return f"AsyncIterator[{item}]" if is_async else f"Iterator[{item}]"


def _members(t: object) -> tuple[object, ...]:
    t = _strip(t)
    if typing.get_origin(t) in (typing.Union, types.UnionType):
        return tuple(_strip(a) for a in typing.get_args(t))
    return (t,)


def consumer_family_error(is_async: bool, expected: object) -> str | None:
    """The fix when a parameter wants the other generator family than the producer gives."""
    mode: Family = "async" if is_async else "sync"
    families = {family_of(m) for m in _members(expected)}
    if mode in families or None in families:
        return None
    return f"expected a parameter annotated {_PARAM_EXPECTED[mode]}"
