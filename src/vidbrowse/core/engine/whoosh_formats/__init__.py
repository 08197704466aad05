"""The seam around whoosh3's internals: every private whoosh3 name and every byte layout of its
files that vidbrowse relies on lives in this package, behind the functions below.

Whoosh reads one term per cursor step and one posting per matcher call, and writes through a
posting pool sorted at commit; vidbrowse reads term tables and posting blocks in bulk into numpy
and writes segments term by term (~10x faster both ways, see BENCHMARKS.md). That needs whoosh3's
formats, so each need has two ways, and which one runs is decided once per process:

| Need                       | Fast way (whoosh3's files)  | Fallback (Whoosh's public API) |
|----------------------------|-----------------------------|--------------------------------|
| terms by prefix, postings  | terms.TermTable             | public.scan, public.postings   |
| a term's postings + values | blocks.read_matcher         | public.read_slowly             |
| phrase positions           | blocks.Block, positions.py  | public.decode_positions        |
| frequent words' positions  | frequent.py (our own file)  | (the blocks, as above)         |
| that file, Whoosh's writer | frequent.commit             | (none: the blocks, as above)   |
| docnum → rowid             | docs.column_int64           | public.column_int64            |
| open a segment's term file | opening.install             | Whoosh's HashReader            |
| field lengths (BM25F)      | docs.field_lengths          | public.field_lengths           |
| write a segment            | segments.SegmentFiles       | Whoosh's writer (builders.py)  |

The rest of vidbrowse calls this module (engine/postings.py, phrases.py, index.py, bulkwriter.py).
At the first read, a probe (probe.py) checks on a tiny index in memory that the installed whoosh3
reads as the fast way expects; at the first bulk write, that it writes so too. When not, that
side takes Whoosh's public API for the rest of the process, and one line (a logged warning) says
so. `VIDBROWSE_ENGINE=public` takes the public API without probing (the tests run the engine
both ways). Past the probe, a segment the fast way finds damaged or unexpected is read through
the public API too: `Ways.fallbacks` counts those times (a test asserts none on sound indexes).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import whoosh
from whoosh.fields import Schema
from whoosh.filedb.filestore import OverlayStorage
from whoosh.reading import IndexReader, TermNotFound

from vidbrowse.core.engine.whoosh_formats import docs, frequent, opening, positions, probe, public
from vidbrowse.core.engine.whoosh_formats.blocks import Block, Matched, read_matcher
from vidbrowse.core.engine.whoosh_formats.common import UNEXPECTED, Postings, Ways, note_fallback
from vidbrowse.core.engine.whoosh_formats.frequent import FrequentPositions
from vidbrowse.core.engine.whoosh_formats.terms import TermTable
from vidbrowse.core.engine.whoosh_formats.terms import term_table as _term_table

if TYPE_CHECKING:
    from whoosh.writing import IndexWriter

__all__ = [
    "KEY_POSITION",
    "KEY_SHIFT",
    "UNEXPECTED",
    "Block",
    "FrequentPositions",
    "Matched",
    "Postings",
    "TermTable",
    "Ways",
    "block_values",
    "column_int64",
    "commit",
    "decode_positions",
    "deleted_docnums",
    "deleted_ids",
    "fast_reading",
    "fast_writing",
    "field_lengths",
    "frequent_positions",
    "index_folder",
    "leaf_postings",
    "note_fallback",
    "position_keys",
    "public",
    "remember_probes",
    "term_table",
]

ENGINE_VARIABLE = "VIDBROWSE_ENGINE"


def remember_probes(folder: Path) -> None:
    """Keep the reading probe's verdict in `folder` (an index cache) for later processes."""
    Ways.verdicts = folder


def fast_reading() -> bool:
    """Whether reading takes the fast way: probed on the first call (or read from
    `remember_probes`'s folder, where an earlier process probed this very whoosh3)."""
    if Ways.read is None:
        folder = Ways.verdicts
        check = probe.reading if folder is None else partial(probe.remembered, folder, "read",
                                                             probe.reading)
        Ways.read = _decide(check, "read", "searching through Whoosh's public API")
        if Ways.read:
            opening.install()
    return Ways.read


def fast_writing(schema: Schema) -> bool:
    """Whether bulk segments are built the fast way: probed on the first call."""
    if Ways.write is None:
        if not fast_reading():
            Ways.write = False  # what the reading probe found is said already
        else:
            check = partial(probe.writing, schema)
            Ways.write = _decide(check, "write", "indexing through Whoosh's own writer")
    return Ways.write


def _decide(check: Callable[[], str | None], verb: str, instead: str) -> bool:
    if os.environ.get(ENGINE_VARIABLE) == "public":
        return False
    why = check()
    if why is None:
        return True
    import logging  # here: only a probe that fails logs (its import costs a search ~3 ms)

    why = " ".join(why.split())[:200]  # one line, whatever the exception said
    logging.getLogger("vidbrowse").warning(
        "vidbrowse: whoosh %s does not %s as expected (%s): %s (slower)",
        whoosh.versionstring(),
        verb,
        why,
        instead,
    )
    return False


def term_table(leaf: IndexReader) -> TermTable | None:
    """The leaf's term table read in bulk; None: use `public.scan` and `public.postings`."""
    if not fast_reading():
        return None
    return _term_table(leaf)


def leaf_postings(leaf: IndexReader, fieldname: str, text: str, values: bool) -> Matched | None:
    """(ids, weights, values if asked: an object array of each posting's raw bytes) of a term
    in one segment, deleted documents left out; None when the segment has no such term."""
    if not fast_reading():
        return public.leaf_postings(leaf, fieldname, text, values)
    try:  # one term lookup, where `in` then `postings` make two
        matcher = leaf.postings(fieldname, text)
    except TermNotFound:
        return None
    try:
        return read_matcher(matcher, values)
    except UNEXPECTED:  # damaged or unexpected: Whoosh's reader takes over
        return public.leaf_postings(leaf, fieldname, text, values)


def index_folder(leaf: IndexReader) -> Path | None:
    """The folder of a segment's index; None when it is not in a folder (in memory)."""
    storage = leaf.storage()
    if type(storage) is OverlayStorage:  # a compound segment file over the index's folder
        storage = storage.b
    folder = getattr(storage, "folder", None)
    return None if folder is None else Path(folder)


def decode_positions(joined: bytes, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions per value, all positions) of `Positions` values of `sizes` bytes, joined."""
    if fast_reading():
        return positions.decode_positions(joined, sizes)
    ends = np.cumsum(sizes).tolist()
    return public.decode_positions(
        [joined[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    )


def frequent_positions(leaf: IndexReader) -> FrequentPositions | None:
    """The positions of the segment's frequent words, from the bulk builder's file of them
    (frequent.py); None when the segment has none, or reading takes the public API."""
    return frequent.frequent_positions(leaf) if fast_reading() else None


def commit(writer: IndexWriter, **kwargs: Any) -> None:
    """`writer.commit(**kwargs)` for Whoosh's own writer (small updates, merges): the segment it
    writes gets its file of frequent words' positions, as bulk segments do, when reading takes
    the fast way (else phrases never read the file)."""
    from whoosh.writing import SegmentWriter

    if fast_reading() and type(writer) is SegmentWriter:
        frequent.commit(writer, **kwargs)
    else:
        writer.commit(**kwargs)


# The layout of position keys: document << KEY_SHIFT | position.
KEY_SHIFT, KEY_POSITION = frequent.SHIFT, frequent.POSITION


def position_keys(ids: np.ndarray, values: list[bytes]) -> np.ndarray:
    """Sorted (document << 32 | position) of postings: ascending `ids` and their `Positions`
    values (as `block_values` gives them)."""
    return frequent.keys(ids, values)


def block_values(data: bytes) -> list[bytes]:
    """Each posting's raw value from a block's data (`Block.uncompressed()`)."""
    return positions.block_values(data)


def column_int64(leaf: IndexReader, fieldname: str) -> np.ndarray:
    """A segment's unsigned 64-bit numeric column, as int64 (-1 past the stored values)."""
    if fast_reading():
        return docs.column_int64(leaf, fieldname)
    return public.column_int64(leaf, fieldname)


def field_lengths(leaf: IndexReader, fieldname: str) -> np.ndarray:
    """A segment's lengths of `fieldname` per document, in words (float32; 0: none)."""
    if fast_reading():
        return docs.field_lengths(leaf, fieldname)
    return public.field_lengths(leaf, fieldname)


def deleted_ids(leaf: IndexReader) -> np.ndarray:
    """A segment's deleted document numbers (int64, in any order)."""
    return docs.deleted_ids(leaf) if fast_reading() else public.deleted_ids(leaf)


def deleted_docnums(reader: IndexReader) -> np.ndarray:
    """The deleted document numbers of a reader over every segment (int64, in any order)."""
    if not reader.has_deletions():
        return np.empty(0, dtype=np.int64)
    return np.concatenate([deleted_ids(leaf) + offset for leaf, offset in reader.leaf_readers()])
