"""The ``hypergraph`` command's arguments: the commands, their options and help texts."""

from __future__ import annotations

import argparse

from hypergraph.__main__ import version_text

__all__ = ["parser"]

_DESCRIPTION = """\
Compile hypergraph specs (TOML) into plain, typed Python modules, check them, or run them.

exit codes: 0 nothing to report (warnings alone pass unless --strict); 1 problems found in
the specs (invalid, ill-typed, stale, warnings under --strict, a file in the way that
hypergraph did not generate) or a node raised (run);
2 misuse of the command line or its configuration, or an internal error.

Without SPEC arguments, compile and check read the specs (and out, stubs, strict) from the
[tool.hypergraph] table of the nearest pyproject.toml, and work from its folder. Import
references in specs resolve from that folder (else the current one), put on sys.path.
Diagnostics read 'file:line:col: severity: message [code]'; codes are listed in docs/ci.md."""


_COMPILE_HELP = """\
Write one module per spec: <out>/<module>.py, where <module> is [graph] module or the spec's
file stem + "_compiled". --out defaults to the spec's own folder. With --stubs DIR also
write <DIR>/<module>.pyi (the module's public interface). With --check nothing is written:
every module (and stub) that is missing or differs from what would be generated is reported
(with a unified diff in the text format), and the exit code is 1 (use it in CI and pre-commit).
A SPEC may be a file, a folder (every .toml with a [graph] table below it) or a glob."""


_CHECK_HELP = """\
Validate specs without writing anything: structure (references, names, wiring), the type of
every edge (hypergraph.typecheck), work no run would do (unreachable nodes, discarded returns,
unused outputs, loops no gate can leave: warnings, errors under --strict), and that the
compiler can express the graph. With --mypy also compile each spec to a temporary module and
run 'mypy --strict' on it, reporting complaints against the spec's node entries."""


_RUN_HELP = """\
Compile the spec to a temporary module, import it and call its run() with the given inputs;
print the outputs as JSON (generators are materialised to lists for printing). --input values
are parsed by the input's declared type: str keeps the text (text=123 is "123"), numbers and
booleans are converted, containers are JSON ([1, 2]); unannotated inputs are JSON when the
text parses, else the text."""


def _add_report_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "specs",
        nargs="*",
        metavar="SPEC",
        help="spec files, folders or globs (default: specs in [tool.hypergraph])",
    )
    command.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text (file:line:col: severity: message [code]), json (a list of objects) or "
        "github (workflow commands that annotate a pull request)",
    )
    command.add_argument(
        "-q", "--quiet", action="store_true", help="print only problems (no progress, no summary)"
    )
    command.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="warnings are errors (default: strict in [tool.hypergraph], else off)",
    )


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``hypergraph`` and its commands (compile, check, run, graph)."""
    parser = argparse.ArgumentParser(
        prog="hypergraph",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=version_text())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compile_cmd = commands.add_parser(
        "compile",
        help="generate modules from specs (or --check them)",
        description=_COMPILE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_report_options(compile_cmd)
    compile_cmd.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the modules (default: out in [tool.hypergraph], else next to each spec)",
    )
    compile_cmd.add_argument(
        "--stubs",
        metavar="DIR",
        help="also write .pyi stubs into DIR (default: stubs in [tool.hypergraph])",
    )
    compile_cmd.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming every stale or missing file (with a diff)",
    )
    check_cmd = commands.add_parser(
        "check",
        help="validate specs: structure, types, liveness, compilability",
        description=_CHECK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_report_options(check_cmd)
    check_cmd.add_argument(
        "--mypy", action="store_true", help="also run mypy --strict on the compiled module"
    )
    run_cmd = commands.add_parser(
        "run",
        help="run a spec and print its outputs as JSON",
        description=_RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run_cmd.add_argument("spec", metavar="SPEC", help="spec file (.toml)")
    run_cmd.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one graph input, parsed by its declared type (repeatable)",
    )
    run_cmd.add_argument(
        "--inputs", metavar="FILE", help="a JSON object of inputs (--input entries override it)"
    )
    from codegen.cli.graph_cmd import add_graph_parser

    add_graph_parser(commands)
    return parser
