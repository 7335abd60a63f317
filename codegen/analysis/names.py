"""Identifiers for generated code: validation, the module's own names, collision-free aliases.

Who owns which names in a compiled module:

* The graph's inputs are run()'s keyword parameters and keep their names; they may not start
  with ``_`` and may not be one of the `RESERVED` names the module uses unqualified.
* Every other value is a local variable that keeps its name when that name is free, else gets
  one from the `Namespace` (``run`` -> ``run_``; a gate's decision ``_<gate>`` is
  ``<gate>_decision``): no local that stands for a user's value ever starts with ``_``.
* The module's helpers, constants and loop variables start with ``_`` (`HELPERS`, plus claimed
  ``_graph_<node>``, ``_node_<node>`` and ``_TARGET_<target>``), so no user value can take them.
* Builtins are reached by their plain name unless a value of the graph has that name; then
  through ``builtins.<name>`` (see `ImportTable.name`). Names the compiler claims (imports,
  locals) never take a builtin's name, so module-level helpers always see the real builtins.
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Iterable

from codegen.errors import CompileError
from hypergraph.identifiers import identifier_problem

__all__ = [
    "BUILTIN_NAMES",
    "HELPERS",
    "HELPER_IMPORTS",
    "MAP_HELPERS",
    "RESERVED",
    "RUN_MANY_NAMES",
    "Namespace",
    "check_identifier",
    "check_input",
]

MAP_HELPERS: frozenset[str] = frozenset(
    {
        "same_length",
        "product",
        "deepcopy",
        "gather_items",
        "gather_settled",
        "columns",
        "map_inputs",
        "port_lists",
        "port_values",
    }
)
"""Helpers of nested and mapped graphs (``ctx.used`` keys) that templates write out."""

HELPER_IMPORTS: dict[str, str] = {
    "Any": "typing",
    "AsyncIterable": "collections.abc",
    "AsyncIterator": "collections.abc",
    "Callable": "collections.abc",
    "Coroutine": "collections.abc",
    "Final": "typing",
    "Iterable": "collections.abc",
    "ParamSpec": "typing",
    "Sized": "collections.abc",
    "TypedDict": "typing",
    "TypeVar": "typing",
    "cast": "typing",
}
"""Names the templates use unqualified, with the module each is imported from."""

RESERVED: frozenset[str] = frozenset(
    {
        # the module's public interface and run()'s own keywords
        "Inputs",
        "Outputs",
        "SCHEDULE",
        "run",
        "max_iterations",
        "max_concurrency",
        # names every generated module may import or define at module level
        "Any",
        "AsyncIterator",
        "AsyncIterable",
        "Awaitable",
        "Callable",
        "Coroutine",
        "END",
        "Final",
        "InfiniteLoopError",
        "Iterable",
        "ParamSpec",
        "Sized",
        "TypedDict",
        "TYPE_CHECKING",
        "TypeVar",
        "annotations",
        "asyncio",
        "builtins",
        "cast",
        "contextvars",
        "threading",
    }
)
"""Module-level names without a leading ``_`` that generated code uses unqualified: a graph
input may not take them (a produced value's local gets another name)."""

HELPERS: frozenset[str] = frozenset(
    {
        "_",
        "_ABSENT",
        "_NODES",
        "_P",
        "_R",
        "_T",
        "_RequiredInputs",
        "_FRAME",
        "_Frame",
        "_Run",
        "_child_run",
        "_item_run",
        "_item_task",
        "_map_size",
        "_nested_end",
        "_nested_start",
        "_observed",
        "_run_ended",
        "_step_end",
        "_step_start",
        "_Superstep",
        "_CHUNKS",
        "_MAX_DEFAULT_CHUNKSIZE",
        "_bounded_tasks",
        "_chunked",
        "_pack_outcome",
        "_run_chunk",
        "_unpack",
        "_changed",
        "_columns",
        "_decide",
        "_deepcopy",
        "_drain",
        "_drain_async",
        "_gather_items",
        "_gather_settled",
        "_in_thread",
        "_inline",
        "_loop_error",
        "_map_inputs",
        "_port_lists",
        "_port_values",
        "_product",
        "_route_target",
        "_same_length",
        "_several",
        "_which",
        # node policies (templates/_policy_helpers.jinja) and their imports
        "_run",
        "_CACHE",
        "_CacheBackend",
        "_FLIGHTS",
        "_NodeTimeoutError",
        "_Retry",
        "_THREAD_LEFT",
        "_acached",
        "_aretrying",
        "_cache_get",
        "_cache_key",
        "_cache_set",
        "_cached",
        "_definition",
        "_give_up",
        "_on_loop",
        "_retrying",
        "_settle",
        "_threaded",
        "_timed",
        "_ContextVar",
        "_NamedTuple",
        "_NoReturn",
        "_Protocol",
        "_asleep",
        "_getsource",
        "_perf_counter",
        "_RUN",  # with events: the observed run the policy helpers report to
        "_marshal",
        "_random",
        "_sleep",
        "_warn",
        # the cache key encoder (hypergraph.policies.keys, its portable section)
        "_BASES",
        "_base_of",
        "_BY_REPR",
        "_Decimal",
        "_Enum",
        "_Fraction",
        "_KEY_VERSION",
        "_MAX_DEPTH",
        "_PurePath",
        "_SLICED",
        "_UUID",
        "_Unkeyable",
        "_class_name",
        "_date",
        "_encode",
        "_encode_buffer",
        "_encode_composite",
        "_encode_numbers",
        "_pack",
        "_fields",
        "_frame",
        "_is_dataclass",
        "_key_digest",
        "_plain",
        "_sha256",
        "_time",
        "_timedelta",
        "_unkeyable_message",
    }
)
"""The module's own fixed helper names (all start with ``_``, which no graph input may)."""

RUN_MANY_NAMES: frozenset[str] = frozenset(
    {"run_many", "concurrent", "pickle", "queue", "Literal", "overload", "ItemTransferError"}
)
"""Module-level names that a module compiled with run_many uses unqualified (claimed only
then, so modules without it stay as they were)."""

BUILTIN_NAMES: frozenset[str] = frozenset(dir(builtins))
"""Names the compiler never claims: a module-level alias must not hide a builtin."""


def check_identifier(name: object, what: str) -> str:
    """Return `name` if it can be a Python name in a generated module, else raise CompileError.

    `what` describes the name for the message, e.g. ``"output of node 'split'"``.
    """
    if not isinstance(name, str):
        raise CompileError(f"{what} {name!r} is not a Python identifier")
    problem = identifier_problem(name)
    if problem:
        raise CompileError(f"{what} {name!r} {problem}; rename it")
    if name.startswith("__"):
        raise CompileError(
            f"{what} {name!r} starts with '__', which Python mangles in class bodies (the "
            "Inputs and Outputs TypedDicts); rename it"
        )
    return name


def check_input(name: str, what: str) -> str:
    """`name` if it can be a keyword parameter of run(): an identifier that is neither one of
    the module's own names nor starts with ``_`` (the prefix of the module's helpers)."""
    check_identifier(name, what)
    if name.startswith("_"):
        raise CompileError(
            f"{what} {name!r} starts with '_', which compiled modules keep for their own "
            "helpers; rename it (rename_inputs)"
        )
    if name in RESERVED:
        raise CompileError(
            f"{what} {name!r} is a name the compiled module uses itself (reserved: "
            f"{', '.join(sorted(RESERVED))}); rename it (rename_inputs)"
        )
    return name


class Namespace:
    """Allocates names that collide neither with each other nor with a taken set."""

    def __init__(self, taken: Iterable[str]) -> None:
        self._taken = set(taken) | RESERVED | HELPERS

    def claim(self, base: str, suffix: str = "_") -> str:
        """`base` if free, else `base` + suffix (+ a counter); the result becomes taken.
        A claimed name is never a keyword nor a builtin's name."""
        candidate = base
        counter = 1
        while (
            candidate in self._taken or keyword.iskeyword(candidate) or candidate in BUILTIN_NAMES
        ):
            candidate = f"{base}{suffix}" if counter == 1 else f"{base}{suffix}{counter}"
            counter += 1
        self._taken.add(candidate)
        return candidate

    def is_taken(self, name: str) -> bool:
        """Whether `name` is already in use."""
        return name in self._taken
