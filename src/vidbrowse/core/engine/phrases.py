"""Phrase matching with numpy: the documents where a phrase's words stand at consecutive positions.

Whoosh's own phrase query (SpanNear2) checks positions one candidate document at a time in
Python, ~450 ms for two words found in every one of 30k posts. Here each word's postings are read
once with their values (the scorer wants the postings too: the caller caches them), the documents
holding every word found on a bitmap, the positions of those documents only parsed with numpy, and
adjacency checked on arrays. What is left is mostly unpickling and decompressing the words' blocks.
When one word is far rarer than another, the ids and weights are decoded first
(`SegmentPostings.blocks`) and only the blocks holding a document with every word are
decompressed and unpickled for their positions: ~30% less time for a rare and a common word at
100k posts.

Positions are those of whoosh3's `Positions` format, decoded by the seam (whoosh_formats). Any
other format, or a slop other than 1, goes through Whoosh (tests compare the two on
multi-segment indexes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import whoosh.query as wq
from whoosh.formats import Positions
from whoosh.searching import Searcher

from vidbrowse.core.engine import whoosh_formats
from vidbrowse.core.engine.postings import PostingSources, read_postings

# A (candidate, position) pair as one sortable int64: positions fit far below 2**32.
_SHIFT = 32
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
    # Blocks come from whoosh3's files: only when the seam reads them.
    if min(frequencies) * _SPARSE <= max(frequencies) and whoosh_formats.fast_reading():
        try:
            found, postings = _from_blocks(PostingSources(reader), q, words)
        except whoosh_formats.UNEXPECTED:  # a format it does not know: whole blocks, below
            whoosh_formats.note_fallback()
        else:
            for word in words:
                keep(word, postings[word])
            return found
    docnums, values = [], []
    for word in words:
        ids, weights, vs = read_postings(reader, q.fieldname, word, values=True)
        assert vs is not None  # asked for
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
    segments: PostingSources, q: wq.Phrase, words: list[str]
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
    candidate_index: np.ndarray  # (a field named `index` would hide tuple.index)
    data: bytes


def _word_keys(held: list[Held]) -> np.ndarray:
    """Sorted (candidate index << _SHIFT | position) of a word's positions in the candidates."""
    values = [
        v
        for wanted, _, data in held
        for v, w in zip(whoosh_formats.block_values(data), wanted.tolist(), strict=True)
        if w
    ]
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    counts, positions = whoosh_formats.decode_positions(b"".join(values), sizes)
    index = np.repeat(np.concatenate([h.candidate_index for h in held]), counts)
    return (index << _SHIFT) | positions


def _keys(values: np.ndarray) -> np.ndarray:
    """Sorted (index in `values` << _SHIFT | position) of every position the values hold."""
    vals = values.tolist()
    sizes = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))
    lengths, positions = whoosh_formats.decode_positions(b"".join(vals), sizes)
    index = np.repeat(np.arange(len(vals), dtype=np.int64), lengths)
    return (index << _SHIFT) | positions
