"""The Whoosh full-text index: only words live here (title, body, channel, tag words), and the
parts of each post's links, apart from its words (core/links.py).

Everything else (dates, counts, exact tags, sorting, facets) lives in the columns.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import whoosh.index
from whoosh.fields import KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex, LockError
from whoosh.searching import Searcher

from vidbrowse.core import links
from vidbrowse.core.archive.post import Post
from vidbrowse.core.engine import whoosh_formats
from vidbrowse.core.engine.analysis import ANALYZER

# Writing is for updates only: a search never pays for importing it.
if TYPE_CHECKING:
    from whoosh.codec.base import Segment
    from whoosh.writing import IndexWriter

    from vidbrowse.core.engine import builders

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
# 3: every word indexed (stop words too) at its true position; punctuation splits words;
# combining marks stay inside them; CJK runs as pairs (analysis.py).
# 4: the parts of the links (`links`), `www.` links.
# 5: bulk segments keep their frequent words' positions in a file of their own beside them
# (whoosh_formats/frequent.py): older indexes read right without it, phrases of common words
# slowly; the rebuild writes them.
# 6: more marks that only decorate letters folded away in words (engine/decorations.py: the
# Latin accents' extended and supplement blocks, marks over symbols, half marks, Cyrillic titlo).
# 7: the positions files list every word of a segment, found by bisecting sorted blocks of
# words (no JSON to parse when the first phrase opens them), and merged segments have one too.
# 8: the parts of words run together (`CFour86`: `cfour` `86`) at their word's position.
# 9: text an export encoded twice (`&amp;#39;`) decoded again, and a link's trailing punctuation
# dropped inside an href too (archive/clean.py): such posts' words, links and sites change.
SCHEMA_VERSION = 9

SCHEMA = Schema(
    # docnum → rowid goes through this column; rowid is the store's primary key.
    rowid=NUMERIC(int, bits=64, signed=False, stored=False, unique=True, sortable=True),
    title=TEXT(analyzer=ANALYZER, field_boost=3.0),
    channel=TEXT(analyzer=ANALYZER, field_boost=1.5),
    tags=TEXT(analyzer=ANALYZER, field_boost=1.5),
    text=TEXT(analyzer=ANALYZER),
    # Whole parts (`patreon.com`, `patreon`, a path segment), folded by core/links.py, one
    # posting a post: never stemmed, never scored, never searched by a plain word.
    links=KEYWORD(),
)
LINKS_FIELD = "links"

# A commit in another process replaces the TOC while we open it: try again a few times.
_OPEN_TRIES = 5
WRITELOCK = "MAIN_WRITELOCK"
SMALL_LIMITMB = 256
# A bulk build's segments hold at most this many documents each: the builder keeps a segment's
# postings in memory (about 4 KB a post, measured: see scripts/bench_build.py).
SEGMENT_DOCS = 25_000
# Processes sharing a bulk batch: one more than the cores, so each holds a third of a batch's
# postings on 2 cores (100k posts: each peaked at 208–229 MB instead of 270), while the cores
# stay busy as this process stores each batch's posts and reloads the columns. This process
# indexes nothing: holding a share of the postings too, it peaked at 285 MB instead of 241 (a
# 100k build).
BULK_PROCS = min(3, (os.cpu_count() or 1) + 1)


# A small update's commit also merges the smallest segments when at least MERGE_COUNT of them
# hold at most MERGE_DOCS documents together, or else MERGE_COUNT times that (the next tier), so
# small updates leave one segment per ~3,200 changed posts rather than one per ~400. Whoosh merges
# ~2 ms a document: a merge costs at most about a second, the rare second tier ~6 s. Whoosh's
# default policy (MERGE_SMALL) also merges whenever there are many segments: the third small
# update after a 100k build merged all 18 of the bulk build's segments (a full merge of 30k
# documents alone took 63 s of CPU).
MERGE_COUNT = 8
MERGE_DOCS = 400
MERGE_TIERS = 2


def merge_small(writer: IndexWriter, segments: list[Segment]) -> list[Segment]:
    """A Whoosh `mergetype` (see MERGE_COUNT): the segments left as they are."""
    from whoosh.reading import SegmentReader

    by_size = sorted(segments, key=lambda s: s.doc_count_all())
    for tier in range(MERGE_TIERS):
        merged = _smallest_within(by_size, MERGE_DOCS * MERGE_COUNT**tier)
        if len(merged) >= MERGE_COUNT:
            break
    else:
        return segments
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if all(segment is not m for m in merged)]


def _smallest_within(by_size: list[Segment], docs: int) -> list[Segment]:
    """The first segments of `by_size` that hold at most `docs` documents together."""
    total = 0
    for count, segment in enumerate(by_size):
        total += segment.doc_count_all()
        if total > docs:
            return by_size[:count]
    return by_size


def document(rowid: int, post: Post) -> dict[str, object]:
    """The words of one post, as Whoosh fields."""
    from vidbrowse.core.archive.clean import without_urls  # indexing only: a search never needs it

    return {
        "rowid": rowid,
        "title": post.title,
        "channel": post.channel,
        "tags": " ".join(post.tags),
        "text": without_urls(post.text),
        LINKS_FIELD: links.index_text(post.links),
    }


def create(folder: Path) -> FileIndex:
    folder.mkdir(parents=True, exist_ok=True)
    return whoosh.index.create_in(str(folder), SCHEMA)


def exists(folder: Path) -> bool:
    """Whether an index was created here (damaged or not: `whoosh.index.exists_in` reads the TOC
    and raises on a damaged one; opening is where damage is reported)."""
    return any(folder.glob("_MAIN_*.toc"))


def open_searcher(folder: Path) -> tuple[FileIndex, Searcher]:
    """Open the index and a searcher on it. A fresh open, never `refresh()`: refreshing after a
    merge can return duplicate documents (docs/measurements.md). Opening the segments already
    retries on a vanished file (whoosh waits 10 x 50 ms); reading the TOC does not, so that is
    retried here."""
    for attempt in range(_OPEN_TRIES):
        try:
            # No mmap: a segment file truncated by another program while we hold it open
            # would kill the process with SIGBUS instead of raising an error we can handle.
            storage = FileStorage(str(folder), supports_mmap=False)
            ix = storage.open_index(schema=SCHEMA)
            break
        except FileNotFoundError:
            if attempt == _OPEN_TRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    whoosh_formats.fast_reading()  # the seam's probe, once per process: before any search
    return ix, ix.searcher()


def docnum_rowids(searcher: Searcher) -> np.ndarray:
    """Whoosh docnum → rowid (int64; deleted documents included, they never match)."""
    reader = searcher.reader()
    if reader.doc_count_all() == 0:
        return np.empty(0, dtype=np.int64)
    # One segment's column read in one piece: Whoosh's reader goes one document at a time.
    leaves = reader.leaf_readers()
    return np.concatenate([whoosh_formats.column_int64(leaf, "rowid") for leaf, _ in leaves])


def field_lengths(searcher: Searcher, fieldname: str) -> np.ndarray:
    """Each document's length of `fieldname` in words, by docnum (float32; 0: none), as
    Whoosh keeps it (one byte: exact up to 108 words, then within ~6%)."""
    leaves = searcher.reader().leaf_readers()
    if not leaves:
        return np.empty(0, dtype=np.float32)
    return np.concatenate([whoosh_formats.field_lengths(leaf, fieldname) for leaf, _ in leaves])


def deleted_docnums(searcher: Searcher) -> np.ndarray:
    """The docnums of the documents Whoosh has deleted (int64, in any order): an updated post
    keeps its old version, with the same rowid, until segments merge."""
    return whoosh_formats.deleted_docnums(searcher.reader())


def keep_vocabulary(searcher: Searcher) -> None:
    """Build the index's vocabulary (vocabulary.py) for the searcher's state when it has many
    segments and the one saved does not fit it: done after an update, the first prefix or typo
    searched need not (~5 s at a million posts)."""
    from vidbrowse.core.engine import vocabulary

    vocabulary.coverage(searcher.reader(), build_if_stale=True)


def segment_count(searcher: Searcher) -> int:
    return len(searcher.reader().leaf_readers())


def deleted_count(searcher: Searcher) -> int:
    reader = searcher.reader()
    return reader.doc_count_all() - reader.doc_count()


def commit(writer: IndexWriter, **kwargs: Any) -> None:
    """`writer.commit(**kwargs)` for Whoosh's own writer (a few changes, merges): the segment it
    writes gets a file of its frequent words' positions as bulk segments do, so phrases keep
    their fast way after every kind of write (whoosh_formats/frequent.py)."""
    whoosh_formats.commit(writer, **kwargs)


def merge_all(ix: FileIndex) -> None:
    """Every segment merged into one, deleted documents dropped: Whoosh's own merge (see
    library/upkeep.py for its cost)."""
    commit(writer(ix), optimize=True)


@overload
def writer(ix: FileIndex, *, bulk: Literal[True]) -> builders.BulkUpdate: ...


@overload
def writer(ix: FileIndex, *, bulk: Literal[False] = False) -> IndexWriter: ...


def writer(ix: FileIndex, *, bulk: bool = False) -> IndexWriter | builders.BulkUpdate:
    """A writer for many new documents (bulkwriter builds them as new segments, in parallel,
    unless the seam finds it cannot: then Whoosh's writer adds them) or for a few changes
    (Whoosh's own writer: one segment, small merges). The caller holds the update lock, so a
    Whoosh write lock found held is stale: break it once."""
    try:
        plain = ix.writer(limitmb=SMALL_LIMITMB)
    except LockError:
        (Path(ix.storage.folder) / WRITELOCK).unlink(missing_ok=True)
        plain = ix.writer(limitmb=SMALL_LIMITMB)
    if not bulk:
        return plain
    from vidbrowse.core.engine import builders

    if whoosh_formats.fast_writing(ix.schema):
        return builders.BulkWriter(ix, plain, max_docs=SEGMENT_DOCS)
    return builders.PublicBulkWriter(plain, merge_small)
