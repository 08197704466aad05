"""A fast bulk build of new Whoosh segments, with the same postings as `writer.add_document`.

Why: a plain build spends its time in per-token generator hops through the analyzer chain, in
the posting pool (one tuple per posting, all sorted at commit) and in pickling position lists
(research.md). Here each text field is analysed in one loop (`WordAnalyzer.positions`, cached per
raw token), postings are grouped by term as they come, and the codec's field writer receives
them term by term; two processes each build their own segments, which the caller lists in one
TOC (no merge). This leans on whoosh3 internals (SegmentWriter's per-document and field
writers, `Positions.encode`): whoosh3 is pinned, `supports()` checks the
shapes it relies on, and tests/test_index_build.py builds the same posts both ways and compares
every posting.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import multiprocessing.connection
import struct
import traceback
import zlib
from array import array
from collections.abc import Callable, Sequence
from pickle import dumps
from typing import Any, TypeVar

from whoosh.codec import default_codec
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3TermInfo,
)
from whoosh.fields import FieldType, Schema
from whoosh.formats import Positions
from whoosh.index import FileIndex
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from vidbrowse.core.engine.analysis import WordAnalyzer

Document = dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")
_BLOCK_MAGIC = WHOOSH3_HEADER_MAGIC
_TERMINFO: struct.Struct = W3TermInfo._struct


def _is_fast_text(field: FieldType) -> bool:
    return (
        type(field.format) is Positions
        and field.format.fixed_value_size() is None
        and field.scorable
        and isinstance(getattr(field, "analyzer", None), WordAnalyzer)
    )


def supports(schema: Schema) -> bool:
    """Whether every field is one this builder reproduces exactly: text fields with positions
    and analysis.py's analyzer, or anything without spelling words,
    term vectors or stored values (those go through the field's own `index`)."""
    codec = default_codec()
    # Terms are written without inlining postings in the term table (inlinelimit 1).
    if type(codec) is not W3Codec or codec._inlinelimit > 1:
        return False
    for name in schema.names():
        field = schema[name]
        if field.separate_spelling() or field.vector or field.stored:
            return False
        if isinstance(field.format, Positions) and not _is_fast_text(field):
            return False
    return True


def _no_length(_docnum: int) -> int:
    return 0


@functools.cache
def _stored_length(length: int) -> int:
    return byte_to_length(length_to_byte(length))


def _write_term(
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
    parts = [_BLOCK_MAGIC]
    total_weight = 0.0
    max_weight = 0
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
    terminfo = _TERMINFO.pack(
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


class _SegmentBuilder:
    """One new segment: per-document data written as documents come, postings grouped by
    term in memory and written at `finish()`."""

    def __init__(self, ix: FileIndex) -> None:
        self._writer = SegmentWriter(ix, _lk=False)  # the caller's writer holds the lock
        self._schema = self._writer.schema
        self._analysis: dict[str, WordAnalyzer] = {}
        self._encoders: dict[str, Callable[[list[int]], bytes]] = {}
        for name in self._schema.names():
            field = self._schema[name]
            if _is_fast_text(field):
                self._analysis[name] = field.analyzer
                self._encoders[name] = field.format.encode
        # Text postings: field → word → flat [docnum, frequency, position bytes, …].
        self._text: dict[str, dict[str, list[Any]]] = {name: {} for name in self._analysis}
        # Other postings (the rowid's numeric terms): field → term bytes → flat [docnum,
        # weight, value, …] (a tuple per posting took three times the memory).
        self._other: dict[str, dict[bytes, list[Any]]] = {}
        # Most postings hold one position: their encoded value is shared.
        self._single: list[bytes] = []
        # Field → docnum → length as stored (one byte, lossy) for the documents with words.
        self._lengths: dict[str, dict[int, int]] = {}
        self.docs = 0

    def _one(self, pos: int, encode: Callable[[list[int]], bytes]) -> bytes:
        single = self._single
        while len(single) <= pos:
            single.append(encode([len(single)]))
        return single[pos]

    def add(self, document: Document) -> None:
        """As SegmentWriter.add_document (no boosts, no stored values, no spelling)."""
        writer, schema = self._writer, self._schema
        perdoc = writer.perdocwriter
        docnum = self.docs
        perdoc.start_doc(docnum)
        for name in sorted(document):
            value = document[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            analysis = self._analysis.get(name)
            if analysis is not None:
                terms = self._text[name]
                encode = self._encoders[name]
                for word, plist in analysis.positions(value).items():
                    freq = len(plist)
                    length += freq
                    vbytes = self._one(plist[0], encode) if freq == 1 else encode(plist)
                    postings = terms.get(word)
                    if postings is None:
                        terms[word] = [docnum, freq, vbytes]
                    else:
                        postings += (docnum, freq, vbytes)
            elif field.indexed:
                terms_b = self._other.setdefault(name, {})
                for tbytes, freq, weight, vbytes in field.index(value):
                    if field.scorable:
                        length += freq
                    terms_b.setdefault(tbytes, []).extend((docnum, weight, vbytes))
            perdoc.add_field(name, field, None, length)
            if length:
                self._lengths.setdefault(name, {})[docnum] = _stored_length(length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self.docs += 1

    def finish(self) -> Segment:
        """Write the postings and close the segment's files; the caller lists it in a TOC."""
        writer = self._writer
        writer.docnum = self.docs
        writer._added = True
        writer.perdocwriter.close()
        fw = writer.fieldwriter
        for name in sorted({*self._text, *self._other}):
            field = self._schema[name]
            stored = self._lengths.get(name)
            # What the stored length byte decodes to, as FieldWriter.add_postings reads it back
            # (a field no document gave words has no length column: 0).
            length_of = stored.get if stored is not None else _no_length
            fw.start_field(name, field)
            if name in self._text:
                boost = field.format.field_boost
                terms = self._text[name]
                # UTF-8 keeps code point order: sorting the words sorts their bytes.
                for word in sorted(terms):
                    flat = terms[word]
                    ids = flat[0::3]
                    weights = [freq * boost for freq in flat[1::3]]
                    lengths = [length_of(d) for d in ids]
                    _write_term(fw, word.encode("utf-8"), ids, weights, flat[2::3], lengths)
            else:
                terms_b = self._other[name]
                for tbytes in sorted(terms_b):
                    fw.start_term(tbytes)
                    flat = terms_b[tbytes]
                    for i in range(0, len(flat), 3):
                        docnum, weight, vbytes = flat[i : i + 3]
                        fw.add(docnum, weight, vbytes or b"", length_of(docnum))
                    fw.finish_term()
            fw.finish_field()
        self._text.clear()
        self._other.clear()
        writer._close_segment()
        writer._assemble_segment()
        # Not writer._finish(): it would delete the temporary folder every writer of this index
        # shares; the caller's writer does that when it commits.
        writer.is_closed = True
        return writer.get_segment()

    def cancel(self) -> None:
        # Leftover files of a segment no TOC lists are deleted by the next commit.
        self._writer.is_closed = True


def build_segments(
    ix: FileIndex,
    items: Sequence[T],
    prepare: Callable[[T], tuple[R, Document | None]],
    *,
    max_docs: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[R], list[Segment]]:
    """`prepare` each item (e.g. parse a file) into a result and maybe a document; the
    documents go into new segments of at most `max_docs` each (which bounds the memory the
    grouped postings take). Returns the results in order and the segments."""
    results: list[R] = []
    segments: list[Segment] = []
    builder: _SegmentBuilder | None = None
    try:
        for count, item in enumerate(items, 1):
            result, document = prepare(item)
            results.append(result)
            if document is not None:
                if builder is None:
                    builder = _SegmentBuilder(ix)
                builder.add(document)
                if builder.docs >= max_docs:
                    segments.append(builder.finish())
                    builder = None
            if progress is not None and count % 250 == 0:
                progress(count)
        if builder is not None:
            segments.append(builder.finish())
            builder = None
    except BaseException:
        if builder is not None:
            builder.cancel()
        raise
    return results, segments


class BuildError(Exception):
    """A segment-building process failed; the message holds its traceback."""


def _serve(
    prepare: Callable[[Any], tuple[Any, Document | None]], conn: Any, others: list[Any]
) -> None:
    """A builder process: `build_segments` for each (ix, items, max_docs) received, until None
    or the parent is gone. Sends ("progress", items done) every 250 items, then ("ok", result)
    or ("error", traceback)."""
    # Fork gave us the parent's ends of every pipe: while we hold them, a parent killed
    # mid-build would leave this process blocked forever instead of seeing the pipe break.
    for end in others:
        end.close()
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        ix, items, max_docs = job
        try:
            built = build_segments(
                ix, items, prepare, max_docs=max_docs, progress=lambda n: conn.send(("progress", n))
            )
            report = ("ok", built)
        except BrokenPipeError:
            return  # the parent was killed: nobody is left to tell
        except BaseException as exc:  # reported to the parent, which raises
            report = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            conn.send(report)
        except BrokenPipeError:
            return
        del report, job, ix, items


class Builders:
    """`procs` processes building segments for `build_parallel`, forked once and reused by
    every batch of an update; this process only hands out the shares and collects them. Forked
    before this process's heap grows with the first batch's posts and postings: a child forked
    later maps (and counts in its RSS) all of that, and gets a heap the parent's fragmentation
    left large. Their word caches stay warm from batch to batch. `prepare` reaches them by fork,
    without pickling; each batch's items are pickled to them."""

    def __init__(self, prepare: Callable[[T], tuple[R, Document | None]], procs: int) -> None:
        self.prepare = prepare
        self._workers: list[tuple[Any, Any]] = []
        ctx = multiprocessing.get_context("fork")
        ends: list[Any] = []
        try:
            for _ in range(procs):
                mine, theirs = ctx.Pipe()
                ends.append(mine)
                child = ctx.Process(target=_serve, args=(prepare, theirs, ends), daemon=True)
                child.start()
                theirs.close()
                self._workers.append((child, mine))
        except BaseException:
            self.close(kill=True)
            raise

    @property
    def procs(self) -> int:
        return len(self._workers)

    def build(
        self,
        shares: Sequence[tuple[FileIndex, Sequence[Any], int]],
        progress: Callable[[int], None] | None,
    ) -> list[tuple[list[Any], list[Segment]]]:
        """Each (ix, items, max_docs) job to a worker of its own (no more shares than workers);
        their results, in the order of `shares`. `progress` gets the items done by all."""
        workers = self._workers[: len(shares)]
        for (_, conn), share in zip(workers, shares, strict=True):
            conn.send(share)
        done = [0] * len(workers)
        out: list[Any] = [None] * len(workers)
        waiting = {conn: i for i, (_, conn) in enumerate(workers)}
        while waiting:
            for conn in multiprocessing.connection.wait(list(waiting)):
                i = waiting[conn]
                try:
                    status, value = conn.recv()
                except EOFError:
                    code = workers[i][0].exitcode
                    raise BuildError(f"an index process died (exit code {code})") from None
                if status == "progress":
                    done[i] = value
                    if progress is not None:
                        progress(sum(done))
                    continue
                if status != "ok":
                    raise BuildError(value)
                out[i] = value
                del waiting[conn]
        return out

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers: at once with `kill` (their work is lost anyway: Ctrl-C, a
        failure), else once they finish."""
        for child, conn in self._workers:
            if kill:
                child.terminate()
            else:
                with contextlib.suppress(OSError):
                    conn.send(None)
        for child, conn in self._workers:
            conn.close()
            child.join()
        self._workers = []

    def __enter__(self) -> Builders:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        self.close(kill=kind is not None)


def build_parallel(
    ix: FileIndex,
    items: Sequence[T],
    builders: Builders,
    *,
    max_docs: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[R], list[Segment]]:
    """`build_segments` with the items split into contiguous shares, one per process of
    `builders`. Results and segments come back in item order; `progress` gets the items done.
    On any failure the builders are stopped."""
    step = max(-(-len(items) // max(builders.procs, 1)), 1)
    shares = [(ix, items[i : i + step], max_docs) for i in range(0, len(items), step)]
    if not builders.procs or len(shares) < 2:
        return build_segments(ix, items, builders.prepare, max_docs=max_docs, progress=progress)
    results: list[R] = []
    segments: list[Segment] = []
    try:
        for share_results, share_segments in builders.build(shares, progress):
            results += share_results
            segments += share_segments
    except BaseException:
        builders.close(kill=True)
        raise
    return results, segments


def as_document(document: Document) -> tuple[None, Document]:
    """The `prepare` for items that are documents already."""
    return None, document


def commit(writer: SegmentWriter, segments: Sequence[Segment]) -> None:
    """Commit `writer` (its deletions and any documents it holds) with `segments` listed in the
    new TOC after the existing ones. No merge: merging costs more than building in parallel
    saved (research.md)."""
    writer.commit(mergetype=lambda _writer, existing: [*existing, *segments])


class BulkWriter:
    """A bulk update: deletions through `writer` (a plain writer holding the index's lock),
    new documents as segments built by `build_parallel`, all listed by one commit."""

    def __init__(self, ix: FileIndex, writer: SegmentWriter, *, max_docs: int) -> None:
        self._ix = ix
        self._writer = writer
        self._max_docs = max_docs
        self._segments: list[Segment] = []

    def delete_by_term(self, fieldname: str, text: object) -> None:
        self._writer.delete_by_term(fieldname, text)

    def build(
        self,
        items: Sequence[T],
        builders: Builders,
        progress: Callable[[int], None] | None = None,
    ) -> list[R]:
        """Prepare and index `items` (see build_parallel); their results, in order. `progress`
        gets the count of items done."""
        results, segments = build_parallel(
            self._ix, items, builders, max_docs=self._max_docs, progress=progress
        )
        self._segments += segments
        return results

    def commit(self) -> None:
        commit(self._writer, self._segments)

    def cancel(self) -> None:
        self._writer.cancel()
