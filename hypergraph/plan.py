"""The planner: one immutable superstep schedule, read by both runners and the compiler."""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Plan", "build_plan", "plan_or_cycle"]


@dataclass(frozen=True, slots=True)
class Plan:
    """Supersteps of node names; within a superstep, declaration order.

    A node's superstep is the longest path to it from an active source, so every node runs
    after all of its producers and as early as possible.
    """

    supersteps: tuple[tuple[str, ...], ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        """Every planned node, in execution order."""
        return tuple(name for step in self.supersteps for name in step)

    def superstep_of(self, name: str) -> int:
        """Index of the superstep that runs `name`."""
        for index, step in enumerate(self.supersteps):
            if name in step:
                return index
        raise KeyError(name)


def build_plan(order: Sequence[str], edges: Iterable[tuple[str, str]]) -> Plan:
    """Layer the acyclic graph over `order` (declaration order) into supersteps.

    Raises graphlib.CycleError (with the cycle's path in `args[1]`) if the graph has a cycle.
    """
    index = {name: i for i, name in enumerate(order)}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name in order:
        sorter.add(name)
    for src, dst in edges:
        if src in index and dst in index:
            sorter.add(dst, src)
    sorter.prepare()
    supersteps: list[tuple[str, ...]] = []
    while sorter.is_active():
        ready = tuple(sorted(sorter.get_ready(), key=index.__getitem__))
        supersteps.append(ready)
        sorter.done(*ready)
    return Plan(tuple(supersteps))


def plan_or_cycle(order: Sequence[str], edges: Iterable[tuple[str, str]]) -> Plan | list[str]:
    """The Plan of a DAG, or a cycle's path (first node repeated at the end)."""
    try:
        return build_plan(order, edges)
    except graphlib.CycleError as exc:
        return list(reversed(exc.args[1]))
