"""InputSpec: what a graph needs from the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["InputSpec"]


@dataclass(frozen=True)
class InputSpec:
    """Graph inputs: `required` must be supplied; `optional` are bound or defaulted."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    bound: dict[str, Any] = field(default_factory=dict)

    @property
    def all(self) -> tuple[str, ...]:
        """Every input name: required first, then optional."""
        return self.required + self.optional
