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

import pickle
from collections.abc import Callable
from itertools import chain
from typing import NamedTuple

import numpy as np
import whoosh.query as wq
from whoosh.formats import Positions
from whoosh.searching import Searcher

from vidbrowse.core.postings import _UNEXPECTED, Block, Segments, read_postings

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
# Opcodes of a block's pickled values (see `_pickled_values`).
_FIRST = b"(c_codecs\nencode\nq"  # MARK, the global, BINPUT (then the memo, 1 byte)
_LATIN1 = b"X\x06\x00\x00\x00latin1q"  # BINUNICODE "latin1", BINPUT
_BINGET, _LONG_BINGET, _BINUNICODE, _TUPLE2, _REDUCE, _TUPLE = b"hjX\x86Rt"
# Bytes a memo opcode takes (BINPUT: 1-byte index, LONG_BINPUT: 4 bytes); 0 for any other.
_MEMO = np.zeros(256, dtype=np.int64)
_MEMO[[ord("q"), ord("r")]] = (2, 5)
_MEMO_WIDTH = {ord("q"): 2, ord("r"): 5}
_LATIN1_BYTES = np.frombuffer(_LATIN1, dtype=np.uint8)

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
    try:
        found, postings = _from_blocks(Segments(reader), q, words)
    except _UNEXPECTED:  # a format this does not know: values unpickled whole, below
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
                    held[word].append(Held(block, wanted, index, block.uncompressed()))
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

    block: Block
    wanted: np.ndarray
    index: np.ndarray
    data: bytes


def _word_keys(held: list[Held]) -> np.ndarray:
    """Sorted (candidate index << _SHIFT | position) of a word's positions in the candidates.
    Blocks whose values' start is known are parsed at once; the others (small ones, or all if
    their bytes are unexpected) unpickled."""
    parsed = [h for h in held if h.block.values_at >= 0]
    found = _pickled_values(parsed) if parsed else None
    keys = [] if found is None else [_keys_of(found, parsed)]
    unpickled = held if found is None else [h for h in held if h.block.values_at < 0]
    if unpickled:
        keys.append(_keys_of(_unpickled_values(unpickled), unpickled))
    return keys[0] if len(keys) == 1 else np.sort(np.concatenate(keys))


def _keys_of(values: tuple[bytes, np.ndarray], held: list[Held]) -> np.ndarray:
    counts, positions = _decode(*values)
    index = np.repeat(np.concatenate([h.index for h in held]), counts)
    return (index << _SHIFT) | positions


def _unpickled_values(held: list[Held]) -> tuple[bytes, np.ndarray]:
    """(joined, sizes) of the values of the blocks' postings each mask marks, unpickled."""
    values = [
        v
        for _, wanted, _, data in held
        for v, w in zip(pickle.loads(data)[2], wanted.tolist(), strict=True)
        if w
    ]
    if not all(type(v) is bytes for v in values):
        raise ValueError("posting values that are not bytes")
    return b"".join(values), np.fromiter(map(len, values), dtype=np.int64, count=len(values))


def _pickled_values(held: list[Held]) -> tuple[bytes, np.ndarray] | None:
    """(joined, sizes) of the values of the blocks' postings each mask marks, cut from the
    blocks' pickled data, all blocks at once; None where the bytes are not as expected.
    Protocol 2 pickles a bytes value as the call `_codecs.encode(its latin-1 text, "latin1")`:
    the first, after `(`, as the global `_codecs encode` (memo g), the text (`X`, a 4-byte
    length, UTF-8), "latin1" (memo l), TUPLE2, REDUCE; the next ones as `h` g, the text, `h` l,
    TUPLE2, REDUCE; a value pickled before as `h`/`j` and its memo. Each text, tuple and call is
    memoised (`q` and 1 byte, `r` and 4 past 255). The texts are found with numpy, then checked
    to follow each other, so that none was found inside another."""
    datas: list[bytes] = []
    firsts: list[int] = []
    gs: list[int] = []
    base = 0
    for block, _, _, data in held:
        at = block.values_at + _MEMO_WIDTH.get(data[block.values_at], 0)  # the weights' memo
        first = at + len(_FIRST) + 1  # the first text's `X`
        if data[at : at + len(_FIRST)] != _FIRST or data[first : first + 1] != b"X":
            return None
        datas.append(data)
        firsts.append(base + first)
        gs.append(data[first - 1])
        base += len(data)
    size = base
    joined = b"".join(datas)
    buf = np.frombuffer(joined + bytes(32), dtype=np.uint8)  # zeros: no opcode
    lengths_of = np.fromiter(map(len, datas), dtype=np.int64, count=len(datas))
    stops = np.cumsum(lengths_of)
    starts = stops - lengths_of
    first_at = np.array(firsts, dtype=np.int64)
    # The global's memo: the same in every block, unless their weights differ in kind.
    g = gs[0] if len(set(gs)) == 1 else np.repeat(np.array(gs, dtype=np.uint8), lengths_of)[1:]
    hits = np.flatnonzero(buf[: size - 2] == _BINGET)
    hits = hits[
        (buf[hits + 1] == (g if isinstance(g, int) else g[hits])) & (buf[hits + 2] == _BINUNICODE)
    ]
    hits = hits[hits > first_at[np.searchsorted(starts, hits, "right") - 1]] + 2
    texts = np.sort(np.concatenate([first_at, hits]))
    block_of = np.searchsorted(starts, texts, "right") - 1
    is_first = texts == first_at[block_of]
    stop = stops[block_of]
    lengths = _le32(buf, texts + 1)
    ends = np.minimum(texts + 5 + lengths, stop)
    # Each text is followed by its memo, then the first by "latin1" and its memo l, the others
    # by `h` l; then each by TUPLE2, a memo, REDUCE, and the value's memo.
    memo = _MEMO[buf[ends]]
    ok = memo != 0
    tail = ends + memo
    latin1_at = tail[is_first]
    if (buf[latin1_at[:, None] + np.arange(len(_LATIN1))] != _LATIN1_BYTES).any():
        return None
    latin1 = buf[latin1_at + len(_LATIN1)][block_of]
    ok &= is_first | ((buf[tail] == _BINGET) & (buf[tail + 1] == latin1))
    tail = np.where(is_first, tail + len(_LATIN1) + 1, tail + 2)
    for opcode in (_TUPLE2, _REDUCE):
        ok &= buf[tail] == opcode
        tail = np.minimum(tail + 1, stop)
        memo = _MEMO[buf[tail]]
        ok &= memo != 0
        put, tail = tail, np.minimum(tail + memo, stop)
    if not ok.all():
        return None
    # Values pickled before come again between the calls (each gap all BINGET or LONG_BINGET)
    # and after a block's last call, up to the values' TUPLE.
    last = np.append(block_of[1:] != block_of[:-1], True)
    gaps = np.where(last, stop, np.append(texts[1:] - 2, 0)) - tail
    if (gaps < 0).any():
        return None
    memos = (block_of << _SHIFT) | _memo_index(buf, put)  # ascending
    gets = _gets(buf, tail, tail + gaps, last)
    if gets is None:
        return None
    after, memo = gets
    called = (block_of[after] << _SHIFT) | memo
    after += 1
    found = np.minimum(np.searchsorted(memos, called), len(memos) - 1)
    if (memos[found] != called).any():
        return None
    source = np.insert(np.arange(len(texts)), after, found)  # per value, the call holding it
    counts = np.array([len(h.block.ids) for h in held])
    if not np.array_equal(np.bincount(block_of[source], minlength=len(held)), counts):
        return None
    calls = source[np.concatenate([h.wanted for h in held])]
    return _latin1(buf, texts[calls] + 5, lengths[calls])


def _memo_index(buf: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The memo indexes BINPUT or LONG_BINPUT opcodes at `at` store into."""
    long = buf[at] == ord("r")
    return np.where(long, _le32(buf, at + 1), buf[at + 1].astype(np.int64))


def _gets(
    buf: np.ndarray, at: np.ndarray, end: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """(which run, memo index) of the BINGET and LONG_BINGET opcodes that fill each run from
    `at` to `end` (a `last` one ends at a TUPLE instead), in order; None if anything else is
    there. One round per opcode: every run still open reads its next one."""
    runs = np.flatnonzero(end > at)
    at = at.copy()
    which: list[np.ndarray] = []
    memos: list[np.ndarray] = []
    while len(runs):
        op = buf[at[runs]]
        closing = last[runs] & (op == _TUPLE)
        runs, op = runs[~closing], op[~closing]
        long = op == _LONG_BINGET
        if not (long | (op == _BINGET)).all():
            return None
        where = at[runs]
        which.append(runs)
        memos.append(np.where(long, _le32(buf, where + 1), buf[where + 1].astype(np.int64)))
        at[runs] = where + np.where(long, 5, 2)
        runs = runs[last[runs] | (at[runs] < end[runs])]
    if (at[~last] != end[~last]).any():
        return None
    if not which:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    # Round by round: sorted by run, stably, each run's opcodes stay in order.
    order = np.argsort(np.concatenate(which), kind="stable")
    return np.concatenate(which)[order], np.concatenate(memos)[order]


def _latin1(
    buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray
) -> tuple[bytes, np.ndarray] | None:
    """(joined, sizes) of the latin-1 bytes of the UTF-8 texts at `starts`, or None if they are
    not such: characters past 0x7f take two bytes, 0xc2 or 0xc3 then a continuation byte."""
    if not len(lengths) or lengths.min() < 1:
        return None
    offsets = np.cumsum(lengths) - lengths
    utf8 = buf[np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))]
    lead = utf8 >= 0xC0
    follows = (utf8 & 0xC0) == 0x80
    # Leads are 0xc2 or 0xc3, each followed by a continuation byte in its own text; no other
    # continuation bytes.
    if (
        ((utf8[lead] | 1) != 0xC3).any()
        or follows[0] or (follows[1:] != lead[:-1]).any()
        or lead[offsets + lengths - 1].any()
    ):  # fmt: skip
        return None
    at = np.flatnonzero(lead)
    out = utf8.copy()
    out[at] = ((utf8[at] & 0x03) << 6) | (utf8[at + 1] & 0x3F)
    leads = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(lead)])
    sizes = lengths - (leads[offsets + lengths] - leads[offsets])
    return out[~follows].tobytes(), sizes


def _le32(buf: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The little-endian 32-bit unsigned ints of `buf` at offsets `at`."""
    out = buf[at].astype(np.int64)
    for i in (1, 2, 3):
        out |= buf[at + i].astype(np.int64) << (8 * i)
    return out


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
