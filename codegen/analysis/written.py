"""Which values every completed run of a graph surely holds at the end (a sound
under-estimate): a nested graph run once may not leave an output unwritten, since a compiled
parent cannot express a missing value."""

from __future__ import annotations

from hypergraph import Graph
from hypergraph.nodes.gate import END, IfElseNode
from hypergraph.plan import DynamicPlan, wiring_of

__all__ = ["surely_written"]


def surely_written(graph: Graph) -> set[str]:
    """Names every completed run of `graph` holds at the end (a sound under-estimate).

    A DAG writes every output. With gates, a node surely runs when no gate controls it (or
    it is an entrypoint its default-open gates let through first), every predecessor surely
    runs, every value it needs is an input or surely written, and each signal it waits for
    has an emitter that surely runs; it may still run late, but it runs. A value both
    branches of a surely-run ifelse write is surely written too.
    """
    spec = graph.inputs
    present = set(spec.required) | set(spec.bound)
    plan = wiring_of(graph).dynamic
    if not isinstance(plan, DynamicPlan):
        return present | set(wiring_of(graph).produced)
    sure: set[str] = set()
    written = set(present)
    changed = True
    while changed:
        changed = False
        for record in plan.nodes.values():
            if record.name in sure:
                continue
            if any(not set(plan.emitters.get(signal, ())) & sure for signal in record.signals):
                continue  # a waiter runs once some surely-run node has emitted each signal
            if record.controllers:
                gates = [plan.nodes[g].gate for g in record.controllers]
                opened = all(gate is not None and gate.default_open for gate in gates)
                first = record.entry and plan.has_entrypoints
                if not (opened and first and set(record.needs) <= present):
                    continue
            if not record.entry and not set(record.preds) <= sure:  # an entry skips R4(b)
                continue
            if not set(record.needs) <= written:
                continue
            sure.add(record.name)
            written.update(record.step.outputs)
            changed = True
        both = _both_branches(plan, sure, written) - written
        if both:
            written |= both
            changed = True
    return written


def _both_branches(plan: DynamicPlan, sure: set[str], written: set[str]) -> set[str]:
    """Values that both targets of a surely-run ifelse write, when each target, once picked,
    surely runs (no other gate controls it, its predecessors surely run, its needs are
    surely written): one branch or the other writes them."""
    found: set[str] = set()
    for name in sure:
        gate = plan.nodes[name].gate
        if not isinstance(gate, IfElseNode) or END in (gate.when_true, gate.when_false):
            continue
        outputs = []
        for target in (gate.when_true, gate.when_false):
            record = plan.nodes.get(target)
            if (
                record is None
                or record.controllers != (name,)
                or record.signals
                or not set(record.preds) <= sure
                or not set(record.needs) <= written
            ):
                break
            outputs.append(set(record.step.outputs))
        else:
            found |= outputs[0] & outputs[1]
    return found
