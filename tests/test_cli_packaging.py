"""Packaging and the day-one CI path, tried as a new user would: fresh virtual environments
with a regular and an editable install, the command without the codegen extra, `check --mypy`
from outside the repository, and the shipped pre-commit hooks with the real pre-commit tool.

The tests that build environments are marked `slow` (CI runs them; `-m "not slow"` skips
them locally)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DIST = PYPROJECT["project"]["name"]

NODES = """\
def shout(text: str) -> str:
    return text.upper()


def need_int(loud: int) -> int:
    return loud


def step(count: int) -> int:
    return count + 1


def more(count: int) -> str:
    from hypergraph import END

    return "step" if count < 3 else END
"""
GOOD = '[graph]\nname = "good"\n\n[[nodes]]\nref = "usernodes:shout"\noutput = "loud"\n'
LOOP = (
    '[graph]\nname = "loop"\nentrypoint = "step"\n\n'
    '[[nodes]]\nref = "usernodes:step"\noutput = "count"\n'
)
ILL_TYPED = GOOD + '\n[[nodes]]\nref = "usernodes:need_int"\noutput = "n"\n'


def run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False, env=env
    )


def _outside_project(tmp_path: Path) -> Path:
    """A user's project, outside this repository, with node functions and specs."""
    project = tmp_path / "userproject"
    project.mkdir()
    (project / "usernodes.py").write_text(NODES)
    (project / "good.toml").write_text(GOOD)
    (project / "bad.toml").write_text(ILL_TYPED)
    return project


def _venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / "bin"


def _pip(bin_dir: Path, *args: str) -> None:
    result = run(bin_dir / "python", "-m", "pip", "install", "--quiet", *args, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _clean_env() -> dict[str, str]:
    """The environment without this venv's traces, so the fresh one stands on its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(sys.prefix)
    )
    return env


# -- metadata ---------------------------------------------------------------------------------


def test_project_metadata_is_complete() -> None:
    project = PYPROJECT["project"]
    assert DIST == "hypergraph-workflows"  # `hypergraph` is taken on the package index
    assert project["license"] == {"text": "MIT"}
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "Typing :: Typed" in project["classifiers"]
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(project["urls"])
    assert project["scripts"] == {"hypergraph": "hypergraph.__main__:main"}
    assert (ROOT / "hypergraph" / "py.typed").is_file()
    assert (ROOT / "codegen" / "py.typed").is_file()
    assert "slow" in " ".join(PYPROJECT["tool"]["pytest"]["ini_options"]["markers"])


def test_readme_says_how_to_install_from_the_index() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"pip install '{DIST}[codegen]'" in readme


def test_version_and_python_m_equal_the_console_script() -> None:
    import hypergraph

    module = run(sys.executable, "-m", "hypergraph", "--version", cwd=ROOT)
    assert module.returncode == 0
    assert module.stdout.startswith(f"hypergraph {hypergraph.__version__} ({DIST}")
    script = shutil.which("hypergraph", path=str(Path(sys.executable).parent))
    assert script is not None
    assert run(script, "--version", cwd=ROOT).stdout == module.stdout
    both = [run(cmd, "check", "--help", cwd=ROOT).stdout for cmd in (script,)]
    both.append(run(sys.executable, "-m", "hypergraph", "check", "--help", cwd=ROOT).stdout)
    assert both[0] == both[1]


def test_missing_extra_message_names_the_extra() -> None:
    from hypergraph.__main__ import missing_extra_message

    line = missing_extra_message("jinja2")
    assert "\n" not in line
    assert f"pip install '{DIST}[codegen]'" in line


# -- fresh environments -------------------------------------------------------------------------


@pytest.mark.slow
def test_regular_install_without_then_with_the_extra(tmp_path: Path) -> None:
    bin_dir = _venv(tmp_path / "venv")
    _pip(bin_dir, str(ROOT))  # no extra: the runtime only
    project = _outside_project(tmp_path)
    env = _clean_env()
    version = run(bin_dir / "hypergraph", "--version", cwd=project, env=env)
    assert version.returncode == 0
    assert DIST in version.stdout
    bare = run(bin_dir / "hypergraph", "check", "good.toml", cwd=project, env=env)
    assert bare.returncode == 2
    assert bare.stdout == ""
    assert bare.stderr.count("\n") == 1, bare.stderr  # one line, no traceback
    assert f"pip install '{DIST}[codegen]'" in bare.stderr
    same = run(bin_dir / "python", "-m", "hypergraph", "check", "good.toml", cwd=project, env=env)
    assert (same.returncode, same.stderr) == (bare.returncode, bare.stderr)

    _pip(bin_dir, f"{ROOT}[codegen]")
    checked = run(bin_dir / "hypergraph", "check", "good.toml", "--mypy", cwd=project, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (project / "loop.toml").write_text(LOOP)  # its module imports hypergraph.exceptions
    looped = run(bin_dir / "hypergraph", "check", "loop.toml", "--mypy", cwd=project, env=env)
    assert looped.returncode == 0, looped.stdout + looped.stderr
    bad = run(bin_dir / "hypergraph", "check", "bad.toml", "--mypy", cwd=project, env=env)
    assert bad.returncode == 1
    assert "[HG401]" in bad.stdout
    assert "[HG201]" in bad.stdout


@pytest.mark.slow
def test_editable_install_checks_with_mypy_from_outside_the_repository(tmp_path: Path) -> None:
    bin_dir = _venv(tmp_path / "venv")
    _pip(bin_dir, "-e", f"{ROOT}[codegen]")
    project = _outside_project(tmp_path)
    (project / "loop.toml").write_text(LOOP)
    result = run(
        bin_dir / "hypergraph",
        "check",
        "good.toml",
        "loop.toml",
        "--mypy",
        cwd=project,
        env=_clean_env(),
    )
    assert "Cannot find" not in result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "Success: no issues found in 2 specs"


@pytest.mark.slow
def test_pre_commit_hooks_work_on_a_fresh_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        '[tool.hypergraph]\nspecs = ["specs"]\nout = "compiled"\nstubs = "stubs"\n'
    )
    (repo / "usernodes.py").write_text(NODES)
    (repo / "specs").mkdir()
    (repo / "specs" / "good.toml").write_text(GOOD)
    git = ["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "specs"]):
        assert run(*git, *command, cwd=repo).returncode == 0
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "--all-files"]

    stale = run(*pre_commit, cwd=repo, env=env)  # both hooks; the module is not compiled yet
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "No module named" not in stale.stdout
    assert "compiled/good_compiled.py:1:1: error: missing:" in stale.stdout
    assert "hypergraph specs are valid and well-typed" in stale.stdout

    wrote = run(sys.executable, "-m", "hypergraph", "compile", cwd=repo)
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    fresh = run(*pre_commit, cwd=repo, env=env)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout.count("Passed") == 2
