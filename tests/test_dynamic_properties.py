"""Property tests of the dynamic engine (gates, cycles): both runners agree on random graphs,
and on plain DAGs the engine agrees with the flat superstep plan."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hypergraph import (
    END,
    AsyncRunner,
    FunctionNode,
    Graph,
    GraphConfigError,
    IfElseNode,
    RouteNode,
    SyncRunner,
)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _function(name: str, params: list[str], scale: int, shift: int) -> Any:
    body = " + ".join(params) if params else "0"
    source = f"def {name}({', '.join(params)}):\n    return (({body}) * {scale} + {shift}) % 23\n"
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    return namespace[name]


@st.composite
def node_specs(draw: st.DrawFn, back_edges: bool) -> list[tuple[str, list[str], int, int]]:
    """Function nodes f0..fn-1 with output vi; fi reads earlier outputs, x, and (if
    back_edges) maybe later outputs, which closes data cycles."""
    count = draw(st.integers(min_value=2, max_value=6))
    specs = []
    for i in range(count):
        pool = [f"v{j}" for j in range(count) if j != i and (back_edges or j < i)]
        params = draw(st.lists(st.sampled_from(pool), unique=True, max_size=3)) if pool else []
        if draw(st.booleans()) or not params:
            params.append("x")
        specs.append((f"f{i}", params, draw(st.integers(1, 5)), draw(st.integers(0, 7))))
    return specs


@st.composite
def gated_graphs(draw: st.DrawFn) -> Graph:
    """A random graph of function nodes and ifelse/route gates, possibly cyclic."""
    cyclic = draw(st.booleans())
    specs = draw(node_specs(back_edges=cyclic))
    names = [name for name, *_ in specs]
    nodes: list[Any] = [
        FunctionNode(_function(name, params, scale, shift), output_name=f"v{i}")
        for i, (name, params, scale, shift) in enumerate(specs)
    ]
    for g in range(draw(st.integers(min_value=1, max_value=3))):
        read = draw(st.sampled_from([f"v{i}" for i in range(len(specs))]))
        pool = [*names, END]
        kind = draw(st.sampled_from(["ifelse", "route", "multi"]))
        if kind == "ifelse":
            yes, no = draw(st.lists(st.sampled_from(pool), min_size=2, max_size=2, unique=True))
            func = _decider(f"g{g}", read, f"{read} % 2 == 0")
            nodes.append(IfElseNode(func, yes, no))
            continue
        targets = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        options = (
            [*targets, None]
            if kind == "route"
            else [targets[: k + 1] for k in range(len(targets))] + [[]]
        )
        func = _decider(f"g{g}", read, f"OPTIONS[{read} % {len(options)}]", {"OPTIONS": options})
        nodes.append(RouteNode(func, targets, multi_target=kind == "multi"))
    order = draw(st.permutations(nodes))
    entry = draw(st.sampled_from(names))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Graph(list(order), entrypoint=entry if cyclic else None)
    except GraphConfigError:
        assume(False)
        raise


def _decider(name: str, read: str, expression: str, extra: dict[str, Any] | None = None) -> Any:
    namespace: dict[str, Any] = dict(extra or {})
    exec(f"def {name}({read}):\n    return {expression}\n", namespace)
    return namespace[name]


def outcome(result: Any) -> tuple[Any, ...]:
    error = result.error
    detail = None if error is None else (type(error).__name__, str(error))
    return result.status, result.values, detail


def run_all(graph: Graph, inputs: dict[str, Any]) -> list[tuple[Any, ...]]:
    options: dict[str, Any] = {"max_iterations": 40, "error_handling": "continue"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = [SyncRunner().run(graph, inputs, **options)]
        for mode in ("thread", "inline"):
            runner = AsyncRunner(sync_nodes=mode)  # type: ignore[arg-type]
            results.append(asyncio.run(runner.run(graph, inputs, **options)))
    return [outcome(r) for r in results]


@SETTINGS
@given(graph=gated_graphs(), x=st.integers(min_value=0, max_value=30))
def test_runners_agree_on_gated_and_cyclic_graphs(graph: Graph, x: int) -> None:
    inputs = dict.fromkeys(graph.inputs.required, x)
    sync, threaded, inline = run_all(graph, inputs)
    assert sync == threaded == inline


@SETTINGS
@given(specs=node_specs(back_edges=False), x=st.integers(min_value=0, max_value=30))
def test_engine_matches_the_flat_plan_on_dags(specs: list[Any], x: int) -> None:
    """A gate routing only to END makes a DAG dynamic without changing what runs."""
    nodes = [
        FunctionNode(_function(name, params, scale, shift), output_name=f"v{i}")
        for i, (name, params, scale, shift) in enumerate(specs)
    ]
    flat = Graph(nodes)
    gated = Graph([*nodes, RouteNode(_decider("stop", "x", "END", {"END": END}), [END])])
    assert not flat.plan.is_dynamic
    assert gated.plan.is_dynamic
    expected = SyncRunner().run(flat, x=x).values
    for result in run_all(gated, {"x": x}):
        assert result[0] == run_all(flat, {"x": x})[0][0]
        assert {k: v for k, v in result[1].items() if k != "_stop"} == expected
