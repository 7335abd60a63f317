"""``python -m hypergraph`` and the ``hypergraph`` console script.

The command line lives in ``codegen.cli`` and needs the ``codegen`` extra (pydantic, jinja2,
mypy). This shim imports only the standard library first, so that an install without the
extra ends with one line naming it instead of a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["DISTRIBUTION", "EXTRA_MODULES", "main", "missing_extra_message", "version_text"]

DISTRIBUTION = "hypergraph-workflows"
"""The name on the package index (the import names stay ``hypergraph`` and ``codegen``)."""

# Top-level modules the codegen extra brings; a ModuleNotFoundError for one of them means the
# extra is missing, any other one is a bug and propagates.
EXTRA_MODULES = frozenset(
    {"pydantic", "pydantic_core", "jinja2", "markupsafe", "mypy", "tomli", "annotated_types"}
)


def missing_extra_message(module: str) -> str:
    """The one line printed when the codegen extra is not installed."""
    return (
        f"hypergraph: the command line needs the 'codegen' extra ({module!r} is not installed); "
        f"install it with: pip install '{DISTRIBUTION}[codegen]'"
    )


def version_text() -> str:
    """What ``hypergraph --version`` prints."""
    from hypergraph import __version__

    return f"hypergraph {__version__} ({DISTRIBUTION}, Python {sys.version.split()[0]})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hypergraph`` command; returns its exit code (2 when the extra is missing)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:  # answered without the extra, so a bare install can say what it is
        print(version_text())
        return 0
    try:
        from codegen.cli import main as cli_main
    except ModuleNotFoundError as exc:
        top = (exc.name or "").partition(".")[0]
        if top not in EXTRA_MODULES:
            raise
        print(missing_extra_message(top), file=sys.stderr)
        return 2
    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
