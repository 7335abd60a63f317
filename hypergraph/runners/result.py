"""What runs return: RunResult, MapResult and their status and failure records."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from hypergraph.events.types import RunStatus, map_status

__all__ = [
    "ErrorHandling",
    "FailureEvidence",
    "MapResult",
    "RunResult",
    "RunStatus",
    "attach_evidence",
]

ErrorHandling = Literal["raise", "continue"]


@dataclass(frozen=True)
class FailureEvidence:
    """Where and how a node failed."""

    node_name: str
    error: BaseException
    inputs: dict[str, Any] = field(default_factory=dict)
    superstep: int | None = None
    duration_ms: float | None = None
    graph_name: str | None = None
    item_index: int | None = None


def attach_evidence(error: BaseException, evidence: FailureEvidence) -> None:
    """Keep `evidence` on its exception for `get_failure_evidence`, without a reference cycle:
    the copy on the exception leaves `error` (the exception itself) out, so dropping the
    exception frees the failed node's inputs at once (a generator among them is closed)."""
    detached = dataclasses.replace(evidence, error=None)  # type: ignore[arg-type]
    with contextlib.suppress(Exception):  # exceptions with __slots__ cannot carry it
        error.__hypergraph_failure__ = detached  # type: ignore[attr-defined]


@dataclass
class RunResult:
    """The outcome of one run: output values, status and, on failure, the evidence."""

    values: dict[str, Any]
    status: RunStatus = RunStatus.COMPLETED
    run_id: str = ""
    workflow_id: str | None = None
    error: BaseException | None = None
    node_failures: tuple[FailureEvidence, ...] = ()

    @property
    def completed(self) -> bool:
        """Whether the run completed."""
        return self.status is RunStatus.COMPLETED

    @property
    def failed(self) -> bool:
        """Whether the run failed."""
        return self.status is RunStatus.FAILED

    @property
    def failure(self) -> FailureEvidence | None:
        """The first node failure, if any."""
        return self.node_failures[0] if self.node_failures else None

    def __getitem__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise KeyError(
                f"{key!r} is not in the run's values; available: {sorted(self.values)}"
            ) from None

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def get(self, key: str, default: Any = None) -> Any:
        """The value named `key`, or `default`."""
        return self.values.get(key, default)

    def summary(self) -> str:
        """One line saying how the run went."""
        text = f"{self.run_id}: {self.status.value}, {len(self.values)} values"
        if self.failure is not None:
            text += f"; node {self.failure.node_name!r} raised {self.failure.error!r}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Metadata of the run (values excluded)."""
        return {
            "run_id": self.run_id,
            "workflow_id": self.workflow_id,
            "status": self.status.value,
            "value_names": sorted(self.values),
            "error": repr(self.error) if self.error is not None else None,
            "failed_nodes": [f.node_name for f in self.node_failures],
        }


@dataclass(frozen=True)
class MapResult(Sequence[RunResult]):
    """The results of a `map()` call, one RunResult per item, in item order."""

    results: tuple[RunResult, ...]
    run_id: str = ""
    total_duration_ms: float = 0.0
    map_over: tuple[str, ...] = ()
    map_mode: str = "zip"
    graph_name: str | None = None

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[RunResult]:
        return iter(self.results)

    @overload
    def __getitem__(self, key: int) -> RunResult: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[RunResult, ...]: ...
    @overload
    def __getitem__(self, key: str) -> list[Any]: ...
    def __getitem__(self, key: int | slice | str) -> Any:
        if isinstance(key, str):
            return [r.values.get(key) for r in self.results]
        return self.results[key]

    def get(self, key: str, default: Any = None) -> list[Any]:
        """Per-item values of `key`, `default` where an item lacks it."""
        return [r.values.get(key, default) for r in self.results]

    @property
    def failures(self) -> tuple[RunResult, ...]:
        """The failed items."""
        return tuple(r for r in self.results if r.failed)

    @property
    def any_failed(self) -> bool:
        """Whether any item failed."""
        return any(r.failed for r in self.results)

    @property
    def status(self) -> RunStatus:
        """COMPLETED if every item completed (or none ran), FAILED if all failed, else PARTIAL."""
        return map_status(sum(r.failed for r in self.results), len(self.results))

    @property
    def completed(self) -> bool:
        """Whether every item completed."""
        return self.status is RunStatus.COMPLETED

    @property
    def failed(self) -> bool:
        """Whether every item failed."""
        return self.status is RunStatus.FAILED

    @property
    def partial(self) -> bool:
        """Whether some items failed and some completed."""
        return self.status is RunStatus.PARTIAL

    def summary(self) -> str:
        """One line saying how the items went."""
        failed = len(self.failures)
        return (
            f"{self.run_id}: {self.status.value}, {len(self.results)} items, {failed} failed, "
            f"{self.total_duration_ms:.1f} ms"
        )
