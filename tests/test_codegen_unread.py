"""Dead locals in generated code (codegen.render.unread): pyright strict reports them."""

from __future__ import annotations

import textwrap

import pytest

from codegen.render.unread import drop_unread_locals


def _code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(  # an unread copy goes; its source then goes too
            """
            def run(a):
                b = f(a)
                c = b
                return {"a": a}
            """,
            """
            def run(a):
                _ = f(a)
                return {"a": a}
            """,
            id="copy-chain",
        ),
        pytest.param(  # an unread name in an unpacking becomes _
            """
            def run(a):
                x, y = g(a)
                return {"x": x}
            """,
            """
            def run(a):
                x, _ = g(a)
                return {"x": x}
            """,
            id="unpacking",
        ),
        pytest.param(  # read by a function inside: kept
            """
            def run(a):
                b = f(a)

                def inner():
                    return b

                return inner()
            """,
            None,
            id="read-inside",
        ),
        pytest.param(  # everything read: the text is returned as it is
            """
            def run(a):
                b = f(a)
                return {"b": b}
            """,
            None,
            id="all-read",
        ),
    ],
)
def test_dead_locals_are_dropped(before: str, after: str | None) -> None:
    source = _code(before)
    assert drop_unread_locals(source) == (source if after is None else _code(after))
