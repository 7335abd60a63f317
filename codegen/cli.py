"""The ``hypergraph`` command: compile, check and run spec files, the way linters behave in CI."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from codegen.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, CodegenError, UsageError
from hypergraph.__main__ import version_text

__all__ = ["main"]

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


def _parser() -> argparse.ArgumentParser:
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
    from codegen.graph_cmd import add_graph_parser

    add_graph_parser(commands)
    return parser


@contextmanager
def _working_in(folder: Path) -> Iterator[None]:
    """Work from `folder` (the project root) with it first on sys.path, then restore both."""
    before_cwd = os.getcwd()
    before_path = list(sys.path)
    os.chdir(folder)
    here = os.getcwd()
    if here not in sys.path:
        sys.path.insert(0, here)
    try:
        yield
    finally:
        os.chdir(before_cwd)
        sys.path[:] = before_path


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hypergraph`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except CodegenError as exc:  # UsageError (2), a refused write (1), an internal error (2)
        print(exc, file=sys.stderr)
        return exc.exit_code
    except ModuleNotFoundError as exc:
        from hypergraph.__main__ import EXTRA_MODULES, missing_extra_message

        top = (exc.name or "").partition(".")[0]
        if top not in EXTRA_MODULES:
            return _internal_error(exc)
        print(missing_extra_message(top), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hypergraph: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    """A bug in hypergraph, not a user mistake: the traceback helps the report."""
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    print(
        f"hypergraph: internal error: {type(exc).__name__}: {exc} (please report it)",
        file=sys.stderr,
    )
    return EXIT_USAGE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return _run(args)
    if args.command == "graph":
        from codegen.graph_cmd import graph_command

        return graph_command(args)
    from codegen.config import find_config
    from codegen.specfiles import expand_specs

    cwd = Path.cwd()
    config = find_config(cwd)
    if args.specs:
        specs = expand_specs(args.specs, cwd)
    elif config is not None and config.specs:
        specs = expand_specs(config.specs, config.root)
    else:
        raise UsageError(
            "error: no specs given: pass spec files or folders, or list them in "
            "[tool.hypergraph] specs = [...] in pyproject.toml"
        )
    strict = args.strict if args.strict is not None else bool(config and config.strict)
    root = config.root if config is not None else cwd

    def folder(given: str | None, configured: str | None) -> Path | None:
        if given is not None:
            return cwd / given
        return root / configured if configured is not None else None

    with _working_in(root):
        if args.command == "compile":
            from codegen.commands import compile_command

            # --out/--stubs replace the table's out and stubs together (docs/ci.md)
            placed = args.out is not None or args.stubs is not None
            configured = config if config is not None and not placed else None
            out = folder(args.out, configured.out if configured else None)
            stubs = folder(args.stubs, configured.stubs if configured else None)
            for option, given, path in (("--out", args.out, out), ("--stubs", args.stubs, stubs)):
                if path is not None and os.path.lexists(path) and not path.is_dir():
                    raise UsageError(f"error: {option} {given or path}: not a folder")
            report = compile_command(specs, out, stubs, check=args.check, strict=strict)
        else:
            from codegen.commands import check_command

            report = check_command(specs, mypy=args.mypy, strict=strict)
        report.print(sys.stdout, args.format, quiet=args.quiet)
    return EXIT_PROBLEMS if report.errors else EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from codegen.commands import compile_one
    from codegen.config import find_config
    from codegen.execute import run_command
    from codegen.formats import text_lines

    cwd = Path.cwd()
    config = find_config(cwd)
    spec = Path(args.spec) if Path(args.spec).is_absolute() else cwd / args.spec
    if not spec.is_file():
        raise UsageError(f"error: {args.spec!r}: no such file")
    inputs = str(cwd / args.inputs) if args.inputs else None
    with _working_in(config.root if config is not None else cwd):
        module, found = compile_one(spec)
        for d in found:
            for line in text_lines(d):
                print(line, file=sys.stderr)
        if module is None:
            return EXIT_PROBLEMS
        return run_command(module, args.input, inputs)


if __name__ == "__main__":
    sys.exit(main())
