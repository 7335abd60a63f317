"""mypy --strict over generated modules (one batched mypy call), and negative cases."""

from __future__ import annotations

import os
import random
import warnings
from pathlib import Path

import pytest
from codegen_fixtures import FunctionNode, Graph, make_text, need_int, random_graph
from codegen_gate_fixtures import gated_modules
from codegen_nested_fixtures import composite
from mypy import api
from regen_golden import present_files

from codegen import compile_graph

ROOT = Path(__file__).resolve().parent.parent


def _mypy(paths: list[Path], workdir: Path) -> tuple[int, str]:
    env_path = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    old = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = env_path
    try:
        stdout, stderr, status = api.run(
            [
                "--strict",
                "--no-incremental",
                "--show-error-codes",
                "--follow-imports=silent",
                "--cache-dir",
                str(workdir / ".mypy_cache"),
                *[str(p) for p in paths],
            ]
        )
    finally:
        if old is None:
            os.environ.pop("MYPYPATH", None)
        else:
            os.environ["MYPYPATH"] = old
    return status, stdout + stderr


def test_every_generated_module_passes_mypy_strict(tmp_path: Path) -> None:
    paths = present_files()  # the example modules and stubs, and the fixture goldens
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    modules = tmp_path / "modules"
    modules.mkdir()
    for path in list(paths):
        if path.suffix == ".pyi":  # a stub must not sit next to its module for mypy
            paths.remove(path)
            target = stubs / f"stub_{path.name}"
            target.write_text(path.read_text())
            paths.append(target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(12):
            for backend in ("sync", "async"):
                graph = random_graph(random.Random(seed), 9, allow_async=backend == "async")
                for inline in ("thread", "inline") if backend == "async" else ("thread",):
                    target = modules / f"random_{seed}_{backend}_{inline}.py"
                    target.write_text(
                        compile_graph(graph, backend=backend, sync_nodes=inline)  # type: ignore[arg-type]
                    )
                    paths.append(target)
        for seed in range(12):  # nested and mapped graphs
            for backend in ("sync", "async"):
                graph, _ = composite(
                    random.Random(seed), allow_async=backend == "async", failing=seed % 2 == 0
                )
                target = modules / f"nested_{seed}_{backend}.py"
                target.write_text(compile_graph(graph, backend=backend))  # type: ignore[arg-type]
                paths.append(target)
        paths += gated_modules(modules)  # gates and loops (codegen.backends.dynamic.run)
    status, output = _mypy(paths, tmp_path)
    assert status == 0, output


def test_type_mismatch_between_nodes_fails_mypy(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = Graph(
            [
                FunctionNode(make_text, output_name="text"),
                FunctionNode(need_int, output_name="number"),
            ]
        )
    target = tmp_path / "mismatch.py"
    target.write_text(compile_graph(graph, backend="sync"))
    status, output = _mypy([target], tmp_path)
    assert status == 1
    assert 'Argument "text" to "need_int" has incompatible type "str"; expected "int"' in output
    line = next(
        n for n, text in enumerate(target.read_text().splitlines(), 1) if "need_int(" in text
    )
    assert f"mismatch.py:{line}: error" in output


@pytest.mark.parametrize("backend", ["sync", "async"])
def test_wrong_input_type_at_call_site_fails_mypy(tmp_path: Path, backend: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = Graph([FunctionNode(make_text, output_name="text")])
    module = tmp_path / f"compiled_{backend}.py"
    module.write_text(compile_graph(graph, backend=backend))  # type: ignore[arg-type]
    user = tmp_path / f"user_{backend}.py"
    call = "run(a='1')" if backend == "sync" else "asyncio.run(run(a='1'))"
    user.write_text(
        f"import asyncio\nfrom compiled_{backend} import run\n\nresult = {call}\n"
        "number: int = result['text']\n"
    )
    status, output = _mypy([module, user], tmp_path)
    assert status == 1
    assert 'Argument "a" to "run" has incompatible type "str"; expected "int"' in output
    assert "Incompatible types in assignment" in output
