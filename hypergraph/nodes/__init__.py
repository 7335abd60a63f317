"""Node kinds: FunctionNode and the `node` decorator."""

from hypergraph.exceptions import RenameError
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.function import ExecutionMode, FunctionNode, node

__all__ = ["ExecutionMode", "FunctionNode", "HyperNode", "RenameError", "node"]
