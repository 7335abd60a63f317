"""Node kinds: FunctionNode (and the `node` decorator) and GraphNode."""

from hypergraph.exceptions import RenameError
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.function import ExecutionMode, FunctionNode, node
from hypergraph.nodes.graph_node import GraphNode, GraphNodeMapExecutionConfig

__all__ = [
    "ExecutionMode",
    "FunctionNode",
    "GraphNode",
    "GraphNodeMapExecutionConfig",
    "HyperNode",
    "RenameError",
    "node",
]
