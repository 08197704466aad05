"""The positions of a segment's frequent words, in a file of vidbrowse's own beside the segment.

A phrase of common words ("of the", "music video") needs the positions of words found in most
documents; whoosh3 keeps them pickled inside zlib-compressed posting blocks, and unpickling those
blocks was most of a phrase's time (BENCHMARKS.md, "Phrases of common words"). The bulk builder
also writes, for each word with at least `FREQUENT_POSTINGS` postings in a field of the segment,
its positions as one sorted array of (document, position) pairs, which numpy reads without
decoding. Whoosh's own writer's segments (small updates, and every merge: Whoosh writes a merged
segment's postings anew) get theirs from their blocks as the commit closes them, before the TOC
lists them (`commit`). Only a copy: a segment without the file (an index of an older version
once, a damaged file) or a word not in it is read from its blocks, as before. The file is named
after the segment (`MAIN_<id>.vbpos`), so Whoosh deletes it with the segment.

Layout: MAGIC, the header's length (8 bytes, little-endian), the header (JSON: field → [where
its pairs start in the file, the numpy dtype of a pair, word → [first pair, pairs]]), then each
field's pairs: (document, position), little-endian, each 2 bytes when its largest value fits
(a bulk segment holds at most 25,000 documents: a pair is then 4 bytes), else 4.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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

MAGIC = b"vbpos\x00\x00\x01"
EXTENSION = ".vbpos"
# A word's positions are copied from this many postings in a field of a segment on: below it,
# decoding its blocks costs little (a few hundred µs).
FREQUENT_POSTINGS = 8
_SHIFT = 32
_POSITION = (1 << _SHIFT) - 1
# What a (document, position) pair may be.
_PAIRS = [np.dtype([("doc", d), ("position", p)]) for d in ("<u2", "<u4") for p in ("<u2", "<u4")]


def keys(ids: Sequence[int] | np.ndarray, values: list[bytes]) -> np.ndarray:
    """Sorted (document << 32 | position) of a term's postings: ascending `ids` and their
    `Positions.encode` values."""
    return _keys(ids, values)[0]


def _keys(ids: Sequence[int] | np.ndarray, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """`keys`, and how many each posting has."""
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    counts, found = positions.decode_positions(b"".join(values), sizes)
    return (np.repeat(np.asarray(ids, dtype=np.int64), counts) << _SHIFT) | found, counts


class Collected:
    """The positions a new segment's file will hold, collected word by word (in term order)
    and decoded at once per field when written: numpy calls per word cost more than the data."""

    def __init__(self) -> None:
        # field → (words, postings per word, ids, values), the last two flat
        self.fields: dict[str, tuple[list[str], list[int], list[int], list[bytes]]] = {}

    def add(self, fieldname: str, word: str, ids: list[int], values: list[bytes]) -> None:
        """Keep a word's postings when it has enough: `ids` ascending, `values` as
        `Positions.encode` made them."""
        if len(ids) < FREQUENT_POSTINGS:
            return
        words, sizes, all_ids, all_values = self.fields.setdefault(fieldname, ([], [], [], []))
        words.append(word)
        sizes.append(len(ids))
        all_ids += ids
        all_values += values

    def write(self, storage: Storage, segment: Segment) -> None:
        """Write the segment's file; nothing when no word has enough postings."""
        if not self.fields:
            return
        header: dict[str, list[Any]] = {}
        arrays: list[bytes] = []
        at = 0  # from the end of the header
        for fieldname, (words, sizes, ids, values) in self.fields.items():
            field_keys, counts = _keys(ids, values)
            docs, places = field_keys >> _SHIFT, field_keys & _POSITION
            pair = np.dtype([("doc", _width(docs)), ("position", _width(places))])
            pairs = np.empty(len(field_keys), dtype=pair)
            pairs["doc"], pairs["position"] = docs, places
            # Pairs per word: its postings' counts summed.
            postings = np.asarray(sizes, dtype=np.int64)
            per_word = np.add.reduceat(counts, np.cumsum(postings) - postings).tolist()
            starts = (np.cumsum(per_word) - per_word).tolist()
            spans = {w: [a, n] for w, a, n in zip(words, starts, per_word, strict=True)}
            header[fieldname] = [at, pair.descr, spans]
            arrays.append(pairs.tobytes())
            at += len(arrays[-1])
        head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
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
    """Write a closed segment's file from its postings: the words of each positions field with
    `FREQUENT_POSTINGS` postings or more, their blocks read in bulk. Nothing on bytes the seam
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
                    continue
                blocks = table.blocks(name, term) or []
                values: list[bytes] = []
                for block in blocks:
                    values += positions.block_values(block.uncompressed())
                ids = np.concatenate([block.ids for block in blocks]).tolist()
                collected.add(name, term.decode("utf-8"), ids, values)
    except UNEXPECTED:
        note_fallback()
        return
    finally:
        reader.close()
    collected.write(storage, segment)


def _width(values: np.ndarray) -> str:
    return "<u2" if not len(values) or values.max() < 1 << 16 else "<u4"


class FrequentPositions:
    """One segment's file: the keys of the words it holds, read on demand. The file stays open
    while the reader lasts: a commit in another process may delete it once the segment merges."""

    def __init__(self, storage: Storage, name: str) -> None:
        self._name = name
        self._file = storage.open_file(name)
        self._closer = weakref.finalize(self, self._file.close)
        self._lock = threading.Lock()  # seek + read, in memory
        start = self._file.read(len(MAGIC) + 8)
        if len(start) < len(MAGIC) + 8 or start[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{name}: not a positions file")
        length = int.from_bytes(start[len(MAGIC) :], "little")
        header: dict[str, list[Any]] = json.loads(self._file.read(length))
        data = len(MAGIC) + 8 + length
        # field → (where its pairs start, their dtype, word → [first pair, pairs])
        self._fields = {
            name: (data + at, np.dtype([tuple(part) for part in pair]), spans)
            for name, (at, pair, spans) in header.items()
        }
        if any(field[1] not in _PAIRS for field in self._fields.values()):
            raise ValueError(f"{name}: unexpected pairs")

    def keys(self, fieldname: str, word: str) -> np.ndarray | None:
        """The word's sorted (document << 32 | position) in the field, deleted documents
        included; None when the file does not hold it."""
        field = self._fields.get(fieldname)
        if field is None or word not in field[2]:
            return None
        at, pair, spans = field
        first, count = spans[word]
        start, size = at + first * pair.itemsize, count * pair.itemsize
        if self._file.is_real:  # one call, no shared file position
            data = os.pread(self._file.fileno(), size, start)
        else:
            with self._lock:
                self._file.seek(start)
                data = self._file.read(size)
        if len(data) != size:
            raise ValueError(f"{self._name}: cut short")
        pairs = np.frombuffer(data, dtype=pair)
        return (pairs["doc"].astype(np.int64) << _SHIFT) | pairs["position"]


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
