"""Graphs: nodes wired by name, their inputs and their validation."""

from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.core import Graph
from hypergraph.graph.input_spec import InputSpec

__all__ = ["Graph", "GraphConfigError", "InputSpec"]
