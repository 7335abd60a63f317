"""Helpers shared by the compiler tests: compile to a file, import, run, materialise."""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from codegen import compile_graph
from hypergraph import AsyncRunner, Graph, SyncRunner

_COUNTER = itertools.count()


def load_source(source: str, directory: Path, stem: str = "compiled") -> ModuleType:
    """Write `source` to a fresh module file in `directory` and import it."""
    name = f"{stem}_{next(_COUNTER)}"
    path = directory / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def materialise(value: Any) -> Any:
    """Generators (sync and async) become lists, recursively."""
    if isinstance(value, AsyncIterator):
        return [item async for item in value]
    if isinstance(value, Iterator):
        return list(value)
    if isinstance(value, dict):
        return {k: await materialise(v) for k, v in value.items()}
    if isinstance(value, list):  # a mapped node's outputs
        return [await materialise(v) for v in value]
    return value


def outcome_sync(call: Any) -> tuple[Any, ...]:
    """('ok', values) or ('error', exception type, message): differential tests compare the
    message too, which names the failing node's input in the fixtures."""
    try:
        result = call()
    except Exception as exc:
        return ("error", type(exc), str(exc))
    return ("ok", asyncio.run(materialise(dict(result))))


async def outcome_async(call: Any) -> tuple[Any, ...]:
    try:
        result = await call()
    except Exception as exc:
        return ("error", type(exc), str(exc))
    return ("ok", await materialise(dict(result)))


def runner_outcome(graph: Graph, backend: str, inline: bool, inputs: dict[str, Any]) -> Any:
    if backend == "sync":
        return outcome_sync(lambda: SyncRunner().run(graph, inputs).values)

    async def go() -> Any:
        runner = AsyncRunner(sync_nodes="inline" if inline else "thread")

        async def call() -> Any:
            return (await runner.run(graph, inputs)).values

        return await outcome_async(call)

    return asyncio.run(go())


def compiled_outcome(module: ModuleType, backend: str, inputs: dict[str, Any]) -> Any:
    inputs = {name.replace(".", "__"): value for name, value in inputs.items()}  # namespaced
    if backend == "sync":
        return outcome_sync(lambda: module.run(**inputs))
    return asyncio.run(outcome_async(lambda: module.run(**inputs)))


def compile_and_load(graph: Graph, backend: str, directory: Path, inline: bool = False) -> Any:
    source = compile_graph(
        graph,
        backend=backend,
        sync_nodes="inline" if inline else "thread",  # type: ignore[arg-type]
    )
    return load_source(source, directory)
