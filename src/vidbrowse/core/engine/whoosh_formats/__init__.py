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
| docnum → rowid             | docs.column_int64           | public.column_int64            |

The rest of vidbrowse calls this module only (engine/postings.py, phrases.py, index.py).
`VIDBROWSE_ENGINE=public` forces the fallback (the tests run the engine both ways).
"""

from __future__ import annotations

import os

import numpy as np
from whoosh.reading import IndexReader

from vidbrowse.core.engine.whoosh_formats import docs, positions, public
from vidbrowse.core.engine.whoosh_formats.blocks import Block, Matched, read_matcher
from vidbrowse.core.engine.whoosh_formats.common import UNEXPECTED, Postings
from vidbrowse.core.engine.whoosh_formats.terms import TermTable
from vidbrowse.core.engine.whoosh_formats.terms import term_table as _term_table

__all__ = [
    "UNEXPECTED",
    "Block",
    "Matched",
    "Postings",
    "TermTable",
    "block_values",
    "column_int64",
    "decode_positions",
    "deleted_docnums",
    "deleted_ids",
    "fast_reading",
    "leaf_postings",
    "public",
    "term_table",
]

ENGINE_VARIABLE = "VIDBROWSE_ENGINE"


class _Ways:
    """Which way each side takes in this process (None: not decided yet)."""

    read: bool | None = None


def fast_reading() -> bool:
    """Whether reading takes the fast way."""
    if _Ways.read is None:
        _Ways.read = os.environ.get(ENGINE_VARIABLE, "fast") != "public"
    return _Ways.read


def term_table(leaf: IndexReader) -> TermTable | None:
    """The leaf's term table read in bulk; None: use `public.scan` and `public.postings`."""
    return _term_table(leaf) if fast_reading() else None


def leaf_postings(leaf: IndexReader, fieldname: str, text: str, values: bool) -> Matched | None:
    """(ids, weights, values if asked: an object array of each posting's raw bytes) of a term
    in one segment, deleted documents left out; None when the segment has no such term."""
    if not fast_reading():
        return public.leaf_postings(leaf, fieldname, text, values)
    from whoosh.reading import TermNotFound

    try:  # one term lookup, where `in` then `postings` make two
        matcher = leaf.postings(fieldname, text)
    except TermNotFound:
        return None
    return read_matcher(matcher, values)


def decode_positions(joined: bytes, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions per value, all positions) of `Positions` values of `sizes` bytes, joined."""
    if fast_reading():
        return positions.decode_positions(joined, sizes)
    ends = np.cumsum(sizes).tolist()
    return public.decode_positions(
        [joined[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    )


def block_values(data: bytes) -> list[bytes]:
    """Each posting's raw value from a block's data (`Block.uncompressed()`)."""
    return positions.block_values(data)


def column_int64(leaf: IndexReader, fieldname: str) -> np.ndarray:
    """A segment's unsigned 64-bit numeric column, as int64 (-1 past the stored values)."""
    if fast_reading():
        return docs.column_int64(leaf, fieldname)
    return public.column_int64(leaf, fieldname)


def deleted_ids(leaf: IndexReader) -> np.ndarray:
    """A segment's deleted document numbers (int64, in any order)."""
    return docs.deleted_ids(leaf) if fast_reading() else public.deleted_ids(leaf)


def deleted_docnums(reader: IndexReader) -> np.ndarray:
    """The deleted document numbers of a reader over every segment (int64, in any order)."""
    if not reader.has_deletions():
        return np.empty(0, dtype=np.int64)
    return np.concatenate([deleted_ids(leaf) + offset for leaf, offset in reader.leaf_readers()])
