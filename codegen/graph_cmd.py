"""``hypergraph graph SPEC``: draw a spec's graph as Mermaid, DOT, SVG or an HTML page."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from codegen.errors import CodegenError

__all__ = ["add_graph_parser", "graph_command"]

FORMATS = ("mermaid", "dot", "svg", "html")

_HELP = """\
Draw the graph a spec describes (docs/pictures.md): nodes by kind, edges labelled with value
names, gate branches dashed, ordering edges dotted, loops highlighted, inputs and outputs
marked. mermaid and dot are plain text; svg and html need Graphviz (the `dot` program and
pip install 'hypergraph[viz]'). The text goes to standard output, or to --out FILE (written
atomically; only that file is touched). Types are not enforced here: a spec whose edges do
not type-check still draws (hypergraph check reports them)."""


def add_graph_parser(commands: Any) -> None:
    """Register the ``graph`` subcommand on the CLI's subparsers."""
    cmd = commands.add_parser(
        "graph",
        help="draw a spec's graph (mermaid, dot, svg, html)",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("spec", metavar="SPEC", help="spec file (.toml)")
    cmd.add_argument(
        "--format", choices=FORMATS, default="mermaid", help="output format (default: mermaid)"
    )
    cmd.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    cmd.add_argument(
        "--depth",
        default="1",
        metavar="N|all",
        help="graph levels to draw: 1 (default) draws nested graphs collapsed, all expands all",
    )
    cmd.add_argument("--show-types", action="store_true", help="annotate edges with types")
    cmd.add_argument(
        "--hide-inactive",
        action="store_true",
        help="leave out nodes outside the active scope (select, entrypoint) instead of greying",
    )
    cmd.add_argument(
        "--direction", choices=("TB", "LR"), default="TB", help="top to bottom or left to right"
    )


def _depth(text: str) -> int | None:
    if text == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise CodegenError(f"error: --depth {text!r}: give a level count >= 1, or 'all'")
    return int(text)


def graph_command(args: argparse.Namespace) -> int:
    """Draw the spec's graph; raises CodegenError (exit 2) for spec or environment errors."""
    from codegen.cli import shown
    from codegen.resolve import resolve
    from codegen.spec import load_spec
    from codegen.write import atomic_write
    from hypergraph.viz import GraphvizUnavailable

    depth = _depth(args.depth)
    loaded = load_spec(shown(args.spec))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = resolve(loaded, enforce_types=False)
    picture = graph.visualize(
        depth=depth,
        show_types=args.show_types,
        show_inactive=not args.hide_inactive,
        direction=args.direction,
    )
    try:
        text = picture.as_bytes(args.format).decode("utf-8")
    except GraphvizUnavailable as exc:
        raise CodegenError(
            f"error: --format {args.format} needs Graphviz: {exc}; "
            "--format mermaid and --format dot need nothing"
        ) from None
    if args.out is None:
        sys.stdout.write(text)
        return 0
    target = Path(args.out)
    if target.is_dir():
        raise CodegenError(f"error: --out {args.out!r} is a directory; name a file")
    changed = atomic_write(target, text)
    print(f"{'wrote' if changed else 'unchanged:'} {target.as_posix()}")
    return 0
