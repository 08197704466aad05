"""Phrase matching with numpy: the documents where a phrase's words stand at consecutive positions.

Whoosh's own phrase query (SpanNear2) checks positions one candidate document at a time in
Python, ~450 ms for two words found in every one of 30k posts. Here each word's postings are read
once with their values (the scorer wants the postings too: the caller caches them), the documents
holding every word found on a bitmap, the positions of those documents only parsed with numpy, and
adjacency checked on arrays. What is left is mostly unpickling and decompressing the words' blocks.

Positions are those of whoosh3's `Positions` format: per posting, a 4-byte count then a
protocol-2 pickle of the list of position deltas (`Positions.encode`). Any other format, or a
slop other than 1, goes through Whoosh (tests compare the two on multi-segment indexes).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain

import numpy as np
import whoosh.query as wq
from whoosh.formats import Positions
from whoosh.searching import Searcher

from vidbrowse.core.postings import read_postings

# A (candidate, position) pair as one sortable int64: positions fit far below 2**32.
_SHIFT = 32
# How the pickle of a list of position deltas starts (see `_decode`): protocol 2, an empty
# list, memo 0.
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
    docnums, values = [], []
    for word in words:
        ids, weights, vs = read_postings(reader, q.fieldname, word, values=True)
        keep(word, (ids, weights))
        docnums.append(ids)
        values.append(vs)
    # Documents holding every word, marked on a bitmap: linear, where intersect1d sorts.
    holding = np.zeros(reader.doc_count_all(), dtype=np.int32)
    for ids in docnums:
        holding[ids] += 1
    candidates = np.flatnonzero(holding == len(words)).astype(np.int32)
    if not len(candidates):
        return candidates
    # Every position of every word in the candidates, as (candidate index, position) keys.
    keys = [
        _keys(vs[holding[ids] == len(words)]) for ids, vs in zip(docnums, values, strict=True)
    ]
    # Phrase starts: the first word's positions followed by the second word's, and so on.
    starts = keys[words.index(q.words[0])]
    for step, word in enumerate(q.words[1:], 1):
        following = keys[words.index(word)]
        wanted = starts + step
        at = np.minimum(np.searchsorted(following, wanted), len(following) - 1)
        starts = starts[following[at] == wanted]
    # Sorted, so a candidate's matches are together (np.unique's first call imports numpy.ma,
    # ~30 ms).
    matched = starts >> _SHIFT
    return candidates[matched[np.diff(matched, prepend=-1) != 0]]


def _keys(values: np.ndarray) -> np.ndarray:
    """Sorted (index in `values` << _SHIFT | position) of every position the values hold."""
    vals = values.tolist()
    lengths, positions = _decode(vals)
    index = np.repeat(np.arange(len(vals), dtype=np.int64), lengths)
    return (index << _SHIFT) | positions


def _decode(vals: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(positions per value, all positions) of `Positions.encode` values, parsed with numpy:
    unpickling them costs ~0.5 µs each. Each is a 4-byte count, then the pickle of the deltas:
    _HEAD, then `K`/`M`/`J` and a 1/2/4-byte int and `a.` for one delta, or `(`, the ints and
    `e.` for more (pickle cuts lists of over 1000 into batches). Anything else is unpickled."""
    if not vals:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    sizes = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))
    if sizes.min() < _SMALLEST:
        return _unpickle(vals)
    # Zeros after the end: reading a 4-byte int's bytes past a 1-byte int stays in the buffer.
    buf = np.frombuffer(b"".join(vals) + bytes(4), dtype=np.uint8)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    counts = np.zeros(len(vals), dtype=np.int64)
    for i in range(4):
        counts = counts << 8 | buf[starts + i]
    head = buf[starts[:, None] + np.arange(4, 4 + len(_HEAD))]
    several = counts > 1
    ptr = starts + len(_HEAD) + 4 + several  # past `(` when there are several
    if (head != _HEAD_BYTES).any() or (buf[ptr - 1][several] != _MARK).any():
        return _unpickle(vals)
    if counts.min() < 1 or counts.max() > _BATCH:
        return _unpickle(vals)
    # One round per delta: every value still holding one reads its next int. Most hold one,
    # so the first round reads them all and the later ones few.
    firsts = np.cumsum(counts) - counts
    deltas = np.empty(int(counts.sum()), dtype=np.int64)
    reading = np.arange(len(vals))
    for r in range(int(counts.max())):
        if r:
            reading = reading[counts[reading] > r]
        at = ptr[reading]
        width = _WIDTH[buf[at]]
        if not width.all():
            return _unpickle(vals)
        value = buf[at + 1].astype(np.int64)
        for extra in (2, 3, 4):  # the further bytes of 2- and 4-byte ints, little-endian
            longer = np.flatnonzero(width > extra)
            if not len(longer):
                break
            value[longer] |= buf[at[longer] + extra].astype(np.int64) << (8 * (extra - 1))
        deltas[firsts[reading] + r] = value
        ptr[reading] += width
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
