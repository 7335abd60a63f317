"""Compiled gated and cyclic graphs agree with the runners (API 4, 5.6): random graphs with
ifelse/route gates, routes to END and loops; the agentic loop; untaken branches; the
max_iterations bound; every run-time decision rule; modules that run without hypergraph."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from codegen_gate_fixtures import (
    LOG,
    agent_graph,
    branch_graph,
    fed_dag_graph,
    fed_under_entrypoint_graph,
    inc,
    is_even,
    long_named_graph,
    mapped_agent_graph,
    mapped_branches_graph,
    nested_agent_graph,
    nested_branch_graph,
    new_incomparable,
    pick,
    pick_many,
    random_gated_graph,
    remember_seed,
    routed_constant_graph,
    routed_nested_graph,
    same_incomparable,
    same_restless,
    seed_loop_graph,
    sloppy_bool,
    token_cycle,
)
from codegen_support import load_source, materialise
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from codegen import compile_graph
from hypergraph import (
    END,
    AsyncRunner,
    FunctionNode,
    Graph,
    GraphConfigError,
    IfElseNode,
    InfiniteLoopError,
    RouteNode,
    SyncRunner,
)

BACKENDS = [("sync", False), ("async", False), ("async", True)]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dynamic")


@pytest.fixture(params=["states", "steps"])
def emission(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both back-end shapes: the state machine (when small enough) and the step loop."""
    import codegen.backends.dynamic.run

    monkeypatch.setattr(codegen.backends.dynamic.run, "SPECIALISE", request.param == "states")
    return str(request.param)


def _load(graph: Graph, backend: str, workdir: Path, inline: bool = False) -> Any:
    source = compile_graph(
        graph,
        backend=backend,  # type: ignore[arg-type]
        sync_nodes="inline" if inline else "thread",
    )
    return load_source(source, workdir, "dynamic")


def _outcome(call: Any, backend: str) -> tuple[str, Any]:
    async def go() -> tuple[str, Any]:
        try:
            result = await call() if backend == "async" else call()
        except Exception as exc:
            return ("error", type(exc))
        return ("ok", await materialise(dict(result)))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return asyncio.run(go())


def runner_run(graph: Graph, backend: str, inline: bool, inputs: dict[str, Any], **kw: Any) -> Any:
    if backend == "sync":
        return _outcome(lambda: SyncRunner().run(graph, inputs, **kw).values, backend)
    runner = AsyncRunner(sync_nodes="inline" if inline else "thread")

    async def call() -> Any:
        return (await runner.run(graph, inputs, **kw)).values

    return _outcome(call, backend)


def compiled_run(module: Any, backend: str, inputs: dict[str, Any], **kw: Any) -> Any:
    return _outcome(lambda: module.run(**inputs, **kw), backend)


# -- the differential suite: random gated and cyclic graphs --------------------------------------


def _check(workdir: Path, seed: int, size: int, failing: bool, limit: int | None) -> bool:
    """Compile the graph of `seed` for every back end and compare; False if not dynamic."""
    options = {} if limit is None else {"max_iterations": limit}
    for backend, inline in BACKENDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                graph, inputs = random_gated_graph(
                    random.Random(seed), size, allow_async=backend == "async", failing=failing
                )
            except Exception:  # an invalid random wiring (e.g. inconsistent defaults)
                return False
        if not graph.plan.is_dynamic:
            return False
        module = _load(graph, backend, workdir, inline)
        LOG.clear()
        expected = runner_run(graph, backend, inline, inputs, **options)
        runner_log = list(LOG)
        LOG.clear()
        got = compiled_run(module, backend, inputs, **options)
        assert got == expected, (seed, backend, inline, graph.plan, module.__file__)
        if backend == "sync":
            assert runner_log == LOG, (seed, module.__file__)  # same calls, same order
    return True


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10**6),
    size=st.integers(2, 8),
    failing=st.booleans(),
    limit=st.sampled_from([None, 3, 12, 40]),
)
def test_random_gated_and_cyclic_graphs_agree_with_runners(
    workdir: Path, emission: str, seed: int, size: int, failing: bool, limit: int | None
) -> None:
    assume(_check(workdir, seed, size, failing, limit))


def test_fixed_seeds_cover_loops_gates_and_errors(workdir: Path, emission: str) -> None:
    """A fixed sweep that must include loops, routes to END, ifelse, multi-target routes,
    decision errors and InfiniteLoopError."""
    seen: set[str] = set()
    for seed in range(120):
        size = 3 + seed % 6
        if not _check(workdir, seed, size, seed % 4 == 0, (None, 8)[seed % 2]):
            continue
        graph, inputs = random_gated_graph(random.Random(seed), size, allow_async=False)
        seen |= {type(n).__name__ for n in graph.iter_nodes()}
        seen |= {"loop"} if graph.plan.has_cycles else set()
        seen |= {"END"} if any(END in t for t in (graph.plan.gates or {}).values()) else set()
        outcome = runner_run(graph, "sync", False, inputs, max_iterations=(1000, 8)[seed % 2])
        seen.add(outcome[1].__name__ if outcome[0] == "error" else "ok")
    assert {"IfElseNode", "RouteNode", "loop", "END", "ok", "InfiniteLoopError"} <= seen, seen
    assert {"TypeError", "ValueError"} <= seen, seen


# -- the agentic loop, branches, the bound -----------------------------------------------------


@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_agentic_loop_compiles_and_agrees(
    workdir: Path, emission: str, backend: str, inline: bool
) -> None:
    graph = agent_graph()
    module = _load(graph, backend, workdir, inline)
    inputs = {"query": "hypergraph", "history": []}
    expected = runner_run(graph, backend, inline, inputs)
    assert compiled_run(module, backend, inputs) == expected
    status, values = expected
    assert status == "ok"
    assert len(values["history"]) == 3
    assert values["_should_continue"] is END
    assert graph.plan.supersteps == module.SCHEDULE
    more = {**inputs, "rounds": 5}
    assert compiled_run(module, backend, more) == runner_run(graph, backend, inline, more)


@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_untaken_branch_does_not_run(
    workdir: Path, emission: str, backend: str, inline: bool
) -> None:
    graph = branch_graph()
    module = _load(graph, backend, workdir, inline)
    for message, ran in (("Fire!", "shout"), ("psst", "whisper")):
        LOG.clear()
        got = compiled_run(module, backend, {"message": message})
        assert [ran] == LOG
        LOG.clear()
        assert got == runner_run(graph, backend, inline, {"message": message})
        assert set(got[1]) == {"_is_urgent", "reply"}


@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_infinite_loop_error_at_the_runners_bound(
    workdir: Path, emission: str, backend: str, inline: bool
) -> None:
    graph = agent_graph()
    module = _load(graph, backend, workdir, inline)
    inputs = {"query": "q", "history": []}
    bound = next(
        limit
        for limit in range(1, 40)
        if runner_run(graph, backend, inline, inputs, max_iterations=limit)[0] == "ok"
    )
    assert bound > 4
    for limit in (1, bound - 1, bound, bound + 1):
        expected = runner_run(graph, backend, inline, inputs, max_iterations=limit)
        assert compiled_run(module, backend, inputs, max_iterations=limit) == expected

    def call(limit: int) -> Any:
        result = module.run(**inputs, max_iterations=limit)
        return asyncio.run(result) if backend == "async" else result

    with pytest.raises(InfiniteLoopError) as info:  # hypergraph's own class
        call(bound - 1)
    assert info.value.max_iterations == bound - 1
    assert "retrieve, generate, accumulate, should_continue" in info.value.message
    with pytest.raises(ValueError, match="max_iterations"):
        call(0)


# -- nested graphs: compiled to module functions ------------------------------------------------

NESTED = [
    ("nested agent", nested_agent_graph, {"query": "q", "history": []}),
    ("nested agent, long", nested_agent_graph, {"query": "q", "history": [], "rounds": 5}),
    ("nested agent, endless", nested_agent_graph, {"query": "q", "history": [], "rounds": 10**6}),
    ("mapped agent", mapped_agent_graph, {"query": ["a", "b", "c"], "history": []}),
    ("mapped agent, no items", mapped_agent_graph, {"query": [], "history": []}),
    ("routed to a node", routed_nested_graph, {"message": "Hi!"}),
    ("routed to a graph", routed_nested_graph, {"message": "Hi"}),
    ("mapped in a branch", mapped_branches_graph, {"message": "x", "messages": ["A!", "b"]}),
    ("branch not taken", mapped_branches_graph, {"message": "x!", "messages": ["A!", "b"]}),
    ("a router nested once, loud", nested_branch_graph, {"message": "hey!"}),
    ("a router nested once, calm", nested_branch_graph, {"message": "Hey"}),
    ("a graph without inputs, taken", routed_constant_graph, {"a": 2}),
    ("a graph without inputs, not taken", routed_constant_graph, {"a": 3}),
    (
        "long names",
        long_named_graph,
        {"query": "q", "history": [], "every_question_of_the_batch_to_answer": ["a", "b"]},
    ),
]


@pytest.mark.parametrize(("label", "build", "inputs"), NESTED, ids=[n[0] for n in NESTED])
@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_nested_gated_and_cyclic_graphs_agree_with_runners(
    workdir: Path,
    emission: str,
    label: str,
    build: Any,
    inputs: dict[str, Any],
    backend: str,
    inline: bool,
) -> None:
    """A gated or cyclic graph nested in a plain or gated parent, once or mapped, compiles to
    module functions and gives what the runners give (InfiniteLoopError included: a child
    run has its own budget of 1000 supersteps)."""
    graph = build()
    module = _load(graph, backend, workdir, inline)
    expected = runner_run(graph, backend, inline, inputs)
    assert compiled_run(module, backend, inputs) == expected
    assert expected[0] == ("error" if "endless" in label else "ok")
    if "endless" in label:
        assert expected[1] is InfiniteLoopError


def _nested_random(seed: int, backend: str) -> tuple[Graph, dict[str, Any]] | None:
    """Random gated graph `seed` nested in a parent: once, mapped, or mapped with continue."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            inner, inputs = random_gated_graph(
                random.Random(seed), 3 + seed % 5, allow_async=backend == "async", failing=True
            )
        except Exception:
            return None
        if not inner.plan.is_dynamic:
            return None
        node = inner.as_node(name="inner")
        given = dict(inputs)
        if seed % 3 and "x0" in node.inputs:
            errors = "continue" if seed % 3 == 2 else "raise"
            node = node.map_over("x0", error_handling=errors)
            given["x0"] = [inputs["x0"], 3, -2, 10]
        try:  # a loop seed both fed and produced makes the parent a one-node cycle
            parent = Graph([node], name="parent")
        except GraphConfigError:
            return None
    return parent, {k: v for k, v in given.items() if k in parent.inputs.all}


@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_random_gated_graphs_nested_agree_with_runners(
    workdir: Path, backend: str, inline: bool
) -> None:
    """Random gated and cyclic graphs as nested graphs (once, mapped, mapped with continue):
    compiled or refused by the surely-written check, and compiled ones agree with the runners."""
    from codegen import CompileError
    from codegen.analysis.written import surely_written

    compiled = 0
    for seed in range(60):
        made = _nested_random(seed, backend)
        if made is None:
            continue
        parent, inputs = made
        node = next(iter(parent.nodes.values()))
        if node.inner_map is None and not set(node.graph.outputs) <= surely_written(node.graph):
            with pytest.raises(CompileError, match="may end without writing"):
                _load(parent, backend, workdir, inline)
            continue
        module = _load(parent, backend, workdir, inline)
        # the parent's own budget (a child run always has 1000): only a gated parent has one
        options = {"max_iterations": 40} if parent.plan.is_dynamic else {}
        expected = runner_run(parent, backend, inline, inputs, **options)
        assert compiled_run(module, backend, inputs, **options) == expected, seed
        compiled += 1
    assert compiled >= 15


def test_a_nested_loop_with_an_optional_seed_is_refused_naming_the_node() -> None:
    from codegen import CompileError

    looped = seed_loop_graph().as_node(name="looped").rename_outputs(total="final")
    parent = Graph([looped], name="parent")
    with pytest.raises(CompileError, match="input 'total' is optional") as info:
        compile_graph(parent)
    assert info.value.node == "looped"
    inner = seed_loop_graph().bind(total=3)
    bound = Graph([inner.as_node(name="looped").rename_outputs(total="final")], name="parent")
    assert "def _graph_looped(" in compile_graph(bound)


@pytest.mark.parametrize("inputs", [{}, {"b": 3}, {"b": -9}], ids=["omitted", "given", "negative"])
@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_a_value_fed_under_entrypoints_is_a_result_only_when_given(
    workdir: Path, emission: str, inputs: dict[str, Any], backend: str, inline: bool
) -> None:
    for graph in (fed_under_entrypoint_graph(), fed_dag_graph()):
        _check_fed(graph, workdir, inputs, backend, inline)


def _check_fed(
    graph: Graph, workdir: Path, inputs: dict[str, Any], backend: str, inline: bool
) -> None:
    module = _load(graph, backend, workdir, inline)
    LOG.clear()
    expected = runner_run(graph, backend, inline, inputs)
    runner_log = list(LOG)
    LOG.clear()
    got = compiled_run(module, backend, inputs)
    assert got == expected
    assert ("b" in got[1]) == bool(inputs)
    if backend == "sync":
        assert runner_log == LOG


def test_a_mapped_cyclic_graph_honours_max_concurrency(workdir: Path) -> None:
    graph = mapped_agent_graph()
    module = _load(graph, "async", workdir)
    inputs = {"query": ["a", "b"], "history": []}
    expected = runner_run(graph, "async", False, inputs)
    assert compiled_run(module, "async", inputs, max_concurrency=1) == expected
    with pytest.raises(ValueError, match="max_concurrency"):
        asyncio.run(module.run(**inputs, max_concurrency=0))


# -- the version rule (API 5.6 R5) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("producer", "settles"),
    [(same_restless, False), (same_incomparable, True), (new_incomparable, False)],
    ids=["same object, != says changed", "same object, != raises", "new object, != raises"],
)
@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_versions_advance_on_not_equal_else_on_identity(
    workdir: Path, emission: str, producer: Any, settles: bool, backend: str, inline: bool
) -> None:
    """A gate-less cycle settles only when no write counts as a change: `!=` decides, and
    only when comparing raises does the same object count as unchanged."""
    graph = token_cycle(producer)
    module = _load(graph, backend, workdir, inline)
    inputs = {"token": 0}
    LOG.clear()
    expected = runner_run(graph, backend, inline, inputs, max_iterations=6)
    runner_log = list(LOG)
    LOG.clear()
    got = compiled_run(module, backend, inputs, max_iterations=6)
    assert got[0] == ("ok" if settles else "error")
    if not settles:
        assert got == expected == ("error", InfiniteLoopError)
    else:
        assert expected[0] == "ok"
        assert set(got[1]) == set(expected[1]) == {"value", "token"}
        # producer, relay, producer (same object again: unchanged), and the loop settles
        assert LOG == runner_log == [producer.__name__, "relay_token", producer.__name__]


# -- decision rules (API 4.2) --------------------------------------------------------------------


def _routed(gate: RouteNode | IfElseNode, options: tuple[Any, ...] | None = None) -> Graph:
    nodes = [gate, FunctionNode(inc, name="first", output_name="one")]
    if "second" in gate.targets:
        nodes.append(FunctionNode(inc, name="second", output_name="two"))
    graph = Graph(nodes, name="routed")
    return graph if options is None else graph.bind(options=options)


DECISIONS = [
    ("non-bool ifelse", IfElseNode(sloppy_bool, "first", "second", name="g"), None, 20),
    ("bool ifelse", IfElseNode(is_even, "first", END, name="g"), None, 3),
    ("list from single", RouteNode(pick, ["first", END], name="g"), ("<list>",), 1),
    ("unknown target", RouteNode(pick, ["first", END], name="g"), ("<unknown>",), 1),
    ("string END", RouteNode(pick, ["first", END], name="g"), ("<string-end>",), 1),
    ("END", RouteNode(pick, ["first", END], name="g"), ("<end>",), 1),
    ("None no fallback", RouteNode(pick, ["first", END], name="g"), ("<none>",), 1),
    (
        "None with fallback",
        RouteNode(pick, ["first", END], fallback="second", name="g"),
        ("<none>",),
        1,
    ),
    (
        "multi",
        RouteNode(pick_many, ["first", "second", END], multi_target=True, name="g"),
        ("first", "second"),
        3,
    ),
    ("multi None", RouteNode(pick_many, ["first", END], multi_target=True, name="g"), ("x",), 5),
    ("multi END", RouteNode(pick_many, ["first", END], multi_target=True, name="g"), ("<end>",), 1),
    ("multi []", RouteNode(pick_many, ["first", END], multi_target=True, name="g"), ("first",), 2),
    ("END, not a target", RouteNode(pick, ["first"], name="g"), ("<end>",), 1),
]


@pytest.mark.parametrize(
    ("label", "gate", "options", "a"), DECISIONS, ids=[d[0] for d in DECISIONS]
)
@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_decision_rules_match(
    workdir: Path,
    emission: str,
    label: str,
    gate: Any,
    options: Any,
    a: int,
    backend: str,
    inline: bool,
) -> None:
    graph = _routed(gate, options)
    module = _load(graph, backend, workdir, inline)
    expected = runner_run(graph, backend, inline, {"a": a})
    assert compiled_run(module, backend, {"a": a}) == expected
    outcomes = {
        "non-bool ifelse": ("error", TypeError),
        "list from single": ("error", TypeError),
        "unknown target": ("error", ValueError),
        "string END": ("error", ValueError),
        "END": ("ok", {"_g": END}),
        "None no fallback": ("ok", {"_g": None}),
        "None with fallback": ("ok", {"_g": None, "two": 2}),
        "multi": ("ok", {"_g": ["first", "second"], "one": 4, "two": 4}),
        "multi None": ("ok", {"_g": None}),
        "multi []": ("ok", {"_g": []}),
        "END, not a target": ("error", ValueError),
    }
    if label in outcomes:
        assert expected == outcomes[label]


def test_string_end_warns_then_raises(workdir: Path) -> None:
    graph = _routed(RouteNode(pick, ["first", END], name="g"), ("<string-end>",))
    module = _load(graph, "sync", workdir)
    with pytest.warns(UserWarning, match="END"), pytest.raises(ValueError, match="END"):
        module.run(a=1)


# -- the module on its own ---------------------------------------------------------------------

PLAIN_NODES = """
def tick(count: int) -> int:
    return count + 1


def forever(count: int) -> str:
    return "tick"
"""

BLOCKED = """
import sys
sys.modules["hypergraph"] = None  # importing hypergraph now fails
sys.path[:0] = [{where!r}]
import spinner_compiled
try:
    spinner_compiled.run(count=0, max_iterations=7)
except spinner_compiled.InfiniteLoopError as error:
    assert type(error).__module__ == "spinner_compiled", type(error).__module__
    print(error.max_iterations, error.message)
"""


def test_module_runs_without_hypergraph(tmp_path: Path) -> None:
    (tmp_path / "plain_nodes.py").write_text(PLAIN_NODES)
    sys.path.insert(0, str(tmp_path))
    try:
        import plain_nodes  # type: ignore[import-not-found]

        graph = Graph(
            [
                FunctionNode(plain_nodes.tick, output_name="count"),
                RouteNode(plain_nodes.forever, ["tick"]),
            ],
            entrypoint="tick",
            name="spinner",
        )
        (tmp_path / "spinner_compiled.py").write_text(compile_graph(graph))
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("plain_nodes", None)
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED.format(where=str(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("7 Graph execution exceeded 7 iterations in the cycle")


def test_compiled_loops_are_deterministic(tmp_path: Path) -> None:
    script = (
        "import sys, random; sys.path[:0] = ['.', 'tests']\n"
        "from codegen import compile_graph\n"
        "from codegen_gate_fixtures import agent_graph, random_gated_graph\n"
        "print(compile_graph(agent_graph(), backend='async'))\n"
        "for seed in range(20):\n"
        "    try:\n"
        "        graph, _ = random_gated_graph(random.Random(seed), 7, allow_async=True)\n"
        "    except Exception:\n"
        "        continue\n"
        "    if graph.plan.is_dynamic:\n"
        "        print(compile_graph(graph, backend='async'))\n"
    )
    root = Path(__file__).resolve().parent.parent
    outputs = set()
    for hashseed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", script],
            capture_output=True,
            text=True,
            cwd=root,
            env=env,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_agent_loop_example_module_agrees_with_the_runner() -> None:
    """(tests/test_codegen_golden.py checks that the committed module is current.)"""
    import json

    from codegen import compile_spec
    from specs.compiled import agent_loop

    root = Path(__file__).resolve().parent.parent
    inputs = json.loads((root / "specs" / "agent_loop.inputs.json").read_text())
    graph = compile_spec(root / "specs" / "agent_loop.toml").graph
    assert agent_loop.run(**inputs) == SyncRunner().run(graph, inputs).values
    assert len(agent_loop.run(**inputs)["history"]) == inputs["max_rounds"]


def test_generated_functions_have_one_docstring_and_no_dead_strings(tmp_path: Path) -> None:
    """Module functions of nested graphs start with one docstring; no other bare string."""
    import ast

    from codegen_gate_fixtures import gated_modules

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = gated_modules(tmp_path, 4)
    for path in paths:
        for fn in ast.walk(ast.parse(path.read_text())):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                strings = [
                    i
                    for i, stmt in enumerate(fn.body)
                    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                ]
                assert strings in ([], [0]), (path.name, fn.name)


def test_generated_loop_modules_are_ruff_clean(tmp_path: Path) -> None:
    """Both emissions pass the project's lint rules and ruff format (no hand-fixing needed)."""
    from codegen_gate_fixtures import gated_modules

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = gated_modules(tmp_path, 24)
    rules = "E,F,W,I,B,UP,SIM,RUF,C4,PIE,PT"
    for command in (
        ["check", "--isolated", "--select", rules, "--line-length", "100", "--no-cache"],
        ["format", "--check", "--isolated", "--line-length", "100", "--no-cache"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *[str(p) for p in paths]],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


SEEDS = [
    ("self-producing, omitted", "tick", {}),
    ("self-producing, given", "tick", {"count": 2}),
    ("self-producing, given past the bound", "tick", {"count": 7}),
    ("loop, omitted", "loop", {}),
    ("loop, given", "loop", {"total": 5}),
    ("loop, given past the gate", "loop", {"total": 50}),
]


@pytest.mark.parametrize(("label", "shape", "inputs"), SEEDS, ids=[s[0] for s in SEEDS])
@pytest.mark.parametrize(("backend", "inline"), BACKENDS)
def test_an_optional_loop_seed_may_be_given_or_omitted(
    workdir: Path, label: str, shape: str, inputs: dict[str, Any], backend: str, inline: bool
) -> None:
    """An optional input that the loop also produces: run() tells omitted (the consumers'
    defaults) from given (present at version 1), as the runners do."""
    if shape == "tick":
        graph = Graph(
            [FunctionNode(remember_seed, name="tick", output_name="count")],
            entrypoint="tick",
            name="seeded",
        )
    else:
        graph = seed_loop_graph()
    module = _load(graph, backend, workdir, inline)
    LOG.clear()
    expected = runner_run(graph, backend, inline, inputs)
    runner_log = list(LOG)
    LOG.clear()
    assert compiled_run(module, backend, inputs) == expected
    assert expected[0] == "ok"
    if backend == "sync":
        assert runner_log == LOG
    from codegen.backends.emit import emit

    emitted = emit(graph, backend=backend, source_name="seeds")  # type: ignore[arg-type]
    assert " = _ABSENT," in emitted.source  # run() can tell an omitted seed from a given one
    assert " = ...," in emitted.stub
    assert "_ABSENT" not in emitted.stub
