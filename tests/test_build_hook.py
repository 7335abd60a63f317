"""The hatchling build hook `hypergraph` (codegen/hatch_hook.py) and the setuptools recipe of
docs/build-time.md, on the sample project tests/data/hatch_sample.

Real builds: hatchling's builders in this process for the hook's rules, and the `build`
frontend in a subprocess (without isolation in this venv, and for the sdist route with
isolation, this repository's wheel as the build requirement) for the end-to-end tests, whose
wheels are installed into fresh virtual environments without hypergraph and run there. The
subprocess tests are marked `slow` (CI runs them)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hatchling.builders.sdist import SdistBuilder
from hatchling.builders.wheel import WheelBuilder

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "hatch_sample"
COMPILED = "src/sample_app/compiled"
SHIPPED = {f"sample_app/compiled/{m}.{ext}" for m in ("triage", "welcome") for ext in ("py", "pyi")}

# a node whose output type does not fit the next node: `hypergraph check` reports HG201
NEED_INT = "\n\ndef need_int(page: int) -> int:\n    return page\n"
BROKEN = """\
[graph]
name = "broken"

[[nodes]]
ref = "sample_app.nodes:escalate"
output = "page"

[[nodes]]
ref = "sample_app.nodes:need_int"
output = "n"
"""
# valid, but the node's return value is discarded: warning HG302
DISCARDS = '[graph]\nname = "discards"\n\n[[nodes]]\nref = "sample_app.nodes:normalize"\n'

# what runs in the fresh venv: both compiled graphs, with hypergraph not installed
RUN_COMPILED = """\
import asyncio, importlib.util, json, sys
assert importlib.util.find_spec("hypergraph") is None, "hypergraph is installed"
assert importlib.util.find_spec("codegen") is None, "codegen is installed"
from sample_app.compiled import triage, welcome
assert "hypergraph" not in sys.modules
print(json.dumps({
    "urgent": triage.run(text="Server DOWN  again"),
    "calm": triage.run(text="How do I reset my password?"),
    "welcome": asyncio.run(welcome.run(user_id=7)),
}))
"""


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[Path]:
    """A copy of the sample project; its modules are forgotten afterwards."""
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("compiled", "dist"))
    yield project
    forget_sample_modules()


def forget_sample_modules() -> None:
    """Drop the sample's modules, so the next copy of the project is imported afresh."""
    for name in [m for m in sys.modules if m == "sample_app" or m.startswith("sample_app.")]:
        del sys.modules[name]


def build(project: Path, target: str = "wheel", version: str = "standard") -> Path:
    """Build in this process with hatchling's own builder; the artifact's path."""
    builder = (WheelBuilder if target == "wheel" else SdistBuilder)(str(project))
    [artifact] = builder.build(directory=str(project / "dist"), versions=[version])
    return Path(artifact)


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {n for n in archive.namelist() if ".dist-info/" not in n}


def run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def frontend(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m build` on `project`, artifacts into project/dist."""
    return run(
        sys.executable, "-m", "build", *args, "--outdir", project / "dist", project, cwd=project
    )


def set_strict(project: Path, strict: bool) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    setting = f"strict = {str(strict).lower()}"
    pyproject.write_text(re.sub("^strict = .*$", setting, text, flags=re.MULTILINE))


def expected_outputs() -> dict[str, Any]:
    """What the runtime's runners compute for the inputs of RUN_COMPILED, as JSON would."""
    from codegen import load_spec, resolve
    from hypergraph import AsyncRunner, SyncRunner

    sys.path.insert(0, str(SAMPLE / "src"))
    try:
        triage = resolve(load_spec(SAMPLE / "specs" / "triage.toml"))
        welcome = resolve(load_spec(SAMPLE / "specs" / "welcome.toml"))
        found = {
            "urgent": SyncRunner().run(triage, text="Server DOWN  again").values,
            "calm": SyncRunner().run(triage, text="How do I reset my password?").values,
            "welcome": asyncio.run(AsyncRunner().run(welcome, user_id=7)).values,
        }
    finally:
        sys.path.remove(str(SAMPLE / "src"))
        forget_sample_modules()
    return json.loads(json.dumps(found))


def run_in_fresh_venv(wheel: Path, where: Path) -> dict[str, Any]:
    """Install `wheel` alone into a new venv (no hypergraph, no pip of its own) and run
    RUN_COMPILED there; its JSON output."""
    venv.EnvBuilder(with_pip=False, clear=True).create(where)
    python = where / "bin" / "python"
    install = run(
        sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-index",
        "--no-deps", wheel, cwd=where,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = run(python, "-c", RUN_COMPILED, cwd=where, env=env)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# -- registration -----------------------------------------------------------------------------


def test_hatchling_finds_the_hook_by_its_name() -> None:
    from hatchling.plugin.manager import PluginManager

    from codegen.hatch_hook import HypergraphBuildHook

    assert PluginManager().build_hook.get("hypergraph") is HypergraphBuildHook


def test_importing_the_hook_without_hatchling_names_the_extra() -> None:
    blocked = "import sys; sys.modules['hatchling'] = None; import codegen.hatch_hook"
    done = run(sys.executable, "-c", blocked, cwd=ROOT)  # a fresh process: hatchling not loaded
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: codegen.hatch_hook is the build hook for hatchling")
    assert "pip install 'hypergraph-workflows[hatch]'" in last


def test_registering_the_hook_needs_no_codegen_extra() -> None:
    """hatchling imports every registered hook for any build that uses a plugin: with the
    runtime and hatchling alone (no pydantic, no jinja2) the import and registration work."""
    script = (
        "import sys\n"
        "for name in ('pydantic', 'jinja2', 'mypy'): sys.modules[name] = None\n"
        "import codegen.hatch_hook as hook\n"
        "assert hook.hatch_register_build_hook().PLUGIN_NAME == 'hypergraph'\n"
    )
    done = run(sys.executable, "-c", script, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_hatchling_is_no_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any("hatchling" in d for d in project["dependencies"])
    extras = project["optional-dependencies"]
    assert any(d.startswith("hatchling") for d in extras["hatch"])
    assert "hypergraph-workflows[codegen]" in extras["hatch"]
    assert any("hatch" in d.split("[")[-1] for d in extras["dev"] if d.startswith("hyper"))
    assert project["entry-points"]["hatch"] == {"hypergraph": "codegen.hatch_hook"}


def test_the_docs_show_the_sample_projects_configuration() -> None:
    """docs/build-time.md's hatchling configuration is the tested sample's (but its name)."""
    documented = tomllib.loads(doc_block("toml", "[build-system]"))
    sample = tomllib.loads((SAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    for key in ("build-system", "tool"):
        assert documented[key] == sample[key]
    assert documented["project"]["dependencies"] == sample["project"]["dependencies"] == []
    gitignore = doc_block("text", "# .gitignore").splitlines()[1:]
    assert set(gitignore) <= set((SAMPLE / ".gitignore").read_text().splitlines())


# -- the hook's rules, with hatchling's builders in this process -------------------------------


def test_wheel_ships_every_compiled_module_and_stub(sample: Path, capsys: Any) -> None:
    wheel = build(sample)
    assert wheel_files(wheel) >= SHIPPED
    assert not any(name.startswith(("specs/", "src/")) for name in wheel_files(wheel))
    written = sorted(p.name for p in (sample / COMPILED).iterdir())
    assert written == ["triage.py", "triage.pyi", "welcome.py", "welcome.pyi"]
    with zipfile.ZipFile(wheel) as archive:  # what hypergraph compile wrote, byte for byte
        shipped = archive.read("sample_app/compiled/triage.py")
    assert shipped == (sample / COMPILED / "triage.py").read_bytes()
    assert shipped.startswith(b"# Code generated by hypergraph from specs/triage.toml.")
    err = capsys.readouterr().err
    assert "hypergraph: specs/triage.toml: ok" in err
    assert f"hypergraph: wrote {COMPILED}/welcome.pyi" in err


def test_committed_modules_are_replaced_not_duplicated(sample: Path) -> None:
    (sample / ".gitignore").write_text("/dist/\n")  # the compiled modules are committed
    build(sample)
    stale = sample / COMPILED / "triage.py"
    stale.write_text(stale.read_text(encoding="utf-8").replace("PAGE", "OLD"), encoding="utf-8")
    wheel = build(sample)
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith("compiled/triage.py")]
        assert names == ["sample_app/compiled/triage.py"]
    assert "OLD" not in stale.read_text(encoding="utf-8")  # recompiled from its spec


def test_editable_wheel_compiles_into_the_tree_and_ships_no_copies(sample: Path) -> None:
    pyproject = sample / "pyproject.toml"  # a .pth to src/ (hatchling's default needs editables)
    table = "[tool.hatch.build.targets.wheel]"
    pyproject.write_text(pyproject.read_text().replace(table, f'{table}\ndev-mode-dirs = ["src"]'))
    wheel = build(sample, version="editable")
    assert not any("compiled" in name for name in wheel_files(wheel))
    assert (sample / COMPILED / "triage.py").is_file()  # the editable install imports these


def test_sdist_carries_the_specs_and_writes_nothing(sample: Path) -> None:
    sdist_config = '\n[tool.hatch.build.targets.sdist]\nonly-include = ["src"]\n'
    with (sample / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write(sdist_config)  # would leave the specs out
    sdist = build(sample, target="sdist")
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames()}
    assert {"specs/triage.toml", "specs/welcome.toml", "src/sample_app/nodes.py"} <= names
    assert not any("compiled" in name for name in names)
    assert not (sample / COMPILED).exists()


def test_sdist_refuses_a_spec_outside_the_project(sample: Path, capsys: Any) -> None:
    shared = sample.parent / "shared"
    shutil.move(sample / "specs", shared)
    pyproject = sample / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('specs = ["specs"]', 'specs = ["../shared"]')
    )
    with pytest.raises(SystemExit):
        build(sample, target="sdist")
    err = capsys.readouterr().err
    assert f"hypergraph: error: the spec {shared / 'triage.toml'} lies outside the project" in err
    assert "so the sdist cannot carry it" in err


def test_warnings_are_printed_and_pass_unless_strict(sample: Path, capsys: Any) -> None:
    (sample / "specs" / "discards.toml").write_text(DISCARDS)
    set_strict(sample, False)
    wheel = build(sample)
    assert "sample_app/compiled/discards_compiled.py" in wheel_files(wheel)
    err = capsys.readouterr().err
    assert "hypergraph: specs/discards.toml:4:1: warning: node 'normalize' has no output" in err
    assert err.count("[HG302]") == 1  # check's report; compile's same finding is not repeated

    set_strict(sample, True)
    shutil.rmtree(sample / COMPILED)
    with pytest.raises(SystemExit) as stopped:
        build(sample)
    assert stopped.value.code == 1
    assert "specs/discards.toml:4:1: error: node 'normalize'" in capsys.readouterr().err
    assert not (sample / COMPILED).exists()


def test_a_file_the_user_wrote_is_never_overwritten(sample: Path, capsys: Any) -> None:
    mine = sample / COMPILED / "welcome.py"
    mine.parent.mkdir(parents=True)
    mine.write_text("MINE = 1\n")
    with pytest.raises(SystemExit):
        build(sample)
    err = capsys.readouterr().err
    assert f"{COMPILED}/welcome.py:1:1: error: " in err
    assert "[HG503]" in err
    assert "hypergraph: compiling the specs failed; the build stopped" in err
    assert mine.read_text() == "MINE = 1\n"
    assert not (sample / COMPILED / "triage.py").exists()  # nothing written while one is refused


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('out = "specs/compiled"', "specs/compiled/triage.py would go into the wheel as "),
        ('stubs = "stubs"', "stubs/triage.pyi would go into the wheel as stubs/triage.pyi"),
    ],
)
def test_modules_outside_the_wheels_packages_are_refused(
    sample: Path, capsys: Any, setting: str, message: str
) -> None:
    pyproject = sample / "pyproject.toml"
    key = setting.split(" =")[0]
    text = re.sub(rf"^{key} = .*$", setting, pyproject.read_text(), flags=re.MULTILINE)
    pyproject.write_text(text)
    with pytest.raises(SystemExit):
        build(sample)
    err = capsys.readouterr().err
    assert message in err
    assert "outside its packages (sample_app)" in err
    assert 'e.g. out = "src/sample_app/compiled"' in err
    assert not (sample / "specs" / "compiled").exists()
    assert not (sample / "stubs").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            (
                "[tool.hatch.build.hooks.hypergraph]",
                "[tool.hatch.build.hooks.hypergraph]\nmypy = 1",
            ),
            "[tool.hatch.build.hooks.hypergraph]: unknown option(s) mypy: the hook takes no "
            "options of its own",
        ),
        (
            ("[tool.hypergraph]", "[tool.other]"),
            "[tool.hatch.build.hooks.hypergraph] is enabled but pyproject.toml lists no specs",
        ),
        (
            ('specs = ["specs"]', 'specs = ["graphs"]'),
            "hypergraph: error: 'graphs': no such file or directory",
        ),
        (
            ("strict = true", 'strict = "yes"'),
            "pyproject.toml: error: tool.hypergraph.strict: Input should be a valid boolean",
        ),
    ],
    ids=["unknown-option", "no-specs", "missing-spec-folder", "bad-table"],
)
def test_configuration_mistakes_stop_the_build_with_one_message(
    sample: Path, capsys: Any, edit: tuple[str, str], message: str
) -> None:
    pyproject = sample / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(*edit, 1))
    for target in ("wheel", "sdist"):
        with pytest.raises(SystemExit) as stopped:
            build(sample, target=target)
        assert stopped.value.code == 1
        err = capsys.readouterr().err
        assert message in err
        assert "Traceback" not in err


def test_other_targets_are_refused(sample: Path, capsys: Any) -> None:
    from hatchling.metadata.core import ProjectMetadata

    from codegen.hatch_hook import HypergraphBuildHook

    builder = WheelBuilder(str(sample))
    hook = HypergraphBuildHook(
        str(sample), {}, builder.config, ProjectMetadata(str(sample), None), str(sample), "binary"
    )
    with pytest.raises(SystemExit):
        hook.initialize("standard", {"force_include": {}})
    assert "supports the wheel and sdist targets, not 'binary'" in capsys.readouterr().err


# -- end to end: the build frontend, fresh environments -----------------------------------------


@pytest.mark.slow
def test_wheel_runs_its_compiled_graphs_where_hypergraph_is_not_installed(sample: Path) -> None:
    built = frontend(sample, "--no-isolation", "--wheel")
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (sample / "dist").glob("*.whl")
    assert wheel_files(wheel) >= SHIPPED
    assert run_in_fresh_venv(wheel, sample.parent / "fresh") == expected_outputs()


@pytest.fixture(scope="module")
def this_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository built as a wheel (what a project's build requirements install)."""
    where = tmp_path_factory.mktemp("this-wheel")
    done = run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", where, ROOT, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    [wheel] = where.glob("hypergraph_workflows-*.whl")
    return wheel


@pytest.mark.slow
def test_sdist_route_compiles_in_an_isolated_build(sample: Path, this_wheel: Path) -> None:
    """The sdist holds the specs, not the modules; a wheel built from it in an isolated
    environment (hatchling and this repository's wheel installed from its requirements)
    compiles them, and runs without hypergraph."""
    pyproject = sample / "pyproject.toml"
    requirement = f'"hypergraph-workflows[hatch] @ {this_wheel.as_uri()}"'
    text = pyproject.read_text().replace('"hypergraph-workflows[hatch]"', requirement)
    pyproject.write_text(text)
    sdist_built = frontend(sample, "--no-isolation", "--sdist")
    assert sdist_built.returncode == 0, sdist_built.stdout + sdist_built.stderr
    [sdist] = (sample / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"pyproject.toml", "specs/triage.toml", "src/sample_app/nodes.py"} <= names
    assert not any("compiled" in n for n in names)
    assert not (sample / COMPILED).exists()

    out = sample / "from-sdist"
    wheel_built = run(sys.executable, "-m", "build", "--wheel", "--outdir", out, sdist, cwd=sample)
    assert wheel_built.returncode == 0, wheel_built.stdout + wheel_built.stderr
    assert "hypergraph: wrote src/sample_app/compiled/triage.py" in wheel_built.stderr
    assert not (sample / COMPILED).exists()  # compiled in the unpacked sdist, not here
    [wheel] = out.glob("*.whl")
    assert wheel_files(wheel) >= SHIPPED
    assert run_in_fresh_venv(wheel, sample.parent / "fresh") == expected_outputs()


@pytest.mark.slow
def test_broken_spec_stops_the_build_with_the_diagnostics_of_check(sample: Path) -> None:
    with (sample / "src" / "sample_app" / "nodes.py").open("a", encoding="utf-8") as stream:
        stream.write(NEED_INT)
    (sample / "specs" / "broken.toml").write_text(BROKEN)
    env = {**os.environ, "PYTHONPATH": str(sample / "src")}
    checked = run(sys.executable, "-m", "hypergraph", "check", cwd=sample, env=env)
    assert checked.returncode == 1
    assert "[HG201]" in checked.stdout

    for kind in ("--wheel", "--sdist"):
        built = frontend(sample, "--no-isolation", kind)
        assert built.returncode == 1, built.stdout + built.stderr
        # every line `hypergraph check` printed, in its order, and no traceback
        assert checked.stdout in built.stderr
        assert "hypergraph: the specs have errors; the build stopped" in built.stderr
        assert "Traceback" not in built.stdout + built.stderr
    assert not (sample / COMPILED).exists()
    assert not list((sample / "dist").glob("*"))


# -- setuptools: the recipe of docs/build-time.md ------------------------------------------------


def doc_block(language: str, first_line: str) -> str:
    """The fenced block of docs/build-time.md that starts with `first_line`."""
    text = (ROOT / "docs" / "build-time.md").read_text(encoding="utf-8")
    for body in re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE):
        if body.startswith(first_line):
            return str(body)
    raise AssertionError(f"no {language} block starting with {first_line!r}")


@pytest.mark.slow
def test_setuptools_recipe_builds_a_wheel_with_compiled_graphs(tmp_path: Path) -> None:
    project = tmp_path / "setuptools-project"
    shutil.copytree(SAMPLE / "src", project / "src", ignore=shutil.ignore_patterns("compiled"))
    shutil.copytree(SAMPLE / "specs", project / "specs")
    (project / "src" / "sample_app" / "compiled").mkdir()
    (project / "src" / "sample_app" / "compiled" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(doc_block("toml", "# pyproject.toml (setuptools)"))
    (project / "setup.py").write_text(doc_block("python", "# setup.py"))
    built = frontend(project, "--no-isolation", "--wheel")
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (project / "dist").glob("*.whl")
    assert {"sample_app/compiled/triage.py", "sample_app/compiled/welcome.py"} <= wheel_files(wheel)
    assert run_in_fresh_venv(wheel, tmp_path / "fresh") == expected_outputs()
