"""hypergraph: workflows from plain functions, run in supersteps or compiled to modules."""

from hypergraph.events.context import NodeContext
from hypergraph.exceptions import (
    ExecutionError,
    GraphConfigError,
    IncompatibleRunnerError,
    InfiniteLoopError,
    ItemTransferError,
    MissingInputError,
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
    "get_failure_evidence",
]
__version__ = "0.1.0"
