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

from codegen.errors import CodegenError, CompileError, SpecError
from codegen.pipeline import CompiledModule, compile_graph, compile_loaded, compile_spec
from codegen.spec.load import load_spec
from codegen.spec.resolve import resolve

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
