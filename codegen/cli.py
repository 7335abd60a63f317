"""The ``hypergraph`` command: compile, check and run spec files."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen.errors import CodegenError

__all__ = ["main"]

_DESCRIPTION = """\
Compile hypergraph specs (TOML) into plain, typed Python modules, check them, or run them.

exit codes: 0 success; 1 stale modules (compile --check), diagnostics (check) or a node
raised (run); 2 usage or spec errors (the message names the file, field and problem).
Import references in specs resolve from the current directory, which is put on sys.path."""

_COMPILE_HELP = """\
Write one module per spec: <out>/<module>.py, where <module> is [graph] module or the spec's
file stem + "_compiled". --out defaults to the spec's own directory. With --stubs DIR also
write <DIR>/<module>.pyi (the module's public interface). With --check nothing is written:
every module (and stub) that is missing or differs from what would be generated is reported
with a unified diff, and the exit code is 1 (use it in CI and pre-commit)."""

_CHECK_HELP = """\
Validate specs without writing anything: structure (references, names, wiring), types of
every edge (hypergraph.typecheck), and that the compiler can express the graph. Diagnostics are
printed as 'file:line: error: message'. With --mypy also compile each spec to a temporary
module and run 'mypy --strict' on it, reporting complaints against the spec's node names."""

_RUN_HELP = """\
Compile the spec to a temporary module, import it and call its run() with the given inputs;
print the outputs as JSON (generators are materialised to lists for printing). --input values
are parsed as JSON when they parse (42, 1.5, true, [1, 2], "quoted"), else taken as strings."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hypergraph",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compile_cmd = commands.add_parser(
        "compile",
        help="generate modules from specs (or --check them)",
        description=_COMPILE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compile_cmd.add_argument("specs", nargs="+", metavar="SPEC", help="spec files (.toml)")
    compile_cmd.add_argument(
        "--out", metavar="DIR", help="directory for the modules (default: next to each spec)"
    )
    compile_cmd.add_argument("--stubs", metavar="DIR", help="also write .pyi stubs into DIR")
    compile_cmd.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 with a diff for every stale or missing file",
    )
    check_cmd = commands.add_parser(
        "check",
        help="validate specs: structure, types, compilability",
        description=_CHECK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check_cmd.add_argument("specs", nargs="+", metavar="SPEC", help="spec files (.toml)")
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
        help="one graph input (repeatable)",
    )
    run_cmd.add_argument(
        "--inputs", metavar="FILE", help="a JSON object of inputs (--input entries override it)"
    )
    from codegen.graph_cmd import add_graph_parser

    add_graph_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hypergraph`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        if args.command == "compile":
            from codegen.commands import compile_command

            return compile_command(args.specs, args.out, args.stubs, check=args.check)
        if args.command == "check":
            from codegen.commands import check_command

            return check_command(args.specs, mypy=args.mypy)
        if args.command == "graph":
            from codegen.graph_cmd import graph_command

            return graph_command(args)
        from codegen.execute import run_command

        return run_command(args.spec, args.input, args.inputs)
    except CodegenError as exc:
        print(exc, file=sys.stderr)
        return 2


def shown(path: str) -> str:
    """A spec path for messages and headers: relative to the cwd when possible, posix."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.relative_to(Path.cwd())
        except ValueError:
            candidate = Path(candidate.name)
    return candidate.as_posix()


if __name__ == "__main__":
    sys.exit(main())
