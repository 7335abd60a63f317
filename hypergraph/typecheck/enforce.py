"""``strict_types=True``: raise every type error at once, warn about the rest."""

from __future__ import annotations

from typing import Any

from hypergraph._warn import warn_user
from hypergraph.typecheck.check import check_graph

__all__ = ["raise_on_type_errors"]

# the graph itself already warns about shared generators at build time
_WARNED_ELSEWHERE = frozenset({"shared-generator"})


def raise_on_type_errors(graph: Any) -> None:
    """Check ``graph`` strictly; raise ``TypeMismatchError`` listing every error."""
    from hypergraph.exceptions import TypeMismatchError

    diagnostics = check_graph(graph, strict=True)
    for d in diagnostics:
        if d.severity == "warning" and d.code not in _WARNED_ELSEWHERE:
            warn_user(d.message)
    errors = [d for d in diagnostics if d.severity == "error"]
    if not errors:
        return
    name = getattr(graph, "name", None)
    label = f"Graph {name!r}" if name else "Graph"
    lines = [f"{label} failed strict type checking ({len(errors)} error(s)):"]
    for d in errors:
        lines.append(f"  - {d.message}")
        if d.hint:
            lines.append(f"    hint: {d.hint}")
    raise TypeMismatchError("\n".join(lines), tuple(errors))
