"""GraphView -> Mermaid flowchart text (renders on code hosts' Markdown and in JupyterLab)."""

from __future__ import annotations

import re

from hypergraph.viz.theme import BACK_EDGE, EDGE_COLOURS, INACTIVE, NODE_STYLES, NodeStyle
from hypergraph.viz.view import (
    EdgeKind,
    GraphView,
    NodeKind,
    ViewCluster,
    ViewEdge,
    ViewItem,
    printable,
)

__all__ = ["render_mermaid"]

_SHAPES: dict[NodeKind, tuple[str, str]] = {
    "function": ("[", "]"),
    "async": ("(", ")"),
    "generator": ("[/", "/]"),
    "async_generator": ("[\\", "\\]"),
    "route": ("{", "}"),
    "ifelse": ("{", "}"),
    "graph": ("[[", "]]"),
    "input": ("([", "])"),
    "optional_input": ("([", "])"),
    "output": (">", "]"),
    "end": ("((", "))"),
}
_ARROWS: dict[EdgeKind, str] = {
    "data": "-->",
    "input": "-->",
    "output": "-->",
    "branch": "-.->",
    "ordering": "-.->",
}
_DASHES: dict[EdgeKind, str] = {"branch": "6 4", "ordering": "2 3"}
_SAFE = re.compile(r"[A-Za-z0-9 _.,:()\[\]=+\-*/!?']")


def escape(text: str) -> str:
    """Text for a quoted Mermaid label: every character outside a small safe set becomes a
    numeric entity (``#34;``), so no name can close the quotes, open a tag or a comment. A
    zero-width space follows each ``$``: Mermaid renders ``$$...$$`` as math even when the
    dollars are entities."""
    return "".join(
        c if _SAFE.fullmatch(c) else "#36;#8203;" if c == "$" else f"#{ord(c)};"
        for c in printable(text)
    )


def _label(text: str, detail: str) -> str:
    inner = escape(text) + (f"<br/><i>{escape(detail)}</i>" if detail else "")
    return f'"{inner}"'


def _class_def(name: str, style: NodeStyle) -> str:
    parts = [f"fill:{style.fill}", f"stroke:{style.stroke}", f"color:{style.text}"]
    if style.bold_border:
        parts.append("stroke-width:2px")
    if style.dashed:
        parts.append("stroke-dasharray:5 3")
    return f"    classDef {name} {','.join(parts)}"


def _edge_style(edge: ViewEdge) -> str:
    colour = BACK_EDGE if edge.back else EDGE_COLOURS[edge.kind]
    if not edge.active:
        colour = INACTIVE.stroke
    parts = [f"stroke:{colour}", "stroke-width:2.5px" if edge.back else "stroke-width:1.5px"]
    if edge.kind in _DASHES:
        parts.append(f"stroke-dasharray:{_DASHES[edge.kind]}")
    return ",".join(parts)


def render_mermaid(view: GraphView) -> str:
    """The flowchart text of `view` (declaration order, stable ids; ends with a newline)."""
    lines = [f"flowchart {view.direction}"]
    classes: dict[str, list[str]] = {}
    clusters: list[ViewCluster] = []

    def draw(items: tuple[ViewItem, ...], indent: str) -> None:
        for item in items:
            if isinstance(item, ViewCluster):
                clusters.append(item)
                lines.append(f"{indent}subgraph {item.id} [{_label(item.label, item.detail)}]")
                lines.append(f"{indent}    direction {view.direction}")
                draw(item.items, indent + "    ")
                lines.append(f"{indent}end")
                continue
            start, stop = _SHAPES[item.kind]
            lines.append(f"{indent}{item.id}{start}{_label(item.label, item.detail)}{stop}")
            key = f"hg_{item.kind}" if item.active else "hg_inactive"
            classes.setdefault(key, []).append(item.id)

    draw(view.items, "    ")
    styles: dict[str, list[str]] = {}
    for index, edge in enumerate(view.edges):
        label = f"|{_label(edge.label, '')}|" if edge.label else ""
        lines.append(f"    {edge.source} {_ARROWS[edge.kind]}{label} {edge.target}")
        styles.setdefault(_edge_style(edge), []).append(str(index))
    for kind, style in NODE_STYLES.items():
        if f"hg_{kind}" in classes:
            lines.append(_class_def(f"hg_{kind}", style))
    if "hg_inactive" in classes:
        lines.append(_class_def("hg_inactive", INACTIVE))
    lines += [f"    class {','.join(ids)} {name}" for name, ids in classes.items()]
    for cluster in clusters:
        stroke = "#52606d" if cluster.active else INACTIVE.stroke
        lines.append(
            f"    style {cluster.id} fill:#f8f9fa,stroke:{stroke},stroke-dasharray:4 3,"
            "color:#1f2328"
        )
    lines += [f"    linkStyle {','.join(ids)} {style}" for style, ids in styles.items()]
    return "\n".join(lines) + "\n"
