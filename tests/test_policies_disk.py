"""Issue 15, DiskCache: results persist across processes (a subprocess computes, this process
hits, an edited function misses), a corrupt or unreadable entry is a logged miss, and a path
that is not a cache directory is refused."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hypergraph import DiskCache, Graph, SyncRunner, node
from hypergraph.policies.disk import FILE_NAME

ROOT = Path(__file__).resolve().parent.parent

NODES = """
import json, sys
from hypergraph import DiskCache, Graph, SyncRunner, node

CALLS = []

@node(output_name="y", cache=True)
def work(x: int) -> dict:
    CALLS.append(x)
    return {"x": x, "body": "BODY"}

result = SyncRunner(cache=DiskCache(sys.argv[1])).run(Graph([work]), x=int(sys.argv[2]))
print(json.dumps({"y": result["y"], "calls": CALLS}))
"""


def run_process(tmp_path: Path, cache_dir: Path, x: int, body: str) -> dict[str, Any]:
    """Run the graph in a fresh interpreter (its own PYTHONHASHSEED) and return its report."""
    script = tmp_path / f"worker_{body}.py"
    source = textwrap.dedent(NODES).replace('"BODY"', repr(body))  # the function's own body
    script.write_text(source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(cache_dir), str(x)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONHASHSEED": "random", "PATH": ""},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    import json

    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.slow
def test_entries_persist_across_processes_and_an_edited_function_misses(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    first = run_process(tmp_path, cache_dir, 3, "v1")
    assert first == {"y": {"x": 3, "body": "v1"}, "calls": [3]}
    second = run_process(tmp_path, cache_dir, 3, "v1")  # another process: a hit
    assert second == {"y": {"x": 3, "body": "v1"}, "calls": []}
    edited = run_process(tmp_path, cache_dir, 3, "v2")  # the function changed: a miss
    assert edited == {"y": {"x": 3, "body": "v2"}, "calls": [3]}
    assert len(DiskCache(cache_dir)) == 2


def counted(calls: list[int]) -> Any:
    @node(output_name="y", cache=True)
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    return square


def test_a_disk_cache_hit_in_the_same_process(tmp_path: Path) -> None:
    calls: list[int] = []
    graph = Graph([counted(calls)])
    with DiskCache(tmp_path / "c") as cache:
        runner = SyncRunner(cache=cache)
        assert [runner.run(graph, x=x)["y"] for x in (2, 2, 3, 2)] == [4, 4, 9, 4]
        assert calls == [2, 3]
        assert len(cache) == 2
        cache.clear()
        assert len(cache) == 0
        runner.run(graph, x=2)
        assert calls == [2, 3, 2]


def corrupt(cache: DiskCache, how: str) -> None:
    with sqlite3.connect(cache.file) as db:
        if how == "checksum":
            db.execute("UPDATE entries SET value = X'00'")
        else:  # a valid checksum over bytes that are not a pickle
            import hashlib

            data = b"not a pickle"
            db.execute(
                "UPDATE entries SET value = ?, digest = ?", (data, hashlib.sha256(data).digest())
            )


@pytest.mark.parametrize("how", ["checksum", "unpickle"])
def test_a_corrupt_entry_is_a_logged_miss_and_is_replaced(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []
    graph = Graph([counted(calls)])
    cache = DiskCache(tmp_path / "c")
    runner = SyncRunner(cache=cache)
    runner.run(graph, x=5)
    corrupt(cache, how)
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        assert runner.run(graph, x=5)["y"] == 25  # recomputed, never a wrong value
    assert calls == [5, 5]
    assert "unreadable" in caplog.text
    assert "a miss" in caplog.text
    assert runner.run(graph, x=5)["y"] == 25
    assert calls == [5, 5]  # the recomputed value was stored again


def test_a_database_that_breaks_mid_run_is_a_logged_miss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []
    graph = Graph([counted(calls)])
    cache = DiskCache(tmp_path / "c")
    runner = SyncRunner(cache=cache)
    with sqlite3.connect(cache.file) as db:
        db.execute("DROP TABLE entries")
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        assert runner.run(graph, x=4)["y"] == 16
    assert "cannot read entry" in caplog.text
    assert "cannot store entry" in caplog.text


def test_a_file_in_place_of_the_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="is a file; give a directory"):
        DiskCache(target)
    assert target.read_text(encoding="utf-8") == "mine"


def test_a_database_file_that_is_not_sqlite_is_refused_not_overwritten(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    directory.mkdir()
    (directory / FILE_NAME).write_bytes(b"this is not a database at all" * 10)
    with pytest.raises(ValueError, match="is not a readable cache database"):
        DiskCache(directory)
    assert (directory / FILE_NAME).read_bytes().startswith(b"this is not a database")


def test_a_value_that_cannot_be_pickled_raises_from_set(tmp_path: Path) -> None:
    import threading

    cache = DiskCache(tmp_path / "c")
    with pytest.raises(TypeError):
        cache.set("k", threading.Lock())
    assert cache.get("k") == (False, None)
    cache.set("k", {"a": [1, 2]})
    hit, value = cache.get("k")
    assert hit
    assert value == {"a": [1, 2]}
    assert cache.get("k")[1] is not value  # a fresh copy per hit
