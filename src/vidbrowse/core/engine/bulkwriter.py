"""A fast bulk build of new Whoosh segments, with the same postings as `writer.add_document`.

Why: a plain build spends its time in per-token generator hops through the analyzer chain, in
the posting pool (one tuple per posting, all sorted at commit) and in pickling position lists
(docs/measurements.md, "Building an index"). Here each text field is analysed in one loop
(`WordAnalyzer.positions`, cached per raw token), postings are grouped by term as they come,
and the seam around whoosh3's formats (whoosh_formats.segments) writes them term by term;
several processes each build their own segments (builders.py), which the caller lists in one
TOC (no merge). `supports()` checks the
fields it reproduces; the seam's probe checks, once per process, that what it writes reads as
Whoosh's writer's does (else Whoosh's own writer builds the index), and
tests/test_index_build.py builds the same posts both ways and compares every posting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from whoosh.fields import FieldType, Schema
from whoosh.formats import Positions
from whoosh.index import FileIndex
from whoosh.writing import SegmentWriter

from vidbrowse.core.engine.analysis import WordAnalyzer
from vidbrowse.core.engine.whoosh_formats import segments as formats
from vidbrowse.core.engine.whoosh_formats.segments import Segment

Document = dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")


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
    if not formats.codec_supported():
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


_stored_length = functools.cache(formats.stored_length)


class _SegmentBuilder:
    """One new segment: per-document data written as documents come, postings grouped by
    term in memory and written at `finish()`."""

    def __init__(self, ix: FileIndex) -> None:
        self._files = formats.SegmentFiles(ix)
        self._schema = self._files.schema
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
        schema = self._schema
        docnum = self.docs
        fields: list[tuple[str, FieldType, int, object]] = []
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
            if length:
                self._lengths.setdefault(name, {})[docnum] = _stored_length(length)
            column = field.to_column_value(value) if field.column_type else None
            fields.append((name, field, length, column))
        self._files.add_document(docnum, fields)
        self.docs += 1

    def finish(self) -> Segment:
        """Write the postings and close the segment's files; the caller lists it in a TOC."""
        fw = self._files.start_postings(self.docs)
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
                out = formats.TermWriter(fw)
                # UTF-8 keeps code point order: sorting the words sorts their bytes.
                for word in sorted(terms):
                    flat = terms[word]
                    ids = flat[0::3]
                    weights = [freq * boost for freq in flat[1::3]]
                    # A document with words in the field has a length in it.
                    lengths = [self._lengths[name][d] for d in ids]
                    values = flat[2::3]
                    btext = word.encode("utf-8")
                    out.add(btext, ids, weights, values, lengths)
                    self._files.positions.add(name, btext, ids, values)
                out.flush()
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
        return self._files.finish()

    def cancel(self) -> None:
        self._files.cancel()


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
    grouped postings take). Returns the results in order and the segments. `progress` gets the
    items prepared every 250 and when all are (the last segment's postings then written)."""
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
        if progress is not None and len(items) % 250:
            progress(len(items))  # all prepared: what is left is writing the postings
        if builder is not None:
            segments.append(builder.finish())
            builder = None
    except BaseException:
        if builder is not None:
            builder.cancel()
        raise
    return results, segments


def as_document(document: Document) -> tuple[None, Document]:
    """The `prepare` for items that are documents already."""
    return None, document


def commit(writer: SegmentWriter, segments: Sequence[Segment]) -> None:
    """Commit `writer` (its deletions and any documents it holds) with `segments` listed in the
    new TOC after the existing ones. No merge: merging costs more than building in parallel
    saved (docs/measurements.md, "Building an index")."""
    writer.commit(mergetype=lambda _writer, existing: [*existing, *segments])


def adopt(staging: FileIndex, ix: FileIndex, segments: Sequence[Segment]) -> None:
    """Move `segments`, built in the `staging` index's folder, into `ix`'s, for a commit to
    list them. Building them apart keeps them out of reach of `ix`'s commits meanwhile (a
    commit deletes the files of segments its TOC does not list)."""
    formats.move_segments(staging, ix, segments)
