"""Writing a whoosh3 segment: per-document data as documents come, then postings term by term.

SegmentWriter's per-document and field writers do the writing; what this adds is a term's
blocks, term info and term table row made directly (`write_term`), and the steps that close a
segment without committing it, so several processes can each build segments that one commit
lists. `tests/test_index_build.py` compares every file byte by byte with Whoosh's writer's.
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
from whoosh.index import FileIndex
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from vidbrowse.core.engine.whoosh_formats import frequent
from vidbrowse.core.engine.whoosh_formats.common import BLOCK_MAGIC, TERMINFO

__all__ = [
    "Segment",
    "SegmentFiles",
    "codec_supported",
    "move_segments",
    "stored_length",
    "write_term",
]


def codec_supported() -> bool:
    """Whether the codec writes as `write_term` does: whoosh3's, with postings never inlined in
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


def write_term(
    fw: W3FieldWriter,
    btext: bytes,
    ids: list[int],
    weights: list[float],
    values: list[bytes],
    lengths: list[int],
) -> None:
    """The bytes `fw.start_term(btext)`, one `fw.add(...)` per posting and `fw.finish_term()`
    write (W3PostingsWriter's blocks, W3TermInfo, the term table row), made directly: most terms
    have one or two postings, and the codec's per-term method calls cost more than the data.
    For postings of a positions format (values never empty) in a field with lengths (never 0)."""
    pw = fw._postwriter
    limit, compression = pw._blocklimit, pw._compression
    postfile = pw._postfile
    offset = postfile.tell()
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
    postfile.write(b"".join(parts))
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
    extent = pack_long(offset) + pack_int(postfile.tell() - offset)
    fw._tindex.add(pack_ushort(fw._fieldid) + btext, terminfo + extent)
