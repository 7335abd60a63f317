"""DiskCache: results in an SQLite database, shared by every process that opens the directory.

SQLite (the standard library's `sqlite3`) does the hard parts: atomic writes, locking between
processes and threads, recovery after a crash. Each row holds a pickled snapshot of the value
and its SHA-256; an entry that fails the check or cannot be unpickled is logged, deleted and
treated as a miss, never returned. Unpickling runs code named in the data, so the directory
must be as trusted as your code (do not point it at files others can write).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from hypergraph.policies.backends import dumps, loads, log

__all__ = ["DiskCache"]

FILE_NAME = "hypergraph-cache.sqlite3"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries ("
    "key TEXT PRIMARY KEY, digest BLOB NOT NULL, value BLOB NOT NULL)"
)
_BUSY_SECONDS = 30.0  # how long a writer waits for another process's lock


class DiskCache:
    """Results on disk under directory `path` (created if missing), in one SQLite file,
    persistent across runs and processes. Thread-safe; usable by several processes at once."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        directory = Path(path).expanduser()
        if directory.exists() and not directory.is_dir():
            raise ValueError(
                f"DiskCache: {str(directory)!r} is a file; give a directory (it is created if "
                "missing) where the cache keeps its database"
            )
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory
        self.file = directory / FILE_NAME
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        try:
            with self._lock:
                self._connect()
        except sqlite3.DatabaseError as exc:
            raise ValueError(
                f"DiskCache: {str(self.file)!r} is not a readable cache database ({exc}); "
                "delete it (hypergraph never overwrites it) or choose another directory"
            ) from exc

    def _connect(self) -> sqlite3.Connection:
        """This process's connection (a forked child opens its own). Call with the lock."""
        if self._connection is None or self._pid != os.getpid():
            connection = sqlite3.connect(
                self.file, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
            try:
                connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for writers
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(_SCHEMA)
            except BaseException:
                connection.close()
                raise
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def get(self, key: str) -> tuple[bool, Any]:
        """``(True, a fresh copy)`` if `key` is stored and intact, else ``(False, None)``."""
        try:
            with self._lock:
                row = (
                    self._connect()
                    .execute("SELECT digest, value FROM entries WHERE key = ?", (key,))
                    .fetchone()
                )
        except sqlite3.Error as exc:
            log.warning("DiskCache %s: cannot read entry %s (%s); a miss", self.file, key, exc)
            return False, None
        if row is None:
            return False, None
        digest, data = row
        if not isinstance(data, bytes) or hashlib.sha256(data).digest() != digest:
            return self._drop(key, "its checksum does not match (a corrupt entry)")
        try:
            return True, loads(data)
        except Exception as exc:
            return self._drop(key, f"it cannot be unpickled ({exc!r})")

    def _drop(self, key: str, why: str) -> tuple[bool, Any]:
        log.warning("DiskCache %s: entry %s unreadable: %s; deleted, a miss", self.file, key, why)
        try:
            with self._lock:
                self._connect().execute("DELETE FROM entries WHERE key = ?", (key,))
        except sqlite3.Error as exc:
            log.warning("DiskCache %s: cannot delete entry %s (%s)", self.file, key, exc)
        return False, None

    def set(self, key: str, value: Any) -> None:
        """Store a snapshot of `value` (pickle's error if it cannot be pickled)."""
        data = dumps(value)
        digest = hashlib.sha256(data).digest()
        try:
            with self._lock:
                self._connect().execute(
                    "INSERT OR REPLACE INTO entries (key, digest, value) VALUES (?, ?, ?)",
                    (key, digest, data),
                )
        except sqlite3.Error as exc:
            log.warning("DiskCache %s: cannot store entry %s (%s); not cached", self.file, key, exc)

    def clear(self) -> None:
        """Delete every entry."""
        with self._lock:
            self._connect().execute("DELETE FROM entries")

    def close(self) -> None:
        """Close this process's connection (the next call opens a new one)."""
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._connect().execute("SELECT COUNT(*) FROM entries").fetchone()
        return int(count)

    def __enter__(self) -> DiskCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DiskCache({str(self.path)!r})"
