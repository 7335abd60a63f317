"""Byte-identical output: twice in one process and under different PYTHONHASHSEEDs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from regen_golden import expected_files

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import hashlib, sys
sys.path[:0] = [{root!r}, {tests!r}]
from regen_golden import expected_files
files = expected_files()
print(hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest())
"""


def test_compiling_twice_gives_the_same_bytes() -> None:
    assert expected_files() == expected_files()


def test_output_is_independent_of_hash_seed() -> None:
    digests = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                SCRIPT.format(root=str(ROOT), tests=str(ROOT / "tests")),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        digests.add(result.stdout.strip())
    assert len(digests) == 1
