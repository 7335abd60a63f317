"""A module's text: the view model through the jinja2 templates in ``codegen/templates``.

`render_module` writes the module or its stub from a `ModuleView` and adds exactly the imports
the text uses: the helpers' (`helper_imports`), the import table's (node functions and
annotation classes, left out of stubs), and hypergraph's ``END`` / ``InfiniteLoopError`` with
local stand-ins when hypergraph is not installed.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from collections.abc import Mapping
from typing import Protocol

import jinja2

from codegen.render.imports import Import, import_lines
from codegen.render.unread import drop_unread_locals
from codegen.render.view import ModuleView

__all__ = ["ENV", "ImportSource", "helper_imports", "render_module"]

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("codegen", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


class ImportSource(Protocol):
    """What a module imports besides its helpers (``codegen.analysis.annotations.ImportTable``)."""

    @property
    def node_aliases(self) -> set[str]:
        """Imported names that are node functions (left out of stubs)."""
        ...

    @property
    def notes(self) -> Mapping[str, None]:
        """Comment lines for the module's head, in order."""
        ...

    def imports(self) -> list[Import]:
        """Every import, sorted."""
        ...


def render_module(table: ImportSource, view: ModuleView, template: str) -> str:
    """Render `template`, adding exactly the imports the rendered text uses."""
    stub = template.endswith(".pyi.jinja")
    skipped = table.node_aliases if stub else frozenset()
    stdlib, other = import_lines(table.imports(), helper_imports(view, stub=stub), skipped=skipped)
    if not stub:
        hypergraph = _import_fallback(view.helpers, view.policy, transfer=view.run_many)
        fallback = (*hypergraph, "", *_TYPED_DICT) if hypergraph else _TYPED_DICT
        other = (*other, "", *fallback) if other else fallback
    notes = tuple(
        line
        for note in table.notes
        for line in textwrap.wrap(_comment_text(note), 98, subsequent_indent="  ")
    )
    changes: dict[str, object] = {"stdlib_imports": stdlib, "other_imports": other, "notes": notes}
    if stub:  # an omittable seed's marker default is not a name the stub defines
        params = tuple(
            p.removesuffix(" = _ABSENT") + " = ..." if p.endswith(" = _ABSENT") else p
            for p in view.params
        )
        if view.cache_run:  # run() takes the cache backend too
            params = (*params, _CACHE_PARAMETER)
        changes.update(unwraps=(), steps=(), body="", functions=(), params=params)
    full = dataclasses.replace(view, **changes)  # type: ignore[arg-type]
    text = ENV.get_template(template).render(m=full, stub=stub)
    return _drop_unused_any(text) if stub else drop_unread_locals(text)


def _comment_text(text: str) -> str:
    """`text` as the body of one comment line: printable ASCII only."""
    return "".join(c if c.isascii() and c.isprintable() else ascii(c)[1:-1] for c in text)


def _drop_unused_any(stub: str) -> str:
    """The stub without ``Any`` in its typing import when nothing else names it."""
    lines = stub.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("from typing import ") and "Any" in line[19:].split(", "):
            rest = "\n".join(lines[:index] + lines[index + 1 :])
            if not re.search(r"\bAny\b", rest):
                names = [n for n in line[19:].split(", ") if n != "Any"]
                lines[index] = "from typing import " + ", ".join(names)
            break
    return "\n".join(lines)


_LOOP_ERROR_FALLBACK = (
    "",
    "    class InfiniteLoopError(Exception):  # type: ignore[no-redef]",
    '        """A cyclic part ran more than max_iterations supersteps."""',
    "",
    "        def __init__(self, max_iterations: int, message: str | None = None) -> None:",
    "            self.max_iterations = max_iterations",
    '            self.message = message or f"Graph execution exceeded {max_iterations} iterations"',
    "            super().__init__(self.message)",
)


_TYPED_DICT = (
    "if TYPE_CHECKING:",
    "    from typing import TypedDict",
    "else:  # pydantic validates only typing_extensions' TypedDict before Python 3.12",
    "    try:",
    "        from typing_extensions import TypedDict",
    "    except ImportError:  # the standard library's when typing_extensions is absent",
    "        from typing import TypedDict",
)
"""Inputs and Outputs are TypedDicts that pydantic can validate on every Python version,
while the module needs nothing beyond the standard library."""


_TRANSFER_ERROR_FALLBACK = (
    "",
    "    class ItemTransferError(Exception):  # type: ignore[no-redef]",
    '        """An item\'s outcome could not be pickled back from the executor."""',
)
_TIMEOUT_FALLBACK = (
    "try:",
    "    from hypergraph.exceptions import (",
    "        NodeTimeoutError as _NodeTimeoutError,  # pyright: ignore[reportAssignmentType]",
    "    )",
    "except ImportError:  # without hypergraph: a stand-in of the same shape",
    "",
    "    class _NodeTimeoutError(TimeoutError):  # type: ignore[no-redef]",
    '        """A node ran longer than its timeout."""',
    "",
    '        def __init__(self, node_name: str, timeout: float, detail: str = "") -> None:',
    '            message = f"node {node_name!r} timed out after {timeout:g} s"',
    '            super().__init__(message + (f"; {detail}" if detail else ""))',
    "            self.node_name = node_name",
    "            self.timeout = timeout",
    "",
)
_CACHE_PARAMETER = "cache: _CacheBackend | None = None"


def _import_fallback(
    helpers: frozenset[str], policy: frozenset[str], *, transfer: bool = False
) -> tuple[str, ...]:
    """hypergraph's END, InfiniteLoopError, ItemTransferError (run_many) and NodeTimeoutError
    when installed, else local stand-ins."""
    gates, loops = "decide" in helpers, "loop_error" in helpers
    timeouts = _TIMEOUT_FALLBACK if {"threaded", "timed"} & policy else ()
    if not gates and not loops and not transfer:
        return timeouts
    lines = ["try:"]
    # pyright reports a name bound twice; both checkers accept the stand-ins' shapes
    if gates:
        lines.append("    from hypergraph import END")
    if loops:
        lines.append(
            "    from hypergraph.exceptions import InfiniteLoopError"
            "  # pyright: ignore[reportAssignmentType]"
        )
    if transfer:
        lines.append(
            "    from hypergraph.exceptions import ItemTransferError"
            "  # pyright: ignore[reportAssignmentType]"
        )
    lines.append("except ImportError:  # without hypergraph: stand-ins of the same names")
    if gates:
        lines.append(
            '    END = "\\x00hypergraph.END"  # pyright: ignore[reportConstantRedefinition]'
        )
    if loops:
        lines += [*_LOOP_ERROR_FALLBACK, ""]
    if transfer:
        lines += [*_TRANSFER_ERROR_FALLBACK, ""]
    return (*lines, *(("",) if timeouts and lines[-1] else ()), *timeouts)


_RUN_MANY_STUB = {
    ("collections.abc", "Iterable"),
    ("concurrent.futures", ""),
    ("typing", "Literal"),
    ("typing", "overload"),
}
"""What run_many's signature needs (templates/_run_many.jinja)."""


def helper_imports(view: ModuleView, *, stub: bool) -> set[tuple[str, str]]:
    """(module, name) of every import the templates' helpers need (name empty: ``import``)."""
    if stub:
        stubbed = {("typing", "Final"), ("typing", "TypedDict")}
        if view.cache_run:
            stubbed |= {("typing", "Any"), ("typing", "Protocol as _Protocol")}
        if view.events:
            stubbed.add(("typing", "Protocol"))
        if view.run_many:
            stubbed |= _RUN_MANY_STUB
        return stubbed
    needed = {("typing", "Final"), ("typing", "TYPE_CHECKING")}  # TypedDict: see _TYPED_DICT
    needed |= view.policy_imports
    if "absent" in view.helpers:
        needed |= {("typing", "Any")}
    if view.backend == "async" and (view.use_thread or view.use_inline):
        needed |= {("collections.abc", "Callable"), ("typing", "ParamSpec"), ("typing", "TypeVar")}
    if view.use_thread:
        needed |= {("asyncio", ""), ("contextvars", ""), ("threading", ""), ("typing", "cast")}
    if view.use_several:
        needed |= {("typing", "TypeVar"), ("collections.abc", "Sized")}
    if view.use_drain:
        needed |= {("collections.abc", "Iterable")}
    if view.use_drain_async:
        needed |= {("collections.abc", "AsyncIterator")}
    if "columns" in view.helpers:
        needed |= {("collections.abc", "Sequence"), ("typing", "Any")}
    if {"map_inputs", "port_lists", "port_values"} & view.helpers:
        needed |= {("typing", "Any")}
    if "same_length" in view.helpers:
        needed |= {("collections.abc", "Sized")}
    if "product" in view.helpers:
        needed |= {("itertools", "product as _product")}
    if "decide" in view.helpers:
        needed |= {("collections.abc", "Sequence"), ("typing", "cast")}
    if "deepcopy" in view.helpers:
        needed |= {("copy", "deepcopy as _deepcopy")}
    if {"gather_items", "gather_settled"} & view.helpers:
        needed |= {
            ("asyncio", ""),
            ("collections.abc", "Coroutine"),
            ("collections.abc", "Sequence"),
            ("typing", "Any"),
            ("typing", "TypeVar"),
        }
    if view.run_many:
        needed |= _RUN_MANY_STUB | {("pickle", ""), ("queue", ""), ("typing", "Any")}
        needed |= {("typing", "Final")}
    if view.reports_retry:
        needed |= {("time", "perf_counter as _perf_counter")}
    if view.events:  # templates/_events.jinja: what its helpers in use need
        needed |= {
            ("collections.abc", "Callable"),
            ("typing", "Any"),
            ("typing", "ParamSpec"),
            ("typing", "Protocol"),
            ("typing", "TypeVar"),
        }
        needed |= {("contextvars", "")}  # _FRAME: the run each node reports to
        if {"watch", "watch_async"} & view.helpers:
            needed |= {("collections.abc", "Sized")}
        if "map_size" in view.helpers:
            needed |= {("collections.abc", "Sized"), ("typing", "cast")}
        if "watch_drained" in view.helpers:
            needed |= {("collections.abc", "Iterator"), ("typing", "cast")}
        if "watch_drained_async" in view.helpers:
            needed |= {("collections.abc", "AsyncIterator"), ("typing", "cast")}
        if view.backend == "async":
            needed |= {("collections.abc", "Awaitable")}
        if "watch_async" in view.helpers:
            needed |= {("collections.abc", "Coroutine")}
    if view.use_superstep:
        needed |= {
            ("asyncio", ""),
            ("collections.abc", "Coroutine"),
            ("typing", "Any"),
            ("typing", "TypeVar"),
        }
    return needed
