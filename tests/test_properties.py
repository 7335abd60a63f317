"""Property tests: random DAGs mixing the four execution modes give the reference model's
values (tests/reference_model.py) on every runner and in every declaration order (the plan's
supersteps do not depend on it). Results are compared after materialising every generator,
consumers before producers. tests/test_codegen_reference.py holds compiled modules against the
same model.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reference_model import BONUS, Spec, dags, depths, expected_values, has_edges
from reference_model import materialise as _materialise

from hypergraph import AsyncRunner, Graph, SyncRunner, node


def _sum_sync(kwargs: dict[str, Any]) -> int:
    total = 0
    for value in kwargs.values():
        total += sum(value) if inspect.isgenerator(value) else value
    return total


async def _sum_async(kwargs: dict[str, Any]) -> int:
    total = 0
    for value in kwargs.values():
        if inspect.isasyncgen(value):
            total += sum([item async for item in value])
        elif inspect.isgenerator(value):
            total += sum(value)
        else:
            total += value
    return total


def _make_node(index: int, spec: Spec) -> Any:
    base = spec.base
    if spec.mode == "sync_function":

        def func(**kwargs: Any) -> Any:
            return base + _sum_sync(kwargs)

    elif spec.mode == "async_function":

        async def func(**kwargs: Any) -> Any:  # type: ignore[misc]
            await asyncio.sleep(0)
            return base + await _sum_async(kwargs)

    elif spec.mode == "sync_generator":

        def func(**kwargs: Any) -> Any:  # type: ignore[misc]
            total = base + _sum_sync(kwargs)
            yield total
            yield total + 1

    else:

        async def func(**kwargs: Any) -> Any:  # type: ignore[misc]
            total = base + await _sum_async(kwargs)
            yield total
            yield total + 1

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter(f"v{p}", keyword) for p in spec.parents]
    params = params or [inspect.Parameter("seed", keyword)]
    if spec.bonus:  # the runner must pass the default: **kwargs would not apply it
        params.append(inspect.Parameter("bonus", keyword, default=BONUS))
    func.__name__ = f"n{index}"
    func.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return node(func, f"v{index}")


def _run_sync(graph: Graph, seed: int, order: list[str]) -> dict[str, Any]:
    result = SyncRunner().run(graph, seed=seed)
    return asyncio.run(_materialise(result.values, order))


def _run_async(graph: Graph, seed: int, order: list[str], sync_nodes: str) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        result = await AsyncRunner(sync_nodes=sync_nodes).run(graph, seed=seed)  # type: ignore[arg-type]
        return await _materialise(result.values, order)

    return asyncio.run(go())


def _all_runs(graph: Graph, seed: int, order: list[str]) -> list[dict[str, Any]]:
    runs = [_run_async(graph, seed, order, "thread"), _run_async(graph, seed, order, "inline")]
    if not graph.has_async_nodes:
        runs.append(_run_sync(graph, seed, order))
    return runs


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(specs=dags(), seed=st.integers(min_value=-10, max_value=10))
def test_every_runner_gives_the_reference_values(specs: list[Spec], seed: int) -> None:
    event("graph with edges" if has_edges(specs) else "graph without edges")
    nodes = [_make_node(i, s) for i, s in enumerate(specs)]
    graph = Graph(nodes)
    order = [f"v{i}" for i in reversed(range(len(specs)))]
    expected = dict(sorted(expected_values(specs, seed).items()))
    for values in _all_runs(graph, seed, order):
        assert values == expected


@SETTINGS
@given(data=st.data(), specs=dags(), seed=st.integers(min_value=-10, max_value=10))
def test_declaration_order_does_not_change_plan_layers_or_values(
    data: st.DataObject, specs: list[Spec], seed: int
) -> None:
    nodes = [_make_node(i, s) for i, s in enumerate(specs)]
    shuffled = data.draw(st.permutations(nodes))
    original, reordered = Graph(nodes), Graph(shuffled)
    layers = [frozenset(step) for step in original.plan.supersteps]
    assert [frozenset(step) for step in reordered.plan.supersteps] == layers
    position = {n.name: i for i, n in enumerate(shuffled)}
    for step in reordered.plan.supersteps:  # within a superstep: declaration order
        assert list(step) == sorted(step, key=position.__getitem__)
    order = [f"v{i}" for i in reversed(range(len(specs)))]
    baseline = _all_runs(original, seed, order)
    for values in _all_runs(reordered, seed, order):
        assert values == baseline[0]


@SETTINGS
@given(specs=dags())
def test_superstep_is_longest_path_from_a_source(specs: list[Spec]) -> None:
    graph = Graph([_make_node(i, s) for i, s in enumerate(specs)])
    depth = depths(specs)
    assert [graph.plan.superstep_of(f"n{i}") for i in range(len(specs))] == depth
