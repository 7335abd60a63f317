"""GraphView -> Graphviz DOT text (rendered to SVG by Graphviz's ``dot`` program)."""

from __future__ import annotations

from hypergraph.viz.theme import BACK_EDGE, EDGE_COLOURS, INACTIVE, NODE_STYLES
from hypergraph.viz.view import (
    EdgeKind,
    GraphView,
    NodeKind,
    ViewCluster,
    ViewEdge,
    ViewItem,
    printable,
)

__all__ = ["render_dot"]

_FONT = '"Helvetica,Arial,sans-serif"'
_SHAPES: dict[NodeKind, tuple[str, str]] = {  # shape, extra style
    "function": ("box", ""),
    "async": ("box", "rounded"),
    "generator": ("parallelogram", ""),
    "async_generator": ("parallelogram", ""),
    "route": ("diamond", ""),
    "ifelse": ("diamond", ""),
    "graph": ("box3d", ""),
    "input": ("ellipse", ""),
    "optional_input": ("ellipse", ""),
    "output": ("cds", ""),
    "end": ("doublecircle", ""),
}
_LINES: dict[EdgeKind, str] = {"branch": "dashed", "ordering": "dotted"}


def escape(text: str) -> str:
    """Text for a Graphviz HTML-like label: XML entities, control characters spelled out."""
    text = printable(text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _label(text: str, detail: str = "") -> str:
    small = f'<BR/><FONT POINT-SIZE="9"><I>{escape(detail)}</I></FONT>' if detail else ""
    return f"<{escape(text)}{small}>"


def _attrs(**values: str) -> str:
    return "[" + ", ".join(f"{key}={value}" for key, value in values.items() if value) + "]"


def _edge(edge: ViewEdge, clusters: dict[str, ViewCluster]) -> str:
    source, target = edge.source, edge.target
    extra: dict[str, str] = {}
    if source in clusters:  # an edge from a whole nested graph leaves its box
        source, extra["ltail"] = clusters[source].anchor, f"cluster_{source}"
    if target in clusters:
        target, extra["lhead"] = clusters[target].anchor, f"cluster_{target}"
    colour = BACK_EDGE if edge.back else EDGE_COLOURS[edge.kind]
    if not edge.active:
        colour = INACTIVE.stroke
    attrs = _attrs(
        label=_label(edge.label) if edge.label else "",
        color=f'"{colour}"',
        fontcolor=f'"{colour}"',
        style=_LINES.get(edge.kind, ""),
        penwidth="2" if edge.back else "",
        **extra,
    )
    return f"    {source} -> {target} {attrs};"


def render_dot(view: GraphView) -> str:
    """The DOT text of `view` (declaration order, stable ids; ends with a newline)."""
    lines = [
        "digraph hypergraph {",
        f"    graph [rankdir={view.direction}, compound=true, fontname={_FONT}, fontsize=11, "
        "nodesep=0.35, ranksep=0.45];",
        f'    node [fontname={_FONT}, fontsize=11, margin="0.14,0.05"];',
        f"    edge [fontname={_FONT}, fontsize=9, arrowsize=0.7];",
    ]

    def draw(items: tuple[ViewItem, ...], indent: str) -> None:
        for item in items:
            if isinstance(item, ViewCluster):
                stroke = "#52606d" if item.active else INACTIVE.stroke
                lines.append(f"{indent}subgraph cluster_{item.id} {{")
                label = _label(item.label, item.detail)
                lines.append(
                    f'{indent}    graph [id="cluster_{item.id}", label={label}, '
                    f'style="rounded,dashed", color="{stroke}", bgcolor="#f8f9fa"];'
                )
                draw(item.items, indent + "    ")
                lines.append(f"{indent}}}")
                continue
            style = NODE_STYLES[item.kind] if item.active else INACTIVE
            shape, extra = _SHAPES[item.kind]
            looks = ["filled", *([extra] if extra else []), *(["dashed"] if style.dashed else [])]
            attrs = _attrs(
                id=f'"{item.id}"',
                label=_label(item.label, item.detail),
                shape=shape,
                style=f'"{",".join(looks)}"',
                fillcolor=f'"{style.fill}"',
                color=f'"{style.stroke}"',
                fontcolor=f'"{style.text}"',
                penwidth="2" if style.bold_border else "",
            )
            lines.append(f"{indent}{item.id} {attrs};")

    draw(view.items, "    ")
    clusters = view.clusters
    lines += [_edge(edge, clusters) for edge in view.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"
