"""Locals a generated function writes but never reads, removed (pyright strict reports them).

A nested graph's outputs are copied to the outer names after it runs (``outer = inner``, or
unpacked from a task result), and its nodes' results are kept in locals, whether or not
anything reads them. Per function scope (a nested ``def`` reading a name counts as a read):
an unread copy ``a = b`` is dropped, an unread name in an unpacking becomes ``_`` (the
statement laid out again), an unread one-line ``a = call(...)`` becomes ``_ = call(...)``.
Repeated until nothing changes, since dropping a copy can leave its source unread.
"""

from __future__ import annotations

import ast
import symtable

from codegen.render.layout import unpack

__all__ = ["drop_unread_locals"]

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def drop_unread_locals(text: str) -> str:
    """``text`` without dead locals (see the module docstring)."""
    if not _may_have_unread(symtable.symtable(text, "<compiled>", "exec")):
        return text  # the common case, decided by CPython's own symbol tables (no AST walk)
    for _ in range(10):
        edited = _one_pass(text)
        if edited == text:
            return text
        text = edited
    return text


def _may_have_unread(table: symtable.SymbolTable) -> bool:
    """Whether some function scope below `table` assigns a name that neither it nor a function
    inside it reads (a superset of what `_one_pass` edits, so a False skips it safely)."""
    for child in table.get_children():
        if child.get_type() == "function":
            read_inside = {
                s.get_name() for inner in child.get_children() for s in inner.get_symbols()
            }
            for symbol in child.get_symbols():
                name = symbol.get_name()
                if (
                    symbol.is_assigned()
                    and not symbol.is_referenced()
                    and name != "_"
                    and name not in read_inside
                ):
                    return True
        if _may_have_unread(child):
            return True
    return False


def _one_pass(text: str) -> str:
    tree = ast.parse(text)
    lines = text.split("\n")
    edits: dict[int, tuple[int, list[str]]] = {}  # first line -> (last line, replacement)
    for func in ast.walk(tree):
        if not isinstance(func, _FUNCTIONS):
            continue
        loaded = _reads(func)
        for stmt in _own_statements(func):
            if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
                continue
            edit = _edit(stmt, stmt.targets[0], loaded, text, lines)
            if edit is not None:
                edits[stmt.lineno - 1] = (stmt.end_lineno or stmt.lineno, edit)
    for first in sorted(edits, reverse=True):
        last, replacement = edits[first]
        lines[first:last] = replacement
    return "\n".join(lines)


def _reads(func: ast.AST) -> set[str]:
    """Names read in ``func``'s scope: its own loads, plus the free names its inner
    functions read (a name an inner function assigns is that function's own local)."""
    own: set[str] = set()
    stack: list[ast.AST] = list(ast.iter_child_nodes(func))
    while stack:
        current = stack.pop()
        if isinstance(current, _FUNCTIONS):
            inner = _reads(current)
            stored = {
                n.id
                for n in ast.walk(current)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
            own |= inner - stored
            continue
        if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Load):
            own.add(current.id)
        stack.extend(ast.iter_child_nodes(current))
    return own


def _own_statements(func: ast.AST) -> list[ast.stmt]:
    """Statements of ``func``'s own scope (not those of functions defined inside it)."""
    out: list[ast.stmt] = []
    stack = list(getattr(func, "body", []))
    while stack:
        stmt = stack.pop()
        out.append(stmt)
        if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(getattr(stmt, name, []))
    return out


def _edit(
    stmt: ast.Assign, target: ast.expr, loaded: set[str], text: str, lines: list[str]
) -> list[str] | None:
    pad = lines[stmt.lineno - 1][: stmt.col_offset]
    if isinstance(target, ast.Name) and target.id not in loaded and target.id != "_":
        if isinstance(stmt.value, ast.Name):
            return []  # a copy nobody reads
        if stmt.end_lineno == stmt.lineno:
            line = lines[stmt.lineno - 1]
            return [pad + "_" + line[len(pad) + len(target.id) :]]
        return None
    if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
        names = [e.id for e in target.elts if isinstance(e, ast.Name)]
        kept = [n if n in loaded else "_" for n in names]
        if kept == names:
            return None
        value = ast.get_source_segment(text, stmt.value)
        if value is None or "\n" in value:
            return None
        return unpack(kept, value, len(pad) // 4).split("\n")
    return None
