"""Resolve a function's annotations one by one, never raising.

Each annotation goes through ``typing.get_type_hints(include_extras=True)`` on its own, against
the function's module globals (and the variables its closure captures), so string annotations,
``from __future__ import annotations`` and forward references work. One that cannot be resolved
becomes an :class:`Unresolved` record holding its text; the others are unaffected.
"""

from __future__ import annotations

import contextlib
import enum
import inspect
import types
import typing
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["MISSING", "FunctionHints", "Missing", "Unresolved", "function_hints", "hints_of"]


class Missing(enum.Enum):
    """Marker for an annotation that is absent."""

    MISSING = "missing"


MISSING: Final = Missing.MISSING


@dataclass(frozen=True)
class Unresolved:
    """An annotation that could not be evaluated: its source text and the reason."""

    text: str
    error: str


@dataclass(frozen=True)
class FunctionHints:
    """Resolved annotations of one function: each a type, an ``Unresolved`` or ``MISSING``."""

    params: Mapping[str, object]
    returns: object

    def param(self, name: str) -> object:
        """The annotation of parameter ``name`` (``MISSING`` when unannotated)."""
        return self.params.get(name, MISSING)


_cache: weakref.WeakKeyDictionary[Any, FunctionHints] = weakref.WeakKeyDictionary()


def function_hints(func: Callable[..., Any]) -> FunctionHints:
    """Resolved parameter and return annotations of ``func`` (cached per function)."""
    try:
        return _cache[func]
    except (KeyError, TypeError):
        pass
    hints = _resolve(func)
    with contextlib.suppress(TypeError):  # not weak-referenceable: recompute next time
        _cache[func] = hints
    return hints


def hints_of(func: Callable[..., Any]) -> dict[str, Any]:
    """Resolved hints of `func` (parameters and "return"); unresolvable ones are left out."""
    hints = function_hints(func)
    resolved = {k: v for k, v in hints.params.items() if not isinstance(v, Unresolved)}
    if hints.returns is not MISSING and not isinstance(hints.returns, Unresolved):
        resolved["return"] = hints.returns
    return resolved


def _target(func: Callable[..., Any]) -> object:
    func = inspect.unwrap(func)
    if isinstance(func, types.MethodType):
        return func.__func__
    if isinstance(func, (types.FunctionType, types.BuiltinFunctionType, type)):
        return func
    return type(func).__call__  # a callable instance: annotations live on __call__


def _resolve(func: Callable[..., Any]) -> FunctionHints:
    target = _target(func)
    try:
        raw = dict(inspect.get_annotations(target))  # type: ignore[arg-type]
    except Exception:
        raw = dict(getattr(target, "__annotations__", None) or {})
    globalns = getattr(target, "__globals__", None) or {}
    localns = _closure_vars(target)
    params: dict[str, object] = {}
    returns: object = MISSING
    for name, value in raw.items():
        resolved = resolve_annotation(value, globalns, localns)
        if name == "return":
            returns = resolved
        else:
            params[name] = resolved
    return FunctionHints(params=params, returns=returns)


def resolve_annotation(
    value: object, globalns: Mapping[str, Any], localns: Mapping[str, Any] | None = None
) -> object:
    """Evaluate one annotation like ``get_type_hints(include_extras=True)``; never raises."""
    if value is None:
        return type(None)
    if _is_evaluated(value):
        return value  # fast path: nothing to evaluate
    holder = types.SimpleNamespace(__annotations__={"x": value})
    try:
        return typing.get_type_hints(
            holder, globalns=dict(globalns), localns=dict(localns or {}), include_extras=True
        )["x"]
    except Exception as exc:
        text = value if isinstance(value, str) else repr(value)
        return Unresolved(text=text, error=f"{type(exc).__name__}: {exc}")


def _is_evaluated(value: object, depth: int = 0) -> bool:
    """No strings or ForwardRefs anywhere inside (so get_type_hints would return it as is)."""
    if isinstance(value, (str, typing.ForwardRef)) or depth > 20:
        return False
    if isinstance(value, type):
        return True
    args = getattr(value, "__args__", None)
    if args is None:
        return typing.get_origin(value) is None and not isinstance(value, (list, tuple))
    if not isinstance(args, tuple):
        return False
    for arg in args:
        if arg is None or arg is Ellipsis:
            continue
        items = arg if isinstance(arg, (list, tuple)) else (arg,)
        if not all(_is_evaluated(item, depth + 1) for item in items):
            return False
    return True


def _closure_vars(target: object) -> dict[str, Any]:
    code = getattr(target, "__code__", None)
    closure = getattr(target, "__closure__", None)
    if code is None or not closure:
        return {}
    out: dict[str, Any] = {}
    for name, cell in zip(code.co_freevars, closure):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # empty cell
            continue
    return out
