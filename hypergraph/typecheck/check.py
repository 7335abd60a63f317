"""``check_graph``: every type diagnostic of a graph at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hypergraph._typing import (
    NO,
    UNKNOWN,
    YES,
    CallCheck,
    compatibility,
    solve_call,
    typevars_of,
)
from hypergraph.typecheck.advice import mismatch_hint
from hypergraph.typecheck.diagnostics import Diagnostic, Severity
from hypergraph.typecheck.format import format_type
from hypergraph.typecheck.generic import CallSolver, Feed, has_typevars, solution_text, usable
from hypergraph.typecheck.hints import MISSING, FunctionHints, Unresolved, function_hints
from hypergraph.typecheck.modes import (
    consumer_family_error,
    mode_label,
    producer_mode_error,
    runtime_output_type,
    suggested_annotation,
)
from hypergraph.typecheck.outputs import split_outputs
from hypergraph.typecheck.ports import Endpoint, PortTypes, port_types
from hypergraph.typecheck.source import def_location, short_location

__all__ = ["check_graph"]


@dataclass
class _Info:
    """What the checker knows about one node."""

    node: Any
    index: int
    hints: FunctionHints | None = None
    outputs: dict[str, object] = field(default_factory=dict)
    ports: PortTypes | None = None
    """For a GraphNode: the inner endpoints behind each port (instead of hints)."""
    generic_in: bool = False
    """A function node with a type variable in a parameter: its inputs are solved together."""
    generic_out: bool = False
    """A function node with a type variable in an output: solved per consumer."""
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

    @property
    def typed(self) -> bool:
        """Whether the checker knows this node's port types (function hints or inner ports)."""
        return self.hints is not None or self.ports is not None

    def param(self, value: str) -> str:
        get = getattr(self.node, "param_name", None)
        return str(get(value)) if get is not None else value

    def produced(self, value: str) -> list[_End]:
        """Every typed source of output ``value`` (a GraphNode port may have several)."""
        if self.ports is not None:
            return [_End(self, e.name, e.type, e) for e in self.ports.returns.get(value, ())]
        return [_End(self, value, self.outputs.get(value, MISSING))]

    def expected(self, value: str) -> list[_End]:
        """Every typed reader of input ``value`` (a GraphNode port: each inner consumer)."""
        if self.ports is not None:
            return [_End(self, e.name, e.type, e) for e in self.ports.expects.get(value, ())]
        assert self.hints is not None
        param = self.param(value)
        return [_End(self, param, self.hints.param(param))]


@dataclass(frozen=True)
class _End:
    """One typed side of an edge: a function node's parameter/output, or an inner node's
    behind a GraphNode port (``inner`` set; named by its path ``outer/inner``)."""

    info: _Info
    port: str
    type: object
    inner: Endpoint | None = None

    @property
    def label(self) -> str:
        return self.info.name if self.inner is None else f"{self.info.name}/{self.inner.node}"

    @property
    def where(self) -> str:
        return self.info.where if self.inner is None else self.inner.where

    @property
    def is_generator(self) -> bool:
        if self.inner is not None:
            return self.inner.is_generator
        return bool(getattr(self.info.node, "is_generator", False))

    @property
    def is_async(self) -> bool:
        if self.inner is not None:
            return self.inner.is_async
        return bool(getattr(self.info.node, "is_async", False))

    def node_text(self, value: str) -> str:
        """``node 'gn/inner'`` plus, behind a port, which port of which GraphNode."""
        text = f"node {self.label!r}"
        if self.inner is not None:
            mapped = f", mapped ({self.inner.mapped})" if self.inner.mapped else ""
            text += f" (port {value!r} of GraphNode {self.info.name!r}{mapped})"
        return text

    def located(self) -> dict[str, Any]:
        """Diagnostic ``file``/``line`` overrides for an inner endpoint."""
        if self.inner is None:
            return {}
        return {"file": self.inner.file, "line": self.inner.line}


def _node_function(node: Any) -> Any:
    """The function whose hints type a node's ports; None for nodes typed another way
    (a GraphNode is typed through its inner nodes: see ``ports.py``)."""
    return getattr(node, "func", None)


def _is_graph_node(node: Any) -> bool:
    return hasattr(node, "graph") and hasattr(node, "input_pairs")


class _Checker:
    def __init__(self, graph: Any, strict: bool) -> None:
        self.graph = graph
        self.strict = strict
        self.out: list[Diagnostic] = []
        self.seen: set[tuple[str, str, str]] = set()
        self.infos: dict[str, _Info] = {}

    # -- helpers -----------------------------------------------------------------------

    def emit(self, code: str, severity: Severity, message: str, info: _Info, **kw: Any) -> None:
        if "file" not in kw:
            kw["file"], kw["line"] = info.file, info.line
        self.out.append(
            Diagnostic(code=code, severity=severity, message=message, node=info.name, **kw)
        )

    def once(self, code: str, info: _Info | _End, port: str) -> bool:
        key = (code, info.label if isinstance(info, _End) else info.name, port)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    # -- passes -------------------------------------------------------------------------

    def run(self) -> list[Diagnostic]:
        for index, node in enumerate(self.graph.iter_nodes()):
            self.infos[node.name] = self._describe(node, index)
        self.fed_by: dict[str, dict[str, list[str]]] = {}
        for producer, consumer, value in self.graph.data_edges:
            self.fed_by.setdefault(consumer, {}).setdefault(value, []).append(producer)
        self.solver = CallSolver(self._feeds_of)
        for info in self.infos.values():  # upstream first (node order), so solving stays shallow
            if info.generic_out:
                for t in info.outputs.values():
                    if usable(t) and typevars_of(t):
                        self.solver.delivered(info.name, t)
        generic_consumers: dict[str, None] = {}
        for producer, consumer, value in self.graph.data_edges:
            p, c = self.infos.get(producer), self.infos.get(consumer)
            if p is not None and c is not None and p.typed and c.typed:
                if c.generic_in:
                    generic_consumers[consumer] = None  # checked below, all inputs at once
                    continue
                for pe in p.produced(value):
                    for ce in c.expected(value):
                        self._check_edge(pe, ce, value)
        for name in generic_consumers:
            self._check_generic_call(self.infos[name])
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
        if _is_graph_node(node):
            info.ports = port_types(node)
            for address, ends in info.ports.expects.items():
                self._check_readers([_End(info, e.name, e.type, e) for e in ends], address, True)
            return info
        func = _node_function(node)
        if func is None:
            return info
        info.hints = function_hints(func)
        names = tuple(getattr(node, "data_outputs", ()))
        info.outputs, problem = split_outputs(info.hints.returns, names)
        info.generic_in = has_typevars(info.hints.params.values())
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
        info.generic_out = has_typevars(info.outputs.values())
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

    def _resolved(self, end: _End, key: str, what: str, value: str) -> bool:
        """True when the end's type is usable; reports missing/unresolved annotations."""
        t = end.type
        node = end.node_text(value)
        if isinstance(t, Unresolved):
            if self.once("unresolved-annotation", end, key):
                self.emit(
                    "unresolved-annotation",
                    "warning",
                    f"Cannot resolve annotation {t.text!r} of {node} {what} "
                    f"({end.where}); edges through it are not type-checked ({t.error})",
                    end.info,
                    parameter=end.port,
                    **end.located(),
                )
            return False
        if t is MISSING:
            if self.strict and self.once("missing-annotation", end, key):
                self.emit(
                    "missing-annotation",
                    "error",
                    f"Missing type annotation (strict_types): {node} {what} ({end.where})",
                    end.info,
                    parameter=end.port,
                    **end.located(),
                )
            return False
        return True

    def _check_edge(self, p: _End, c: _End, value: str) -> None:
        produced, expected, param = p.type, c.type, c.port
        what_p = f"output {p.port!r}"
        ok_p = self._resolved(p, f"->{p.port}", what_p, value)
        ok_c = self._resolved(c, param, f"parameter {param!r}", value)
        if not (ok_p and ok_c):
            return
        solved: CallCheck | None = None
        if p.inner is None and p.info.generic_out and typevars_of(produced):
            solved = self._solve_producer(p, c, value)
            if solved is None:
                return
            produced = solved.returns
        verdict = compatibility(produced, expected)
        if verdict is YES:
            return
        shown_p = format_type(p.type)
        if solved is not None:
            shown_p = f"{format_type(produced)} ({shown_p} with {solution_text(solved, p.type)})"
        shown_e = format_type(expected)
        who_p, who_c = p.node_text(value), c.node_text(value)
        if verdict is NO and p.is_generator:
            is_async = p.is_async
            fix = consumer_family_error(is_async, expected)
            if fix is not None:
                self.emit(
                    "generator-consumer-mode",
                    "error",
                    f"Generator mode mismatch on {value!r}: {who_p} is "
                    f"{mode_label(is_async)} ({p.where}) but {who_c} parameter "
                    f"{param!r} expects {shown_e} ({c.where}); {fix}",
                    c.info,
                    parameter=param,
                    produced=shown_p,
                    expected=shown_e,
                    hint=f"annotate the parameter as {suggested_annotation(is_async, expected)}",
                    **c.located(),
                )
                return
        if verdict is NO:
            self.emit(
                "type-mismatch",
                "error",
                f"Type mismatch on {value!r}: {who_p} returns {shown_p} ({p.where}) "
                f"but {who_c} parameter {param!r} expects {shown_e} ({c.where})",
                c.info,
                parameter=param,
                produced=shown_p,
                expected=shown_e,
                hint=mismatch_hint(produced, expected),
                **c.located(),
            )
        elif verdict is UNKNOWN:
            self.emit(
                "type-undecidable",
                "warning",
                f"Cannot decide whether {shown_p} from {who_p} ({p.where}) fits "
                f"{shown_e} of {who_c} parameter {param!r} ({c.where}); edge "
                f"{value!r} is not type-checked",
                c.info,
                parameter=param,
                produced=shown_p,
                expected=shown_e,
                **c.located(),
            )

    # -- generic nodes ---------------------------------------------------------------------

    def _feeds_of(self, name: str) -> list[Feed]:
        """The arguments of node ``name``'s call: each parameter and what feeds it."""
        info = self.infos[name]
        if info.hints is None:
            return []
        feeds: list[Feed] = []
        for value in getattr(info.node, "inputs", ()):
            param = info.param(value)
            formal = info.hints.param(param)
            if not usable(formal):
                continue
            ends = [
                end
                for producer in self.fed_by.get(name, {}).get(value, ())
                if (source := self.infos.get(producer)) is not None and source.typed
                for end in source.produced(value)
            ]
            feeds += [Feed(param, formal, self._delivered(end), end) for end in ends]
            if not ends:
                feeds.append(Feed(param, formal, None))  # a graph input: unknown until run time
        return feeds

    def _delivered(self, end: _End) -> object | None:
        """The type an upstream end hands on (its type variables solved); None if unknown."""
        if not usable(end.type):
            return None
        if end.inner is None and end.info.generic_out and typevars_of(end.type):
            return self.solver.delivered(end.info.name, end.type)
        return end.type

    def _solve_producer(self, p: _End, c: _End, value: str) -> CallCheck | None:
        """A generic producer's call solved with its consumer's type as context (mypy's
        bidirectional inference). None when that makes its own inputs fail (reported here)."""
        context = None if typevars_of(c.type) else c.type
        solved = self.solver.call(p.info.name, p.type, context)
        if solved.verdict is not NO:
            return solved
        plain = self.solver.call(p.info.name, p.type, None)
        if plain.verdict is NO:
            return plain  # its inputs do not fit anyway: reported on those edges
        who_p, who_c = p.node_text(value), c.node_text(value)
        shown_e = format_type(c.type)
        self.emit(
            "type-mismatch",
            "error",
            f"Type mismatch on {value!r}: {who_c} parameter {c.port!r} expects {shown_e} "
            f"({c.where}), which solves {who_p} ({p.where}) as "
            f"{solution_text(solved, p.type)}; its inputs do not fit that",
            c.info,
            parameter=c.port,
            produced=format_type(p.type),
            expected=shown_e,
            hint=f"without that expectation {format_type(p.type)} would be "
            f"{format_type(plain.returns)}; annotate the parameter to accept it",
            **c.located(),
        )
        return None

    def _check_generic_call(self, info: _Info) -> None:
        """A generic consumer: its type variables are solved from all its inputs together."""
        feeds = self.solver.feeds(info.name)
        for feed in feeds:
            if feed.source is not None:
                port = feed.source.port
                value = self._value_of(info, feed.param)
                self._resolved(feed.source, f"->{port}", f"output {port!r}", value)
        known = [f for f in feeds if f.actual is not None]
        if not known:
            return
        solved = solve_call([f.formal for f in feeds], [f.actual for f in feeds], None)
        verdicts = dict(zip(map(id, known), solved.args))
        for feed in known:
            if verdicts[id(feed)] is not YES:
                self._report_generic(info, feed, solved, verdicts[id(feed)])
        for tv, verdict in solved.bounds.items():
            culprit = next((f for f in known if tv in typevars_of(f.formal)), None)
            if verdict is NO and culprit is not None and verdicts[id(culprit)] is YES:
                self._report_bound(info, culprit, solved, tv)

    def _value_of(self, info: _Info, param: str) -> str:
        for value in getattr(info.node, "inputs", ()):
            if info.param(value) == param:
                return str(value)
        return param

    def _report_generic(self, info: _Info, feed: Feed, solved: CallCheck, verdict: object) -> None:
        p: _End = feed.source
        value = self._value_of(info, feed.param)
        shown_p = format_type(feed.actual)
        shown_e = f"{format_type(feed.formal)} (solved as {solution_text(solved, feed.formal)})"
        who_p, who_c = p.node_text(value), f"node {info.name!r}"
        if verdict is NO:
            self.emit(
                "type-mismatch",
                "error",
                f"Type mismatch on {value!r}: {who_p} returns {shown_p} ({p.where}) "
                f"but {who_c} parameter {feed.param!r} expects {shown_e} ({info.where})",
                info,
                parameter=feed.param,
                produced=shown_p,
                expected=format_type(feed.formal),
                hint="its type variables are solved from all its inputs together; they must agree",
            )
        else:
            self.emit(
                "type-undecidable",
                "warning",
                f"Cannot decide whether {shown_p} from {who_p} ({p.where}) fits "
                f"{shown_e} of {who_c} parameter {feed.param!r} ({info.where}); edge "
                f"{value!r} is not type-checked",
                info,
                parameter=feed.param,
                produced=shown_p,
                expected=format_type(feed.formal),
            )

    def _report_bound(self, info: _Info, feed: Feed, solved: CallCheck, tv: object) -> None:
        p: _End = feed.source
        value = self._value_of(info, feed.param)
        bound = _restriction_text(tv)
        self.emit(
            "type-mismatch",
            "error",
            f"Type mismatch on {value!r}: {p.node_text(value)} returns "
            f"{format_type(feed.actual)} ({p.where}), so type variable {format_type(tv)} of "
            f"node {info.name!r} parameter {feed.param!r} would be "
            f"{format_type(solved.mapping.get(tv))}, outside its {bound} ({info.where})",
            info,
            parameter=feed.param,
            produced=format_type(feed.actual),
            expected=format_type(feed.formal),
        )

    def _check_inputs(self) -> None:
        inputs = getattr(self.graph, "inputs", None)
        names: Iterable[str] = getattr(inputs, "all", ()) if inputs is not None else ()
        wanted = set(names)
        readers: dict[str, list[_End]] = {}
        for info in self.infos.values():
            if not info.typed:
                continue
            for value in getattr(info.node, "inputs", ()):
                if value not in wanted:
                    continue
                for end in info.expected(value):
                    if isinstance(end.type, Unresolved):
                        self._resolved(end, end.port, f"parameter {end.port!r}", value)
                    elif end.type is not MISSING:
                        readers.setdefault(value, []).append(end)
        for value in sorted(readers, key=lambda v: readers[v][0].info.index):
            self._check_readers(readers[value], value, False)

    def _check_readers(self, readers: list[_End], value: str, port: bool) -> None:
        """Readers of one graph input (or, with ``port``, of one GraphNode port) must not
        hold mutually incompatible annotations. Two readers behind one GraphNode's port are
        reported by the port check, not again as graph-input readers."""
        distinct: list[_End] = []
        for reader in readers:
            if isinstance(reader.type, Unresolved) or reader.type is MISSING:
                continue
            if not any(_same(reader.type, other.type) for other in distinct):
                distinct.append(reader)
        for i, a in enumerate(distinct):
            for b in distinct[i + 1 :]:
                if not port and a.info is b.info and a.inner is not None:
                    continue
                if compatibility(a.type, b.type) is NO and compatibility(b.type, a.type) is NO:
                    self._conflict(a, b, value, port)

    def _conflict(self, a: _End, b: _End, value: str, port: bool) -> None:
        shown_a, shown_b = format_type(a.type), format_type(b.type)
        subject = (
            f"port {value!r} of GraphNode {a.info.name!r}" if port else f"graph input {value!r}"
        )
        who_a = f"node {a.label!r}" if port else a.node_text(value)
        who_b = f"node {b.label!r}" if port else b.node_text(value)
        self.emit(
            "port-conflict" if port else "input-conflict",
            "error",
            f"Conflicting annotations for {subject}: {who_a} parameter {a.port!r} "
            f"expects {shown_a} ({a.where}) but {who_b} parameter {b.port!r} expects "
            f"{shown_b} ({b.where}); neither accepts the other",
            b.info,
            parameter=b.port,
            produced=shown_a,
            expected=shown_b,
            hint="annotate both parameters with one type",
            **b.located(),
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


def _restriction_text(tv: object) -> str:
    values = getattr(tv, "__constraints__", ())
    if values:
        return "allowed types " + ", ".join(format_type(v) for v in values)
    return f"bound {format_type(getattr(tv, '__bound__', None))}"


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
