"""An update's batches and its ways of writing them to the index: Whoosh's own writer for a few
posts; for many, the builder processes (engine.bulkwriter), either as a pipeline of jobs each
committed as it finishes (`pipeline`) or, when the fast writer is unusable, in batches through
Whoosh's writer (`write_bulk`). Who runs where is told in update.py."""

from __future__ import annotations

import ctypes
import pickle
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh.index import FileIndex

from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.archive.post import Post, Problem
from vidbrowse.core.engine import index
from vidbrowse.core.library.home import LibraryError, Progress, ProgressFn

if TYPE_CHECKING:
    from vidbrowse.core.engine.builders import Builders
    from vidbrowse.core.engine.bulkwriter import Document
    from vidbrowse.core.engine.whoosh_formats.segments import Segment

# A cold build commits this many posts first so words become searchable within a second or two,
FIRST_BATCH = 1_000
# …then batches this many times larger each, so results keep coming while the commits stay few
# (each costs a reload of the columns and two more segments; see scripts/bench_build.py)…
BATCH_GROWTH = 5
# …up to about this many posts: a batch's parsed posts (pickled) and postings stay in memory
# until its commit (one batch of 79k posts took 1.4 GB; at 25k a 100k build peaked near 315 MB in
# this process and 220 MB in a builder, 20k and 15k batches no lower; now that this process
# indexes nothing and builds no columns, ~240 MB). Also the largest pipeline job.
MAX_BATCH = 25_000
# A build of at least this many posts (a million: issue 13) runs BIG_PROCS builders with jobs of
# at most BIG_JOB posts: a builder holds its job's parsed posts and postings until the job is
# done (~9 KB a post: a 25k job took a builder to ~430 MB), so the whole process group of a 1M
# build stays near 1 GB; more commits (each patches the columns) are the price.
BIG_BUILD = 200_000
BIG_PROCS = 2
BIG_JOB = 10_000
# A batch of at least this many posts to parse is parsed and indexed by bulkwriter, in parallel
# processes, as new segments; smaller ones go through Whoosh's own writer.
BULK_MIN = 500
# The pipeline's first jobs: this many posts for the first builder, twice as many for the
# second…, so the first hits come within a second and the builders finish their jobs in turn,
# not all at once (each job is one segment and one commit). The last builder starts once the
# first job is done: until then the first job shares the cores with one other, not two (at 36k
# posts, 250 posts among three builders took the first hits to 4.5 s)…
FIRST_JOB = 100
# …then jobs sized from the builders' pace for one commit about this often (seconds), each at
# most twice the last one: results grow steadily, with one segment per ~this many seconds…
JOB_SECONDS = 2.5
# …but never smaller than this share of the posts handed out before it, so that a slow machine
# (or a huge archive) does not end up with hundreds of small segments: their number grows with
# the log of the posts (every segment costs each search a term lookup).
JOB_SHARE = 1 / 8

_malloc_trim: Callable[[int], int] | None
try:
    _malloc_trim = ctypes.CDLL(None).malloc_trim  # glibc only
except (OSError, AttributeError):
    _malloc_trim = None


def batches(todo: list[str], *, cold: bool) -> list[list[str]]:
    """The paths to parse, in batches of one commit each. Cold (nothing indexed yet):
    FIRST_BATCH posts, then batches BATCH_GROWTH times larger each, up to MAX_BATCH; a batch
    takes all that is left when that is at most 1.5 times its size; always at least two (the
    second maybe empty). Else MAX_BATCH at a time, at least one batch, maybe empty: the first
    one also deletes."""
    if not cold:
        return [todo[i : i + MAX_BATCH] for i in range(0, max(len(todo), 1), MAX_BATCH)]
    out = [todo[:FIRST_BATCH]]
    start, size = FIRST_BATCH, FIRST_BATCH
    while True:
        size = min(size * BATCH_GROWTH, MAX_BATCH)
        end = len(todo) if len(todo) - start <= size * 3 // 2 else start + size
        out.append(todo[start:end])
        if end >= len(todo):
            return out
        start = end


def write(
    ix: FileIndex,
    posts: list[tuple[int, Post, archive_scan.Stat]],
    deletes: list[int],
    first_new: int,
    report: ProgressFn,
) -> None:
    """Whoosh's own writer, one commit: for a few changes. Rowids from `first_new` on were
    never in the index (a crashed update's leftovers are among `deletes`, which only touch
    existing segments)."""
    writer = index.writer(ix)
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
    index.commit(writer, mergetype=index.merge_small)


def write_bulk(
    ix: FileIndex,
    builders: Builders,
    items: list[tuple[str, int]],
    deletes: list[int],
    progress: Callable[[int], None],
) -> list[bytes | Problem]:
    """Parse the (path, rowid) `items` and index their posts as new segments, one commit.
    Parsing is a good share of a build, so each builder process parses the posts it indexes
    (see `prepare`); the parsed posts come back, pickled (see `unpickled`), for the store."""
    writer = index.writer(ix, bulk=True)
    try:
        for rowid in deletes:
            writer.delete_by_term("rowid", rowid)
        parsed: list[bytes | Problem] = writer.build(items, builders, progress)
    except BaseException as exc:
        writer.cancel()
        from vidbrowse.core.engine.builders import BuildError  # loaded: the builders ran

        if isinstance(exc, BuildError):
            raise build_failed(exc) from exc
        raise
    writer.commit()
    return parsed


def build_failed(exc: Exception) -> LibraryError:
    """A builder killed (the OOM killer) or failing (a full disk, a file-size limit): what it
    was building is not committed, so the index is as its last commit left it."""
    return LibraryError(
        f"cannot build the index: {exc}; what was indexed is kept: run the command again to finish"
    )


def commit_segments(ix: FileIndex, segments: Sequence[Segment], deletes: list[int]) -> None:
    """One commit listing `segments` (built for `ix`, in its folder) and deleting the
    documents of `deletes` (rowids)."""
    from vidbrowse.core.engine.bulkwriter import commit

    writer = index.writer(ix)
    try:
        for rowid in deletes:
            writer.delete_by_term("rowid", rowid)
    except BaseException:
        writer.cancel()
        raise
    commit(writer, segments)


def prepare(archive: Path) -> Callable[[tuple[str, int]], tuple[bytes | Problem, Document | None]]:
    """bulkwriter's `prepare` for (path, rowid): the file parsed (a post pickled, see
    `unpickled`) and its document, if a post."""
    from vidbrowse.core.archive.parse import load_post  # here, before the workers fork

    def prepare(item: tuple[str, int]) -> tuple[bytes | Problem, Document | None]:
        path, rowid = item
        loaded = load_post(archive, path)
        if isinstance(loaded, Problem):
            return loaded, None
        return pickle.dumps(loaded, pickle.HIGHEST_PROTOCOL), index.document(rowid, loaded)

    return prepare


def unpickled(
    packed: list[tuple[int, bytes, archive_scan.Stat]],
) -> Iterator[tuple[int, Post, archive_scan.Stat]]:
    """A bulk batch's posts, unpickled one at a time as the store takes them. They are kept
    pickled until then: a pickled post holds its text as UTF-8, a third of the str (one emoji
    makes every character of a str 4 bytes), and a batch holds up to 25k posts."""
    for rowid, blob, stat in packed:
        yield rowid, pickle.loads(blob), stat


def release_free_memory() -> None:
    """Hand the memory a batch freed back to the system (glibc keeps freed blocks amid live
    ones; a build's next batch then grows the heap past them, and its peak with it)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


class JobSizes:
    """The sizes of a pipeline's jobs (see FIRST_JOB and JOB_SECONDS), from the pace of the
    jobs done so far."""

    def __init__(self, procs: int, most: int = MAX_BATCH) -> None:
        self._procs = max(procs, 1)
        self._most = most
        self._jobs = 0
        self._posts = 0  # handed out so far
        self._last = FIRST_JOB
        self._pace: float | None = None  # posts a second, one builder

    def next(self) -> int:
        self._jobs += 1
        if self._jobs <= self._procs:
            size = FIRST_JOB * self._jobs
        else:
            size = 2 * self._last
            if self._pace is not None:
                size = min(size, int(self._pace * self._procs * JOB_SECONDS))
            size = max(FIRST_JOB, int(self._posts * JOB_SHARE), min(size, self._most))
            self._last = size = min(size, self._most)
        self._posts += size
        return size

    def done(self, size: int, seconds: float) -> None:
        if seconds > 0:
            self._pace = size / seconds


Item = tuple[str, int]  # (path, rowid)
Built = Callable[[list[Item], list[Any], list["Segment"]], None]


class FirstJob:
    """A cold build's first job (FIRST_JOB posts), handed to builder 0 as soon as the scan has
    found BULK_MIN posts, while it walks on: the first hits do not wait for the whole walk (~0.4
    s at 36k posts, ~1 s at 100k). `found` is the scan's hook; the pipeline then takes `items`
    as its first job, already sent at `sent_at`."""

    def __init__(
        self,
        builders: Callable[[], Builders],
        staging: Callable[[], FileIndex],
        rowid: int,
        fast: Callable[[], bool],
    ) -> None:
        self._builders = builders
        self._staging = staging
        self._rowid = rowid  # the first new post's
        self._fast = fast  # whether the builders build segments (asked once enough are found)
        self._asked = False
        self.items: list[Item] = []
        self.sent_at: float | None = None

    def found(self, scan: archive_scan.Scan) -> None:
        if self._asked or len(scan) < max(BULK_MIN, FIRST_JOB):
            return
        self._asked = True
        if not self._fast():
            return
        self.items = [(path, self._rowid + i) for i, path in enumerate(scan.first(FIRST_JOB))]
        self._builders().send(0, (self._staging(), self.items, len(self.items)))
        self.sent_at = time.monotonic()


def pipeline(
    staging: FileIndex,
    builders: Builders,
    items: Sequence[Item],
    built: Built,
    report: ProgressFn,
    first: FirstJob | None = None,
    most: int = MAX_BATCH,
) -> None:
    """Hand `items` to the builders in jobs (JobSizes, of at most `most` posts), each one
    segment built in `staging`'s folder; as each job finishes, the builder gets its next job
    and `built(job's items, their parsed results, its segments)` commits it. Progress: "index"
    (posts read and indexed), "write" (all posts read, postings still being written). `first`:
    a first job builder 0 was handed already, `items`' first ones."""
    sizes = JobSizes(builders.procs, most)
    held = list(range(builders.procs))[1:][-1:]  # the last builder, till the first job is done
    free = [worker for worker in range(builders.procs) if worker not in held]
    busy: dict[int, tuple[list[Item], float, int]] = {}  # worker → (job, sent at, prepared)
    at = committed = 0
    if first is not None and first.sent_at is not None:
        at = sizes.next()
        if first.items != items[:at]:
            raise ValueError("the first job sent is not the pipeline's first")
        busy[free.pop(0)] = (first.items, first.sent_at, 0)

    def hand_out() -> None:
        nonlocal at
        while free and at < len(items):
            size = sizes.next()
            job = list(items[at : at + size])
            at += len(job)
            worker = free.pop(0)
            builders.send(worker, (staging, job, len(job)))
            busy[worker] = (job, time.monotonic(), 0)

    hand_out()
    while busy:
        finished = []
        for worker, status, value in builders.receive(list(busy)):
            job, sent, _ = busy.pop(worker)
            if status == "progress":
                busy[worker] = (job, sent, value)
                prepared = committed + sum(done for _, _, done in busy.values())
                read = at == len(items) and all(n == len(j) for j, _, n in busy.values())
                report(Progress("write" if read else "index", prepared, len(items)))
                continue
            sizes.done(len(job), time.monotonic() - sent)
            free.append(worker)
            free += held
            held = []
            finished.append((job, value))
        hand_out()  # before committing: the builders stay busy meanwhile
        for job, (results, segments) in finished:
            built(job, results, segments)
            committed += len(job)
