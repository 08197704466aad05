"""Marks and notes per post: read/unread, starred, a free-text note.

A post's key is its `vid_id` (so marks survive re-indexing, rebuilds and the post moving to another
file; posts sharing a vid_id are the same video and share their marks), or its path when it has no
id. State is cached in memory (dicts and sets; masks per Columns) and reloaded when another process
has committed a change.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from vidbrowse.core.query.columns import Columns
from vidbrowse.core.query.facets import fold
from vidbrowse.core.review.database import Database

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


Key = tuple[str, str]  # ("id", vid_id) or ("path", path): what a mark is stored under


def post_key(post: Keyed) -> Key:
    """("id", vid_id), or ("path", path) for a post without an id."""
    return key_of(post.vid_id, post.path)


def key_of(vid_id: str, path: str) -> Key:
    return ("id", vid_id) if vid_id else ("path", path)


READ, STARRED = 1, 2  # bits of the flags kept in memory
_BITS = {"read": READ, "starred": STARRED}


class Marks:
    """The marks of one archive. Thread-safe. Writes raise ReviewError when the file cannot be
    written; the in-memory state then stays as it was on disk."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.RLock()
        self._version = -1
        # by ("id" or "path") → key → (flags, note): plain tuples load ~3x faster than Marks.
        self._state: dict[str, dict[str, tuple[int, str]]] = {"id": {}, "path": {}}
        # Masks of the last Columns searched (an update brings new Columns: the old go).
        self._masks_of: Columns | None = None
        self._masks: dict[str, np.ndarray] = {}
        self._refresh()

    def _refresh(self) -> None:
        """Reload everything if another connection committed since the last load."""
        with self._lock:
            version = self._db.data_version()
            if version == self._version:
                return
            enabled = gc.isenabled()
            gc.disable()  # 100k tuples that all survive: collection passes would only cost
            try:
                state: dict[str, dict[str, tuple[int, str]]] = {"id": {}, "path": {}}
                rows = self._db.rows(
                    "SELECT by, key, read | (starred << 1), note FROM marks ORDER BY by"
                )
                for by in state:
                    state[by] = {key: (flags, note) for kind, key, flags, note in rows
                                 if kind == by}  # fmt: skip
            finally:
                if enabled:
                    gc.enable()
            self._state = state
            self._masks.clear()
            self._version = version

    # --- reading ------------------------------------------------------------------------------

    def get(self, post: Keyed) -> Mark:
        self._refresh()
        by, key = post_key(post)
        found = self._state[by].get(key)
        if found is None:
            return DEFAULT
        flags, note = found
        return Mark(bool(flags & READ), bool(flags & STARRED), note)

    def __len__(self) -> int:
        """Posts with any mark or note."""
        self._refresh()
        return sum(map(len, self._state.values()))

    def count(self, flag: str) -> int:
        """Marked keys with `flag` ("read", "starred" or "note"). Posts sharing a vid_id count
        once; for counts of posts, use `mask`."""
        return sum(map(len, self._keys(_test(flag))))

    def mask(self, columns: Columns, flag: str) -> np.ndarray:
        """Boolean mask over the columns' positions of the posts with `flag`."""
        test = _test(flag)
        self._refresh()
        with self._lock:
            if self._masks_of is not columns:
                self._masks_of, self._masks = columns, {}
            mask = self._masks.get(flag)
            if mask is None:
                mask = self._mask(columns, test)
                mask.flags.writeable = False  # shared by every search until the marks change
                self._masks[flag] = mask
            return mask

    def note_mask(self, columns: Columns, text: str) -> np.ndarray:
        """Posts whose note contains `text`, ignoring case, accents and runs of spaces."""
        wanted = " ".join(fold(text).split())
        return self._mask(columns, lambda _, note: wanted in " ".join(fold(note).split()))

    def _keys(self, keep: Callable[[int, str], bool]) -> tuple[set[str], set[str]]:
        """(vid_ids, paths) whose (flags, note) `keep` accepts."""
        self._refresh()
        with self._lock:
            return tuple(  # type: ignore[return-value]
                {key for key, (flags, note) in self._state[by].items() if keep(flags, note)}
                for by in ("id", "path")
            )

    def _mask(self, columns: Columns, keep: Callable[[int, str], bool]) -> np.ndarray:
        ids, paths = self._keys(keep)
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
        by, name = key
        with self._lock:
            if mark == DEFAULT:
                self._state[by].pop(name, None)
            else:
                self._state[by][name] = (mark.read * READ | mark.starred * STARRED, mark.note)
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

    def write(self, part: str, values: Mapping[Key, bool | str]) -> dict[Key, bool | str]:
        """Set one part ("read", "starred" or "note") of the marks of many keys (post_key's)
        in one transaction, all or none; returns each key's value before, which is what undoing
        the change writes back (only that part: another part changed since is kept)."""
        if part not in FLAGS:
            raise ValueError(f"unknown mark {part!r}: use one of {', '.join(FLAGS)}")
        if not values:
            return {}
        self._refresh()
        with self._lock:
            before = {key: self._part(key, part) for key in values}
            clean = {
                key: value.strip() if isinstance(value, str) else bool(value)
                for key, value in values.items()
            }
            with self._db.transaction() as db:
                _upsert(db, (part,), [(by, key, value) for (by, key), value in clean.items()])
            for key, value in clean.items():  # our own commit: patch the cache, no reload
                self._patch(key, part, value)
            self._masks.clear()
        return before

    def _part(self, key: Key, part: str) -> bool | str:
        flags, note = self._state[key[0]].get(key[1], (0, ""))
        return note if part == "note" else bool(flags & _BITS[part])

    def _patch(self, key: Key, part: str, value: bool | str) -> None:
        by, name = key
        flags, note = self._state[by].get(name, (0, ""))
        if part == "note":
            note = str(value)
        else:
            flags = flags | _BITS[part] if value else flags & ~_BITS[part]
        if flags or note:
            self._state[by][name] = (flags, note)
        else:
            self._state[by].pop(name, None)


def _upsert(db: sqlite3.Connection, names: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Write the columns `names` of many marks (rows: by, key, then a value per name), then drop
    the rows left with nothing marked (the default needs no row)."""
    sets = ", ".join(f"{name} = excluded.{name}" for name in names)
    now = time.time()
    db.executemany(
        f"INSERT INTO marks (by, key, {', '.join(names)}, changed) "
        f"VALUES (?, ?, {', '.join('?' * len(names))}, ?) "
        f"ON CONFLICT (by, key) DO UPDATE SET {sets}, changed = excluded.changed",
        [(*row, now) for row in rows],
    )
    db.execute("DELETE FROM marks WHERE read = 0 AND starred = 0 AND note = ''")


def _test(flag: str) -> Callable[[int, str], bool]:
    if flag == "note":
        return lambda _, note: bool(note)
    bit = _BITS.get(flag)
    if bit is None:
        raise ValueError(f"unknown mark {flag!r}: use one of {', '.join(FLAGS)}")
    return lambda flags, _: bool(flags & bit)
