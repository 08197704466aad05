"""Writing a whoosh3 segment: per-document data as documents come, then postings term by term.

SegmentWriter's per-document and field writers do the writing; what this adds is a term's
blocks, term info and term table row made directly and written in bulk (`TermWriter`), and the
steps that close a segment without committing it, so several processes can each build
segments that one commit lists. `tests/test_index_build.py` compares every file byte by byte
with Whoosh's writer's.
"""

from __future__ import annotations

import os
import zlib
from array import array
from collections.abc import Sequence
from pickle import dumps

from whoosh.codec import default_codec
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, W3Codec, W3FieldWriter
from whoosh.fields import FieldType, Schema
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.index import FileIndex
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from vidbrowse.core.engine.whoosh_formats import frequent
from vidbrowse.core.engine.whoosh_formats.common import BLOCK_MAGIC, EXTENT, ROW, TERMINFO

__all__ = [
    "Segment",
    "SegmentFiles",
    "TermWriter",
    "codec_supported",
    "move_segments",
    "stored_length",
]


def codec_supported() -> bool:
    """Whether the codec writes as `TermWriter` does: whoosh3's, with postings never inlined in
    the term table (inlinelimit 1)."""
    codec = default_codec()
    return type(codec) is W3Codec and codec._inlinelimit <= 1


def stored_length(length: int) -> int:
    """A field length as a segment keeps it (one byte, lossy) and reads it back."""
    return byte_to_length(length_to_byte(length))


class SegmentFiles:
    """A new segment's files, written outside the index's write lock (the caller's writer holds
    it, and lists the segment in its commit)."""

    def __init__(self, ix: FileIndex) -> None:
        self._writer = SegmentWriter(ix, _lk=False)
        self.schema: Schema = self._writer.schema
        self._perdoc = self._writer.perdocwriter
        self._fields: W3FieldWriter = self._writer.fieldwriter
        self.positions = frequent.Collected()  # for the file of frequent words' positions

    def add_document(
        self,
        docnum: int,
        fields: list[tuple[str, FieldType, int, object]],
    ) -> None:
        """One document's per-document data: each (name, field, length, column value or None),
        in name order."""
        perdoc = self._perdoc
        perdoc.start_doc(docnum)
        for name, field, length, column_value in fields:
            perdoc.add_field(name, field, None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, column_value)
        perdoc.finish_doc()

    def start_postings(self, docs: int) -> W3FieldWriter:
        """Close the per-document data of `docs` documents; the field writer for the postings,
        field by field in name order."""
        self._writer.docnum = docs
        self._writer._added = True
        self._perdoc.close()
        return self._fields

    def finish(self) -> Segment:
        """Close the segment's files; the segment, for the caller's TOC."""
        writer = self._writer
        writer._close_segment()
        writer._assemble_segment()
        # Not writer._finish(): it would delete the temporary folder every writer of this index
        # shares; the caller's writer does that when it commits.
        writer.is_closed = True
        segment = writer.get_segment()
        # After the compound file is assembled: the positions file stays apart.
        self.positions.write(writer.storage, segment)
        return segment

    def cancel(self) -> None:
        # Leftover files of a segment no TOC lists are deleted by the next commit.
        self._writer.is_closed = True


def move_segments(source: FileIndex, target: FileIndex, segments: Sequence[Segment]) -> None:
    """Move the files of `segments` (named for the segment's id) from `source`'s folder into
    `target`'s, on the same file system."""
    src, dst = source.storage.folder, target.storage.folder
    names = os.listdir(src)
    for segment in segments:
        prefix = segment.segment_id() + "."
        for name in names:
            if name.startswith(prefix):
                os.replace(os.path.join(src, name), os.path.join(dst, name))


class TermWriter:
    """A field's terms written as `fw.start_term(btext)`, one `fw.add(...)` per posting and
    `fw.finish_term()` write them (W3PostingsWriter's blocks, W3TermInfo, the term table row),
    made directly and in bulk: most terms have one or two postings, and the codec's per-term
    method calls, `tell()`s and writes cost more than the data. The blocks and rows of many
    terms are joined and written at once (`flush`, also when the field is done). For postings
    of a positions format (values never empty) in a field with lengths (never 0); nothing else
    may write to the segment's postings or term files until `flush`."""

    def __init__(self, fw: W3FieldWriter) -> None:
        pw = fw._postwriter
        self._limit, self._compression = pw._blocklimit, pw._compression
        self._postfile = pw._postfile
        self._table: OrderedHashWriter = fw._tindex
        self._prefix = pack_ushort(fw._fieldid)
        self._offset = self._postfile.tell()  # where the next term's blocks go
        self._postings: list[bytes] = []
        self._buffered = 0  # bytes in _postings
        self._rows: list[tuple[bytes, bytes]] = []  # (key, value) of the term table

    def add(
        self,
        btext: bytes,
        ids: list[int],
        weights: list[float],
        values: list[bytes],
        lengths: list[int],
    ) -> None:
        if len(ids) == 1:  # most terms: the same bytes with less work
            self._add_one(btext, ids[0], weights[0], values[0], lengths[0])
            return
        limit, compression = self._limit, self._compression
        parts = [BLOCK_MAGIC]
        total_weight = 0.0
        max_weight = 0.0
        count = len(ids)
        for start in range(0, count, limit):
            end = start + limit
            block_ids = ids[start:end]
            block_weights = weights[start:end]
            block_lengths = lengths[start:end]
            stored_weights = array("f", block_weights)  # what the block keeps: float32
            total_weight += sum(stored_weights)
            block_max = max(0, *block_weights)
            max_weight = max(max_weight, block_max)
            deltas = tuple(b - a for a, b in zip([0, *block_ids], block_ids, strict=False))
            if all(w == 1.0 for w in stored_weights):
                mini: object = None
            elif all(w == stored_weights[0] for w in stored_weights):
                mini = stored_weights[0]
            else:
                mini = tuple(stored_weights)
            data = dumps((deltas, mini, tuple(values[start:end])), 2)
            level = compression if len(data) >= COMPRESSION_MIN_SIZE else 0
            if level:
                data = zlib.compress(data, level)
            info = dumps(
                (
                    len(block_ids),
                    block_ids[-1],
                    block_max,
                    level,
                    length_to_byte(min(block_lengths)),
                    length_to_byte(max(block_lengths)),
                ),
                2,
            )
            size = len(info) + len(data)
            parts += (pack_int(-size if end >= count else size), info, data)
        postings = b"".join(parts)
        terminfo = TERMINFO.pack(
            False,
            total_weight,
            count,
            length_to_byte(min(lengths)),
            length_to_byte(max(lengths)),
            max_weight,
            ids[0],
            ids[-1],
        )
        self._put(btext, postings, terminfo)

    def _add_one(self, btext: bytes, docnum: int, weight: float, value: bytes, length: int) -> None:
        """`add` of a term with one posting."""
        stored = array("f", (weight,))[0]  # what the block keeps: float32
        data = dumps(((docnum,), None if stored == 1.0 else stored, (value,)), 2)
        level = self._compression if len(data) >= COMPRESSION_MIN_SIZE else 0
        if level:
            data = zlib.compress(data, level)
        length_byte = length_to_byte(length)
        block_max = max(0, weight)
        info = dumps((1, docnum, block_max, level, length_byte, length_byte), 2)
        size = len(info) + len(data)
        postings = b"".join((BLOCK_MAGIC, pack_int(-size), info, data))
        terminfo = TERMINFO.pack(
            False, 0.0 + stored, 1, length_byte, length_byte, max(0.0, block_max), docnum, docnum
        )
        self._put(btext, postings, terminfo)

    def _put(self, btext: bytes, postings: bytes, terminfo: bytes) -> None:
        extent = EXTENT.pack(self._offset, len(postings))
        self._offset += len(postings)
        self._postings.append(postings)
        self._buffered += len(postings)
        self._rows.append((self._prefix + btext, terminfo + extent))
        if len(self._rows) >= FLUSH_TERMS or self._buffered >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the terms added since the last flush."""
        self._postfile.write(b"".join(self._postings))
        self._postings.clear()
        self._buffered = 0
        _add_rows(self._table, self._rows)
        self._rows.clear()


# TermWriter writes what it holds past this many terms or bytes of postings.
FLUSH_TERMS = 4096
FLUSH_BYTES = 1 << 20


def _add_rows(table: OrderedHashWriter, rows: list[tuple[bytes, bytes]]) -> None:
    """`table.add(key, value)` for each row (keys increasing), in one write."""
    if not rows:
        return
    dbfile = table.dbfile
    position = dbfile.tell()
    hashfn, buckets, last = table.hashfn, table.buckets, table.lastkey
    positions: list[int] = []
    chunks: list[bytes] = []
    for key, value in rows:
        if key <= last:
            raise ValueError(f"Keys must increase: {last!r}..{key!r}")
        positions.append(position)
        chunks += (ROW.pack(len(key), len(value)), key, value)
        h = hashfn(key)
        buckets[h & 255].append((h, position))
        position += ROW.size + len(key) + len(value)
        last = key
    dbfile.write(b"".join(chunks))
    table.lastkey = last
    index = table.index  # a GrowableArray: widens its type for large positions
    if isinstance(index.array, array):
        try:
            index.array.extend(array(index.array.typecode, positions))
            return
        except OverflowError:
            pass
    index.extend(positions)
