"""`NodeContext`: what a node can ask of the run it is in (stream partial output).

A function node asks for one by annotating a parameter with `NodeContext` (any name); the
runner passes it, and the parameter is not an input of the graph.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypergraph.events.scope import RunScope

__all__ = ["NodeContext", "context_parameter"]


class NodeContext:
    """The running node's handle on its run.

    `stream(chunk)` reports a StreamingChunkEvent to the run's processors (nothing when no
    processor watches; safe from a worker thread). `stop_requested` is True once the run was
    asked to stop; nothing can ask that yet, so it is always False for now.
    """

    __slots__ = ("_scope", "node_name")

    def __init__(self, scope: RunScope | None, node_name: str) -> None:
        self._scope = scope
        self.node_name = node_name

    def stream(self, chunk: Any) -> None:
        """Report `chunk` of partial output (a StreamingChunkEvent)."""
        if self._scope is not None:
            self._scope.chunk(self.node_name, chunk)

    @property
    def stop_requested(self) -> bool:
        """Whether the run was asked to stop (always False: stopping is not built yet)."""
        return False

    def __repr__(self) -> str:
        return f"NodeContext({self.node_name!r})"


_NAMES = ("NodeContext", "hypergraph.NodeContext", "hypergraph.events.NodeContext")


def context_parameter(param: inspect.Parameter) -> bool:
    """Whether `param` asks for a NodeContext: annotated with the class, or with its name as
    text (`from __future__ import annotations`)."""
    annotation = param.annotation
    if annotation is NodeContext:
        return True
    return isinstance(annotation, str) and annotation.strip("'\"") in _NAMES
