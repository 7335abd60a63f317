"""Type hints rendered as source text, with the imports they need and aliases around clashes."""

from __future__ import annotations

import collections.abc as abc
import pathlib
import typing
from typing import Annotated, Any, Literal, Optional, TypeVar, Union

import pytest

from codegen.analysis.annotations import ImportTable, render_type
from codegen.analysis.names import Namespace

T = TypeVar("T")


@pytest.mark.parametrize(
    ("hint", "text"),
    [
        (int, "int"),
        (list[int], "list[int]"),
        (Optional[str], "str | None"),  # noqa: UP045
        (Union[int, str, None], "int | str | None"),  # noqa: UP007
        (int | None, "int | None"),
        (Literal["a", 1], 'Literal["a", 1]'),
        (Annotated[int, object()], "int"),
        (typing.Callable[[int, str], bool], "Callable[[int, str], bool]"),
        (abc.Callable[..., None], "Callable[..., None]"),
        (dict[str, tuple[int, ...]], "dict[str, tuple[int, ...]]"),
        (tuple[()], "tuple[()]"),
        (typing.Iterator[int], "Iterator[int]"),
        (abc.AsyncIterator[str], "AsyncIterator[str]"),
        (typing.Generator[int, None, None], "Generator[int, None, None]"),
        (type[int], "type[int]"),
        (pathlib.Path, "Path"),
        (Any, "Any"),
        (None, "None"),
        (T, "Any"),
        ("unresolved", "Any"),
    ],
)
def test_render_type(hint: object, text: str) -> None:
    assert render_type(hint, ImportTable(Namespace(set()))) == text


def test_clashing_names_are_aliased_or_qualified() -> None:
    table = ImportTable(Namespace({"list", "Path"}))
    assert render_type(list[pathlib.Path], table) == "builtins.list[Path_]"
    assert [i.line() for i in table.imports()] == [
        "import builtins",
        "from pathlib import Path as Path_",
    ]
