"""Signatures: the parameter lists of ``Callable`` types and methods, and mypy's subtyping of them.

A :class:`Signature` is what a call site may rely on: each parameter's kind (positional-only,
positional-or-keyword, ``*args``, keyword-only, ``**kwargs``), its name, its type and whether it
has a default. ``Callable[[int], str]`` has anonymous positional-only parameters;
``Callable[..., R]`` accepts any arguments.
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import typing_extensions as te

from .normalise import ANY, norm, substitute
from .verdict import NO, Check, Compat, all_of

_PO = inspect.Parameter.POSITIONAL_ONLY
_PK = inspect.Parameter.POSITIONAL_OR_KEYWORD
_VA = inspect.Parameter.VAR_POSITIONAL
_KO = inspect.Parameter.KEYWORD_ONLY
_VK = inspect.Parameter.VAR_KEYWORD
_SELF_TYPES = tuple(s for s in (getattr(typing, "Self", None), te.Self) if s is not None)


@dataclass(frozen=True)
class Param:
    """One parameter: ``name`` is None for the anonymous ones of ``Callable[[...], R]``."""

    name: str | None
    type: object
    kind: inspect._ParameterKind
    optional: bool = False


@dataclass(frozen=True)
class Signature:
    """Parameters and return type; ``any_params`` for ``Callable[..., R]``."""

    params: tuple[Param, ...]
    returns: object
    any_params: bool = False

    def of_kind(self, *kinds: inspect._ParameterKind) -> list[Param]:
        return [p for p in self.params if p.kind in kinds]


def callable_signature(t: object) -> Signature | None:
    """The signature of a ``Callable[...]`` type; None for ParamSpec/Concatenate forms."""
    args = typing.get_args(t)
    if not args:
        return Signature((), ANY, any_params=True)
    params, returns = args[0], args[-1]
    if params is Ellipsis:
        return Signature((), norm(returns), any_params=True)
    if not isinstance(params, (list, tuple)):
        return None
    return Signature(tuple(Param(None, norm(a), _PO) for a in params), norm(returns))


def function_signature(
    func: object, bound: bool, mapping: Mapping[object, object] | None = None
) -> Signature | None:
    """The signature of a Python function as callers see it (``bound`` drops the first
    parameter, ``self`` or ``cls``); type variables in ``mapping`` are substituted.
    None when the function has no inspectable signature (a C builtin)."""
    base = _base_signature(func)
    if base is None:
        return None
    params = base.params
    if bound and params and params[0].kind in (_PO, _PK):
        params = params[1:]  # (with ``def f(*args)`` the bound argument goes into *args)
    if mapping:
        params = tuple(
            Param(p.name, norm(substitute(p.type, mapping)), p.kind, p.optional) for p in params
        )
        return Signature(params, norm(substitute(base.returns, mapping)))
    return Signature(params, base.returns)


@functools.lru_cache(maxsize=4096)
def _base_signature(func: Any) -> Signature | None:
    try:
        sig = inspect.signature(func, follow_wrapped=False)
    except (TypeError, ValueError):
        return None
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # unresolvable names: those parameters count as Any
        hints = {}
    params = tuple(
        Param(p.name, norm(hints.get(p.name, ANY)), _kind(p), p.default is not p.empty)
        for p in sig.parameters.values()
    )
    return Signature(params, norm(hints.get("return", ANY)))


_PRIVATE = re.compile(r"^(_[A-Za-z0-9]\w*?)?__\w")  # ``__x``, or ``_Class__x`` once mangled


def _kind(p: inspect.Parameter) -> inspect._ParameterKind:
    """``def f(self, __x)``: a double-underscore name marks a positional-only parameter (in a
    class body Python mangles it to ``_Class__x``)."""
    if p.kind is _PK and _PRIVATE.match(p.name) and not p.name.endswith("__"):
        return _PO
    return p.kind


def with_self(sig: Signature, owner: object) -> Signature:
    """``Self`` in a method's signature means the class the method is looked up on."""

    def swap(t: object) -> object:
        return owner if any(t is s for s in _SELF_TYPES) else t

    params = tuple(Param(p.name, swap(p.type), p.kind, p.optional) for p in sig.params)
    return Signature(params, swap(sig.returns), sig.any_params)


def is_subsignature(check: Check, left: Signature, right: Signature, ignore_names: bool) -> Compat:
    """Whether a callable of signature ``left`` can stand where ``right`` is expected: every call
    valid for ``right`` must be valid for ``left`` (parameters contravariant, returns covariant).
    ``ignore_names``: positional parameter names need not match (mypy, outside ``__call__``)."""
    returns = check(left.returns, right.returns)
    if left.any_params or right.any_params or returns is NO:
        return returns
    verdicts: list[Compat] = [returns]
    left_pos = left.of_kind(_PO, _PK)
    right_pos = right.of_kind(_PO, _PK)
    left_star = next(iter(left.of_kind(_VA)), None)
    right_star = next(iter(right.of_kind(_VA)), None)
    left_kwargs = next(iter(left.of_kind(_VK)), None)
    right_kwargs = next(iter(right.of_kind(_VK)), None)
    used: set[str] = set()
    for i, rp in enumerate(right_pos):
        by_name = rp.kind is _PK and not ignore_names
        if i < len(left_pos):
            lp = left_pos[i]
            if rp.optional and not lp.optional:
                return NO
            if by_name and (lp.kind is _PO or lp.name != rp.name):
                return NO
            if lp.name is not None:
                used.add(lp.name)
            verdicts.append(check(rp.type, lp.type))
        elif left_star is not None:
            if by_name and left_kwargs is None:
                return NO
            verdicts.append(check(rp.type, left_star.type))
        else:
            return NO
    for lp in left_pos[len(right_pos) :]:
        if lp.optional:
            continue
        match = _keyword(right, lp.name) if lp.kind is _PK else None
        if match is None:
            return NO
    if right_star is not None:
        if left_star is None:
            return NO
        verdicts.append(check(right_star.type, left_star.type))
    for rp in right.of_kind(_KO):
        named = _keyword(left, rp.name, skip=used)
        if named is None:
            if left_kwargs is None:
                return NO
            verdicts.append(check(rp.type, left_kwargs.type))
            continue
        if rp.optional and not named.optional:
            return NO
        verdicts.append(check(rp.type, named.type))
    for lp in left.of_kind(_KO):
        if not lp.optional and _keyword(right, lp.name) is None:
            return NO
    if right_kwargs is not None:
        if left_kwargs is None:
            return NO
        verdicts.append(check(right_kwargs.type, left_kwargs.type))
    return all_of(verdicts)


def _keyword(sig: Signature, name: str | None, skip: set[str] | None = None) -> Param | None:
    """The parameter of ``sig`` a keyword argument ``name`` binds to."""
    if name is None or (skip is not None and name in skip):
        return None
    for p in sig.params:
        if p.name == name and p.kind in (_PK, _KO):
            return p
    return None
