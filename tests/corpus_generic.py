"""The generic-node corpus (issue 18): graphs whose nodes are generic functions.

Two shapes, each judged by mypy on the call the graph makes:

- chains ``source -> producer -> consumer``: a generic producer (``def wrap(x: T) -> list[T]``)
  fed a concrete type, into a concrete consumer; mypy sees ``consumer(producer(x))``, so the
  consumer's expected type takes part in solving ``T`` (bidirectional inference);
- joins ``a, b -> consumer``: a generic consumer (``def same(a: list[T], b: list[T])``) whose
  type variables are solved from two inputs at once; mypy sees ``consumer(a, b)``.

Used by ``tests/test_typing_corpus.py``.
"""

from __future__ import annotations

import textwrap

HEADER = textwrap.dedent(
    """\
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from typing import Literal, Optional, TypeVar

    T = TypeVar("T")
    K = TypeVar("K")
    V = TypeVar("V")
    N = TypeVar("N", bound=float)
    S = TypeVar("S", int, str)
    B = TypeVar("B", bound="Base")


    class Base:
        pass


    class Derived(Base):
        pass


    def ident(x: T) -> T:
        return x


    def wrap(x: T) -> list[T]:
        return [x]


    def first(x: Sequence[T]) -> T:
        return x[0]


    def twice(x: T) -> tuple[T, T]:
        return (x, x)


    def maybe(x: T) -> Optional[T]:
        return x


    def unwrap(x: Optional[T]) -> T:
        raise NotImplementedError


    def keys(x: Mapping[K, V]) -> list[K]:
        return list(x)


    def values(x: Mapping[K, V]) -> list[V]:
        return list(x.values())


    def items(x: dict[K, V]) -> list[tuple[K, V]]:
        return list(x.items())


    def scaled(x: N) -> list[N]:
        return [x]


    def pick(x: S) -> S:
        return x


    def keyed(x: T) -> dict[str, T]:
        return {"k": x}


    def stream(x: Iterable[T]) -> Iterator[T]:
        return iter(x)


    def based(x: B) -> list[B]:
        return [x]


    def call(x: Callable[[], T]) -> T:
        return x()


    def unique(x: list[T]) -> set[T]:
        return set(x)


    def same(a: T, b: T) -> None: ...


    def same_list(a: list[T], b: list[T]) -> None: ...


    def same_seq(a: Sequence[T], b: Sequence[T]) -> None: ...


    def lookup(a: Mapping[K, V], b: list[V]) -> None: ...


    def same_num(a: N, b: N) -> None: ...


    def same_kind(a: S, b: S) -> None: ...


    def in_base(a: B, b: list[B]) -> None: ...


    def apply(a: Callable[[T], object], b: T) -> None: ...


    def square(a: dict[T, T], b: object) -> None: ...


    def paired(a: tuple[T, T], b: T) -> None: ...
    """
)

SOURCES: list[str] = [
    "int",
    "bool",
    "float",
    "str",
    "None",
    "Literal['a']",
    "list[int]",
    "list[bool]",
    "list[str]",
    "Sequence[float]",
    "dict[str, int]",
    "dict[int, int]",
    "set[int]",
    "tuple[int, str]",
    "tuple[int, int]",
    "Optional[int]",
    "Base",
    "Derived",
    "list[Derived]",
    "Callable[[], int]",
    "Callable[[int], str]",
    "Callable[[object], None]",
]
PRODUCERS: list[str] = [
    "ident",
    "wrap",
    "first",
    "twice",
    "maybe",
    "unwrap",
    "keys",
    "values",
    "items",
    "scaled",
    "pick",
    "keyed",
    "stream",
    "based",
    "call",
    "unique",
]
CONSUMERS: list[str] = [
    "int",
    "float",
    "str",
    "object",
    "list[int]",
    "list[float]",
    "list[object]",
    "list[str]",
    "Sequence[float]",
    "Sequence[int]",
    "tuple[int, int]",
    "tuple[float, ...]",
    "dict[str, float]",
    "dict[str, int]",
    "Mapping[str, object]",
    "list[Base]",
    "Iterator[int]",
    "Iterable[float]",
    "Optional[int]",
    "Optional[float]",
    "set[float]",
    "Base",
    "list[tuple[str, int]]",
    "Literal['a']",
]
JOINERS: list[str] = [
    "same",
    "same_list",
    "same_seq",
    "lookup",
    "same_num",
    "same_kind",
    "in_base",
    "apply",
    "square",
    "paired",
]
