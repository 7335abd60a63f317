"""What a back end hands back: a graph's run written as a module's run(), or as the body of
a module function (a nested graph, ``codegen.backends.subgraphs``)."""

from __future__ import annotations

from dataclasses import dataclass

from codegen.backends.signature import Signature
from codegen.render.view import SCHEDULE_DOC, Field, StepView

__all__ = ["FunctionParts", "ModuleParts"]


@dataclass(frozen=True)
class FunctionParts:
    """A graph's run written as a function body (by either back end)."""

    params: tuple[str, ...]
    """Keyword parameters, rendered (``name: type`` or ``name: type = default``)."""
    lines: tuple[str, ...]
    """The body, indented one level, ending in a return of the outputs dict."""
    limit: bool
    """Whether the body maps items concurrently and takes ``max_concurrency``."""


@dataclass(frozen=True)
class ModuleParts:
    """A graph's run as a module's run(): what the view model takes from a back end."""

    supersteps: tuple[tuple[str, ...], ...]
    """SCHEDULE: per superstep, the node paths in call order."""
    sig: Signature
    outputs: tuple[Field, ...]
    params: tuple[str, ...]
    """run()'s keyword parameters, rendered."""
    steps: tuple[StepView, ...] = ()
    """A DAG's supersteps (the static back end)."""
    returns: str = ""
    """A DAG's return statement."""
    body: str = ""
    """A gated or cyclic graph's whole run() body, instead of `steps` and `returns`."""
    outputs_partial: bool = False
    """Outputs may be absent: ``total=False``."""
    schedule_doc: str = SCHEDULE_DOC
    """The docstring under SCHEDULE, quotes included."""
