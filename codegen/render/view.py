"""The typed view model the templates render; every string in it is already safe source text."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SCHEDULE_DOC", "Field", "ModuleView", "StepView"]

SCHEDULE_DOC = '"""The supersteps: node names in the order run() calls them."""'
"""The docstring under SCHEDULE of a DAG's module, quotes included."""


@dataclass(frozen=True)
class Field:
    """A TypedDict field or a run() parameter: validated name, rendered type, optional default."""

    name: str
    type: str
    var: str = ""
    """The local variable holding the value (outputs; may differ from a dotted name)."""


@dataclass(frozen=True)
class StepView:
    """One superstep: a comment naming its nodes and its statements (fully indented)."""

    number: int
    nodes: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ModuleView:
    """Everything a template needs to write one compiled module (or its stub)."""

    source: str
    digest_label: str
    digest: str
    graph_name: str
    backend: str
    stdlib_imports: tuple[str, ...]
    other_imports: tuple[str, ...]
    unwraps: tuple[str, ...]
    schedule: str
    inputs_required: tuple[Field, ...]
    inputs_optional: tuple[Field, ...]
    outputs: tuple[Field, ...]
    params: tuple[str, ...]
    steps: tuple[StepView, ...]
    returns: str
    use_several: bool
    use_thread: bool
    use_inline: bool
    use_drain: bool
    use_drain_async: bool
    use_superstep: bool
    use_paramspec: bool
    outputs_functional: bool = False
    """An output name is not an identifier (a namespaced port): functional TypedDict."""
    helpers: frozenset[str] = frozenset()
    """Helpers of nested and mapped graphs to write out (see templates/_map_helpers.jinja)."""
    body: str = ""
    """Gated or cyclic graphs: run()'s whole body (codegen.backends.dynamic), instead of
    `steps`."""
    outputs_partial: bool = False
    """Outputs may be absent (an untaken branch): ``total=False``."""
    schedule_doc: str = SCHEDULE_DOC
    """The docstring under SCHEDULE, quotes included."""
    functions: tuple[str, ...] = ()
    """Module-level functions of nested graphs (codegen.backends.subgraphs), each a whole `def`."""
    notes: tuple[str, ...] = ()
    """Comment lines under the header (annotations written as Any, and why), wrapped."""
    targets: tuple[tuple[str, str], ...] = ()
    """Gated graphs: (constant, route target name) of the module's target constants."""
    run_many: bool = False
    """Sync modules compiled with `run_many` (spec `[graph] run_many = true`): also write
    `run_many(items, executor=...)` (templates/_run_many.jinja)."""
    policy: frozenset[str] = frozenset()
    """Node policy helpers to write out (templates/_policy_helpers.jinja)."""
    portable: str = ""
    """The cache key encoder's source, when some node is cached."""
    policies: tuple[str, ...] = ()
    """Module-level lines binding the nodes' policy wrappers."""
    policy_imports: frozenset[tuple[str, str]] = frozenset()
    """(module, name) of the imports the policy helpers need."""
    cache_run: str = ""
    """run() taking ``cache=`` and calling the graph's ``_run()``, when a node is cached."""

    @property
    def reports_cache(self) -> bool:
        """With events, the cache helpers tell the run's observer of a hit."""
        return self.events and bool({"cache", "acache"} & self.policy)

    @property
    def reports_retry(self) -> bool:
        """With events, the retry helpers tell the run's observer of each retried attempt."""
        return self.events and bool({"retry", "aretry"} & self.policy)

    events: bool = False
    """run() takes an optional observer (``[graph] events = true``): templates/_events.jinja."""
    prologue: str = ""
    """A DAG's first lines of run() after its docstring (the observer's dispatch)."""
    nodes: str = ""
    """With events: ``_NODES``, the node functions run()'s prologue unpacks."""
