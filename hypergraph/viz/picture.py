"""GraphPicture: what ``graph.visualize()`` returns (SVG through Graphviz, an offline HTML page,
notebook display, ``save``)."""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hypergraph.viz.dot import render_dot
from hypergraph.viz.mermaid import render_mermaid
from hypergraph.viz.view import GraphView

__all__ = ["FORMATS", "GraphPicture", "GraphvizUnavailable"]

FORMATS: dict[str, str] = {
    ".svg": "svg",
    ".html": "html",
    ".htm": "html",
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".png": "png",
    ".pdf": "pdf",
}
"""File suffix -> format written by `GraphPicture.save`."""

_INSTALL_DOT = (
    "Graphviz's `dot` program was not found on PATH: install Graphviz (Debian/Ubuntu: "
    "apt-get install graphviz; macOS: brew install graphviz; conda: conda install graphviz)"
)
_INSTALL_EXTRA = (
    "the `graphviz` Python package is not installed: pip install 'hypergraph-workflows[viz]' "
    "(Graphviz's `dot` program is needed too)"
)


class GraphvizUnavailable(RuntimeError):
    """Rendering SVG (and HTML, PNG, PDF) needs the `graphviz` package and the `dot` program."""


class GraphPicture:
    """A picture of a graph: Mermaid and DOT text now, SVG/HTML/PNG/PDF through Graphviz.

    In a notebook it shows as SVG; without Graphviz it falls back to a Mermaid block (rendered
    by JupyterLab 4.1 and later) with a note saying what to install.
    """

    def __init__(self, view: GraphView) -> None:
        self.view = view
        self.mermaid = render_mermaid(view)
        """The Mermaid flowchart text."""
        self.dot = render_dot(view)
        """The Graphviz DOT text."""
        self._rendered: dict[str, bytes] = {}

    def render(self, format: str) -> bytes:
        """The picture rendered by Graphviz (``svg``, ``png`` or ``pdf``); cached."""
        if format not in ("svg", "png", "pdf"):
            raise ValueError(f"Graphviz renders 'svg', 'png' or 'pdf' here, not {format!r}")
        if format not in self._rendered:
            try:
                import graphviz  # type: ignore[import-untyped,unused-ignore]  # optional extra
            except ImportError:
                raise GraphvizUnavailable(_INSTALL_EXTRA) from None
            try:
                data = graphviz.Source(self.dot).pipe(format=format, quiet=True)
            except graphviz.ExecutableNotFound:
                raise GraphvizUnavailable(_INSTALL_DOT) from None
            except graphviz.CalledProcessError as exc:  # a bug of ours: say so plainly
                detail = (exc.stderr or b"").decode(errors="replace").strip()
                raise RuntimeError(f"Graphviz failed on the generated DOT text: {detail}") from None
            self._rendered[format] = data
        return self._rendered[format]

    def svg(self) -> str:
        """The SVG document (needs Graphviz)."""
        return self.render("svg").decode("utf-8")

    def html(self) -> str:
        """A self-contained HTML page: the SVG inline, no scripts, no network (needs Graphviz)."""
        svg = self.svg()
        inline = svg[svg.index("<svg") :]  # drop the XML declaration and DOCTYPE
        title = html.escape(self.view.title)
        source = html.escape(self.mermaid)
        return _PAGE.format(title=title, svg=inline.strip(), mermaid=source)

    def save(self, path: str | os.PathLike[str], *, format: str | None = None) -> Path:
        """Write the picture to `path`; the format comes from the suffix (.svg, .html, .dot,
        .gv, .mmd, .mermaid, .png, .pdf) unless `format` names one. Returns the path."""
        target = Path(path)
        chosen = format or FORMATS.get(target.suffix.lower())
        if chosen not in set(FORMATS.values()):
            known = ", ".join(sorted(set(FORMATS.values())))
            raise ValueError(
                f"cannot tell which format to write to {str(target)!r}: use a suffix among "
                f"{', '.join(FORMATS)} or pass format= ({known})"
            )
        data = self.as_bytes(chosen)
        _atomic_write(target, data)
        return target

    def as_bytes(self, format: str) -> bytes:
        """The picture in `format`: mermaid, dot, svg, html, png or pdf."""
        if format == "mermaid":
            return self.mermaid.encode()
        if format == "dot":
            return self.dot.encode()
        if format == "html":
            return self.html().encode()
        return self.render(format)

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, Any]:
        try:
            bundle = {"image/svg+xml": self.svg(), "text/plain": repr(self)}
        except GraphvizUnavailable as exc:
            note = f"(No SVG: {exc}.)"
            bundle = {
                "text/markdown": f"```mermaid\n{self.mermaid}```\n\n{note}\n",
                "text/plain": f"{self.mermaid}\n{note}",
            }
        if include is not None:
            wanted = set(include)
            bundle = {k: v for k, v in bundle.items() if k in wanted}
        if exclude is not None:
            unwanted = set(exclude)
            bundle = {k: v for k, v in bundle.items() if k not in unwanted}
        return bundle

    def __repr__(self) -> str:
        count = sum(1 for _ in self.view.walk())
        return f"GraphPicture({self.view.title!r}, {count} boxes, {len(self.view.edges)} edges)"


def _atomic_write(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same directory, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} (hypergraph)</title>
<style>
  body {{ margin: 0; font-family: Helvetica, Arial, sans-serif; color: #1f2328;
         background: #ffffff; }}
  main {{ max-width: 1200px; margin: 0 auto; padding: 1.5rem; }}
  h1 {{ font-size: 1.3rem; font-weight: 600; }}
  figure {{ margin: 0; overflow: auto; }}
  figure svg {{ max-width: 100%; height: auto; }}
  details {{ margin-top: 1.5rem; }}
  pre {{ background: #f6f8fa; padding: 1rem; overflow: auto; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<figure>
{svg}
</figure>
<details>
<summary>Mermaid source</summary>
<pre>{mermaid}</pre>
</details>
</main>
</body>
</html>
"""
