"""Phrase matching with numpy: the documents where a phrase's words stand at consecutive positions.

Whoosh's own phrase query (SpanNear2) checks positions one candidate document at a time in
Python, ~450 ms for two words found in every one of 30k posts. Here each word's postings are read
once, segment by segment (the scorer wants them too: the caller caches them), the documents
holding every word found on a bitmap, the positions of those documents only taken, and adjacency
checked on arrays. A segment's words have their positions in a file of their own
(whoosh_formats/frequent.py, written with every segment, bulk or merged), read as one array, and
a word the file says the segment lacks costs no look-up; any other word's come from the blocks
holding a candidate, decompressed and unpickled. Unpickling the blocks of words like "the" was
most of a phrase's time before (BENCHMARKS.md).

Positions are those of whoosh3's `Positions` format, decoded by the seam (whoosh_formats). Any
other format, or a slop other than 1, goes through Whoosh (tests compare the two on
multi-segment indexes).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import whoosh.query as wq
from whoosh.formats import Positions
from whoosh.searching import Searcher

from vidbrowse.core.engine import whoosh_formats
from vidbrowse.core.engine.postings import PostingSources, SegmentPostings, read_postings

# A (document or candidate, position) pair as one sortable int64, as the positions files key them.
_SHIFT, _POSITION = whoosh_formats.KEY_SHIFT, whoosh_formats.KEY_POSITION

Postings = tuple[np.ndarray, np.ndarray]


def phrase_docnums(
    searcher: Searcher,
    q: wq.Phrase,
    keep: Callable[[str, Postings], None],
    known: dict[str, Postings] | None = None,
) -> np.ndarray:
    """Sorted docnums (int32) of the live documents matching `q`, as `searcher.docs_for_query`
    finds them. `keep(word, postings)` receives each word's postings (`PostingSources.postings`),
    read on the way. `known`: every word's postings, when the caller has them (its cache): the
    documents holding every word are then found first, and positions read only in the segments
    holding one (none at all when no document holds every word)."""
    reader = searcher.reader()
    schema = reader.schema
    fast = q.slop == 1 and q.fieldname in schema
    if not fast or type(schema[q.fieldname].format) is not Positions:
        return np.fromiter(searcher.docs_for_query(q), dtype=np.int32)
    words = list(dict.fromkeys(q.words))  # a repeated word is read once
    # Blocks and files of positions come from whoosh3's files: only when the seam reads them.
    if whoosh_formats.fast_reading():
        try:
            boost = schema[q.fieldname].format.field_boost
            found, postings = _by_segment(PostingSources(reader), q, words, boost, known)
        except whoosh_formats.UNEXPECTED:  # a format it does not know: the public way, below
            whoosh_formats.note_fallback()
        else:
            for word in words:
                keep(word, postings[word])
            return found
    # Deleted documents count: 0 only for a word in no segment.
    if not min(reader.doc_frequency(q.fieldname, w) for w in words):
        return np.empty(0, dtype=np.int32)
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
        if not len(following):
            return np.empty(0, dtype=np.int64)
        wanted = starts + step
        at = np.minimum(np.searchsorted(following, wanted), len(following) - 1)
        starts = starts[following[at] == wanted]
    # Sorted, so a candidate's matches are together (np.unique's first call imports numpy.ma,
    # ~30 ms).
    matched = starts >> _SHIFT
    return matched[np.diff(matched, prepend=-1) != 0]


def _by_segment(
    segments: PostingSources,
    q: wq.Phrase,
    words: list[str],
    boost: float,
    known: dict[str, Postings] | None,
) -> tuple[np.ndarray, dict[str, Postings]]:
    """`phrase_docnums`' documents and each word's postings (`known`, when given). A word a
    segment's file of frequent words' positions holds is read from it alone: its documents,
    their frequencies (times the field's `boost`: the postings' weights) and positions, the
    segments' files taken together (numpy calls per segment cost more than the data). Any
    other word's ids and weights are decoded from its blocks, and its positions from the
    blocks holding a candidate only. With `known` postings the candidates come first: only the
    segments holding one are read."""
    count = sum(segment.leaf.doc_count_all() for segment in segments)
    reading = list(enumerate(segments))
    if known is not None:
        # Documents holding every word; their positions hold the only matches.
        candidate = _holding_every([known[word][0] for word in words], count)
        reading = [
            (place, segment)
            for place, segment in reading
            if candidate[segment.offset : segment.offset + segment.leaf.doc_count_all()].any()
        ]
        if not reading:
            return np.empty(0, dtype=np.int32), known
    term = {w: w.encode("utf-8") for w in words}
    live = np.ones(count, dtype=bool)
    copied: dict[str, list[np.ndarray]] = {w: [] for w in words}  # keys, over all documents
    read: dict[str, list[tuple[SegmentPostings, list[whoosh_formats.Block]]]] = {
        w: [] for w in words
    }
    pieces: dict[str, list[Postings]] = {w: [] for w in words}  # from blocks
    visits = {w: segments.visits(q.fieldname, w) for w in words}  # None: every segment
    for place, segment in reading:
        positions = whoosh_formats.frequent_positions(segment.leaf)
        deleted = segment.deleted_mask()
        if deleted is not None:
            live[segment.offset : segment.offset + len(deleted)] = ~deleted
        for word in words:
            if (visit := visits[word]) is not None and place not in visit:
                continue
            keys = None if positions is None else positions.keys(q.fieldname, word, segment.offset)
            if keys is not None:
                copied[word].append(keys)
                continue
            blocks = segment.blocks(q.fieldname, term[word])
            if blocks is None:
                continue
            read[word].append((segment, blocks))
            if known is None:
                ids = np.concatenate([b.ids for b in blocks])
                weights = np.concatenate([b.weights for b in blocks]).astype(np.float32)
                if deleted is not None:
                    ids, weights = ids[~deleted[ids]], weights[~deleted[ids]]
                pieces[word].append((ids + segment.offset, weights))
    keys_of: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # (keys, their documents)
    for word in words:
        keys = np.concatenate(copied[word]) if copied[word] else np.empty(0, dtype=np.int64)
        docs = keys >> _SHIFT
        if known is None and not live.all():  # else: deleted documents are no candidates
            keys, docs = keys[live[docs]], docs[live[docs]]
        keys_of[word] = keys, docs
        if known is None and len(keys):
            ids, counts = _documents(docs)
            pieces[word].append((ids, (counts * boost).astype(np.float32)))
    postings = known
    if postings is None:
        postings = {word: _joined(pieces[word]) for word in words}
    if not any(read.values()):
        # Every word's positions from the files: their keys matched as they are (a word's key
        # + 1 is the next word's), not first narrowed to the candidates (those passes over
        # each word's keys were ~40% of a phrase of common words at a million posts).
        found = _matched(q.words, words, [keys for keys, _ in keys_of.values()])
        return (found if live.all() else found[live[found]]).astype(np.int32), postings
    if known is None:
        candidate = _holding_every([postings[word][0] for word in words], count)
    candidates = np.flatnonzero(candidate)
    if not len(candidates):
        return np.empty(0, dtype=np.int32), postings
    # A candidate document's index among the candidates: one look-up a key, not a search.
    index_of = np.cumsum(candidate) - 1
    joined: list[np.ndarray] = []
    for word in words:
        keys, docs = keys_of[word]
        parts = [keys[candidate[docs]]]
        for segment, blocks in read[word]:
            window = candidate[segment.offset : segment.offset + segment.leaf.doc_count_all()]
            parts.append(_block_keys(blocks, window) + (segment.offset << _SHIFT))
        keys = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if len(parts) > 1 and len(parts[0]):  # from files and blocks: in document order
            keys.sort()
        # (document, position) → (candidate index, position)
        joined.append((index_of[keys >> _SHIFT] << _SHIFT) | (keys & _POSITION))
    docnums = candidates[_matched(q.words, words, joined)].astype(np.int32)
    return docnums, postings


def _holding_every(docnums: list[np.ndarray], count: int) -> np.ndarray:
    """Whether each of `count` documents is in every one of `docnums` (each without repeats),
    marked on a bitmap: linear, where intersect1d sorts."""
    holding = np.zeros(count, dtype=np.int32)
    for ids in docnums:
        holding[ids] += 1
    return holding == len(docnums)


def _joined(pieces: list[Postings]) -> Postings:
    """One word's postings from pieces (of segments' blocks, and of the files of positions),
    in document order, compact (these arrays are what the cache holds)."""
    if not pieces:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
    ids = np.concatenate([p[0] for p in pieces]).astype(np.int32)
    weights = np.concatenate([p[1] for p in pieces]).astype(np.float32)
    if len(pieces) > 1 and (np.diff(ids) < 0).any():
        order = np.argsort(ids, kind="stable")
        ids, weights = ids[order], weights[order]
    return ids, weights


def _documents(docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the documents, how many times each occurs) of sorted document numbers, not empty."""
    first = np.empty(len(docs), dtype=bool)
    first[0] = True
    np.not_equal(docs[1:], docs[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.empty(len(starts), dtype=np.int64)
    counts[:-1] = starts[1:] - starts[:-1]
    counts[-1] = len(docs) - starts[-1]
    return docs[starts], counts


def _block_keys(blocks: list[whoosh_formats.Block], candidate: np.ndarray) -> np.ndarray:
    """Sorted (document << _SHIFT | position) of a word's positions in the candidate documents,
    from its blocks: only those holding a candidate are decompressed and unpickled."""
    ids: list[np.ndarray] = []
    values: list[bytes] = []
    for block in blocks:
        wanted = candidate[block.ids]
        if wanted.any():
            block_values = whoosh_formats.block_values(block.uncompressed())
            values += [v for v, w in zip(block_values, wanted.tolist(), strict=True) if w]
            ids.append(block.ids[wanted])
    if not ids:
        return np.empty(0, dtype=np.int64)
    return whoosh_formats.position_keys(np.concatenate(ids), values)


def _keys(values: np.ndarray) -> np.ndarray:
    """Sorted (index in `values` << _SHIFT | position) of every position the values hold."""
    vals = values.tolist()
    sizes = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))
    lengths, positions = whoosh_formats.decode_positions(b"".join(vals), sizes)
    index = np.repeat(np.arange(len(vals), dtype=np.int64), lengths)
    return (index << _SHIFT) | positions
