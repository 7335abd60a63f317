"""Regenerate the golden files: ``python tests/regen_golden.py`` (from the repository root).

One copy of each generated file, checked once (tests/test_codegen_golden.py):

* the example specs' modules and stubs live where users and the docs find them,
  ``specs/compiled/<name>.py`` and ``stubs/<name>.pyi`` (what ``hypergraph compile specs/*.toml
  --out specs/compiled --stubs stubs`` writes);
* a few graphs from codegen_fixtures that exercise every statement shape of both back ends live
  in ``tests/golden/``.

Review the diff before committing.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
COMPILED = ROOT / "specs" / "compiled"
STUBS = ROOT / "stubs"
SPECS = (
    "specs/text_pipeline.toml",
    "specs/async_fanout.toml",
    "specs/mixed_stream.toml",
    "specs/batch_summaries.toml",
    "specs/agent_loop.toml",
    "specs/agent_batch.toml",
    "specs/cached_fetch.toml",
)
WATCHED = (
    ("specs/agent_loop.toml", "sync"),
    ("specs/async_fanout.toml", "async"),
    ("specs/batch_summaries.toml", "sync"),
    ("specs/agent_batch.toml", "async"),
)
"""Specs also compiled with `events = true` (golden `<module>_events.py`): run() takes an
observer (docs/watching-runs.md); the last two nest graphs (a mapped DAG, a mapped loop)."""
WATCHED_GRAPHS = ("nested_async",)
"""Golden graphs also compiled with `events = true`: nested graphs at every depth, mapped."""


def expected_files() -> dict[Path, str]:
    """Golden file (absolute path) -> expected content."""
    for path in (str(ROOT), str(ROOT / "tests")):
        if path not in sys.path:
            sys.path.insert(0, path)
    from codegen_fixtures import golden_graphs

    from codegen import compile_graph, compile_loaded, load_spec

    files: dict[Path, str] = {}
    for spec in SPECS:
        module = compile_loaded(load_spec(ROOT / spec, spec))
        files[COMPILED / f"{module.name}.py"] = module.source
        files[STUBS / f"{module.name}.pyi"] = module.stub
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graphs = golden_graphs()
    for spec, backend in WATCHED:
        module = compile_loaded(load_spec(ROOT / spec, spec))
        files[GOLDEN / f"{module.name}_events.py"] = compile_graph(
            module.graph,
            backend=backend,  # type: ignore[arg-type]
            source_name=f"{spec} (events = true)",
            events=True,
        )
    for name in WATCHED_GRAPHS:
        graph, backend, sync_nodes = graphs[name]
        files[GOLDEN / f"{name}_events.py"] = compile_graph(
            graph,
            backend=backend,  # type: ignore[arg-type]
            source_name=f"tests/codegen_fixtures.py:{name} (events = true)",
            sync_nodes=sync_nodes,  # type: ignore[arg-type]
            events=True,
        )
    for name, (graph, backend, sync_nodes) in graphs.items():
        files[GOLDEN / f"{name}.py"] = compile_graph(
            graph,
            backend=backend,  # type: ignore[arg-type]
            source_name=f"tests/codegen_fixtures.py:{name}",
            sync_nodes=sync_nodes,  # type: ignore[arg-type]
        )
    return files


def present_files() -> list[Path]:
    """The generated files on disk in the three golden places (``__init__.py`` aside)."""
    found = [*GOLDEN.glob("*.py"), *COMPILED.glob("*.py"), *STUBS.glob("*.pyi")]
    return sorted(p for p in found if p.name != "__init__.py")


def main() -> None:
    """Rewrite the golden files from the current compiler (stale ones are removed)."""
    files = expected_files()
    for stale in present_files():
        if stale not in files:
            stale.unlink()
            print(f"removed {stale.relative_to(ROOT).as_posix()}")
    for path, text in sorted(files.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path.relative_to(ROOT).as_posix()}")


if __name__ == "__main__":
    main()
