"""The fidelity corpus (issue 18): the forms real pipelines annotate with, pair by pair.

Callback protocols and callable classes, protocols compared member by member (settable and
read-only attributes, properties, class variables, generic protocols, protocol to protocol),
aliases (``TypeAliasType``, recursive ones) in a module using ``from __future__ import
annotations``, unpacked tuples, hashability, and the long tail (single-member enums,
``ReadOnly`` TypedDict items, NewType chains, ``LiteralString``, ``Never``, numbers ABCs,
promotions inside containers). Used by ``tests/test_typing_corpus.py``.
"""

from __future__ import annotations

import textwrap

HEADER = textwrap.dedent(
    """\
    from __future__ import annotations

    import numbers
    from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
    from dataclasses import dataclass
    from decimal import Decimal
    from enum import Enum, IntEnum
    from fractions import Fraction
    from typing import (
        Any, ClassVar, Final, Generic, Literal, NamedTuple, NewType, NoReturn, Optional,
        Protocol, SupportsAbs, SupportsFloat, SupportsIndex, SupportsInt, TypeVar, Union,
    )

    from typing_extensions import (
        LiteralString, Never, NotRequired, ReadOnly, TypeAliasType, TypedDict, Unpack,
    )

    T = TypeVar("T")
    T_co = TypeVar("T_co", covariant=True)
    T_contra = TypeVar("T_contra", contravariant=True)


    # -- callback protocols and callable classes
    class OnInt(Protocol):
        def __call__(self, x: int) -> str: ...


    class OnIntPositional(Protocol):
        def __call__(self, x: int, /) -> str: ...


    class OnFloatOld(Protocol):
        def __call__(self, __x: float) -> str: ...


    class OnIntDefault(Protocol):
        def __call__(self, x: int, y: int = 0) -> str: ...


    class OnKey(Protocol):
        def __call__(self, *, key: str) -> int: ...


    class OnMany(Protocol):
        def __call__(self, *args: int) -> int: ...


    class OnObject(Protocol):
        def __call__(self, x: object) -> str: ...


    class NamedCallback(Protocol):
        __name__: str

        def __call__(self, x: int) -> str: ...


    class Formatter:
        def __call__(self, x: int) -> str:
            return str(x)


    class WideFormatter:
        def __call__(self, x: object, y: int = 0) -> str:
            return ""


    class KeyFormatter:
        def __call__(self, *, key: str) -> int:
            return 0


    class RenamedFormatter:
        def __call__(self, value: int) -> str:
            return ""


    class ManyFormatter:
        def __call__(self, *args: int) -> int:
            return 0


    class Silent:
        pass


    # -- protocols, member by member
    class HasX(Protocol):
        x: int


    class HasFloatX(Protocol):
        x: float


    class ReadsX(Protocol):
        @property
        def x(self) -> int: ...


    class ReadsFloatX(Protocol):
        @property
        def x(self) -> float: ...


    class HasClassX(Protocol):
        x: ClassVar[int]


    class Labeller(Protocol):
        def label(self, upper: bool) -> str: ...


    class LabellerKw(Protocol):
        def label(self, upper: bool, *, sep: str = ...) -> str: ...


    @dataclass
    class Point:
        x: int
        y: int = 0


    @dataclass(frozen=True)
    class FrozenPoint:
        x: int


    class PropPoint:
        @property
        def x(self) -> int:
            return 1


    class SetPropPoint:
        @property
        def x(self) -> int:
            return 1

        @x.setter
        def x(self, value: int) -> None:
            pass


    class ClassPoint:
        x: ClassVar[int] = 0


    class FloatPoint:
        x: float = 0.0


    class BoolPoint:
        x: bool = True


    class FinalPoint:
        x: Final[int] = 1


    class TuplePoint(NamedTuple):
        x: int


    class Label:
        def label(self, upper: bool) -> str:
            return ""


    class LabelWide:
        def label(self, flag: object) -> str:
            return ""


    class LabelNarrow:
        def label(self, upper: Literal[True]) -> str:
            return ""


    class LabelExtra:
        def label(self, upper: bool, extra: int) -> str:
            return ""


    class LabelExtraDefault:
        def label(self, upper: bool, extra: int = 0) -> str:
            return ""


    class LabelInt:
        def label(self, upper: bool) -> int:
            return 0


    class LabelKwargs:
        def label(self, upper: bool, **options: str) -> str:
            return ""


    class LabelStatic:
        @staticmethod
        def label(upper: bool) -> str:
            return ""


    class Getter(Protocol[T_co]):
        def get(self) -> T_co: ...


    class Putter(Protocol[T_contra]):
        def put(self, value: T_contra) -> None: ...


    class IntGetter:
        def get(self) -> int:
            return 0


    class BoolGetter:
        def get(self) -> bool:
            return True


    class StrGetter:
        def get(self) -> str:
            return ""


    class FloatPutter:
        def put(self, value: float) -> None:
            pass


    class Cell(Generic[T]):
        def get(self) -> T:
            raise NotImplementedError

        def put(self, value: T) -> None:
            pass


    class IntCell(Cell[int]):
        pass


    class Chain(Protocol):
        def next(self) -> Chain: ...


    class Link:
        def next(self) -> Link:
            return self


    class BadLink:
        def next(self) -> int:
            return 0


    # -- aliases
    Vector = list[float]
    Json = TypeAliasType("Json", "dict[str, Json] | list[Json] | str | int | float | bool | None")
    Tree = TypeAliasType("Tree", "int | list[Tree]")
    IntPairs = TypeAliasType("IntPairs", list[tuple[int, int]])
    Pairs = TypeAliasType("Pairs", list[tuple[T, T]], type_params=(T,))
    Scores = TypeAliasType("Scores", "Mapping[str, float]")


    # -- hashability
    class EqOnly:
        def __eq__(self, other: object) -> bool:
            return True


    class NoHash:
        __hash__: ClassVar[None]  # type: ignore[assignment]


    # -- the long tail
    class Only(Enum):
        ONE = 1


    class Color(Enum):
        RED = 1
        BLUE = 2


    class Level(IntEnum):
        LOW = 1
        HIGH = 2


    class Config(TypedDict):
        name: str
        size: int


    class ConfigView(TypedDict):
        name: ReadOnly[str]
        size: ReadOnly[float]


    class ConfigOpt(TypedDict):
        name: str
        size: NotRequired[int]


    class ConfigViewOpt(TypedDict):
        name: ReadOnly[str]
        size: ReadOnly[NotRequired[int]]


    class ConfigBool(TypedDict):
        name: str
        size: bool


    UserId = NewType("UserId", int)
    AdminId = NewType("AdminId", UserId)
    RootId = NewType("RootId", AdminId)
    Ids = NewType("Ids", list[int])
    """
)

FORMS: list[str] = [
    # callables and callback protocols
    "Callable[[int], str]",
    "Callable[[object], str]",
    "Callable[[float], str]",
    "Callable[[int, int], str]",
    "Callable[..., str]",
    "Callable[[], int]",
    "Callable[[int], object]",
    "OnInt",
    "OnIntPositional",
    "OnFloatOld",
    "OnIntDefault",
    "OnKey",
    "OnMany",
    "OnObject",
    "NamedCallback",
    "Formatter",
    "WideFormatter",
    "KeyFormatter",
    "RenamedFormatter",
    "ManyFormatter",
    "Silent",
    # protocols
    "HasX",
    "HasFloatX",
    "ReadsX",
    "ReadsFloatX",
    "HasClassX",
    "Labeller",
    "LabellerKw",
    "Point",
    "FrozenPoint",
    "PropPoint",
    "SetPropPoint",
    "ClassPoint",
    "FloatPoint",
    "BoolPoint",
    "FinalPoint",
    "TuplePoint",
    "Label",
    "LabelWide",
    "LabelNarrow",
    "LabelExtra",
    "LabelExtraDefault",
    "LabelInt",
    "LabelKwargs",
    "LabelStatic",
    "Getter[int]",
    "Getter[float]",
    "Getter[bool]",
    "Putter[int]",
    "Putter[bool]",
    "IntGetter",
    "BoolGetter",
    "StrGetter",
    "FloatPutter",
    "Cell[int]",
    "Cell[bool]",
    "IntCell",
    "Chain",
    "Link",
    "BadLink",
    "SupportsAbs[int]",
    "SupportsAbs[float]",
    "SupportsInt",
    "SupportsFloat",
    "SupportsIndex",
    # aliases
    "Vector",
    "Json",
    "Tree",
    "IntPairs",
    "Pairs[int]",
    "Pairs[str]",
    "Scores",
    "dict[str, Json]",
    "list[Json]",
    "list[Tree]",
    "list[list[int]]",
    "dict[str, int]",
    "dict[str, float]",
    "list[tuple[int, int]]",
    "Mapping[str, int]",
    # tuples
    "tuple[int, *tuple[str, ...]]",
    "tuple[int, Unpack[tuple[str, ...]]]",
    "tuple[*tuple[int, ...], str]",
    "tuple[int, *tuple[int, ...]]",
    "tuple[int, str, str]",
    "tuple[int, str]",
    "tuple[int]",
    "tuple[int, ...]",
    "tuple[str, ...]",
    "tuple[object, ...]",
    "tuple[int, *tuple[str, int]]",
    "tuple[list[int], int]",
    # hashability
    "Hashable",
    "EqOnly",
    "NoHash",
    "list[int]",
    "set[int]",
    "frozenset[int]",
    # the long tail
    "Only",
    "Literal[Only.ONE]",
    "Color",
    "Literal[Color.RED]",
    "Level",
    "Literal[Level.LOW]",
    "int",
    "bool",
    "float",
    "complex",
    "str",
    "bytes",
    "bytearray",
    "memoryview",
    "object",
    "None",
    "Config",
    "ConfigView",
    "ConfigOpt",
    "ConfigViewOpt",
    "ConfigBool",
    "UserId",
    "AdminId",
    "RootId",
    "Ids",
    "list[UserId]",
    "Sequence[int]",
    "LiteralString",
    "Literal['a']",
    "Never",
    "NoReturn",
    "numbers.Number",
    "numbers.Real",
    "numbers.Integral",
    "Fraction",
    "Decimal",
    "list[float]",
    "Sequence[float]",
    "Sequence[complex]",
    "tuple[float, ...]",
    "Mapping[str, complex]",
    "frozenset[float]",
    "Iterable[complex]",
    "Callable[[], float]",
    "Callable[[float], None]",
    "Callable[[int], None]",
    "type[int]",
    "type[float]",
    "Optional[float]",
]
CONSUMER_ONLY: list[str] = []
