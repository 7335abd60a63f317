"""The spec file format: pydantic models of a TOML spec (``[graph]`` and ``[[nodes]]``), with
the checks each single field needs (import references, identifiers, module names)."""

from __future__ import annotations

import keyword
import re
import sys
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = [
    "MODULE_NAME_BYTES",
    "GraphSection",
    "NodeEntry",
    "RetrySection",
    "Spec",
    "check_module_name",
]

_REF = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*")


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


MODULE_NAME_BYTES = 100
"""Longest `[graph] module` name: far below the 255 bytes a file name may have, leaving room
for the ``.pyi`` suffix and the temporary file written next to it."""


def _check_ref(value: str) -> str:
    if not _REF.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an import reference; write 'package.module:attribute' "
            "(module path, a colon, then the name defined in that module)"
        )
    return value


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a Python identifier (ASCII letters, digits, '_')")
    return value


def check_module_name(value: str) -> str:
    """`value` if it can name the compiled module's file and be imported by that name."""
    if not _NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an importable module name: use ASCII letters, digits and '_', "
            "not starting with a digit"
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise ValueError(f"{value!r} is a Python keyword; a module of that name cannot be imported")
    if len(value.encode()) > MODULE_NAME_BYTES:
        raise ValueError(
            f"module name of {len(value)} characters is too long (at most {MODULE_NAME_BYTES})"
        )
    if value in sys.stdlib_module_names:
        raise ValueError(
            f"{value!r} is a standard library module; a compiled module of that name would "
            "shadow it: pick another name"
        )
    return value


def _check_spec_path(value: str) -> str:
    if not value or not value.isprintable():
        raise ValueError(f"{value!r} is not a path: give a non-empty path of printable characters")
    if not value.endswith(".toml"):
        raise ValueError(f"{value!r} is not a spec file: a nested spec is a .toml file")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class GraphSection(_Model):
    """``[graph]``: what to build and how to compile it."""

    name: str = Field(description="Graph name (an identifier).")
    runner: Literal["sync", "async"] = Field("sync", description="Target back end.")
    module: str | None = Field(None, description="Compiled module name; default <stem>_compiled.")
    select: list[str] | None = Field(None, description="Outputs to compute and return.")
    entrypoint: str | list[str] | None = Field(
        None, description="Node(s) that start the run; a graph with a loop needs one."
    )
    strict_types: bool = Field(False, description="Type-check every edge when building.")
    sync_nodes: Literal["thread", "inline"] = Field(
        "thread", description="async only: run plain def nodes in worker threads or inline."
    )
    run_many: bool = Field(
        False, description="sync only: also emit run_many(items, executor=...) (SyncRunner.map)."
    )
    bind: dict[str, Any] = Field(default_factory=dict, description="Inputs fixed to values.")
    events: bool = Field(
        False, description="run() takes an optional observer and reports its run to it."
    )

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return _check_name(value)

    @field_validator("module")
    @classmethod
    def _module(cls, value: str | None) -> str | None:
        return value if value is None else check_module_name(value)


class RetrySection(_Model):
    """``retry = { ... }`` of a node: hypergraph.policies.RetryPolicy's fields."""

    attempts: int = Field(3, description="Calls in all, the first included.")
    on: list[str] = Field(
        ["Exception"],
        description="Exceptions retried: builtin names or 'module:Class' references.",
    )
    delay: float = Field(0.1, description="Seconds before the first retry.")
    backoff: float = Field(2.0, description="Factor of the wait from one retry to the next.")
    max_delay: float = Field(30.0, description="Longest wait, in seconds.")
    jitter: float = Field(0.5, description="Random fraction (0 to 1) a wait may be shortened by.")


class NodeEntry(_Model):
    """One ``[[nodes]]`` entry: a node (``ref``) or a whole graph to inline (``graph``)."""

    ref: str | None = Field(None, description="'module:attr' of a @node or a plain function.")
    graph: str | None = Field(None, description="'module:attr' of a Graph whose nodes to inline.")
    output: str | list[str] | None = Field(None, description="Output name(s) of a function.")
    name: str | None = Field(None, description="Node name (default: the function's name).")
    rename_inputs: dict[str, str] = Field(default_factory=dict, description="Old -> new input.")
    rename_outputs: dict[str, str] = Field(default_factory=dict, description="Old -> new output.")
    emit: str | list[str] | None = Field(None, description="Ordering signal(s) to emit.")
    wait_for: str | list[str] | None = Field(None, description="Signal(s) to wait for.")
    subgraph: str | None = Field(None, description="'module:attr' of a Graph nested as a node.")
    spec: str | None = Field(None, description="Path of a spec nested as a node (relative).")
    namespaced: bool = Field(False, description="Nested: address ports as <name>.<port>.")
    expose: list[str] = Field(default_factory=list, description="Namespaced ports kept flat.")
    map_over: list[str] | None = Field(None, description="Nested: run once per item of these.")
    map_mode: Literal["zip", "product"] = Field("zip", description="How mapped inputs pair.")
    map_errors: Literal["raise", "continue"] = Field("raise", description="Failed item policy.")
    clone: bool | list[str] = Field(False, description="Deep-copy other inputs per item.")
    kind: Literal["node", "route", "ifelse"] = Field(
        "node", description="'route' or 'ifelse': the plain function is a gate."
    )
    targets: list[str] | dict[str, str] | None = Field(
        None, description='Route: node names and/or "END" (a table maps them to descriptions).'
    )
    fallback: str | None = Field(None, description="Route: the target run when it returns None.")
    multi_target: bool = Field(False, description="Route: the function returns a list.")
    when_true: str | None = Field(None, description="Ifelse: the target run on True.")
    when_false: str | None = Field(None, description="Ifelse: the target run on False.")
    default_open: bool = Field(True, description="Gate: targets may run before it decides.")
    cache: bool = Field(False, description="Reuse results from run()'s cache.")
    retry: int | RetrySection | None = Field(
        None, description="Retries after a failure: a count, or a table of the policy."
    )
    timeout: float | None = Field(None, description="Seconds a call may take (async modules).")

    @field_validator("ref", "graph", "subgraph")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        return value if value is None else _check_ref(value)

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        return value if value is None else _check_name(value)

    @field_validator("targets", mode="before")
    @classmethod
    def _targets(cls, value: object) -> object:
        # one message instead of pydantic's two (one per member of the union)
        if value is None or (isinstance(value, list) and all(isinstance(t, str) for t in value)):
            return value
        if isinstance(value, dict) and all(isinstance(t, str) for t in value.values()):
            return value
        raise ValueError(
            'targets is a list of node names and/or "END" (targets = ["a", "END"]), or a '
            'table of descriptions (targets = { a = "why", END = "why" })'
        )

    @field_validator("retry", mode="before")
    @classmethod
    def _retry(cls, value: object) -> object:
        # one message instead of pydantic's one per member of the union
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if not isinstance(value, dict):
            raise ValueError(
                "retry is a number of retries (retry = 2) or a table of the policy "
                '(retry = { attempts = 3, on = ["ConnectionError"], delay = 0.5 })'
            )
        unknown = sorted(set(value) - set(RetrySection.model_fields))
        if unknown:
            raise ValueError(
                f"unknown key {unknown[0]!r} in the retry table; allowed: "
                f"{', '.join(RetrySection.model_fields)}"
            )
        try:
            return RetrySection.model_validate(value)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise ValueError(f"retry.{where}: {error['msg']}") from None

    @field_validator("spec")
    @classmethod
    def _spec_path(cls, value: str | None) -> str | None:
        return value if value is None else _check_spec_path(value)


class Spec(_Model):
    """A whole spec file."""

    graph: GraphSection
    nodes: list[NodeEntry] = Field(min_length=1)
