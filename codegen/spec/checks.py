"""What pydantic's models cannot say about a spec: which keys of a ``[[nodes]]`` entry fit
together (a node, a graph to inline, a nested graph, a gate), and its first validation error
as one located SpecError."""

from __future__ import annotations

from typing import NoReturn

from pydantic import ValidationError

from codegen.errors import SpecError
from codegen.spec.locate import format_loc, locate
from codegen.spec.models import GraphSection, NodeEntry, Spec

__all__ = ["check_entry", "check_gate", "first_error"]

_NESTING = ("namespaced", "expose", "map_over", "map_mode", "map_errors", "clone")
_POLICIES = ("cache", "retry", "timeout")


def check_entry(entry: NodeEntry, index: int, shown: str, text: str) -> None:
    """Entry `index` gives exactly one of ref, graph, subgraph, spec, and only keys that apply."""
    here = f"nodes[{index}]"
    kinds = [k for k in ("ref", "graph", "subgraph", "spec") if getattr(entry, k) is not None]
    if len(kinds) != 1:
        raise SpecError(
            shown,
            here,
            "give exactly one of 'ref' (a node or function), 'graph' (a Graph to inline), "
            "'subgraph' (a Graph nested as one node) or 'spec' (a spec nested as one node)",
            locate(text, here),
        )
    nested = entry.subgraph is not None or entry.spec is not None
    misplaced = [
        key
        for key in (_NESTING if not nested else ("output", "emit", "wait_for", *_POLICIES))
        if key in entry.model_fields_set
    ]
    if misplaced:
        path = f"{here}.{misplaced[0]}"
        where = "nested graphs ('subgraph', 'spec')" if not nested else "single nodes ('ref')"
        raise SpecError(
            shown, path, f"'{misplaced[0]}' applies to {where} only", locate(text, path)
        )
    if nested and entry.map_over is None:
        for key in ("map_mode", "map_errors", "clone"):
            if key in entry.model_fields_set:
                path = f"{here}.{key}"
                raise SpecError(shown, path, f"'{key}' needs 'map_over'", locate(text, path))
    if entry.kind != "node":
        for key in ("retry", "timeout"):
            if key in entry.model_fields_set:
                path = f"{here}.{key}"
                raise SpecError(
                    shown,
                    path,
                    f"'{key}' applies to function nodes; a gate decides inline and takes "
                    "'cache' only",
                    locate(text, path),
                )
    if entry.graph is not None:
        extra = [
            key
            for key in (
                "output",
                "name",
                "rename_inputs",
                "rename_outputs",
                "emit",
                "wait_for",
                *_POLICIES,
            )
            if key in entry.model_fields_set
        ]
        if extra:
            path = f"{here}.{extra[0]}"
            raise SpecError(
                shown,
                path,
                f"'{extra[0]}' applies to single nodes ('ref'), not to a 'graph' entry",
                locate(text, path),
            )


_GATE_KEYS: dict[str, tuple[str, ...]] = {
    "targets": ("route",),
    "fallback": ("route",),
    "multi_target": ("route",),
    "when_true": ("ifelse",),
    "when_false": ("ifelse",),
    "default_open": ("route", "ifelse"),
}
"""Gate keys of a ``[[nodes]]`` entry, with the kinds that take them."""


def check_gate(entry: NodeEntry, index: int, shown: str, text: str) -> None:
    """The gate keys (`kind`, `targets`, ...) fit together; targets are checked in resolve."""
    here = f"nodes[{index}]"

    def fail(key: str, message: str) -> NoReturn:
        path = f"{here}.{key}"
        raise SpecError(shown, path, message, locate(text, path))

    kind = entry.kind
    if kind != "node" and entry.ref is None:
        fail("kind", f"kind = \"{kind}\" declares a gate on a plain function: it needs 'ref'")
    for key, kinds in _GATE_KEYS.items():
        if key in entry.model_fields_set and kind not in kinds:
            needed = " or ".join(f'kind = "{k}"' for k in kinds)
            fail(key, f"'{key}' applies to gates declared with {needed} only")
    if kind == "node":
        return
    if "output" in entry.model_fields_set:
        fail(
            "output",
            f"a gate's only output is its decision, named '_<node name>'; remove 'output' "
            f'(kind = "{kind}")',
        )
    if kind == "route":
        if entry.targets is None:
            fail("kind", 'a kind = "route" gate needs targets = ["node", ..., "END"]')
        elif not entry.targets:
            fail("targets", 'give at least one target (node names and/or "END")')
        if entry.fallback is not None and entry.multi_target:
            fail(
                "fallback",
                "fallback cannot be combined with multi_target = true (return [] or None to "
                "route nowhere)",
            )
    else:
        if entry.when_true is None or entry.when_false is None:
            fail("kind", "a kind = \"ifelse\" gate needs 'when_true' and 'when_false'")
        if entry.when_true == entry.when_false:
            fail(
                "when_false",
                f"when_true and when_false are both {entry.when_true!r}; a branch needs two "
                "different targets",
            )


def first_error(exc: ValidationError, shown: str, text: str) -> SpecError:
    """The first of pydantic's errors, located (and how many more there are)."""
    error = exc.errors()[0]
    path = format_loc(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        message = f"unknown key '{error['loc'][-1]}'"
        parent = format_loc(error["loc"][:-1])
        allowed = _allowed_keys(error["loc"][:-1])
        if allowed:
            message += f" in {parent or 'the spec'}; allowed: {', '.join(allowed)}"
    elif kind == "missing":
        message = "required key is missing"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    count = len(exc.errors())
    if count > 1:
        message += f" (and {count - 1} more problem{'s' if count > 2 else ''})"
    return SpecError(shown, path, message, locate(text, path))


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    if not loc:
        return sorted(Spec.model_fields)
    if loc[0] == "graph" and len(loc) == 1:
        return sorted(GraphSection.model_fields)
    if loc[0] == "nodes" and len(loc) == 2:
        return sorted(NodeEntry.model_fields)
    return []
