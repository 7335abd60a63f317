"""The spec front end: TOML spec files in, a hypergraph ``Graph`` out.

`codegen.spec.models` (the file format as pydantic models), `codegen.spec.load` (reading and
validating a file, within the parser's limits of `codegen.spec.limits`, with the entry checks
of `codegen.spec.checks` and located errors from `codegen.spec.locate`), `codegen.spec.resolve`
(import references into nodes and a Graph) and `codegen.spec.nesting` (specs and graphs nested
as nodes). Nothing here knows how a graph is compiled: the front end and the back half meet in
`codegen.pipeline`.
"""
