"""Running plain functions in worker threads without ever leaving one running behind."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Collection
from typing import Any

__all__ = ["ThreadCall", "cancel_and_wait", "wait_settled"]

_PENDING, _RUNNING, _DROPPED = 0, 1, 2


class ThreadCall:
    """One call in the loop's default executor, with a copy of the caller's contextvars.

    A thread cannot be interrupted, so cancelling a call only stops it if it has not started;
    a started call is waited for (however often the caller is cancelled meanwhile) before
    the cancellation propagates.
    """

    __slots__ = ("_abandoned", "_finished", "_lock", "_loop", "_state", "argument", "func")

    def __init__(self, func: Callable[[Any], Any], argument: Any) -> None:
        self.func = func
        self.argument = argument
        self._loop = asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._state = _PENDING
        self._abandoned = False
        self._finished: asyncio.Future[None] = self._loop.create_future()

    async def __call__(self) -> Any:
        context = contextvars.copy_context()
        try:
            return await self._loop.run_in_executor(None, self._job, context)
        except asyncio.CancelledError:
            await self.settled()
            raise

    def _job(self, context: contextvars.Context) -> Any:
        with self._lock:
            if self._state == _DROPPED:
                return None
            self._state = _RUNNING
        try:
            return context.run(self.func, self.argument)
        finally:
            if not self._loop.is_closed():  # an abandoned call may outlive its loop
                self._loop.call_soon_threadsafe(_mark_done, self._finished)

    @property
    def started(self) -> bool:
        """Whether the call is running (or has run) in its thread."""
        return self._state == _RUNNING

    def abandon(self) -> None:
        """Stop waiting for the call (a timeout): drop it if it has not started; a started one
        finishes in its thread unobserved, and `settled` no longer waits for it."""
        with self._lock:
            if self._state != _RUNNING:
                self._state = _DROPPED
            self._abandoned = True

    async def settled(self) -> None:
        """Drop the call if it has not started; otherwise wait until its thread returns
        (unless the call was abandoned)."""
        with self._lock:
            if self._state != _RUNNING:
                self._state = _DROPPED
                return
            if self._abandoned:
                return
        await wait_settled((self._finished,))


async def wait_settled(futures: Collection[asyncio.Future[Any]]) -> None:
    """Wait until every future is done, however many times the caller is cancelled meanwhile;
    then let the cancellation propagate. Cleanup that stops halfway leaves work running."""
    cancelled: asyncio.CancelledError | None = None
    pending = [f for f in futures if not f.done()]
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError as exc:
            cancelled = cancelled or exc
        pending = [f for f in pending if not f.done()]
    if cancelled is not None:
        try:
            raise cancelled
        finally:
            cancelled = None  # no frame -> exception -> traceback -> frame cycle


async def cancel_and_wait(tasks: Collection[asyncio.Future[Any]]) -> None:
    """Cancel the tasks and wait until they have settled (see `wait_settled`)."""
    for task in tasks:
        task.cancel()
    await wait_settled(tasks)


def _mark_done(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
