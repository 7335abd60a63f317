"""Whether a Python object can be imported by the module and qualified name it claims.

Generated modules import node functions and annotation classes as ``from <module> import
<name>``. Both strings come from the object (``__module__``, ``__qualname__``), which any code
can set to anything: a space, a newline followed by statements, a name bound to another
object. So an import is written only when both are dotted Python identifiers and, looked up
the way the import will, they lead back to the very same object.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from hypergraph.identifiers import identifier_problem

__all__ = ["MISSING", "dotted_problem", "import_problem", "lookup", "shown_name"]

MISSING = object()
"""What `lookup` returns when nothing is bound to the name."""


def dotted_problem(text: object) -> str | None:
    """Why `text` is not a dotted name of identifiers (``pkg.mod``, ``Outer.Inner``), or None."""
    if not isinstance(text, str) or not text:
        return "is not a name"
    for part in text.split("."):
        problem = identifier_problem(part)
        if problem:
            return f"is not a dotted Python name ({shown_name(part)} {problem})"
    return None


def lookup(module: str, qualname: str) -> Any:
    """The object ``from module import ...`` reaches for `qualname` (a sentinel if none).
    The module is taken from ``sys.modules`` when loaded (an object's own module is), else
    imported."""
    found: Any = sys.modules.get(module)
    try:
        if found is None:
            found = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except Exception:  # ImportError, AttributeError, or whatever a module raises on import
        return MISSING
    return found


def import_problem(obj: object, module: object, qualname: object) -> str | None:
    """Why `obj` cannot be imported as `module`.`qualname`, or None when it can."""
    if isinstance(qualname, str) and "<" in qualname:
        return "it is defined inside a function (or is a lambda), so no import reaches it"
    for what, text in (("module", module), ("qualified name", qualname)):
        problem = dotted_problem(text)
        if problem:
            return f"its {what} {shown_name(text)} {problem}"  # problem: ASCII reprs only
    assert isinstance(module, str)
    assert isinstance(qualname, str)
    if module == "__main__":
        return "it is defined in __main__"
    found = lookup(module, qualname)
    if found is MISSING:
        return f"{module}.{qualname} does not name it (nothing is bound to that name)"
    if found is not obj:
        return f"{module}.{qualname} names another object ({shown_name(type(found).__name__)})"
    return None


def shown_name(text: object) -> str:
    """`text` for a message or a comment: ASCII, one line, quoted, at most 80 characters
    (a cut repr keeps no half escape that could matter: it is only ever a comment)."""
    shown = ascii(text if isinstance(text, str) else repr(text))
    return shown if len(shown) <= 80 else shown[:77] + "..."
