"""Phrase matching with numpy: the documents where a phrase's words stand at consecutive positions.

Whoosh's own phrase query (SpanNear2) checks positions one candidate document at a time in
Python, ~450 ms for two words found in every one of 30k posts. Here each word's postings are read
once with their values (the scorer wants the postings too: the caller caches them), the documents
holding every word found on a bitmap, the positions of those documents only parsed with numpy, and
adjacency checked on arrays. What is left is mostly unpickling and decompressing the words' blocks.
When one word is far rarer than another, the ids and weights are decoded first (`Segment.blocks`)
and only the blocks holding a document with every word are decompressed and unpickled for their
positions: ~30% less time for a rare and a common word at 100k posts. Cutting the positions
straight out of the pickled bytes with numpy was tried: no faster than unpickling whole blocks.

Positions are those of whoosh3's `Positions` format: per posting, a 4-byte count then a
protocol-2 pickle of the list of position deltas (`Positions.encode`). Any other format, or a
slop other than 1, goes through Whoosh (tests compare the two on multi-segment indexes).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from itertools import chain
from typing import NamedTuple

import numpy as np
import whoosh.query as wq
from whoosh.formats import Positions
from whoosh.searching import Searcher

from vidbrowse.core.engine.postings import _UNEXPECTED, Segments, read_postings

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
# A phrase's positions are read block by block when its rarest word is at least this much
# rarer than its commonest: few blocks of the common words then hold a candidate. Otherwise
# nearly all do, and decoding whole blocks at once is cheaper than their ids first.
_SPARSE = 64

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
    # Deleted documents count: 0 only for a word in no segment.
    frequencies = [reader.doc_frequency(q.fieldname, w) for w in words]
    if not min(frequencies):
        return np.empty(0, dtype=np.int32)
    if min(frequencies) * _SPARSE <= max(frequencies):
        try:
            found, postings = _from_blocks(Segments(reader), q, words)
        except _UNEXPECTED:  # a format this does not know: every block read whole, below
            pass
        else:
            for word in words:
                keep(word, postings[word])
            return found
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
    keys = [_keys(vs[holding[ids] == len(words)]) for ids, vs in zip(docnums, values, strict=True)]
    return candidates[_matched(q.words, words, keys)]


def _matched(phrase: list[str], words: list[str], keys: list[np.ndarray]) -> np.ndarray:
    """The candidate indexes where `phrase` stands, from each word's (candidate index <<
    _SHIFT | position) keys, sorted."""
    # Phrase starts: the first word's positions followed by the second word's, and so on.
    starts = keys[words.index(phrase[0])]
    for step, word in enumerate(phrase[1:], 1):
        following = keys[words.index(word)]
        wanted = starts + step
        at = np.minimum(np.searchsorted(following, wanted), len(following) - 1)
        starts = starts[following[at] == wanted]
    # Sorted, so a candidate's matches are together (np.unique's first call imports numpy.ma,
    # ~30 ms).
    matched = starts >> _SHIFT
    return matched[np.diff(matched, prepend=-1) != 0]


def _from_blocks(
    segments: Segments, q: wq.Phrase, words: list[str]
) -> tuple[np.ndarray, dict[str, Postings]]:
    """`phrase_docnums`' documents and each word's postings, from the words' blocks: ids and
    weights decoded for all (the scorer wants them), positions only from the blocks holding a
    candidate, and of the candidates only."""
    found: list[np.ndarray] = []  # the candidates, segment by segment
    held: dict[str, list[Held]] = {w: [] for w in words}
    postings: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {w: ([], []) for w in words}
    term = {w: w.encode("utf-8") for w in words}
    for segment in segments:
        blocks = {w: segment.blocks(q.fieldname, term[w]) for w in words}
        holding = np.zeros(segment.leaf.doc_count_all(), dtype=np.int32)
        deleted = segment.deleted_ids()
        for word, word_blocks in blocks.items():
            if word_blocks is None:
                continue
            ids = np.concatenate([b.ids for b in word_blocks])
            weights = np.concatenate([b.weights for b in word_blocks])
            if len(deleted):
                live = ~np.isin(ids, deleted)
                ids, weights = ids[live], weights[live]
            postings[word][0].append(ids + segment.offset)
            postings[word][1].append(weights)
            holding[ids] += 1
        # Documents holding every word, marked on a bitmap: linear, where intersect1d sorts.
        candidate = holding == len(words)
        candidates = np.flatnonzero(candidate)
        if not len(candidates):
            continue
        before = sum(map(len, found))  # candidates of the segments before
        found.append(candidates + segment.offset)
        for word in words:
            for block in blocks[word] or ():
                wanted = candidate[block.ids]
                if wanted.any():  # else neither decompressed nor parsed
                    index = np.searchsorted(candidates, block.ids[wanted]) + before
                    held[word].append(Held(wanted, index, block.uncompressed()))
    docnums = np.empty(0, dtype=np.int32)
    if found:
        keys = [_word_keys(held[w]) for w in words]
        docnums = np.concatenate(found)[_matched(q.words, words, keys)].astype(np.int32)
    return docnums, {
        w: (
            np.concatenate(ids).astype(np.int32) if ids else np.empty(0, dtype=np.int32),
            np.concatenate(ws).astype(np.float32) if ws else np.empty(0, dtype=np.float32),
        )
        for w, (ids, ws) in postings.items()
    }


class Held(NamedTuple):
    """A block holding candidates: which of its postings, their candidates' indexes, and the
    block's pickled data."""

    wanted: np.ndarray
    index: np.ndarray
    data: bytes


def _word_keys(held: list[Held]) -> np.ndarray:
    """Sorted (candidate index << _SHIFT | position) of a word's positions in the candidates."""
    values = [
        v
        for wanted, _, data in held
        for v, w in zip(pickle.loads(data)[2], wanted.tolist(), strict=True)
        if w
    ]
    if not all(type(v) is bytes for v in values):
        raise ValueError("posting values that are not bytes")
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    counts, positions = _decode(b"".join(values), sizes)
    index = np.repeat(np.concatenate([h.index for h in held]), counts)
    return (index << _SHIFT) | positions


def _keys(values: np.ndarray) -> np.ndarray:
    """Sorted (index in `values` << _SHIFT | position) of every position the values hold."""
    vals = values.tolist()
    sizes = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))
    lengths, positions = _decode(b"".join(vals), sizes)
    index = np.repeat(np.arange(len(vals), dtype=np.int64), lengths)
    return (index << _SHIFT) | positions


def _decode(joined: bytes, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions per value, all positions) of `Positions.encode` values of `sizes` bytes
    joined, parsed with numpy: unpickling them costs ~0.5 µs each. Each is a 4-byte count, then
    the pickle of the deltas: _HEAD, then `K`/`M`/`J` and a 1/2/4-byte int and `a.` for one
    delta, or `(`, the ints and `e.` for more (pickle cuts lists of over 1000 into batches).
    Anything else is unpickled."""
    if not len(sizes):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    if sizes.min() < _SMALLEST:
        return _unpickle(joined, sizes)
    # Zeros after the end: reading a 4-byte int's bytes past a 1-byte int stays in the buffer.
    buf = np.frombuffer(joined + bytes(4), dtype=np.uint8)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    counts = np.zeros(len(sizes), dtype=np.int64)
    for i in range(4):
        counts = counts << 8 | buf[starts + i]
    head = buf[starts[:, None] + np.arange(4, 4 + len(_HEAD))]
    several = counts > 1
    ptr = starts + len(_HEAD) + 4 + several  # past `(` when there are several
    if (head != _HEAD_BYTES).any() or (buf[ptr - 1][several] != _MARK).any():
        return _unpickle(joined, sizes)
    if counts.min() < 1 or counts.max() > _BATCH:
        return _unpickle(joined, sizes)
    # One round per delta: every value still holding one reads its next int. Most hold one,
    # so the first round reads them all and the later ones few.
    firsts = np.cumsum(counts) - counts
    deltas = np.empty(int(counts.sum()), dtype=np.int64)
    reading = np.arange(len(sizes))
    for r in range(int(counts.max())):
        if r:
            reading = reading[counts[reading] > r]
        at = ptr[reading]
        width = _WIDTH[buf[at]]
        if not width.all():
            return _unpickle(joined, sizes)
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
        return _unpickle(joined, sizes)
    # Positions are running sums of the deltas, restarted at each value's first one.
    sums = np.cumsum(deltas)
    positions = sums - np.repeat(sums[firsts] - deltas[firsts], counts)
    return counts, positions


def _unpickle(joined: bytes, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ends = np.cumsum(sizes).tolist()
    vals = [joined[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    lists = [_FORMAT.decode_positions(v) for v in vals]
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
    return lengths, flat
