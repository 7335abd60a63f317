"""The ``hypergraph`` command: compile, check and run spec files, the way linters behave in CI.

`main` parses the arguments (``codegen.cli.parser``), reads ``[tool.hypergraph]``, works from the
project root and maps every failure to an exit code: a user's mistake is one line, never a
traceback; an internal error shows the traceback and asks for a report.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from codegen.cli.parser import parser
from codegen.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, CodegenError, UsageError

__all__ = ["main"]


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
    args = parser().parse_args(argv)
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
        from codegen.cli.graph_cmd import graph_command

        return graph_command(args)
    from codegen.cli.config import find_config
    from codegen.cli.specfiles import expand_specs

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
            from codegen.cli.commands import compile_command

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
            from codegen.cli.commands import check_command

            report = check_command(specs, mypy=args.mypy, strict=strict)
        report.print(sys.stdout, args.format, quiet=args.quiet)
    return EXIT_PROBLEMS if report.errors else EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from codegen.cli.commands import compile_one
    from codegen.cli.config import find_config
    from codegen.cli.execute import run_command
    from codegen.cli.formats import text_lines

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
