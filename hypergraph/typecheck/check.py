"""``check_graph``: every type diagnostic of a graph at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hypergraph._typing import NO, UNKNOWN, YES, compatibility
from hypergraph.typecheck.advice import mismatch_hint
from hypergraph.typecheck.diagnostics import Diagnostic, Severity
from hypergraph.typecheck.format import format_type
from hypergraph.typecheck.hints import MISSING, FunctionHints, Unresolved, function_hints
from hypergraph.typecheck.modes import (
    consumer_family_error,
    mode_label,
    producer_mode_error,
    runtime_output_type,
    suggested_annotation,
)
from hypergraph.typecheck.outputs import split_outputs
from hypergraph.typecheck.source import def_location, short_location

__all__ = ["check_graph"]


@dataclass
class _Info:
    """What the checker knows about one node."""

    node: Any
    index: int
    hints: FunctionHints | None = None
    outputs: dict[str, object] = field(default_factory=dict)
    _location: tuple[str | None, int | None] | None = None

    @property
    def name(self) -> str:
        return str(self.node.name)

    @property
    def location(self) -> tuple[str | None, int | None]:
        """(file, def line), computed on first use: only diagnostics need it."""
        if self._location is None:
            func = _node_function(self.node)
            self._location = def_location(func) if func is not None else (None, None)
        return self._location

    @property
    def file(self) -> str | None:
        return self.location[0]

    @property
    def line(self) -> int | None:
        return self.location[1]

    @property
    def where(self) -> str:
        return short_location(self.file, self.line)

    def param(self, value: str) -> str:
        get = getattr(self.node, "param_name", None)
        return str(get(value)) if get is not None else value


def _node_function(node: Any) -> Any:
    """The function whose hints type a node's ports; None for nodes typed another way.

    Seam for nested graphs: a GraphNode has no ``func``, so its ports are skipped until it
    exposes port types from its inner nodes.
    """
    return getattr(node, "func", None)


class _Checker:
    def __init__(self, graph: Any, strict: bool) -> None:
        self.graph = graph
        self.strict = strict
        self.out: list[Diagnostic] = []
        self.seen: set[tuple[str, str, str]] = set()
        self.infos: dict[str, _Info] = {}

    # -- helpers -----------------------------------------------------------------------

    def emit(self, code: str, severity: Severity, message: str, info: _Info, **kw: Any) -> None:
        self.out.append(
            Diagnostic(
                code=code,
                severity=severity,
                message=message,
                node=info.name,
                file=info.file,
                line=info.line,
                **kw,
            )
        )

    def once(self, code: str, info: _Info, port: str) -> bool:
        key = (code, info.name, port)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    # -- passes -------------------------------------------------------------------------

    def run(self) -> list[Diagnostic]:
        for index, node in enumerate(self.graph.iter_nodes()):
            self.infos[node.name] = self._describe(node, index)
        for producer, consumer, value in self.graph.data_edges:
            p, c = self.infos.get(producer), self.infos.get(consumer)
            if p is not None and c is not None and p.hints is not None and c.hints is not None:
                self._check_edge(p, c, value)
        self._check_inputs()
        self._check_shared_generators()
        rank = {"error": 0, "warning": 1}
        position = {name: info.index for name, info in self.infos.items()}
        return sorted(
            self.out,
            key=lambda d: (
                rank[d.severity],
                position.get(d.node or "", -1),
                d.parameter or "",
                d.code,
                d.message,
            ),
        )

    def _describe(self, node: Any, index: int) -> _Info:
        info = _Info(node=node, index=index)
        func = _node_function(node)
        if func is None:
            return info
        info.hints = function_hints(func)
        names = tuple(getattr(node, "data_outputs", ()))
        info.outputs, problem = split_outputs(info.hints.returns, names)
        if problem is not None:
            self.emit(
                "output-annotation",
                "error",
                f"Node {info.name!r} {problem} ({info.where})",
                info,
                produced=format_type(info.hints.returns),
                hint=f"annotate the return as tuple[...] with {len(names)} types",
            )
        returns = info.hints.returns
        if getattr(node, "is_generator", False) and names:
            is_async = bool(getattr(node, "is_async", False))
            self._check_generator_mode(info, is_async, returns)
            if returns is not MISSING and not isinstance(returns, Unresolved):
                info.outputs = dict.fromkeys(names, runtime_output_type(is_async, returns))
        return info

    def _check_generator_mode(self, info: _Info, is_async: bool, returns: object) -> None:
        if returns is MISSING or isinstance(returns, Unresolved):
            return
        problem = producer_mode_error(is_async, returns)
        if problem is None:
            return
        shown = format_type(returns)
        self.emit(
            "generator-mode",
            "error",
            f"Node {info.name!r} is {mode_label(is_async)} but its return annotation is "
            f"{shown}; {problem} ({info.where})",
            info,
            produced=shown,
            hint=f"annotate the return as {suggested_annotation(is_async, returns)}",
        )

    def _resolved(self, info: _Info, port: str, t: object, what: str) -> bool:
        """True when ``t`` is a usable type; reports missing/unresolved annotations."""
        if isinstance(t, Unresolved):
            if self.once("unresolved-annotation", info, port):
                self.emit(
                    "unresolved-annotation",
                    "warning",
                    f"Cannot resolve annotation {t.text!r} of node {info.name!r} {what} "
                    f"({info.where}); edges through it are not type-checked ({t.error})",
                    info,
                    parameter=port,
                )
            return False
        if t is MISSING:
            if self.strict and self.once("missing-annotation", info, port):
                self.emit(
                    "missing-annotation",
                    "error",
                    f"Missing type annotation (strict_types): node {info.name!r} {what} "
                    f"({info.where})",
                    info,
                    parameter=port,
                )
            return False
        return True

    def _check_edge(self, p: _Info, c: _Info, value: str) -> None:
        assert p.hints is not None
        assert c.hints is not None
        produced = p.outputs.get(value, MISSING)
        param = c.param(value)
        expected = c.hints.param(param)
        ok_p = self._resolved(p, f"->{value}", produced, f"output {value!r}")
        ok_c = self._resolved(c, param, expected, f"parameter {param!r}")
        if not (ok_p and ok_c):
            return
        verdict = compatibility(produced, expected)
        if verdict is YES:
            return
        shown_p, shown_e = format_type(produced), format_type(expected)
        if verdict is NO and getattr(p.node, "is_generator", False):
            is_async = bool(getattr(p.node, "is_async", False))
            fix = consumer_family_error(is_async, expected)
            if fix is not None:
                self.emit(
                    "generator-consumer-mode",
                    "error",
                    f"Generator mode mismatch on {value!r}: node {p.name!r} is "
                    f"{mode_label(is_async)} ({p.where}) but node {c.name!r} parameter "
                    f"{param!r} expects {shown_e} ({c.where}); {fix}",
                    c,
                    parameter=param,
                    produced=shown_p,
                    expected=shown_e,
                    hint=f"annotate the parameter as {suggested_annotation(is_async, expected)}",
                )
                return
        if verdict is NO:
            self.emit(
                "type-mismatch",
                "error",
                f"Type mismatch on {value!r}: node {p.name!r} returns {shown_p} ({p.where}) "
                f"but node {c.name!r} parameter {param!r} expects {shown_e} ({c.where})",
                c,
                parameter=param,
                produced=shown_p,
                expected=shown_e,
                hint=mismatch_hint(produced, expected),
            )
        elif verdict is UNKNOWN:
            self.emit(
                "type-undecidable",
                "warning",
                f"Cannot decide whether {shown_p} from node {p.name!r} ({p.where}) fits "
                f"{shown_e} of node {c.name!r} parameter {param!r} ({c.where}); edge "
                f"{value!r} is not type-checked",
                c,
                parameter=param,
                produced=shown_p,
                expected=shown_e,
            )

    def _check_inputs(self) -> None:
        inputs = getattr(self.graph, "inputs", None)
        names: Iterable[str] = getattr(inputs, "all", ()) if inputs is not None else ()
        wanted = set(names)
        readers: dict[str, list[tuple[_Info, str, object]]] = {}
        for info in self.infos.values():
            if info.hints is None:
                continue
            for value in getattr(info.node, "inputs", ()):
                if value not in wanted:
                    continue
                param = info.param(value)
                t = info.hints.param(param)
                if isinstance(t, Unresolved):
                    self._resolved(info, param, t, f"parameter {param!r}")
                elif t is not MISSING:
                    readers.setdefault(value, []).append((info, param, t))
        for value in sorted(readers, key=lambda v: readers[v][0][0].index):
            self._check_input_readers(value, readers[value])

    def _check_input_readers(self, value: str, readers: list[tuple[_Info, str, object]]) -> None:
        distinct: list[tuple[_Info, str, object]] = []
        for reader in readers:
            if not any(_same(reader[2], other[2]) for other in distinct):
                distinct.append(reader)
        for i, (a, pa, ta) in enumerate(distinct):
            for b, pb, tb in distinct[i + 1 :]:
                if compatibility(ta, tb) is NO and compatibility(tb, ta) is NO:
                    shown_a, shown_b = format_type(ta), format_type(tb)
                    self.emit(
                        "input-conflict",
                        "error",
                        f"Conflicting annotations for graph input {value!r}: node {a.name!r} "
                        f"parameter {pa!r} expects {shown_a} ({a.where}) but node {b.name!r} "
                        f"parameter {pb!r} expects {shown_b} ({b.where}); neither accepts "
                        "the other",
                        b,
                        parameter=pb,
                        produced=shown_a,
                        expected=shown_b,
                        hint="annotate both parameters with one type",
                    )

    def _check_shared_generators(self) -> None:
        consumers: dict[tuple[str, str], list[str]] = {}
        for producer, consumer, value in self.graph.data_edges:
            info = self.infos.get(producer)
            if info is None or not getattr(info.node, "is_generator", False):
                continue
            names = consumers.setdefault((producer, value), [])
            if consumer not in names:
                names.append(consumer)
        for (producer, value), names in consumers.items():
            if len(names) < 2:
                continue
            info = self.infos[producer]
            listed = ", ".join(repr(n) for n in names)
            self.emit(
                "shared-generator",
                "warning",
                f"Generator output {value!r} of node {producer!r} ({info.where}) feeds "
                f"{len(names)} nodes ({listed}); they share one one-shot iterator",
                info,
                parameter=value,
                hint="consume it in one node, or have it return a list",
            )


def _same(a: object, b: object) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return a is b


def check_graph(graph: Any, *, strict: bool) -> list[Diagnostic]:
    """All type diagnostics of ``graph``: errors first, then warnings, in node order.

    ``strict`` makes a missing annotation on a data edge an error; otherwise such edges are
    skipped silently. Annotated edges, generator modes and graph inputs are checked either way.
    """
    return _Checker(graph, strict).run()
