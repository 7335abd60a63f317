"""BaseRunner and RunnerCapabilities: what every runner offers."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

__all__ = ["BaseRunner", "RunnerCapabilities"]


@dataclass(frozen=True)
class RunnerCapabilities:
    """What a runner can execute."""

    supports_cycles: bool = True
    supports_gates: bool = True
    supports_async_nodes: bool = False
    returns_coroutine: bool = False


class BaseRunner(abc.ABC):
    """A runner executes a Graph's Plan; subclasses differ only in how they call nodes."""

    default_max_iterations: int = 1000

    def __init__(self, cache: Any = None) -> None:
        if cache is not None:
            raise NotImplementedError("result caching is not available yet; pass cache=None")
        self.cache = cache

    @property
    @abc.abstractmethod
    def capabilities(self) -> RunnerCapabilities:
        """What this runner supports."""
