"""The update side of a library: bring its store and index up to date with the archive.

Steps: scan the archive, plan (what changed since the scan the store last noted; index
documents the store does not know; posts the index lacks), then batches (writing.batches), each
written to the index (writing.write or writing.write_bulk), committed to the store, and the view
reloaded so searches see it; finally the scan is noted.

Who runs where during an update (the one place this is written down):
- The calling thread runs the whole update: the CLI's main thread, or in the TUI a Textual
  worker thread (group "update") while other worker threads search. Searches read the current
  view; `Home.lock` guards its swap after each commit. One update at a time per process
  (`Updater.run`'s lock), one per home across processes (`Home.file_lock`, fcntl).
- Before that, `vidbrowse` commands may fork a child that fingerprints, and when asked scans,
  the archive while the parent imports and opens the index (archive.scan.BackgroundFingerprint);
  its scan is handed to `update`.
- Bulk batches (at least writing.BULK_MIN posts to parse) are parsed and indexed by builder
  processes (engine.builders.Builders, index.BULK_PROCS of them), forked at the update's
  first bulk batch while this process is still small and kept for its later batches; they
  reach `writing.prepare` by fork. Each builds segments of its share and sends back the parsed
  posts, pickled; this process only deletes old versions, commits the segments and writes the
  store. They are stopped when the update ends.
- After each commit the columns are reloaded (view.open_view): patched here when the commit was
  small or only added posts (every commit of a cold build), else built by columncache, in a fresh
  interpreter (subprocess) for a large store, which saves them beside the store for this process
  to load.

Crash safety: an update commits Whoosh first, then SQLite. If the process dies in between, the
index holds documents for rowids the store does not know (removed on the next update, ignored
until then) or lacks documents the store still lists (their files are re-read next time).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import pickle
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, overload

import numpy as np

from vidbrowse.core.archive import freshness
from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.archive.post import Post, Problem
from vidbrowse.core.engine import index
from vidbrowse.core.library import writing
from vidbrowse.core.library.home import Home, LibraryError, Progress, ProgressFn
from vidbrowse.core.library.view import Change

if TYPE_CHECKING:
    from whoosh.index import FileIndex

    from vidbrowse.core.engine.builders import Builders

STAGING_DIR = "building"  # where the builders build segments during an update
SCAN_FILE = "scan.pickle"  # + "-<fingerprint>": the scan the store was last brought up to date with


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
class Plan:
    """What an update has to do beyond the scan's diff."""

    diff: archive_scan.Diff
    orphans: list[int]  # index documents the store does not know, to delete
    missing: list[str]  # posts the store lists but the index lacks, to read again
    rowid_of: dict[str, int]  # the rowids of the changed, removed and missing posts

    def __bool__(self) -> bool:
        return bool(self.diff or self.orphans or self.missing)


class Updater:
    """Updates the store and index in one home; see the module docstring."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.archive = home.archive
        self._update_lock = threading.Lock()  # one update at a time within this process

    def scan(self, found: Callable[[archive_scan.Scan], None] | None = None) -> archive_scan.Scan:
        try:
            return archive_scan.scan(self.archive, found)
        except OSError as exc:
            raise LibraryError(
                f"cannot read the archive {self.archive}: {exc.strerror or exc}"
            ) from exc

    def needs_update(self, fingerprint: str | None = None) -> bool:
        """Whether `run` has anything to do: one scan and one string compared when nothing
        changed. Also True when no scan was noted since the store's last write (made by an older
        vidbrowse, or cut short), so that `run` compares in full and notes it. `fingerprint`:
        the archive's, when the caller already has it (`archive.BackgroundFingerprint`)."""
        if self.home.rebuilt_reason is not None or self.home.is_stale():
            return True
        if fingerprint is None:
            scan = self.scan()
            fingerprint = scan.fingerprint()
            freshness.save(self.home.path / freshness.CHECK_FILE, scan, fingerprint)
        return self._scan_record(fingerprint) != self.home.need_store().scan_record()

    def run(
        self, *, rebuild: bool, report: ProgressFn, scan: archive_scan.Scan | None
    ) -> UpdateSummary:
        home = self.home
        with self._update_lock, home.file_lock(report):
            start = time.perf_counter()
            if rebuild:
                home.rebuild("a rebuild was asked for")
            elif home.is_stale():
                # Another process committed while we waited, or the home was damaged or removed
                # since we opened it.
                home.reload()
            reason, home.rebuilt_reason = home.rebuilt_reason, None
            try:
                added, changed, removed = self._update(report, scan)
            except (OSError, sqlite3.Error) as exc:
                raise LibraryError(f"cannot write the index in {home.path}: {exc}") from exc
            store = home.need_store()
            return UpdateSummary(
                posts=store.count_posts(),
                added=added,
                changed=changed,
                removed=removed,
                problems=store.count_problems(),
                seconds=time.perf_counter() - start,
                rebuilt_reason=reason,
            )

    def plan(self, scan: archive_scan.Scan) -> Plan:
        """The diff, orphan index documents to delete, posts the index lacks, and the rowids of
        the posts among them (only those: the whole map costs ~0.1 s at 100k)."""
        store = self.home.need_store()
        diff = self.diff(scan)
        live = self.home.need_view().live_rowids
        known = store.all_rowids()
        # isin, not setdiff1d: no sorting of both sides for their unique values (~50 ms at 100k).
        orphans = live[~np.isin(live, known)].tolist()
        skip = set(diff.changed) | set(diff.removed)
        missing = sorted(p for p in store.paths(known[~np.isin(known, live)]) if p not in skip)
        rowid_of = store.rowids([*diff.changed, *diff.removed, *missing])
        return Plan(diff, orphans, missing, rowid_of)

    def diff(self, scan: archive_scan.Scan) -> archive_scan.Diff:
        """What changed between the store's manifest and `scan`. The scan the store was last
        brought up to date with stands for its manifest while the store notes that scan (no
        write since: see `record`): ~10x faster than reading the manifest at 100k posts."""
        store = self.home.need_store()
        noted = store.scan_record().partition(":")[0]
        if noted:
            with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError):
                with (self.home.path / f"{SCAN_FILE}-{noted}").open("rb") as f:
                    old = pickle.load(f)
                if isinstance(old, archive_scan.Scan):
                    return archive_scan.diff_scans(old, scan)
        return archive_scan.diff_manifest(store.manifest(), scan)

    def record(self, scan: archive_scan.Scan, fingerprint: str) -> None:
        """Note in the store that it is up to date with `scan`, saved beside it for `diff`."""
        saved = self.home.path / f"{SCAN_FILE}-{fingerprint}"
        if not saved.exists():
            for old in self.home.path.glob(f"{SCAN_FILE}-*"):
                old.unlink(missing_ok=True)
            partial = saved.with_name(saved.name + ".partial")
            with contextlib.suppress(OSError):  # a cache: a full disk only costs speed
                with partial.open("wb") as f:
                    pickle.dump(scan, f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(partial, saved)
        self.home.need_store().record_scan(self._scan_record(fingerprint))
        freshness.save(self.home.path / freshness.CHECK_FILE, scan, fingerprint)

    def is_noted(self) -> bool:
        """Whether the store notes the index as it is now (no update needed since)."""
        noted = self.home.need_store().scan_record()
        return bool(noted) and noted == self._scan_record(noted.partition(":")[0])

    def note_merged(self) -> None:
        """After a merge that followed `is_noted`: the same scan, the index's new generation."""
        store = self.home.need_store()
        store.record_scan(self._scan_record(store.scan_record().partition(":")[0]))

    def _scan_record(self, fingerprint: str) -> str:
        """The scan's fingerprint and the text index's generation. `run` notes it in the
        store when done; while both stay the same, neither the archive nor the index changed
        (a crash between the index's commit and the store's leaves a new generation)."""
        return f"{fingerprint}:{self.home.need_view().ix.latest_generation()}"

    def _update(self, report: ProgressFn, scan: archive_scan.Scan | None) -> tuple[int, int, int]:
        builders = _Builders(self.archive)
        try:
            return self._update_with(builders, report, scan)
        except BaseException:  # a builder killed or failing, Ctrl-C: their work is lost anyway
            builders.close(kill=True)
            raise
        finally:
            builders.close()
            shutil.rmtree(self.home.path / STAGING_DIR, ignore_errors=True)

    def _update_with(
        self, builders: _Builders, report: ProgressFn, scan: archive_scan.Scan | None
    ) -> tuple[int, int, int]:
        store = self.home.need_store()
        view = self.home.need_view()
        report(Progress("scan", 0, 0))
        staging = _Staging(self.home.path / STAGING_DIR)
        first = None
        # A cold build (nothing indexed, nothing stored: every post found is new) starts its
        # first job amid the scan.
        empty = not len(view.live_rowids) and not store.count_posts() + store.count_problems()
        if scan is None and empty:
            fast = functools.partial(builders.fast, view.ix)
            first = writing.FirstJob(builders.get, staging.get, store.next_rowid(), fast)
        if scan is None:
            scan = self.scan(None if first is None else first.found)
        fingerprint = scan.fingerprint()
        record = self._scan_record(fingerprint)
        report(Progress("scan", len(scan), len(scan)))
        if record == store.scan_record():
            # No post changed, yet a folder may have (an editor's swap file): note the folders as
            # they are now, or the app's look at them (freshness.folders_changed) says "changed"
            # again every few seconds.
            freshness.save(self.home.path / freshness.CHECK_FILE, scan, fingerprint)
            return 0, 0, 0
        plan = self.plan(scan)
        if not plan:
            if set(scan.problems) != set(store.scan_problems()):
                store.apply([], scan_problems=scan.problems)
            self.record(scan, fingerprint)
            return 0, 0, 0
        diff = plan.diff
        todo = [*diff.added, *diff.changed, *plan.missing]
        cold = len(self.home.need_view().live_rowids) == 0
        started = first is not None and first.sent_at is not None
        if first is not None and started:
            sent = {path for path, _ in first.items}  # those first: the rowids they were given
            todo = [path for path, _ in first.items] + [p for p in todo if p not in sent]
        bulk = len(todo) >= writing.BULK_MIN and builders.fast(self.home.need_view().ix)
        if started or bulk:
            self._pipelined(plan, scan, todo, builders, staging, report, first)
        else:
            batches = writing.batches(todo, cold=cold)
            self._batches(plan, scan, todo, batches, builders, report)
        self.record(scan, fingerprint)
        index.keep_vocabulary(self.home.need_view().searcher)
        return len(diff.added), len(diff.changed), len(diff.removed)

    def _pipelined(
        self,
        plan: Plan,
        scan: archive_scan.Scan,
        todo: list[str],
        builders: _Builders,
        staging_index: _Staging,
        report: ProgressFn,
        first: writing.FirstJob | None,
    ) -> None:
        """Many posts to read: the builders build segments in a folder of their own, and each
        one is committed and shown as it is done (writing.pipeline), so results grow steadily.
        `first`: its job was handed out during the scan (its posts are `todo`'s first)."""
        from vidbrowse.core.engine.builders import BuildError
        from vidbrowse.core.engine.bulkwriter import adopt

        store = self.home.need_store()
        diff, rowid_of = plan.diff, plan.rowid_of
        items = _Items(todo, rowid_of, store.next_rowid())
        next_rowid = items.next_rowid
        stat_of = _StatsByRowid(items.rowids, *scan.numbers(todo))
        # What only the first commit does: delete what the store does not know or the archive
        # lost, and replace the scan's problems.
        first_commit = [True]
        staging = staging_index.get()
        done = [0]

        def built(job: list[tuple[str, int]], results: list[object], segments: list) -> None:
            deletes = [rowid for path, rowid in job if path in rowid_of]  # their old versions
            if first_commit[0]:
                deletes += plan.orphans + [rowid_of[p] for p in diff.removed if p in rowid_of]
            ix = self.home.need_view().ix
            adopt(staging, ix, segments)
            writing.commit_segments(ix, segments, deletes)
            packed: list[tuple[int, bytes, archive_scan.Stat]] = []
            problems: list[tuple[Problem, archive_scan.Stat]] = []
            stats = stat_of([rowid for _, rowid in job])
            for (_, rowid), parsed, stat in zip(job, results, stats, strict=True):
                if isinstance(parsed, Problem):
                    problems.append((parsed, stat))
                else:
                    packed.append((rowid, parsed, stat))  # type: ignore[arg-type]
            store.apply(
                writing.unpickled(packed),
                problems,
                diff.removed if first_commit[0] else (),
                scan_problems=scan.problems if first_commit[0] else None,
                next_rowid=next_rowid,
                updated=time.time(),
            )
            first_commit[0] = False
            change = Change([rowid for rowid, _, _ in packed], deletes)
            del packed[:]
            writing.release_free_memory()
            self.home.reload_view(change)
            done[0] += len(job)
            report(Progress("commit", done[0], len(todo)))

        try:
            if len(todo) >= writing.BIG_BUILD:
                most, procs = writing.BIG_JOB, min(writing.BIG_PROCS, index.BULK_PROCS)
            else:
                most, procs = writing.MAX_BATCH, index.BULK_PROCS
            writing.pipeline(staging, builders.get(procs), items, built, report, first, most)
        except BuildError as exc:
            raise writing.build_failed(exc) from exc

    def _batches(
        self,
        plan: Plan,
        scan: archive_scan.Scan,
        todo: list[str],
        batches: list[list[str]],
        builders: _Builders,
        report: ProgressFn,
    ) -> None:
        """Write, commit and show each batch in turn."""
        # Only updates parse and index: searches skip yaml and the index builder.
        from vidbrowse.core.archive.parse import load_post

        store = self.home.need_store()
        diff, rowid_of = plan.diff, plan.rowid_of
        stats = scan.stats(todo)
        next_rowid = first_new = store.next_rowid()
        done = 0
        for number, batch in enumerate(batches):
            if not batch and number > 0:
                break
            first = number == 0
            posts: list[tuple[int, Post, archive_scan.Stat]] = []
            packed: list[tuple[int, bytes, archive_scan.Stat]] = []  # bulk: posts pickled
            problems: list[tuple[Problem, archive_scan.Stat]] = []
            deletes = list(plan.orphans) if first else []
            if first:
                deletes += [rowid_of[p] for p in diff.removed if p in rowid_of]
            if len(batch) >= writing.BULK_MIN:
                rowids = []
                for path in batch:
                    rowid = rowid_of.get(path)
                    if rowid is None:
                        rowid, next_rowid = next_rowid, next_rowid + 1
                    else:
                        deletes.append(rowid)  # its old version
                    rowids.append(rowid)
                all_parsed = writing.write_bulk(
                    self.home.need_view().ix,
                    builders.get(),
                    list(zip(batch, rowids, strict=True)),
                    deletes,
                    _indexing(report, done, len(todo)),
                )
                for path, rowid, parsed in zip(batch, rowids, all_parsed, strict=True):
                    if isinstance(parsed, Problem):
                        problems.append((parsed, stats[path]))
                    else:
                        packed.append((rowid, parsed, stats[path]))
                done += len(batch)
            else:
                for path in batch:
                    read = load_post(self.archive, path)
                    if isinstance(read, Post):
                        rowid = rowid_of.get(path)
                        if rowid is None:
                            rowid, next_rowid = next_rowid, next_rowid + 1
                        posts.append((rowid, read, stats[path]))
                    else:
                        problems.append((read, stats[path]))
                        if path in rowid_of:
                            deletes.append(rowid_of[path])
                    done += 1
                    if done % 250 == 0:
                        report(Progress("parse", done, len(todo)))
                if posts or deletes:
                    writing.write(self.home.need_view().ix, posts, deletes, first_new, report)
            change = Change([rowid for rowid, _, _ in [*posts, *packed]], deletes)
            store.apply(
                itertools.chain(posts, writing.unpickled(packed)),
                problems,
                diff.removed if first else (),
                scan_problems=scan.problems if first else None,
                next_rowid=next_rowid,
                updated=time.time(),
            )
            del packed[:]  # before the columns are rebuilt: at 25k posts, ~50 MB
            writing.release_free_memory()
            self.home.reload_view(change)
            report(Progress("commit", done, len(todo)))


class _Items(Sequence[writing.Item]):
    """The (path, rowid) of each post an update reads, made a job at a time: a million tuples
    took ~90 MB. A post the store knows keeps its rowid; new ones get the next free ones."""

    def __init__(self, paths: list[str], rowid_of: dict[str, int], next_rowid: int) -> None:
        self.paths = paths
        known = np.fromiter(map(rowid_of.get, paths, itertools.repeat(-1)), np.int64, len(paths))
        new = known < 0
        self.next_rowid = next_rowid + int(new.sum())
        known[new] = np.arange(next_rowid, self.next_rowid, dtype=np.int64)
        self.rowids = known

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, index: int) -> writing.Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[writing.Item]: ...

    def __getitem__(self, index: int | slice) -> writing.Item | list[writing.Item]:
        if isinstance(index, slice):
            return list(zip(self.paths[index], self.rowids[index].tolist(), strict=True))
        return self.paths[index], int(self.rowids[index])


class _StatsByRowid:
    """The scan's (size, mtime) of the posts an update reads, looked up by rowid, from arrays
    (a dict of a million paths and tuples took ~100 MB)."""

    def __init__(self, rowids: np.ndarray, sizes: np.ndarray, mtimes: np.ndarray) -> None:
        self._order = np.argsort(rowids, kind="stable")
        self._sorted = rowids[self._order]
        self._sizes, self._mtimes = sizes, mtimes

    def __call__(self, rowids: list[int]) -> list[archive_scan.Stat]:
        at = self._order[np.searchsorted(self._sorted, np.array(rowids, dtype=np.int64))]
        return list(zip(self._sizes[at].tolist(), self._mtimes[at].tolist(), strict=True))


def _indexing(report: ProgressFn, base: int, total: int) -> Callable[[int], None]:
    """A bulk batch's progress: `n` of its posts indexed after the `base` done before it."""
    return lambda n: report(Progress("index", base + n, total))


class _Staging:
    """The index the builders build their segments in, created on first use (a crashed
    update's leftovers removed first)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._ix: FileIndex | None = None

    def get(self) -> FileIndex:
        if self._ix is None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._ix = index.create(self._path)
        return self._ix


class _Builders:
    """The builder processes of one update, forked at its first bulk batch (see the module
    docstring), while this process is still small, and serving its later batches too."""

    def __init__(self, archive: Path) -> None:
        self._archive = archive
        self._builders: Builders | None = None

    def get(self, procs: int = index.BULK_PROCS) -> Builders:
        """The builders, forked at the first call (`procs` of them); a later call for fewer
        stops the others (forked for a cold build's first job before its size was known, they
        are idle: that job went to builder 0)."""
        from vidbrowse.core.engine.builders import Builders

        if self._builders is None:
            self._builders = Builders(writing.prepare(self._archive), procs)
        elif self._builders.procs > procs:
            self._builders.keep(procs)
        return self._builders

    def fast(self, ix: FileIndex) -> bool:
        """Whether the builders build segments themselves (else Whoosh's writer does)."""
        from vidbrowse.core.engine.builders import fast

        return fast(ix)

    def close(self, *, kill: bool = False) -> None:
        if self._builders is not None:
            self._builders.close(kill=kill)
            self._builders = None
