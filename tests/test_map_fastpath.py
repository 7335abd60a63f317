"""map() checks once and builds each item's state from a shared base (API.md 5.3-5.4).

These pin what that could break: items stay independent of each other, broadcast values are
shared or cloned exactly as asked, validation failures still fail every item (a fresh error
where a run makes one), a failure in the middle of a map stops or continues as before, and
each item keeps its own run id.
"""

from __future__ import annotations

import asyncio
import re
import threading
import warnings
from typing import Any

import pytest

from hypergraph import (
    END,
    AsyncRunner,
    Graph,
    GraphConfigError,
    MapResult,
    MissingInputError,
    RunStatus,
    SyncRunner,
    ifelse,
    node,
)


def both(graph: Graph, *args: Any, **kwargs: Any) -> list[MapResult]:
    """The same map() call on SyncRunner and AsyncRunner."""
    return [
        SyncRunner().map(graph, *args, **kwargs),
        asyncio.run(AsyncRunner().map(graph, *args, **kwargs)),
    ]


class Boom(Exception):
    pass


def chain_failing_at(bad: int) -> Graph:
    """x -> a -> b -> c; `a` fails on x == bad."""

    @node(output_name="a")
    def first(x: int) -> int:
        if x == bad:
            raise Boom(f"bad {x}")
        return x + 1

    @node(output_name="b")
    def second(a: int) -> int:
        return a * 10

    @node(output_name="c")
    def third(b: int) -> int:
        return b + 5

    return Graph([first, second, third], name="chain")


def test_a_failed_item_does_not_see_the_previous_items_outputs():
    for mr in both(chain_failing_at(2), x=[1, 2, 3], map_over="x", error_handling="continue"):
        assert [r.status for r in mr] == [
            RunStatus.COMPLETED,
            RunStatus.FAILED,
            RunStatus.COMPLETED,
        ]
        assert mr[0].values == {"a": 2, "b": 20, "c": 25}
        assert mr[1].values == {}  # not item 0's b and c
        assert mr[2].values == {"a": 4, "b": 40, "c": 45}
        failure = mr[1].failure
        assert failure is not None
        assert failure.item_index == 1
        assert failure.inputs == {"x": 2}
        assert failure.node_name == "first"
        assert mr[0].node_failures == ()
        assert mr[2].node_failures == ()


def test_raise_stops_at_the_failed_item_and_reraises_the_original_error():
    seen: list[int] = []

    @node(output_name="y")
    def record(x: int) -> int:
        seen.append(x)
        if x == 2:
            raise Boom("two")
        return x

    with pytest.raises(Boom, match="two") as info:
        SyncRunner().map(Graph([record]), x=[1, 2, 3, 4], map_over="x")
    assert seen == [1, 2]
    evidence = info.value.__hypergraph_failure__  # type: ignore[attr-defined]
    assert evidence.node_name == "record"


def test_broadcast_values_are_shared_without_clone():
    seen: list[Any] = []

    @node(output_name="out")
    def keep(x: int, bucket: list[int], config: dict[str, int]) -> int:
        seen.append((bucket, config))
        bucket.append(x)
        return len(bucket)

    bucket: list[int] = []
    config = {"k": 1}
    mr = SyncRunner().map(Graph([keep]), x=[1, 2, 3], bucket=bucket, config=config, map_over="x")
    assert mr["out"] == [1, 2, 3]
    assert bucket == [1, 2, 3]
    assert all(b is bucket and c is config for b, c in seen)


def test_clone_true_copies_every_broadcast_value_per_item():
    seen: list[Any] = []

    @node(output_name="out")
    def keep(x: list[int], bucket: list[int], config: dict[str, int]) -> int:
        seen.append((x, bucket, config))
        bucket.append(1)
        return len(bucket)

    rows = [[1], [2]]
    bucket: list[int] = []
    config = {"k": 1}
    graph = Graph([keep])
    for mr in both(graph, x=rows, bucket=bucket, config=config, map_over="x", clone=True):
        assert mr["out"] == [1, 1]
    assert bucket == []
    assert config == {"k": 1}
    buckets = [b for _, b, _ in seen]
    assert len({id(b) for b in buckets}) == len(buckets)
    assert all(c == config and c is not config for _, _, c in seen)
    assert seen[0][0] is rows[0]
    assert seen[1][0] is rows[1]


def test_clone_by_name_copies_only_those_names_mapped_ones_included():
    seen: list[Any] = []

    @node(output_name="out")
    def keep(x: list[int], bucket: list[int], config: dict[str, int]) -> int:
        seen.append((x, bucket, config))
        return 0

    rows = [[1], [2]]
    bucket: list[int] = []
    config = {"k": 1}
    SyncRunner().map(
        Graph([keep]), x=rows, bucket=bucket, config=config, map_over="x", clone=["x", "config"]
    )
    assert [x for x, _, _ in seen] == rows
    assert all(x is not row for (x, _, _), row in zip(seen, rows))
    assert all(b is bucket for _, b, _ in seen)
    assert all(c == config and c is not config for _, _, c in seen)


def test_clone_with_several_mapped_names_and_product_keeps_every_value_in_place():
    @node(output_name="out")
    def combine(a: int, b: str, extra: list[int], fixed: int) -> tuple[int, str, int, int]:
        extra.append(a)
        return (a, b, len(extra), fixed)

    graph = Graph([combine])
    zipped = SyncRunner().map(
        graph, a=[1, 2], b=["p", "q"], extra=[], fixed=7, map_over=["a", "b"], clone=["extra"]
    )
    assert zipped["out"] == [(1, "p", 1, 7), (2, "q", 1, 7)]
    product = SyncRunner().map(
        graph,
        {"fixed": 7, "b": ["p", "q"], "extra": [], "a": [1, 2]},
        map_over=["a", "b"],
        map_mode="product",
        clone=True,
    )
    assert product["out"] == [(1, "p", 1, 7), (1, "q", 1, 7), (2, "p", 1, 7), (2, "q", 1, 7)]


def test_a_value_that_cannot_be_cloned_stops_the_map_before_any_item_runs():
    ran: list[int] = []

    @node(output_name="out")
    def use(x: Any) -> int:
        ran.append(1)
        return 0

    lock = threading.Lock()
    for runner_map in (SyncRunner().map, lambda *a, **k: asyncio.run(AsyncRunner().map(*a, **k))):
        with pytest.raises(GraphConfigError, match="'x' cannot be deep-copied"):
            runner_map(Graph([use]), x=[1, 2, lock], map_over="x", clone=["x"])
    with pytest.raises(GraphConfigError, match="'nope'"):
        SyncRunner().map(Graph([use]), x=[1], map_over="x", clone=["nope"])
    assert ran == []


def test_missing_input_fails_every_item_with_its_own_error():
    ran: list[int] = []

    @node(output_name="y")
    def need(x: int, needed: int) -> int:
        ran.append(x)
        return x

    graph = Graph([need])
    for mr in both(graph, x=[1, 2, 3], map_over="x", error_handling="continue"):
        assert mr.status is RunStatus.FAILED
        errors = [r.error for r in mr]
        assert all(isinstance(e, MissingInputError) and "'needed'" in str(e) for e in errors)
        assert len({id(e) for e in errors}) == 3
        assert all(r.values == {} and r.node_failures == () for r in mr)
    with pytest.raises(MissingInputError, match="needed"):
        SyncRunner().map(graph, x=[1, 2], map_over="x")
    assert ran == []
    empty = SyncRunner().map(graph, x=[], map_over="x")  # no item, nothing to be missing for
    assert empty.status is RunStatus.COMPLETED
    assert len(empty) == 0


def test_an_input_produced_inside_fails_every_item_with_the_same_error():
    @node(output_name="a")
    def first(x: int) -> int:
        return x

    @node(output_name="b")
    def second(a: int) -> int:
        return a

    graph = Graph([first, second])
    for mr in both(graph, {"x": [1, 2], "a": 5}, map_over="x", error_handling="continue"):
        [one, two] = mr
        assert isinstance(one.error, ValueError)
        assert "produced inside" in str(one.error)
        assert one.error is two.error
    with pytest.raises(ValueError, match="produced inside"):
        SyncRunner().map(graph, {"x": [1, 2], "a": 5}, map_over="x")


def test_unknown_value_warns_once_per_map_not_per_item():
    @node(output_name="y")
    def ident(x: int) -> int:
        return x

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mr = SyncRunner().map(Graph([ident]), {"x": [1, 2, 3], "stray": 0}, map_over="x")
    assert mr["y"] == [1, 2, 3]
    assert [str(w.message).split(" is not")[0] for w in caught] == ["value 'stray'"]
    assert caught[0].filename == __file__  # pointed at the caller


def test_a_broadcast_value_overrides_a_bind_in_every_item():
    @node(output_name="y")
    def scale(x: int, factor: int) -> int:
        return x * factor

    graph = Graph([scale]).bind(factor=2)
    assert SyncRunner().map(graph, x=[1, 2], map_over="x")["y"] == [2, 4]
    with pytest.warns(UserWarning, match="bound"):
        mr = SyncRunner().map(graph, x=[1, 2], factor=10, map_over="x")
    assert mr["y"] == [10, 20]


def test_inputs_read_from_the_given_values_follow_each_item():
    """An unwired input named like another node's output reads only the item's given value."""

    @node(output_name="x")
    def make() -> int:
        return 100

    @node(output_name="out")
    def use(x: int = 0) -> int:
        return x * 10

    graph = Graph([make, use], edges=[])
    for mr in both(graph, x=[1, 2, 3], map_over="x"):
        assert mr["out"] == [10, 20, 30]
        assert mr["x"] == [100, 100, 100]


def gated() -> Graph:
    @ifelse(when_true="double", when_false=END)
    def positive(x: int) -> bool:
        return x > 0

    @node(output_name="y")
    def double(x: int) -> int:
        return 2 * x

    return Graph([positive, double], name="gated")


def test_on_missing_error_fails_only_the_item_that_misses_its_output():
    for mr in both(
        gated(),
        x=[1, -1, 2],
        map_over="x",
        select="y",
        on_missing="error",
        error_handling="continue",
    ):
        assert [r.status for r in mr] == [
            RunStatus.COMPLETED,
            RunStatus.FAILED,
            RunStatus.COMPLETED,
        ]
        assert mr["y"] == [2, None, 4]
        assert isinstance(mr[1].error, ValueError)
        assert "['y'] were not produced" in str(mr[1].error)
        assert mr[1].values == {}


def test_on_missing_error_under_raise_stops_the_map_there():
    seen: list[int] = []

    @node(output_name="y")
    def ident(x: int) -> int:
        seen.append(x)
        return x

    @ifelse(when_true="ident", when_false=END)
    def positive(x: int) -> bool:
        return x > 0

    graph = Graph([positive, ident])
    with pytest.raises(ValueError, match="not produced"):
        SyncRunner().map(graph, x=[1, -1, 2], map_over="x", select="y", on_missing="error")
    assert seen == [1]


def test_on_missing_warn_warns_for_each_item_that_misses():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mr = SyncRunner().map(gated(), x=[1, -1, -2], map_over="x", select="y", on_missing="warn")
    assert mr.status is RunStatus.COMPLETED
    assert mr["y"] == [2, None, None]
    assert len([w for w in caught if "were not produced" in str(w.message)]) == 2


def test_every_item_has_its_own_run_id():
    mrs = both(chain_failing_at(3), x=list(range(6)), map_over="x", error_handling="continue")
    ids = [r.run_id for mr in mrs for r in mr] + [mr.run_id for mr in mrs]
    assert all(re.fullmatch(r"run-[0-9a-f]+", i) for i in ids)
    assert len(set(ids)) == len(ids)
    again = SyncRunner().map(chain_failing_at(3), x=[1, 2], map_over="x")
    assert not {r.run_id for r in again} & set(ids)


def test_item_results_are_independent_objects():
    mr = SyncRunner().map(chain_failing_at(-1), x=[1, 1], map_over="x")
    assert mr[0].values == mr[1].values
    assert mr[0].values is not mr[1].values
    mr[0].values["a"] = "changed"
    assert mr[1]["a"] == 2


def test_indexing_not_iteration_in_zip_mode():
    class Indexed:
        """len() and indexing, iteration gives something else."""

        def __len__(self) -> int:
            return 2

        def __getitem__(self, i: int) -> int:
            if not 0 <= i < 2:
                raise IndexError(i)
            return (i + 1) * 100

        def __iter__(self) -> Any:
            return iter([-1, -1])

    @node(output_name="y")
    def ident(x: int) -> int:
        return x

    assert SyncRunner().map(Graph([ident]), x=Indexed(), map_over="x")["y"] == [100, 200]


def test_graph_node_map_over_clones_and_broadcasts_as_before():
    @node(output_name="out")
    def keep(x: int, bucket: list[int]) -> int:
        bucket.append(x)
        return len(bucket)

    inner = Graph([keep], name="inner")
    shared_bucket: list[int] = []
    shared = Graph([inner.as_node().map_over("x")])
    assert SyncRunner().run(shared, x=[1, 2, 3], bucket=shared_bucket)["out"] == [1, 2, 3]
    assert shared_bucket == [1, 2, 3]
    cloned_bucket: list[int] = []
    cloned = Graph([inner.as_node().map_over("x", clone=True)])
    assert SyncRunner().run(cloned, x=[1, 2, 3], bucket=cloned_bucket)["out"] == [1, 1, 1]
    assert cloned_bucket == []
