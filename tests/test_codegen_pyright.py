"""pyright in strict mode over compiled modules: a compiled graph is clean under pyright too.

Runs over the example specs' modules (``specs/compiled``), the golden modules
(``tests/golden``) and their stubs. pyright comes from the dev extra (``pyright[nodejs]``, which
brings its own Node.js). One pyright run, about 5-10 s.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("pyright")

from regen_golden import present_files  # noqa: E402


def _pyright(paths: list[Path], workdir: Path) -> dict[str, object]:
    config = workdir / "pyrightconfig.json"
    config.write_text(
        json.dumps(
            {
                "typeCheckingMode": "strict",
                "pythonVersion": "3.10",
                "extraPaths": [str(ROOT), str(ROOT / "tests")],
            }
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--project",
            str(config),
            "--pythonpath",
            sys.executable,
            "--outputjson",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=workdir,
    )
    try:
        report: dict[str, object] = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright did not run:\n{done.stdout}\n{done.stderr}")
    return report


def test_compiled_and_golden_modules_pass_pyright_strict(tmp_path: Path) -> None:
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    golden = present_files()  # the example modules and stubs, and the fixture goldens
    for stub in (p for p in golden if p.suffix == ".pyi"):
        # a stub must not sit next to its module, or pyright reads the stub for both
        shutil.copy(stub, stubs / f"stub_{stub.name}")
    paths = [*(p for p in golden if p.suffix == ".py"), *sorted(stubs.glob("*.pyi"))]
    assert len(paths) > 10
    report = _pyright(paths, tmp_path)
    problems = [
        f"{Path(str(d['file'])).name}:{d['range']['start']['line'] + 1}: "  # type: ignore[index]
        f"{d.get('rule')}: {d['message']}"  # type: ignore[union-attr,index]
        for d in report["generalDiagnostics"]  # type: ignore[attr-defined]
    ]
    summary = report["summary"]
    assert summary["filesAnalyzed"] >= len(paths), summary  # type: ignore[index]
    assert problems == [], "\n".join(problems)


def test_pyright_reports_a_real_error(tmp_path: Path) -> None:
    """The harness is live: a module with a strict-mode error is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x):\n    return x\n")
    report = _pyright([bad], tmp_path)
    rules = {d.get("rule") for d in report["generalDiagnostics"]}  # type: ignore[attr-defined]
    assert "reportMissingParameterType" in rules
