"""hypergraph's compiler: specs and graphs to plain, typed Python modules.

Public API::

    compile_graph(graph, backend="sync", source_name="...") -> str   # module source
    compile_spec(path) -> CompiledModule                             # spec file -> module
    load_spec(path) -> LoadedSpec; resolve(loaded) -> Graph

The compiler is a pipeline of stages, one package each (docs/design.md): `codegen.spec` (the
front end), `codegen.analysis`, `codegen.backends`, `codegen.render`, `codegen.write` and the
command line in `codegen.cli`; `codegen.pipeline` joins them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from codegen.errors import CodegenError, CompileError, SpecError

if TYPE_CHECKING:
    from codegen.pipeline import CompiledModule, compile_graph, compile_loaded, compile_spec
    from codegen.spec.load import load_spec
    from codegen.spec.resolve import resolve

# The compiler's entry points import pydantic and jinja2: loaded on first use, so that importing
# a light submodule (codegen.errors, or the hatchling hook that hatchling imports for every
# build) does not need the codegen extra.
_LAZY = {
    "CompiledModule": "codegen.pipeline",
    "compile_graph": "codegen.pipeline",
    "compile_loaded": "codegen.pipeline",
    "compile_spec": "codegen.pipeline",
    "load_spec": "codegen.spec.load",
    "resolve": "codegen.spec.resolve",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'codegen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "CodegenError",
    "CompileError",
    "CompiledModule",
    "SpecError",
    "compile_graph",
    "compile_loaded",
    "compile_spec",
    "load_spec",
    "resolve",
]
