"""The basic form corpus (issue 3): simple annotation forms, every ordered pair judged by mypy.

Used by ``tests/test_typing_corpus.py`` against ``tests/data/corpus_basic.truth.json``.
"""

from __future__ import annotations

import textwrap

HEADER = textwrap.dedent(
    """\
    import collections
    from collections.abc import (
        AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable, Collection, Coroutine,
        Generator, Hashable, Iterable, Iterator, Mapping, MutableMapping, MutableSequence,
        Sequence, Set as AbstractSet, Sized, Reversible, Container, KeysView, ValuesView,
        ItemsView,
    )
    from enum import Enum
    from typing import (
        Annotated, Any, Dict, Generic, List, Literal, NamedTuple, NewType, Optional, Protocol,
        SupportsAbs, SupportsFloat, SupportsInt, Tuple, TypedDict, TypeVar, Union, NotRequired,
    )

    T = TypeVar("T")
    T_co = TypeVar("T_co", covariant=True)


    class Base:
        def greet(self) -> str:
            return "hi"


    class Derived(Base):
        pass


    class Other:
        pass


    class Greeter(Protocol):
        def greet(self) -> str: ...


    class Sizer(Protocol):
        def __len__(self) -> int: ...


    class Color(Enum):
        RED = 1
        BLUE = 2


    class Movie(TypedDict):
        name: str
        year: int


    class Film(TypedDict):
        name: str
        year: int


    class Named(TypedDict):
        name: str


    class Pair(NamedTuple):
        x: int
        y: int


    class Box(Generic[T_co]):
        def get(self) -> T_co:
            raise NotImplementedError


    class IntBox(Box[int]):
        pass


    class MyList(list[int]):
        pass


    class Slotted:
        __slots__ = ("name",)

        def __init__(self) -> None:
            self.name = "x"


    class Attr:
        def __init__(self) -> None:
            self.name = "y"


    class HasName(Protocol):
        name: str


    class MovieOpt(TypedDict):
        name: str
        year: NotRequired[int]


    UserId = NewType("UserId", int)
    TBound = TypeVar("TBound", bound=Base)
    TNum = TypeVar("TNum", int, str)
    TFloat = TypeVar("TFloat", bound=float)
    """
)

# Producer-only forms are excluded by design: a TypeVar output counts as Any (see docs).
FORMS: list[str] = [
    "int",
    "float",
    "complex",
    "bool",
    "str",
    "bytes",
    "bytearray",
    "None",
    "object",
    "Any",
    "Literal['a']",
    "Literal['a', 'b']",
    "Literal[1]",
    "Literal[True]",
    "Literal[Color.RED]",
    "Color",
    "UserId",
    "Movie",
    "Film",
    "Named",
    "Pair",
    "Base",
    "Derived",
    "Other",
    "Greeter",
    "Sizer",
    "Box[int]",
    "Box[float]",
    "list[int]",
    "list[float]",
    "list[Any]",
    "list",
    "List[int]",
    "list[bool]",
    "list[Optional[int]]",
    "dict[str, int]",
    "dict[str, float]",
    "dict[str, Any]",
    "dict[str, object]",
    "Dict[str, int]",
    "collections.defaultdict[str, int]",
    "set[int]",
    "frozenset[int]",
    "frozenset[float]",
    "collections.deque[int]",
    "tuple[int, int]",
    "tuple[int, ...]",
    "tuple[float, ...]",
    "tuple[()]",
    "tuple[int, str]",
    "Tuple[int, ...]",
    "tuple[Any, ...]",
    "Sequence[int]",
    "Sequence[float]",
    "Sequence[str]",
    "MutableSequence[int]",
    "Mapping[str, int]",
    "Mapping[str, float]",
    "Mapping[str, object]",
    "MutableMapping[str, int]",
    "AbstractSet[int]",
    "Collection[int]",
    "Iterable[int]",
    "Iterable[str]",
    "Iterator[int]",
    "Iterator[float]",
    "Generator[int, None, None]",
    "Generator[int, str, None]",
    "AsyncIterator[int]",
    "AsyncIterable[int]",
    "AsyncGenerator[int, None]",
    "Awaitable[int]",
    "Coroutine[Any, Any, int]",
    "Optional[int]",
    "int | str",
    "int | None | str",
    "float | None",
    "Union[list[int], None]",
    "Callable[[int], str]",
    "Callable[[object], str]",
    "Callable[..., Any]",
    "Callable[[], int]",
    "Callable[[int], object]",
    "Callable[[int, int], str]",
    "type[Base]",
    "type[Derived]",
    "type",
    "type[Any]",
    "Annotated[int, 'm']",
    "Annotated[list[int], 'm']",
    "Hashable",
    "Sized",
    "SupportsInt",
    "SupportsFloat",
    "range",
    "memoryview",
    "Literal['b']",
    "Literal[True, False]",
    "Literal[Color.RED, Color.BLUE]",
    "tuple[int, float]",
    "tuple[bool, bool]",
    "Pair | None",
    "Optional[list[int]]",
    "dict[str, list[int]]",
    "Mapping[str, Sequence[float]]",
    "list[list[int]]",
    "Sequence[Sequence[int]]",
    "Sequence[Any]",
    "Mapping[Any, Any]",
    "Iterable[float]",
    "Iterable[object]",
    "Iterator[Any]",
    "AsyncGenerator[int, str]",
    "Coroutine[Any, Any, str]",
    "Awaitable[float]",
    "collections.OrderedDict[str, int]",
    "collections.Counter[str]",
    "Reversible[int]",
    "Container[int]",
    "KeysView[str]",
    "ValuesView[int]",
    "ItemsView[str, int]",
    "bytes | str",
    "Greeter | None",
    "SupportsAbs[int]",
    "Box[Base]",
    "Box[Derived]",
    "IntBox",
    "MyList",
    "Slotted",
    "Attr",
    "HasName",
    "MovieOpt",
    "type[int]",
    "type[bool]",
    "type[Color]",
    "Callable[[Base], Derived]",
    "Callable[[Derived], Base]",
    "Callable[[int], int]",
    "Callable[[bool], int]",
    "Callable[[], None]",
    "Callable[[], object]",
    # non-str keys (issue 20): Mapping is invariant in its key, covariant in its value
    "Mapping[int, str]",
    "Mapping[float, str]",
    "Mapping[bool, str]",
    "Mapping[object, str]",
    "Mapping[Base, int]",
    "Mapping[Derived, int]",
    "Mapping[int, float]",
    "Mapping[tuple[int, int], str]",
    "dict[int, str]",
    "dict[bool, str]",
    "dict[Derived, int]",
    "dict[int, float]",
    "MutableMapping[int, str]",
    "MutableMapping[float, str]",
    "collections.defaultdict[int, str]",
    "collections.OrderedDict[bool, str]",
    "collections.Counter[int]",
    "KeysView[int]",
    "ItemsView[int, str]",
    "ItemsView[bool, str]",
    # other variance cases: mutable containers invariant, read-only ones covariant
    "MutableSequence[float]",
    "list[Derived]",
    "Sequence[Base]",
    "Sequence[Derived]",
    "set[bool]",
    "set[float]",
    "AbstractSet[float]",
    "frozenset[bool]",
    "Iterator[bool]",
    "Generator[int, object, None]",
    "Generator[bool, str, None]",
    "Callable[[float], bool]",
    "Callable[[Base], int]",
    "type[object]",
]
CONSUMER_ONLY: list[str] = ["T", "TBound", "TNum", "TFloat"]
