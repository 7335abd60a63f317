"""The import section of a generated module: import records, and statements sorted the way
isort (ruff's ``I`` rules) sorts them, split into the standard library and the rest."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Set
from dataclasses import dataclass

__all__ = ["Import", "import_lines"]


@dataclass(frozen=True, order=True)
class Import:
    """``from module import name as alias`` (``import module`` when name is empty)."""

    module: str
    name: str
    alias: str

    def line(self) -> str:
        """The import statement."""
        if not self.name:
            return f"import {self.module}"
        suffix = "" if self.alias == self.name else f" as {self.alias}"
        return f"from {self.module} import {self.name}{suffix}"


def import_lines(
    imports: Iterable[Import],
    helpers: set[tuple[str, str]],
    *,
    skipped: Set[str] = frozenset(),
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sorted import statements, split into the standard library and everything else: the
    helpers' (module, name) pairs (name empty: ``import module``) and `imports`, except those
    whose alias is in `skipped`."""
    plain: set[str] = {module for module, name in helpers if not name}
    froms: dict[str, set[str]] = {}
    for module, name in helpers:
        if name:
            froms.setdefault(module, set()).add(name)
    for imp in imports:
        if imp.alias in skipped:
            continue
        if not imp.name:
            plain.add(imp.module)
            continue
        text = imp.name if imp.alias == imp.name else f"{imp.name} as {imp.alias}"
        froms.setdefault(imp.module, set()).add(text)
    stdlib: list[str] = ["from __future__ import annotations", ""]
    other: list[str] = []
    for module in sorted(plain):
        (stdlib if _is_stdlib(module) else other).append(f"import {module}")
    for module in sorted(froms):
        target = stdlib if _is_stdlib(module) else other
        groups = [[n] for n in froms[module] if " as " in n]
        plain_names = sorted((n for n in froms[module] if " as " not in n), key=_isort_key)
        if plain_names:
            groups.append(plain_names)
        for names in sorted(groups, key=lambda g: _isort_key(g[0])):
            line = f"from {module} import {', '.join(names)}"
            if len(line) > 100:
                line = f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"
            target.append(line)
    return tuple(stdlib), tuple(other)


def _isort_key(text: str) -> tuple[int, str]:
    name = text.split(" as ")[0]
    if name.isupper() and len(name) > 1:
        return (0, name.lower())
    return (1, name.lower()) if name[:1].isupper() else (2, name.lower())


def _is_stdlib(module: str) -> bool:
    return module.partition(".")[0] in sys.stdlib_module_names
