"""Graphs that cannot silently do nothing: warnings about work no run will ever do.

Four findings, each a ``Diagnostic`` warning with its own code, naming the node and the fix:

- ``unreachable-node``: a node no run executes. Either no path leads to it from the
  entrypoints (a loop that lies before the entrypoints counts too: entrypoints exist to start
  loops), or it waits on a signal or a value that nothing active produces and no input supplies.
  Nodes before the entrypoints of an acyclic graph are skipped on purpose (API 3.5) and are
  not reported.
- ``discarded-return``: a function node without an output name whose function returns a value
  (its return annotation says so, or, unannotated, its source returns something).
- ``unused-output``: with ``select``, an output no node consumes and the selection drops.
- ``inescapable-loop``: a loop in which no gate can route out (to ``END`` or a node outside the
  loop); it ends only when its values stop changing, or raises ``InfiniteLoopError``.

Nested graphs are checked too; their nodes are named by path (``outer/inner``).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from hypergraph.graph.edges import Edge
from hypergraph.graph.scope import cycle_seeds
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.gate import END, RouteNode
from hypergraph.plan.schedule import strongly_connected
from hypergraph.typecheck.diagnostics import Diagnostic
from hypergraph.typecheck.hints import MISSING, Unresolved, function_hints
from hypergraph.typecheck.source import def_location

__all__ = ["LIVENESS_CODES", "liveness_warnings", "returns_a_value"]

LIVENESS_CODES = ("unreachable-node", "discarded-return", "unused-output", "inescapable-loop")


def liveness_warnings(graph: Any) -> list[Diagnostic]:
    """Every finding of this module for ``graph`` and, by path, its nested graphs."""
    found: list[Diagnostic] = []
    _collect(graph, "", found)
    return found


def _collect(graph: Any, prefix: str, found: list[Diagnostic]) -> None:
    nodes: dict[str, HyperNode] = graph.nodes
    edges: tuple[Edge, ...] = graph.edges
    checks = _Checks(graph, nodes, edges, prefix)
    unreachable = checks.unreachable()
    found += unreachable
    skipped = {d.node for d in unreachable}
    found += checks.discarded_returns()
    found += checks.unused_outputs(skipped)
    found += checks.inescapable_loops()
    for n in nodes.values():
        inner = getattr(n, "graph", None)
        if n.node_type == "GRAPH" and inner is not None:
            _collect(inner, f"{prefix}{n.name}/", found)


def _walk(starts: Iterable[str], links: Mapping[str, Iterable[str]]) -> set[str]:
    seen = set(starts)
    stack = list(seen)
    while stack:
        for nxt in links.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


class _Checks:
    def __init__(
        self, graph: Any, nodes: dict[str, HyperNode], edges: Sequence[Edge], prefix: str
    ) -> None:
        self.graph = graph
        self.nodes = nodes
        self.edges = edges
        self.prefix = prefix
        self.active = set(graph.active_nodes)
        self.entrypoints: tuple[str, ...] = graph.entrypoints_config or ()
        pairs = [(e.source, e.target) for e in edges]
        self.loops = [c for c in strongly_connected(list(nodes), pairs) if len(c) > 1]

    def warn(self, code: str, node: str, message: str, hint: str, **extra: Any) -> Diagnostic:
        func = getattr(self.nodes[node], "func", None)
        file, line = def_location(func) if callable(func) else (None, None)
        name = f"{self.prefix}{node}"
        where = f" (in nested graph {self.prefix[:-1]!r})" if self.prefix else ""
        return Diagnostic(
            code=code,
            severity="warning",
            message=message.format(node=repr(name)) + where,
            node=name,
            file=file,
            line=line,
            hint=hint,
            **extra,
        )

    # -- unreachable-node ----------------------------------------------------------------

    def unreachable(self) -> list[Diagnostic]:
        found = self._before_entrypoints()
        found += self._never_ready()
        return found

    def _before_entrypoints(self) -> list[Diagnostic]:
        if not self.entrypoints:
            return []
        forward: dict[str, list[str]] = defaultdict(list)
        backward: dict[str, list[str]] = defaultdict(list)
        for e in self.edges:
            forward[e.source].append(e.target)
            backward[e.target].append(e.source)
        reached = _walk(self.entrypoints, forward)
        upstream = _walk(self.entrypoints, backward) - reached
        starts = ", ".join(repr(e) for e in self.entrypoints)
        found = []
        for loop in self.loops:
            if not set(loop) & reached:
                chain = " -> ".join(loop)
                found.append(
                    self.warn(
                        "unreachable-node",
                        loop[0],
                        f"loop {chain} never runs: it is not reachable from the entrypoint(s) "
                        f"{starts}, so no run enters it (node {{node}} and the rest of the loop "
                        "are skipped)",
                        "make the node that starts the loop an entrypoint "
                        "(entrypoint = ... in a spec, with_entrypoint(...) in Python)",
                    )
                )
        in_loops = {n for loop in self.loops for n in loop}
        for name in self.nodes:
            if name in reached or name in upstream or name in in_loops:
                continue
            found.append(
                self.warn(
                    "unreachable-node",
                    name,
                    f"node {{node}} never runs: no path leads to it from the entrypoint(s) "
                    f"{starts}",
                    "add it (or a node before it) to the entrypoints, or remove it",
                )
            )
        return found

    def _never_ready(self) -> list[Diagnostic]:
        """Active nodes that wait forever: for a signal nothing active emits, or on a value
        whose active producers all never run (and nothing else supplies it)."""
        active = self.active
        producers: dict[str, list[str]] = defaultdict(list)
        for name in self.nodes:
            if name in active:
                for out in self.nodes[name].outputs:
                    producers[out].append(name)
        wired: dict[tuple[str, str], set[str]] = defaultdict(set)
        for e in self.edges:
            if e.kind == "data" and e.source in active and e.target in active:
                for value in e.values:
                    wired[e.target, value].add(e.source)
        seeds = cycle_seeds(self.edges, active, self.entrypoints) if self.entrypoints else set()
        bound = self.graph.inputs.bound
        gates_of: dict[str, list[str]] = defaultdict(list)
        for name in self.nodes:
            node = self.nodes[name]
            if name in active and node.is_gate:
                for target in getattr(node, "targets", ()):
                    gates_of[target].append(name)
        dead: dict[str, str] = {}
        changed = True
        while changed:
            changed = False
            for name in self.nodes:
                if name in dead or name not in active:
                    continue
                reason = self._why_dead(name, producers, wired, seeds, bound, gates_of, dead)
                if reason is not None:
                    dead[name] = reason
                    changed = True
        return [
            self.warn(
                "unreachable-node",
                name,
                f"node {{node}} never runs: {reason}",
                "give the value a producer that runs (or a default), or remove the node",
            )
            for name, reason in dead.items()
        ]

    def _why_dead(
        self,
        name: str,
        producers: Mapping[str, list[str]],
        wired: Mapping[tuple[str, str], set[str]],
        seeds: set[tuple[str, str]],
        bound: Mapping[str, Any],
        gates_of: Mapping[str, list[str]],
        dead: Mapping[str, str],
    ) -> str | None:
        node = self.nodes[name]
        for signal in node.wait_for:
            live = [p for p in producers.get(signal, ()) if p not in dead and p != name]
            if not live:
                return f"it waits for {signal!r}, which no node that runs emits"
        for param in node.inputs:
            sources = wired.get((name, param), set()) - {name}
            if not sources or (name, param) in seeds:
                continue
            if sources <= set(dead) and not node.has_default_for(param) and param not in bound:
                listed = ", ".join(repr(s) for s in sorted(sources))
                return f"it needs {param!r}, whose producer(s) {listed} never run"
        gates = gates_of.get(name, [])
        if gates and all(g in dead for g in gates):
            opened = any(
                getattr(self.nodes[g], "default_open", False)
                and (not self.entrypoints or name in self.entrypoints)
                for g in gates
            )
            if not opened:
                listed = ", ".join(repr(g) for g in gates)
                return f"the gate(s) {listed} that activate it never run"
        return None

    # -- discarded-return ----------------------------------------------------------------

    def discarded_returns(self) -> list[Diagnostic]:
        found = []
        for name, node in self.nodes.items():
            func = getattr(node, "func", None)
            if node.node_type != "FUNCTION" or node.data_outputs or func is None:
                continue
            if not returns_a_value(func, bool(getattr(node, "is_generator", False))):
                continue
            found.append(
                self.warn(
                    "discarded-return",
                    name,
                    "node {node} has no output name, but its function returns a value: "
                    "the value is discarded",
                    'name the output (output = "..." in a spec entry, output_name=... in '
                    "Python), or make the function return None",
                )
            )
        return found

    # -- unused-output -------------------------------------------------------------------

    def unused_outputs(self, skipped: set[str | None]) -> list[Diagnostic]:
        selected = self.graph.selected
        if selected is None:
            return []
        consumed = {v for e in self.edges if e.kind == "data" for v in e.values}
        found = []
        for name, node in self.nodes.items():
            if f"{self.prefix}{name}" in skipped or node.is_gate:
                continue
            for out in node.data_outputs:
                if out in consumed or out in selected:
                    continue
                found.append(
                    self.warn(
                        "unused-output",
                        name,
                        f"output {out!r} of node {{node}} is consumed by no node and the "
                        f"selection ({', '.join(selected)}) drops it",
                        f"add {out!r} to select, or remove the output (or the node)",
                        parameter=out,
                    )
                )
        return found

    # -- inescapable-loop ----------------------------------------------------------------

    def inescapable_loops(self) -> list[Diagnostic]:
        found = []
        for loop in self.loops:
            members = set(loop)
            if not members <= self.active:
                continue
            gates = [self.nodes[n] for n in loop if self.nodes[n].is_gate]
            if any(_can_leave(g, members) for g in gates):
                continue
            chain = " -> ".join(loop)
            why = (
                f"none of its gates ({', '.join(repr(g.name) for g in gates)}) routes to END "
                "or out of the loop"
                if gates
                else "it has no gate"
            )
            found.append(
                self.warn(
                    "inescapable-loop",
                    loop[0],
                    f"no gate can leave the loop {chain} (starting at node {{node}}): {why}; "
                    "it ends only when its values stop changing, else it raises "
                    "InfiniteLoopError",
                    "add END (or a node after the loop) to a gate's targets in the loop",
                )
            )
        return found


def _can_leave(gate: HyperNode, loop: set[str]) -> bool:
    """Whether a gate can end the loop: END or an outside node among its targets, a list
    decision (may be empty), or a route whose annotation lets it return None (no target)."""
    targets: list[str] = list(getattr(gate, "targets", ()))
    if any(t is END or t not in loop for t in targets):
        return True
    if getattr(gate, "multi_target", False):
        return True
    if isinstance(gate, RouteNode) and gate.fallback is None:
        return _admits_none(function_hints(gate.func).returns)
    return False


def _admits_none(annotation: object) -> bool:
    if annotation in (None, type(None), typing.Any):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_admits_none(a) for a in typing.get_args(annotation))
    return False


def returns_a_value(func: Callable[..., Any], is_generator: bool = False) -> bool:
    """Whether `func` returns something: a return annotation other than None, or (no
    annotation, not a generator) a ``return <value>`` in its own body."""
    returned = function_hints(func).returns
    if isinstance(returned, Unresolved):
        return False
    if returned is not MISSING:
        return returned not in (None, type(None))
    return not is_generator and _source_returns_value(func)


def _source_returns_value(func: Callable[..., Any]) -> bool:
    try:
        source = textwrap.dedent(inspect.getsource(inspect.unwrap(func)))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return False  # no source to read (builtins, REPL): say nothing rather than guess
    definition = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)), None
    )
    if definition is None:
        return False
    stack: list[ast.AST] = list(definition.body)
    while stack:
        current = stack.pop()
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue  # a nested scope's return is not this function's
        if isinstance(current, ast.Return) and current.value is not None:
            value = current.value
            if not (isinstance(value, ast.Constant) and value.value is None):
                return True
        stack.extend(ast.iter_child_nodes(current))
    return False
