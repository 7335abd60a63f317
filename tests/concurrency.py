"""Concurrency checked by counting events, not by timing (issue 20).

A wall-clock bound such as "two 0.2 s naps finish in under 0.35 s" fails on a loaded 2-core
machine. A `Rendezvous` proves the same thing by events: every party waits until all the
others have arrived, which only happens when they run at the same time. A back end that runs
them one after another never completes the rendezvous and fails with TimeoutError after
`timeout` seconds, a bound no correct run comes near, so it holds under any load.
"""

from __future__ import annotations

import asyncio
import threading
import time


class Rendezvous:
    """`parties` callers that must all be running at once (threads or coroutines)."""

    def __init__(self, parties: int, timeout: float = 20.0) -> None:
        self.parties = parties
        self.timeout = timeout
        self.arrived = 0
        self._lock = threading.Lock()
        self._all = threading.Event()

    def _arrive(self) -> None:
        with self._lock:
            self.arrived += 1
            if self.arrived >= self.parties:
                self._all.set()

    def _late(self) -> TimeoutError:
        return TimeoutError(
            f"only {self.arrived} of {self.parties} parties ever ran at once "
            f"(waited {self.timeout} s): they ran one after another"
        )

    def wait(self) -> None:
        """Arrive from a thread, then block until every party has arrived."""
        self._arrive()
        if not self._all.wait(self.timeout):
            raise self._late()

    async def wait_async(self) -> None:
        """Arrive from a coroutine, then yield to the loop until every party has arrived."""
        self._arrive()
        deadline = time.monotonic() + self.timeout
        while not self._all.is_set():
            if time.monotonic() > deadline:
                raise self._late()
            await asyncio.sleep(0.001)

    @property
    def complete(self) -> bool:
        """Whether every party arrived."""
        return self._all.is_set()
