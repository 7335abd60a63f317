"""Per-node wiring records: which state names feed which parameters, and where results go.

Read by both runners (which build their call closures from them) and the compiler (which
writes the same calls out as code); `hypergraph.plan.lowering.wiring_of` builds them once per
graph. Records hold no behaviour: how a node is called is the runners' business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypergraph.exceptions import GraphConfigError
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.function import ExecutionMode, FunctionNode
from hypergraph.nodes.gate import GateNode
from hypergraph.nodes.graph_node import GraphNode

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = [
    "MAPPING",
    "NONE",
    "NO_DEFAULT",
    "SEVERAL",
    "SINGLE",
    "NodeWiring",
    "async_paths",
    "cached_paths",
    "node_wiring",
]

# How a node's result becomes state values (`NodeWiring.shape`): plain ints, compared on the
# hot path of every run.
SINGLE = 1
"""One data output: the result is stored as-is under it."""
NONE = 0
"""No data output: the result is discarded (an output-less generator is drained)."""
SEVERAL = 2
"""Several data outputs: the result is a sequence unpacked across them."""
MAPPING = 3
"""A nested graph: the result is a mapping {outer address: value}."""

NO_DEFAULT: Any = type("NoDefault", (), {"__repr__": lambda self: "<no default>"})()
"""The `default` of an optional parameter that has none (only wired parameters lack one)."""
_NO_ENTRY = (NO_DEFAULT, False)


@dataclass(slots=True, eq=False)
class NodeWiring:
    """How one node reads its parameters from the run state and where its results go.

    Never changed once built; not frozen because a frozen dataclass would cost the first run
    of a large graph one `object.__setattr__` per field and node. The runners execute a
    subclass that adds the call closures they build from the record. For a nested graph
    (GraphNode) `args` pairs each inner input with its outer address, `func` is None and the
    result is a mapping (`MAPPING`).
    """

    name: str
    node: HyperNode
    """The node object itself."""
    func: Callable[..., Any] | None
    """The node's function; None for a GraphNode (its call is a child run)."""
    mode: ExecutionMode
    """How the function runs (sync or async, function or generator)."""
    args: tuple[tuple[str, str], ...]
    """(parameter, state name) read from the state, which must hold the name."""
    optional: tuple[tuple[str, str, Any, bool], ...]
    """(parameter, name, default, needs_copy): read from the state, else the default
    (deep-copied first when `needs_copy`)."""
    from_given: tuple[tuple[str, str, Any, bool], ...]
    """Like `optional`, but read only from the inputs given to the run: an unwired input
    whose name an active node produces must not see that node's value (explicit edges)."""
    outputs: tuple[str, ...]
    """Its data outputs, in order."""
    shape: int
    """SINGLE, NONE, SEVERAL or MAPPING (see the module constants)."""
    emit: tuple[str, ...]
    """Ordering signals written after each run."""
    single_output: str | None
    """The output name when the result is stored as-is under one name and nothing else."""


def node_wiring(
    n: HyperNode,
    wired: set[tuple[str, str]],
    made: set[str],
    given: set[str],
    shared: frozenset[str],
    record: type[NodeWiring] = NodeWiring,
) -> NodeWiring:
    """How node `n` reads each parameter, as a `record` (NodeWiring or a subclass of it).

    Wired parameters, shared names (whatever was written last) and inputs that are always
    given come straight from the state; a defaulted input may be absent; an unwired input
    whose name some active node produces (explicit edges) reads the given inputs only.
    """
    if not isinstance(n, _FUNCTION_NODES):
        if isinstance(n, GraphNode):
            return _graph_wiring(n, record)
        raise GraphConfigError(f"node {n.name!r}: {type(n).__name__} cannot run in this version")
    args: list[tuple[str, str]] = []
    optional: list[tuple[str, str, Any, bool]] = []
    from_given: list[tuple[str, str, Any, bool]] = []
    defaults = n._defaults  # parameter -> (default, needs a deep copy), as FunctionPorts keeps it
    node_name = n.name
    for param, name in zip(n.params, n.inputs):
        if (node_name, name) in wired or name in shared:
            args.append((param, name))
            continue
        default, needs_copy = defaults.get(param, _NO_ENTRY)
        if name not in made and (name in given or default is NO_DEFAULT):
            args.append((param, name))
        elif name in made:
            from_given.append((param, name, default, needs_copy))
        else:
            optional.append((param, name, default, needs_copy))
    outputs = n.data_outputs
    shape = SINGLE if len(outputs) == 1 else NONE if not outputs else SEVERAL
    return record(
        node_name,
        n,
        n.func,
        n.mode,
        tuple(args),
        tuple(optional) if optional else (),  # a call saved per node on a first run
        tuple(from_given) if from_given else (),
        outputs,
        shape,
        n.emit,
        outputs[0] if shape == SINGLE and not n.emit else None,
    )


_FUNCTION_NODES = (FunctionNode, GateNode)  # a tuple: `A | B` would build a union per call


def _graph_wiring(n: GraphNode, record: type[NodeWiring]) -> NodeWiring:
    """A nested graph: each inner input read from its outer address; a mapping comes back."""
    ports = tuple((local, address) for address, local in n.input_pairs)
    mode = ExecutionMode.SYNC_FUNCTION
    return record(n.name, n, None, mode, ports, (), (), n.data_outputs, MAPPING, n.emit, None)


def async_paths(graph: Graph) -> tuple[str, ...]:
    """Names of the active async nodes, nested ones as `outer/inner`."""
    active = set(graph.active_nodes)
    found: list[str] = []
    for n in graph.iter_nodes():
        if n.name not in active or not n.is_async:
            continue
        if isinstance(n, GraphNode):
            found += [f"{n.name}/{inner}" for inner in async_paths(n.graph)]
        else:
            found.append(n.name)
    return tuple(found)


def cached_paths(graph: Graph) -> tuple[str, ...]:
    """Names of the active nodes with cache=True, nested ones as `outer/inner`."""
    active = set(graph.active_nodes)
    found: list[str] = []
    for n in graph.iter_nodes():
        if n.name not in active:
            continue
        if isinstance(n, GraphNode):
            found += [f"{n.name}/{inner}" for inner in cached_paths(n.graph)]
        elif getattr(n, "cache", False) is True:
            found.append(n.name)
    return tuple(found)
