"""Type hints as source text, with the imports they need."""

from __future__ import annotations

import collections.abc
import contextlib
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from codegen.analysis.importable import import_problem, shown_name
from codegen.analysis.names import HELPER_IMPORTS, Namespace
from codegen.render.imports import Import
from codegen.render.literals import check_literal, format_literal

__all__ = ["ImportTable", "render_type"]

_SPECIAL: dict[object, tuple[str, str]] = {
    typing.Any: ("typing", "Any"),
    typing.Literal: ("typing", "Literal"),
    typing.Callable: ("collections.abc", "Callable"),
    collections.abc.Callable: ("collections.abc", "Callable"),
}


@dataclass
class ImportTable:
    """Hands out names for imported objects, aliasing around names already in use."""

    namespace: Namespace
    _by_key: dict[tuple[str, str], Import] = field(default_factory=dict)
    unwrapped: dict[str, str] = field(default_factory=dict)
    """'module:qualname' of a @node -> the name its raw function is bound to."""
    node_aliases: set[str] = field(default_factory=set)
    """Imported names that are node functions (left out of stubs)."""
    notes: dict[str, None] = field(default_factory=dict)
    """Comment lines for the module's head: annotations written as ``Any``, and why."""
    functions: dict[tuple[object, object], tuple[object, str]] = field(default_factory=dict)
    """(module, qualname) of an imported node function -> (the function, its expression)."""
    objects: dict[object, str | None] = field(default_factory=dict)
    """Classes already checked (`import_problem`): the problem, or None (importable)."""

    def name(self, module: str, qualname: str, preferred: str | None = None) -> str:
        """The expression naming `module.qualname` in the generated module."""
        head, _, rest = qualname.partition(".")
        if module == "builtins":
            if not self.namespace.is_taken(head):
                return qualname
            self.module_import("builtins")
            return f"builtins.{qualname}"
        key = (module, head)
        if HELPER_IMPORTS.get(head) == module:
            self._by_key.setdefault(key, Import(module, head, head))
            return qualname
        found = self._by_key.get(key)
        if found is None:
            alias = self.namespace.claim(preferred or head)
            found = self._by_key[key] = Import(module, head, alias)
        return found.alias + (f".{rest}" if rest else "")

    def module_import(self, module: str) -> None:
        """Record ``import module`` (its top-level name is reserved)."""
        self._by_key.setdefault((module, ""), Import(module, "", module))

    def imports(self) -> list[Import]:
        """Every import, sorted by module then name."""
        return sorted(self._by_key.values())


def render_type(hint: Any, table: ImportTable) -> str:
    """Source text of type hint `hint`; unknown or unexpressible hints become ``Any`` (a class
    that cannot be imported by its module and qualified name with a note saying so)."""
    try:
        return _render(hint, table)
    except _Unexpressible as exc:
        if exc.note:
            table.notes[exc.note] = None
        return table.name("typing", "Any")


class _Unexpressible(Exception):
    def __init__(self, what: object, note: str = "") -> None:
        super().__init__(what)
        self.note = note


def _render(hint: Any, table: ImportTable) -> str:
    if hint is None or hint is type(None):
        return "None"
    if hint is Ellipsis:
        return "..."
    if isinstance(hint, list):  # the parameter list of Callable[[a, b], r]
        return "[" + ", ".join(_render(h, table) for h in hint) + "]"
    special = _SPECIAL.get(hint)
    if special is not None:
        return table.name(*special)
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _render(typing.get_args(hint)[0], table)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_render(arg, table) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        values = []
        for value in typing.get_args(hint):
            try:
                check_literal(value, "Literal value")
            except Exception as exc:
                raise _Unexpressible(value) from exc
            values.append(format_literal(value, 0, 0, 0))
        return f"{table.name('typing', 'Literal')}[{', '.join(values)}]"
    if origin is not None:
        args = typing.get_args(hint)
        if origin is collections.abc.Callable and len(args) == 2:
            params, result = args
            first = "..." if params is Ellipsis else _render(list(params), table)
            name = table.name("collections.abc", "Callable")
            return f"{name}[{first}, {_render(result, table)}]"
        base = _object(origin, table)
        if origin is tuple and args in ((), ((),)):  # tuple[()]
            return f"{base}[()]"
        if not args:
            return base
        return f"{base}[{', '.join(_render(arg, table) for arg in args)}]"
    if isinstance(hint, (type, typing.NewType)):
        return _object(hint, table)
    raise _Unexpressible(hint)


def _object(obj: Any, table: ImportTable) -> str:
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    try:
        problem = table.objects[obj]
    except (KeyError, TypeError):  # not checked yet, or unhashable
        problem = import_problem(obj, module, qualname)
        with contextlib.suppress(TypeError):
            table.objects[obj] = problem
    if problem is not None:
        shown = shown_name(f"{module}.{qualname}")
        raise _Unexpressible(obj, f"note: the annotation {shown} is written as Any: {problem}")
    assert isinstance(module, str)
    assert isinstance(qualname, str)
    if module == "typing" and qualname in {"Iterator", "AsyncIterator", "Iterable", "Generator"}:
        module = "collections.abc"
    return table.name(module, qualname)
