"""Regenerate the golden files: ``python tests/regen_golden.py`` (from the repository root).

Goldens are the example specs' modules and stubs plus a few graphs from codegen_fixtures that
exercise every statement shape of both back ends. Review the diff before committing.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SPECS = (
    "specs/text_pipeline.toml",
    "specs/async_fanout.toml",
    "specs/mixed_stream.toml",
    "specs/batch_summaries.toml",
    "specs/agent_loop.toml",
    "specs/agent_batch.toml",
    "specs/cached_fetch.toml",
)
WATCHED = (("specs/agent_loop.toml", "sync"), ("specs/async_fanout.toml", "async"))
"""Specs also compiled with `events = true` (golden `<module>_events.py`): run() takes an
observer (docs/watching-runs.md)."""


def expected_files() -> dict[str, str]:
    """Golden file name -> expected content."""
    for path in (str(ROOT), str(ROOT / "tests")):
        if path not in sys.path:
            sys.path.insert(0, path)
    from codegen_fixtures import golden_graphs

    from codegen import compile_graph, compile_spec

    files: dict[str, str] = {}
    for spec in SPECS:
        module = compile_spec(spec)
        files[f"{module.name}.py"] = module.source
        files[f"{module.name}.pyi"] = module.stub
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graphs = golden_graphs()
    for spec, backend in WATCHED:
        module = compile_spec(spec)
        files[f"{module.name}_events.py"] = compile_graph(
            module.graph,
            backend=backend,  # type: ignore[arg-type]
            source_name=f"{spec} (events = true)",
            events=True,
        )
    for name, (graph, backend, sync_nodes) in graphs.items():
        files[f"{name}.py"] = compile_graph(
            graph,
            backend=backend,  # type: ignore[arg-type]
            source_name=f"tests/codegen_fixtures.py:{name}",
            sync_nodes=sync_nodes,  # type: ignore[arg-type]
        )
    return files


def main() -> None:
    """Rewrite tests/golden/ from the current compiler."""
    import os

    os.chdir(ROOT)
    GOLDEN.mkdir(exist_ok=True)
    files = expected_files()
    for stale in GOLDEN.iterdir():
        if stale.is_file() and stale.name not in files:
            stale.unlink()
    for name, text in sorted(files.items()):
        (GOLDEN / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote tests/golden/{name}")


if __name__ == "__main__":
    main()
