"""Generic nodes: type variables solved from what feeds a node, as mypy infers a call.

The graph makes the call ``consumer(producer(upstream))``. :class:`CallSolver` answers, per
node, the types its inputs receive (the upstream outputs, themselves solved when generic) and
solves the node's type variables from them (and, for a producer, from the type its consumer
expects: mypy's bidirectional inference). Graph inputs are unknown: they constrain nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hypergraph._typing import CallCheck, solve_call, typevars_of
from hypergraph.typecheck.format import format_type
from hypergraph.typecheck.hints import MISSING, Unresolved

__all__ = ["CallSolver", "Feed", "has_typevars", "solution_text", "usable"]


def usable(t: object) -> bool:
    return t is not MISSING and not isinstance(t, Unresolved)


def has_typevars(types: Iterable[object]) -> bool:
    """Whether any of these annotations mentions a type variable."""
    return any(type(t) is not type and usable(t) and bool(typevars_of(t)) for t in types)


def solution_text(check: CallCheck, t: object) -> str:
    """``T=int, K=str`` for the variables ``t`` mentions."""
    parts = [
        f"{format_type(tv)}={format_type(check.mapping.get(tv))}"
        for tv in typevars_of(t)
        if tv in check.mapping
    ]
    return ", ".join(parts)


@dataclass(frozen=True)
class Feed:
    """One argument of a node's call: which parameter, its annotation, and what feeds it
    (``source`` is an opaque handle of the upstream end; None for a graph input)."""

    param: str
    formal: object
    actual: object | None
    source: Any = None


class CallSolver:
    """Solves generic nodes of one graph check (memoised; a feedback loop counts as unknown)."""

    def __init__(self, feeds_of: Callable[[str], list[Feed]]) -> None:
        self._feeds_of = feeds_of
        self._memo: dict[tuple[str, str], object | None] = {}
        self._active: set[str] = set()

    def feeds(self, node: str) -> list[Feed]:
        if node in self._active:
            return []
        self._active.add(node)
        try:
            return self._feeds_of(node)
        finally:
            self._active.discard(node)

    def call(self, node: str, returns: object, context: object | None) -> CallCheck:
        """Solve ``node``'s call for one output annotated ``returns`` (None: no output)."""
        feeds = self.feeds(node)
        return solve_call([f.formal for f in feeds], [f.actual for f in feeds], returns, context)

    def delivered(self, node: str, returns: object) -> object | None:
        """The output type with no expected type to help (what an upstream end delivers)."""
        key = (node, repr(returns))
        if key not in self._memo:
            self._memo[key] = None  # while solving: a loop back here knows nothing
            try:
                self._memo[key] = self.call(node, returns, None).returns
            except RecursionError:  # a very long chain met out of order: unknown
                self._memo[key] = None
        return self._memo[key]
