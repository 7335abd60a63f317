"""Static type checking of graphs against their functions' annotations (``strict_types``)."""

from hypergraph.typecheck.check import check_graph
from hypergraph.typecheck.diagnostics import Diagnostic
from hypergraph.typecheck.enforce import raise_on_type_errors
from hypergraph.typecheck.format import format_type

__all__ = ["Diagnostic", "check_graph", "format_type", "raise_on_type_errors"]
