"""The positions of a segment's words, in a file of vidbrowse's own beside the segment.

A phrase of common words ("of the", "music video") needs the positions of words found in most
documents; whoosh3 keeps them pickled inside zlib-compressed posting blocks, and unpickling those
blocks was most of a phrase's time (BENCHMARKS.md, "Phrases of common words"). So every segment
also has, for each word of a positions field (of `FREQUENT_POSTINGS` postings or more: every
word), its positions as one sorted array of (document, position) pairs, which numpy reads
without decoding. Listing every word, the file also says a word is NOT in the segment: a phrase
then makes no look-up in the segment's term table (one per word, field and segment, ~20 µs,
was most of a phrase's time on an index of many segments). The bulk builder writes the file
with the segment; Whoosh's own writer's segments (small updates, and every merge: Whoosh writes
a merged segment's postings anew) get theirs from their blocks as the commit closes them, before
the TOC lists them (`commit`). Only a copy: a segment without the file (a damaged one) is read
from its blocks. The file is named after the segment (`MAIN_<id>.vbpos`), so Whoosh deletes it
with the segment.

Layout: MAGIC, the header's length (8 bytes, little-endian), the header (JSON: field → [where
its part starts after the header, its words, the bytes of its blocks' first words, whether it
lists every word of the field, the numpy dtype of a pair]), then each field's part:
- where each block of `_STEP` words starts (and the last ends), as little-endian u8;
- the first word of each block, in UTF-8, NUL between them (what opening a field reads);
- the blocks: each its words' (first pair, pairs) as `_SPAN`s, then its words, sorted, NUL
  between them (a look-up is a binary search on bytes as read: no decoding, no unpickling);
- the (document, position) pairs, little-endian, each 2 bytes when its largest value fits (a
  bulk segment holds at most 25,000 documents: a pair is then 4 bytes), else 4.
A look-up reads one block (kept while the reader lasts) and the word's pairs.
"""

from __future__ import annotations

import bisect
import os
import sys
import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from whoosh.codec.base import Segment
from whoosh.fields import Schema
from whoosh.filedb.filestore import Storage
from whoosh.formats import Positions
from whoosh.reading import IndexReader, SegmentReader

from vidbrowse.core.engine.whoosh_formats import positions
from vidbrowse.core.engine.whoosh_formats.common import UNEXPECTED, note_fallback
from vidbrowse.core.engine.whoosh_formats.terms import term_table

if TYPE_CHECKING:  # writing is for updates only: a search never pays for importing it
    from whoosh.writing import SegmentWriter

MAGIC = b"vbpos\x00\x00\x03"
EXTENSION = ".vbpos"
# A word's positions are copied from this many postings in a field of a segment on (1: every
# word, so the file says which words a segment lacks; tests raise it).
FREQUENT_POSTINGS = 1
# A key: document << SHIFT | position, one sortable int64 (what `keys` gives; phrases and
# postings split them with these).
SHIFT = 32
POSITION = (1 << SHIFT) - 1
_STEP = 64  # words per block
_SPAN = np.dtype([("first", "<u4"), ("count", "<u4")])  # a word's pairs: where, how many
_OFFSET = np.dtype("<u8")
# What a (document, position) pair may be.
_PAIRS = [np.dtype([("doc", d), ("position", p)]) for d in ("<u2", "<u4") for p in ("<u2", "<u4")]
_SEP = b"\x00"  # between the words of a block: never inside a word (such a word is left out)
# Words' pairs are read at once unless that reads this many bytes more than theirs.
_GAP = 65536


def keys(ids: Sequence[int] | np.ndarray, values: list[bytes]) -> np.ndarray:
    """Sorted (document << 32 | position) of a term's postings: ascending `ids` and their
    `Positions.encode` values."""
    return _keys(ids, values)[0]


def _keys(ids: Sequence[int] | np.ndarray, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """`keys`, and how many each posting has."""
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    counts, found = positions.decode_positions(b"".join(values), sizes)
    return (np.repeat(np.asarray(ids, dtype=np.int64), counts) << SHIFT) | found, counts


class Collected:
    """The positions a new segment's file will hold, collected word by word (in term order)
    and decoded at once per field when written: numpy calls per word cost more than the data."""

    def __init__(self) -> None:
        # field → (words, postings per word, ids, values), the last two flat
        self.fields: dict[str, tuple[list[bytes], list[int], list[int], list[bytes]]] = {}
        self.partial: set[str] = set()  # fields with a word left out

    def add(self, fieldname: str, word: bytes, ids: list[int], values: list[bytes]) -> None:
        """Keep a word's postings (`word` in UTF-8): `ids` ascending, `values` as
        `Positions.encode` made them."""
        words, sizes, all_ids, all_values = self.fields.setdefault(fieldname, ([], [], [], []))
        if len(ids) < FREQUENT_POSTINGS or _SEP in word:
            self.partial.add(fieldname)
            return
        words.append(word)
        sizes.append(len(ids))
        all_ids += ids
        all_values += values

    def write(self, storage: Storage, segment: Segment) -> None:
        """Write the segment's file; nothing when no word has enough postings."""
        header: dict[str, list[Any]] = {}
        arrays: list[bytes] = []
        at = 0  # from the end of the header
        for fieldname, (words, sizes, ids, values) in self.fields.items():
            if not words:
                continue
            field_keys, counts = _keys(ids, values)
            if len(field_keys) >= 1 << 32:
                raise ValueError("more positions than a positions file holds")
            docs, places = field_keys >> SHIFT, field_keys & POSITION
            pair = np.dtype([("doc", _width(docs)), ("position", _width(places))])
            pairs = np.empty(len(field_keys), dtype=pair)
            pairs["doc"], pairs["position"] = docs, places
            # Pairs per word: its postings' counts summed.
            postings = np.asarray(sizes, dtype=np.int64)
            per_word = np.add.reduceat(counts, np.cumsum(postings) - postings)
            spans = np.empty(len(words), dtype=_SPAN)
            spans["first"], spans["count"] = np.cumsum(per_word) - per_word, per_word
            order = sorted(range(len(words)), key=words.__getitem__)  # term order, as a rule
            if order != list(range(len(words))):
                words, spans = [words[i] for i in order], spans[order]
            blocks = [
                spans[i : i + _STEP].tobytes() + _SEP.join(words[i : i + _STEP])
                for i in range(0, len(words), _STEP)
            ]
            offsets = np.cumsum([0, *map(len, blocks)], dtype=np.int64).astype(_OFFSET)
            firsts = _SEP.join(words[::_STEP])
            parts = [offsets.tobytes(), firsts, b"".join(blocks), pairs.tobytes()]
            complete = fieldname not in self.partial
            header[fieldname] = [at, len(words), len(firsts), complete, pair.descr]
            arrays += parts
            at += sum(map(len, parts))
        if not header:
            return
        import json  # here, as below: a search without words never reads or writes the file

        head = json.dumps(header, separators=(",", ":")).encode("ascii")
        out = storage.create_file(segment.make_filename(EXTENSION))
        try:
            out.write(MAGIC + len(head).to_bytes(8, "little") + head + b"".join(arrays))
        finally:
            out.close()


def commit(writer: SegmentWriter, **kwargs: Any) -> None:
    """`writer.commit(**kwargs)`, the segment it writes (its documents, and those of the
    segments it merges) given its file before the TOC lists it: no reader ever sees the segment
    without it."""
    finalize = writer._finalize_segment

    def finalized() -> Segment:
        segment = finalize()
        write_from_blocks(writer.storage, writer.schema, segment)
        return segment

    writer._finalize_segment = finalized
    writer.commit(**kwargs)


def write_from_blocks(storage: Storage, schema: Schema, segment: Segment) -> None:
    """Write a closed segment's file from its postings: the words of each positions field,
    their blocks read in bulk. Nothing on bytes the seam
    does not expect: phrases then read the blocks, as for any segment without a file."""
    reader = SegmentReader(storage, schema, segment)
    try:
        table = term_table(reader)
        if table is None:
            return
        collected = Collected()
        for name in schema.names():
            if type(schema[name].format) is not Positions:
                continue
            for term, documents in table.scan(name, "", sys.maxsize, None):
                if documents < FREQUENT_POSTINGS:
                    collected.add(name, term, [], [])  # what it leaves out
                    continue
                blocks = table.blocks(name, term) or []
                values: list[bytes] = []
                for block in blocks:
                    values += positions.block_values(block.uncompressed())
                ids = np.concatenate([block.ids for block in blocks]).tolist()
                collected.add(name, term, ids, values)
    except UNEXPECTED:
        note_fallback()
        return
    finally:
        reader.close()
    collected.write(storage, segment)


def _width(values: np.ndarray) -> str:
    return "<u2" if not len(values) or values.max() < 1 << 16 else "<u4"


class _Field(NamedTuple):
    at: int  # where the field's blocks start in the file
    offsets: np.ndarray  # where each block starts, from `at`, and where the last ends
    firsts: list[bytes]  # the first word of each block
    complete: bool  # every word of the field is listed
    total: int  # words
    pair: np.dtype[Any]
    pairs_at: int
    blocks: dict[int, tuple[list[bytes], np.ndarray]]  # block → (words, spans), once read


class FrequentPositions:
    """One segment's file: the keys of the words it holds, read on demand (the header on
    opening, a field's first words of blocks when a phrase first needs the field, a block of
    words and a word's pairs for a word). The file stays open while the reader lasts: a commit
    in another process may delete it once the segment merges."""

    def __init__(self, storage: Storage, name: str) -> None:
        self._name = name
        self._file = storage.open_file(name)
        self._closer = weakref.finalize(self, self._file.close)
        self._lock = threading.Lock()  # seek + read, in memory; a field's blocks
        start = self._file.read(len(MAGIC) + 8)
        if len(start) < len(MAGIC) + 8 or start[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{name}: not a positions file")
        length = int.from_bytes(start[len(MAGIC) :], "little")
        # field → [where its part starts, words, bytes of first words, complete, pair dtype]
        import json

        self._header: dict[str, list[Any]] = json.loads(self._file.read(length))
        self._data = len(MAGIC) + 8 + length
        self._fields: dict[str, _Field | None] = {}

    def keys(self, fieldname: str, word: str, offset: int = 0) -> np.ndarray | None:
        """The word's sorted (document << 32 | position) in the field, documents counted from
        `offset`, deleted ones included (none: the segment does not have the word there); None
        when the file cannot tell (its blocks hold the answer)."""
        field = self._fields.get(fieldname) or self._opened(fieldname)
        if field is None:
            return None
        key = word.encode("utf-8")
        span = self._span(field, key)
        if span is None:
            return _NONE if field.complete and _SEP not in key else None
        return self._keys(field, span[0], span[1], offset)

    def keys_of(
        self, fieldname: str, words: Sequence[str], offset: int = 0
    ) -> list[np.ndarray | None]:
        """`keys` of each word. Words that lie close together (a prefix's: in term order, so
        are their pairs) are read at once: numpy calls per word cost more than their pairs."""
        field = self._fields.get(fieldname) or self._opened(fieldname)
        if field is None:
            return [None] * len(words)
        found: list[np.ndarray | None] = [None] * len(words)
        spans: list[tuple[int, int, int]] = []  # (i, first pair, pairs)
        for i, word in enumerate(words):
            key = word.encode("utf-8")
            span = self._span(field, key)
            if span is None:
                found[i] = _NONE if field.complete and _SEP not in key else None
            else:
                spans.append((i, *span))
        if len(spans) < 2:
            for i, first, count in spans:
                found[i] = self._keys(field, first, count, offset)
            return found
        size = field.pair.itemsize
        start = min(first for _, first, _ in spans)
        end = max(first + count for _, first, count in spans)
        if (end - start) * size > 2 * size * sum(count for _, _, count in spans) + _GAP:
            runs = [[span] for span in spans]  # far apart: each read alone
        else:
            runs = [spans]
        for run in runs:
            start = min(first for _, first, _ in run)
            end = max(first + count for _, first, count in run)
            keys = self._keys(field, start, end - start, offset)
            for i, first, count in run:
                found[i] = keys[first - start : first - start + count]
        return found

    def _opened(self, fieldname: str) -> _Field | None:
        if fieldname not in self._fields:
            self._fields[fieldname] = self._field(fieldname)
        return self._fields[fieldname]

    def _span(self, field: _Field, key: bytes) -> tuple[int, int] | None:
        """(its first pair, its pairs) of a word (UTF-8) the field lists; None if it does not."""
        block = bisect.bisect_right(field.firsts, key) - 1
        if block >= 0:
            words, spans = self._block(field, block)
            at = bisect.bisect_left(words, key)
            if at < len(words) and words[at] == key:
                first, count = spans[at].tolist()
                return first, count
        return None

    def _keys(self, field: _Field, first: int, count: int, offset: int) -> np.ndarray:
        """The keys of pairs first to first + count, documents counted from `offset`."""
        size = field.pair.itemsize
        pairs = np.frombuffer(self._read(field.pairs_at + first * size, count * size), field.pair)
        docs = pairs["doc"].astype(np.int64)
        if offset:
            docs += offset
        docs <<= SHIFT
        docs |= pairs["position"]
        return docs

    def _field(self, fieldname: str) -> _Field | None:
        """A field's block offsets and first words, in one read; None when the file has no
        such field."""
        if fieldname not in self._header:
            return None
        at, count, firsts_size, complete, descr = self._header[fieldname]
        pair = np.dtype([tuple(part) for part in descr])
        if pair not in _PAIRS or count < 1:
            raise ValueError(f"{self._name}: unexpected header")
        blocks = -(-count // _STEP)
        at += self._data
        size = (blocks + 1) * _OFFSET.itemsize
        data = self._read(at, size + firsts_size)
        offsets = np.frombuffer(data, dtype=_OFFSET, count=blocks + 1).astype(np.int64)
        firsts = data[size:].split(_SEP)
        if len(firsts) != blocks or offsets[0] != 0:  # each block's bounds: when read
            raise ValueError(f"{self._name}: unexpected blocks")
        at += size + firsts_size
        return _Field(at, offsets, firsts, bool(complete), count, pair, at + int(offsets[-1]), {})

    def _block(self, field: _Field, block: int) -> tuple[list[bytes], np.ndarray]:
        found = field.blocks.get(block)
        if found is None:
            start, end = field.offsets[block : block + 2].tolist()
            if not start < end <= field.pairs_at - field.at:
                raise ValueError(f"{self._name}: unexpected block")
            data = self._read(field.at + start, end - start)
            count = min(_STEP, field.total - block * _STEP)
            spans = np.frombuffer(data, dtype=_SPAN, count=count)
            words = data[count * _SPAN.itemsize :].split(_SEP)
            if len(words) != count:
                raise ValueError(f"{self._name}: unexpected block")
            found = field.blocks[block] = (words, spans)
        return found

    def _read(self, start: int, size: int) -> bytes:
        if self._file.is_real:  # one call, no shared file position
            data = os.pread(self._file.fileno(), size, start)
        else:
            with self._lock:
                self._file.seek(start)
                data = self._file.read(size)
        if len(data) != size:
            raise ValueError(f"{self._name}: cut short")
        return data


_NONE = np.empty(0, dtype=np.int64)
_NONE.flags.writeable = False


# Per leaf reader (a segment of an open searcher): its file, read once, or None.
_OPENED: weakref.WeakKeyDictionary[IndexReader, Any] = weakref.WeakKeyDictionary()


def frequent_positions(leaf: IndexReader) -> FrequentPositions | None:
    """The leaf's file of frequent words' positions; None when its segment has none."""
    try:
        return _OPENED[leaf]
    except KeyError:
        pass
    segment, storage = leaf.segment(), leaf.storage()
    found: FrequentPositions | None = None
    if segment is not None and storage is not None:
        name = segment.make_filename(EXTENSION)
        try:
            if storage.file_exists(name):
                found = FrequentPositions(storage, name)
        except (OSError, ValueError):  # damaged or gone: the blocks hold the same positions
            note_fallback()
    _OPENED[leaf] = found
    return found
