"""The hypergraph CLI through a subprocess: exit codes, messages, --check, run, check --mypy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from regen_golden import SPECS as EXAMPLE_SPECS

ROOT = Path(__file__).resolve().parent.parent
SPECS = list(EXAMPLE_SPECS)  # the example specs, as CI compiles them


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example specs and their node modules in a scratch directory."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs", ignore=shutil.ignore_patterns("compiled"))
    return tmp_path


def test_help_lists_commands_and_options() -> None:
    top = cli("--help")
    assert top.returncode == 0
    for word in ("compile", "check", "run", "exit codes"):
        assert word in top.stdout
    assert "--check" in cli("compile", "--help").stdout
    assert "--stubs" in cli("compile", "--help").stdout
    assert "--mypy" in cli("check", "--help").stdout
    assert "--inputs" in cli("run", "--help").stdout


def test_compile_then_check_detects_stale_and_missing(project: Path) -> None:
    out = project / "specs" / "compiled"
    first = cli("compile", *SPECS, "--out", "specs/compiled", cwd=project)
    assert first.returncode == 0, first.stderr
    assert (out / "text_pipeline.py").is_file()
    assert cli("compile", *SPECS, "--out", "specs/compiled", "--check", cwd=project).returncode == 0
    target = out / "text_pipeline.py"
    source = target.read_text()
    lines = source.splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "superstep 0" in text)  # first to differ
    target.write_text(source.replace("superstep 0", "superstep zero"))
    (out / "mixed_stream.py").unlink()
    stale = cli("compile", *SPECS, "--out", "specs/compiled", "--check", cwd=project)
    assert stale.returncode == 1
    assert f"specs/compiled/text_pipeline.py:{line}:1: error: stale:" in stale.stdout
    assert "(spec specs/text_pipeline.toml) [HG501]" in stale.stdout
    assert "-    # superstep zero" in stale.stdout
    assert "specs/compiled/mixed_stream.py:1:1: error: missing:" in stale.stdout
    assert f"Found 2 errors in 2 specs (checked {len(SPECS)} specs)" in stale.stdout


def test_default_out_dir_is_next_to_the_spec(project: Path) -> None:
    result = cli("compile", "specs/text_pipeline.toml", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "specs" / "text_pipeline.py").is_file()


def test_run_prints_outputs_as_json() -> None:
    result = cli("run", "specs/text_pipeline.toml", "--inputs", "specs/text_pipeline.inputs.json")
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    assert outputs["counts"] == [4, 4, 4, 3]
    fanout = cli("run", "specs/async_fanout.toml", "--input", "user_id=3", "--input", "latency=0")
    assert fanout.returncode == 0, fanout.stderr
    assert json.loads(fanout.stdout)["report"]["name"] == "user-3"


def test_run_prints_a_route_to_end_as_END() -> None:
    result = cli("run", "specs/agent_loop.toml", "--inputs", "specs/agent_loop.inputs.json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["_should_continue"] == "END"


def test_run_reports_input_mistakes_and_node_failures() -> None:  # misuse: 2, a raise: 1
    missing = cli("run", "specs/async_fanout.toml")
    assert missing.returncode == 2
    assert "missing required input(s) user_id" in missing.stderr
    unknown = cli("run", "specs/async_fanout.toml", "--input", "user_id=1", "--input", "usr=2")
    assert unknown.returncode == 2
    assert "unknown input(s) usr" in unknown.stderr
    failing = cli("run", "specs/text_pipeline.toml", "--input", "text=a b", "--input", "size=0")
    assert failing.returncode == 1
    assert "error: the run failed: ValueError" in failing.stderr
    assert "Traceback" not in failing.stderr


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            '[graph]\nname = "g"\nbogus = 1\n[[nodes]]\nref = "m:f"\n',
            "bad.toml:3:1: error: graph.bogus: unknown key 'bogus'",
        ),
        (
            '[graph]\nname = "g"\n[[nodes]]\nref = "not a ref"\n',
            "bad.toml:4:1: error: nodes[0].ref: 'not a ref' is not an import reference",
        ),
        (
            '[graph]\nname = "g"\n[[nodes]]\nref = "no_such_mod_q:f"\n',
            "bad.toml:4:1: error: nodes[0].ref: module 'no_such_mod_q' is not importable",
        ),
        (
            '[graph]\nname = "g"\n[[nodes]]\nref = "specs.text_pipeline_nodes:nope"\n',
            "nodes[0].ref: module 'specs.text_pipeline_nodes' has no attribute 'nope'",
        ),
        (
            '[graph]\nname = "g"\n[[nodes]]\nref = "specs.text_pipeline_nodes:annotations"\n',
            "is a _Feature, not a node or a function",
        ),
        (
            '[graph]\nname = "g"\n[[nodes]]\nref = "specs.text_pipeline_nodes:stats"\n'
            'output = "a"\n[[nodes]]\nref = "specs.text_pipeline_nodes:stats"\noutput = "b"\n',
            "bad.toml:7:1: error: nodes[1].ref: duplicate node name 'stats'",
        ),
        ('[graph\nname = "g"\n', "bad.toml:1:1: error: TOML syntax"),
        (
            '[graph]\nname = "g"\nrunner = "sync"\n'
            '[[nodes]]\nref = "specs.async_fanout_nodes:merge"\n',
            "async node(s) merge",
        ),
    ],
)
def test_spec_errors_name_file_field_and_problem(tmp_path: Path, spec: str, expected: str) -> None:
    (tmp_path / "specs").symlink_to(ROOT / "specs")
    (tmp_path / "bad.toml").write_text(spec)
    result = cli("compile", "bad.toml", cwd=tmp_path)
    assert result.returncode == 1  # a problem in the spec (2 is for command-line misuse)
    assert expected in result.stdout, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    checked = cli("check", "bad.toml", cwd=tmp_path)
    assert checked.returncode == 1
    assert expected in checked.stdout, checked.stdout


def test_check_passes_examples_with_mypy() -> None:
    result = cli("check", *SPECS, "--mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "specs/text_pipeline.toml: ok" in result.stdout


def test_check_reports_type_errors_from_typecheck_and_mypy(tmp_path: Path) -> None:
    (tmp_path / "nodes_bad.py").write_text(
        "def make(a: int) -> str:\n    return str(a)\n\n\n"
        "def need(text: int) -> int:\n    return text\n"
    )
    (tmp_path / "bad.toml").write_text(
        '[graph]\nname = "bad"\n\n[[nodes]]\nref = "nodes_bad:make"\noutput = "text"\n\n'
        '[[nodes]]\nref = "nodes_bad:need"\noutput = "number"\n'
    )
    result = cli("check", "bad.toml", "--mypy", cwd=tmp_path)
    assert result.returncode == 1
    assert "nodes_bad.py:5:1: error:" in result.stdout  # from hypergraph.typecheck
    assert "(spec bad.toml) [HG201]" in result.stdout
    assert (
        'bad.toml:8:1: error: node \'need\': Argument "text" to "need" has incompatible type '
        '"str"; expected "int"  [arg-type] [HG401]' in result.stdout
    )


def test_committed_modules_run_with_the_example_inputs() -> None:
    import asyncio
    import importlib
    import inspect

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    for name in ("text_pipeline", "async_fanout", "mixed_stream", "cached_fetch"):
        module = importlib.import_module(f"specs.compiled.{name}")
        inputs = json.loads((ROOT / "specs" / f"{name}.inputs.json").read_text())
        result = module.run(**inputs)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        assert set(result) == set(module.Outputs.__annotations__)
