"""Node policies at run time: cache lookup, retries and timeouts around one node's call.

`_prepare.attach_calls` wraps the call of a node that has a policy, once per graph; nodes
without one keep their bare call, so the hot path pays nothing. `sync_call` serves SyncRunner
and gates; `async_call` is the step's `acall` under AsyncRunner: the cache is read on the
loop, identical concurrent calls compute once, each attempt of a `def` node runs in a worker
thread that a timeout stops waiting for, and retries wait on the loop without holding a thread
or a concurrency slot.

Every policy call ends in `report`: the one place that knows whether a result came from the
cache and how each attempt went. When processors watch the run (the state holds its
`RunScope`), a hit is told to the scope (the node then ends with `CacheHitEvent` and
`NodeEndEvent(cached=True)`), and so is each failed attempt that is retried (`_retrying`: a
`NodeRetryEvent`). A timeout is the node's error (`NodeTimeoutError`, a TimeoutError): the
watched loops report it as they report any error.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypergraph._warn import warn_user
from hypergraph.exceptions import NodeTimeoutError
from hypergraph.nodes.function import ExecutionMode
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.policies.retry import ATTEMPT_ERRORS, RetryPolicy
from hypergraph.runners._steps import CACHE, EVENTS, GIVEN, AsyncCall, RunCache, RunStep, SyncCall
from hypergraph.runners._threads import ThreadCall, cancel_and_wait, wait_settled

if TYPE_CHECKING:
    from hypergraph.graph.core import Graph

__all__ = ["Attempt", "CallReport", "async_call", "report", "sync_call", "timed"]

log = logging.getLogger("hypergraph.policies")

_THREAD_LEFT = (
    "its worker thread cannot be interrupted: the runner stopped waiting, the call finishes in "
    "the background and its result is discarded"
)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One call of a node's function."""

    number: int
    """1 for the first call."""
    error: BaseException | None
    """What it raised, or None if it returned."""
    seconds: float
    """How long it ran."""
    wait: float
    """Seconds waited after it before the next attempt (0.0 when none followed)."""


@dataclass(frozen=True, slots=True)
class CallReport:
    """What happened when a node with a policy was called once by the runner."""

    node_name: str
    cached: bool
    """Served from the cache (then `attempts` is empty)."""
    attempts: tuple[Attempt, ...]
    """Every attempt, when the node has a retry policy (else empty: one call was made)."""
    cache_key: str = ""
    """The key the result was served under, for a hit."""


def report(state: dict[str, Any], record: CallReport) -> None:
    """Every policy call of a node ends here, hit, success or final failure. The facts are
    logged on ``hypergraph.policies``; a hit is told to the run's scope when processors
    watch it."""
    if record.cached:
        log.debug("node %r: served from the cache", record.node_name)
        scope = state.get(EVENTS)
        if scope is not None:
            scope.cache_hit(record.node_name, record.cache_key)
    elif len(record.attempts) > 1:
        last = record.attempts[-1]
        outcome = "failed" if last.error is not None else "succeeded"
        log.info("node %r: %s after %d attempts", record.node_name, outcome, last.number)


def timed(graph: Graph) -> tuple[tuple[str, bool], ...]:
    """The active nodes with a timeout (nested ones as `outer/inner`) and whether each is a
    plain `def` (see `Prepared.timed`)."""
    active = set(graph.active_nodes)
    found: list[tuple[str, bool]] = []
    for n in graph.iter_nodes():
        if n.name not in active:
            continue
        if isinstance(n, GraphNode):
            found += [(f"{n.name}/{path}", plain) for path, plain in timed(n.graph)]
        elif n.timeout is not None:
            found.append((n.name, not n.is_async))
    return tuple(found)


# -- the cache ----------------------------------------------------------------------------


def _arguments(step: RunStep, state: dict[str, Any]) -> dict[str, Any]:
    """What the function is called with, by parameter (defaults as they are: not copied)."""
    arguments = {param: state[name] for param, name in step.args}
    for param, name, default, _ in step.optional:
        arguments[param] = state.get(name, default)
    if step.from_given:
        given = state[GIVEN]
        for param, name, default, _ in step.from_given:
            arguments[param] = given.get(name, default)
    return arguments


def _key_function() -> Callable[[str, str, dict[str, Any]], str]:
    """`hypergraph.policies.keys.cache_key`, imported when a graph first has a cached node."""
    from hypergraph.policies.keys import cache_key

    return cache_key


def _lookup(run_cache: RunCache, key: str, name: str) -> tuple[bool, Any]:
    try:
        hit, value = run_cache.backend.get(key)
    except Exception as exc:
        warn_user(f"node {name!r}: the cache backend could not be read ({exc!r}); computing it")
        return False, None
    return bool(hit), value


def _store(run_cache: RunCache, key: str, value: Any, name: str) -> None:
    try:
        run_cache.backend.set(key, value)
    except Exception as exc:
        kind = type(value).__name__
        warn_user(f"node {name!r}: its result ({kind}) was not cached: {exc!r}")


# -- retries --------------------------------------------------------------------------------


def _failed(
    number: int, total: int, policy: RetryPolicy, error: Exception, seconds: float
) -> Attempt:
    """The record of a failed attempt, with the wait before the next one if it is retried
    (-1.0 if it is not)."""
    retried = number < total and isinstance(error, policy.on)
    wait = policy.wait(number, random.random()) if retried else -1.0
    return Attempt(number, error, seconds, wait)


def _give_up(state: dict[str, Any], name: str, attempts: list[Attempt]) -> Any:
    """Raise the last attempt's error, carrying the earlier ones (`attempt_errors`).

    Nothing here keeps the error once it is raised: the list is emptied and the error is
    raised outside any except block, so a failed run leaves no reference cycle.
    """
    last = attempts[-1]
    failure = last.error
    assert failure is not None
    final = Attempt(last.number, failure, last.seconds, 0.0)
    record = CallReport(name, False, (*attempts[:-1], final))
    setattr(failure, ATTEMPT_ERRORS, tuple(a.error for a in attempts[:-1]))
    attempts.clear()
    del last, final
    report(state, record)
    del record
    try:
        raise failure
    finally:
        del failure


def _retrying(state: dict[str, Any], name: str, total: int, attempt: Attempt) -> None:
    """Attempt `attempt` failed and is retried: logged, and a NodeRetryEvent when watched."""
    scope = state.get(EVENTS)
    if scope is not None:
        assert attempt.error is not None
        scope.retry(name, attempt.number, attempt.error, attempt.seconds, attempt.wait)
    log.info(
        "node %r: attempt %d of %d failed (%r); retrying in %.3g s",
        name,
        attempt.number,
        total,
        attempt.error,
        attempt.wait,
    )


def _attempts_sync(
    name: str, policy: RetryPolicy | None, bare: SyncCall, state: dict[str, Any]
) -> Any:
    if policy is None:  # one attempt, nothing to record but that it was computed
        result = bare(state)
        report(state, CallReport(name, False, ()))
        return result
    total = policy.attempts
    attempts: list[Attempt] = []
    for number in range(1, total + 1):
        started = time.perf_counter()
        try:
            result = bare(state)
        except Exception as exc:
            attempts.append(_failed(number, total, policy, exc, time.perf_counter() - started))
        else:
            attempts.append(Attempt(number, None, time.perf_counter() - started, 0.0))
            report(state, CallReport(name, False, tuple(attempts)))
            return result
        wait = attempts[-1].wait
        if wait < 0:
            break
        _retrying(state, name, total, attempts[-1])
        time.sleep(wait)
    return _give_up(state, name, attempts)


def sync_call(step: RunStep, bare: SyncCall) -> SyncCall:
    """`bare` with the node's cache and retry policy (a timeout is refused before a sync run:
    see `timed`)."""
    node = step.node
    name = step.name
    policy = node.retry
    cached = node.cache
    cache_key = _key_function() if cached else None

    def call(state: dict[str, Any]) -> Any:
        run_cache = state.get(CACHE) if cache_key is not None else None
        if run_cache is None or cache_key is None:
            return _attempts_sync(name, policy, bare, state)
        key = cache_key(name, node.definition_hash, _arguments(step, state))
        hit, value = _lookup(run_cache, key, name)
        if hit:
            report(state, CallReport(name, True, (), key))
            return value
        value = _attempts_sync(name, policy, bare, state)
        _store(run_cache, key, value, name)
        return value

    return call


# -- AsyncRunner ----------------------------------------------------------------------------

Once = Callable[[dict[str, Any], bool], Awaitable[Any]]
"""One attempt under AsyncRunner: (state, inline) -> the node's result."""


def _once(step: RunStep, bare: SyncCall) -> Once:
    name = step.name
    timeout = step.node.timeout
    if step.mode is ExecutionMode.ASYNC_FUNCTION:

        async def once_async(state: dict[str, Any], inline: bool) -> Any:
            if timeout is None:
                return await bare(state)
            return await _async_deadline(bare(state), timeout, name)

        return once_async

    async def once_def(state: dict[str, Any], inline: bool) -> Any:
        if inline:  # a timeout on an inline def node is refused before the run
            return bare(state)
        if timeout is None:
            return await ThreadCall(bare, state)()
        return await _thread_deadline(bare, state, timeout, name)

    return once_def


async def _async_deadline(coroutine: Any, timeout: float, name: str) -> Any:
    """Await `coroutine` as a task; at the deadline cancel it and raise NodeTimeoutError."""
    task = asyncio.ensure_future(coroutine)
    try:
        done, _ = await asyncio.wait([task], timeout=timeout)
    except BaseException:  # cancelled from outside: the node is cancelled with the run
        await cancel_and_wait([task])
        raise
    if not done:
        await cancel_and_wait([task])
        if task.cancelled():
            del task
            raise NodeTimeoutError(name, timeout, "the call was cancelled")
    return _outcome(task)


async def _thread_deadline(bare: SyncCall, state: dict[str, Any], timeout: float, name: str) -> Any:
    """Run `bare` in a worker thread; at the deadline stop waiting and raise NodeTimeoutError.

    Cancelled from outside (another node failed), it waits for a started thread as every
    thread of a run is waited for, but only until the deadline.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    call = ThreadCall(bare, state)
    task = asyncio.ensure_future(call())
    try:
        done, _ = await asyncio.wait([task], timeout=timeout)
    except asyncio.CancelledError:
        if call.started:
            await _wait_until(task, deadline)
        call.abandon()
        task.cancel()
        await wait_settled([task])
        raise
    if not done:
        call.abandon()  # a thread that has not started never will
        task.cancel()
        await wait_settled([task])
        del task
        raise NodeTimeoutError(name, timeout, _THREAD_LEFT)
    return _outcome(task)


async def _wait_until(task: asyncio.Future[Any], deadline: float) -> None:
    """Wait for `task` until `deadline` (loop time), however often we are cancelled."""
    loop = asyncio.get_running_loop()
    while not task.done() and (remaining := deadline - loop.time()) > 0:
        try:
            await asyncio.wait([task], timeout=remaining)
        except asyncio.CancelledError:
            continue


def _outcome(task: asyncio.Future[Any]) -> Any:
    """A finished task's result, or its error raised without keeping a reference to it."""
    if task.cancelled():
        raise asyncio.CancelledError
    error = task.exception()
    if error is None:
        return task.result()
    del task
    try:
        raise error
    finally:
        del error


async def _attempts_async(
    name: str,
    policy: RetryPolicy | None,
    once: Once,
    state: dict[str, Any],
    inline: bool,
    limiter: asyncio.Semaphore | None,
) -> Any:
    if policy is None:  # one attempt, nothing to record but that it was computed
        if limiter is None:
            result = await once(state, inline)
        else:
            async with limiter:
                result = await once(state, inline)
        report(state, CallReport(name, False, ()))
        return result
    total = policy.attempts
    attempts: list[Attempt] = []
    for number in range(1, total + 1):
        started = time.perf_counter()
        try:
            if limiter is None:
                result = await once(state, inline)
            else:
                async with limiter:  # a slot per attempt: none is held while waiting
                    result = await once(state, inline)
        except Exception as exc:
            attempts.append(_failed(number, total, policy, exc, time.perf_counter() - started))
        else:
            attempts.append(Attempt(number, None, time.perf_counter() - started, 0.0))
            report(state, CallReport(name, False, tuple(attempts)))
            return result
        wait = attempts[-1].wait
        if wait < 0:
            break
        _retrying(state, name, total, attempts[-1])
        await asyncio.sleep(wait)
    return _give_up(state, name, attempts)


def async_call(step: RunStep, bare: SyncCall) -> AsyncCall:
    """AsyncRunner's call of a node with policies (`RunStep.acall`)."""
    node = step.node
    name = step.name
    policy = node.retry
    once = _once(step, bare)
    cache_key = _key_function() if node.cache else None

    async def acall(state: dict[str, Any], inline: bool, limiter: Any) -> Any:
        run_cache = state.get(CACHE) if cache_key is not None else None
        if run_cache is None or cache_key is None:
            return await _attempts_async(name, policy, once, state, inline, limiter)
        key = cache_key(name, node.definition_hash, _arguments(step, state))
        loop = asyncio.get_running_loop()
        flight_key = (loop, key)
        while True:
            hit, value = _lookup(run_cache, key, name)
            if hit:
                report(state, CallReport(name, True, (), key))
                return value
            flight = run_cache.flights.get(flight_key)
            if flight is None:
                break
            await asyncio.wait([flight])  # an identical call is computing: use its result
        flight = run_cache.flights[flight_key] = loop.create_future()
        try:
            value = await _attempts_async(name, policy, once, state, inline, limiter)
            _store(run_cache, key, value, name)
            return value
        finally:
            del run_cache.flights[flight_key]
            flight.set_result(None)

    return acall
