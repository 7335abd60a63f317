"""Node kinds: FunctionNode (and the `node` decorator), gates (`ifelse`, `route`) and GraphNode."""

from hypergraph.exceptions import RenameError
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.function import ExecutionMode, FunctionNode, node
from hypergraph.nodes.gate import END, GateNode, IfElseNode, RouteNode, ifelse, route
from hypergraph.nodes.graph_node import GraphNode, GraphNodeMapExecutionConfig

__all__ = [
    "END",
    "ExecutionMode",
    "FunctionNode",
    "GateNode",
    "GraphNode",
    "GraphNodeMapExecutionConfig",
    "HyperNode",
    "IfElseNode",
    "RenameError",
    "RouteNode",
    "ifelse",
    "node",
    "route",
]
