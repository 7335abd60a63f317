"""Pictures of graphs: Mermaid and DOT text, and SVG / HTML through Graphviz.

Loaded lazily by ``Graph.to_mermaid()``, ``Graph.to_dot()`` and ``Graph.visualize()``:
``import hypergraph`` does not import it. A neutral view model (`build_view`) is built once
from the graph; one renderer per format draws it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypergraph.viz.dot import render_dot
from hypergraph.viz.mermaid import render_mermaid
from hypergraph.viz.picture import GraphPicture, GraphvizUnavailable
from hypergraph.viz.view import (
    Direction,
    GraphView,
    ViewCluster,
    ViewEdge,
    ViewNode,
    ViewOptions,
    build_view,
)

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = [
    "Direction",
    "GraphPicture",
    "GraphView",
    "GraphvizUnavailable",
    "ViewCluster",
    "ViewEdge",
    "ViewNode",
    "ViewOptions",
    "build_view",
    "render_dot",
    "render_mermaid",
    "to_dot",
    "to_mermaid",
    "visualize",
]


def to_mermaid(graph: Graph, options: ViewOptions | None = None) -> str:
    """The Mermaid flowchart of `graph`."""
    return render_mermaid(build_view(graph, options))


def to_dot(graph: Graph, options: ViewOptions | None = None) -> str:
    """The Graphviz DOT text of `graph`."""
    return render_dot(build_view(graph, options))


def visualize(graph: Graph, options: ViewOptions | None = None) -> GraphPicture:
    """A picture of `graph` that renders as SVG or an HTML page (see GraphPicture)."""
    return GraphPicture(build_view(graph, options))
