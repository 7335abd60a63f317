"""`hypergraph graph SPEC`: formats, --out, options and errors, through a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from viz_fixtures import require_tool

from codegen import load_spec, resolve

ROOT = Path(__file__).resolve().parent.parent
LOOP = "specs/agent_loop.toml"
BATCH = "specs/agent_batch.toml"


def cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen.cli", "graph", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


def graph_of(spec: str):  # type: ignore[no-untyped-def]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return resolve(load_spec(ROOT / spec), enforce_types=False)


def test_mermaid_to_stdout_by_default() -> None:
    done = cli(LOOP)
    assert done.returncode == 0, done.stderr
    assert done.stdout == graph_of(LOOP).to_mermaid()


def test_dot_and_options() -> None:
    done = cli(BATCH, "--format", "dot", "--depth", "all", "--show-types", "--direction", "LR")
    assert done.returncode == 0, done.stderr
    expected = graph_of(BATCH).to_dot(depth=None, show_types=True, direction="LR")
    assert done.stdout == expected
    assert "subgraph cluster_g_agent" in done.stdout
    two = cli(BATCH, "--depth", "2")
    assert two.stdout == graph_of(BATCH).to_mermaid(depth=2)


def test_hide_inactive_omits_nodes_outside_the_scope(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs", ignore=shutil.ignore_patterns("compiled"))
    text = (ROOT / "specs" / "text_pipeline.toml").read_text()
    old = 'select = ["counts", "summary", "shortest", "longest"]'
    assert old in text
    spec = tmp_path / "picked.toml"
    spec.write_text(text.replace(old, 'select = ["counts"]'))
    greyed = cli(str(spec), cwd=tmp_path)
    omitted = cli(str(spec), "--hide-inactive", cwd=tmp_path)
    assert greyed.returncode == omitted.returncode == 0, greyed.stderr
    assert "class n_summarize,n_stats hg_inactive" in greyed.stdout
    assert "n_summarize" not in omitted.stdout
    assert "n_count" in omitted.stdout


def test_out_writes_only_the_named_file(tmp_path: Path) -> None:
    (tmp_path / "other.mmd").write_text("keep")
    target = tmp_path / "pictures" / "loop.mmd"
    done = cli(LOOP, "--out", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {target.as_posix()}\n"
    assert target.read_text() == graph_of(LOOP).to_mermaid()
    again = cli(LOOP, "--out", str(target))
    assert again.stdout == f"unchanged: {target.as_posix()}\n"
    assert (tmp_path / "other.mmd").read_text() == "keep"
    assert sorted(p.name for p in target.parent.iterdir()) == ["loop.mmd"]  # no temp files


def test_svg_and_html_through_graphviz(tmp_path: Path) -> None:
    require_tool(shutil.which("dot") is not None, "Graphviz's dot program")
    svg = cli(LOOP, "--format", "svg")
    assert svg.returncode == 0, svg.stderr
    assert "<svg" in svg.stdout
    assert 'id="n_should_continue"' in svg.stdout
    page = tmp_path / "loop.html"
    html = cli(LOOP, "--format", "html", "--out", str(page))
    assert html.returncode == 0, html.stderr
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "<script" not in text  # nothing to fetch or run
    assert 'id="n_retrieve"' in text


def test_svg_without_graphviz_says_what_to_install(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # python found by absolute path, dot not at all
    done = cli(LOOP, "--format", "svg", env=env)
    assert done.returncode == 2
    assert "needs Graphviz" in done.stderr
    assert "apt-get install graphviz" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["specs/missing.toml"], "specs/missing.toml"),
        ([LOOP, "--depth", "0"], "--depth '0'"),
        ([LOOP, "--depth", "deep"], "--depth 'deep'"),
        ([LOOP, "--out", "specs"], "is a directory"),
    ],
)
def test_mistakes_exit_2_with_a_message(args: list[str], message: str) -> None:
    done = cli(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_format_is_a_usage_error() -> None:
    done = cli(LOOP, "--format", "png")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_help_describes_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "codegen.cli", "graph", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0
    for word in ("--format", "--out", "--depth", "--show-types", "--hide-inactive", "Graphviz"):
        assert word in done.stdout
