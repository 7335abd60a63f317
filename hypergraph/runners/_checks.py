"""Pre-run checks (API 5.2), in order: arguments, runner compatibility, missing inputs."""

from __future__ import annotations

import difflib
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypergraph.exceptions import IncompatibleRunnerError
from hypergraph.graph.core import Graph
from hypergraph.graph.namespaced import flatten_namespaced
from hypergraph.runners._map import MapRows
from hypergraph.runners._prepare import prepared
from hypergraph.runners._start import missing_error, start_state
from hypergraph.runners._steps import GIVEN, Prepared

__all__ = [
    "ItemStart",
    "check_compatible",
    "check_given",
    "check_max_iterations",
    "check_options",
    "initial_state",
    "item_start",
    "merge_inputs",
    "scoped_graph",
]

_RUN_OPTIONS = frozenset(
    {"values", "select", "on_missing", "max_iterations", "error_handling", "max_concurrency"}
)


def merge_inputs(
    graph: Graph, values: Mapping[str, Any] | None, keywords: Mapping[str, Any]
) -> dict[str, Any]:
    """`values` plus keyword inputs; keyword names must be flat input names."""
    if "entrypoint" in keywords:
        raise ValueError("run() takes no entrypoint=; use graph.with_entrypoint(...) instead")
    merged = flatten_namespaced(graph, values or {})
    accepted = set(graph.inputs.all)
    for key, value in keywords.items():
        if key in _RUN_OPTIONS:
            raise ValueError(f"input {key!r} is named like a run option; pass it in values=")
        if "." in key:
            node, _, local = key.partition(".")
            raise ValueError(
                f"keyword input {key!r} is dotted; keyword inputs are flat names. Pass a "
                f"namespaced input in the values dict: values={{{key!r}: ...}} or "
                f"values={{{node!r}: {{{local!r}: ...}}}}"
            )
        if key not in accepted:
            raise ValueError(
                f"unknown keyword input {key!r}: this graph's inputs are {list(graph.inputs.all)}"
                f"{_did_you_mean(key, accepted)}"
            )
        if key in merged:
            raise ValueError(f"input {key!r} is given both in values and as a keyword")
        merged[key] = value
    return merged


def check_options(error_handling: str, on_missing: str, max_concurrency: int | None) -> None:
    """Reject run options outside their allowed values."""
    if error_handling not in ("raise", "continue"):
        raise ValueError(f"error_handling must be 'raise' or 'continue', got {error_handling!r}")
    if on_missing not in ("ignore", "warn", "error"):
        raise ValueError(f"on_missing must be 'ignore', 'warn' or 'error', got {on_missing!r}")
    if max_concurrency is not None and (
        not isinstance(max_concurrency, int) or max_concurrency < 1
    ):
        raise ValueError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")


def check_max_iterations(max_iterations: int | None, default: int) -> int:
    """The cycle budget of a run: `max_iterations` (an int >= 1) or the runner's default."""
    if max_iterations is None:
        return default
    if (
        not isinstance(max_iterations, int)
        or isinstance(max_iterations, bool)
        or (max_iterations < 1)
    ):
        raise ValueError(f"max_iterations must be an int >= 1, got {max_iterations!r}")
    return max_iterations


def scoped_graph(graph: Graph, select: str | Sequence[str] | None) -> Graph:
    """`graph.select(*select)`, cached on the graph so repeated runs plan once."""
    if select is None:
        return graph
    names = (select,) if isinstance(select, str) else tuple(select)
    key = ("select", names)
    cached = graph._cache.get(key)  # type: ignore[call-overload]
    if cached is None:
        cached = graph._cache[key] = graph.select(*names)  # type: ignore[index]
    return cached  # type: ignore[no-any-return]


def check_compatible(prep: Prepared, *, supports_async: bool, inline: bool = False) -> None:
    """SyncRunner refuses any async node, naming every one; a timeout the runner cannot
    enforce (any under SyncRunner, a `def` node's under AsyncRunner(sync_nodes="inline")) is
    refused too, rather than ignored."""
    async_nodes = prep.wiring.async_nodes
    if async_nodes and not supports_async:
        names = ", ".join(async_nodes)
        raise IncompatibleRunnerError(
            f"Graph contains async node(s) but runner doesn't support async: {names}. "
            "Use AsyncRunner instead.",
            node_name=async_nodes[0],
            capability="supports_async_nodes",
        )
    if prep.timed:
        _check_timeouts(prep.timed, supports_async=supports_async, inline=inline)


def _check_timeouts(
    timed: tuple[tuple[str, bool], ...], *, supports_async: bool, inline: bool
) -> None:
    if not supports_async:
        names = [name for name, _ in timed]
        why = (
            "SyncRunner calls each node in the calling thread, where a running function cannot "
            "be stopped"
        )
    elif inline:
        names = [name for name, plain in timed if plain]
        why = (
            'AsyncRunner(sync_nodes="inline") calls def nodes on the event loop, where a '
            "running function cannot be stopped"
        )
    else:
        return
    if names:
        raise IncompatibleRunnerError(
            f"node(s) {', '.join(repr(n) for n in names)} have a timeout, which this runner "
            f"cannot enforce: {why}. Use AsyncRunner() (def nodes run in worker threads, which "
            "it stops waiting for at the deadline), or remove timeout=",
            node_name=names[0],
            capability="timeout",
        )


def initial_state(
    graph: Graph, provided: dict[str, Any], *, supports_async: bool, inline: bool = False
) -> tuple[Prepared, dict[str, Any]]:
    """Run every pre-run check and return the prepared graph and the starting state."""
    prep = prepared(graph)
    check_given(graph, provided)
    check_compatible(prep, supports_async=supports_async, inline=inline)
    return prep, start_state(graph, prep, provided)


@dataclass(frozen=True, slots=True)
class ItemStart:
    """What every item of a map() starts from, derived and checked once for all items.

    The items share their input names, so the checks `initial_state` makes per run give the
    same answer for each: they are made once, and each item's state is a copy of `base`.
    """

    base: dict[str, Any]
    """The bound inputs, then the supplied ones (an item overwrites its mapped names)."""
    needs_given: bool
    error: Callable[[], Exception] | None
    """If the checks failed: the error of each item (a fresh one where a run makes one)."""

    def state(self, mapped: MapRows, row: tuple[Any, ...]) -> dict[str, Any]:
        """The starting state of the item whose values are `row`, as `initial_state` builds it."""
        state = mapped.fill(self.base, row)
        if self.needs_given:
            state[GIVEN] = dict(state)
        return state


def item_start(graph: Graph, inputs: dict[str, Any], any_items: bool) -> ItemStart:
    """The checks of every item, made once: the given names (their warnings are given once per
    map, and a bad name fails every item with the same error), then missing inputs."""
    spec = graph.inputs
    base = {**spec.bound, **inputs}
    try:  # this also prepares the graph: if that fails, every item fails with it
        check_given(graph, inputs if any_items else {})
    except Exception as exc:
        invalid = exc
        return ItemStart(base, False, lambda: invalid)
    missing = [name for name in spec.required if name not in inputs]
    error = (lambda: missing_error(graph, missing, inputs)) if missing else None
    return ItemStart(base, prepared(graph).wiring.needs_given, error)


def check_given(graph: Graph, provided: Mapping[str, Any]) -> None:
    """Checks that depend only on the given names: a produced name is an error; an unknown
    name, or a value overriding a bind, warns. map() makes them once for all items."""
    spec = graph.inputs
    accepted = set(spec.all)
    produced = prepared(graph).wiring.produced
    for key in provided:
        if key in accepted:
            continue
        if key in produced:
            raise ValueError(
                f"{key!r} is produced inside the graph, so it cannot be supplied as an input. "
                "To inject it, start after its producer with graph.with_entrypoint(...)"
            )
        warnings.warn(
            f"value {key!r} is not an input of this graph and is ignored; inputs: {list(spec.all)}"
            f"{_did_you_mean(key, accepted)}",
            UserWarning,
            stacklevel=_caller_level(),
        )
    for key in spec.bound:
        if key in provided:
            warnings.warn(
                f"input {key!r} is bound on the graph; the value given to run() overrides it",
                UserWarning,
                stacklevel=_caller_level(),
            )


def _caller_level() -> int:
    """The `stacklevel` that points a warning at the first frame outside hypergraph."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("hypergraph."):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _did_you_mean(name: str, candidates: Sequence[str] | set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
