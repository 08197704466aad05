"""Postings read for a query, straight into numpy, and kept while an index state lasts.

Whoosh hands out one term per generator step (~2 µs each) and one posting per matcher call (~1
µs, ~3 µs when scoring); a common word at 30k posts has a posting in nearly every document of
every field, and a prefix stands for up to a few hundred terms. So each segment's term table and
postings are read in bulk through the seam around whoosh3's formats (whoosh_formats), which falls
back to Whoosh's public API for anything unexpected; tests compare both on every term of indexes
written both ways (a plain Whoosh writer and bulkwriter).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from vidbrowse.core.engine import vocabulary, whoosh_formats
from vidbrowse.core.engine.whoosh_formats import UNEXPECTED, Block, Postings, public

V = TypeVar("V")
# Words a segment looks up one by one (a plain word in each field); more are read by field, a
# prefix's side by side.
_ONE_BY_ONE = 8
# The positions files' keys: docnum << _SHIFT | position.
_SHIFT = whoosh_formats.KEY_SHIFT


def read_postings(
    reader: IndexReader, fieldname: str, text: str, *, values: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """`PostingSources.postings`, and if `values` each posting's raw value (an object array of
    bytes; for a positions format, `Positions.encode`'s). Values cost little more: a block's are
    unpickled with its ids anyway."""
    docnums: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    for leaf, offset in reader.leaf_readers():
        found = whoosh_formats.leaf_postings(leaf, fieldname, text, values)
        if found is None:
            continue
        ids, ws, leaf_vs = found
        docnums.append(ids + offset)
        weights.append(ws)
        if leaf_vs is not None:
            vs.append(leaf_vs)
    if not docnums:
        empty = np.empty(0, dtype=object) if values else None
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32), empty
    # Compact: these arrays are what the cache holds.
    return (
        np.concatenate(docnums).astype(np.int32),
        np.concatenate(weights).astype(np.float32),
        np.concatenate(vs) if values else None,
    )


class PostingSources:
    """A reader's segments, for one query: the term table runs `scan` reads are kept, so reading
    the postings of the terms it found needs no second look-up in the term tables. On an index
    of many segments, the index's vocabulary (vocabulary.py) tells which segments hold a word:
    only those are read."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self.segments = [SegmentPostings(leaf, offset) for leaf, offset in reader.leaf_readers()]
        self.coverage = vocabulary.coverage(reader, build_if_stale=False)

    def __iter__(self) -> Iterator[SegmentPostings]:
        return iter(self.segments)

    def scan(
        self,
        fieldname: str,
        starts: Sequence[str],
        limit: int,
        lengths: tuple[int, int] | None = None,
    ) -> dict[bytes, int]:
        """Term → documents holding it, of the terms of `fieldname` starting with any of
        `starts`, as `SegmentPostings.scan` of each segment and start finds them (its first
        `limit`; with `lengths`, some not of those lengths left out) added up, in the order
        those scans first find them, segment by segment (it breaks a tie of documents). The
        segments the vocabulary knows are scanned there, at once (it is built when missing)."""
        cover = self.coverage = vocabulary.coverage(self.reader, build_if_stale=True)
        known = None if cover is None else cover.vocabulary.fields.get(fieldname)
        if cover is None or known is None:
            frequency: dict[bytes, int] = {}
            for segment in self.segments:
                for start in starts:
                    for term, count in segment.scan(fieldname, start, limit, lengths):
                        frequency[term] = frequency.get(term, 0) + count
            return frequency
        found: dict[bytes, tuple[int, int, int]] = {}  # term → (documents, place, start)
        for place in cover.unknown:
            for i, start in enumerate(starts):
                for term, count in self.segments[place].scan(fieldname, start, limit, lengths):
                    _add(found, term, count, place, i)
        for i, start in enumerate(starts):
            for term, count, place in cover.scan(known, start, limit, lengths):
                _add(found, term, count, place, i)
        order = sorted(found, key=lambda term: (found[term][1], found[term][2], term))
        return {term: found[term][0] for term in order}

    def visits(self, fieldname: str, text: str) -> set[int] | None:
        """The places of the segments that may hold `text` in `fieldname` (None: all)."""
        if self.coverage is None:
            return None
        holding = self.coverage.holding(fieldname, text)
        if holding is None:
            return None
        return {*holding, *self.coverage.unknown}

    def postings(self, fieldname: str, text: str) -> Postings:
        """(docnums, weights) of `text` in `fieldname` over every segment; weights are term
        frequencies times the field's boost. Deleted documents are left out."""
        return self.postings_of([(fieldname, text)])[0]

    def postings_of(self, words: Sequence[tuple[str, str]]) -> list[Postings]:
        """`postings` of each (fieldname, text), read segment by segment: a prefix stands for up
        to a few hundred words, whose postings lie side by side in each segment.
        A word of a field with positions is read from each segment's file of them where it has
        one (frequent.py: the word's (document, position) keys, one array a segment), all
        segments' keys then counted at once: decoding its posting blocks cost ~0.6 µs a
        posting, most of a common word's search at a million posts. The rest from the blocks."""
        terms = [(fieldname, text.encode("utf-8")) for fieldname, text in words]
        docnums: list[list[np.ndarray]] = [[] for _ in terms]
        weights: list[list[np.ndarray]] = [[] for _ in terms]
        keys: list[list[np.ndarray]] = [[] for _ in terms]
        for segment, wanted in zip(self.segments, self._wanted(words), strict=True):
            if not wanted:
                continue
            rest = segment.keys_of(words, wanted, keys)
            if not rest:
                continue
            for j, (ids, ws) in segment.postings_of([terms[i] for i in rest]):
                docnums[rest[j]].append(ids + segment.offset)
                weights[rest[j]].append(ws)
        live = self.live()
        for i, found in enumerate(keys):
            if found:
                ids, ws = counted(np.concatenate(found), self.boost(words[i][0]), live)
                docnums[i].append(ids)
                weights[i].append(ws)
        return [_joined(d, w) for d, w in zip(docnums, weights, strict=True)]

    def _wanted(self, words: Sequence[tuple[str, str]]) -> list[list[int]]:
        """For each segment, the indices of the `words` to look for in it."""
        every = list(range(len(words)))
        if self.coverage is None:
            return [every] * len(self.segments)
        wanted: list[list[int]] = [[] for _ in self.segments]
        for i, (fieldname, text) in enumerate(words):
            holding = self.coverage.holding(fieldname, text)
            for place in range(len(self.segments)) if holding is None else holding:
                wanted[place].append(i)
        for place in self.coverage.unknown:
            wanted[place] = every
        return wanted

    def boost(self, fieldname: str) -> float:
        """The field's boost: its postings' weights are frequencies times it."""
        return float(self.segments[0].leaf.schema[fieldname].format.field_boost)

    def live(self) -> np.ndarray | None:
        """Whether each docnum is a live document (None: all are), the segments taken
        together."""
        masks = [(s, s.deleted_mask()) for s in self.segments]
        if all(mask is None for _, mask in masks):
            return None
        live = np.ones(sum(s.leaf.doc_count_all() for s in self.segments), dtype=bool)
        for segment, mask in masks:
            if mask is not None:
                live[segment.offset : segment.offset + len(mask)] = ~mask
        return live

    def documents_of(self, words: Sequence[tuple[str, str]]) -> list[int]:
        """How many documents hold each (fieldname, text), deleted ones included (an update's
        old versions, until segments merge): from the term tables, no postings read."""
        terms = [(fieldname, text.encode("utf-8")) for fieldname, text in words]
        counts = [0] * len(terms)
        for segment in self.segments:
            for i, count in segment.documents_of(terms):
                counts[i] += count
        return counts


def _add(
    found: dict[bytes, tuple[int, int, int]], term: bytes, count: int, place: int, start: int
) -> None:
    """Add `count` to a term's documents in `found`, keeping the least (place, start) that
    found it."""
    known = found.get(term)
    if known is None:
        found[term] = (count, place, start)
    else:
        found[term] = (known[0] + count, *min(known[1:], (place, start)))


class SegmentPostings:
    """One segment's terms and postings: its term table read in bulk, or Whoosh's reader when
    the seam finds the table unexpected."""

    def __init__(self, leaf: IndexReader, offset: int) -> None:
        self.leaf = leaf
        self.offset = offset
        self._table: whoosh_formats.TermTable | None = None
        self._table_read = False
        # field → (start, every term starting so): what whole scans found (see `lacks`)
        self._scanned: dict[str, list[tuple[str, frozenset[bytes]]]] = {}

    @property
    def table(self) -> whoosh_formats.TermTable | None:
        """The segment's term table, read on first use (a phrase of words the segment's file
        of positions holds or says it lacks needs none)."""
        if not self._table_read:
            self._table, self._table_read = whoosh_formats.term_table(self.leaf), True
        return self._table

    @table.setter
    def table(self, table: whoosh_formats.TermTable | None) -> None:
        self._table, self._table_read = table, True

    def scan(
        self, fieldname: str, start: str, limit: int, lengths: tuple[int, int] | None = None
    ) -> list[tuple[bytes, int]]:
        """(term, documents holding it) of the first `limit` terms of `fieldname` that start
        with `start`, in term order; with `lengths`, some terms that do not have `lengths[0]` to
        `lengths[1]` characters may be left out."""
        found = None
        if self.table is not None:
            try:
                found = self.table.scan(fieldname, start, limit, lengths)
            except UNEXPECTED:
                self.table = None  # damaged or unexpected: Whoosh's reader takes over
        if found is None:
            found = public.scan(self.leaf, fieldname, start, limit, lengths)
        if lengths is None and len(found) < limit:  # every term starting so
            terms = frozenset(term for term, _ in found)
            self._scanned.setdefault(fieldname, []).append((start, terms))
        return found

    def lacks(self, fieldname: str, text: str) -> bool:
        """Whether a whole scan of this segment shows it lacks the word (a prefix's words are
        read in every segment: most segments lack most of them, and asking the file of
        positions costs ~4 µs a word)."""
        for start, terms in self._scanned.get(fieldname, ()):
            if text.startswith(start):
                return text.encode("utf-8") not in terms
        return False

    def keys_of(
        self, words: Sequence[tuple[str, str]], wanted: list[int], keys: list[list[np.ndarray]]
    ) -> list[int]:
        """Append to keys[i] the (docnum << 32 | position) keys of words[i] (fieldname, text),
        for each i in `wanted`, that the segment's file of positions holds (docnums over all
        segments, deleted documents included); the indices of the words the file cannot tell
        of."""
        positions = whoosh_formats.frequent_positions(self.leaf)
        if positions is None:
            return wanted
        rest: list[int] = []
        if len(wanted) <= _ONE_BY_ONE:  # a plain word's fields: grouping costs more
            for i in wanted:
                fieldname, text = words[i]
                if not self.lacks(fieldname, text):
                    self._found(i, positions.keys(fieldname, text, self.offset), keys, rest)
            return rest
        by_field: dict[str, list[int]] = {}
        for i in wanted:
            fieldname, text = words[i]
            if not self.lacks(fieldname, text):
                by_field.setdefault(fieldname, []).append(i)
        for fieldname, indices in by_field.items():
            texts = [words[i][1] for i in indices]
            listed = positions.keys_of(fieldname, texts, self.offset)
            for i, found in zip(indices, listed, strict=True):
                self._found(i, found, keys, rest)
        return sorted(rest)

    @staticmethod
    def _found(
        i: int, found: np.ndarray | None, keys: list[list[np.ndarray]], rest: list[int]
    ) -> None:
        if found is None:
            rest.append(i)
        elif len(found):
            keys[i].append(found)

    def postings(self, fieldname: str, term: bytes) -> Postings | None:
        """(docnums in the segment, weights) of a term; None when the segment has no such term."""
        return next((found for _, found in self.postings_of([(fieldname, term)])), None)

    def postings_of(self, terms: Sequence[tuple[str, bytes]]) -> Iterator[tuple[int, Postings]]:
        """(i, `postings` of terms[i]) for each of the (fieldname, term) the segment holds."""
        if self.table is None:
            for i, (fieldname, term) in enumerate(terms):
                if (found := public.postings(self.leaf, fieldname, term)) is not None:
                    yield i, found
            return
        deleted = self.deleted_mask()
        for i, found in self.table.postings_of(terms):
            if found is None:  # unexpected bytes: Whoosh's matcher leaves out deleted ones
                if (fallback := public.postings(self.leaf, *terms[i])) is not None:
                    yield i, fallback
                continue
            ids, weights = found
            if deleted is not None:
                keep = ~deleted[ids]
                ids, weights = ids[keep], weights[keep]
            yield i, (ids, weights)

    def documents_of(self, terms: Sequence[tuple[str, bytes]]) -> Iterator[tuple[int, int]]:
        """(i, documents holding terms[i]) for each of the (fieldname, term) the segment holds."""
        if self.table is not None:
            try:
                # Listed first: a damaged table raises before any count is handed out.
                return iter(list(self.table.documents_of(terms)))
            except UNEXPECTED:
                self.table = None  # damaged or unexpected: Whoosh's reader takes over
        counts = (public.documents(self.leaf, *term) for term in terms)
        return ((i, count) for i, count in enumerate(counts) if count)

    def blocks(self, fieldname: str, term: bytes) -> list[Block] | None:
        """A term's blocks, deleted documents included; None when the segment has no such term.
        Raises one of `UNEXPECTED` where `postings` would turn to Whoosh's reader."""
        if self.table is None:
            raise ValueError("a segment Whoosh reads")
        return self.table.blocks(fieldname, term)

    def deleted_mask(self) -> np.ndarray | None:
        """Whether each document of the segment is deleted; None when none is. One lookup per
        posting: `np.isin` sorts both sides, ~25 µs for a posting list of a few ids. Kept while
        the segment's reader lasts (its deletions do not change: a commit opens new readers),
        as every query of every segment asks."""
        try:
            return _DELETED[self.leaf]
        except KeyError:
            pass
        deleted = whoosh_formats.deleted_ids(self.leaf)
        mask = None
        if len(deleted):
            mask = np.zeros(self.leaf.doc_count_all(), dtype=bool)
            mask[deleted] = True
        _DELETED[self.leaf] = mask
        return mask


_DELETED: weakref.WeakKeyDictionary[IndexReader, np.ndarray | None] = (
    weakref.WeakKeyDictionary()
)


class SearcherCache:
    """Values worth keeping while an index state lasts (a term's postings, a phrase's matches, a
    prefix's expansion), per searcher; the least recently used go first once their sizes add up
    to more than `max_size` (sizes count postings of 8 bytes, or terms). Typing a query, changing
    its sort or adding a filter reads the same words again: this makes the second time cheap
    (reading costs ~0.2 µs per posting, a phrase's matches far more)."""

    def __init__(self, max_size: int = 4_000_000) -> None:
        self.max_size = max_size
        self._lock = threading.Lock()
        self._per_searcher: weakref.WeakKeyDictionary[Searcher, _Entries] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, searcher: Searcher, key: Hashable, read: Callable[[], V]) -> V:
        """The value cached for `key` on this searcher, else `read()` and keep it."""
        return self.get_many(searcher, [key], lambda _: [read()])[0]

    def peek(self, searcher: Searcher, keys: Sequence[Hashable]) -> list[Any] | None:
        """The values cached for all of `keys`, else None (nothing is read)."""
        with self._lock:
            entries = self._per_searcher.get(searcher)
            if entries is None or not all(key in entries.values for key in keys):
                return None
            for key in keys:
                entries.values.move_to_end(key)
            return [entries.values[key][0] for key in keys]

    def get_many(
        self,
        searcher: Searcher,
        keys: Sequence[Hashable],
        read: Callable[[list[Hashable]], Sequence[V]],
    ) -> list[V]:
        """`get` of each key; `read(missing keys)` gives the values of those not cached, in
        their order, at once."""
        found: dict[Hashable, V] = {}
        with self._lock:
            entries = self._per_searcher.get(searcher)
            if entries is None:
                entries = self._per_searcher[searcher] = _Entries()
            for key in keys:
                cached = entries.values.get(key)
                if cached is not None:
                    entries.values.move_to_end(key)
                    found[key] = cached[0]
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if missing:
            values = read(missing)
            with self._lock:
                for key, value in zip(missing, values, strict=True):
                    size = _size(value)
                    replaced = entries.values.pop(key, None)  # read meanwhile by another thread
                    entries.size += size - (replaced[1] if replaced else 0)
                    entries.values[key] = (value, size)
                    found[key] = value
                self._evict()
        return [found[key] for key in keys]

    def _evict(self) -> None:
        # Old searchers vanish from the weak dictionary by themselves; count what remains.
        held = sum(entries.size for entries in self._per_searcher.values())
        while held > self.max_size:
            for entries in self._per_searcher.values():
                if entries.values:
                    size = entries.values.popitem(last=False)[1][1]
                    entries.size -= size
                    held -= size
                    break
            else:
                return


class _Entries:
    """One searcher's cached values, least recently used first, and the sum of their sizes."""

    def __init__(self) -> None:
        self.values: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.size = 0


def _size(value: object) -> int:
    if isinstance(value, tuple):  # (docnums, weights)
        return len(value[0])
    return len(value) if isinstance(value, list) else 1


def counted(keys: np.ndarray, boost: float, live: np.ndarray | None) -> Postings:
    """(docnums, weights) of a word from its sorted (docnum << 32 | position) keys, not empty,
    the documents `live` says are deleted left out: a posting's weight is its positions
    counted, times the field's boost (as Whoosh's Positions format weighs a word whose tokens
    carry no boost of their own: tests compare the two on every word)."""
    docs = keys >> _SHIFT
    first = np.empty(len(docs), dtype=bool)
    first[0] = True
    np.not_equal(docs[1:], docs[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=len(docs))
    ids, ws = docs[starts], counts * boost
    if live is not None:
        keep = live[ids]
        ids, ws = ids[keep], ws[keep]
    return ids, ws


def _joined(docnums: list[np.ndarray], weights: list[np.ndarray]) -> Postings:
    """One word's postings from its pieces, in docnum order, compact (these arrays are what
    the cache holds)."""
    if not docnums:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
    ids = np.concatenate(docnums).astype(np.int32)
    ws = np.concatenate(weights).astype(np.float32)
    if len(docnums) > 1 and (np.diff(ids) < 0).any():  # from blocks and files: sorted
        order = np.argsort(ids, kind="stable")
        ids, ws = ids[order], ws[order]
    return ids, ws
