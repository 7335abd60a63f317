"""Compiled sync modules with `run_many` ([graph] run_many = true; docs/scaling-out.md): the
same items, executor and chunking as SyncRunner.map, without importing hypergraph."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import scale_fixtures as fx
from codegen_support import load_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import compile_graph
from codegen.errors import CompileError, SpecError
from codegen.pipeline import compile_spec
from hypergraph import Graph, SyncRunner
from hypergraph.exceptions import ItemTransferError

ROOT = Path(__file__).resolve().parent.parent
GRAPHS = {
    "plain": fx.plain,
    "failing": fx.failing,
    "gated": fx.gated,
    "nested": fx.nested,
    "nested_continue": fx.nested_continue,
    "with_lock_output": fx.with_lock_output,
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    """Each graph compiled with run_many, importable by name (also by spawned workers)."""
    directory = tmp_path_factory.mktemp("run_many")
    sys.path.insert(0, str(directory))
    try:
        yield {
            name: load_source(compile_graph(graph, run_many=True), directory, f"rm_{name}")
            for name, graph in GRAPHS.items()
        }
    finally:
        sys.path.remove(str(directory))


def outcome(value: Any) -> Any:
    """A value or an exception, comparable (exceptions by type and args)."""
    if isinstance(value, BaseException):
        return ("error", type(value).__name__, value.args)
    return ("ok", dict(value))


def runner_outcomes(graph: Graph, xs: list[Any]) -> list[Any]:
    """SyncRunner.map's items as run_many returns them (error_handling="continue")."""
    mapped = SyncRunner().map(graph, x=xs, map_over="x", error_handling="continue")
    return [outcome(r.error) if r.failed else outcome(r.values) for r in mapped]


def test_modules_without_run_many_are_unchanged() -> None:
    for graph in GRAPHS.values():
        source = compile_graph(graph)
        assert source == compile_graph(graph, run_many=False)
        assert "run_many" not in source
        assert "concurrent" not in source


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["plain", "failing", "gated"]),
    xs=st.lists(st.integers(-20, 20), max_size=25),
    chunksize=st.one_of(st.none(), st.integers(1, 7)),
    limit=st.one_of(st.none(), st.integers(1, 5)),
    threads=st.booleans(),
)
def test_run_many_agrees_with_the_runners_map(
    compiled: dict[str, ModuleType],
    name: str,
    xs: list[int],
    chunksize: int | None,
    limit: int | None,
    threads: bool,
) -> None:
    module = compiled[name]
    expected = runner_outcomes(GRAPHS[name], xs)
    items = [{"x": x} for x in xs]
    with ThreadPoolExecutor(3) as pool:
        executor = pool if threads else None
        got = module.run_many(
            items,
            executor=executor,
            chunksize=chunksize if threads else None,
            max_concurrency=limit,
            error_handling="continue",
        )
        assert [outcome(v) for v in got] == expected
        first_failure = next((o for o in expected if o[0] == "error"), None)
        if first_failure is None:
            assert [outcome(v) for v in module.run_many(items, executor=executor)] == expected
        else:
            with pytest.raises(ValueError, match="is not welcome") as caught:
                module.run_many(items, executor=executor, chunksize=chunksize if threads else None)
            assert outcome(caught.value) == first_failure


def test_run_many_on_a_process_pool(compiled: dict[str, ModuleType]) -> None:
    xs = list(range(30))
    nested_xs = [[1, 2], [], [3, 7, 5]] * 4
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        for name, values in (
            ("failing", xs),
            ("nested", nested_xs),
            ("nested_continue", nested_xs),
        ):
            module = compiled[name]
            got = module.run_many(
                [{"x": x} for x in values], executor=pool, chunksize=4, error_handling="continue"
            )
            assert [outcome(v) for v in got] == runner_outcomes(GRAPHS[name], values)
        with pytest.raises(ValueError, match="x=3 is not welcome"):
            compiled["failing"].run_many([{"x": x} for x in xs], executor=pool, chunksize=2)
        locks = compiled["with_lock_output"].run_many(
            [{"x": 1}], executor=pool, error_handling="continue"
        )
        assert isinstance(locks[0], ItemTransferError)
        assert "completed, but its outputs cannot be pickled" in str(locks[0])


class CountingExecutor(Executor):
    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_run_many_checks_pickling_before_sending(compiled: dict[str, ModuleType]) -> None:
    executor = CountingExecutor()
    items = [{"x": 1}, {"x": 2}, {"x": threading.Lock()}]
    with pytest.raises(TypeError, match="input 'x' of item 2 cannot be pickled"):
        compiled["plain"].run_many(items, executor=executor)
    assert executor.submitted == 0
    with pytest.raises(ValueError, match="chunksize= applies to items sent to an executor"):
        compiled["plain"].run_many([{"x": 1}], chunksize=2)
    with pytest.raises(ValueError, match="max_concurrency must be an int >= 1"):
        compiled["plain"].run_many([{"x": 1}], max_concurrency=0)
    with pytest.raises(TypeError, match=r"concurrent\.futures\.Executor"):
        compiled["plain"].run_many([{"x": 1}], executor=object())


def test_run_many_modules_are_strict_and_formatted(
    compiled: dict[str, ModuleType], tmp_path: Path
) -> None:
    paths = [Path(module.__file__ or "") for module in compiled.values()]
    rules = "E,F,W,I,B,UP,SIM,RUF,C4,PIE,PT"
    for command in (
        ["ruff", "check", "--isolated", "--select", rules, "--line-length", "100", "--no-cache"],
        ["ruff", "format", "--check", "--isolated", "--no-cache"],
        ["mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", *command, *map(str, paths)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
            env={**_env(), "MYPYPATH": f"{ROOT}{_sep()}{ROOT / 'tests'}"},
        )
        assert done.returncode == 0, done.stdout + done.stderr


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def _sep() -> str:
    import os

    return os.pathsep


def test_run_many_needs_nothing_from_hypergraph(tmp_path: Path) -> None:
    """A module of plain functions compiled with run_many runs where hypergraph cannot be
    imported: ItemTransferError is then its own stand-in."""
    (tmp_path / "plainfuncs.py").write_text(
        "import threading\n\n"
        "def twice(x: int) -> int:\n    return 2 * x\n\n"
        "def lock(x: int) -> object:\n    return threading.Lock()\n",
        encoding="utf-8",
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import plainfuncs

        from hypergraph import FunctionNode

        graph = Graph(
            [
                FunctionNode(plainfuncs.twice, output_name="y"),
                FunctionNode(plainfuncs.lock, output_name="held"),
            ],
            name="plain_funcs",
        )
        source = compile_graph(graph, run_many=True)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("plainfuncs", None)
    (tmp_path / "plain_compiled.py").write_text(source, encoding="utf-8")
    script = textwrap.dedent(
        """
        import sys
        sys.modules["hypergraph"] = None  # importing hypergraph now fails
        from concurrent.futures import ProcessPoolExecutor
        import plain_compiled as m
        if __name__ == "__main__":
            assert m.run_many([{"x": 1}, {"x": 2}], error_handling="continue")[1]["y"] == 4
            with ProcessPoolExecutor(1) as pool:
                out = m.run_many([{"x": 3}], executor=pool, error_handling="continue")
            assert type(out[0]).__module__ == "plain_compiled", type(out[0])
            assert "cannot be pickled" in str(out[0])
            print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**_env(), "PYTHONPATH": str(tmp_path)},
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_run_many_is_for_the_sync_back_end(tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="run_many is built for the sync back end"):
        compile_graph(fx.async_graph, backend="async", run_many=True)
    spec = tmp_path / "fan.toml"
    spec.write_text(
        '[graph]\nname = "fan"\nrunner = "async"\nrun_many = true\n\n'
        '[[nodes]]\nref = "scale_fixtures:square"\n',
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as caught:
        compile_spec(spec)
    assert "graph.run_many" in str(caught.value)
    assert "sync back end" in str(caught.value)


def test_run_many_with_events_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="run_many with events = true is not built"):
        compile_graph(fx.plain, run_many=True, events=True)
    spec = tmp_path / "watched.toml"
    spec.write_text(
        '[graph]\nname = "watched"\nrun_many = true\nevents = true\n\n'
        '[[nodes]]\nref = "scale_fixtures:square"\n',
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as caught:
        compile_spec(spec)
    assert "graph.run_many" in str(caught.value)
    assert "event_processors" in str(caught.value)


def test_a_spec_with_run_many_gets_it_in_module_and_stub(tmp_path: Path) -> None:
    spec = tmp_path / "many.toml"
    spec.write_text(
        '[graph]\nname = "many"\nrun_many = true\n\n[[nodes]]\nref = "scale_fixtures:square"\n',
        encoding="utf-8",
    )
    module = compile_spec(spec)
    assert '__all__ = ["SCHEDULE", "Inputs", "Outputs", "run", "run_many"]' in module.source
    assert "def run_many(" in module.stub
    assert 'error_handling: Literal["continue"]' in module.stub
    stub = tmp_path / "many_stub.pyi"
    stub.write_text(module.stub, encoding="utf-8")
    for command in (
        ["ruff", "format", "--check", "--isolated", "--no-cache"],
        ["mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", *command, str(stub)],
            capture_output=True,
            text=True,
            check=False,
            env={**_env(), "MYPYPATH": str(ROOT / "tests")},
        )
        assert done.returncode == 0, done.stdout + done.stderr
