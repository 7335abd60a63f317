"""Every public exception of hypergraph, in one place."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypergraph.runners.result import FailureEvidence

__all__ = [
    "CacheKeyError",
    "ExecutionError",
    "GraphConfigError",
    "IncompatibleRunnerError",
    "InfiniteLoopError",
    "ItemTransferError",
    "MissingInputError",
    "NotPicklableError",
    "NodeTimeoutError",
    "RenameError",
    "TypeMismatchError",
    "get_failure_evidence",
]


class GraphConfigError(Exception):
    """A graph is built wrong: the message names the nodes involved and how to fix it."""


class TypeMismatchError(GraphConfigError):
    """`strict_types=True` found type errors; `diagnostics` holds every one of them."""

    def __init__(self, message: str, diagnostics: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class RenameError(ValueError):
    """A rename names an unknown port or would give two ports one name (a ValueError, so
    `except ValueError` catches it)."""


class MissingInputError(Exception):
    """Required graph inputs were not supplied to `run()` or `map()`."""

    def __init__(self, missing: list[str], provided: list[str], message: str) -> None:
        super().__init__(message)
        self.missing = missing
        self.provided = provided
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:  # picklable: map items come back from executors
        return type(self), (self.missing, self.provided, self.message), self.__dict__


class InfiniteLoopError(Exception):
    """A cyclic part of a graph ran more than `max_iterations` supersteps."""

    def __init__(self, max_iterations: int, message: str | None = None) -> None:
        self.max_iterations = max_iterations
        self.message = message or f"Graph execution exceeded {max_iterations} iterations"
        super().__init__(self.message)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable: map items come back from executors
        return type(self), (self.max_iterations, self.message), self.__dict__


class IncompatibleRunnerError(Exception):
    """The runner cannot execute this graph (e.g. SyncRunner and an async node)."""

    def __init__(
        self,
        message: str,
        *,
        node_name: str | None = None,
        capability: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.node_name = node_name
        self.capability = capability
        self.code = code


class NotPicklableError(TypeError):
    """A map sent to an executor holds something that cannot be pickled: the message names the
    node or input and how to fix it. Raised before any item is sent."""

    def __init__(
        self,
        message: str,
        *,
        node_name: str | None = None,
        input_name: str | None = None,
        item_index: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.node_name = node_name
        self.input_name = input_name
        self.item_index = item_index

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.message, self.__dict__)


class ItemTransferError(Exception):
    """A map item ran on an executor, but its result could not be brought back whole: an
    output or an exception that cannot be pickled (or unpickled). The message names it;
    `remote_traceback` holds the worker's traceback when there was one. Also the stand-in for
    failure-evidence inputs that could not be pickled."""

    def __init__(
        self, message: str, *, item_index: int | None = None, remote_traceback: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.item_index = item_index
        self.remote_traceback = remote_traceback

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.message, self.__dict__)


def _rebuild(cls: type[Exception], message: str, attributes: dict[str, Any]) -> Exception:
    """Unpickles an exception whose attributes are keyword-only constructor arguments."""
    error = cls(message)
    error.__dict__.update(attributes)
    return error


class CacheKeyError(TypeError):
    """A cached node's input value cannot be encoded into a cache key; the message names the
    node, the parameter and where inside the value the problem is (a TypeError)."""

    def __init__(self, message: str, *, node_name: str, parameter: str) -> None:
        super().__init__(message)
        self.node_name = node_name
        self.parameter = parameter


class NodeTimeoutError(TimeoutError):
    """A node ran longer than its `timeout=` (a TimeoutError naming the node)."""

    def __init__(self, node_name: str, timeout: float, detail: str = "") -> None:
        message = f"node {node_name!r} timed out after {timeout:g} s (timeout={timeout:g})"
        super().__init__(message + (f"; {detail}" if detail else ""))
        self.node_name = node_name
        self.timeout = timeout


class ExecutionError(Exception):
    """Internal carrier of a node failure; never escapes `run()` or `map()`."""

    def __init__(
        self,
        failure: FailureEvidence,
        partial_state: dict[str, Any],
        attempted_node_names: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"node {failure.node_name!r} failed: {failure.error!r}")
        self.failure = failure
        self.partial_state = partial_state
        self.attempted_node_names = attempted_node_names
        self.node_failures = (failure,)
        self.node_errors = {failure.node_name: failure.error}
        self.__cause__ = failure.error


def get_failure_evidence(exc: BaseException) -> FailureEvidence | None:
    """Return the FailureEvidence attached to a node's exception raised by a run, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        evidence = getattr(current, "__hypergraph_failure__", None)
        if evidence is not None:
            if evidence.error is None:  # kept on its own exception without a cycle
                evidence = dataclasses.replace(evidence, error=current)
            return evidence  # type: ignore[no-any-return]
        if isinstance(current, ExecutionError):
            return current.failure
        current = current.__context__ or current.__cause__
    return None
