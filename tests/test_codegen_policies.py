"""Issue 15, policies in compiled modules: the module caches, retries and times out as the
runners do (differential tests count the calls of every node), takes any object with get and
set as `run(..., cache=...)`, encodes keys with the runtime's own encoder, refuses what it
cannot enforce, runs without hypergraph, and stays byte-identical without policies."""

from __future__ import annotations

import ast
import asyncio
import inspect
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import policy_fixtures as fx
import pytest
from codegen_support import load_source
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen import CompileError, compile_graph
from codegen.analysis.names import HELPERS
from codegen.backends import policies as compiled_policies
from hypergraph import (
    AsyncRunner,
    FunctionNode,
    Graph,
    IfElseNode,
    InMemoryCache,
    NodeTimeoutError,
    RetryPolicy,
    SyncRunner,
)
from hypergraph.policies import attempt_errors
from hypergraph.policies import keys as runtime_keys

ROOT = Path(__file__).resolve().parent.parent
ASYNC = {"step_a": fx.astep_a, "step_b": fx.astep_b, "step_c": fx.astep_c}
SYNC = {"step_a": fx.step_a, "step_b": fx.step_b, "step_c": fx.step_c}
INPUTS = {"step_a": "x", "step_b": "a", "step_c": "b"}
OUTPUTS = {"step_a": "a", "step_b": "b", "step_c": "c"}

# per node: (cache, retries or None, failures per input, async function, timeout)
node_options = st.tuples(
    st.booleans(),
    st.sampled_from([None, 1, 2, 3]),
    st.integers(0, 3),
    st.booleans(),
    st.booleans(),
)


def chain(options: list[tuple[bool, int | None, int, bool, bool]], backend: str) -> Graph:
    """x -> step_a -> step_b -> step_c, each node with its drawn policy."""
    made = []
    for name, (cache, retries, _, is_async, timed) in zip(SYNC, options):
        func = ASYNC[name] if is_async and backend == "async" else SYNC[name]
        retry = None if retries is None else RetryPolicy(attempts=retries + 1, delay=0.0)
        made.append(
            FunctionNode(
                func,
                name=name,
                output_name=OUTPUTS[name],
                cache=cache,
                retry=retry,
                timeout=30.0 if timed and backend == "async" else None,
            ).rename_inputs({func.__code__.co_varnames[0]: INPUTS[name]})
        )
    return Graph(made, name="chain")


def outcomes(call: Any, xs: list[int]) -> list[Any]:
    found = []
    for x in xs:
        try:
            found.append(("ok", dict(call(x))))
        except ConnectionError as exc:
            found.append(("error", str(exc), len(attempt_errors(exc))))
    return found


def drive(backend: str, graph: Graph, module: Any, xs: list[int], fails: dict[str, int]) -> Any:
    """(runner outcomes, runner calls), (module outcomes, module calls) for the inputs `xs`,
    each with a fresh cache and fresh failure counts."""
    results = []
    for side in ("runner", "module"):
        fx.reset({fx_name(graph, name): n for name, n in fails.items()})
        cache = InMemoryCache()
        # run() takes cache= only when some node is cached (else the module is as before)
        given = {"cache": cache} if "cache" in inspect.signature(module.run).parameters else {}
        if backend == "sync":
            if side == "runner":
                runner = SyncRunner(cache=cache)
                found = outcomes(lambda x, r=runner: r.run(graph, x=x).values, xs)
            else:
                found = outcomes(lambda x, given=given: module.run(x=x, **given), xs)
        else:
            arunner = AsyncRunner(cache=cache)

            def call(x: int, side: str = side, arunner: Any = arunner, given: Any = given) -> Any:
                if side == "runner":
                    return asyncio.run(arunner.run(graph, x=x)).values
                return asyncio.run(module.run(x=x, **given))

            found = outcomes(call, xs)
        results.append((found, dict(fx.CALLS)))
    return results


def fx_name(graph: Graph, name: str) -> str:
    """The fixture function's own name behind node `name` (step_a or astep_a)."""
    node = graph.nodes[name]
    assert isinstance(node, FunctionNode)
    return node.func.__name__


@given(
    options=st.lists(node_options, min_size=3, max_size=3),
    xs=st.lists(st.integers(0, 3), min_size=1, max_size=6),
    backend=st.sampled_from(["sync", "async"]),
)
@settings(max_examples=20, deadline=None)
def test_runner_and_compiled_module_agree_on_results_and_calls(
    options: list[tuple[bool, int | None, int, bool, bool]], xs: list[int], backend: str
) -> None:
    graph = chain(options, backend)
    fails = {name: option[2] for name, option in zip(SYNC, options)}
    with tempfile.TemporaryDirectory() as directory:
        module = load_source(compile_graph(graph, backend=backend), Path(directory))  # type: ignore[arg-type]
        runner, compiled = drive(backend, graph, module, xs, fails)
    assert compiled == runner


def test_a_cached_gate_replays_its_decision_in_compiled_modules(tmp_path: Path) -> None:
    gate = IfElseNode(fx.is_big, "big", "small", cache=True)
    graph = Graph(
        [
            gate,
            FunctionNode(fx.big, output_name="label"),
            FunctionNode(fx.small, output_name="label"),
        ],
        name="gated",
    )
    for backend in ("sync", "async"):
        module = load_source(compile_graph(graph, backend=backend), tmp_path)  # type: ignore[arg-type]
        assert "_policy_is_big: Final = _cached(" in inspect.getsource(module)
        for side in ("runner", "module"):
            fx.reset()
            cache = InMemoryCache()
            for x in (50, 50, 1, 50):
                if side == "runner" and backend == "sync":
                    values = SyncRunner(cache=cache).run(graph, x=x).values
                elif side == "runner":
                    values = asyncio.run(AsyncRunner(cache=cache).run(graph, x=x)).values
                elif backend == "sync":
                    values = module.run(x=x, cache=cache)
                else:
                    values = asyncio.run(module.run(x=x, cache=cache))
                assert values["label"] == ("big" if x > 10 else "small")
            assert fx.CALLS["is_big"] == 2, (backend, side)


def test_compiled_identical_concurrent_calls_compute_once(tmp_path: Path) -> None:
    inner = Graph([FunctionNode(fx.slow_square, output_name="y", cache=True)], name="inner")
    graph = Graph([inner.as_node(name="each").map_over("x")], name="mapped")
    module = load_source(compile_graph(graph, backend="async"), tmp_path)
    fx.reset()
    result = asyncio.run(module.run(x=[3, 3, 4, 3, 4], cache=InMemoryCache()))
    assert result["y"] == [9, 9, 16, 9, 16]
    assert fx.CALLS["slow_square"] == 2
    fx.reset()
    runner = AsyncRunner(cache=InMemoryCache())
    assert asyncio.run(runner.run(graph, x=[3, 3, 4, 3, 4]))["y"] == [9, 9, 16, 9, 16]
    assert fx.CALLS["slow_square"] == 2


@pytest.mark.parametrize("backend", ["sync", "async"])
def test_compiled_backoff_waits_as_the_runner_does(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = RetryPolicy(attempts=5, delay=0.5, backoff=3.0, max_delay=2.0, jitter=0.5)
    graph = Graph([FunctionNode(fx.step_a, output_name="a", retry=policy)], name="waits")
    module = load_source(compile_graph(graph, backend=backend), tmp_path)  # type: ignore[arg-type]
    runner_waits: list[float] = []
    module_waits: list[float] = []

    async def no_sleep(delay: float) -> None:
        module_waits.append(delay)

    monkeypatch.setattr(module, "_random", lambda: 0.25)
    monkeypatch.setattr(module, "_sleep" if backend == "sync" else "_asleep", no_sleep)
    if backend == "sync":
        monkeypatch.setattr(module, "_sleep", module_waits.append)
    monkeypatch.setattr(random, "random", lambda: 0.25)
    monkeypatch.setattr(time, "sleep", runner_waits.append)
    fx.reset({"step_a": 4})
    assert SyncRunner().run(graph, x=1)["a"] == 2
    fx.reset({"step_a": 4})
    result = module.run(x=1) if backend == "sync" else asyncio.run(module.run(x=1))
    assert result == {"a": 2}
    assert module_waits == runner_waits == pytest.approx([0.4375, 1.3125, 1.75, 1.75])


def test_a_compiled_async_node_times_out_and_is_cancelled(tmp_path: Path) -> None:
    graph = Graph([FunctionNode(fx.hang, output_name="y", timeout=0.05)], name="hanging")
    module = load_source(compile_graph(graph, backend="async"), tmp_path)
    with pytest.raises(NodeTimeoutError, match=r"node 'hang' timed out after 0\.05 s"):
        asyncio.run(module.run(x=1))


def test_a_compiled_def_node_in_a_thread_is_stopped_waiting_for(tmp_path: Path) -> None:
    graph = Graph([FunctionNode(fx.block, output_name="y", timeout=0.05)], name="blocking")
    module = load_source(compile_graph(graph, backend="async"), tmp_path)
    fx.reset()
    fx.RELEASE.clear()

    async def main() -> None:
        try:
            with pytest.raises(NodeTimeoutError, match="worker thread cannot be interrupted"):
                await module.run(x=1)
            assert fx.CALLS["block"] == 0  # returned while the thread still blocks
        finally:
            fx.RELEASE.set()

    asyncio.run(main())  # asyncio.run waits for the released thread at shutdown
    assert fx.CALLS["block"] == 1


# -- what compiled modules refuse ------------------------------------------------------------


def test_a_sync_module_refuses_a_timeout() -> None:
    graph = Graph([FunctionNode(fx.step_a, output_name="a", timeout=1)], name="t")
    with pytest.raises(CompileError, match="'step_a' has a timeout, which a sync module cannot"):
        compile_graph(graph, backend="sync")


def test_inline_modules_refuse_a_def_nodes_timeout_only() -> None:
    timed_def = Graph([FunctionNode(fx.step_a, output_name="a", timeout=1)], name="t")
    with pytest.raises(CompileError, match='sync_nodes = "inline" cannot enforce'):
        compile_graph(timed_def, backend="async", sync_nodes="inline")
    timed_async = Graph([FunctionNode(fx.astep_a, output_name="a", timeout=1)], name="t")
    assert "_timed(" in compile_graph(timed_async, backend="async", sync_nodes="inline")


def test_a_retry_class_the_module_cannot_import_is_refused() -> None:
    local = fx.local_error_class()
    graph = Graph([FunctionNode(fx.step_a, output_name="a", retry=RetryPolicy(on=local))], name="t")
    with pytest.raises(CompileError, match=r"exception class 'local_error_class\.<locals>\.Local'"):
        compile_graph(graph)
    imported = Graph(
        [FunctionNode(fx.step_a, output_name="a", retry=RetryPolicy(on=fx.Unimportable))],
        name="t",
    )
    assert "from policy_fixtures import Unimportable" in compile_graph(imported)


def test_an_input_named_cache_is_refused_only_when_a_node_is_cached() -> None:
    plain = Graph([FunctionNode(fx.step_b, output_name="b").rename_inputs(a="cache")], name="t")
    compile_graph(plain)
    cached = Graph(
        [FunctionNode(fx.step_b, output_name="b", cache=True).rename_inputs(a="cache")], name="t"
    )
    with pytest.raises(CompileError, match="graph input 'cache' is the compiled module's own"):
        compile_graph(cached)


def test_modules_without_policies_carry_no_policy_code() -> None:
    graph = Graph([FunctionNode(fx.step_a, output_name="a")], name="t")
    for backend in ("sync", "async"):
        source = compile_graph(graph, backend=backend)  # type: ignore[arg-type]
        for name in ("_policy_", "_CACHE", "_Retry", "_run(", "cache:"):
            assert name not in source


# -- one encoder for both back ends ----------------------------------------------------------


def test_every_name_of_the_policy_helpers_is_reserved() -> None:
    """A node function imported under one of these names would shadow a helper."""
    templates = ROOT / "codegen" / "templates" / "_policy_helpers.jinja"
    text = templates.read_text(encoding="utf-8") + compiled_policies.portable_source()
    defined = set(re.findall(r"^(?:async def |def |class )?(_\w+)\b", text, re.MULTILINE))
    imported = {
        name.split(" as ")[1]
        for _, name in compiled_policies.policy_imports(
            {"cache", "acache", "retry", "aretry", "threaded", "on_loop", "timed"}
        )
        if " as " in name
    }
    reporting = {"_RUN", "_perf_counter"}  # with events = true (templates/_events.jinja)
    missing = (defined | imported | reporting | {"_NodeTimeoutError", "_run"}) - HELPERS
    assert not missing


def test_the_portable_section_imports_only_the_standard_library() -> None:
    text = inspect.getsource(runtime_keys)
    section = text[text.index("# --- portable: begin") : text.index("# --- portable: end")]
    tree = ast.parse(section)
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom):
            assert statement.module is not None
            assert statement.module.split(".")[0] in sys.stdlib_module_names
        else:
            assert not isinstance(statement, ast.Import)
    assert compiled_policies.portable_imports() == {
        (s.module, f"{s.names[0].name} as {s.names[0].asname}")
        for s in tree.body
        if isinstance(s, ast.ImportFrom)
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=2), children, max_size=3)
        | st.frozensets(st.integers(), max_size=3)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def cached_module(tmp_path_factory: pytest.TempPathFactory) -> Any:
    graph = Graph([FunctionNode(fx.step_a, output_name="a", cache=True)], name="keyed")
    return load_source(compile_graph(graph), tmp_path_factory.mktemp("keyed"))


@given(json_values)
@settings(max_examples=100, deadline=None)
def test_compiled_modules_encode_keys_as_the_runtime_does(cached_module: Any, value: Any) -> None:
    arguments = {"x": value, "y": [value]}
    assert cached_module._key_digest("d", arguments) == runtime_keys._key_digest("d", arguments)


# -- without hypergraph ----------------------------------------------------------------------

NODES = """
import asyncio

CALLS = []


def fetch(x: int) -> int:
    CALLS.append(x)
    if len(CALLS) == 1:
        raise ConnectionError("first call fails")
    return x * 2


async def hang(y: int) -> int:
    await asyncio.sleep(600)
    return y
"""

BLOCKED = """
import asyncio, sys
sys.modules["hypergraph"] = None  # importing hypergraph now fails
sys.path[:0] = [{where!r}]
import plain_policy_nodes as nodes
import policy_compiled

class DictCache:
    def __init__(self):
        self.data = {{}}
    def get(self, key):
        return (key in self.data, self.data.get(key))
    def set(self, key, value):
        self.data[key] = value

cache = DictCache()
try:
    asyncio.run(policy_compiled.run(x=4, cache=cache))
except TimeoutError as error:
    assert type(error).__name__ == "_NodeTimeoutError", type(error)
    print(error.node_name, nodes.CALLS, len(cache.data))
"""


def test_a_compiled_module_with_policies_runs_without_hypergraph(tmp_path: Path) -> None:
    (tmp_path / "plain_policy_nodes.py").write_text(NODES, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        import plain_policy_nodes  # type: ignore[import-not-found]

        graph = Graph(
            [
                FunctionNode(plain_policy_nodes.fetch, output_name="y", cache=True, retry=1),
                FunctionNode(plain_policy_nodes.hang, output_name="z", timeout=0.05),
            ],
            name="policy",
        )
        source = compile_graph(graph, backend="async")
        (tmp_path / "policy_compiled.py").write_text(source, encoding="utf-8")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("plain_policy_nodes", None)
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED.format(where=str(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["hang", "[4,", "4]", "1"]
