"""One vocabulary for an index of many segments: every word of the word fields, sorted, each with
the segments holding it and its documents in each.

A prefix or a typo was expanded segment by segment (each segment's term table scanned, ~0.15 ms
a field and segment), and each of its words then looked up in every segment: at a million posts
(~120 segments) that per-segment cost, not the hits, was most of such a query (BENCHMARKS.md,
"Session 8: one vocabulary per index"). With the vocabulary a prefix is expanded once, and a
word is read only from the segments holding it.

Derived data only: an index without it is read segment by segment, as before. It is built from
the segments' term tables when a prefix or typo first needs it on an index of `MIN_SEGMENTS`
segments or more, and saved in the index's folder (`FILE`, written atomically; Whoosh deletes
only its own files there), mapped by later processes. It stays exact as segments come and go:
the segments it does not know (an update's) are read one by one as before, those gone (merged)
are left out of its lists; once the segments it does not know are many or hold a third of the
documents, it is built again.
"""

from __future__ import annotations

import bisect
import sys
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.formats import Positions
from whoosh.reading import IndexReader

from vidbrowse.core.engine import whoosh_formats
from vidbrowse.core.engine.whoosh_formats import UNEXPECTED
from vidbrowse.core.query import mapped

VERSION = 2
FILE = "vocabulary.vbmap"
# Fewer segments: their term tables are read one by one (a vocabulary saves little).
MIN_SEGMENTS = 8
# Segments it may not know (an update's, read one by one) before it is built again.
MAX_UNKNOWN = 16


class Words:
    """One field's words, sorted (as bytes: the term tables' order), and for each the
    (segment, documents) pairs of the segments holding it: pairs[starts[i]:starts[i + 1]]."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.blob = arrays["blob"]  # the words, joined
        self.ends = arrays["ends"]  # where each word ends in `blob`
        self.starts = arrays["starts"]  # len(words) + 1
        self.segments = arrays["segments"]  # per pair: the segment's number in the vocabulary
        self.documents = arrays["documents"]  # per pair: documents holding it, deleted included
        self.heads = arrays["heads"]  # each word's first 8 bytes, a big-endian number (sorted)
        self._blob = self.blob.data

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        start = int(self.ends[i - 1]) if i else 0
        return self._blob[start : int(self.ends[i])].tobytes()

    def characters(self, lo: int, hi: int) -> np.ndarray:
        """The length in characters of each word of the range (UTF-8: the bytes that do not
        continue a character)."""
        base = int(self.ends[lo - 1]) if lo else 0
        ends = self.ends[lo:hi] - base
        starting = np.zeros(int(ends[-1]) + 1 if len(ends) else 1, dtype=np.int64)
        np.cumsum((self.blob[base : base + len(starting) - 1] & 0xC0) != 0x80, out=starting[1:])
        return np.diff(starting[ends], prepend=0)

    def find(self, word: bytes) -> int | None:
        # The words of its first 8 bytes by a numpy search (~1 µs), where bisecting all of
        # them cost ~7 µs.
        head = np.uint64(_head(word))  # a Python int is searched for ~20x slower
        lo = int(self.heads.searchsorted(head))
        hi = int(self.heads.searchsorted(head, "right"))
        at = bisect.bisect_left(self, word, lo, hi)
        return at if at < hi and self[at] == word else None

    def starting(self, start: bytes) -> tuple[int, int]:
        """The range of the words starting with `start` (UTF-8 never holds a byte 0xff)."""
        return bisect.bisect_left(self, start), bisect.bisect_left(self, start + b"\xff")


class Vocabulary:
    """The word fields' `Words` over the segments `segment_ids` (their numbers in the pairs)."""

    def __init__(self, segment_ids: list[str], fields: dict[str, dict[str, np.ndarray]]) -> None:
        self.segment_ids = segment_ids
        self.fields = {name: Words(arrays) for name, arrays in fields.items()}
        self._saved = (segment_ids, fields)

    def save(self, path: Path) -> None:
        segment_ids, fields = self._saved
        mapped.save({"version": VERSION, "segments": segment_ids, "fields": fields}, path)

    @classmethod
    def load(cls, path: Path) -> Vocabulary | None:
        """The vocabulary saved at `path`; None when there is none, or another version."""
        try:
            saved = mapped.load(path)
            if not isinstance(saved, dict) or saved.get("version") != VERSION:
                return None
            return cls(saved["segments"], saved["fields"])
        except Exception:  # missing, damaged, cut short: built again
            return None


def build(leaves: Sequence[tuple[str, IndexReader]]) -> Vocabulary | None:
    """The vocabulary of (segment id, segment reader) `leaves`; None when a term table is not
    whoosh3's, or damaged."""
    tables = [whoosh_formats.term_table(leaf) for _, leaf in leaves]
    if not tables or any(table is None for table in tables):
        return None
    schema = leaves[0][1].schema
    names = [name for name in schema.names() if type(schema[name].format) is Positions]
    fields: dict[str, dict[str, np.ndarray]] = {}
    try:
        for name in names:
            terms: list[bytes] = []
            documents: list[int] = []
            counts: list[int] = []
            for table in tables:
                assert table is not None  # checked above
                found = table.scan(name, "", sys.maxsize, None, keep=False)
                terms += [term for term, _ in found]
                documents += [count for _, count in found]
                counts.append(len(found))
            fields[name] = _merged(terms, documents, counts)
    except UNEXPECTED:
        whoosh_formats.note_fallback()
        return None
    return Vocabulary([segment_id for segment_id, _ in leaves], fields)


def _merged(terms: list[bytes], documents: list[int], counts: list[int]) -> dict[str, np.ndarray]:
    """A field's arrays (see `Words`) from each segment's terms in turn (`counts` a segment)."""
    unique = sorted(set(terms))
    number = dict(zip(unique, range(len(unique)), strict=True))
    word = np.fromiter(map(number.__getitem__, terms), dtype=np.int64, count=len(terms))
    # By word; a word's pairs in segment order (a stable sort of pairs listed segment by segment).
    order = np.argsort(word, kind="stable")
    segments = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.zeros(len(unique) + 1, dtype=np.int64)
    np.cumsum(np.bincount(word, minlength=len(unique)), out=starts[1:])
    return {
        "blob": np.frombuffer(b"".join(unique), dtype=np.uint8),
        "heads": np.array([_head(word) for word in unique], dtype=np.uint64),
        "ends": np.cumsum([len(term) for term in unique], dtype=np.int64),
        "starts": starts,
        "segments": segments[order].astype(np.uint16 if len(counts) < 1 << 16 else np.uint32),
        "documents": np.asarray(documents, dtype=np.uint32)[order],
    }


def _head(word: bytes) -> int:
    """A word's first 8 bytes as a number: words in order have their heads in order."""
    return int.from_bytes(word[:8].ljust(8, b"\0"), "big")


class Coverage:
    """A vocabulary over a reader's segments: which of them it knows (`index`: a vocabulary
    segment's number → its place among the reader's segments, -1 when gone) and which it does
    not (`unknown`, read one by one)."""

    def __init__(
        self, vocabulary: Vocabulary, segment_ids: list[str], documents: list[int]
    ) -> None:
        """`documents`: how many each segment holds, deleted ones included."""
        self.vocabulary = vocabulary
        place = {segment_id: i for i, segment_id in enumerate(segment_ids)}
        self.index = np.array([place.get(s, -1) for s in vocabulary.segment_ids], dtype=np.int64)
        known = set(vocabulary.segment_ids)
        self.unknown = [i for i, segment_id in enumerate(segment_ids) if segment_id not in known]
        self.unknown_documents = sum(documents[i] for i in self.unknown)
        self.documents = sum(documents)

    def holding(self, fieldname: str, word: str) -> list[int] | None:
        """The places of the known segments holding `word` in `fieldname`; None when the
        vocabulary has no such field."""
        words = self.vocabulary.fields.get(fieldname)
        if words is None:
            return None
        at = words.find(word.encode("utf-8"))
        if at is None:
            return []
        places = self.index[words.segments[words.starts[at] : words.starts[at + 1]]]
        return places[places >= 0].tolist()

    def scan(
        self, words: Words, start: str, limit: int, lengths: tuple[int, int] | None
    ) -> list[tuple[bytes, int, int]]:
        """(word, documents holding it, the first place holding it) of the words starting with
        `start` in the known segments, as scanning each for its first `limit` such words and
        adding up would find (with `lengths`, some words not of `lengths[0]` to `lengths[1]`
        characters left out), from one field's `words`."""
        lo, hi = words.starting(start.encode("utf-8"))
        first, last = int(words.starts[lo]), int(words.starts[hi])
        segments = words.segments[first:last]
        places = self.index[segments]
        kept = places >= 0
        if last - first > limit and np.bincount(segments).max() > limit:
            kept &= _ranks(segments) < limit  # a segment's first `limit` count
        word = np.repeat(np.arange(hi - lo), np.diff(words.starts[lo : hi + 1]))[kept]
        documents = np.bincount(
            word, weights=words.documents[first:last][kept], minlength=hi - lo
        ).astype(np.int64)
        firsts = np.full(hi - lo, len(places) + len(self.index), dtype=np.int64)
        np.minimum.at(firsts, word, places[kept])
        held = np.bincount(word, minlength=hi - lo) > 0
        if lengths is not None:
            chars = words.characters(lo, hi)
            held &= (chars >= lengths[0]) & (chars <= lengths[1])
        found = np.flatnonzero(held)
        return [
            (words[lo + i], count, place)
            for i, count, place in zip(
                found.tolist(), documents[found].tolist(), firsts[found].tolist(), strict=True
            )
        ]


def _ranks(segments: np.ndarray) -> np.ndarray:
    """Each pair's rank among the pairs of its segment (`segments`: their numbers), in their
    order."""
    order = np.argsort(segments, kind="stable")  # a radix sort, for 16-bit numbers
    counts = np.bincount(segments)
    grouped = segments[order]
    ranks = np.empty(len(segments), dtype=np.int64)
    ranks[order] = np.arange(len(segments)) - (np.cumsum(counts) - counts)[grouped]
    return ranks


class _Loaded:
    """The vocabulary of each index folder a process read, and the file it came from."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_folder: dict[Path, tuple[tuple[int, int], Vocabulary | None]] = {}
        # None: none yet; _NEVER: an index of few segments, or read through the public API
        self.by_reader: weakref.WeakKeyDictionary[IndexReader, Coverage | None] = (
            weakref.WeakKeyDictionary()
        )
        self.tried: weakref.WeakSet[IndexReader] = weakref.WeakSet()  # a build was tried


_LOADED = _Loaded()
_NEVER: Any = object()


def coverage(reader: IndexReader, *, build_if_stale: bool) -> Coverage | None:
    """The vocabulary over `reader`'s segments: loaded from its folder, or (`build_if_stale`)
    built and saved when missing or when many of the segments are unknown to it; None for an
    index of few segments, or read through Whoosh's public API."""
    with _LOADED.lock:
        if reader in _LOADED.by_reader:
            found = _LOADED.by_reader[reader]
            tried = reader in _LOADED.tried  # a build failed for this state: not again
            if found is _NEVER or not build_if_stale or tried or not _stale(found):
                return None if found is _NEVER else found
        leaves = _segments(reader)
        if leaves is None:
            _LOADED.by_reader[reader] = _NEVER
            return None
        folder, ids_and_leaves = leaves
        ids = [segment_id for segment_id, _ in ids_and_leaves]
        documents = [leaf.doc_count_all() for _, leaf in ids_and_leaves]
        vocabulary = _load(folder)
        cover = None if vocabulary is None else Coverage(vocabulary, ids, documents)
        if build_if_stale and _stale(cover):
            _LOADED.tried.add(reader)
            vocabulary = build(ids_and_leaves)
            if vocabulary is not None:
                _save(folder, vocabulary)
                cover = Coverage(vocabulary, ids, documents)
        _LOADED.by_reader[reader] = cover
        return cover


def _stale(cover: Coverage | None) -> bool:
    """Whether the segments the vocabulary does not know are many, or hold many documents
    (read one by one, they cost what the vocabulary saves). Small updates' segments are not:
    building it again after each cost a 30-change update at 10k ~0.2 s; a build's commits are,
    each time the index grows by half (its builds then cost ~3 times the last one)."""
    if cover is None:
        return True
    return len(cover.unknown) > MAX_UNKNOWN or cover.unknown_documents * 3 > cover.documents


def _segments(reader: IndexReader) -> tuple[Path, list[tuple[str, IndexReader]]] | None:
    """The index folder and (segment id, reader) of each segment; None when a vocabulary is not
    worth it or cannot be kept."""
    if not whoosh_formats.fast_reading():
        return None
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    if len(leaves) < MIN_SEGMENTS:
        return None
    found: list[tuple[str, IndexReader]] = []
    folders = set()
    for leaf in leaves:
        segment, folder = leaf.segment(), whoosh_formats.index_folder(leaf)
        if segment is None or folder is None:
            return None
        found.append((segment.segment_id(), leaf))
        folders.add(folder)
    return (folders.pop(), found) if len(folders) == 1 else None


def _load(folder: Path) -> Vocabulary | None:
    path = folder / FILE
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_ino)
    known = _LOADED.by_folder.get(folder)
    if known is not None and known[0] == key:
        return known[1]
    vocabulary = Vocabulary.load(path)
    _LOADED.by_folder[folder] = (key, vocabulary)
    return vocabulary


def _save(folder: Path, vocabulary: Vocabulary) -> None:
    """Save it for later processes; a folder this process may not write keeps none."""
    path = folder / FILE
    try:
        vocabulary.save(path)
        stat = path.stat()
    except OSError:
        return
    _LOADED.by_folder[folder] = ((stat.st_mtime_ns, stat.st_ino), vocabulary)
