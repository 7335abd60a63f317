"""hypergraph: workflows from plain functions, run in supersteps or compiled to modules."""

from typing import TYPE_CHECKING, Any

from hypergraph.events.context import NodeContext
from hypergraph.exceptions import (
    CacheKeyError,
    ExecutionError,
    GraphConfigError,
    IncompatibleRunnerError,
    InfiniteLoopError,
    ItemTransferError,
    MissingInputError,
    NodeTimeoutError,
    NotPicklableError,
    RenameError,
    TypeMismatchError,
    get_failure_evidence,
)
from hypergraph.graph import Graph, InputSpec
from hypergraph.nodes import (
    END,
    ExecutionMode,
    FunctionNode,
    GateNode,
    GraphNode,
    GraphNodeMapExecutionConfig,
    HyperNode,
    IfElseNode,
    RouteNode,
    ifelse,
    node,
    route,
)
from hypergraph.plan import Plan
from hypergraph.policies import CacheBackend, RetryPolicy
from hypergraph.runners import (
    AsyncRunner,
    BaseRunner,
    ErrorHandling,
    FailureEvidence,
    MapResult,
    RunnerCapabilities,
    RunResult,
    RunStatus,
    SyncRunner,
)
from hypergraph.typecheck import Diagnostic

if TYPE_CHECKING:
    from hypergraph.policies import DiskCache, InMemoryCache

__all__ = [
    # nodes
    "node",
    "ifelse",
    "route",
    "END",
    "HyperNode",
    "FunctionNode",
    "GateNode",
    "IfElseNode",
    "RouteNode",
    "ExecutionMode",
    "GraphNode",
    "GraphNodeMapExecutionConfig",
    "NodeContext",
    # graphs
    "Graph",
    "InputSpec",
    "Plan",
    "Diagnostic",
    # runners
    "BaseRunner",
    "SyncRunner",
    "AsyncRunner",
    "RunnerCapabilities",
    "RunResult",
    "MapResult",
    "RunStatus",
    "ErrorHandling",
    "FailureEvidence",
    # policies (docs/policies.md)
    "RetryPolicy",
    "CacheBackend",
    "InMemoryCache",
    "DiskCache",
    # errors
    "GraphConfigError",
    "TypeMismatchError",
    "RenameError",
    "MissingInputError",
    "InfiniteLoopError",
    "IncompatibleRunnerError",
    "ExecutionError",
    "NotPicklableError",
    "ItemTransferError",
    "NodeTimeoutError",
    "CacheKeyError",
    "get_failure_evidence",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """The cache backends, imported on first use (see `hypergraph.policies`)."""
    if name in ("InMemoryCache", "DiskCache"):
        from hypergraph import policies

        return getattr(policies, name)
    raise AttributeError(f"module 'hypergraph' has no attribute {name!r}")
