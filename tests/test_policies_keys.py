"""Issue 15, cache keys: the documented encoding is deterministic across processes (whatever
the string hash seed), tells apart values that differ in value or type, and refuses values it
cannot encode safely, naming where inside the value the problem is."""

from __future__ import annotations

import array
import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import pathlib
import subprocess
import sys
import uuid
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypergraph import END, CacheKeyError
from hypergraph.policies import KEY_VERSION, cache_key


def key(value: Any, definition: str = "d") -> str:
    return cache_key("node", definition, {"v": value})


class Colour(enum.Enum):
    RED = 1
    BLUE = 2


class Point(NamedTuple):
    x: int
    y: int


@dataclasses.dataclass
class Config:
    name: str
    sizes: list[int]


class Tagged:
    def __init__(self, tag: str) -> None:
        self.tag = tag

    def __cache_key__(self) -> Any:
        return ("Tagged", self.tag)


SUPPORTED: list[Any] = [
    None,
    True,
    0,
    -(2**100),
    1.5,
    float("nan"),
    -0.0,
    2j,
    "text",
    "\udc80",
    b"bytes",
    (1, "a"),
    [1, [2, [3]]],
    {"b": 1, "a": 2},
    {3, 1, 2},
    frozenset({"x"}),
    Colour.RED,
    Colour,
    Point(1, 2),
    collections.OrderedDict(a=1),
    Config("c", [1, 2]),
    datetime.datetime(2024, 1, 2, 3, 4, tzinfo=datetime.timezone.utc),
    datetime.date(2024, 1, 2),
    datetime.timedelta(seconds=3),
    decimal.Decimal("1.10"),
    fractions.Fraction(1, 3),
    uuid.UUID(int=5),
    pathlib.PurePosixPath("/a/b"),
    bytearray(b"ab"),
    array.array("d", [1.0, 2.0]),
    Tagged("t"),
    END,
]


@pytest.mark.parametrize("value", SUPPORTED, ids=[type(v).__name__ for v in SUPPORTED])
def test_supported_values_have_a_stable_key(value: Any) -> None:
    assert key(value) == key(value)
    assert len(key(value)) == 64


def test_all_supported_values_have_distinct_keys() -> None:
    keys = [key(v) for v in SUPPORTED]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (1, 1.0),
        (1, True),
        (0, False),
        (0.0, -0.0),
        ("1", b"1"),
        ((1, 2), [1, 2]),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # order: a function may iterate it
        (Point(1, 2), (1, 2)),
        ("END", END),
        ({1}, frozenset({1})),
        (decimal.Decimal("1.1"), decimal.Decimal("1.10")),
        (Config("c", [1]), Config("c", [2])),
        ([["a"], "b"], [["a", "b"]]),
        (["ab"], ["a", "b"]),
    ],
)
def test_values_that_differ_in_value_type_or_order_differ_in_key(a: Any, b: Any) -> None:
    assert key(a) != key(b)


def test_the_definition_and_every_argument_are_in_the_key() -> None:
    base = cache_key("n", "def-1", {"a": 1, "b": 2})
    assert cache_key("n", "def-1", {"b": 2, "a": 1}) == base  # by parameter name
    assert cache_key("n", "def-2", {"a": 1, "b": 2}) != base
    assert cache_key("n", "def-1", {"a": 1, "b": 3}) != base
    assert cache_key("n", "def-1", {"a": 1, "c": 2}) != base
    assert cache_key("n", "def-1", {"a": 1}) != base
    assert KEY_VERSION == "hypergraph-cache-key/1"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.binary(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=3), children, max_size=4)
        | st.frozensets(st.integers(), max_size=4)
    ),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down, dicts in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a.hex() == b.hex()
    return bool(a == b)


@given(json_values, json_values)
@settings(max_examples=300, deadline=None)
def test_keys_are_equal_exactly_when_values_are_the_same(a: Any, b: Any) -> None:
    assert (key(a) == key(b)) == same(a, b)


@given(json_values)
@settings(max_examples=100, deadline=None)
def test_a_value_and_its_copy_have_one_key(value: Any) -> None:
    import copy

    assert key(value) == key(copy.deepcopy(value))


SCRIPT = """
import sys
from hypergraph.policies import cache_key
print(cache_key("n", "d", {"s": {"alpha", "beta", "gamma", "delta"}, "d": {"k": {"x", "y"}}}))
"""


@pytest.mark.slow
def test_keys_are_the_same_in_processes_with_other_hash_seeds() -> None:
    outputs = {
        subprocess.run(
            [sys.executable, "-c", SCRIPT],
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            check=True,
            timeout=120,
        ).stdout.strip()
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1
    assert outputs == {
        cache_key("n", "d", {"s": {"alpha", "beta", "gamma", "delta"}, "d": {"k": {"x", "y"}}})
    }


class Opaque:
    pass


def gen() -> Any:
    yield 1


cyclic: list[Any] = [1]
cyclic.append(cyclic)


@pytest.mark.parametrize(
    ("value", "where", "what"),
    [
        (Opaque(), "v is", "test_policies_keys.Opaque object"),
        ([1, {"k": Opaque()}], "v[1]['k'] is", "Opaque object"),
        (gen(), "v is", "builtins.generator object"),
        (lambda: 1, "v is", "builtins.function object"),
        (cyclic, "v[1] is", "contains itself"),
        ({Opaque()}, "v (the item", "Opaque object"),
        (Config("c", [Opaque()]), "v.sizes[0] is", "Opaque object"),
        (array.array("u", "ab"), None, None),  # a buffer of characters: fine
    ],
)
def test_values_that_cannot_be_keyed_are_refused_with_their_path(
    value: Any, where: str | None, what: str | None
) -> None:
    if where is None:
        assert len(key(value)) == 64
        return
    with pytest.raises(CacheKeyError) as info:
        key(value)
    message = str(info.value)
    assert message.startswith("node 'node', parameter 'v': ")
    assert where in message
    assert what is not None
    assert what in message
    assert info.value.parameter == "v"


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    value: Any = []
    for _ in range(150):
        value = [value]
    with pytest.raises(CacheKeyError, match="nested deeper than 100 levels"):
        key(value)
