"""Node functions imported into the module under collision-free aliases.

A function is imported only when its ``__module__`` and ``__qualname__`` are dotted identifiers
that lead back to the very same object (``codegen.analysis.importable``): a lambda, a local
function or one defined in ``__main__`` is refused, naming the node.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.analysis.importable import MISSING, dotted_problem, lookup, shown_name
from codegen.backends.context import EmitContext
from codegen.errors import CompileError
from hypergraph import FunctionNode
from hypergraph.nodes.gate import GateNode

__all__ = ["import_function"]


def import_function(ctx: EmitContext, path: str, func: Any) -> None:
    """Import a node's function into the module under a collision-free alias.

    A function reached through a `@node`, `@route` or `@ifelse` object is imported as that
    object and its `.func` bound once, so calls go straight to the raw function.
    """
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    known = ctx.table.functions.get((module, qualname))
    if known is not None and known[0] is func:  # imported already (many nodes, one function)
        ctx.aliases[path] = known[1]
        ctx.table.node_aliases.add(known[1].partition(".")[0])
        _watched(ctx, path)
        return
    shown = shown_name(f"{module}.{qualname}")
    if (isinstance(qualname, str) and "<" in qualname) or module == "__main__":
        raise CompileError(
            f"node {path!r}: function {shown} is a lambda, a local function or defined in "
            "__main__; compiled modules import node functions, so define it at the top level "
            "of an importable module",
            path,
        )
    for what, text in (("module", module), ("qualified name", qualname)):
        problem = dotted_problem(text)
        if problem:
            raise CompileError(
                f"node {path!r}: function {shown} cannot be imported: its {what} "
                f"{shown_name(text)} {problem}",
                path,
            )
    assert isinstance(module, str)
    assert isinstance(qualname, str)
    found = lookup(module, qualname)
    if found is func:
        ctx.aliases[path] = ctx.table.name(module, qualname)
    elif isinstance(found, FunctionNode | GateNode) and found.func is func:
        holder = ctx.table.name(module, qualname, preferred=f"{qualname.split('.')[-1]}_node")
        ctx.table.node_aliases.add(holder.partition(".")[0])
        key = f"{module}:{qualname}"
        if key not in ctx.table.unwrapped:
            alias = ctx.table.namespace.claim(qualname.split(".")[-1])
            ctx.table.unwrapped[key] = alias
            ctx.unwraps.append(f"{alias}: Final = {holder}.func")
        ctx.aliases[path] = ctx.table.unwrapped[key]
    else:
        kind = "nothing" if found is MISSING else shown_name(type(found).__name__)
        raise CompileError(
            f"node {path!r}: {shown} does not name its function (found {kind}); define the "
            "function at the top level of its module, under its own name",
            path,
        )
    ctx.table.node_aliases.add(ctx.aliases[path].partition(".")[0])
    ctx.table.functions[(module, qualname)] = (func, ctx.aliases[path])
    _watched(ctx, path)


def _watched(ctx: EmitContext, path: str) -> None:
    """With events, run() calls node `path` through a local bound once per run: the function
    itself, or it wrapped to report to the observer (``codegen.backends.observer``)."""
    if ctx.events:
        local = ctx.locals_.claim(f"{re.sub(r'[^0-9A-Za-z_]', '_', path)}_call")
        ctx.watched.append((path, ctx.aliases[path], local))
        ctx.aliases[path] = local
