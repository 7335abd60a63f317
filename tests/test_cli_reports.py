"""The CLI in CI: exit codes, diagnostics and their formats, summary, -q, --strict, folders,
[tool.hypergraph], and the documented code table. Run as a subprocess, as CI runs it."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.cli.diagnostics import CODES, Diagnostic, code_for
from codegen.cli.formats import github_line, summary_line

ROOT = Path(__file__).resolve().parent.parent

NODES = """\
def retrieve(query: str, history: list[str]) -> list[str]:
    return [query, *history]


def accumulate(docs: list[str]) -> list[str]:
    return docs[-3:]


def report(history: list[str]) -> str:
    return ";".join(history)


def log(docs: list[str]) -> int:
    return len(docs)


def shout(text: str) -> str:
    return text.upper()


def need_int(loud: int) -> int:
    return loud
"""

GOOD = '[graph]\nname = "good"\n\n[[nodes]]\nref = "lnodes:shout"\noutput = "loud"\n'
# an entrypoint after the loop: the loop never runs (HG301)
SKIPS_LOOP = (
    '[graph]\nname = "skips"\nentrypoint = "report"\n\n'
    '[[nodes]]\nref = "lnodes:retrieve"\noutput = "docs"\n\n'
    '[[nodes]]\nref = "lnodes:accumulate"\noutput = "history"\n\n'
    '[[nodes]]\nref = "lnodes:report"\noutput = "text"\n'
)
# a function that returns a value, without an output name (HG302)
DISCARDS = (
    '[graph]\nname = "discards"\n\n'
    '[[nodes]]\nref = "lnodes:retrieve"\noutput = "docs"\n\n[[nodes]]\nref = "lnodes:log"\n'
)
# str into int (HG201, an error)
ILL_TYPED = (
    '[graph]\nname = "typed"\n\n[[nodes]]\nref = "lnodes:shout"\noutput = "loud"\n\n'
    '[[nodes]]\nref = "lnodes:need_int"\noutput = "n"\n'
)


def hg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m hypergraph``, which is what the console script runs."""
    return subprocess.run(
        [sys.executable, "-m", "hypergraph", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "lnodes.py").write_text(NODES)
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "good.toml").write_text(GOOD)
    (specs / "skips.toml").write_text(SKIPS_LOOP)
    (specs / "discards.toml").write_text(DISCARDS)
    (specs / "notes.toml").write_text("# not a spec: no [graph] table\n[tool]\nx = 1\n")
    return tmp_path


def test_warnings_pass_and_strict_fails(project: Path) -> None:
    result = hg("check", "specs", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "specs/good.toml: ok" in lines
    assert (
        "specs/discards.toml:8:1: warning: node 'log' has no output name, but its function "
        "returns a value: the value is discarded [HG302]" in lines
    )
    assert any(
        line.startswith("specs/skips.toml:5:1: warning: loop retrieve -> accumulate never runs")
        and line.endswith("[HG301]")
        for line in lines
    )
    assert lines[-1] == "Found 2 warnings in 2 specs (checked 3 specs)"  # notes.toml skipped
    strict = hg("check", "specs", "--strict", cwd=project)
    assert strict.returncode == 1
    assert "specs/discards.toml:8:1: error: node 'log'" in strict.stdout
    assert strict.stdout.splitlines()[-1] == "Found 2 errors in 2 specs (checked 3 specs)"


def test_compile_reports_the_warnings_and_strict_writes_nothing(project: Path) -> None:
    out = project / "out"
    result = hg("compile", "specs/discards.toml", "--out", "out", cwd=project)
    assert result.returncode == 0
    assert "[HG302]" in result.stdout
    assert (out / "discards_compiled.py").is_file()
    (out / "discards_compiled.py").unlink()
    strict = hg("compile", "specs/discards.toml", "--out", "out", "--strict", cwd=project)
    assert strict.returncode == 1
    assert "error: node 'log'" in strict.stdout
    assert not (out / "discards_compiled.py").exists()


def test_quiet_prints_only_problems(project: Path) -> None:
    result = hg("check", "specs", "-q", cwd=project)
    assert result.returncode == 0
    assert "ok" not in result.stdout
    assert "Found" not in result.stdout
    assert all("[HG30" in line or ": note: " in line for line in result.stdout.splitlines())
    clean = hg("check", "specs/good.toml", "-q", cwd=project)
    assert clean.returncode == 0
    assert clean.stdout == ""


def test_errors_exit_1_with_a_summary_naming_the_spec(project: Path) -> None:
    (project / "specs" / "typed.toml").write_text(ILL_TYPED)
    result = hg("check", "specs/typed.toml", "specs/good.toml", cwd=project)
    assert result.returncode == 1
    # the diagnostic points at the function, and names the spec it came from
    assert re.search(
        r"^lnodes\.py:21:1: error: Type mismatch on 'loud'.*\(spec specs/typed\.toml\) \[HG201\]$",
        result.stdout,
        re.M,
    ), result.stdout
    assert result.stdout.splitlines()[-1] == "Found 1 error in 1 spec (checked 2 specs)"


def test_json_format(project: Path) -> None:
    (project / "specs" / "typed.toml").write_text(ILL_TYPED)
    result = hg("check", "specs", "--format", "json", cwd=project)
    assert result.returncode == 1
    found = json.loads(result.stdout)  # nothing but the JSON array
    assert {d["code"] for d in found} == {"HG201", "HG301", "HG302"}
    for d in found:
        assert {"file", "line", "column", "severity", "code", "message", "spec"} <= set(d)
        assert isinstance(d["line"], int)
        assert isinstance(d["column"], int)
    [typed] = [d for d in found if d["code"] == "HG201"]
    assert typed["file"] == "lnodes.py"
    assert typed["spec"] == "specs/typed.toml"
    assert typed["severity"] == "error"
    assert typed["node"] == "need_int"


def test_github_format_annotates_files(project: Path) -> None:
    result = hg("check", "specs/discards.toml", "--format", "github", "--strict", cwd=project)
    assert result.returncode == 1
    [annotation] = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotation.startswith(
        "::error file=specs/discards.toml,line=8,col=1,title=HG302 discarded-return::node 'log'"
    )
    assert "%0A" in annotation  # the hint on its own line


def test_github_line_escapes_workflow_command_syntax() -> None:
    d = Diagnostic("a,b:c.toml", 3, 2, "warning", "HG303", "50% done\nnext", spec="a,b:c.toml")
    assert github_line(d) == (
        "::warning file=a%2Cb%3Ac.toml,line=3,col=2,title=HG303 unused-output::50%25 done%0Anext"
    )


def test_summary_line_wording() -> None:
    error = Diagnostic("a.toml", 1, 1, "error", "HG101", "x", spec="a.toml")
    warning = Diagnostic("b.toml", 1, 1, "warning", "HG301", "y", spec="b.toml")
    assert summary_line([], 6) == "Success: no issues found in 6 specs"
    assert summary_line([error, error, warning], 6) == (
        "Found 2 errors and 1 warning in 2 specs (checked 6 specs)"
    )
    assert summary_line([warning], 1) == "Found 1 warning in 1 spec (checked 1 spec)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nowhere.toml"], "'nowhere.toml': no such file or directory"),
        (["check", "empty"], "no spec below 'empty'"),
        (["check", "specs/*.nothing.toml"], "matches no spec file"),
        (["check"], "no specs given"),
        (["check", "specs", "--format", "xml"], "invalid choice: 'xml'"),
        (["compile", "specs/good.toml", "--out", "lnodes.py"], "not a folder"),
        (["bogus"], "invalid choice: 'bogus'"),
    ],
)
def test_command_line_misuse_exits_2(project: Path, args: list[str], message: str) -> None:
    (project / "empty").mkdir()
    result = hg(*args, cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_run_input_mistakes_are_misuse_and_spec_errors_are_problems(project: Path) -> None:
    missing = hg("run", "specs/good.toml", cwd=project)
    assert missing.returncode == 2
    assert "missing required input(s) text" in missing.stderr
    (project / "broken.toml").write_text('[graph]\nname = "b"\n[[nodes]]\nref = "lnodes:nope"\n')
    broken = hg("run", "broken.toml", cwd=project)
    assert broken.returncode == 1
    assert "broken.toml:4:1: error: nodes[0].ref: module 'lnodes' has no attribute" in (
        broken.stderr
    )


def test_folders_find_specs_below_them_and_skip_other_toml(project: Path) -> None:
    deeper = project / "specs" / "more"
    deeper.mkdir()
    (deeper / "again.toml").write_text(GOOD.replace('"good"', '"again"'))
    hidden = project / "specs" / ".cache"
    hidden.mkdir()
    (hidden / "ignored.toml").write_text(GOOD)
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    result = hg("check", ".", cwd=project)
    checked = re.findall(r"checked (\d+) specs", result.stdout)
    assert checked == ["4"], result.stdout
    assert "specs/more/again.toml: ok" in result.stdout


def test_pyproject_configures_compile_and_check(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.hypergraph]\nspecs = ["specs/good.toml", '
        '"specs/discards.toml"]\nout = "gen"\nstubs = "typings"\nstrict = false\n'
    )
    sub = project / "deep" / "er"
    sub.mkdir(parents=True)
    wrote = hg("compile", cwd=sub)  # from a subfolder: paths are the project root's
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    assert (project / "gen" / "good_compiled.py").is_file()
    assert (project / "typings" / "discards_compiled.pyi").is_file()
    assert "# Code generated by hypergraph from specs/good.toml." in (
        (project / "gen" / "good_compiled.py").read_text()
    )
    assert hg("compile", "--check", cwd=project).returncode == 0
    (project / "typings" / "good_compiled.pyi").unlink()
    placed = hg("compile", "specs/good.toml", "--out", "elsewhere", cwd=project)
    assert placed.returncode == 0, placed.stdout + placed.stderr
    assert (project / "elsewhere" / "good_compiled.py").is_file()
    assert not (project / "typings" / "good_compiled.pyi").exists()  # --out replaces stubs too
    assert hg("check", cwd=sub).returncode == 0
    assert hg("check", "--strict", cwd=sub).returncode == 1  # the flag wins over the table
    text = (project / "pyproject.toml").read_text().replace("strict = false", "strict = true")
    (project / "pyproject.toml").write_text(text)
    assert hg("check", cwd=project).returncode == 1
    explicit = hg("check", "specs/good.toml", cwd=project)  # arguments replace the table's specs
    assert explicit.returncode == 0
    assert explicit.stdout.splitlines()[-1] == "Success: no issues found in 1 spec"


def test_bad_configuration_is_misuse(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.hypergraph]\nspecs = ["specs"]\noutput = "x"\n')
    result = hg("check", cwd=project)
    assert result.returncode == 2
    assert "pyproject.toml: error: tool.hypergraph.output: unknown key; allowed: out," in (
        result.stderr
    )
    (project / "pyproject.toml").write_text("[tool.hypergraph]\nstrict = 1\n")
    result = hg("check", cwd=project)
    assert result.returncode == 2
    assert "tool.hypergraph.strict" in result.stderr


def test_this_repository_is_configured() -> None:
    result = hg("compile", "--check", "-q", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


# -- the code table ---------------------------------------------------------------------------


def _emitted_names() -> set[str]:
    """Every diagnostic name the runtime can produce: string literals passed as the code."""
    names: set[str] = set()
    for path in [*(ROOT / "hypergraph" / "typecheck").glob("*.py")]:
        tree = ast.parse(path.read_text())
        for call in ast.walk(tree):
            if (
                isinstance(call, ast.Call)
                and getattr(call.func, "attr", None) in ("emit", "once")
                and call.args
            ):
                for arg in ast.walk(call.args[0]):
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        names.add(arg.value)
    from hypergraph.graph.liveness import LIVENESS_CODES

    return names | set(LIVENESS_CODES)


def _emitted_codes() -> set[str]:
    """Every HG code the CLI modules write literally, plus those of the runtime names."""
    found: set[str] = set()
    for path in (ROOT / "codegen").glob("*.py"):
        found.update(re.findall(r'"(HG\d{3})"', path.read_text()))
    return found | {code_for(name) for name in _emitted_names()}


def test_every_code_the_tool_can_emit_is_known_and_documented() -> None:
    doc = (ROOT / "docs" / "ci.md").read_text()
    known = {c.code for c in CODES}
    emitted = _emitted_codes()
    assert emitted <= known
    assert "HG200" not in {code_for(n) for n in _emitted_names()}, "a runtime name lacks a code"
    for code in CODES:
        row = re.search(rf"^\| `{code.code}` \| `{code.name}` \| {code.severity} \|", doc, re.M)
        assert row, f"{code.code} ({code.name}) is not in the table of docs/ci.md"
    documented = set(re.findall(r"^\| `(HG\d{3})` \|", doc, re.M))
    assert documented == known
