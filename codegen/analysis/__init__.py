"""Analysis: what a ``Graph`` means for its compiled module, before any statement is written.

Names and identifiers, importable objects, types as source text, port types, nested graphs
flattened into one tree of calls, and what the compiler refuses. `codegen.analysis.runtime_plan`
is the only module of the compiler that reads the runtime's private plan.
"""
