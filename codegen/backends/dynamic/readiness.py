"""R4's ready predicate of every node of a gated or cyclic graph, as boolean terms over the
state locals of the body plan (``DynamicState``'s readiness, written out). The step loop writes
them into run(); the state explorer evaluates them to enumerate the reachable states."""

from __future__ import annotations

from codegen.backends.dynamic.body_plan import BodyPlan
from codegen.render.boolexpr import Term, chain, negate
from hypergraph.plan import DynamicNode

__all__ = ["Readiness"]


class Readiness:
    """The ready terms of `body`'s nodes."""

    def __init__(self, body: BodyPlan) -> None:
        self.b = body
        self.plan = body.plan

    def n(self, *key: str) -> str:
        return self.b.names[":".join(key)]

    def activated(self, node: DynamicNode, stack: tuple[str, ...] = ()) -> Term:
        """4.3 as an expression ('True' when uncontrolled); mirrors DynamicState._activated
        (its memo's guard against loops of gates is the `stack`)."""
        if not node.controllers:
            return "True"
        parts: list[Term] = []
        for gate_name in node.controllers:
            parts.append(self.n("pick", gate_name, node.name))
            gate = self.plan.nodes[gate_name]
            assert gate.gate is not None
            if not gate.gate.default_open or not (node.entry or not self.plan.has_entrypoints):
                continue
            inner = "False" if gate_name in stack else self.activated(gate, (*stack, node.name))
            ran = [f"not {self.n('ran', gate_name)}", f"not {self.n('ran', node.name)}"]
            parts.append(chain("and", [*ran, inner]))
        return chain("or", parts)

    def ready_term(self, node: DynamicNode) -> Term:
        """R4 (a)-(e) as one `and` chain, the cheap "needs to run" test (e) first (a node
        with wait_for signals is always due: its signals' freshness (d) comes first)."""
        ran = self.n("ran", node.name)
        terms: list[Term]
        if node.signals:
            terms = [
                f"{self.n('ver', signal)} > {self.n('seen', node.name, signal)}"
                for signal in node.signals
            ]
        else:
            stale: list[Term] = [f"not {ran}"]
            stale += [self.n("pick", g, node.name) for g in node.controllers]
            stale += [
                f"{self.n('ver', value)} > {self.n('seen', node.name, value)}"
                for value in node.watch
            ]
            terms = [chain("or", stale)]
        if node.gate is not None and f"ended:{node.name}" in self.b.names:
            terms.append(f"not {self.n('ended', node.name)}")
        if node.controllers:
            terms.append(self.activated(node))
        preds: list[Term] = []
        for pred in node.preds:
            active = self.activated(self.plan.nodes[pred])
            preds.append(chain("or", [self.n("ran", pred), negate(active)]))
        if preds and node.entry:  # an entrypoint's first run skips (b)
            terms.append(chain("or", [f"not {ran}", chain("and", preds)]))
        else:
            terms += preds
        terms += [self.n("has", value) for value in node.needs if f"has:{value}" in self.b.names]
        return chain("and", terms)
