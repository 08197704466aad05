"""Phrase matching with numpy: the documents where a phrase's words stand at consecutive positions.

Whoosh's own phrase query (SpanNear2) checks positions one candidate document at a time in
Python, ~450 ms for two words found in every one of 30k posts. Here the words' postings are read
once (the scorer wants them too: the caller caches them), intersected with numpy, the positions of
the candidate documents only are unpickled in one call, and adjacency is checked on arrays.

Positions are those of whoosh3's `Positions` format: per posting, a 4-byte count then a
protocol-2 pickle of the list of position deltas (`Positions.encode`). Any other format, or a
slop other than 1, goes through Whoosh (tests compare the two on multi-segment indexes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np
import whoosh.query as wq
from whoosh.formats import Positions
from whoosh.searching import Searcher

from vidbrowse.core.postings import join_segments, segment_postings

# A (candidate, position) pair as one sortable int64: positions fit far below 2**32.
_SHIFT = 32
# The pickle of a list of position deltas (see `_decode`): protocol 2, empty list, memo 0.
_HEAD = b"\x80\x02]q\x00"
_MARK, _APPEND, _APPENDS, _STOP = b"(ae."  # opcodes, as ints
# Bytes an int opcode takes (K: 1-byte int, M: 2 bytes, J: 4 bytes); 0 for any other opcode.
_WIDTH = np.zeros(256, dtype=np.int64)
_WIDTH[[ord("K"), ord("M"), ord("J")]] = (2, 3, 5)
_SMALLEST = 4 + len(_HEAD) + 2 + 2  # count, head, `K` and a byte, `a.`
_BATCH = 1000  # pickle's APPENDS batch size
_HEAD_BYTES = np.frombuffer(_HEAD, dtype=np.uint8)
_FORMAT = Positions()

Postings = tuple[np.ndarray, np.ndarray]


def phrase_docnums(
    searcher: Searcher, q: wq.Phrase, keep: Callable[[str, Postings], None]
) -> np.ndarray:
    """Sorted docnums (int32) of the live documents matching `q`, as `searcher.docs_for_query`
    finds them. `keep(word, postings)` receives each word's `term_postings`, read on the way."""
    reader = searcher.reader()
    schema = reader.schema
    fast = q.slop == 1 and q.fieldname in schema
    if not fast or type(schema[q.fieldname].format) is not Positions:
        return np.fromiter(searcher.docs_for_query(q), dtype=np.int32)
    words = list(dict.fromkeys(q.words))  # a repeated word is read once
    if any((q.fieldname, w) not in reader for w in words):
        return np.empty(0, dtype=np.int32)
    per_word = [list(segment_postings(reader, q.fieldname, w, values=True)) for w in words]
    for word, segments in zip(words, per_word, strict=True):
        keep(word, join_segments(segments))
    order = [words.index(w) for w in q.words]
    found: list[np.ndarray] = []
    # Every word's segments, by first docnum: a segment lacking a word has no match.
    by_offset = [{s[0]: s for s in segments} for segments in per_word]
    for offset in sorted(set.intersection(*(set(d) for d in by_offset))):
        docs = _segment_matches([d[offset] for d in by_offset], order)
        found.append(docs + offset)
    if not found:
        return np.empty(0, dtype=np.int32)
    return np.concatenate(found).astype(np.int32)


def _segment_matches(
    segments: Sequence[tuple[int, np.ndarray, np.ndarray, np.ndarray | None]], order: list[int]
) -> np.ndarray:
    """Segment docnums where word order[0] is at some position p, order[1] at p + 1, ..."""
    candidates = segments[0][1]
    for _, ids, _, _ in segments[1:]:
        candidates = np.intersect1d(candidates, ids, assume_unique=True)
    if not len(candidates):
        return candidates
    keys = []
    for _, ids, _, values in segments:
        assert values is not None
        picked = values[np.searchsorted(ids, candidates)]
        keys.append(_keys(picked))
    starts = keys[order[0]]
    for step, word in enumerate(order[1:], 1):
        following = keys[word]
        wanted = starts + step
        at = np.minimum(np.searchsorted(following, wanted), len(following) - 1)
        starts = starts[following[at] == wanted]
    return candidates[np.unique(starts >> _SHIFT)]


def _keys(values: np.ndarray) -> np.ndarray:
    """Sorted (index in `values` << _SHIFT | position) of every position the values hold."""
    vals = values.tolist()
    lengths, positions = _decode(vals)
    index = np.repeat(np.arange(len(vals), dtype=np.int64), lengths)
    return (index << _SHIFT) | positions


def _decode(vals: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(positions per value, all positions) of `Positions.encode` values, parsed with numpy:
    unpickling them costs ~0.5 µs each. Each is a 4-byte count, then the pickle of the deltas:
    `\x80\x02]q\x00` + `K`/`M`/`J` + 1/2/4-byte int + `a.` for one delta, `(` + ints + `e.` for
    more (pickle cuts lists of over 1000 into batches). Anything unexpected is unpickled."""
    if not vals:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    sizes = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))
    # Zeros after the end: reading a 4-byte int's bytes past a 1-byte int stays in the buffer.
    buf = np.frombuffer(b"".join(vals) + bytes(4), dtype=np.uint8).astype(np.int64)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    if sizes.min() < _SMALLEST:
        return _unpickle(vals)
    counts = buf[starts] << 24 | buf[starts + 1] << 16 | buf[starts + 2] << 8 | buf[starts + 3]
    head = buf[starts[:, None] + np.arange(4, 4 + len(_HEAD))]
    several = counts > 1
    ptr = starts + len(_HEAD) + 4 + several  # past `(` when there are several
    if (head != _HEAD_BYTES).any() or (buf[ptr - 1][several] != _MARK).any():
        return _unpickle(vals)
    if counts.min() < 1 or counts.max() > _BATCH:
        return _unpickle(vals)
    # One round per delta: every value still holding one reads it and moves on. Most values
    # hold one or two, so the ones still reading are soon few.
    firsts = np.cumsum(counts) - counts
    deltas = np.empty(int(counts.sum()), dtype=np.int64)
    active = np.arange(len(vals))
    for r in range(int(counts.max())):
        active = active[counts[active] > r]
        at = ptr[active]
        width = _WIDTH[buf[at]]
        if not width.all():
            return _unpickle(vals)
        value = buf[at + 1] + (width > 2) * (buf[at + 2] << 8)
        value += (width > 3) * (buf[at + 3] << 16 | buf[at + 4] << 24)
        deltas[firsts[active] + r] = value
        ptr[active] += width
    closing = np.where(several, _APPENDS, _APPEND)
    if (buf[ptr] != closing).any() or (buf[ptr + 1] != _STOP).any() or (ptr + 2 != ends).any():
        return _unpickle(vals)
    # Positions are running sums of the deltas, restarted at each value's first one.
    sums = np.cumsum(deltas)
    positions = sums - np.repeat(sums[firsts] - deltas[firsts], counts)
    return counts, positions


def _unpickle(vals: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    lists = [_FORMAT.decode_positions(v) for v in vals]
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
    return lengths, flat
