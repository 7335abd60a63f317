"""Identifiers for generated code: validation, reserved names, collision-free aliases."""

from __future__ import annotations

import keyword
from collections.abc import Iterable

from codegen.errors import CompileError

__all__ = ["HELPER_IMPORTS", "MAP_HELPERS", "RESERVED", "Namespace", "check_identifier"]

MAP_HELPERS: frozenset[str] = frozenset(
    {
        "same_length",
        "product",
        "deepcopy",
        "gather_items",
        "gather_settled",
        "columns",
        "map_inputs",
        "port_lists",
        "port_values",
    }
)
"""Helpers of nested and mapped graphs (``ctx.used`` keys) that templates write out."""

HELPER_IMPORTS: dict[str, str] = {
    "Any": "typing",
    "AsyncIterable": "collections.abc",
    "AsyncIterator": "collections.abc",
    "Callable": "collections.abc",
    "Coroutine": "collections.abc",
    "Final": "typing",
    "Iterable": "collections.abc",
    "ParamSpec": "typing",
    "Sized": "collections.abc",
    "TypedDict": "typing",
    "TypeVar": "typing",
    "cast": "typing",
}
"""Names the templates use unqualified, with the module each is imported from."""

RESERVED: frozenset[str] = frozenset(
    {
        # module-level names every generated module may define or import
        "Any",
        "AsyncIterator",
        "AsyncIterable",
        "Awaitable",
        "Callable",
        "Coroutine",
        "Final",
        "Inputs",
        "Iterable",
        "Outputs",
        "ParamSpec",
        "SCHEDULE",
        "Sized",
        "TypedDict",
        "TYPE_CHECKING",
        "TypeVar",
        "annotations",
        "asyncio",
        "builtins",
        "cast",
        "contextvars",
        "run",
        "threading",
        # helpers and loop variables of generated modules
        "_",
        "_P",
        "_R",
        "_T",
        "_Superstep",
        "_RequiredInputs",
        "_drain",
        "_drain_async",
        "_in_thread",
        "_inline",
        "_several",
        "_same_length",
        "_columns",
        "_gather_items",
        "_gather_settled",
        "_bounded_tasks",
        "max_concurrency",
        "_deepcopy",
        "_product",
    }
)
"""Names a graph value may not take: the generated module uses them itself."""


def check_identifier(name: object, what: str) -> str:
    """Return `name` if it can be a Python name in a generated module, else raise CompileError.

    `what` describes the name for the message, e.g. ``"output of node 'split'"``.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise CompileError(f"{what} {name!r} is not a Python identifier")
    if keyword.iskeyword(name):
        raise CompileError(f"{what} {name!r} is a Python keyword; rename it")
    if name in RESERVED or name.startswith("__"):
        raise CompileError(
            f"{what} {name!r} is reserved in compiled modules (reserved: names starting with "
            f"'__' and {', '.join(sorted(RESERVED))}); rename it"
        )
    return name


class Namespace:
    """Allocates names that collide neither with each other nor with a taken set."""

    def __init__(self, taken: Iterable[str]) -> None:
        self._taken = set(taken) | RESERVED

    def claim(self, base: str, suffix: str = "_") -> str:
        """`base` if free, else `base` + suffix (+ a counter); the result becomes taken."""
        candidate = base
        counter = 1
        while candidate in self._taken or keyword.iskeyword(candidate):
            candidate = f"{base}{suffix}" if counter == 1 else f"{base}{suffix}{counter}"
            counter += 1
        self._taken.add(candidate)
        return candidate

    def is_taken(self, name: str) -> bool:
        """Whether `name` is already in use."""
        return name in self._taken
