"""Retry policies and timeouts: what `@node(retry=..., timeout=...)` accepts, checked once."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["RetryPolicy", "as_retry", "as_timeout", "attempt_errors"]

ATTEMPT_ERRORS = "attempt_errors"
"""The attribute a node's final exception gets when its node has a retry policy: the errors
of the attempts before it, oldest first (the final one is the exception itself)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and when a failing node is called again.

    `attempts` counts every call, the first included. An exception that is an instance of
    `on` (one class or a tuple) is retried; any other exception fails the node at once. Before
    retry number ``k`` (1 for the second attempt) the runner waits
    ``min(max_delay, delay * backoff ** (k - 1))`` seconds, shortened by a random fraction of
    up to `jitter` (0: exactly that long; 0.5: between half and all of it), so that many
    callers failing together do not retry in step. The wait never exceeds `max_delay`.
    """

    attempts: int = 3
    on: type[Exception] | tuple[type[Exception], ...] = Exception
    delay: float = 0.1
    backoff: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if not _is_int(self.attempts) or self.attempts < 1:
            raise ValueError(f"RetryPolicy: attempts must be an int >= 1, got {self.attempts!r}")
        classes = self.on if isinstance(self.on, tuple) else (self.on,)
        if not classes or not all(_is_exception_class(c) for c in classes):
            raise TypeError(
                "RetryPolicy: on must be an Exception subclass or a non-empty tuple of them "
                f"(KeyboardInterrupt, cancellation and other BaseExceptions are never retried), "
                f"got {self.on!r}"
            )
        object.__setattr__(self, "on", classes)
        for field, least in (("delay", 0.0), ("backoff", 1.0), ("max_delay", 0.0)):
            value = getattr(self, field)
            if not _is_number(value) or not math.isfinite(value) or value < least:
                raise ValueError(
                    f"RetryPolicy: {field} must be a finite number >= {least:g}, got {value!r}"
                )
        if not _is_number(self.jitter) or not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"RetryPolicy: jitter must be between 0 and 1, got {self.jitter!r}")

    def wait(self, retry: int, draw: float) -> float:
        """Seconds to wait before retry number `retry` (1-based); `draw` is uniform in [0, 1)."""
        try:
            base = min(self.max_delay, self.delay * self.backoff ** (retry - 1))
        except OverflowError:
            base = self.max_delay
        return float(base * (1.0 - self.jitter * draw))


def _is_exception_class(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, Exception)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_retry(value: Any, node: str) -> RetryPolicy | None:
    """`retry=` as a node keeps it: None, a RetryPolicy, or an int counting the retries after
    the first attempt (``retry=2`` is ``RetryPolicy(attempts=3)``; 0 means none)."""
    if value is None or isinstance(value, RetryPolicy):
        return value
    if not _is_int(value):
        raise TypeError(
            f"node {node!r}: retry must be an int (retries after the first attempt) or a "
            f"RetryPolicy, got {value!r}"
        )
    if value < 0:
        raise ValueError(f"node {node!r}: retry must be >= 0, got {value}")
    return RetryPolicy(attempts=value + 1) if value else None


def as_timeout(value: Any, node: str) -> float | None:
    """`timeout=` in seconds: None, or a finite number > 0."""
    if value is None:
        return None
    if not _is_number(value):
        raise TypeError(f"node {node!r}: timeout must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"node {node!r}: timeout must be a finite number > 0, got {value!r}")
    return float(value)


def attempt_errors(error: BaseException) -> tuple[BaseException, ...]:
    """Every attempt's exception behind `error`, the final failure of a node with a retry
    policy, oldest first and ending with `error` itself; ``(error,)`` for any other error."""
    earlier: tuple[BaseException, ...] = getattr(error, ATTEMPT_ERRORS, ())
    return (*earlier, error)
