"""``hypergraph run``: compile a spec to a temporary module, import it and call run()."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import sys
import tempfile
import traceback
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from codegen import CompiledModule, compile_loaded
from codegen.errors import CodegenError
from codegen.spec import load_spec

__all__ = ["import_compiled", "materialise", "parse_inputs", "run_command"]


def import_compiled(module: CompiledModule, directory: Path) -> ModuleType:
    """Write `module` into `directory` and import it under a private name."""
    path = directory / f"{module.name}.py"
    path.write_text(module.source, encoding="utf-8")
    name = f"_hypergraph_run_{module.name}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    spec.loader.exec_module(loaded)
    return loaded


def parse_inputs(pairs: Sequence[str], inputs_file: str | None) -> dict[str, Any]:
    """Inputs from a JSON file and ``name=value`` pairs (values JSON when they parse)."""
    values: dict[str, Any] = {}
    if inputs_file:
        try:
            data = json.loads(Path(inputs_file).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CodegenError(
                f"{inputs_file}: error: cannot read inputs: {exc.strerror}"
            ) from None
        except json.JSONDecodeError as exc:
            raise CodegenError(f"{inputs_file}:{exc.lineno}: error: not JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise CodegenError(f"{inputs_file}: error: inputs must be a JSON object")
        values.update(data)
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.isidentifier():
            raise CodegenError(f"error: --input {pair!r}: write NAME=VALUE")
        try:
            values[name] = json.loads(text)
        except json.JSONDecodeError:
            values[name] = text
    return values


async def _materialise_async(value: Any) -> Any:
    if isinstance(value, AsyncIterator):
        return [await _materialise_async(item) async for item in value]
    return materialise(value)


def materialise(value: Any) -> Any:
    """Generators become lists (recursively through lists, tuples and dicts); str subclasses
    such as END print as their str() ("END"), not their private value."""
    if isinstance(value, str):
        return value if type(value) is str else str(value)
    if isinstance(value, Iterator):
        return [materialise(item) for item in value]
    if isinstance(value, (list, tuple)):
        return [materialise(item) for item in value]
    if isinstance(value, dict):
        return {key: materialise(item) for key, item in value.items()}
    return value


def _check_inputs(module: ModuleType, values: Mapping[str, Any], spec: str) -> None:
    required = set(module.Inputs.__required_keys__)
    accepted = required | set(module.Inputs.__optional_keys__)
    unknown = sorted(set(values) - accepted)
    missing = sorted(required - set(values))
    if unknown:
        raise CodegenError(
            f"{spec}: error: unknown input(s) {', '.join(unknown)}; "
            f"inputs are: {', '.join(sorted(accepted)) or '(none)'}"
        )
    if missing:
        raise CodegenError(f"{spec}: error: missing required input(s) {', '.join(missing)}")


def run_command(spec_path: str, pairs: Sequence[str], inputs_file: str | None) -> int:
    """Run a spec through its compiled module; print outputs as JSON. 1 if a node raised."""
    from codegen.cli import shown

    loaded = load_spec(spec_path, shown(spec_path))
    module = compile_loaded(loaded)
    values = parse_inputs(pairs, inputs_file)
    with tempfile.TemporaryDirectory(prefix="hypergraph-run-") as temp:
        compiled = import_compiled(module, Path(temp))
        _check_inputs(compiled, values, loaded.path)
        try:
            if inspect.iscoroutinefunction(compiled.run):

                async def main() -> Any:
                    outputs = await compiled.run(**values)
                    return {k: await _materialise_async(v) for k, v in outputs.items()}

                result = asyncio.run(main())
            else:
                result = materialise(compiled.run(**values))
        except Exception as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
            print(f"error: the run failed: {type(exc).__name__}: {exc}{where}", file=sys.stderr)
            return 1
        finally:
            sys.modules.pop(f"_hypergraph_run_{module.name}", None)
    print(json.dumps(result, indent=2, default=repr))
    return 0
