"""The starting state of a run: bound inputs, then the given ones; missing ones refused."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hypergraph.exceptions import MissingInputError
from hypergraph.runners._steps import GIVEN, Prepared

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = ["missing_error", "start_state"]


def start_state(graph: Graph, prep: Prepared, provided: dict[str, Any]) -> dict[str, Any]:
    """The state a run of `graph` starts from (MissingInputError if a required input is not
    provided). The given inputs are kept apart under GIVEN when some node reads them."""
    spec = graph.inputs
    for name in spec.required:  # a loop, not a list: runs once per item of a mapped GraphNode
        if name not in provided:
            missing = [name for name in spec.required if name not in provided]
            raise missing_error(graph, missing, provided)
    state = {**spec.bound, **provided}
    if prep.wiring.needs_given:
        state[GIVEN] = dict(state)
    return state


def missing_error(graph: Graph, missing: list[str], provided: Mapping[str, Any]) -> Exception:
    """MissingInputError naming each missing input, its consumers and close given names."""
    active = set(graph.active_nodes)
    lines = []
    for name in missing:
        needers = [n.name for n in graph.iter_nodes() if n.name in active and name in n.inputs]
        hint = ""
        close = difflib.get_close_matches(name, sorted(provided), n=1)
        if close:
            hint = f" (did you mean {close[0]!r}? it was provided)"
        lines.append(f"  - {name!r}, needed by {', '.join(needers)}{hint}")
    quoted = ", ".join(repr(m) for m in missing)
    message = (
        f"Missing required inputs: {quoted}\n"
        + "\n".join(lines)
        + f"\nProvided: {', '.join(repr(p) for p in provided) or '(nothing)'}\n"
        "Pass them to run(), or fix them on the graph with graph.bind(...) "
        "(bind returns a new graph: keep its result)."
    )
    return MissingInputError(list(missing), list(provided), message)
