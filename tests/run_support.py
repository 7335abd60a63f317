"""One run of a graph on each runner: the parametrisation the runtime tests share."""

from __future__ import annotations

import asyncio
from typing import Any

from hypergraph import AsyncRunner, Graph, RunResult, SyncRunner

RUNNERS = ["sync", "async", "inline"]
"""SyncRunner, AsyncRunner (sync nodes in threads), AsyncRunner(sync_nodes="inline")."""


def execute(runner: str, graph: Graph, *args: Any, **kwargs: Any) -> RunResult:
    """One run on SyncRunner, AsyncRunner (threads) or AsyncRunner(sync_nodes="inline")."""
    if runner == "sync":
        return SyncRunner().run(graph, *args, **kwargs)
    sync_nodes = "inline" if runner == "inline" else "thread"
    return asyncio.run(AsyncRunner(sync_nodes=sync_nodes).run(graph, *args, **kwargs))
