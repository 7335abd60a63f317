"""Type compatibility engine behind ``strict_types``.

``is_type_compatible(produced, expected)`` answers: would mypy accept passing a value of type
``produced`` to a parameter annotated ``expected``? ``compatibility`` gives the same answer as a
three-way :class:`Compat`, where ``UNKNOWN`` marks forms the engine cannot decide (those count as
compatible: the engine must never reject what mypy accepts).

Modules, leaves first (imports only point up this list, so there are no cycles):

- ``verdict``: :class:`Compat`, ``YES``/``NO``/``UNKNOWN`` and the verdict combinators.
- ``normalise``: canonical forms (None, Any, Never, Annotated, qualifiers, bare aliases).
- ``signatures``: parameter lists of ``Callable`` types and methods, and their subtyping.
- ``protocols``: structural matching, member by member (signatures, settable attributes).
- ``classes``: nominal subtyping, typeshed supertypes, generic argument variance.
- ``tuples``, ``callables``, ``typeddict``: the special forms.
- ``generics``: solving a generic call's type variables (context first, then arguments).
- ``core``: public entry points, the per-pair cache, and the recursive dispatch, which it
  passes to the sections as their ``check`` argument.
"""

from __future__ import annotations

from .core import compatibility, is_type_compatible, solve_call
from .generics import CallCheck, typevars_of
from .verdict import NO, UNKNOWN, YES, Compat

__all__ = [
    "CallCheck",
    "Compat",
    "compatibility",
    "is_type_compatible",
    "solve_call",
    "typevars_of",
    "NO",
    "UNKNOWN",
    "YES",
]
