"""Hold ``is_type_compatible`` against mypy itself over every ordered pair of a form corpus.

One generated module: a consumer ``def c_j(v: C_j)`` per form and, one line per ordered pair,
``def t_i_j(x: P_i) -> None: c_j(x)``. mypy runs once; an ``arg-type``/``type-var`` error on a pair
line means mypy rejects that pair. Bar: zero false rejects, false accepts <= 1 % of mypy's rejects.
"""

from __future__ import annotations

import re
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

from hypergraph._typing import is_type_compatible

mypy_api = pytest.importorskip("mypy.api")

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
]
CONSUMER_ONLY: list[str] = ["T", "TBound", "TNum", "TFloat"]

REJECT_CODES = ("[arg-type]", "[type-var]")
LINE_RE = re.compile(r"^[^:]+:(\d+): error: .*?(\[[a-z-]+\])$")


def _namespace() -> dict[str, Any]:
    """The header's definitions, as a registered module (get_type_hints looks it up)."""
    module = types.ModuleType("hypergraph_typing_corpus")
    sys.modules[module.__name__] = module
    exec(compile(HEADER, "<corpus>", "exec", dont_inherit=True), module.__dict__)
    return module.__dict__


def _build(tmp: Path) -> tuple[Path, dict[int, tuple[int, int]]]:
    consumers = FORMS + CONSUMER_ONLY
    lines = HEADER.splitlines()
    lines.append("")
    for j, form in enumerate(consumers):
        lines.append(f"def c_{j}(v: {form}) -> None: ...")
    pair_lines: dict[int, tuple[int, int]] = {}
    for i, produced in enumerate(FORMS):
        for j in range(len(consumers)):
            lines.append(f"def t_{i}_{j}(x: {produced}) -> None: c_{j}(x)")
            pair_lines[len(lines)] = (i, j)
    path = tmp / "corpus_mod.py"
    path.write_text("\n".join(lines) + "\n")
    return path, pair_lines


def test_corpus_against_mypy(tmp_path: Path) -> None:
    path, pair_lines = _build(tmp_path)
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n")  # isolate from the project's strict settings
    stdout, stderr, _ = mypy_api.run(
        [
            str(path),
            f"--config-file={config}",
            "--no-incremental",
            f"--cache-dir={tmp_path / 'cache'}",
            "--show-error-codes",
            "--no-error-summary",
            "--no-pretty",
            "--python-version=3.11",
        ]
    )
    assert not stderr, stderr
    rejected: set[tuple[int, int]] = set()
    other: list[str] = []
    for line in stdout.splitlines():
        m = LINE_RE.match(line)
        if not m:
            continue
        lineno, code = int(m.group(1)), m.group(2)
        if lineno in pair_lines and code in REJECT_CODES:
            rejected.add(pair_lines[lineno])
        else:
            other.append(line)
    assert not other, "unexpected mypy errors:\n" + "\n".join(other[:20])

    ns = _namespace()
    consumers = FORMS + CONSUMER_ONLY
    objs_p = [eval(f, ns) for f in FORMS]
    objs_c = [eval(f, ns) for f in consumers]
    false_rejects: list[str] = []
    false_accepts: list[str] = []
    for i in range(len(FORMS)):
        for j in range(len(consumers)):
            ours = is_type_compatible(objs_p[i], objs_c[j])
            mypy_ok = (i, j) not in rejected
            if mypy_ok and not ours:
                false_rejects.append(f"{FORMS[i]} -> {consumers[j]}")
            elif ours and not mypy_ok:
                false_accepts.append(f"{FORMS[i]} -> {consumers[j]}")
    pairs = len(FORMS) * len(consumers)
    print(
        f"\ncorpus: {len(FORMS)} producer x {len(consumers)} consumer forms = {pairs} pairs; "
        f"mypy rejects {len(rejected)}; false rejects {len(false_rejects)}; "
        f"false accepts {len(false_accepts)}"
    )
    for item in false_accepts:
        print("  false accept:", item)
    assert len(consumers) >= 40
    assert false_rejects == [], "we reject what mypy accepts:\n" + "\n".join(false_rejects)
    assert len(false_accepts) <= 0.01 * len(rejected), "\n".join(false_accepts)
