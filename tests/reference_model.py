"""The reference model of random DAGs, shared by the runner property tests
(tests/test_properties.py) and the compiled-module reference tests
(tests/test_codegen_reference.py). It does not read the plan: values, the order of calls and
the failure a run reports all follow from the node list alone.

Each node `n{i}` outputs `v{i}` = base_i + (sum of its inputs), where an input fed by a
generator counts the sum of its items; source nodes read the graph input `seed`, and some nodes
also read the defaulted input `bonus`. Functions return that total; generators yield `total`
then `total + 1`. A failing node raises ``ValueError("n{i} failed on {total}")``. A generator
feeds at most one consumer (a shared one-shot iterator would be raced by concurrent consumers),
and only async nodes consume async generators.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

BONUS = 3
MODES = ("sync_function", "async_function", "sync_generator", "async_generator")


@dataclass(frozen=True)
class Spec:
    """One random node: its mode, the indices it reads from, a constant, whether it also
    reads the optional graph input `bonus` (default BONUS in every reader), and whether it
    raises (functions only)."""

    mode: str
    parents: tuple[int, ...]
    base: int
    bonus: bool = False
    fails: bool = False


@st.composite
def dags(draw: st.DrawFn, failing: bool = False) -> list[Spec]:
    """Random DAGs, biased towards connected shapes: a node that can read an earlier one does
    so nine times in ten (an unbiased draw left about half the graphs without an edge)."""
    count = draw(st.integers(min_value=1, max_value=7))
    specs: list[Spec] = []
    consumed: set[int] = set()
    for _i in range(count):
        mode = draw(st.sampled_from(MODES))
        candidates = [
            j
            for j, other in enumerate(specs)
            if not (other.mode.endswith("generator") and j in consumed)
            and not (other.mode == "async_generator" and not mode.startswith("async"))
        ]
        parents: tuple[int, ...] = ()
        if candidates:
            least = 1 if draw(st.integers(0, 9)) < 9 else 0
            parents = tuple(
                draw(st.lists(st.sampled_from(candidates), unique=True, min_size=least, max_size=3))
            )
        consumed.update(parents)
        base = draw(st.integers(min_value=-5, max_value=5))
        fails = failing and mode.endswith("function") and draw(st.integers(0, 3)) == 0
        specs.append(Spec(mode, parents, base, draw(st.booleans()), fails))
    return specs


def has_edges(specs: list[Spec]) -> bool:
    return any(spec.parents for spec in specs)


def totals(specs: list[Spec], seed: int) -> list[int]:
    """Each node's total (what a function returns, a generator's first item)."""
    out: list[int] = []
    for spec in specs:
        inputs = 0
        for p in spec.parents:
            parent = out[p]
            inputs += 2 * parent + 1 if specs[p].mode.endswith("generator") else parent
        bonus = BONUS if spec.bonus else 0
        out.append(spec.base + bonus + (inputs if spec.parents else seed))
    return out


def expected_values(specs: list[Spec], seed: int) -> dict[str, Any]:
    """What every back end must produce (generators materialised, consumers first)."""
    total = totals(specs, seed)
    consumed = {p for s in specs for p in s.parents}
    values: dict[str, Any] = {}
    for i, spec in enumerate(specs):
        if not spec.mode.endswith("generator"):
            values[f"v{i}"] = total[i]
        else:
            values[f"v{i}"] = [] if i in consumed else [total[i], total[i] + 1]
    return values


def depths(specs: list[Spec]) -> list[int]:
    """The superstep of each node: the longest path from a source."""
    depth: list[int] = []
    for spec in specs:
        depth.append(1 + max((depth[p] for p in spec.parents), default=-1))
    return depth


def call_order(specs: list[Spec]) -> list[str]:
    """The order in which a sequential back end calls the function nodes: superstep by
    superstep, declaration order within one (generator bodies run when consumed)."""
    depth = depths(specs)
    order = sorted(range(len(specs)), key=lambda i: (depth[i], i))
    return [f"n{i}" for i in order if specs[i].mode.endswith("function")]


def expected_failures(specs: list[Spec], seed: int) -> list[tuple[str, str]]:
    """(node, message) of the failures a run may report, the sequential back end's first:
    the failing nodes of the earliest superstep that has any, in declaration order (nodes
    after a failure never run, so no later failure can be reported)."""
    depth = depths(specs)
    failing = [i for i, spec in enumerate(specs) if spec.fails]
    if not failing:
        return []
    first = min(depth[i] for i in failing)
    total = totals(specs, seed)
    return [(f"n{i}", f"n{i} failed on {total[i]}") for i in failing if depth[i] == first]


async def materialise(values: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """Values with generators turned into lists, drained in `order` (consumers before
    producers), returned sorted by name."""
    out: dict[str, Any] = {}
    for name in order:
        value = values[name]
        if inspect.isasyncgen(value):
            value = [item async for item in value]
        elif inspect.isgenerator(value):
            value = list(value)
        out[name] = value
    return {name: out[name] for name in sorted(out)}


def module_source(specs: list[Spec]) -> str:
    """A module defining node functions n0.. for `specs` (importable, so compilable): each
    function logs its name to LOG when called, then computes its total."""
    lines = [
        "from collections.abc import AsyncIterator, Iterator",
        "",
        "LOG: list[str] = []",
        "",
    ]
    for i, spec in enumerate(specs):
        params: list[str] = []
        terms: list[str] = [str(spec.base)]
        for p in spec.parents:
            mode = specs[p].mode
            if mode == "sync_generator":
                params.append(f"v{p}: Iterator[int]")
                terms.append(f"sum(v{p})")
            elif mode == "async_generator":
                params.append(f"v{p}: AsyncIterator[int]")
                terms.append(f"sum([item async for item in v{p}])")
            else:
                params.append(f"v{p}: int")
                terms.append(f"v{p}")
        if not spec.parents:
            params.append("seed: int")
            terms.append("seed")
        if spec.bonus:
            params.append(f"bonus: int = {BONUS}")
            terms.append("bonus")
        is_async = spec.mode.startswith("async")
        generator = spec.mode.endswith("generator")
        returns = {
            (False, False): "int",
            (True, False): "int",
            (False, True): "Iterator[int]",
            (True, True): "AsyncIterator[int]",
        }[is_async, generator]
        lines.append(f"{'async ' if is_async else ''}def n{i}({', '.join(params)}) -> {returns}:")
        lines.append(f"    LOG.append('n{i}')")
        lines.append(f"    total = {' + '.join(terms)}")
        if spec.fails:
            lines.append(f"    raise ValueError(f'n{i} failed on {{total}}')")
        elif generator:
            lines += ["    yield total", "    yield total + 1"]
        else:
            lines.append("    return total")
        lines.append("")
    return "\n".join(lines) + "\n"
