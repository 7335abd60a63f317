"""Pictures rendered by the real tools: DOT through Graphviz's `dot`, the HTML page in headless
Chromium (offline), and the Mermaid text through Mermaid's own parser and renderer.

Locally a missing tool skips its tests with the reason; in CI (which installs Graphviz,
Chromium and Mermaid's script: .ci/run) a missing tool fails them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from viz_fixtures import (
    kinds_graph,
    loop_graph,
    nested_graph,
    odd_graph,
    require_tool,
    signals_graph,
)

from hypergraph import Graph
from hypergraph.viz import GraphPicture, GraphView, GraphvizUnavailable, ViewOptions, build_view
from hypergraph.viz.view import printable

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = os.environ.get("HYPERGRAPH_CHROMIUM", "/usr/bin/chromium")
MERMAID_JS = Path(
    os.environ.get("HYPERGRAPH_MERMAID_JS", ROOT / "build" / "mermaid" / "mermaid.min.js")
)


def _agent_loop() -> Graph:
    from codegen import load_spec, resolve

    if str(ROOT) not in sys.path:  # the spec's node modules import from the repository root
        sys.path.insert(0, str(ROOT))
    return resolve(load_spec(ROOT / "specs" / "agent_loop.toml"))


CASES: dict[str, tuple[Callable[[], Graph], ViewOptions]] = {
    "kinds": (kinds_graph, ViewOptions()),
    "kinds-expanded-typed": (kinds_graph, ViewOptions(depth=None, show_types=True)),
    "loop": (loop_graph, ViewOptions()),
    "nested": (nested_graph, ViewOptions(depth=None)),
    "nested-2": (nested_graph, ViewOptions(depth=2, direction="LR")),
    "signals-selected": (lambda: signals_graph().select("c"), ViewOptions()),
    "odd": (odd_graph, ViewOptions(depth=None)),
    "odd-collapsed": (odd_graph, ViewOptions()),
    "agent_loop": (_agent_loop, ViewOptions(show_types=True)),
}


def view_for(case: str) -> GraphView:
    make, options = CASES[case]
    return build_view(make(), options)


def needs_dot() -> None:
    require_tool(shutil.which("dot") is not None, "Graphviz's dot program")


# -- Graphviz ---------------------------------------------------------------------------------


def svg_parts(svg: str) -> tuple[dict[str, str], list[str]]:
    """(id -> class of every <g> Graphviz wrote, every <text> line)."""
    root = ET.fromstring(svg)
    groups = {g.get("id", ""): g.get("class", "") for g in root.iter(f"{SVG}g")}
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    return groups, texts


@pytest.mark.parametrize("case", list(CASES))
def test_dot_renders_through_graphviz_with_every_node(case: str) -> None:
    needs_dot()
    view = view_for(case)
    dot = GraphPicture(view).dot
    done = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not even a warning
    groups, texts = svg_parts(done.stdout)
    for box in view.walk():
        assert groups.get(box.id) == "node", box
        assert printable(box.label) in texts, box.label
        if box.detail:
            assert box.detail in texts
    for cluster_id, cluster in view.clusters.items():
        assert groups.get(f"cluster_{cluster_id}") == "cluster"
        assert printable(cluster.label) in texts
    edge_count = sum(1 for cls in groups.values() if cls == "edge")
    assert edge_count == len(view.edges)


def test_picture_svg_and_notebook_bundle() -> None:
    needs_dot()
    picture = loop_graph().visualize()
    svg = picture.svg()
    assert svg.lstrip().startswith("<?xml")
    assert 'id="n_again"' in svg
    bundle = picture._repr_mimebundle_()
    assert bundle["image/svg+xml"] == svg
    assert bundle["text/plain"].startswith("GraphPicture('loop'")
    assert set(picture._repr_mimebundle_(include=["text/plain"])) == {"text/plain"}
    assert "image/svg+xml" not in picture._repr_mimebundle_(exclude=["image/svg+xml"])


def test_without_dot_svg_names_what_to_install_and_notebooks_fall_back_to_mermaid(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on PATH
    picture = loop_graph().visualize()
    with pytest.raises(GraphvizUnavailable, match="apt-get install graphviz"):
        picture.svg()
    with pytest.raises(GraphvizUnavailable, match="`dot` program"):
        picture.html()
    with pytest.raises(GraphvizUnavailable):
        picture.save(tmp_path / "x.svg")
    assert not (tmp_path / "x.svg").exists()
    bundle = picture._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/markdown"].startswith(f"```mermaid\n{picture.mermaid}```\n")
    assert "install Graphviz" in bundle["text/markdown"]
    picture.save(tmp_path / "x.mmd")  # the text formats need nothing
    assert (tmp_path / "x.mmd").read_text() == picture.mermaid


def test_without_the_graphviz_package_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    with pytest.raises(GraphvizUnavailable, match=r"pip install 'hypergraph-workflows\[viz\]'"):
        loop_graph().visualize().svg()


def test_save_writes_the_format_of_the_suffix(tmp_path: Path) -> None:
    needs_dot()
    picture = kinds_graph().visualize()
    (tmp_path / "keep.txt").write_text("untouched")
    expected = {
        "g.mmd": picture.mermaid.encode(),
        "g.mermaid": picture.mermaid.encode(),
        "g.dot": picture.dot.encode(),
        "g.gv": picture.dot.encode(),
        "g.svg": picture.svg().encode(),
        "g.html": picture.html().encode(),
    }
    for name, data in expected.items():
        assert picture.save(tmp_path / name) == tmp_path / name
        assert (tmp_path / name).read_bytes() == data
    picture.save(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    picture.save(tmp_path / "g.pdf")
    assert (tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
    picture.save(tmp_path / "picture.txt", format="dot")
    assert (tmp_path / "picture.txt").read_text() == picture.dot
    with pytest.raises(ValueError, match=r"\.svg"):
        picture.save(tmp_path / "g.jpeg")
    with pytest.raises(ValueError, match="format="):
        picture.save(tmp_path / "g.svg", format="gif")
    assert (tmp_path / "keep.txt").read_text() == "untouched"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# -- the HTML page in a real browser ----------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_tool(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_tool(False, "playwright (the dev extra)")
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield launched
        launched.close()


@pytest.mark.slow
@pytest.mark.parametrize("case", ["kinds-expanded-typed", "loop", "nested", "odd", "agent_loop"])
def test_html_page_shows_every_node_label_offline(case: str, browser: Any, tmp_path: Path) -> None:
    needs_dot()
    view = view_for(case)
    page_file = GraphPicture(view).save(tmp_path / "graph.html")
    context = browser.new_context(offline=True)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(page_file.as_uri())
    visible = {
        text.text_content() for text in page.locator("figure svg text").all() if text.is_visible()
    }
    context.close()
    assert requested == [page_file.as_uri()]  # nothing fetched: the page is self-contained
    for box in view.walk():
        assert printable(box.label) in visible, box.label
    for cluster in view.clusters.values():
        assert printable(cluster.label) in visible


@pytest.mark.slow
def test_html_page_title_is_escaped(browser: Any, tmp_path: Path) -> None:
    needs_dot()
    page_file = odd_graph().visualize().save(tmp_path / "odd.html")
    page = browser.new_page()
    page.goto(page_file.as_uri())
    assert page.title() == 'odd "graph" <1> (hypergraph)'
    assert page.locator("h1").inner_text() == 'odd "graph" <1>'
    page.close()


# -- Mermaid's own parser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def mermaid_page(browser: Any) -> Iterator[Any]:
    if not MERMAID_JS.is_file() and shutil.which("npm") is None:
        pytest.skip(f"Mermaid's script ({MERMAID_JS}) is missing and npm is not there to fetch it")
    require_tool(MERMAID_JS.is_file(), f"Mermaid's script ({MERMAID_JS}; .ci/run fetches it)")
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.set_content("<html><body><div id='out'></div></body></html>")
    page.add_script_tag(path=str(MERMAID_JS))
    page.evaluate("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
    yield page
    context.close()


_RENDER = """async (text) => {
  try {
    const { svg } = await mermaid.render("picture", text);
    document.getElementById("out").innerHTML = svg;
    return "";
  } catch (error) { return String(error.message || error); }
}"""


def mermaid_text(page: Any, text: str) -> str:
    """Render with Mermaid; the visible text of the picture (zero-width spaces removed)."""
    error = page.evaluate(_RENDER, text)
    assert error == "", error
    return str(page.inner_text("#out")).replace("\u200b", "")


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_mermaid_parses_and_renders_every_label(case: str, mermaid_page: Any) -> None:
    view = view_for(case)
    from hypergraph.viz import render_mermaid

    shown = mermaid_text(mermaid_page, render_mermaid(view))
    for box in view.walk():
        assert printable(box.label) in shown, box.label
    for cluster in view.clusters.values():
        assert printable(cluster.label) in shown
    for edge in view.edges:
        assert printable(edge.label) in shown


@pytest.mark.slow
def test_the_mermaid_check_rejects_broken_text(mermaid_page: Any) -> None:
    with pytest.raises(AssertionError, match="Parse error"):
        mermaid_text(mermaid_page, "flowchart TB\n    a --> end\n")
