"""An update's batches and its two ways of writing one to the index, each one Whoosh commit:
Whoosh's own writer for a few posts, the builder processes (engine.bulkwriter) for many. Who
runs where is told in update.py."""

from __future__ import annotations

import ctypes
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh.index import FileIndex

from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.archive.post import Post, Problem
from vidbrowse.core.engine import index
from vidbrowse.core.library.home import LibraryError, Progress, ProgressFn

if TYPE_CHECKING:
    from vidbrowse.core.engine.builders import Builders
    from vidbrowse.core.engine.bulkwriter import Document

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
    writer.commit(mergetype=index.merge_small)


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
            # Killed (the OOM killer) or failed (a full disk, a file-size limit): nothing of
            # this batch is committed, so the index is as its last commit left it.
            raise LibraryError(
                f"cannot build the index: {exc}; what was indexed is kept: "
                "run the command again to finish"
            ) from exc
        raise
    writer.commit()
    return parsed


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
