"""Verdicts: the three-way :class:`Compat` answer and the combinators that fold them."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Final


class Compat(enum.Enum):
    """Three-way verdict: compatible, incompatible, or undecidable (treated as compatible)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


YES: Final = Compat.YES
NO: Final = Compat.NO
UNKNOWN: Final = Compat.UNKNOWN

# The recursive dispatch (``core._check``): sections receive it as an argument, so they never
# import ``core`` and the package's import graph has no cycles.
Check = Callable[[object, object], Compat]


def all_of(verdicts: Iterable[Compat]) -> Compat:
    """``NO`` if any verdict is ``NO``, else ``UNKNOWN`` if any is ``UNKNOWN``, else ``YES``."""
    result = YES
    for v in verdicts:
        if v is NO:
            return NO
        if v is UNKNOWN:
            result = UNKNOWN
    return result


def any_of(verdicts: Iterable[Compat]) -> Compat:
    """``YES`` if any verdict is ``YES``, else ``UNKNOWN`` if any is ``UNKNOWN``, else ``NO``."""
    result = NO
    for v in verdicts:
        if v is YES:
            return YES
        if v is UNKNOWN:
            result = UNKNOWN
    return result
