"""The spec front end: TOML spec files in, a hypergraph ``Graph`` out.

Models and loading (`codegen.spec.load`), resolving import references into nodes
(`codegen.spec.resolve`) and specs nested as nodes (`codegen.spec.nesting`). Nothing here knows
how a graph is compiled: the front end and the back half meet in `codegen.pipeline`.
"""
