"""Analysis: what a ``Graph`` means for its compiled module, before any statement is written.

Names and identifiers, importable objects, types as source text, port types, nested graphs
flattened into one tree of calls, and what the compiler refuses. It reads the runtime's plan
through the public `hypergraph.plan` (the wiring records and the dynamic plan the runners run).
"""
