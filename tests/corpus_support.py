"""Form corpora judged by mypy: build the cases, run mypy, keep its verdicts in a truth file.

A corpus is a list of :class:`Case`: a key (``"list[int] -> Sequence[float]"``), one line of
the module mypy checks (the hidden call the graph makes), and our verdict for it. The truth
file (``tests/data/corpus_<name>.truth.json``) holds mypy's verdict per case and a digest of the
module text, so the test needs no mypy run; ``tests/regen_corpus_truth.py`` rebuilds it. The
known-disagreements file (``tests/data/corpus_<name>.known.txt``) lists, exactly, the cases where
hypergraph and mypy differ: a new difference fails the test, and so does one that went away.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import corpus_basic
import corpus_fidelity
import corpus_generic

from hypergraph import Graph, node
from hypergraph._typing import is_type_compatible
from hypergraph.typecheck import check_graph

DATA = Path(__file__).resolve().parent / "data"
MYPY_PYTHON = "3.11"
_LINE = re.compile(r"^[^:]+:(\d+): error: .*?\[([a-z-]+)\]$")
_PAIR_CODES = frozenset({"arg-type", "type-var"})


@dataclass(frozen=True)
class Case:
    key: str
    line: str
    ours: Callable[[], bool]
    """True when hypergraph accepts the case."""


@dataclass
class Corpus:
    name: str
    header: str
    defs: list[str]
    cases: list[Case]
    codes: frozenset[str] | None
    """mypy error codes that mean a rejection on a case line (None: any error)."""

    def module_text(self) -> tuple[str, dict[int, int]]:
        """The module mypy checks, and line number -> case index."""
        lines = [*self.header.splitlines(), "", *"\n".join(self.defs).splitlines(), ""]
        where: dict[int, int] = {}
        for index, case in enumerate(self.cases):
            lines.append(case.line)
            where[len(lines)] = index
        return "\n".join(lines) + "\n", where

    def digest(self) -> str:
        return hashlib.sha256(self.module_text()[0].encode()).hexdigest()[:16]

    @property
    def truth_path(self) -> Path:
        return DATA / f"corpus_{self.name}.truth.json"

    @property
    def known_path(self) -> Path:
        return DATA / f"corpus_{self.name}.known.txt"


def _namespace(name: str, text: str) -> dict[str, Any]:
    """Execute ``text`` as a registered module (get_type_hints looks names up there)."""
    module = types.ModuleType(f"hypergraph_corpus_{name}")
    sys.modules[module.__name__] = module
    exec(compile(text, f"<corpus {name}>", "exec", dont_inherit=True), module.__dict__)
    return module.__dict__


def pair_corpus(name: str, header: str, forms: list[str], consumer_only: list[str]) -> Corpus:
    """Every ordered pair: ``def t(x: P) -> None: c_j(x)`` with ``def c_j(v: C_j)``."""
    consumers = forms + consumer_only
    defs = [f"def c_{j}(v: {form}) -> None: ..." for j, form in enumerate(consumers)]
    ns = _namespace(name, header)
    produced = [eval(f, ns) for f in forms]
    expected = [eval(f, ns) for f in consumers]
    cases = [
        Case(
            f"{p} -> {e}",
            f"def t_{i}_{j}(x: {p}) -> None: c_{j}(x)",
            lambda i=i, j=j: is_type_compatible(produced[i], expected[j]),
        )
        for i, p in enumerate(forms)
        for j, e in enumerate(consumers)
    ]
    return Corpus(name, header, defs, cases, _PAIR_CODES)


def generic_corpus() -> Corpus:
    """Chains through a generic producer and joins into a generic consumer, as graphs."""
    g = corpus_generic
    defs: list[str] = []
    for i, s in enumerate(g.SOURCES):
        for role in ("x", "a", "b"):
            defs.append(f"def src_{role}{i}() -> {s}:\n    raise NotImplementedError")
    defs += [f"def sink_{j}(v: {e}) -> None: ..." for j, e in enumerate(g.CONSUMERS)]
    ns = _namespace("generic", g.HEADER + "\n" + "\n".join(defs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        src = {
            (role, i): node(ns[f"src_{role}{i}"], output_name=role)
            for i in range(len(g.SOURCES))
            for role in ("x", "a", "b")
        }
        producers = {p: node(ns[p], output_name="v") for p in g.PRODUCERS}
        sinks = [node(ns[f"sink_{j}"], output_name="done") for j in range(len(g.CONSUMERS))]
        joiners = {name: node(ns[name], output_name="done") for name in g.JOINERS}

    def accepts(*nodes: Any) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = Graph(list(nodes))
        return not any(d.severity == "error" for d in check_graph(graph, strict=True))

    cases: list[Case] = []
    for i, s in enumerate(g.SOURCES):
        for p in g.PRODUCERS:
            for j, e in enumerate(g.CONSUMERS):
                cases.append(
                    Case(
                        f"{s} -> {p} -> {e}",
                        f"def t_{len(cases)}(x: {s}) -> None: sink_{j}({p}(x))",
                        lambda i=i, p=p, j=j: accepts(src["x", i], producers[p], sinks[j]),
                    )
                )
    for i, a in enumerate(g.SOURCES):
        for k, b in enumerate(g.SOURCES):
            for name in g.JOINERS:
                cases.append(
                    Case(
                        f"{a}, {b} -> {name}",
                        f"def t_{len(cases)}(a: {a}, b: {b}) -> None: {name}(a, b)",
                        lambda i=i, k=k, name=name: accepts(
                            src["a", i], src["b", k], joiners[name]
                        ),
                    )
                )
    return Corpus("generic", g.HEADER, defs, cases, None)


def corpora() -> list[Corpus]:
    return [
        pair_corpus("basic", corpus_basic.HEADER, corpus_basic.FORMS, corpus_basic.CONSUMER_ONLY),
        pair_corpus(
            "fidelity", corpus_fidelity.HEADER, corpus_fidelity.FORMS, corpus_fidelity.CONSUMER_ONLY
        ),
        generic_corpus(),
    ]


def run_mypy(corpus: Corpus, workdir: Path) -> tuple[str, list[bool]]:
    """mypy's verdict per case (True: rejected), with mypy's defaults; and mypy's version."""
    from mypy import api
    from mypy.version import __version__

    text, where = corpus.module_text()
    path = workdir / f"corpus_{corpus.name}.py"
    path.write_text(text)
    config = workdir / "mypy.ini"
    config.write_text("[mypy]\n")  # mypy's defaults, not the project's strict settings
    stdout, stderr, _ = api.run(
        [
            str(path),
            f"--config-file={config}",
            "--no-incremental",
            f"--cache-dir={workdir / '.mypy_cache'}",
            "--show-error-codes",
            "--no-error-summary",
            "--no-pretty",
            f"--python-version={MYPY_PYTHON}",
        ]
    )
    if stderr:
        raise RuntimeError(stderr)
    rejected = [False] * len(corpus.cases)
    other: list[str] = []
    for line in stdout.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        index = where.get(int(m.group(1)))
        if index is not None and (corpus.codes is None or m.group(2) in corpus.codes):
            rejected[index] = True
        else:
            other.append(line)
    if other:
        raise RuntimeError("unexpected mypy errors:\n" + "\n".join(other[:20]))
    return __version__, rejected


def write_truth(corpus: Corpus, version: str, rejected: list[bool]) -> None:
    DATA.mkdir(exist_ok=True)
    record = {
        "corpus": corpus.name,
        "mypy": version,
        "python_version": MYPY_PYTHON,
        "digest": corpus.digest(),
        "cases": len(rejected),
        "rejected_count": sum(rejected),
        "rejected": "".join("1" if r else "0" for r in rejected),
    }
    corpus.truth_path.write_text(json.dumps(record, indent=1) + "\n")


def read_truth(corpus: Corpus) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(corpus.truth_path.read_text())
    return data


@dataclass
class Comparison:
    cases: int
    mypy_rejects: int
    false_accepts: list[str]
    false_rejects: list[str]

    def summary(self, name: str) -> str:
        agree = self.cases - len(self.false_accepts) - len(self.false_rejects)
        return (
            f"{name}: {self.cases} cases, mypy rejects {self.mypy_rejects}; agreement "
            f"{agree}/{self.cases}; false rejects {len(self.false_rejects)}; false accepts "
            f"{len(self.false_accepts)}"
        )


def compare(corpus: Corpus, rejected: str) -> Comparison:
    false_accepts: list[str] = []
    false_rejects: list[str] = []
    for case, mark in zip(corpus.cases, rejected):
        ours = case.ours()
        if ours and mark == "1":
            false_accepts.append(case.key)
        elif not ours and mark == "0":
            false_rejects.append(case.key)
    return Comparison(len(corpus.cases), rejected.count("1"), false_accepts, false_rejects)


def read_known(corpus: Corpus) -> set[str]:
    if not corpus.known_path.exists():
        return set()
    lines = corpus.known_path.read_text().splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def write_known(corpus: Corpus, found: Comparison) -> None:
    header = (
        f"# Cases where hypergraph accepts what mypy rejects (corpus {corpus.name!r}).\n"
        "# Exact list: tests/test_typing_corpus.py fails on any new or vanished entry.\n"
        "# Regenerate with: python tests/regen_corpus_truth.py --update-known\n"
    )
    corpus.known_path.write_text(header + "".join(f"{k}\n" for k in sorted(found.false_accepts)))
