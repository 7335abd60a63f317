"""How a node's function pickles when `@node` took its module attribute.

`@node def f(...)` replaces the module attribute `f` with the FunctionNode, so the standard
pickle refuses the function itself ("not the same object as module.f"). A node pickles its
function as a `FunctionReference` instead: unpickling imports the module and takes the
function of the node found there. Executor maps send graphs to other processes this way.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["FunctionReference", "function_reference", "node_function"]


def node_function(module: str, qualname: str) -> Callable[..., Any]:
    """The `func` of the node found at `module:qualname`."""
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found.func  # type: ignore[no-any-return]


class FunctionReference:
    """A node's function pickled as the module and qualified name of its node."""

    __slots__ = ("module", "qualname")

    def __init__(self, module: str, qualname: str) -> None:
        self.module = module
        self.qualname = qualname

    def resolve(self) -> Callable[..., Any]:
        """The function itself (as unpickling finds it)."""
        return node_function(self.module, self.qualname)

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return node_function, (self.module, self.qualname)


def function_reference(func: object) -> FunctionReference | None:
    """A reference to `func` when its module attribute is a node wrapping it (the usual
    `@node` case); None when plain pickling finds the function itself (or nothing)."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<locals>" in qualname:
        return None
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if found is not func and getattr(found, "func", None) is func:
        return FunctionReference(module, qualname)
    return None
