"""Colours and line styles shared by every renderer, so Mermaid and DOT pictures match.

Fills are light with dark text, which stays readable on light and dark pages alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypergraph.viz.view import EdgeKind, NodeKind

__all__ = ["BACK_EDGE", "EDGE_COLOURS", "INACTIVE", "NODE_STYLES", "NodeStyle"]


@dataclass(frozen=True)
class NodeStyle:
    """How one kind of box is painted."""

    fill: str
    stroke: str
    text: str = "#1f2328"
    dashed: bool = False
    bold_border: bool = False


NODE_STYLES: dict[NodeKind, NodeStyle] = {
    "function": NodeStyle("#e7f0ff", "#3b6fd8"),
    "async": NodeStyle("#e3f6ee", "#2f9e72"),
    "generator": NodeStyle("#fff3dc", "#c77700"),
    "async_generator": NodeStyle("#f3e8ff", "#8b5cd6"),
    "route": NodeStyle("#ffecee", "#d6336c"),
    "ifelse": NodeStyle("#ffecee", "#d6336c"),
    "graph": NodeStyle("#eef1f4", "#52606d", bold_border=True),
    "input": NodeStyle("#ffffff", "#343a40", bold_border=True),
    "optional_input": NodeStyle("#ffffff", "#868e96", dashed=True),
    "output": NodeStyle("#edf7e1", "#5c940d", bold_border=True),
    "end": NodeStyle("#343a40", "#343a40", text="#ffffff"),
}

INACTIVE = NodeStyle("#f8f9fa", "#ced4da", text="#868e96", dashed=True)
"""Nodes outside the active scope (select, entrypoints) and their edges."""

EDGE_COLOURS: dict[EdgeKind, str] = {
    "data": "#495057",
    "branch": "#d6336c",
    "ordering": "#868e96",
    "input": "#868e96",
    "output": "#5c940d",
}

BACK_EDGE = "#9c36b5"
"""Edges that close a loop are drawn thicker, in this colour."""
