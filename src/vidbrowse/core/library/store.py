"""The SQLite store beside each index: the manifest, every post's fields, and the problems.

One file, `store.sqlite3`, in WAL mode so readers never wait for an update. A post's rowid is
its key in the Whoosh index and in the columns; a changed post keeps its rowid. Files that failed
to parse stay in `problems` with their size and mtime, so an unchanged bad file is not re-read.
List fields are stored \\x1f-joined: cheaper to split than JSON when loading the columns.
Bodies live in their own table so that loading the columns reads only small rows (at 30k posts,
100 ms less when they shared the table).
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from vidbrowse.core.archive.post import NOT_A_POST, Post, Problem
from vidbrowse.core.archive.scan import Stat
from vidbrowse.core.links import sites
from vidbrowse.core.query.columns import Columns

# Bump when what is stored changes, the parsing and cleaning of posts included: a store of
# another version is rebuilt. 3: a zero-width non-joiner inside a word is kept. 4: `www.` links,
# none in an anchor's caption; each post's `sites` (core/links.py).
STORE_VERSION = 4
FILENAME = "store.sqlite3"
SEP = "\x1f"

_ROW_FIELDS = (
    "vid_id", "title", "channel", "tags", "categories", "posted", "uploaded", "duration",
    "views", "likes", "dislikes", "image", "url", "source", "warnings",
)  # fmt: skip
# Derived from the post (not a Post field): the sites of its links, for the Sites facet.
_DERIVED_FIELDS = ("sites",)
_BODY_FIELDS = ("text", "links")
_POST_FIELDS = _ROW_FIELDS + _BODY_FIELDS
_LIST_FIELDS = frozenset({"tags", "categories", "links", "warnings", "sites"})
_DATE_FIELDS = frozenset({"posted", "uploaded"})
_CHUNK = 1_000  # posts turned into rows at a time by `apply`

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE posts (
    rowid INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    {", ".join(_ROW_FIELDS + _DERIVED_FIELDS)},
    posted_ts INTEGER,
    uploaded_ts INTEGER
);
CREATE INDEX posts_vid_id ON posts (vid_id);
CREATE TABLE bodies (rowid INTEGER PRIMARY KEY, {", ".join(_BODY_FIELDS)});
CREATE TRIGGER posts_gone AFTER DELETE ON posts BEGIN
    DELETE FROM bodies WHERE rowid = old.rowid;
END;
-- size/mtime_ns are NULL for problems found by the scan itself (unreadable folder, bad name).
CREATE TABLE problems (
    path TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    size INTEGER,
    mtime_ns INTEGER
);
"""


class StoreError(Exception):
    """The store is unusable as it is (other version, other archive, damaged): rebuild it."""


def _join(items: Iterable[str]) -> str:
    return SEP.join(item.replace(SEP, " ") for item in items)


# ColumnRow fields whose store column has another name.
_COLUMN_SQL = {"posted": "posted_ts", "uploaded": "uploaded_ts"}
_NUMBER_COLUMNS = ("rowid", "posted", "uploaded", "duration", "views", "likes", "dislikes")
_PACKED_AS_IS = frozenset({"path", "vid_id", "title"})  # text the columns never look into


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(SEP)) if text else ()


def _quoted(text: str) -> str:
    """An SQL string literal (for executescript, which takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _timestamp(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that writes nothing. Read-only access to a WAL database needs its shared
    memory file, which a read-only or full disk may not give: then the file is read as it is
    (`immutable`: a write-ahead log left by a killed process is not read; nobody can write it
    meanwhile either)."""
    uri = path.absolute().as_uri()
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False)


class Store:
    """Thread-safe: one connection, used under a lock (Library methods run in worker threads)."""

    def __init__(
        self, path: Path, archive: str, index_version: int, *, read_only: bool = False
    ) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            if read_only:
                self._db = _connect_read_only(path)
                if "meta" not in {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}:
                    raise StoreError("the store is empty")
            else:
                self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL survives a crash of the process; only an OS crash may lose the
                # last update, which the next scan repairs.
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._check(archive, index_version)
            self._inode = path.stat().st_ino
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"the store is damaged ({exc})") from exc
        except StoreError:
            self.close()
            raise

    def _check(self, archive: str, index_version: int) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            if tables:
                raise StoreError("the store holds unknown tables")
            meta = {
                "store_version": str(STORE_VERSION),
                "index_version": str(index_version),
                "archive": archive,
                "next_rowid": "1",
            }
            # One transaction with the tables: a store cut short (killed, disk full) has no
            # tables at all rather than tables without their versions.
            inserts = "".join(
                f"INSERT INTO meta (key, value) VALUES ({_quoted(k)}, {_quoted(v)});"
                for k, v in meta.items()
            )
            self._db.executescript("BEGIN;" + _SCHEMA + inserts + "COMMIT;")
            return
        meta = self.meta()
        if meta.get("store_version") != str(STORE_VERSION):
            raise StoreError(
                f"the store has version {meta.get('store_version')}, this vidbrowse uses "
                f"{STORE_VERSION}"
            )
        if meta.get("index_version") != str(index_version):
            raise StoreError(
                f"the index has version {meta.get('index_version')}, this vidbrowse uses "
                f"{index_version}"
            )
        if meta.get("archive") != archive:
            raise StoreError(f"the store belongs to another archive ({meta.get('archive')})")

    def _set_meta(self, **values: str) -> None:
        self._db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            values.items(),
        )

    def is_current(self) -> bool:
        """False once another process has replaced the file (a rebuild): reopen then."""
        try:
            return self.path.stat().st_ino == self._inode
        except FileNotFoundError:
            return False

    def scan_record(self) -> str:
        """What `record_scan` last noted; "" once anything else was written since."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'scan'").fetchone()
        return row[0] if row else ""

    def record_scan(self, record: str) -> None:
        """Note that the store is up to date with the archive scan `record` names (see
        Library.needs_update): the next check compares one string, not the manifest."""
        with self._lock:
            self._set_meta(scan=record)

    def generation(self) -> int:
        """How many updates the store has seen; changes whenever the posts may have."""
        return int(self.meta().get("generation", "0"))

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM meta"))

    def close(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
            self._db = None  # type: ignore[assignment]

    # --- the manifest -------------------------------------------------------------------------

    def manifest(self) -> dict[str, Stat]:
        """Every file indexed or known to be bad: path → (size, mtime_ns)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT path, size, mtime_ns FROM posts UNION ALL "
                "SELECT path, size, mtime_ns FROM problems WHERE size IS NOT NULL"
            ).fetchall()
        return {path: (size, mtime) for path, size, mtime in rows}

    def rowids(self, paths: Iterable[str]) -> dict[str, int]:
        """path → rowid of those of `paths` that are posts."""
        return dict(self._where_in("path, rowid", "path", list(paths)))

    def paths(self, rowids: Iterable[int]) -> list[str]:
        """The paths of the posts with these rowids (unknown rowids are left out)."""
        return [path for (path,) in self._where_in("path", "rowid", [int(r) for r in rowids])]

    def _where_in(self, fields: str, key: str, values: list[object]) -> list[tuple[Any, ...]]:
        """`fields` of the posts whose `key` is among `values`, 500 values a query (SQLite
        limits the parameters of one statement)."""
        found: list[tuple[object, ...]] = []
        with self._lock:
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found += self._db.execute(
                    f"SELECT {fields} FROM posts WHERE {key} IN ({marks})", chunk
                ).fetchall()
        return found

    def all_rowids(self) -> np.ndarray:
        """Every post's rowid (int64), in no particular order."""
        with self._lock:
            (text,) = self._db.execute("SELECT group_concat(rowid) FROM posts").fetchone()
        # One string parsed by numpy: ~4x faster than a row per post at 100k posts.
        return np.array(text.split(",") if text else [], dtype=np.int64)

    def next_rowid(self) -> int:
        """The first rowid never handed out. Rowids are not reused, so a rowid seen by the UI
        before an update never names a different post afterwards."""
        return int(self.meta()["next_rowid"])

    def apply(
        self,
        posts: Iterable[tuple[int, Post, Stat]],
        problems: Iterable[tuple[Problem, Stat]] = (),
        removed: Iterable[str] = (),
        *,
        scan_problems: Iterable[Problem] | None = None,
        next_rowid: int | None = None,
        updated: float | None = None,
    ) -> None:
        """Write one update in one transaction. `scan_problems`, when given, replace the
        problems the previous scan found. `posts` are read a chunk at a time (a cold build's
        batch of 25k posts with their texts took ~100 MB more as rows all at once)."""
        columns = (
            "rowid", "path", "size", "mtime_ns", *_ROW_FIELDS, *_DERIVED_FIELDS, "posted_ts",
            "uploaded_ts",
        )  # fmt: skip
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[2:])
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                gone = [(path,) for path in removed]
                db.executemany("DELETE FROM posts WHERE path = ?", gone)
                db.executemany("DELETE FROM problems WHERE path = ?", gone)
                rest = iter(posts)
                while chunk := list(itertools.islice(rest, _CHUNK)):
                    # ON CONFLICT(path) keeps the rowid of a changed post.
                    db.executemany(
                        f"INSERT INTO posts ({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))}) "
                        f"ON CONFLICT(path) DO UPDATE SET {updates}",
                        [self._post_row(rowid, post, st) for rowid, post, st in chunk],
                    )
                    db.executemany(
                        f"INSERT OR REPLACE INTO bodies (rowid, {', '.join(_BODY_FIELDS)}) "
                        "VALUES (?, ?, ?)",
                        [(rowid, post.text, _join(post.links)) for rowid, post, _ in chunk],
                    )
                    db.executemany(
                        "DELETE FROM problems WHERE path = ?",
                        [(post.path,) for _, post, _ in chunk],
                    )
                bad = [(p.path, p.reason, st[0], st[1]) for p, st in problems]
                db.executemany("DELETE FROM posts WHERE path = ?", [(b[0],) for b in bad])
                db.executemany(
                    "INSERT OR REPLACE INTO problems (path, reason, size, mtime_ns) "
                    "VALUES (?, ?, ?, ?)",
                    bad,
                )
                if scan_problems is not None:
                    db.execute("DELETE FROM problems WHERE size IS NULL")
                    db.executemany(
                        "INSERT OR REPLACE INTO problems (path, reason) VALUES (?, ?)",
                        [(p.path, p.reason) for p in scan_problems],
                    )
                # Bumped by every write: a copy of the columns saved at one generation is
                # valid exactly as long as the store is still at it.
                (generation,) = db.execute(
                    "SELECT coalesce((SELECT value FROM meta WHERE key = 'generation'), 0)"
                ).fetchone()
                # …and forgets the scan it was up to date with: `update` notes the new one.
                meta: dict[str, str] = {"generation": str(int(generation) + 1), "scan": ""}
                if next_rowid is not None:
                    meta["next_rowid"] = str(next_rowid)
                if updated is not None:
                    meta["updated"] = repr(updated)
                self._set_meta(**meta)
                db.execute("COMMIT")
            except BaseException:
                # SQLite has already rolled back after some errors (a full disk): a second
                # ROLLBACK would raise and hide the reason.
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    @staticmethod
    def _post_row(rowid: int, post: Post, st: Stat) -> tuple[object, ...]:
        values: list[object] = [rowid, post.path, st[0], st[1]]
        for name in _ROW_FIELDS:
            value = getattr(post, name)
            if name in _LIST_FIELDS:
                value = _join(value)
            elif name in _DATE_FIELDS:
                value = None if value is None else value.isoformat()
            values.append(value)
        values.append(_join(sites(post.links)))
        values.append(_timestamp(post.posted))
        values.append(_timestamp(post.uploaded))
        return tuple(values)

    # --- reading ------------------------------------------------------------------------------

    def columns(self, rowids: Iterable[int] | None = None) -> Columns:
        """Every post's columns (all but the body), or only those of the posts with these
        `rowids`, read a field at a time in one read transaction: fetching whole rows held
        every row's objects at once (~130 MB at 100k)."""
        # Rowids are ints, written into the statement as such: any number of them in one query.
        where = "" if rowids is None else f"WHERE rowid IN ({','.join(map(str, map(int, rowids)))})"
        with self._lock:
            self._db.execute("BEGIN")
            try:
                numbers = self._numbers(where)
                text = self._text_column
                return Columns.from_source(
                    lambda name: numbers[name] if name in numbers else text(name, where)
                )
            finally:
                self._db.execute("COMMIT")

    def _numbers(self, where: str) -> dict[str, np.ndarray]:
        """Rowids and the numeric fields in one pass (a pass costs ~50 ms at 100k rows), as
        float64 with NaN for unknown: exact, every value being far below 2**53."""
        fields = ", ".join(_COLUMN_SQL.get(name, name) for name in _NUMBER_COLUMNS)
        rows = self._db.execute(f"SELECT {fields} FROM posts {where} ORDER BY rowid")
        table = np.fromiter(rows, dtype=[(name, np.float64) for name in _NUMBER_COLUMNS])
        return {name: table[name] for name in _NUMBER_COLUMNS}

    def _text_column(self, name: str, where: str) -> list[object]:
        # Bytes for the text the columns keep as it is: the UTF-8 they pack, no str on the way.
        field = f"CAST({name} AS BLOB)" if name in _PACKED_AS_IS else name
        sql = f"SELECT {field} FROM posts {where} ORDER BY rowid"
        values = [value for (value,) in self._db.execute(sql)]
        return list(map(_split, values)) if name in _LIST_FIELDS else values

    def _posts(self, where: str, args: tuple[object, ...]) -> list[Post]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT p.path, {', '.join('p.' + f for f in _ROW_FIELDS)}, "
                f"{', '.join('b.' + f for f in _BODY_FIELDS)} "
                f"FROM posts p LEFT JOIN bodies b ON b.rowid = p.rowid "
                f"WHERE {where} ORDER BY p.path",
                args,
            ).fetchall()
        return [self._to_post(row) for row in rows]

    @staticmethod
    def _to_post(row: tuple[object, ...]) -> Post:
        values: dict[str, object] = {"path": row[0]}
        for name, value in zip(_POST_FIELDS, row[1:], strict=True):
            if name in _LIST_FIELDS:
                value = _split(value)  # type: ignore[arg-type]
            elif name in _DATE_FIELDS and value is not None:
                value = datetime.fromisoformat(value)  # type: ignore[arg-type]
            values[name] = value
        return Post(**values)  # type: ignore[arg-type]

    def post(self, path: str) -> Post | None:
        found = self._posts("p.path = ?", (path,))
        return found[0] if found else None

    def posts_by_vid_id(self, vid_id: str) -> list[Post]:
        return self._posts("p.vid_id = ?", (vid_id,))

    def text(self, rowid: int, limit: int) -> str:
        """The first `limit` characters of a post's clean text ("" for none)."""
        with self._lock:
            row = self._db.execute(
                "SELECT substr(text, 1, ?) FROM bodies WHERE rowid = ?", (limit, rowid)
            ).fetchone()
        return row[0] if row and row[0] else ""

    def warnings(self) -> list[tuple[str, tuple[str, ...]]]:
        """(path, warnings) of every post the parser had warnings about, by path."""
        with self._lock:
            rows = self._db.execute(
                "SELECT path, warnings FROM posts WHERE warnings != '' ORDER BY path"
            ).fetchall()
        return [(path, _split(text)) for path, text in rows]

    def problems(self) -> list[Problem]:
        """The files that could not be read as posts (not those that are no posts at all)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT path, reason FROM problems WHERE reason != ? ORDER BY path", (NOT_A_POST,)
            ).fetchall()
        return [Problem(path, reason) for path, reason in rows]

    def scan_problems(self) -> list[Problem]:
        """The problems the scan itself found (folders it could not read, bad names)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT path, reason FROM problems WHERE size IS NULL ORDER BY path"
            ).fetchall()
        return [Problem(path, reason) for path, reason in rows]

    def count_posts(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM posts").fetchone()[0])

    def count_problems(self) -> int:
        with self._lock:
            return int(
                self._db.execute(
                    "SELECT count(*) FROM problems WHERE reason != ?", (NOT_A_POST,)
                ).fetchone()[0]
            )
