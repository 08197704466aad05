"""A segment's per-document data read in one piece: a numeric column, its deleted documents."""

from __future__ import annotations

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
from whoosh.columns import NumericColumn
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length

from vidbrowse.core.engine.whoosh_formats import public

# A field length's byte → the length, as Whoosh decodes it (exact up to 108 words, then ~6%).
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


def column_int64(leaf: IndexReader, fieldname: str) -> np.ndarray:
    """A segment's unsigned 64-bit numeric column (e.g. the rowids) read in one piece: Whoosh's
    own reader goes one document at a time (~2 µs each: 60 ms at 30k posts, at every start). The
    column is fixed-width big-endian unsigned; documents past its end hold the default,
    max_value, which is -1 as int64."""
    count = leaf.doc_count_all()
    column = leaf.column_reader(fieldname, translate=False)
    if not isinstance(column, NumericColumn.Reader) or column._typecode != "Q":
        # No column file in this segment (or another layout): Whoosh's way.
        return public.column_int64(leaf, fieldname)
    stored = min(column._count, count)
    values = np.full(count, -1, dtype=np.int64)
    raw = column._dbfile.get(column._basepos, stored * 8)
    values[:stored] = np.frombuffer(raw, dtype=">u8").view(">i8")
    return values


def deleted_ids(leaf: IndexReader) -> np.ndarray:
    """A segment's deleted document numbers (int64, in any order), from the set a segment
    reader keeps of them."""
    if not leaf.has_deletions():
        return np.empty(0, dtype=np.int64)
    deleted = getattr(leaf, "deleted_docs_set", None)
    if not isinstance(deleted, frozenset | set):
        return public.deleted_ids(leaf)
    return np.fromiter(deleted, dtype=np.int64, count=len(deleted))


def field_lengths(leaf: IndexReader, fieldname: str) -> np.ndarray:
    """A segment's lengths of `fieldname` per document (float32; 0: none), from the column of
    one byte per document Whoosh keeps them in (its reader: ~2 µs a document)."""
    count = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return public.field_lengths(leaf, fieldname)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:  # no document of this segment has the field
        return np.zeros(count, dtype=np.float32)
    if not isinstance(column, NumericColumn.Reader) or column._typecode != "B":
        return public.field_lengths(leaf, fieldname)
    stored = min(column._count, count)
    raw = np.zeros(count, dtype=np.uint8)  # documents past the column's end: the default, 0
    raw[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    return _LENGTHS[raw]
