"""TypedDict: key-by-key comparison honouring required and read-only keys."""

from __future__ import annotations

import typing
from typing import Any

import typing_extensions as te

from .normalise import ANNOTATED, WRAPPERS, norm
from .verdict import NO, Check, Compat, all_of


def _typeddict_items(td: object) -> tuple[dict[str, Any], frozenset[str], frozenset[str]]:
    """(key -> value type, required keys, read-only keys) of a TypedDict."""
    try:
        hints = typing.get_type_hints(td, include_extras=True)
    except Exception:  # unresolvable forward refs: keep raw values (opaque ones stay opaque)
        hints = {}
        for base in reversed(getattr(td, "__mro__", ())):
            hints.update(getattr(base, "__annotations__", {}))
    required = set(getattr(td, "__required_keys__", hints))
    readonly = set(getattr(td, "__readonly_keys__", ()))
    for key, value in hints.items():
        # string annotations hide Required/NotRequired from the runtime's own bookkeeping
        for qualifier in _qualifiers(value):
            if qualifier is te.NotRequired:
                required.discard(key)
            elif qualifier is te.Required:
                required.add(key)
            elif qualifier is te.ReadOnly:
                readonly.add(key)
    return hints, frozenset(required), frozenset(readonly)


def _qualifiers(t: object) -> list[object]:
    found: list[object] = []
    while True:
        origin = typing.get_origin(t)
        if origin in WRAPPERS or origin in ANNOTATED:
            found.append(origin)
            t = typing.get_args(t)[0]
            continue
        return found


def check_typeddict_pair(check: Check, p: object, e: object) -> Compat:
    p_items, p_req, p_ro = _typeddict_items(p)
    e_items, e_req, e_ro = _typeddict_items(e)
    verdicts: list[Compat] = []
    for key, e_type in e_items.items():
        if key not in p_items:
            return NO
        if (key in e_req) != (key in p_req) and not (key in e_ro and key in p_req):
            return NO
        if key in p_ro and key not in e_ro:
            return NO  # a read-only item cannot stand for one the consumer may write
        forward = check(norm(p_items[key]), norm(e_type))
        if key in e_ro:
            verdicts.append(forward)
        else:
            verdicts.append(all_of([forward, check(norm(e_type), norm(p_items[key]))]))
    return all_of(verdicts)
