"""Reading through Whoosh's public API only: one term per cursor step, one posting per matcher
call. Slower (see terms.py and blocks.py for how much), but it holds whatever whoosh3's files
look like: the seam's fallback, and what the fast readers are compared with."""

from __future__ import annotations

from itertools import chain, islice
from typing import Any

import numpy as np
from whoosh.formats import Positions
from whoosh.matching import Matcher
from whoosh.reading import IndexReader, TermNotFound

from vidbrowse.core.engine.whoosh_formats.common import Postings, Ways, note_fallback

_POSITIONS = Positions()


def _used() -> None:
    """The public API read while the fast way is on: counted as a fallback."""
    if Ways.read:
        note_fallback()


def scan(
    leaf: IndexReader,
    fieldname: str,
    start: str,
    limit: int,
    lengths: tuple[int, int] | None = None,
) -> list[tuple[bytes, int]]:
    """(term, documents holding it) of the first `limit` terms of `fieldname` starting with
    `start`, in term order; with `lengths`, only those of `lengths[0]` to `lengths[1]`
    characters."""
    _used()
    found = islice(leaf.iter_prefix(fieldname, start), limit)
    listed = [(text, info.doc_frequency()) for text, info in found]
    if lengths is None:
        return listed
    low, high = lengths
    return [(text, count) for text, count in listed if low <= len(text.decode()) <= high]


def postings(leaf: IndexReader, fieldname: str, term: bytes) -> Postings | None:
    """(ids, weights) of a term in one segment, deleted documents left out (Whoosh's matcher
    leaves them out); None when the segment has no such term."""
    _used()
    if (fieldname, term) not in leaf:
        return None
    ids, weights, _ = read_slowly(leaf.postings(fieldname, term), False)
    return ids, weights


def documents(leaf: IndexReader, fieldname: str, term: bytes) -> int:
    """How many documents of one segment hold a term, deleted ones included (0: none)."""
    _used()
    return leaf.doc_frequency(fieldname, term)


def leaf_postings(
    leaf: IndexReader, fieldname: str, text: str, values: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """(ids, weights, values if asked) of a term in one segment, deleted documents left out;
    None when the segment has no such term."""
    _used()
    try:
        return read_slowly(leaf.postings(fieldname, text), values)
    except TermNotFound:
        return None


def read_slowly(m: Matcher, values: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """What a matcher holds from where it stands, one posting per call."""
    _used()
    ids: list[int] = []
    weights: list[float] = []
    vs: list[Any] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if values:
            vs.append(m.value())
        m.next()
    ids_array = np.array(ids, dtype=np.int64)
    return ids_array, np.array(weights, dtype=np.float64), objects(vs, values)


def objects(values: list[Any], wanted: bool) -> np.ndarray | None:
    """`values` as an object array when `wanted`, else None."""
    if not wanted:
        return None
    return np.fromiter(values, dtype=object, count=len(values))


def column_int64(leaf: IndexReader, fieldname: str) -> np.ndarray:
    """A segment's unsigned 64-bit numeric column as int64, one document at a time."""
    _used()
    column = leaf.column_reader(fieldname, translate=False)
    return np.fromiter(column, dtype=np.uint64, count=leaf.doc_count_all()).view(np.int64)


def field_lengths(leaf: IndexReader, fieldname: str) -> np.ndarray:
    """A segment's lengths of `fieldname` per document (float32), one document at a time."""
    count = leaf.doc_count_all()
    lengths = (leaf.doc_field_length(d, fieldname) or 0 for d in range(count))
    return np.fromiter(lengths, dtype=np.float32, count=count)


def deleted_ids(leaf: IndexReader) -> np.ndarray:
    """A segment's deleted document numbers (int64, in any order)."""
    _used()
    if not leaf.has_deletions():
        return np.empty(0, dtype=np.int64)
    deleted = [d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)]
    return np.array(deleted, dtype=np.int64)


def decode_positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(positions per value, all positions) of values of whoosh3's `Positions` format."""
    lists = [_POSITIONS.decode_positions(v) for v in values]
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
    return lengths, flat
