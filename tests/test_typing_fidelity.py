"""Issue 18 rules of the compatibility engine, one reference point each (mypy's verdicts)."""

from __future__ import annotations

import collections
import enum
import numbers
import sys
import typing
from collections.abc import Callable, Hashable
from typing import Literal, SupportsAbs

import pytest
import typing_extensions as te
from typing_fixtures_fidelity import (
    B,
    Base,
    ClassPoint,
    Config,
    ConfigView,
    FrozenPoint,
    Getter,
    HasClassX,
    HasX,
    IntGetter,
    Json,
    LabelExtra,
    Labeller,
    LabelNarrow,
    LabelWide,
    OnInt,
    OnIntPositional,
    Pairs,
    Point,
    PropPoint,
    ReadsX,
    RenamedFormatter,
    StrGetter,
)
from typing_fixtures_fidelity import Formatter as CallableClass

from hypergraph._typing import is_type_compatible


class Only(enum.Enum):
    ONE = 1


# ``tuple[int, *tuple[str, ...]]`` is 3.11 syntax; on 3.10 the Unpack spelling stands in for it
STAR: object = (
    eval("tuple[int, *tuple[str, ...]]")
    if sys.version_info >= (3, 11)
    else tuple[int, te.Unpack[tuple[str, ...]]]
)


CASES: list[tuple[object, object, bool]] = [
    # callables and callback protocols: names of __call__ parameters matter
    (Callable[[int], str], OnIntPositional, True),
    (Callable[[int], str], OnInt, False),
    (CallableClass, Callable[[int], str], True),
    (CallableClass, Callable[[str], str], False),
    (CallableClass, OnInt, True),
    (RenamedFormatter, OnInt, False),
    (RenamedFormatter, OnIntPositional, True),
    (OnInt, Callable[[int], str], True),
    (type[int], OnInt, False),  # a class object constructs an int, not a str
    # protocols member by member
    (Point, HasX, True),
    (FrozenPoint, HasX, False),  # a frozen field is read-only
    (FrozenPoint, ReadsX, True),
    (PropPoint, HasX, False),
    (PropPoint, ReadsX, True),
    (ClassPoint, HasClassX, True),
    (Point, HasClassX, False),
    (HasX, ReadsX, True),  # protocol to protocol
    (ReadsX, HasX, False),
    (LabelWide, Labeller, True),  # parameters contravariant, names ignored outside __call__
    (LabelNarrow, Labeller, False),
    (LabelExtra, Labeller, False),
    (IntGetter, Getter[float], True),
    (StrGetter, Getter[int], False),
    (float, SupportsAbs[int], False),
    (int, SupportsAbs[int], True),
    # aliases
    (dict[str, Json], Json, True),
    (list[Json], Json, True),
    (dict[str, int], Json, False),  # dict is invariant
    (Json, Json, True),
    (Pairs[int], list[tuple[int, int]], True),
    (Pairs[str], list[tuple[int, int]], False),
    # unpacked tuples, from either module
    (tuple[int, str, str], STAR, True),
    (tuple[int], STAR, True),
    (tuple[int, int], STAR, False),
    (STAR, tuple[int, te.Unpack[tuple[str, ...]]], True),
    (tuple[int, te.Unpack[tuple[str, ...]]], tuple[int, str], False),
    (STAR, tuple[object, ...], True),
    # hashability as typeshed sees it
    (Point, Hashable, True),  # eq=True dataclass: __hash__ is None at run time only
    (list[int], Hashable, False),
    (collections.Counter[str], Hashable, False),
    (collections.deque[int], Hashable, False),
    (numbers.Number, Hashable, True),
    (numbers.Real, Hashable, False),
    # the long tail
    (Only, Literal[Only.ONE], False),
    (Literal[Only.ONE], Only, True),
    (ConfigView, Config, False),  # a read-only item for a writable one
    (Config, ConfigView, True),
    (te.LiteralString, str, True),
    (te.Never, int, True),
    (int, te.Never, False),
    (list[int], typing.Sequence[complex], True),
    (int, B, False),  # a string bound, resolved in the TypeVar's module
    (Base, B, True),
]


@pytest.mark.parametrize(("produced", "expected", "accepted"), CASES)
def test_fidelity_rule(produced: object, expected: object, accepted: bool) -> None:
    assert is_type_compatible(produced, expected) is accepted


@pytest.mark.skipif(sys.version_info < (3, 12), reason="the type statement is 3.12 syntax")
def test_type_statement_alias_is_unwrapped() -> None:
    namespace: dict[str, object] = {}
    exec("type Vector = list[float]\ntype Tree = int | list[Tree]", namespace)
    vector, tree = namespace["Vector"], namespace["Tree"]
    assert is_type_compatible(list[float], vector)
    assert not is_type_compatible(list[int], vector)
    assert is_type_compatible(list[list[int]], tree)
    assert not is_type_compatible(list[str], tree)
