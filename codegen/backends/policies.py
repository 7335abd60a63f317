"""Node policies in a compiled module: cache, retry and timeout written out around a call.

A node with a policy is called through a wrapper bound once, at import, next to its function:

```text
_policy_fetch: Final = _acached(_aretrying(_threaded(fetch, "fetch", 2.0), _Retry(...)), ...)
```

so every call site (static, dynamic, nested, mapped) calls ``_policy_fetch`` where it called
``fetch``. With ``events = true`` the observer's wrapper (``codegen.backends.observer``) wraps
``_policy_fetch`` in turn, and the helpers tell the observed run (the module's ``_FRAME``) of
a cache hit and of each retried attempt, as the runners tell their `RunScope`. Each wrapper is
one small helper of the module (templates/_policy_helpers.jinja), written only when some node
uses it: a module without policies is byte-identical to one
compiled before policies existed. The helpers implement what the runners do
(``hypergraph.runners._policy``) without importing hypergraph: the cache key is computed by
the same encoder, copied from ``hypergraph.policies.keys`` (the section between its
``portable`` markers), and the cache object is anything with ``get`` and ``set``, passed as
``run(..., cache=...)``.

A `def` node with a policy in an async module becomes an awaitable wrapper (a worker thread,
or the loop under ``sync_nodes = "inline"``), so its calls are awaited (`policy_mode`). A
timeout that the module cannot enforce is refused, as the runners refuse it: any timeout in a
sync module, and a `def` node's under ``sync_nodes = "inline"``.
"""

from __future__ import annotations

import inspect
import re

from codegen.analysis.importable import import_problem, shown_name
from codegen.backends.context import EmitContext
from codegen.errors import CompileError
from codegen.render.layout import Call, Lit, Name, Raw, statement
from hypergraph import ExecutionMode, FunctionNode
from hypergraph.nodes.base import HyperNode
from hypergraph.nodes.gate import GateNode
from hypergraph.policies import keys
from hypergraph.policies.retry import RetryPolicy

__all__ = [
    "CACHE_PARAMETER",
    "POLICY_HELPERS",
    "cache_run",
    "has_policy",
    "policy_mode",
    "portable_imports",
    "policy_imports",
    "portable_source",
    "wrap_policies",
]

POLICY_HELPERS = frozenset({"cache", "acache", "retry", "aretry", "threaded", "on_loop", "timed"})
"""``ctx.used`` keys of the policy helpers (templates/_policy_helpers.jinja)."""

_BEGIN = "# --- portable: begin"
_END = "# --- portable: end ---"
_IMPORT = re.compile(r"from ([\w.]+) import (\w+) as (\w+)")


def has_policy(node: HyperNode) -> bool:
    """Whether `node` has a cache, retry or timeout policy."""
    return node.cache or node.retry is not None or node.timeout is not None


def policy_mode(ctx: EmitContext, path: str, mode: ExecutionMode) -> ExecutionMode:
    """How the call at `path` runs: a `def` node wrapped by async policy helpers is awaited."""
    return ExecutionMode.ASYNC_FUNCTION if path in ctx.awaited else mode


def wrap_policies(ctx: EmitContext, path: str, node: HyperNode) -> None:
    """Bind the policy wrapper of `node` (at `path`, its function imported already) and make
    it what the call sites call; nothing for a node without policies."""
    if not has_policy(node):
        return
    assert isinstance(node, FunctionNode | GateNode)
    asynchronous = ctx.backend == "async"
    plain = node.mode is not ExecutionMode.ASYNC_FUNCTION
    _refuse(ctx, path, node, plain)
    watched = _watched_entry(ctx, path)
    raw = ctx.aliases[path] if watched is None else ctx.watched[watched][1]
    expr: Call | Name = Name(raw)
    node_name = Lit(path)
    if node.is_gate or not asynchronous:  # a gate decides inline: its call stays sync
        if node.retry is not None:
            ctx.used.add("retry")
            expr = Call("_retrying", _retry_args(ctx, path, node.retry, expr))
        if node.cache:
            ctx.used.add("cache")
            digest = Lit(node.definition_hash)
            expr = Call(
                "_cached", ((None, expr), (None, node_name), (None, digest), (None, Name(raw)))
            )
    else:
        if plain:
            if ctx.inline:
                ctx.used.add("on_loop")
                expr = Call("_on_loop", ((None, expr),))
            else:
                ctx.used |= {"threaded", "thread"}
                timeout = Lit(node.timeout) if node.timeout is not None else Raw("None")
                expr = Call("_threaded", ((None, expr), (None, node_name), (None, timeout)))
            ctx.awaited.add(path)
        elif node.timeout is not None:
            ctx.used.add("timed")
            expr = Call("_timed", ((None, expr), (None, node_name), (None, Lit(node.timeout))))
        if node.retry is not None:
            ctx.used.add("aretry")
            expr = Call("_aretrying", _retry_args(ctx, path, node.retry, expr))
        if node.cache:
            ctx.used.add("acache")
            digest = Lit(node.definition_hash)
            expr = Call(
                "_acached", ((None, expr), (None, node_name), (None, digest), (None, Name(raw)))
            )
    name = ctx.table.namespace.claim(f"_policy_{path.replace('/', '__')}")
    ctx.policies.append(statement(f"{name}: Final = ", expr, 0))
    if watched is None:
        ctx.aliases[path] = name
    else:  # run() calls the node's local, which the observer's wrapper binds around this
        local = ctx.watched[watched][2]
        ctx.watched[watched] = (path, name, local)


def _watched_entry(ctx: EmitContext, path: str) -> int | None:
    """The index of node `path` in `ctx.watched` (with events), else None."""
    for index, (watched, _, _) in enumerate(ctx.watched):
        if watched == path:
            return index
    return None


def _retry_args(
    ctx: EmitContext, path: str, retry: RetryPolicy, expr: Call | Name
) -> tuple[tuple[str | None, Call | Name | Lit], ...]:
    """The retry helper's arguments: the call, the policy, and (with events, to report each
    retried attempt) the node's name."""
    args: tuple[tuple[str | None, Call | Name | Lit], ...] = (
        (None, expr),
        (None, _retry_expr(ctx, path, retry)),
    )
    return (*args, (None, Lit(path))) if ctx.events else args


def _refuse(ctx: EmitContext, path: str, node: HyperNode, plain: bool) -> None:
    if node.timeout is None:
        return
    if ctx.backend == "sync":
        raise CompileError(
            f"node {path!r} has a timeout, which a sync module cannot enforce (it calls each "
            'node in the calling thread); compile it with runner = "async", or remove timeout',
            path,
        )
    if ctx.inline and plain:
        raise CompileError(
            f'node {path!r} has a timeout, which sync_nodes = "inline" cannot enforce (def '
            'nodes run on the event loop); use sync_nodes = "thread", or remove timeout',
            path,
        )


def _retry_expr(ctx: EmitContext, path: str, retry: RetryPolicy) -> Call:
    classes = retry.on if isinstance(retry.on, tuple) else (retry.on,)
    names = []
    for kind in classes:
        module, qualname = kind.__module__, kind.__qualname__
        problem = None if module == "builtins" else import_problem(kind, module, qualname)
        if problem:
            raise CompileError(
                f"node {path!r}: the retry policy's exception class {shown_name(qualname)} "
                f"cannot be imported by the compiled module: {problem}",
                path,
            )
        names.append(ctx.table.name(module, qualname))
    on = f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"
    fields = (
        ("attempts", Lit(retry.attempts)),
        ("on", Raw(on)),
        ("delay", Lit(float(retry.delay))),
        ("backoff", Lit(float(retry.backoff))),
        ("max_delay", Lit(float(retry.max_delay))),
        ("jitter", Lit(float(retry.jitter))),
    )
    return Call("_Retry", tuple((key, value) for key, value in fields))


def portable_source() -> str:
    """The encoder of cache keys, as `hypergraph.policies.keys` writes it (its imports left
    out: `portable_imports` lists them for the module's import section)."""
    text = inspect.getsource(keys)
    body = text[text.index(_BEGIN) : text.index(_END)]
    lines = body.split("\n")[1:]
    first = next(i for i, line in enumerate(lines) if line and not line.startswith("from "))
    return "\n".join(lines[first:]).strip("\n")


def portable_imports() -> set[tuple[str, str]]:
    """The encoder's imports, as (module, "name as alias") pairs."""
    text = inspect.getsource(keys)
    body = text[text.index(_BEGIN) : text.index(_END)]
    return {(m.group(1), f"{m.group(2)} as {m.group(3)}") for m in _IMPORT.finditer(body)}


CACHE_PARAMETER = "cache: _CacheBackend | None = None"
"""run()'s keyword taking the cache backend, when a node of the module is cached."""


def cache_run(ctx: EmitContext, params: tuple[str, ...]) -> str:
    """run() of a module with cached nodes: it takes ``cache=``, makes it the run's cache and
    calls the graph's ``_run()`` with its other keywords; "" for a module without."""
    if not {"cache", "acache"} & ctx.used:
        return ""
    if "cache" in ctx.graph.inputs.all:
        raise CompileError(
            "graph input 'cache' is the compiled module's own run() keyword when a node has "
            "cache=True (it takes the cache backend); rename the input (rename_inputs)"
        )
    asynchronous = ctx.backend == "async"
    names = [param.partition(":")[0] for param in params]
    wait = "await " if asynchronous else ""
    call = Call(f"{wait}_run", tuple((name, Name(name)) for name in names))
    lines = [
        f"{'async def' if asynchronous else 'def'} run(",
        "    *,",
        *(f"    {param}," for param in (*params, CACHE_PARAMETER)),
        ") -> Outputs:",
        '    """Run the graph; `cache` (a cache backend, or None) serves its cached nodes."""',
        "    _token = _CACHE.set(cache)",
        "    try:",
        statement("return ", call, 2),
        "    finally:",
        "        _CACHE.reset(_token)",
    ]
    return "\n".join(lines)


_ASYNC = {("asyncio", ""), ("collections.abc", "Coroutine"), ("typing", "Any")}
_RETRY = {("typing", "NamedTuple as _NamedTuple"), ("typing", "NoReturn as _NoReturn")}
_IMPORTS: dict[str, set[tuple[str, str]]] = {
    "cache": {
        ("contextvars", "ContextVar as _ContextVar"),
        ("inspect", "getsource as _getsource"),
        ("marshal", "dumps as _marshal"),
        ("typing", "Any"),
        ("typing", "Protocol as _Protocol"),
        ("typing", "cast"),
        ("warnings", "warn as _warn"),
    },
    "retry": {*_RETRY, ("random", "random as _random"), ("time", "sleep as _sleep")},
    "aretry": {
        *_RETRY,
        *_ASYNC,
        ("asyncio", "sleep as _asleep"),
        ("collections.abc", "Awaitable"),
        ("random", "random as _random"),
    },
    "on_loop": _ASYNC,
    "threaded": {*_ASYNC, ("contextvars", ""), ("threading", ""), ("typing", "cast")},
    "timed": {*_ASYNC, ("collections.abc", "Awaitable")},
}
_IMPORTS["acache"] = {*_IMPORTS["cache"], *_ASYNC, ("collections.abc", "Awaitable")}


def policy_imports(used: set[str]) -> set[tuple[str, str]]:
    """(module, name) of the imports the policy helpers in `used` need (name empty:
    ``import module``)."""
    needed: set[tuple[str, str]] = set()
    for helper in POLICY_HELPERS & used:
        needed |= _IMPORTS[helper]
    if POLICY_HELPERS & used:
        needed |= {("collections.abc", "Callable"), ("typing", "ParamSpec"), ("typing", "TypeVar")}
    if {"cache", "acache"} & used:
        needed |= portable_imports()
    return needed
