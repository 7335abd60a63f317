"""Annotation forms for tests/test_typing_fidelity.py, in a module with postponed annotations."""

from __future__ import annotations

import collections.abc as cabc
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol, TypeVar

from typing_extensions import ReadOnly, TypeAliasType, TypedDict

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
B = TypeVar("B", bound="Base")


class Base:
    pass


class OnInt(Protocol):
    def __call__(self, x: int) -> str: ...


class OnIntPositional(Protocol):
    def __call__(self, x: int, /) -> str: ...


class Formatter:
    def __call__(self, x: int) -> str:
        return str(x)


class RenamedFormatter:
    def __call__(self, value: int) -> str:
        return str(value)


class HasX(Protocol):
    x: int


class ReadsX(Protocol):
    @property
    def x(self) -> int: ...


class HasClassX(Protocol):
    x: ClassVar[int]


@dataclass
class Point:
    x: int


@dataclass(frozen=True)
class FrozenPoint:
    x: int


class PropPoint:
    @property
    def x(self) -> int:
        return 1


class ClassPoint:
    x: ClassVar[int] = 0


class Labeller(Protocol):
    def label(self, upper: bool) -> str: ...


class LabelWide:
    def label(self, flag: object) -> str:
        return ""


class LabelNarrow:
    def label(self, upper: Literal[True]) -> str:
        return ""


class LabelExtra:
    def label(self, upper: bool, extra: int) -> str:
        return ""


class Getter(Protocol[T_co]):
    def get(self) -> T_co: ...


class IntGetter:
    def get(self) -> int:
        return 0


class StrGetter:
    def get(self) -> str:
        return ""


Json = TypeAliasType("Json", "dict[str, Json] | list[Json] | str | int | float | bool | None")
Pairs = TypeAliasType("Pairs", list[tuple[T, T]], type_params=(T,))


class Config(TypedDict):
    name: str


class ConfigView(TypedDict):
    name: ReadOnly[str]


Items = cabc.Sequence[int]
