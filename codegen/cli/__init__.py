"""The ``hypergraph`` command line: compile, check, run and picture spec files."""

from __future__ import annotations

from codegen.cli.app import main

__all__ = ["main"]
