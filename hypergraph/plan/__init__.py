"""The plan layer: what a graph lowers to, read by both runners and the compiler.

Three kinds of record, all built once per graph and cached on it:

* the schedule (`Plan`, `Component`): supersteps of node names and, for graphs with gates
  or cycles, their strongly connected components (`graph.plan`);
* the wiring (`GraphWiring`, `NodeWiring`, from `wiring_of(graph)`): which state names feed
  which parameters, defaults and whether they are deep-copied, what is read only from the
  given inputs, outputs and their shape, emit names;
* the dynamic plan (`DynamicPlan`, `DynamicNode`, `GraphWiring.dynamic`): per node what its
  readiness depends on (controlling gates, predecessors, needed and watched names, signals).

Records are data: the runners build their call closures from them and the compiler writes the
same calls out as code, so the two back ends cannot disagree.
"""

from hypergraph.plan.dynamic import DynamicNode, DynamicPlan
from hypergraph.plan.lowering import GraphWiring, wiring_of
from hypergraph.plan.schedule import (
    Component,
    Plan,
    build_dynamic_plan,
    build_plan,
    plan_or_cycle,
    strongly_connected,
)
from hypergraph.plan.wiring import (
    MAPPING,
    NO_DEFAULT,
    NONE,
    SEVERAL,
    SINGLE,
    NodeWiring,
    async_paths,
    cached_paths,
)
from hypergraph.typecheck.hints import hints_of

__all__ = [
    # the schedule
    "Component",
    "Plan",
    "build_dynamic_plan",
    "build_plan",
    "plan_or_cycle",
    "strongly_connected",
    # the wiring
    "GraphWiring",
    "NodeWiring",
    "wiring_of",
    "async_paths",
    "cached_paths",
    "hints_of",
    "MAPPING",
    "NONE",
    "NO_DEFAULT",
    "SEVERAL",
    "SINGLE",
    # the dynamic plan
    "DynamicNode",
    "DynamicPlan",
]
