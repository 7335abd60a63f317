"""Atomic writes and --check comparisons."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codegen.write import atomic_write, compare


def test_atomic_write_creates_and_skips_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "mod.py"
    assert atomic_write(target, "x = 1\n")
    assert target.read_bytes() == b"x = 1\n"
    before = target.stat().st_mtime_ns
    assert not atomic_write(target, "x = 1\n")
    assert target.stat().st_mtime_ns == before
    assert [p.name for p in target.parent.iterdir()] == ["mod.py"]


def test_failed_write_leaves_the_old_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "mod.py"
    target.write_text("old = 1\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, "new = 2\n")
    assert target.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mod.py"]  # no temp file left behind


def test_failed_compile_leaves_the_previous_module(tmp_path: Path) -> None:
    import subprocess
    import sys

    spec = tmp_path / "broken.toml"
    spec.write_text('[graph]\nname = "g"\n[[nodes]]\nref = "no_such_module_x:f"\n')
    out = tmp_path / "out"
    out.mkdir()
    module = out / "broken_compiled.py"
    module.write_text("previous = True\n")
    result = subprocess.run(
        [sys.executable, "-m", "codegen.cli", "compile", str(spec), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1  # a spec problem (docs/ci.md exit codes)
    assert module.read_text() == "previous = True\n"


def test_compare_reports_missing_stale_and_fresh(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    assert compare(target, "a\n").missing
    target.write_text("a\nb\n")
    stale = compare(target, "a\nc\n")
    assert stale.stale
    assert "-b" in stale.diff
    assert "+c" in stale.diff
    assert not compare(target, "a\nb\n").stale
