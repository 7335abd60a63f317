"""run()'s parameters and the Inputs / Outputs fields, from the flattened graph.

An optional input whose consumers (at any depth) all fall back to the same immutable literal
gets that literal as its parameter default. Otherwise the parameter is ``T | None = None`` and
each consumer writes ``x if x is not None else <its own fallback>``, so every consumer sees what
the runtime would give it when the input is omitted.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.analysis.annotations import ImportTable
from codegen.analysis.flatten import Flattened
from codegen.analysis.porttypes import input_type, output_type
from codegen.errors import CompileError
from codegen.render.literals import check_literal, format_literal
from codegen.render.view import Field
from hypergraph import Graph
from hypergraph.plan import wiring_of

__all__ = ["Signature", "signature", "outputs"]


@dataclass(frozen=True)
class Signature:
    """run()'s parameters, the Inputs fields, and per-consumer fallbacks."""

    required: list[Field]
    optional: list[Field]
    params: list[str]
    fallbacks: dict[tuple[str, str], object]
    """(call path, graph input) -> the value that call uses when the input is None."""


def signature(
    graph: Graph, flat: Flattened, table: ImportTable, absent: set[str] | None = None
) -> Signature:
    """run()'s parameters. An input in `absent` defaults to the module's ``_ABSENT`` marker,
    so that run() can tell it omitted from given (a loop's optional seed)."""
    spec = graph.inputs
    any_name = ""

    def type_of(name: str) -> str:
        nonlocal any_name
        found = input_type(graph, name, table)
        if found is not None:
            return found
        any_name = table.name("typing", "Any")
        return any_name

    required = [Field(flat.params[n], type_of(n)) for n in spec.required]
    optional: list[Field] = []
    params = [f"{f.name}: {f.type}" for f in required]
    fallbacks: dict[tuple[str, str], object] = {}
    for name in spec.optional:
        var = flat.params[name]
        kind = type_of(name)
        optional.append(Field(var, kind))
        if name in spec.bound:
            value = spec.bound[name]
            check_literal(value, f"bind value of input {name!r}")
            params.append(_param(var, kind, value))
            continue
        if absent and name in absent:
            params.append(f"{var}: {kind} = _ABSENT")
            for c in flat.consumers:  # each consumer falls back when run() was not given it
                if c.top == name:
                    check_literal(c.default, f"default of input {name!r} of node {c.path!r}")
                    fallbacks[(c.path, name)] = c.default
            continue
        defaults = [(c.path, c.default, c.needs_copy) for c in flat.consumers if c.top == name]
        if not defaults:
            raise CompileError(f"input {name!r} is optional but no call falls back for it")
        for path, default, _ in defaults:
            check_literal(default, f"default of input {name!r} of node {path!r}")
        first = defaults[0][1]
        uniform = all(not copy and _same_literal(d, first) for _, d, copy in defaults)
        if uniform:
            params.append(_param(var, kind, first))
            continue
        if _admits_none(kind, any_name):
            raise CompileError(
                f"input {name!r} has a mutable or per-node default and its type {kind} admits "
                "None, so run() cannot tell 'not given' from None; bind it in the spec "
                "([graph.bind]) or annotate it without None",
                defaults[0][0].partition("/")[0],
            )
        params.append(f"{var}: {kind} | None = None")
        for path, default, _ in defaults:
            fallbacks[(path, name)] = default
    return Signature(required, optional, params, fallbacks)


def _param(name: str, kind: str, value: object) -> str:
    prefix = f"{name}: {kind} = "
    return prefix + format_literal(value, 1, 4 + len(prefix), 1)


def _same_literal(a: object, b: object) -> bool:
    return type(a) is type(b) and format_literal(a) == format_literal(b)


def _admits_none(kind: str, any_name: str) -> bool:
    parts = [p.strip() for p in kind.split("|")]
    return "None" in parts or (bool(any_name) and any_name in parts) or kind.endswith("Any")


def outputs(
    graph: Graph, flat: Flattened, names: tuple[str, ...], table: ImportTable
) -> list[Field]:
    """The Outputs fields: result name (an address, maybe dotted) and its type."""
    fields = []
    produced = set(wiring_of(graph).produced)
    for name in names:
        if name not in flat.outputs and name not in produced and name not in graph.inputs.all:
            continue  # produced only before the entrypoints: never in the result
        if name not in flat.outputs and name in graph.inputs.optional:
            # an omittable input that is a result: present when run() was given it
            kind = input_type(graph, name, table) or table.name("typing", "Any")
            fields.append(Field(name, kind, var=flat.params[name]))
            continue
        if name not in flat.outputs:
            raise CompileError(f"output {name!r} is not produced by an active node")
        fields.append(Field(name, output_type(graph, name, table), var=flat.outputs[name]))
    return fields
