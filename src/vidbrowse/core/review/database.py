"""The SQLite file holding one archive's review state (marks, notes, saved searches).

Why SQLite (WAL, synchronous=FULL) rather than a JSON file replaced with os.replace: marking a post
read happens on every open, and rewriting a file of 100,000 marks (megabytes) for each one would
cost tens of milliseconds; a WAL commit writes one row. Each change is one transaction, so a crash
at any point keeps every earlier change (SQLite's journal guarantees it; FULL syncs each commit, so
not even a power cut loses a note that was reported saved). Two vidbrowse processes may share the
file: WAL lets them read while the other writes.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

VERSION = 1
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- by: 'id' (key is the vid_id) or 'path' (posts without a vid_id). Only posts with a mark have
-- a row: unread, unstarred and without a note is the default.
CREATE TABLE marks (
    by TEXT NOT NULL,
    key TEXT NOT NULL,
    read INTEGER NOT NULL DEFAULT 0,
    starred INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    changed REAL NOT NULL,
    PRIMARY KEY (by, key)
) WITHOUT ROWID;
CREATE TABLE saved (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    position INTEGER NOT NULL
);
"""


class ReviewError(Exception):
    """The review file cannot be used; the message is one line naming the file."""


class Database:
    """One connection used under a lock (the TUI calls from worker threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        new = not path.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=5000")  # another vidbrowse writing
            self._check()
        except (OSError, sqlite3.OperationalError) as exc:  # unwritable, locked, no folder
            self.close()
            if new:
                _remove_empty(path)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise ReviewError(
                f"cannot open the marks file {path} ({reason}); set VIDBROWSE_DATA_DIR to a "
                "writable folder"
            ) from exc
        except sqlite3.Error as exc:  # damaged, or written by another version
            self.close()
            raise ReviewError(
                f"cannot use the marks file {path} ({exc}); move it away to start afresh"
            ) from exc

    def _check(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            if tables:
                raise sqlite3.DatabaseError("it holds unknown tables")
            self._db.executescript(
                f"BEGIN; {_SCHEMA} INSERT INTO meta VALUES ('version', '{VERSION}'); COMMIT;"
            )
            return
        version = dict(self._db.execute("SELECT key, value FROM meta")).get("version")
        if version != str(VERSION):
            # Never overwrite user data written by another version.
            raise sqlite3.DatabaseError(f"version {version}, this vidbrowse reads {VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: all of it is saved, or (on any error) none of it."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise ReviewError(f"cannot save to {self.path}: {exc}") from exc

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def data_version(self) -> int:
        """Changes when another connection commits: the cue to reload cached state."""
        return int(self.rows("PRAGMA data_version")[0][0])

    def close(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
            self._db = None  # type: ignore[assignment]


def _remove_empty(path: Path) -> None:
    """Remove what a failed first opening left (a full disk: a 0-byte file, which every later
    opening would then refuse as damaged), unless another process has written to it since."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            if leftover.stat().st_size == 0:
                leftover.unlink()
