"""The parser's limits, checked before or instead of its own failures: arrays and inline tables
nested too deeply (the parser would recurse per level) and integers longer than Python
converts, each reported with its line and field."""

from __future__ import annotations

import re
import sys

from codegen.errors import SpecError
from codegen.spec.locate import field_at

__all__ = ["MAX_NESTING", "check_nesting", "long_integer"]

MAX_NESTING = 100
"""Deepest nesting of arrays and inline tables a spec may use (parsers recurse per level)."""


def check_nesting(text: str, shown: str) -> None:
    """Refuse arrays and inline tables nested deeper than MAX_NESTING (outside strings and
    comments), naming the line, before the parser recurses into them."""
    depth = 0
    line = 1
    index = 0
    size = len(text)
    while index < size:
        char = text[index]
        if char == "\n":
            line += 1
        elif char == "#":
            end = text.find("\n", index)
            index = size if end < 0 else end
            continue
        elif char in "\"'":
            quote = text[index : index + 3] if text.startswith(char * 3, index) else char
            end = _string_end(text, index + len(quote), quote)
            line += text.count("\n", index, end)
            index = end
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                field = field_at(text, line)
                raise SpecError(
                    shown,
                    field,
                    f"arrays or inline tables nested more than {MAX_NESTING} levels deep",
                    line,
                )
        elif char in "]}":
            depth = max(depth - 1, 0)
        index += 1


def _string_end(text: str, start: int, quote: str) -> int:
    """The index after the string whose body starts at `start` (the end of the text if the
    string is not closed: the parser reports that)."""
    index = start
    escapes = quote[0] == '"'
    while index < len(text):
        if escapes and text[index] == "\\":
            index += 2
            continue
        if text.startswith(quote, index):
            return index + len(quote)
        if len(quote) == 1 and text[index] == "\n":
            return index
        index += 1
    return len(text)


def long_integer(text: str, shown: str, exc: ValueError) -> SpecError:
    """The error for a ValueError of the TOML parser: an integer longer than Python converts
    (``sys.get_int_max_str_digits``), with its line and field."""
    if "integer string conversion" not in str(exc):  # no other ValueError is known; be clear
        return SpecError(shown, "", f"the TOML parser refused the spec: {exc}")
    limit = sys.get_int_max_str_digits()
    found = re.search(rf"[0-9][0-9_]{{{max(limit, 1)},}}", text) if limit else None
    line = text.count("\n", 0, found.start()) + 1 if found else None
    field = field_at(text, line) if line else ""
    return SpecError(
        shown,
        field,
        f"integer of more than {limit} digits: Python does not convert integers that long; "
        "write the value as a string",
        line,
    )
