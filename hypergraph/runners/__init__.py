"""Runners: SyncRunner and AsyncRunner walk a graph's Plan."""

from hypergraph.runners.async_ import AsyncRunner
from hypergraph.runners.base import BaseRunner, RunnerCapabilities
from hypergraph.runners.result import (
    ErrorHandling,
    FailureEvidence,
    MapResult,
    RunResult,
    RunStatus,
)
from hypergraph.runners.sync import SyncRunner

__all__ = [
    "AsyncRunner",
    "BaseRunner",
    "ErrorHandling",
    "FailureEvidence",
    "MapResult",
    "RunResult",
    "RunStatus",
    "RunnerCapabilities",
    "SyncRunner",
]
