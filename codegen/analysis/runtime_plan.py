"""The only place in the compiler that reads the runtime's private plan.

"One plan, two back ends": a compiled module runs the very plan the runners run, so the
compiler reads the records the runners precompute from a graph rather than lowering the graph
a second time. Those records live in hypergraph's private modules today:

* ``prepared(graph)``: per superstep the `NodeStep` wiring records (which state names feed which
  parameters, defaults and copies, outputs), the result names and, for a graph with gates or
  cycles, the `DynamicPlan` (components, gates, versions model) of `DynamicNode` records;
* ``async_paths(graph)``: the active async nodes at any depth;
* ``hints_of(func)``: a function's resolved type hints (the runtime's own resolution);
* ``identifier_problem(name)``: the one rule for names that become identifiers;
* ``EXTRA_MODULES``: the modules the ``codegen`` extra brings (the command line's message
  when one is missing).

Every other module of ``codegen`` imports them from here (an import-linter contract in
pyproject.toml keeps it so). When hypergraph grows its public plan layer (``hypergraph.plan``),
this module switches to it and nothing else in the compiler changes.
"""

from __future__ import annotations

from hypergraph.__main__ import _EXTRA_MODULES as EXTRA_MODULES
from hypergraph._identifiers import identifier_problem
from hypergraph.nodes._ports import hints_of
from hypergraph.runners._dynamic import DynamicNode, DynamicPlan
from hypergraph.runners._steps import NodeStep, Prepared, async_paths, prepared

__all__ = [
    "EXTRA_MODULES",
    "DynamicNode",
    "DynamicPlan",
    "NodeStep",
    "Prepared",
    "async_paths",
    "hints_of",
    "identifier_problem",
    "prepared",
]
