"""Issue 12, item 8: `definition_hash` is cached, stable across processes, and changes whenever
what a node computes could change."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hypergraph import END, FunctionNode, Graph, IfElseNode, RouteNode, node


def plain(x: int) -> int:
    return x + 1


def other(x: int) -> int:
    return x + 2


def with_default(x: int, k: int = 2) -> int:
    return x * k


def make_scaled(factor: Any) -> Any:
    def scaled(x: int) -> int:
        return x * factor  # type: ignore[no-any-return]

    return scaled


class Model:
    def __init__(self, temperature: float, tags: set[str]) -> None:
        self.temperature = temperature
        self.tags = tags

    def answer(self, x: int) -> str:
        return f"{x} at {self.temperature}"


class Slotted:
    __slots__ = ("level",)

    def __init__(self, level: int) -> None:
        self.level = level

    def __call__(self, x: int) -> int:
        return x + self.level


def h(func: Any, output: str = "y", **kw: Any) -> str:
    return FunctionNode(func, output_name=output, **kw).definition_hash


def test_the_same_definition_gives_the_same_hash() -> None:
    assert h(plain) == h(plain)
    assert h(make_scaled(3)) == h(make_scaled(3))
    assert h(Model(0.1, {"a", "b"}).answer) == h(Model(0.1, {"b", "a"}).answer)
    assert len(h(plain)) == 64


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (plain, other),  # source
        (make_scaled(3), make_scaled(4)),  # closure value
        (make_scaled([1, 2]), make_scaled([1, 3])),  # a nested closure value
        (Model(0.1, set()).answer, Model(0.9, set()).answer),  # bound instance state
        (Model(0.1, {"x"}).answer, Model(0.1, {"y"}).answer),
        (Slotted(1), Slotted(2)),  # a callable object's __slots__
        (functools.partial(with_default, k=2), functools.partial(with_default, k=3)),
    ],
    ids=["source", "closure", "nested-closure", "instance", "instance-set", "slots", "partial"],
)
def test_what_the_function_computes_changes_the_hash(first: Any, second: Any) -> None:
    assert h(first) != h(second)


class Unreadable:
    """A callable whose attributes cannot be read: it hashes by class, without failing."""

    def __getattribute__(self, name: str) -> Any:
        if name == "__dict__":
            raise RuntimeError("no state here")
        return object.__getattribute__(self, name)

    def __call__(self, x: int) -> int:
        return x


def test_unreadable_state_does_not_break_hashing() -> None:
    assert h(Unreadable()) == h(Unreadable())
    assert len(h(Unreadable())) == 64


def test_defaults_change_the_hash() -> None:
    namespace: dict[str, Any] = {}
    exec("def f(x, k=2):\n    return x * k", namespace)
    before = h(namespace["f"])
    namespace["f"].__defaults__ = (3,)
    assert h(namespace["f"]) != before


def test_name_and_renames_change_the_hash() -> None:
    base = node(plain, "y")
    variants = [
        base.with_name("renamed"),
        base.rename_inputs(x="z"),
        base.rename_outputs(y="w"),
        node(plain, "y", emit="done"),
        node(plain, "y", wait_for="go"),
    ]
    hashes = {base.definition_hash, *(v.definition_hash for v in variants)}
    assert len(hashes) == len(variants) + 1
    assert base.with_name("renamed").with_name("plain").definition_hash == base.definition_hash


def test_the_hash_is_computed_once_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    from hypergraph import hashing as _hashing

    calls: list[str] = []
    original = _hashing.digest

    def counting(parts: Any) -> str:
        calls.append("digest")
        return original(parts)

    monkeypatch.setattr("hypergraph.nodes.base.digest", counting)
    monkeypatch.setattr("hypergraph.graph.core.digest", counting)
    n = node(plain, "y")
    graph = Graph([n, node(other, "z").rename_inputs(x="y")])
    first = graph.definition_hash
    assert len(calls) == 3  # two nodes and the graph
    for _ in range(5):
        assert graph.definition_hash == first
        assert graph.bind(x=1).definition_hash == first  # binds are excluded (API 3.5)
        assert n.definition_hash == graph.nodes["plain"].definition_hash
    assert len(calls) == 3
    renamed = n.with_name("again")  # a new node: its own hash, computed on first use
    assert renamed.definition_hash != n.definition_hash
    assert len(calls) == 4


def test_gate_rules_change_the_hash() -> None:
    def decide(x: int) -> object:
        return "a"

    base = RouteNode(decide, ["a", "b"], name="g").definition_hash
    assert RouteNode(decide, ["a", "b"], name="g").definition_hash == base
    changed = [
        RouteNode(decide, ["a", "b", END], name="g"),
        RouteNode(decide, ["a", "b"], fallback="b", name="g"),
        RouteNode(decide, ["a", "b"], multi_target=True, name="g"),
        RouteNode(decide, ["a", "b"], default_open=False, name="g"),
        RouteNode(decide, ["a", "b"], name="h"),
    ]
    assert base not in {g.definition_hash for g in changed}
    # descriptions are documentation, not behaviour
    assert RouteNode(decide, {"a": "first", "b": "second"}, name="g").definition_hash == base
    assert IfElseNode(decide, "a", "b", name="g").definition_hash != base


@node(output_name="total")
def add(a: int, b: int) -> int:
    return a + b


@node(output_name="doubled")
def double(total: int) -> int:
    return 2 * total


def triple(total: int) -> int:
    return 3 * total


INNER = Graph([add, double], name="inner")


def test_graph_node_hash_covers_name_ports_mapping_and_inner_graph() -> None:
    base = INNER.as_node()
    variants = [
        INNER.as_node(name="other"),
        INNER.as_node(namespaced=True),
        INNER.as_node(namespaced=True).expose("a"),
        base.rename_inputs(a="left"),
        base.rename_outputs(doubled="twice"),
        base.map_over("a"),
        base.map_over("a", "b"),
        base.map_over("a", mode="product"),
        base.map_over("a", error_handling="continue"),
        base.map_over("a", clone=True),
        INNER.bind(b=1).as_node(),
        INNER.bind(b=2).as_node(),
        INNER.select("doubled").as_node(),
        Graph([add, double.with_name("twice")], name="inner").as_node(),
        Graph([add, FunctionNode(triple, "double", "doubled")], name="inner").as_node(),
    ]
    hashes = [v.definition_hash for v in variants]
    assert len({base.definition_hash, *hashes}) == len(variants) + 1
    assert INNER.as_node().definition_hash == base.definition_hash


SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import hashed_nodes as m
print(json.dumps(m.hashes()))
"""

MODULE = """
import enum, functools
from hypergraph import END, FunctionNode, Graph, RouteNode, node


class Colour(enum.Enum):
    RED = 1


class Settings:
    def __init__(self):
        self.tags = {"alpha", "beta", "gamma", "delta"}
        self.weights = {"b": 2.5, "a": 1.0, frozenset({"x", "y"}): (1, None)}
        self.colour = Colour.RED
        self.me = self  # a reference cycle

    def run(self, x: int) -> int:
        return x + len(self.tags)


def scaled(factor):
    def apply(x: int) -> int:
        return x * len(factor)
    return apply


def decide(x: int) -> object:
    return END


def hashes():
    nodes = [
        FunctionNode(Settings().run, name="method", output_name="y"),
        FunctionNode(scaled({"one", "two", "three"}), name="closure", output_name="z"),
        FunctionNode(functools.partial(scaled, {"p", "q"}), name="partial", output_name="w"),
        RouteNode(decide, ["after", END], name="gate"),
    ]
    graph = Graph(nodes[:3], name="g")
    after = node(lambda y: y, "after_y").with_name("after")
    outer = Graph([graph.as_node().map_over("x"), nodes[3], after], name="outer")
    return [n.definition_hash for n in nodes] + [graph.definition_hash, outer.definition_hash]
"""


def test_hashes_are_stable_across_processes(tmp_path: Path) -> None:
    (tmp_path / "hashed_nodes.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    outputs = []
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(tmp_path)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(set(eval(outputs[0]))) == 6  # six different hashes
