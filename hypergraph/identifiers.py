"""The one rule for names that become Python identifiers (ports, node names, module names).

Python reads identifiers in NFKC normal form: in source code the ligature U+FB01 reads as
``fi`` and the fullwidth U+FF58 as ``x``, while strings keep them apart. A name that is not
NFKC-normal would therefore be one name in a compiled module and another in a
``run(**inputs)`` dict, so such names are refused everywhere, with their normal form named
as the fix.
"""

from __future__ import annotations

import keyword
import unicodedata

__all__ = ["identifier_problem", "normal_form_problem"]


def normal_form_problem(name: str) -> str | None:
    """Why `name` is not NFKC-normal (with the fix), or None when it is."""
    normal = unicodedata.normalize("NFKC", name)
    if normal == name:
        return None
    return (
        f"is not in NFKC normal form (Python code reads it as {normal!r}, strings and "
        f"run(**inputs) do not); write {normal!r}"
    )


def identifier_problem(name: str) -> str | None:
    """Why `name` cannot be a Python identifier everywhere it is used, or None."""
    if not name.isidentifier():
        return "is not a Python identifier"
    if keyword.iskeyword(name):
        return "is not a Python identifier (it is a keyword)"
    return normal_form_problem(name)
