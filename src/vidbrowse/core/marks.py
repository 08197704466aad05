"""Marks and notes per post: read/unread, starred, a free-text note.

A post's key is its `vid_id` (so marks survive re-indexing, rebuilds and the post moving to another
file; posts sharing a vid_id are the same video and share their marks), or its path when it has no
id. State is cached in memory (dicts and sets; masks per Columns) and reloaded when another process
has committed a change.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from vidbrowse.core.columns import Columns, fold
from vidbrowse.core.reviewdb import Database

# The flags a query can test (query.Mark names map onto these; "unread" is not "read").
FLAGS = ("read", "starred", "note")


class Keyed(Protocol):
    """Anything naming a post: search.Row and post.Post both do."""

    @property
    def vid_id(self) -> str: ...

    @property
    def path(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Mark:
    read: bool = False
    starred: bool = False
    note: str = ""


DEFAULT = Mark()


def post_key(post: Keyed) -> tuple[str, str]:
    """("id", vid_id), or ("path", path) for a post without an id."""
    return ("id", post.vid_id) if post.vid_id else ("path", post.path)


class Marks:
    """The marks of one archive. Thread-safe. Writes raise ReviewError when the file cannot be
    written; the in-memory state then stays as it was on disk."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.RLock()
        self._version = -1
        self._marks: dict[tuple[str, str], Mark] = {}
        self._masks: dict[tuple[int, str], tuple[Columns, np.ndarray]] = {}
        self._refresh()

    def _refresh(self) -> None:
        """Reload everything if another connection committed since the last load."""
        with self._lock:
            version = self._db.data_version()
            if version == self._version:
                return
            rows = self._db.rows("SELECT by, key, read, starred, note FROM marks")
            self._marks = {
                (by, key): Mark(bool(read), bool(starred), note)
                for by, key, read, starred, note in rows
            }
            self._masks.clear()
            self._version = version

    # --- reading ------------------------------------------------------------------------------

    def get(self, post: Keyed) -> Mark:
        self._refresh()
        return self._marks.get(post_key(post), DEFAULT)

    def __len__(self) -> int:
        """Posts with any mark or note."""
        self._refresh()
        return len(self._marks)

    def count(self, flag: str) -> int:
        """Marked keys with `flag` ("read", "starred" or "note"). Posts sharing a vid_id count
        once; for counts of posts, use `mask`."""
        self._refresh()
        return sum(1 for mark in self._marks.values() if _has(mark, flag))

    def mask(self, columns: Columns, flag: str) -> np.ndarray:
        """Boolean mask over the columns' positions of the posts with `flag`."""
        if flag not in FLAGS:
            raise ValueError(f"unknown mark {flag!r}: use one of {', '.join(FLAGS)}")
        self._refresh()
        with self._lock:
            cached = self._masks.get((id(columns), flag))
            if cached is not None and cached[0] is columns:
                return cached[1]
            mask = self._mask(columns, lambda mark: _has(mark, flag))
            mask.flags.writeable = False  # shared by every search until the marks change
            self._masks[(id(columns), flag)] = (columns, mask)
            return mask

    def note_mask(self, columns: Columns, text: str) -> np.ndarray:
        """Posts whose note contains `text`, ignoring case, accents and runs of spaces."""
        wanted = " ".join(fold(text).split())
        self._refresh()
        return self._mask(columns, lambda mark: wanted in " ".join(fold(mark.note).split()))

    def _mask(self, columns: Columns, keep: object) -> np.ndarray:
        with self._lock:
            chosen = [key for key, mark in self._marks.items() if keep(mark)]  # type: ignore[operator]
        ids = {key for by, key in chosen if by == "id"}
        paths = {key for by, key in chosen if by == "path"}
        size = len(columns)
        # One set lookup per post (~5 ms at 100k); a post with an id is never keyed by path.
        mask = np.fromiter((v in ids for v in columns.vid_ids), dtype=bool, count=size)
        if paths:
            by_path = np.fromiter(
                (not v and p in paths for v, p in zip(columns.vid_ids, columns.paths, strict=True)),
                dtype=bool,
                count=size,
            )
            mask |= by_path
        return mask

    # --- writing ------------------------------------------------------------------------------

    def update(
        self,
        post: Keyed,
        *,
        read: bool | None = None,
        starred: bool | None = None,
        note: str | None = None,
    ) -> Mark:
        """Change the given parts of a post's mark (None keeps a part as it is) in one atomic
        write; returns the mark now saved. Only the given columns are written, so another
        process changing another part of the same mark is not undone."""
        changes = {"read": read, "starred": starred, "note": note}
        given = {name: value for name, value in changes.items() if value is not None}
        if not given:
            return self.get(post)
        if note is not None:
            given["note"] = note.strip()
        by, key = post_key(post)
        names = ", ".join(given)
        sets = ", ".join(f"{name} = excluded.{name}" for name in given)
        with self._lock, self._db.transaction() as db:
            db.execute(
                f"INSERT INTO marks (by, key, {names}, changed) "
                f"VALUES (?, ?, {', '.join('?' * len(given))}, ?) "
                f"ON CONFLICT (by, key) DO UPDATE SET {sets}, changed = excluded.changed",
                (by, key, *given.values(), time.time()),
            )
            db.execute(
                "DELETE FROM marks WHERE by = ? AND key = ? AND read = 0 AND starred = 0 "
                "AND note = ''",
                (by, key),
            )
            row = db.execute(
                "SELECT read, starred, note FROM marks WHERE by = ? AND key = ?", (by, key)
            ).fetchone()
        return self._remember(
            (by, key), Mark(bool(row[0]), bool(row[1]), row[2]) if row else DEFAULT
        )

    def _remember(self, key: tuple[str, str], mark: Mark) -> Mark:
        with self._lock:
            if mark == DEFAULT:
                self._marks.pop(key, None)
            else:
                self._marks[key] = mark
            self._masks.clear()
            # Our own commit does not change data_version: the cache is current.
        return mark

    def mark_read(self, post: Keyed) -> Mark:
        """What opening a post does; writes nothing when it is already read."""
        mark = self.get(post)
        return mark if mark.read else self.update(post, read=True)

    def toggle_read(self, post: Keyed) -> Mark:
        return self.update(post, read=not self.get(post).read)

    def toggle_star(self, post: Keyed) -> Mark:
        return self.update(post, starred=not self.get(post).starred)

    def set_note(self, post: Keyed, note: str) -> Mark:
        """An empty note removes it."""
        return self.update(post, note=note)

    def set_many(
        self, posts: list[Keyed], *, read: bool | None = None, starred: bool | None = None
    ) -> None:
        """Mark many posts in one transaction (e.g. "mark all results read"): all or none."""
        values = {"read": read, "starred": starred}
        given = {name: int(value) for name, value in values.items() if value is not None}
        if not given or not posts:
            return
        names = ", ".join(given)
        sets = ", ".join(f"{name} = excluded.{name}" for name in given)
        now = time.time()
        keys = list(dict.fromkeys(post_key(post) for post in posts))
        with self._lock, self._db.transaction() as db:
            db.executemany(
                f"INSERT INTO marks (by, key, {names}, changed) "
                f"VALUES (?, ?, {', '.join('?' * len(given))}, ?) "
                f"ON CONFLICT (by, key) DO UPDATE SET {sets}, changed = excluded.changed",
                [(by, key, *given.values(), now) for by, key in keys],
            )
            db.execute("DELETE FROM marks WHERE read = 0 AND starred = 0 AND note = ''")
            self._version = -1  # reload on next read: simpler than patching many entries
        self._refresh()


def _has(mark: Mark, flag: str) -> bool:
    return bool(mark.note) if flag == "note" else bool(getattr(mark, flag))
