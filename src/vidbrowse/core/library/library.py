"""An opened archive: its store, its Whoosh index and its columns, kept up to date.

Layout of an archive's home (see locations.archive_home): `store.sqlite3` (manifest, posts,
problems), `text/` (the Whoosh index), `update.lock`, and two caches: the columns and the last
scan, each named for the state it stands for. Nothing is ever written in the archive.

Crash safety: an update commits Whoosh first, then SQLite. If the process dies in between, the
index holds documents for rowids the store does not know (removed on the next update, ignored
until then) or lacks documents the store still lists (their files are re-read next time).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import itertools
import os
import pickle
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from vidbrowse.core import locations
from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.archive.post import Post, Problem
from vidbrowse.core.engine import index
from vidbrowse.core.library import columncache
from vidbrowse.core.library.store import FILENAME as STORE_FILE
from vidbrowse.core.library.store import Store, StoreError
from vidbrowse.core.query.columns import Columns
from vidbrowse.core.query.language import Node, has_words, parse_query
from vidbrowse.core.query.search import Results, execute

if TYPE_CHECKING:
    from vidbrowse.core.engine import bulkwriter
    from vidbrowse.core.engine.bulkwriter import Document
    from vidbrowse.core.review.marks import Marks

TEXT_DIR = "text"
LOCK_FILE = "update.lock"
SCAN_FILE = "scan.pickle"  # + "-<fingerprint>": the scan the store was last brought up to date with
# A cold build commits this many posts first so words become searchable within a second or two,
FIRST_BATCH = 1_000
# …then batches this many times larger each, so results keep coming while the commits stay few
# (each costs a reload of the columns and two more segments; see scripts/bench_build.py)…
BATCH_GROWTH = 5
# …up to about this many posts: a batch's parsed posts (pickled) and postings stay in memory
# until its commit (one batch of 79k posts took 1.4 GB; at 25k a 100k build peaked near 315 MB in
# this process and 220 MB in a builder, 20k and 15k batches no lower; now that this process
# indexes nothing and builds no columns, ~240 MB).
MAX_BATCH = 25_000
# A batch of at least this many posts to parse is parsed and indexed by bulkwriter, in parallel
# processes, as new segments; smaller ones go through Whoosh's own writer.
BULK_MIN = 500
# A commit that wrote or deleted at most this share of the posts patches the columns with those
# rows (read from the store) rather than reading every row again.
PATCH_SHARE = 0.1


try:
    _malloc_trim = ctypes.CDLL(None).malloc_trim  # glibc only
except (OSError, AttributeError):
    _malloc_trim = None


class LibraryError(Exception):
    """A condition the user must hear about in one line (missing archive, unwritable cache…)."""


@dataclass(frozen=True, slots=True)
class Progress:
    phase: str  # "wait" (for another process's update), "scan", "parse", "index", "commit"
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class UpdateSummary:
    posts: int  # posts in the index afterwards
    added: int
    changed: int
    removed: int
    problems: int
    seconds: float
    rebuilt_reason: str | None = None  # set when a damaged/old index was rebuilt


@dataclass(frozen=True, slots=True)
class Stats:
    posts: int
    problems: int
    updated: float | None  # POSIX time of the last update that changed something


class _Damaged(Exception):
    """The home cannot be used as it is; the message is the one-line reason."""


class _Missing(Exception):
    """The home has not been created yet."""


@dataclass(slots=True)
class _View:
    """What searches read; swapped as a whole after each commit."""

    ix: FileIndex
    searcher: Searcher
    columns: Columns
    docnum_rowids: np.ndarray
    live_rowids: np.ndarray  # rowids with a live Whoosh document, store or not


@dataclass(frozen=True, slots=True)
class _Change:
    """What one commit did to the store's posts: rowids written (added or rewritten) and
    rowids deleted (rowids the store never held are ignored)."""

    fresh: list[int]
    gone: list[int]

    def small(self, posts: int) -> bool:
        """Whether patching columns of `posts` rows is cheaper than reading them all again."""
        return len(self.fresh) + len(self.gone) <= posts * PATCH_SHARE


ProgressFn = Callable[[Progress], None]


class Library:
    """See the module docstring. All methods are safe to call from a worker thread."""

    archive: Path
    home: Path  # the folder holding this archive's store and index
    lock_timeout: float = 600.0  # seconds to wait for another process's update

    def __init__(self, archive: Path, home: Path) -> None:
        self.archive = archive
        self.home = home
        self._lock = threading.RLock()  # guards _view and _store swaps
        self._update_lock = threading.Lock()  # one update at a time within this process
        self._store: Store | None = None
        self._view: _View | None = None
        self._rebuilt_reason: str | None = None
        self._builders: bulkwriter.Builders | None = None  # during an update's bulk batches

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, archive: Path, *, cache_dir: Path | None = None) -> Library:
        archive = Path(archive).expanduser()
        if not archive.exists():
            raise LibraryError(f"archive not found: {archive} (give the folder holding the posts)")
        if not archive.is_dir():
            raise LibraryError(
                f"{archive} is a file, not a folder: give the archive folder holding the posts"
            )
        if not os.access(archive, os.R_OK | os.X_OK):
            raise LibraryError(f"cannot read the archive folder {archive}: check its permissions")
        archive = archive.resolve()
        home = locations.archive_home(archive, cache_dir)
        _check_writable(home, explicit=cache_dir is not None)
        library = cls(archive, home)
        try:
            library._load(create=False)
        except (_Missing, _Damaged):
            # Creating or repairing writes: do it under the update lock, so two processes
            # starting together don't both build the home.
            with library._file_lock(None):
                try:
                    library._load(create=True)
                except _Damaged as exc:
                    library._rebuild(str(exc))
        return library

    def _rebuild(self, reason: str) -> None:
        """Empty the home and create it again; the caller holds the update lock."""
        self._rebuilt_reason = reason
        self._wipe()
        try:
            self._load(create=True)
        except _Damaged as exc:
            # A fresh home that cannot be created means the folder refuses writes (full disk).
            raise LibraryError(
                f"cannot create the index in {self.home}: {exc}; is the disk full?"
            ) from exc

    def _load(self, *, create: bool) -> None:
        """Open the store and the index and swap them in; raise _Missing or _Damaged."""
        store_path = self.home / STORE_FILE
        text = self.home / TEXT_DIR
        if not create and not (store_path.exists() and index.exists(text)):
            raise _Missing
        try:
            store = Store(store_path, str(self.archive), index.SCHEMA_VERSION)
        except StoreError as exc:
            raise _Damaged(str(exc)) from exc
        try:
            if not index.exists(text):
                if store.manifest():
                    raise _Damaged("the text index is missing")
                index.create(text)
            view = self._open_view(store)
        except _Damaged:
            store.close()
            raise
        except Exception as exc:
            # Whoosh reports damaged files with whatever error its reader trips on (EOFError,
            # struct.error, pickle errors, OSError…): any failure here means "rebuild".
            store.close()
            raise _Damaged(f"the text index is damaged ({type(exc).__name__}: {exc})") from exc
        with self._lock:
            old_store, old_view = self._store, self._view
            self._store, self._view = store, view
        if old_view is not None:
            old_view.searcher.close()
        if old_store is not None:
            old_store.close()

    def _columns(self, store: Store, change: _Change | None) -> Columns:
        """The columns of the store as it is: loaded from the copy saved beside it when that
        copy is of the store's generation, else the current view's patched with `change` when
        that is all the store's rows changed by since (an update's commit: the update lock keeps
        other writers out), else built in full (see columncache)."""
        generation = store.generation()
        columns = Columns.load(columncache.saved_path(self.home, generation))
        if columns is not None:
            return columns
        old = None if self._view is None else self._view.columns
        if change is not None and old is not None and change.small(len(old)):
            gone = np.array(change.gone, dtype=np.int64)
            columns = old.patched(gone, store.columns(change.fresh))
            columncache.save(columns, self.home, generation)
            return columns
        return columncache.load(store, self.home)

    def _open_view(self, store: Store, change: _Change | None = None) -> _View:
        ix, searcher = index.open_searcher(self.home / TEXT_DIR)
        columns = self._columns(store, change)
        mapping = index.docnum_rowids(searcher)
        mapping[index.deleted_docnums(searcher)] = -1
        live_rowids = mapping[mapping >= 0].copy()
        # Documents left by an update that crashed before its SQLite commit are not posts. The
        # columns cache these positions for this very array (the first search needs them): the
        # entries set to -1 here already have no position, so the cache stays right.
        positions, _ = columns.docnum_positions(mapping)
        mapping[positions < 0] = -1
        return _View(ix, searcher, columns, mapping, live_rowids)

    def _reload_view(self, change: _Change | None = None) -> None:
        view = self._open_view(self._need_store(), change)
        with self._lock:
            old, self._view = self._view, view
        if old is not None:
            old.searcher.close()

    def _wipe(self) -> None:
        """Empty the home (never anything else): everything in it but the lock we hold."""
        home = self.home
        if home.parent.name != locations.INDEXES or home.is_symlink() or not home.is_dir():
            raise LibraryError(f"refusing to clear {home}: not a vidbrowse index folder")
        with self._lock:
            if self._view is not None:
                self._view.searcher.close()
            if self._store is not None:
                self._store.close()
            self._view = self._store = None
        for child in home.iterdir():
            if child.name == LOCK_FILE:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()

    @contextmanager
    def _file_lock(self, progress: ProgressFn | None) -> Iterator[None]:
        """The inter-process update lock. fcntl locks die with their process: never stale."""
        path = self.home / LOCK_FILE
        try:
            self.home.mkdir(parents=True, exist_ok=True)  # the cache may have been cleared
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

    def _need_store(self) -> Store:
        store = self._store
        if store is None:
            raise LibraryError(f"the library for {self.archive} is closed")
        return store

    def _need_view(self) -> _View:
        view = self._view
        if view is None:
            raise LibraryError(f"the library for {self.archive} is closed")
        return view

    # --- updating -----------------------------------------------------------------------------

    def _scan(self) -> archive_scan.Scan:
        try:
            return archive_scan.scan(self.archive)
        except OSError as exc:
            raise LibraryError(
                f"cannot read the archive {self.archive}: {exc.strerror or exc}"
            ) from exc

    def _plan(
        self, scan: archive_scan.Scan
    ) -> tuple[archive_scan.Diff, list[int], list[str], dict[str, int]]:
        """What to do: the diff, orphan index documents to delete, posts the index lacks, and
        the rowids of the posts among them (only those: the whole map costs ~0.1 s at 100k)."""
        store = self._need_store()
        diff = self._diff(scan)
        live = self._need_view().live_rowids
        known = store.all_rowids()
        # isin, not setdiff1d: no sorting of both sides for their unique values (~50 ms at 100k).
        orphans = live[~np.isin(live, known)].tolist()
        skip = set(diff.changed) | set(diff.removed)
        missing = sorted(p for p in store.paths(known[~np.isin(known, live)]) if p not in skip)
        rowid_of = store.rowids([*diff.changed, *diff.removed, *missing])
        return diff, orphans, missing, rowid_of

    def _is_stale(self) -> bool:
        """Whether another process committed or rebuilt since we opened."""
        return not (self._need_view().searcher.up_to_date() and self._need_store().is_current())

    def _diff(self, scan: archive_scan.Scan) -> archive_scan.Diff:
        """What changed between the store's manifest and `scan`. The scan the store was last
        brought up to date with stands for its manifest while the store notes that scan (no
        write since: see `_record`): ~10x faster than reading the manifest at 100k posts."""
        store = self._need_store()
        noted = store.scan_record().partition(":")[0]
        if noted:
            with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError):
                with (self.home / f"{SCAN_FILE}-{noted}").open("rb") as f:
                    old = pickle.load(f)
                if isinstance(old, archive_scan.Scan):
                    return archive_scan.diff_scans(old, scan)
        return archive_scan.diff(store.manifest(), scan.files)

    def _record(self, scan: archive_scan.Scan, fingerprint: str) -> None:
        """Note in the store that it is up to date with `scan`, saved beside it for `_diff`."""
        saved = self.home / f"{SCAN_FILE}-{fingerprint}"
        if not saved.exists():
            for old in self.home.glob(f"{SCAN_FILE}-*"):
                old.unlink(missing_ok=True)
            partial = saved.with_name(saved.name + ".partial")
            with contextlib.suppress(OSError):  # a cache: a full disk only costs speed
                with partial.open("wb") as f:
                    pickle.dump(scan, f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(partial, saved)
        self._need_store().record_scan(self._scan_record(fingerprint))

    def _scan_record(self, fingerprint: str) -> str:
        """The scan's fingerprint and the text index's generation. `update` notes it in the
        store when done; while both stay the same, neither the archive nor the index changed
        (a crash between the index's commit and the store's leaves a new generation)."""
        return f"{fingerprint}:{self._need_view().ix.latest_generation()}"

    def needs_update(self, fingerprint: str | None = None) -> bool:
        """Whether `update` has anything to do: one scan and one string compared when nothing
        changed. Also True when no scan was noted since the store's last write (made by an older
        vidbrowse, or cut short), so that `update` compares in full and notes it. `fingerprint`:
        the archive's, when the caller already has it (`archive.BackgroundFingerprint`)."""
        if self._rebuilt_reason is not None or self._is_stale():
            return True
        if fingerprint is None:
            fingerprint = self._scan().fingerprint()
        return self._scan_record(fingerprint) != self._need_store().scan_record()

    def update(
        self,
        *,
        rebuild: bool = False,
        progress: Callable[[Progress], None] | None = None,
        scan: archive_scan.Scan | None = None,
    ) -> UpdateSummary:
        """Bring the store and the index up to date with the archive. `scan`: the archive's,
        when the caller has just made one (see cli.open_library)."""
        report: ProgressFn = progress or (lambda _: None)
        with self._update_lock, self._file_lock(report):
            start = time.perf_counter()
            if rebuild:
                self._rebuilt_reason = "a rebuild was asked for"
                self._wipe()
                self._load(create=True)
            elif self._is_stale():
                # Another process committed while we waited, or the home was damaged or removed
                # since we opened it.
                try:
                    self._load(create=True)
                except _Damaged as exc:
                    self._rebuild(str(exc))
            reason, self._rebuilt_reason = self._rebuilt_reason, None
            try:
                added, changed, removed = self._update(report, scan)
            except (OSError, sqlite3.Error) as exc:
                raise LibraryError(f"cannot write the index in {self.home}: {exc}") from exc
            finally:
                if self._builders is not None:
                    self._builders.close()
                    self._builders = None
            store = self._need_store()
            return UpdateSummary(
                posts=store.count_posts(),
                added=added,
                changed=changed,
                removed=removed,
                problems=store.count_problems(),
                seconds=time.perf_counter() - start,
                rebuilt_reason=reason,
            )

    def _update(self, report: ProgressFn, scan: archive_scan.Scan | None) -> tuple[int, int, int]:
        store = self._need_store()
        report(Progress("scan", 0, 0))
        if scan is None:
            scan = self._scan()
        fingerprint = scan.fingerprint()
        record = self._scan_record(fingerprint)
        report(Progress("scan", len(scan), len(scan)))
        if record == store.scan_record():
            return 0, 0, 0
        diff, orphans, missing, rowid_of = self._plan(scan)
        if not (diff or orphans or missing):
            if set(scan.problems) != set(store.scan_problems()):
                store.apply([], scan_problems=scan.problems)
            self._record(scan, fingerprint)
            return 0, 0, 0

        # Only updates parse and index: searches skip yaml and the index builder.
        from vidbrowse.core.archive.parse import load_post

        todo = [*diff.added, *diff.changed, *missing]
        stats = scan.stats(todo)
        cold = len(self._need_view().live_rowids) == 0
        if cold:
            batches = _batches(todo)
        else:  # at least one batch, maybe empty: the first one also deletes
            batches = [todo[i : i + MAX_BATCH] for i in range(0, max(len(todo), 1), MAX_BATCH)]
        next_rowid = first_new = store.next_rowid()
        done = 0
        for number, batch in enumerate(batches):
            if not batch and number > 0:
                break
            first = number == 0
            posts: list[tuple[int, Post, archive_scan.Stat]] = []
            packed: list[tuple[int, bytes, archive_scan.Stat]] = []  # bulk: posts pickled
            problems: list[tuple[Problem, archive_scan.Stat]] = []
            deletes = list(orphans) if first else []
            if first:
                deletes += [rowid_of[p] for p in diff.removed if p in rowid_of]
            if len(batch) >= BULK_MIN:
                rowids = []
                for path in batch:
                    rowid = rowid_of.get(path)
                    if rowid is None:
                        rowid, next_rowid = next_rowid, next_rowid + 1
                    else:
                        deletes.append(rowid)  # its old version
                    rowids.append(rowid)
                for path, rowid, loaded in zip(
                    batch,
                    rowids,
                    self._write_bulk(batch, rowids, deletes, report, done, len(todo)),
                    strict=True,
                ):
                    if isinstance(loaded, Problem):
                        problems.append((loaded, stats[path]))
                    else:
                        packed.append((rowid, loaded, stats[path]))
                done += len(batch)
            else:
                for path in batch:
                    loaded = load_post(self.archive, path)
                    if isinstance(loaded, Post):
                        rowid = rowid_of.get(path)
                        if rowid is None:
                            rowid, next_rowid = next_rowid, next_rowid + 1
                        posts.append((rowid, loaded, stats[path]))
                    else:
                        problems.append((loaded, stats[path]))
                        if path in rowid_of:
                            deletes.append(rowid_of[path])
                    done += 1
                    if done % 250 == 0:
                        report(Progress("parse", done, len(todo)))
                if posts or deletes:
                    self._write(posts, deletes, first_new, report)
            change = _Change([rowid for rowid, _, _ in [*posts, *packed]], deletes)
            store.apply(
                itertools.chain(posts, _unpickled(packed)),
                problems,
                diff.removed if first else (),
                scan_problems=scan.problems if first else None,
                next_rowid=next_rowid,
                updated=time.time(),
            )
            del packed[:]  # before the columns are rebuilt: at 25k posts, ~50 MB
            _release_free_memory()
            self._reload_view(change)
            report(Progress("commit", done, len(todo)))
        self._record(scan, fingerprint)
        return len(diff.added), len(diff.changed), len(diff.removed)

    def _write(
        self,
        posts: list[tuple[int, Post, archive_scan.Stat]],
        deletes: list[int],
        first_new: int,
        report: ProgressFn,
    ) -> None:
        """Whoosh's own writer, one commit: for a few changes. Rowids from `first_new` on were
        never in the index (a crashed update's leftovers are among `deletes`, which only touch
        existing segments)."""
        writer = index.writer(self._need_view().ix)
        try:
            for rowid in deletes:
                writer.delete_by_term("rowid", rowid)
            for count, (rowid, post, _) in enumerate(posts, 1):
                # add_document skips update_document's lookup of a previous version.
                put = writer.add_document if rowid >= first_new else writer.update_document
                put(**index.document(rowid, post))
                if count % 500 == 0:
                    report(Progress("index", count, len(posts)))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=index.merge_small)

    def _write_bulk(
        self,
        paths: list[str],
        rowids: list[int],
        deletes: list[int],
        report: ProgressFn,
        done: int,
        total: int,
    ) -> list[bytes | Problem]:
        """Parse `paths` and index their posts as new segments, one commit. Parsing is a good
        share of a build, so each builder process parses the posts it indexes (bulkwriter); the
        parsed posts come back, pickled (see `_unpickled`), for the store. The builder processes are
        forked at the update's first bulk batch, while this process is still small, and serve
        its later batches too."""
        from vidbrowse.core.engine import bulkwriter

        if self._builders is None:
            self._builders = bulkwriter.Builders(_prepare(self.archive), index.BULK_PROCS)
        writer = index.writer(self._need_view().ix, bulk=True)
        try:
            for rowid in deletes:
                writer.delete_by_term("rowid", rowid)
            parsed = writer.build(
                list(zip(paths, rowids, strict=True)),
                self._builders,
                lambda n: report(Progress("index", done + n, total)),
            )
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return parsed

    # --- reading ------------------------------------------------------------------------------

    def search(
        self,
        query: str | Node,
        *,
        sort: str | None = None,
        reverse: bool = False,
        facet_limit: int | None = 50,
        marks: Marks | None = None,
    ) -> Results:
        """Raises QueryError for a malformed query string. `marks` (the user's, see review.py)
        answers `is:`/`has:`/`note:` terms; without them every post is unread."""
        if isinstance(query, str):
            text, node = query, parse_query(query)
        else:
            text, node = "", query
        if sort is None:
            sort = "relevance" if has_words(node) else "uploaded"
        # Held for the whole search: the searcher is closed when an update swaps it out.
        with self._lock:
            view = self._need_view()
            return execute(
                node,
                text,
                view.columns,
                view.searcher,
                view.docnum_rowids,
                sort=sort,
                reverse=reverse,
                facet_limit=facet_limit,
                marks=marks,
            )

    # Reads hold the lock: a rebuild closes the store they would otherwise still be using.

    def post(self, path: str) -> Post | None:
        with self._lock:
            return self._need_store().post(path)

    def find(self, vid_id: str) -> list[Post]:
        with self._lock:
            return self._need_store().posts_by_vid_id(vid_id)

    def is_empty(self) -> bool:
        """No post indexed yet: a first build is ahead (or the archive holds none)."""
        with self._lock:
            return len(self._need_view().live_rowids) == 0

    def problems(self) -> list[Problem]:
        with self._lock:
            return self._need_store().problems()

    def warnings(self) -> list[tuple[str, tuple[str, ...]]]:
        """(path, parser warnings) of the posts that have some (odd values, see Post.warnings)."""
        with self._lock:
            return self._need_store().warnings()

    def stats(self) -> Stats:
        with self._lock:
            store = self._need_store()
            updated = store.meta().get("updated")
            return Stats(
                posts=store.count_posts(),
                problems=store.count_problems(),
                updated=float(updated) if updated else None,
            )

    def close(self) -> None:
        with self._lock:
            view, store = self._view, self._store
            self._view = self._store = None
        if view is not None:
            view.searcher.close()
        if store is not None:
            store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _prepare(archive: Path) -> Callable[[tuple[str, int]], tuple[bytes | Problem, Document | None]]:
    """bulkwriter's `prepare` for (path, rowid): the file parsed (a post pickled, see
    `_unpickled`) and its document, if a post."""
    from vidbrowse.core.archive.parse import load_post  # here, before the workers fork

    def prepare(item: tuple[str, int]) -> tuple[bytes | Problem, Document | None]:
        path, rowid = item
        loaded = load_post(archive, path)
        if isinstance(loaded, Problem):
            return loaded, None
        return pickle.dumps(loaded, pickle.HIGHEST_PROTOCOL), index.document(rowid, loaded)

    return prepare


def _unpickled(
    packed: list[tuple[int, bytes, archive_scan.Stat]],
) -> Iterator[tuple[int, Post, archive_scan.Stat]]:
    """A bulk batch's posts, unpickled one at a time as the store takes them. They are kept
    pickled until then: a pickled post holds its text as UTF-8, a third of the str (one emoji
    makes every character of a str 4 bytes), and a batch holds up to 25k posts."""
    for rowid, blob, stat in packed:
        yield rowid, pickle.loads(blob), stat


def _release_free_memory() -> None:
    """Hand the memory a batch freed back to the system (glibc keeps freed blocks amid live
    ones; a build's next batch then grows the heap past them, and its peak with it)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _batches(todo: list[str]) -> list[list[str]]:
    """FIRST_BATCH posts, then batches BATCH_GROWTH times larger each, up to MAX_BATCH; a batch
    takes all that is left when that is at most 1.5 times its size. Always at least two (the
    second maybe empty)."""
    batches = [todo[:FIRST_BATCH]]
    start, size = FIRST_BATCH, FIRST_BATCH
    while True:
        size = min(size * BATCH_GROWTH, MAX_BATCH)
        end = len(todo) if len(todo) - start <= size * 3 // 2 else start + size
        batches.append(todo[start:end])
        if end >= len(todo):
            return batches
        start = end


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
