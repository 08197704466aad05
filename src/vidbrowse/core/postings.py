"""A term's postings (document numbers and weights) read from Whoosh straight into numpy.

Whoosh's matchers hand out one posting per Python call (~1 µs each, ~3 µs when scoring), and a
common word at 30k posts has a posting in nearly every document of every field. The whoosh3
codec's leaf matcher decodes a whole block (up to 128 postings) at once, so this reads block by
block, and hands out the raw values too when asked (phrases.py parses positions from them). It
leans on that matcher's internals (whoosh3 is pinned; tests compare this with the public
per-posting API) and falls back to the public API for any other matcher.
"""

from __future__ import annotations

import io
import pickle
import struct
import threading
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from itertools import chain
from typing import Any, TypeVar, cast

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

V = TypeVar("V")
_BLOCK_SIZE = struct.Struct("!i")


def term_postings(reader: IndexReader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, weights) of `text` in `fieldname` over every segment; weights are term
    frequencies times the field's boost. Deleted documents are left out."""
    docnums, weights, _ = read_postings(reader, fieldname, text, values=False)
    return docnums, weights


def read_postings(
    reader: IndexReader, fieldname: str, text: str, *, values: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """`term_postings`, and if `values` each posting's raw value (an object array of bytes;
    for a positions format, `Positions.encode`'s). Values cost little more: a block's are
    unpickled with its ids anyway."""
    docnums: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    for leaf, offset in reader.leaf_readers():
        try:  # one term lookup, where `in` then `postings` make two
            matcher = leaf.postings(fieldname, text)
        except TermNotFound:
            continue
        ids, ws, leaf_vs = _read(matcher, values)
        docnums.append(ids + offset)
        weights.append(ws)
        if leaf_vs is not None:
            vs.append(leaf_vs)
    if not docnums:
        empty = np.empty(0, dtype=object) if values else None
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32), empty
    # Compact: these arrays are what the cache holds.
    return (
        np.concatenate(docnums).astype(np.int32),
        np.concatenate(weights).astype(np.float32),
        np.concatenate(vs) if values else None,
    )


def _read(matcher: Matcher, values: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    deleted: frozenset[int] | set[int] = frozenset()
    # A segment with deletions wraps its postings in a FilterMatcher excluding them.
    if isinstance(matcher, FilterMatcher) and matcher._exclude:
        deleted = matcher._ids
        matcher = matcher.child
    # Fixed-size values are cut from one string per block: only the per-posting API does that.
    if type(matcher) is W3LeafMatcher and not (values and matcher._fixedsize is not None):
        ids, weights, vs = _read_blocks(matcher, values)
    else:
        ids, weights, vs = _read_slowly(matcher, values)
    if deleted:
        keep = ~np.isin(ids, np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
        ids, weights = ids[keep], weights[keep]
        vs = None if vs is None else vs[keep]
    return ids, weights, vs


def _read_blocks(
    m: W3LeafMatcher, values: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The matcher's blocks, decoded from one read of the term's bytes: the matcher reads each
    block's header through several Python-level file calls and delta-decodes ids in a Python
    generator, a third of the time for a common word. A block is a signed length (negative for
    the last), the pickled header (count, max id, max weight, compression, min and max length
    bytes), then the pickled, maybe compressed (ids as deltas, weights, values)."""
    extent = m._length  # read from a term info, a 1-tuple
    (length,) = extent if isinstance(extent, tuple) else (extent,)
    raw = m._postfile.get(m._baseoffset, m._startoffset + length - m._baseoffset)
    stream = io.BytesIO(raw)
    # Flat lists, made arrays once: numpy calls per block would cost more than the data.
    deltas: list[int] = []
    weights: list[float] = []
    vs: list[Any] = []
    position, last, previous_max = 0, False, 0
    while not last:
        (size,) = _BLOCK_SIZE.unpack_from(raw, position)
        last = size < 0
        stream.seek(position + _BLOCK_SIZE.size)
        count, max_id, _, compression, _, _ = pickle.load(stream)
        start, position = stream.tell(), position + _BLOCK_SIZE.size + abs(size)
        data = raw[start:position]
        block_ids, block_weights, block_values = pickle.loads(
            zlib.decompress(data) if compression else data
        )
        # A block's first delta counts from 0: from the previous block's last id, one running
        # sum over all blocks gives the ids.
        first = len(deltas)
        deltas += block_ids
        deltas[first] -= previous_max
        previous_max = max_id
        if block_weights is None:
            weights += [1.0] * count
        elif isinstance(block_weights, float):
            weights += [block_weights] * count
        else:
            weights += block_weights
        if values:
            vs += block_values
    ids = np.cumsum(np.array(deltas, dtype=np.int64))
    return ids, np.array(weights, dtype=np.float64), _objects([vs], values)


def _read_slowly(m: Matcher, values: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    ids: list[int] = []
    weights: list[float] = []
    vs: list[Any] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if values:
            vs.append(m.value())
        m.next()
    ids_array = np.array(ids, dtype=np.int64)
    return ids_array, np.array(weights, dtype=np.float64), _objects([vs], values)


def _objects(parts: list[Sequence[Any]], wanted: bool) -> np.ndarray | None:
    if not wanted:
        return None
    return np.fromiter(chain.from_iterable(parts), dtype=object, count=sum(map(len, parts)))


class SearcherCache:
    """Values worth keeping while an index state lasts (a term's postings, a phrase's matches, a
    prefix's expansion), per searcher; the least recently used go first once their sizes add up
    to more than `max_size` (sizes count postings of 8 bytes, or terms). Typing a query, changing
    its sort or adding a filter reads the same words again: this makes the second time cheap
    (reading costs ~1 µs per posting, mostly unpickling positions)."""

    def __init__(self, max_size: int = 4_000_000) -> None:
        self.max_size = max_size
        self._lock = threading.Lock()
        self._per_searcher: weakref.WeakKeyDictionary[
            Searcher, OrderedDict[Hashable, tuple[Any, int]]
        ] = weakref.WeakKeyDictionary()

    def get(self, searcher: Searcher, key: Hashable, read: Callable[[], V]) -> V:
        """The value cached for `key` on this searcher, else `read()` and keep it."""
        with self._lock:
            entries = self._per_searcher.setdefault(searcher, OrderedDict())
            found = entries.get(key)
            if found is not None:
                entries.move_to_end(key)
                return cast(V, found[0])
        value = read()
        size = _size(value)
        with self._lock:
            entries[key] = (value, size)
            self._evict()
        return value

    def _evict(self) -> None:
        # Old searchers vanish from the weak dictionary by themselves; count what remains.
        held = sum(size for e in self._per_searcher.values() for _, size in e.values())
        while held > self.max_size:
            for entries in self._per_searcher.values():
                if entries:
                    held -= entries.popitem(last=False)[1][1]
                    break
            else:
                return


def _size(value: object) -> int:
    if isinstance(value, tuple):  # (docnums, weights)
        return len(value[0])
    return len(value) if isinstance(value, list) else 1
