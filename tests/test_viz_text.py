"""Pictures as text: what the view shows (kinds, edges, gates, loops, nesting, scope) and the
shape of the Mermaid and DOT text (stable ids, escaping, determinism). No external tools."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from viz_fixtures import (
    ODD_DESCRIPTIONS,
    ODD_IDENTIFIERS,
    ODD_NAMES,
    kinds_graph,
    loop_graph,
    nested_graph,
    odd_graph,
    signals_graph,
)

from hypergraph import END, Graph, node, route
from hypergraph.viz import GraphView, ViewCluster, ViewOptions, build_view
from hypergraph.viz.mermaid import escape
from hypergraph.viz.view import printable

ROOT = Path(__file__).resolve().parents[1]


def view_of(graph: Graph, **options: object) -> GraphView:
    return build_view(graph, ViewOptions(**options))  # type: ignore[arg-type]


def boxes(view: GraphView) -> dict[str, tuple[str, str, bool]]:
    """label -> (kind, detail, active) for every box (labels are unique in these graphs)."""
    return {n.label: (n.kind, n.detail, n.active) for n in view.walk()}


def edges(view: GraphView) -> dict[tuple[str, str, str], tuple[str, bool, bool]]:
    """(source label, target label, kind) -> (label, back, active)."""
    names = {n.id: n.label for n in view.walk()}
    names.update({c.id: c.label for c in view.clusters.values()})
    return {
        (names[e.source], names[e.target], e.kind): (e.label, e.back, e.active) for e in view.edges
    }


# -- a structural check of Mermaid flowchart text --------------------------------------------

_ID = r"[A-Za-z][A-Za-z0-9_]*"
_LABEL = r'"[^"]*"'
_SHAPES = [("[", "]"), ("(", ")"), ("[/", "/]"), ("[\\", "\\]"), ("{", "}"), ("[[", "]]")]
_SHAPES += [("([", "])"), (">", "]"), ("((", "))")]
_NODE = re.compile(
    rf"^ *({_ID})(" + "|".join(rf"{re.escape(a)}{_LABEL}{re.escape(b)}" for a, b in _SHAPES) + ")$"
)
_EDGE = re.compile(rf"^ *({_ID}) (-->|-\.->)(\|{_LABEL}\|)? ({_ID})$")
_SUBGRAPH = re.compile(rf"^ *subgraph ({_ID}) \[{_LABEL}\]$")
_CLASSDEF = re.compile(r"^ *classDef hg_[a-z_]+ [a-z-]+:[^ ,]+(,[a-z-]+:[^,]+)*$")
_CLASS = re.compile(rf"^ *class ({_ID}(?:,{_ID})*) (hg_[a-z_]+)$")
_STYLE = re.compile(rf"^ *style ({_ID}) [a-z-]+:[^,]+(,[a-z-]+:[^,]+)*$")
_LINKSTYLE = re.compile(r"^ *linkStyle (\d+(?:,\d+)*) [a-z-]+:[^,]+(,[a-z-]+:[^,]+)*$")


def mermaid_problems(text: str) -> list[str]:
    """Every statement is one the renderer may write; ids are declared once before use (and
    never Mermaid's `end`); subgraphs close; every edge gets exactly one linkStyle; labels
    hold no raw quote and no tag but the line break and italics the renderer adds."""
    lines = text.splitlines()
    problems: list[str] = []
    if not re.fullmatch(r"flowchart (TB|LR)", lines[0]):
        problems.append(f"header {lines[0]!r}")
    declared: set[str] = set()
    depth = edges_seen = 0
    styled: list[int] = []
    for line in lines[1:]:
        stripped = line.strip()
        if m := _NODE.match(line):
            ids = [m.group(1)]
        elif m := _SUBGRAPH.match(line):
            ids = [m.group(1)]
            depth += 1
        elif stripped == "end":
            depth -= 1
            ids = []
        elif re.fullmatch(r"direction (TB|LR)", stripped):
            ids = []
        elif m := _EDGE.match(line):
            for end_id in (m.group(1), m.group(4)):
                if end_id not in declared:
                    problems.append(f"edge uses undeclared id {end_id!r}: {line!r}")
            edges_seen += 1
            ids = []
        elif m := _CLASS.match(line):
            problems += [
                f"class of undeclared {i!r}" for i in m.group(1).split(",") if i not in declared
            ]
            ids = []
        elif _CLASSDEF.match(line):
            ids = []
        elif m := _STYLE.match(line):
            if m.group(1) not in declared:
                problems.append(f"style of undeclared {m.group(1)!r}")
            ids = []
        elif m := _LINKSTYLE.match(line):
            styled += [int(i) for i in m.group(1).split(",")]
            ids = []
        else:
            problems.append(f"unexpected statement {line!r}")
            continue
        for new in ids:
            if new in declared or new == "end":
                problems.append(f"id {new!r} declared twice or reserved")
            declared.add(new)
        for label in re.findall(_LABEL, line):
            bare = label[1:-1].replace("<br/>", "").replace("<i>", "").replace("</i>", "")
            if "<" in bare or ">" in bare:
                problems.append(f"raw tag in label {label!r}")
    if depth != 0:
        problems.append(f"unbalanced subgraph/end ({depth})")
    if sorted(styled) != list(range(edges_seen)):
        problems.append(f"linkStyle indices {sorted(styled)} != edges 0..{edges_seen - 1}")
    return problems


def _option_id(options: dict[str, object]) -> str:
    return ",".join(f"{k}={v}" for k, v in options.items()) or "default"


ALL = {
    "kinds": kinds_graph,
    "loop": loop_graph,
    "nested": nested_graph,
    "signals": signals_graph,
    "odd": odd_graph,
}
OPTIONS = [
    {},
    {"depth": None, "show_types": True},
    {"depth": 2, "direction": "LR"},
    {"show_inactive": False},
]


@pytest.mark.parametrize("options", OPTIONS, ids=_option_id)
@pytest.mark.parametrize("name", list(ALL))
def test_mermaid_text_is_well_formed(name: str, options: dict[str, object]) -> None:
    text = ALL[name]().to_mermaid(**options)  # type: ignore[arg-type]
    assert mermaid_problems(text) == []


def test_the_structure_check_catches_broken_text() -> None:
    good = kinds_graph().to_mermaid()
    assert mermaid_problems(good) == []
    assert mermaid_problems(good.replace("n_clean[", "end[", 1))  # reserved id
    assert mermaid_problems(good + '    n_x["a"b"]\n')  # a raw quote
    assert mermaid_problems(good + "    n_clean --> nowhere\n")  # undeclared target
    assert mermaid_problems(good.replace("    linkStyle 0,1 ", "    linkStyle 1 "))  # unstyled


# -- what is drawn ---------------------------------------------------------------------------


def test_nodes_are_drawn_by_kind() -> None:
    shown = boxes(view_of(kinds_graph()))
    assert shown["clean"] == ("function", "", True)
    assert shown["fetch"] == ("async", "async", True)
    assert shown["tokens"] == ("generator", "generator", True)
    assert shown["chunks"] == ("async_generator", "async generator", True)
    assert shown["loud"] == ("ifelse", "ifelse", True)
    assert shown["sizer"] == ("graph", "graph", True)
    mermaid = kinds_graph().to_mermaid()
    expected = ['n_clean["clean"]', 'n_fetch("fetch<br/><i>async</i>")', "n_tokens[/"]
    for line in [*expected, "n_chunks[\\"]:
        assert line in mermaid
    assert 'n_loud{"loud<br/><i>ifelse</i>"}' in mermaid
    assert 'n_sizer[["sizer<br/><i>graph</i>"]]' in mermaid
    dot = kinds_graph().to_dot()
    assert re.search(r"n_loud \[.*shape=diamond", dot)
    assert re.search(r"n_sizer \[.*shape=box3d", dot)
    assert re.search(r"n_tokens \[.*shape=parallelogram", dot)


def test_edges_carry_value_names_and_optionally_types() -> None:
    plain = edges(view_of(kinds_graph()))
    assert plain["clean", "fetch", "data"] == ("cleaned", False, True)
    typed = view_of(kinds_graph(), show_types=True)
    assert edges(typed)["clean", "fetch", "data"][0] == "cleaned: str"
    assert boxes(typed)["text: str"][0] == "input"  # inputs typed from their readers
    assert 'n_clean -->|"cleaned: str"| n_fetch' in kinds_graph().to_mermaid(show_types=True)
    assert "label=<cleaned: str>" in kinds_graph().to_dot(show_types=True)


def test_gate_branches_are_dashed_and_labelled_and_end_is_drawn() -> None:
    found = edges(view_of(kinds_graph()))
    assert found["loud", "shout", "branch"][0] == "true"
    assert found["loud", "whisper", "branch"][0] == "false"
    loop = edges(view_of(loop_graph()))
    assert loop["again", "step", "branch"][0] == "step: again"  # the route's description
    assert loop["again", "END", "branch"][0] == "END: stop (fallback)"
    assert boxes(view_of(loop_graph()))["END"][0] == "end"
    assert 'n_loud -.->|"true"| n_shout' in kinds_graph().to_mermaid()
    assert re.search(r"n_loud -> n_whisper \[label=<false>.*style=dashed", kinds_graph().to_dot())
    assert "END" not in boxes(view_of(kinds_graph()))  # no gate ends: no END


def test_loops_show_back_edges() -> None:
    found = edges(view_of(loop_graph()))
    assert found["step", "step", "data"][1] is True  # the value feeding the next round
    assert found["again", "step", "branch"][1] is True
    assert found["step", "again", "data"][1] is False
    assert found["count", "step", "input"][1] is False
    dag = edges(view_of(kinds_graph()))
    assert not any(back for _, back, _ in dag.values())
    dot = loop_graph().to_dot()
    assert re.search(r"n_again -> n_step \[.*penwidth=2", dot)


def test_nested_graphs_collapse_or_expand_to_a_depth() -> None:
    collapsed = view_of(nested_graph())
    assert boxes(collapsed)["middle"] == ("graph", "map over x", True)
    assert not collapsed.clusters
    two = view_of(nested_graph(), depth=2)
    assert [c.label for c in two.clusters.values()] == ["middle"]
    assert boxes(two)["inner"] == ("graph", "graph", True)  # the next level, collapsed
    full = view_of(nested_graph(), depth=None)
    assert sorted(c.label for c in full.clusters.values()) == ["inner", "middle"]
    middle = next(c for c in full.clusters.values() if c.label == "middle")
    inner = middle.items[0]
    assert isinstance(inner, ViewCluster)
    assert [n.label for n in inner.items] == ["double", "plus"]
    wired = edges(full)
    assert wired["x", "double", "input"][0] == ""  # the graph input reaches the inner reader
    assert wired["plus", "add", "data"][0] == "z"  # the port's producer feeds the parent
    assert wired["double", "plus", "data"][0] == "y"
    assert view_of(nested_graph(), depth=3) == full
    assert "subgraph cluster_g_middle {" in nested_graph().to_dot(depth=None)
    assert 'subgraph g_middle ["middle<br/><i>map over x</i>"]' in nested_graph().to_mermaid(
        depth=None
    )


def test_a_gate_routing_to_a_nested_graph_points_at_its_box() -> None:
    @node(output_name="y")
    def work(x: int) -> int:
        return x

    @route(targets=["sub", END])
    def choose(x: int) -> object:
        return "sub"

    sub = Graph([work], name="sub").as_node()
    graph = Graph([choose, sub])
    view = view_of(graph, depth=None)
    (cluster,) = view.clusters.values()
    branch = next(e for e in view.edges if e.kind == "branch" and e.label == "sub")
    assert branch.target == cluster.id
    assert f'n_choose -.->|"sub"| {cluster.id}' in graph.to_mermaid(depth=None)
    assert f"lhead=cluster_{cluster.id}" in graph.to_dot(depth=None)


def test_inputs_and_outputs_are_marked() -> None:
    shown = boxes(view_of(kinds_graph()))
    assert shown["text"] == ("input", "", True)
    assert shown["lower"] == ("optional_input", "default", True)
    bound = boxes(view_of(kinds_graph().bind(text="hi")))
    assert bound["text"] == ("optional_input", "bound", True)
    outputs = [n.label for n in view_of(kinds_graph()).walk() if n.kind == "output"]
    assert outputs == ["words", "parts", "size"]  # values nobody reads; no gate decision
    selected = view_of(kinds_graph().select("fetched"))
    assert [n.label for n in selected.walk() if n.kind == "output"] == ["fetched"]
    mermaid = kinds_graph().to_mermaid()
    assert 'in_text(["text"])' in mermaid
    assert 'in_lower(["lower<br/><i>default</i>"])' in mermaid
    assert "class in_lower hg_optional_input" in mermaid
    assert 'out_size>"size"]' in mermaid
    assert re.search(r'in_lower \[.*style="filled,dashed"', kinds_graph().to_dot())


def test_hidden_nodes_are_left_out_with_their_edges() -> None:
    view = view_of(signals_graph())
    shown = boxes(view)
    assert "secret" not in shown
    assert "after" in shown
    assert not any("secret" in key[:2] for key in edges(view))
    assert not any(key[1] == "after" for key in edges(view))  # its only feed was hidden
    assert "secret" not in signals_graph().to_mermaid()
    assert "secret" not in signals_graph().to_dot()


def test_ordering_edges_are_dotted() -> None:
    found = edges(view_of(signals_graph()))
    assert found["first", "second", "ordering"][0] == "ready"
    assert found["first", "third", "data"][0] == "a"  # a data edge that also orders
    assert found["first", "third", "ordering"][0] == "ready"
    mermaid = signals_graph().to_mermaid()
    index = mermaid.split("\n").index('    n_first -.->|"ready"| n_second')
    assert index > 0
    assert "stroke-dasharray:2 3" in mermaid
    assert re.search(r"n_first -> n_second \[label=<ready>.*style=dotted", signals_graph().to_dot())


def test_the_active_scope_greys_or_omits_inactive_nodes() -> None:
    graph = signals_graph().select("c")
    shown = boxes(view_of(graph))
    assert shown["third"][2] is True
    assert shown["first"][2] is True
    assert shown["second"][2] is False  # not needed for c: greyed
    assert edges(view_of(graph))["first", "second", "ordering"][2] is False
    assert "class n_second,n_after hg_inactive" in graph.to_mermaid()
    omitted = boxes(view_of(graph, show_inactive=False))
    assert "second" not in omitted
    assert "after" not in omitted
    entry = kinds_graph().with_entrypoint("fetch")
    started = boxes(view_of(entry))
    assert started["clean"][2] is False
    assert started["cleaned"][0] == "input"  # what the entrypoint reads comes from the caller


def test_direction() -> None:
    assert kinds_graph().to_mermaid(direction="LR").startswith("flowchart LR\n")
    assert "rankdir=LR" in kinds_graph().to_dot(direction="LR")


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"depth": 0}, ValueError),
        ({"depth": "1"}, TypeError),
        ({"depth": True}, TypeError),
        ({"direction": "BT"}, ValueError),
        ({"show_types": "yes"}, TypeError),
        ({"show_inactive": None}, TypeError),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        kinds_graph().to_mermaid(**options)  # type: ignore[arg-type]
    with pytest.raises(error):
        kinds_graph().to_dot(**options)  # type: ignore[arg-type]


# -- ids, escaping, determinism --------------------------------------------------------------


def test_odd_names_get_valid_unique_ids_and_escaped_labels() -> None:
    view = view_of(odd_graph(), depth=None)
    ids = [n.id for n in view.walk()] + list(view.clusters)
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", i) and i != "end" for i in ids)
    mermaid = odd_graph().to_mermaid(depth=None)
    dot = odd_graph().to_dot(depth=None)
    for name in [*ODD_NAMES, *ODD_IDENTIFIERS]:
        assert f'"{escape(name)}' in mermaid, name
    assert "q#34;uote" in mermaid
    assert "#60;b#62;bold#60;b#62;" in mermaid
    assert "back#92;slash" in mermaid
    assert "new#92;x0aline" in mermaid  # control characters are spelled out, alike in DOT
    assert "label=<q&quot;uote" in dot
    assert "label=<&lt;b&gt;bold&lt;b&gt;" in dot
    assert "new\\x0aline" in dot
    for text in ODD_DESCRIPTIONS.values():
        assert escape(text) in mermaid
    assert printable("a\nb") == "a\\x0ab"


def test_pictures_are_deterministic_across_processes() -> None:
    script = (
        "import sys; sys.path.insert(0, 'tests'); from viz_fixtures import *\n"
        "for f in (kinds_graph, loop_graph, nested_graph, signals_graph, odd_graph):\n"
        "    print(f().to_mermaid(depth=None, show_types=True)); print(f().to_dot(depth=None))\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1]
    assert runs[0].count("flowchart TB") == 5


def test_declaration_order_is_kept() -> None:
    mermaid = kinds_graph().to_mermaid()
    order = [mermaid.index(f"n_{name}") for name in ("clean", "fetch", "tokens", "chunks")]
    assert order == sorted(order)


def test_import_hypergraph_does_not_load_the_renderers() -> None:
    script = (
        "import sys, hypergraph\n"
        "def f(x): return x\ng = hypergraph.Graph([hypergraph.node(f, output_name='y')])\n"
        "assert g.plan is not None\n"
        "loaded = [m for m in sys.modules if m.startswith('hypergraph.viz') or m == 'graphviz']\n"
        "assert not loaded, loaded\n"
        "g.to_mermaid()\n"
        "assert 'hypergraph.viz' in sys.modules and 'graphviz' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)
