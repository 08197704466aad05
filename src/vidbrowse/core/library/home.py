"""An archive's home folder (see locations.archive_home): creating, opening, repairing and
clearing it, the inter-process update lock, and the store and view it currently serves.

Layout: `store.sqlite3` (manifest, posts, problems), `text/` (the Whoosh index), `update.lock`,
`building/` while an update's builders build segments (update.py), and two caches: the columns
(columncache) and the last scan (update), each named for the state it stands for. Nothing is
ever written in the archive.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from vidbrowse.core import locations
from vidbrowse.core.engine import index, whoosh_formats
from vidbrowse.core.library.store import FILENAME as STORE_FILE
from vidbrowse.core.library.store import Store, StoreError
from vidbrowse.core.library.view import Change, View, open_view

TEXT_DIR = "text"
LOCK_FILE = "update.lock"


class LibraryError(Exception):
    """A condition the user must hear about in one line (missing archive, unwritable cache…)."""


@dataclass(frozen=True, slots=True)
class Progress:
    # "wait" (for another process's update), "scan", "parse", "index", "write", "commit"
    phase: str
    done: int
    total: int


ProgressFn = Callable[[Progress], None]


class _Damaged(Exception):
    """The home cannot be used as it is; the message is the one-line reason."""


class _Missing(Exception):
    """The home has not been created yet."""


class Home:
    """The home folder of one archive and what is open in it: the store and the view that
    searches read. Both are swapped as a whole, under `lock` (readers hold it too: a rebuild
    closes the store and searcher they would otherwise still be using)."""

    lock_timeout: float = 600.0  # seconds to wait for another process's update

    def __init__(self, archive: Path, path: Path) -> None:
        self.archive = archive
        self.path = path
        self.lock = threading.RLock()  # guards the view and store swaps
        self._store: Store | None = None
        self.view: View | None = None
        self.rebuilt_reason: str | None = None  # why the home was rebuilt, until an update says
        # Why the home cannot be written, when it was opened read-only: searched as it is.
        self.read_only: str | None = None

    @classmethod
    def open(cls, archive: Path, path: Path, *, explicit: bool) -> Home:
        """Open the home at `path`, creating or repairing it when needed. `explicit`: the user
        chose the cache folder (changes the advice when it is not writable)."""
        try:
            _check_writable(path, explicit=explicit)
        except LibraryError as exc:
            # A read-only cache: an index it holds can still be read.
            read_only = cls._read_only(archive, path, getattr(exc.__cause__, "strerror", None))
            if read_only is None:
                raise
            return read_only
        home = cls(archive, path)
        whoosh_formats.remember_probes(path.parent)  # beside the homes: one probe per cache
        try:
            home._load(create=False)
        except _Damaged as exc:
            # A full disk fails the opening too (SQLite's shared memory file cannot grow): an
            # index that reads back whole is not damaged, and must not be wiped.
            read_only = cls._read_only(archive, path, f"{exc}: is the disk full?")
            if read_only is not None:
                return read_only
            with home.file_lock(None):  # repairing writes: see below
                home.reload()
        except _Missing:
            # Creating writes: do it under the update lock, so two processes starting together
            # don't both build the home.
            with home.file_lock(None):
                home.reload()
        return home

    @classmethod
    def _read_only(cls, archive: Path, path: Path, why: str | None) -> Home | None:
        """The home's index opened read-only (`read_only` says why), or None when it holds no
        whole index to read."""
        if not ((path / STORE_FILE).exists() and index.exists(path / TEXT_DIR)):
            return None
        home = cls(archive, path)
        home.read_only = why or "cannot be written"
        try:
            home._load(create=False)
        except (_Missing, _Damaged):
            return None
        return home

    def reload(self) -> None:
        """Open the store and index again (another process committed, or the home was damaged
        or removed since): rebuilt when damaged. The caller holds the update lock."""
        try:
            self._load(create=True)
        except _Damaged as exc:
            self.rebuild(str(exc))

    def rebuild(self, reason: str) -> None:
        """Empty the home and create it again; the caller holds the update lock."""
        self.rebuilt_reason = reason
        self.wipe()
        try:
            self._load(create=True)
        except _Damaged as exc:
            # A fresh home that cannot be created means the folder refuses writes (full disk).
            raise LibraryError(
                f"cannot create the index in {self.path}: {exc}; is the disk full?"
            ) from exc

    def _load(self, *, create: bool) -> None:
        """Open the store and the index and swap them in; raise _Missing or _Damaged."""
        store_path = self.path / STORE_FILE
        text = self.path / TEXT_DIR
        if not create and not (store_path.exists() and index.exists(text)):
            raise _Missing
        try:
            store = Store(
                store_path, str(self.archive), index.SCHEMA_VERSION, read_only=bool(self.read_only)
            )
        except StoreError as exc:
            raise _Damaged(str(exc)) from exc
        try:
            if not index.exists(text):
                if store.manifest():
                    raise _Damaged("the text index is missing")
                index.create(text)
            view = open_view(self.path, text, store, self.view)
        except _Damaged:
            store.close()
            raise
        except Exception as exc:
            # Whoosh reports damaged files with whatever error its reader trips on (EOFError,
            # struct.error, pickle errors, OSError…): any failure here means "rebuild".
            store.close()
            raise _Damaged(f"the text index is damaged ({type(exc).__name__}: {exc})") from exc
        with self.lock:
            old_store, old_view = self._store, self.view
            self._store, self.view = store, view
        if old_view is not None:
            old_view.searcher.close()
        if old_store is not None:
            old_store.close()

    def reload_view(self, change: Change | None = None) -> None:
        """Swap in a view of the index and store as they are now (after a commit: `change`,
        what it did to the store, lets the columns be patched rather than rebuilt)."""
        view = open_view(self.path, self.path / TEXT_DIR, self.need_store(), self.view, change)
        with self.lock:
            old, self.view = self.view, view
        if old is not None:
            old.searcher.close()

    def is_stale(self) -> bool:
        """Whether another process committed or rebuilt since we opened."""
        return not (self.need_view().searcher.up_to_date() and self.need_store().is_current())

    def wipe(self) -> None:
        """Empty the home (never anything else): everything in it but the lock we hold."""
        path = self.path
        if path.parent.name != locations.INDEXES or path.is_symlink() or not path.is_dir():
            raise LibraryError(f"refusing to clear {path}: not a vidbrowse index folder")
        self.close()
        for child in path.iterdir():
            if child.name == LOCK_FILE:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()

    @contextmanager
    def file_lock(self, progress: ProgressFn | None) -> Iterator[None]:
        """The inter-process update lock. fcntl locks die with their process: never stale."""
        path = self.path / LOCK_FILE
        try:
            self.path.mkdir(parents=True, exist_ok=True)  # the cache may have been cleared
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LibraryError(
                f"cannot create the lock file {path}: {exc.strerror or exc}"
            ) from exc
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LibraryError(
                            f"another vidbrowse has been updating {self.archive} for over "
                            f"{self.lock_timeout:.0f} s (lock {path}); try again later"
                        ) from None
                    if progress is not None:
                        progress(Progress("wait", 0, 0))
                    time.sleep(0.1)
            yield
        finally:
            os.close(fd)  # also releases the lock

    def need_store(self) -> Store:
        store = self._store
        if store is None:
            raise LibraryError(f"the library for {self.archive} is closed")
        return store

    def need_view(self) -> View:
        view = self.view
        if view is None:
            raise LibraryError(f"the library for {self.archive} is closed")
        return view

    def close(self) -> None:
        with self.lock:
            view, store = self.view, self._store
            self.view = self._store = None
        if view is not None:
            view.searcher.close()
        if store is not None:
            store.close()


def _check_writable(home: Path, *, explicit: bool) -> None:
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        fix = (
            "choose a writable folder"
            if explicit
            else f"set {locations.CACHE_ENV} to a writable folder"
        )
        raise LibraryError(
            f"cannot write the index folder {home}: {exc.strerror or exc}; {fix}"
        ) from exc
