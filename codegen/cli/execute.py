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

from codegen.cli.inputtypes import input_types, typed_value
from codegen.errors import UsageError
from codegen.pipeline import CompiledModule

__all__ = ["import_compiled", "materialise", "parse_inputs", "read_inputs_file", "run_command"]


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


def read_inputs_file(inputs_file: str) -> dict[str, Any]:
    """The JSON object of an ``--inputs`` file (values used as they are)."""
    try:
        data = json.loads(Path(inputs_file).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{inputs_file}: error: cannot read inputs: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{inputs_file}:{exc.lineno}: error: not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{inputs_file}: error: inputs must be a JSON object")
    return data


def split_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """``NAME=VALUE`` arguments as name -> text (the last one wins)."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.isidentifier():
            raise UsageError(f"error: --input {pair!r}: write NAME=VALUE")
        found[name] = text
    return found


def parse_inputs(
    pairs: Sequence[str], inputs_file: str | None, types: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """Inputs from a JSON file, then ``name=value`` pairs parsed by the input's declared type
    (`types`; see ``typed_value``)."""
    values: dict[str, Any] = read_inputs_file(inputs_file) if inputs_file else {}
    for name, text in split_pairs(pairs).items():
        values[name] = typed_value(name, text, (types or {}).get(name, Any))
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
        raise UsageError(
            f"{spec}: error: unknown input(s) {', '.join(unknown)}; "
            f"inputs are: {', '.join(sorted(accepted)) or '(none)'}"
        )
    if missing:
        raise UsageError(f"{spec}: error: missing required input(s) {', '.join(missing)}")


def run_command(module: CompiledModule, pairs: Sequence[str], inputs_file: str | None) -> int:
    """Run a compiled spec; print its outputs as JSON. 1 if a node raised; input mistakes
    raise UsageError."""
    with tempfile.TemporaryDirectory(prefix="hypergraph-run-") as temp:
        compiled = import_compiled(module, Path(temp))
        values = parse_inputs(pairs, inputs_file, input_types(compiled))
        _check_inputs(compiled, values, module.spec.path)
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
