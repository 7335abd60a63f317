"""Unit tests of ``is_type_compatible``: API.md 3.7 reference points and each rule of issue 3."""
# ruff: noqa: UP006, UP007, UP045  (old typing spellings are under test)

from __future__ import annotations

import collections
import typing
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Generator,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    Sized,
)
from collections.abc import Set as AbstractSet
from enum import Enum
from typing import (
    Annotated,
    Any,
    Generic,
    Literal,
    NamedTuple,
    NewType,
    Optional,
    ParamSpec,
    Protocol,
    TypedDict,
    TypeVar,
    Union,
)

import pytest

from hypergraph._typing import Compat, compatibility, is_type_compatible


class Movie(TypedDict):
    name: str
    year: int


class Film(TypedDict):
    name: str
    year: int


class Named(TypedDict):
    name: str


class Base:
    def greet(self) -> str:
        return "hi"


class Derived(Base):
    pass


class Other:
    pass


class Greeter(Protocol):
    def greet(self) -> str: ...


class HasName(Protocol):
    name: str


class WithName:
    def __init__(self) -> None:
        self.name = "x"


class Color(Enum):
    RED = 1
    BLUE = 2


class Pair(NamedTuple):
    x: int
    y: int


T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
TBound = TypeVar("TBound", bound=Base)
TNum = TypeVar("TNum", int, str)
P = ParamSpec("P")


class Box(Generic[T_co]):
    pass


class IntBox(Box[int]):
    pass


UserId = NewType("UserId", int)
AdminId = NewType("AdminId", UserId)

# (produced, expected): API.md 3.7 "Accepted"
API_ACCEPTED = [
    (int, float),
    (int, complex),
    (float, complex),
    (bool, int),
    (Any, int),
    (int, Any),
    (Literal["a"], str),
    (Literal["a"], Literal["a", "b"]),
    (Movie, Mapping[str, object]),
    (list[int], Sequence[float]),
    (list[Any], list[int]),
    (list[int], list[Any]),
    (list, list[int]),
    (list[int], list),
    (UserId, int),
    (tuple[int, int], tuple[int, ...]),
    (Generator[int, None, None], Iterator[int]),
    (Iterator[int], Iterable[int]),
    (AsyncGenerator[int, None], AsyncIterator[int]),
    (None, Optional[int]),
    (Derived, Base),
    (type[Derived], type[Base]),
    (Callable[[object], str], Callable[[int], str]),
    (Callable[..., Any], Callable[[int], str]),
    (str, Sequence[str]),
    (Annotated[int, "m"], int),
    (int, Annotated[int, "m"]),
]

# API.md 3.7 "Rejected"
API_REJECTED = [
    (object, int),
    (float, int),
    (int, bool),
    (list[int], list[float]),
    (Movie, dict[str, Any]),
    (Movie, Mapping[str, int]),
    (dict[str, Any], Movie),
    (int, UserId),
    (str, Literal["a"]),
    (tuple[int, ...], tuple[int, int]),
    (Iterator[int], AsyncIterator[int]),
    (AsyncIterator[int], Iterator[int]),
    (Iterator[int], list[int]),
    (Optional[int], int),
    (int | str, int),
    (set[int], frozenset[int]),
    (frozenset[int], set[int]),
    (Mapping[str, int], dict[str, int]),
    (Callable[[int], str], Callable[[object], str]),
    (Base, Derived),
    (Base, Other),
]

# more rules from issue 3, one line each
RULES_ACCEPTED = [
    (bool, float),  # promotion goes through int
    (bool, complex),
    (object, object),
    (int, object),
    (None, None),
    (None, object),
    (Literal[1], int),
    (Literal[True], int),
    (Literal[Color.RED], Color),
    (Color, Literal[Color.RED, Color.BLUE]),  # all members
    (bool, Literal[True, False]),
    (Literal["a", "b"], str),
    (AdminId, UserId),
    (AdminId, int),
    (UserId, float),
    (typing.List[int], list[int]),
    (list[int], typing.List[int]),
    (typing.Dict[str, int], dict[str, int]),
    (dict, dict[str, int]),
    (dict[str, int], Mapping[str, float]),
    (dict[str, int], Iterable[str]),
    (set[int], AbstractSet[float]),
    (frozenset[int], frozenset[float]),  # frozenset is covariant
    (collections.deque[int], Sequence[int]),
    (collections.OrderedDict[str, int], dict[str, int]),
    (collections.Counter[str], Mapping[str, int]),
    (str, Iterable[str]),
    (bytes, Sequence[int]),
    (tuple[()], tuple[int, ...]),
    (tuple[int, str], Sequence[int | str]),
    (tuple[int, str], tuple[object, ...]),
    (tuple, tuple[int, int]),
    (tuple[Any, ...], tuple[int, int]),
    (Pair, tuple[int, int]),
    (Pair, tuple[int, ...]),
    (int, int | str),
    (int | str, int | str | None),
    (int | None, float | None),
    (Literal["a"], Literal["a"] | None),
    (Callable[[int], int], Callable[[int], object]),
    (Callable[[], int], Callable[[], float]),
    (Callable[[Base], Derived], Callable[[Derived], Base]),
    (Callable[[int], str], Callable[..., Any]),
    (Callable[[int], str], Callable),
    (type[Base], Callable[..., Base]),
    (type[Derived], type),
    (type, type[Base]),
    (type[Any], type[Base]),
    (Movie, Film),  # TypedDicts match structurally
    (Movie, Named),  # extra keys are fine
    (Movie, Mapping[str, Any]),
    (Movie, Iterable[str]),
    (Base, Greeter),  # Protocol by members
    (Derived, Greeter),
    (WithName, HasName),  # attribute assigned in __init__
    (int, Hashable),
    (list[int], Sized),
    (Box[int], Box[float]),  # covariant user generic
    (IntBox, Box[int]),
    (Coroutine[Any, Any, int], Awaitable[int]),
    (AsyncGenerator[int, None], AsyncIterable[int]),
    (Generator[int, None, None], Iterable[float]),
    (int, T),  # TypeVar parameter without bound
    (Derived, TBound),
    (int, TNum),
    (str, TNum),
    (T, int),  # a TypeVar output counts as Any
    (Annotated[list[int], "m"], Sequence[int]),
    (typing.NoReturn, int),
]

RULES_REJECTED = [
    (complex, float),
    (str, bytes),
    (bytes, str),
    (bytearray, bytes),
    (None, int),
    (int, None),
    (Literal["a"], Literal["b"]),
    (Literal[1], Literal[True]),
    (Literal[True], Literal[1]),
    (Literal["a", "c"], Literal["a", "b"]),
    (Literal[1], str),
    (UserId, AdminId),
    (list[int], list[bool]),
    (list[Optional[int]], list[int]),
    (dict[str, int], dict[str, float]),
    (dict[str, int], Mapping[int, int]),  # Mapping keys are invariant
    (set[int], set[float]),
    (list[int], Sequence[str]),
    (str, Sequence[int]),
    (str, list[str]),
    (tuple[int, int], tuple[int, int, int]),
    (tuple[int, str], tuple[int, ...]),
    (tuple[()], tuple[int]),
    (tuple[int, int], list[int]),
    (Pair, tuple[str, str]),
    (tuple[int, int], Pair),
    (int | None, int | str),
    (int | str | None, int | str),
    (Callable[[int], str], Callable[[int], int]),
    (Callable[[int], str], Callable[[int, int], str]),
    (Callable[[int], str], int),
    (int, Callable[[int], str]),
    (type[Base], type[Derived]),
    (Base, type[Base]),
    (type[Base], Base),
    (Movie, dict[str, object]),
    (Named, Movie),  # missing key
    (Mapping[str, object], Movie),
    (Other, Greeter),
    (Other, HasName),
    (list[int], Hashable),
    (Box[float], Box[int]),
    (Iterator[int], Sequence[int]),
    (Awaitable[int], Coroutine[Any, Any, int]),
    (Generator[int, None, None], AsyncIterable[int]),
    (Iterable[int], Iterator[int]),
    (object, TBound),
    (float, TNum),
    (int | str, TNum),  # a constrained TypeVar takes one constraint, not the union
    (int, typing.NoReturn),
]


def _ids(pairs: list[tuple[Any, Any]]) -> list[str]:
    return [f"{p!r}->{e!r}" for p, e in pairs]


@pytest.mark.parametrize(("produced", "expected"), API_ACCEPTED, ids=_ids(API_ACCEPTED))
def test_api_accepted(produced: Any, expected: Any) -> None:
    assert is_type_compatible(produced, expected)
    assert compatibility(produced, expected) is Compat.YES


@pytest.mark.parametrize(("produced", "expected"), API_REJECTED, ids=_ids(API_REJECTED))
def test_api_rejected(produced: Any, expected: Any) -> None:
    assert not is_type_compatible(produced, expected)


@pytest.mark.parametrize(("produced", "expected"), RULES_ACCEPTED, ids=_ids(RULES_ACCEPTED))
def test_rule_accepted(produced: Any, expected: Any) -> None:
    assert compatibility(produced, expected) is Compat.YES


@pytest.mark.parametrize(("produced", "expected"), RULES_REJECTED, ids=_ids(RULES_REJECTED))
def test_rule_rejected(produced: Any, expected: Any) -> None:
    assert compatibility(produced, expected) is Compat.NO


@pytest.mark.parametrize(
    ("produced", "expected"),
    [
        ("Undefined", int),
        (int, "Undefined"),
        (typing.ForwardRef("X"), int),
        (Callable[P, int], Callable[[int], int]),
        (object(), int),
        (Annotated[int, {"unhashable": []}], 42),
    ],
)
def test_exotic_forms_never_raise_and_are_not_rejected(produced: Any, expected: Any) -> None:
    assert is_type_compatible(produced, expected)
    assert compatibility(produced, expected) is not Compat.NO


def test_unknown_is_reported_for_forward_references() -> None:
    assert compatibility("Undefined", int) is Compat.UNKNOWN


def test_union_spellings_agree() -> None:
    assert compatibility(Optional[int], Union[int, None]) is Compat.YES
    assert compatibility(Union[int, None], int | None) is Compat.YES


def test_results_are_cached_and_stable() -> None:
    for _ in range(3):
        assert is_type_compatible(list[int], Sequence[float])
        assert not is_type_compatible(list[int], list[float])


# -- rules mutation testing found unchecked (issue 20, docs/mutation.md) ----------------------


def test_bool_is_exhausted_only_by_both_of_its_literals() -> None:
    assert is_type_compatible(bool, Literal[True, False])
    assert not is_type_compatible(bool, Literal[True])
    assert not is_type_compatible(bool, Literal[False])
    assert is_type_compatible(bool, Optional[Literal[True, False]])
    assert not is_type_compatible(bool, Optional[Literal[False]])
    assert not is_type_compatible(bool, Optional[Literal[True]])


def test_newtype_chains_are_followed_to_their_end() -> None:
    user_id = typing.NewType("user_id", int)
    admin_id = typing.NewType("admin_id", user_id)
    other_id = typing.NewType("other_id", int)
    assert is_type_compatible(admin_id, user_id)
    assert is_type_compatible(admin_id, int)
    assert not is_type_compatible(user_id, other_id)
    assert not is_type_compatible(admin_id, other_id)
    assert not is_type_compatible(int, user_id)


def test_bare_generic_classes_take_any_arguments() -> None:
    assert is_type_compatible(dict, Mapping[str, int])
    assert is_type_compatible(list, Sequence[int])
    assert is_type_compatible(collections.OrderedDict, typing.MutableMapping[str, int])
    assert is_type_compatible(typing.ItemsView, AbstractSet[tuple[str, int]])
    assert not is_type_compatible(dict, Sequence[int])


def test_inferred_variance_accepts_either_direction() -> None:
    import typing_extensions

    t_inferred = typing_extensions.TypeVar("t_inferred", infer_variance=True)

    class Slot(typing.Generic[t_inferred]):  # type: ignore[misc]
        pass

    assert is_type_compatible(Slot[bool], Slot[int])
    assert is_type_compatible(Slot[int], Slot[bool])
    assert not is_type_compatible(Slot[str], Slot[int])
    assert not is_type_compatible(Slot[int], Slot[str])


_K = TypeVar("_K")
_V = TypeVar("_V")


class _Pair(typing.Generic[_K, _V]):
    pass


class _StrKeyed(_Pair[str, _V]):
    pass


class _Mixin:
    pass


class _Both(_StrKeyed[int], _Mixin):
    pass


class _Again(_StrKeyed[int], _Pair[str, int]):  # the same base twice, once through a subclass
    pass


class _Tagged(_Mixin, typing.Generic[_V]):
    pass


class _GenericFirst(typing.Generic[_V], _Pair[int, _V]):  # Generic[...] before another base
    pass


class _Child(_Both):  # no generic base of its own: __orig_bases__ is _Both's, inherited
    pass


def test_user_generic_bases_are_projected_with_their_arguments() -> None:
    assert is_type_compatible(_Both, _Pair[str, int])
    assert is_type_compatible(_Both, _StrKeyed[int])
    assert is_type_compatible(_Both, _Mixin)
    assert not is_type_compatible(_Both, _Pair[str, str])
    assert not is_type_compatible(_Both, _Pair[int, int])
    assert not is_type_compatible(_Both, _StrKeyed[str])
    assert is_type_compatible(_StrKeyed[bytes], _Pair[str, bytes])
    assert not is_type_compatible(_StrKeyed[bytes], _Pair[bytes, bytes])
    assert is_type_compatible(_Again, _Pair[str, int])
    assert not is_type_compatible(_Again, _Pair[str, float])
    assert is_type_compatible(_Tagged[int], _Mixin)  # a plain base beside Generic[...]
    assert not is_type_compatible(_Mixin, _Tagged[int])
    assert is_type_compatible(_Child, _Both)
    assert is_type_compatible(_GenericFirst[str], _Pair[int, str])
    assert not is_type_compatible(_GenericFirst[str], _Pair[int, int])
    assert is_type_compatible(_Child, _Pair[str, int])
    assert not is_type_compatible(_Child, _Pair[str, str])


def test_forms_the_engine_cannot_reason_about_are_unknown_both_ways() -> None:
    import threading

    import typing_extensions

    from hypergraph._typing import UNKNOWN, YES, compatibility

    p = typing_extensions.ParamSpec("p")
    ts = typing_extensions.TypeVarTuple("ts")
    opaque = [
        "NotDefinedAnywhere",
        typing.ForwardRef("NotDefinedAnywhere"),
        p,
        p.args,
        p.kwargs,
        ts,
        typing_extensions.Unpack[ts],
        typing_extensions.Concatenate[int, p],
    ]
    for form in opaque:
        assert compatibility(form, int) is UNKNOWN, form
        assert compatibility(list[int], form) is UNKNOWN, form
        assert compatibility(form, object) is YES  # anything goes into object
        assert compatibility(form, Any) is YES

    # the recursion guard is per thread: a fresh thread gets its own, and the same answers
    answers: list[object] = []

    def check() -> None:
        answers.append(compatibility(list[int], list[str]))
        answers.append(compatibility(list[bool], Sequence[int]))

    worker = threading.Thread(target=check)
    worker.start()
    worker.join()
    assert [str(a) for a in answers] == [str(compatibility(list[int], list[str])), str(YES)]
    assert answers[0] is not YES
