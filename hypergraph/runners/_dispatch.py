"""Where a run sends the items of its mapped nested graphs: the executor of `run(executor=)`.

The sender is set for the duration of one run (a context variable, so concurrent runs and
tasks do not see each other's); `_nested` asks it before running items here.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from hypergraph.events.scope import RunScope
    from hypergraph.graph.core import Graph
    from hypergraph.nodes.graph_node import GraphNodeMapExecutionConfig

__all__ = ["SENDER", "ItemSender"]

Outputs = list[dict[str, Any] | None]


class ItemSender(Protocol):
    """Runs a mapped nested graph's items elsewhere; None means "run them here"."""

    def send(
        self,
        graph: Graph,
        given: dict[str, Any],
        mapping: GraphNodeMapExecutionConfig,
        scope: RunScope | None = None,
    ) -> Outputs | None:
        """Each item's output values (None for a failed item under "continue"); under
        "raise" the lowest-index failure is raised. With `scope` (watched) it reports the
        map's start and end and its items' events."""

    async def send_async(
        self,
        graph: Graph,
        given: dict[str, Any],
        mapping: GraphNodeMapExecutionConfig,
        inline: bool,
        scope: RunScope | None = None,
    ) -> Outputs | None:
        """`send` for AsyncRunner."""


SENDER: ContextVar[ItemSender | None] = ContextVar("hypergraph_item_sender", default=None)
