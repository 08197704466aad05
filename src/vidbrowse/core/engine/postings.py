"""Term lists and postings read from Whoosh's files in bulk, straight into numpy.

Whoosh hands out one term per generator step (~2 µs each through its file layers) and one posting
per matcher call (~1 µs, ~3 µs when scoring); a common word at 30k posts has a posting in nearly
every document of every field, and a prefix stands for up to a few hundred terms. So this reads a
whoosh3 segment's files itself: a run of the term table as one byte range parsed row by row, and a
term's postings as one byte range parsed block by block, decompressing and decoding only the head
of a block, which holds the document numbers and weights (the positions after them are ~3/4 of
its bytes and only phrases need them: `read_postings` hands them out, unpickling whole blocks).
It leans on whoosh3's formats (the package is pinned): anything unexpected goes to Whoosh's
public API, and tests compare both on every term of indexes written both ways (a plain Whoosh
writer and bulkwriter).
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import threading
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from itertools import accumulate, chain, islice
from typing import Any, NamedTuple, TypeVar

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher, W3TermInfo, W3TermsReader
from whoosh.filedb.compound import SubFile
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.filedb.structfile import StructFile
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

V = TypeVar("V")
T = TypeVar("T", int, np.ndarray)
Postings = tuple[np.ndarray, np.ndarray]  # (docnums, weights)
Read = Callable[[int, int], bytes]  # (position, length) → bytes of a file

# A term info: flags (1: postings inlined), weight, documents holding the term (at byte 5), ...
_TERMINFO = W3TermInfo._struct
_EXTENT = struct.Struct("!qi")  # after the term info: offset and length of the postings
_ROW = struct.Struct("!ii")  # a term table row: key length, value length, key, value
_BLOCK_LENGTH = struct.Struct("!i")  # negative for a term's last block
_FLOAT = struct.Struct(">d")
# The pickle opcodes of a block's data, `pickle.dumps((id deltas, weights, values), 2)`: a tuple
# of more than 3 items is MARK, items, TUPLE; every tuple is memoised (BINPUT).
_PROTO2, _MARK, _TUPLE, _NONE = b"\x80\x02", 0x28, 0x74, 0x4E
_BININT1, _BININT2, _BININT, _BINFLOAT = 0x4B, 0x4D, 0x4A, 0x47
_BINPUT = 0x71
_SMALL_INTS = np.dtype([("op", "u1"), ("value", "u1")])  # BININT1 x
_FLOATS = np.dtype([("op", "u1"), ("value", ">f8")])  # BINFLOAT x
# Keys a term table's binary searches met, per table while its reader lives (~0.5 µs a step
# against ~4 for two reads): at most one per _WINDOW rows, ~0.6 MB for 100k posts (785k terms
# in 20 segments) if every one were met.
_WINDOW = 64
_KEY_GUESS = 48  # bytes read for a key: most are shorter
_probes: weakref.WeakKeyDictionary[OrderedHashReader, dict[int, bytes]] = (
    weakref.WeakKeyDictionary()
)
# Blocks this small are unpickled whole: cheaper than decoding their head with numpy (and their
# tuples have no MARK).
_SMALL_BLOCK = 3
# What reading a damaged or unexpected posting list may raise: Whoosh's reader takes over.
_UNEXPECTED = (ValueError, IndexError, TypeError, KeyError, EOFError, struct.error, zlib.error,
               pickle.UnpicklingError)  # fmt: skip


def term_postings(reader: IndexReader, fieldname: str, text: str) -> Postings:
    """(docnums, weights) of `text` in `fieldname` over every segment; weights are term
    frequencies times the field's boost. Deleted documents are left out."""
    return Segments(reader).postings(fieldname, text)


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
        (size,) = _BLOCK_LENGTH.unpack_from(raw, position)
        last = size < 0
        stream.seek(position + _BLOCK_LENGTH.size)
        count, max_id, _, compression, _, _ = pickle.load(stream)
        start, position = stream.tell(), position + _BLOCK_LENGTH.size + abs(size)
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


class Segments:
    """A reader's segments, for one query: the term infos `scan` meets are kept, so reading the
    postings of the terms it found needs no second look-up in the term tables."""

    def __init__(self, reader: IndexReader) -> None:
        self.segments = [Segment(leaf, offset) for leaf, offset in reader.leaf_readers()]

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def postings(self, fieldname: str, text: str) -> Postings:
        """As `term_postings`."""
        return self.postings_of([(fieldname, text)])[0]

    def postings_of(self, words: Sequence[tuple[str, str]]) -> list[Postings]:
        """`postings` of each (fieldname, text), read segment by segment: a prefix stands for up
        to a few hundred words, whose postings lie side by side in each segment."""
        terms = [(fieldname, text.encode("utf-8")) for fieldname, text in words]
        docnums: list[list[np.ndarray]] = [[] for _ in terms]
        weights: list[list[np.ndarray]] = [[] for _ in terms]
        for segment in self.segments:
            for i, (ids, ws) in segment.postings_of(terms):
                docnums[i].append(ids + segment.offset)
                weights[i].append(ws)
        # Compact: these arrays are what the cache holds.
        return [
            (np.concatenate(d).astype(np.int32), np.concatenate(w).astype(np.float32))
            if d
            else (np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32))
            for d, w in zip(docnums, weights, strict=True)
        ]


class Segment:
    """One segment's term table and postings."""

    def __init__(self, leaf: IndexReader, offset: int) -> None:
        self.leaf = leaf
        self.offset = offset
        terms = getattr(leaf, "_terms", None)
        self.terms: W3TermsReader | None = terms if type(terms) is W3TermsReader else None
        if self.terms is not None:
            self._read_table = _reader(self.terms._tindex.dbfile)
            self._read_postings = _reader(self.terms._postfile)
        self.runs: list[_Run] = []  # what `scan` read of the term table
        self.deleted: np.ndarray | None = None  # read on first use
        self._deleted_mask: np.ndarray | None = None

    def scan(
        self, fieldname: str, start: str, limit: int, lengths: tuple[int, int] | None = None
    ) -> list[tuple[bytes, int]]:
        """(term, documents holding it) of the first `limit` terms of `fieldname` that start
        with `start`, in term order; with `lengths`, some terms that do not have `lengths[0]` to
        `lengths[1]` characters may be left out."""
        if self.terms is None:
            found = islice(self.leaf.iter_prefix(fieldname, start), limit)
            return [(text, info.doc_frequency()) for text, info in found]
        prefix = self.terms._keycoder(fieldname, start.encode("utf-8"))
        try:
            run = _Run(self.terms._tindex, self._read_table, prefix, limit, lengths)
        except _UNEXPECTED:
            self.terms = None  # damaged or unexpected: Whoosh's reader takes over
            return self.scan(fieldname, start, limit)
        self.runs.append(run)
        return list(zip(run.terms, run.documents, strict=True))

    def postings(self, fieldname: str, term: bytes) -> Postings | None:
        """(docnums in the segment, weights) of a term; None when the segment has no such term."""
        return next((found for _, found in self.postings_of([(fieldname, term)])), None)

    def postings_of(self, terms: Sequence[tuple[str, bytes]]) -> Iterator[tuple[int, Postings]]:
        """(i, `postings` of terms[i]) for each of the (fieldname, term) the segment holds."""
        if self.terms is None:
            for i, (fieldname, term) in enumerate(terms):
                if (found := self._postings_slowly(fieldname, term)) is not None:
                    yield i, found
            return
        keycoder = self.terms._keycoder
        by_field: dict[str, list[tuple[int, bytes]]] = {}
        for i, (fieldname, term) in enumerate(terms):
            if (info := self._look_up(keycoder(fieldname, term))) is not None:
                by_field.setdefault(fieldname, []).append((i, info))
        deleted = self.deleted_mask()
        for found in by_field.values():
            # A field's terms of one prefix follow each other, and so do their postings.
            read = _read_together(self._read_postings, [info for _, info in found])
            for i, info in found:
                try:
                    ids, weights = _decode(read, info)
                except _UNEXPECTED:
                    if (fallback := self._postings_slowly(*terms[i])) is not None:
                        yield i, fallback
                    continue
                if deleted is not None:
                    keep = ~deleted[ids]
                    ids, weights = ids[keep], weights[keep]
                yield i, (ids, weights)

    def blocks(self, fieldname: str, term: bytes) -> list[Block] | None:
        """A term's blocks, deleted documents included; None when the segment has no such term.
        Raises one of `_UNEXPECTED` where `postings` would turn to Whoosh's reader."""
        if self.terms is None:
            raise ValueError("a segment Whoosh reads")
        info = self._look_up(self.terms._keycoder(fieldname, term))
        return None if info is None else _blocks(self._read_postings, info)

    def deleted_ids(self) -> np.ndarray:
        """The segment's deleted document numbers (int64), read on first use."""
        if self.deleted is None:
            deleted = self.leaf.deleted_docs_set if self.leaf.has_deletions() else ()
            self.deleted = np.fromiter(deleted, dtype=np.int64, count=len(deleted))
        return self.deleted

    def deleted_mask(self) -> np.ndarray | None:
        """Whether each document of the segment is deleted; None when none is. One lookup per
        posting: `np.isin` sorts both sides, ~25 µs for a posting list of a few ids."""
        if self._deleted_mask is None:
            deleted = self.deleted_ids()
            if not len(deleted):
                return None
            self._deleted_mask = np.zeros(self.leaf.doc_count_all(), dtype=bool)
            self._deleted_mask[deleted] = True
        return self._deleted_mask

    def _look_up(self, key: bytes) -> bytes | None:
        """The term info of a term table key; None when the table has no such key."""
        for run in self.runs:
            if run.covers(key):
                return run.info(key)
        table = self.terms._tindex  # type: ignore[union-attr]
        for position, length in table.ranges_for_key(key):
            return self._read_table(position, length)
        return None

    def _postings_slowly(self, fieldname: str, term: bytes) -> Postings | None:
        """Through Whoosh's public API, one posting per call (its matcher leaves out deleted
        documents)."""
        if (fieldname, term) not in self.leaf:
            return None
        m = self.leaf.postings(fieldname, term)
        ids: list[int] = []
        weights: list[float] = []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


def _reader(dbfile: StructFile) -> Read:
    """`dbfile.get(position, length)`, in one system call when the file is a part of a segment
    file read without mmap (vidbrowse's case): Whoosh seeks and reads through three layers, ~5 µs
    a read against ~1."""
    part = dbfile.file
    if not hasattr(os, "pread") or type(part) is not SubFile or not hasattr(part._file, "fileno"):
        return dbfile.get
    fd, base, size = part._file.fileno(), part._offset, part._length

    def read(position: int, length: int) -> bytes:
        return os.pread(fd, max(0, min(length, size - position)), base + position)

    return read


def _read_together(read: Read, infos: list[bytes]) -> Read:
    """`read`, answered from one read of the postings of every term info in `infos` when they
    lie close together (terms that follow each other in the term table: a prefix's), as
    `read(position, length)` calls for each would cost ~1.5 µs a list."""
    extents = [_EXTENT.unpack_from(info, _TERMINFO.size) for info in infos if not info[0]]
    if len(extents) < 2:
        return read
    start = min(offset for offset, _ in extents)
    end = max(offset + length for offset, length in extents)
    if end - start > 2 * sum(length for _, length in extents) + 65536:
        return read
    buf = read(start, end - start)

    def read_buffered(position: int, length: int) -> bytes:
        if start <= position and position + length <= start + len(buf):
            return buf[position - start : position - start + length]
        return read(position, length)

    return read_buffered


class _Run:
    """The first `limit` rows of a term table whose keys start with `prefix`, read at once: their
    positions from the table's sorted index, then the bytes they span (~0.2 µs a row, against
    ~2 µs through Whoosh's cursor). With `lengths`, only the terms that may have `lengths[0]` to
    `lengths[1]` characters are kept."""

    def __init__(
        self,
        table: OrderedHashReader,
        read: Read,
        prefix: bytes,
        limit: int,
        lengths: tuple[int, int] | None,
    ) -> None:
        self.prefix = prefix
        self.lengths = lengths
        typecode = table.extras["indextype"]
        entry = struct.Struct("!" + typecode)
        first = _rank(table, read, entry, prefix)
        after = _successor(prefix)
        end = table.indexlen if after is None else _rank(table, read, entry, after)
        count = max(0, min(limit, end - first))
        # The last key read, when some keys with the prefix were not (None: all were).
        self.last: bytes | None = None
        self.terms: list[bytes] = []  # without the field number that starts each key
        self.documents: list[int] = []
        self.rows: dict[bytes, int] = {}
        self.buf = b""
        self.info_at: list[int] = []  # where each kept row's term info starts and ends
        self.info_end: list[int] = []
        if not count:
            return
        # The rows' positions, and where the last one ends: at the next row or the rows' end.
        more = first + count < table.indexlen
        index = read(table.indexbase + first * entry.size, (count + more) * entry.size)
        positions = np.frombuffer(index, np.dtype(">" + typecode)).astype(np.int64)
        stop = int(positions[count]) if more else table.endofdata
        self.buf = read(int(positions[0]), stop - int(positions[0]))
        at = positions[:count] - positions[0]
        keys = at + _ROW.size
        infos = keys + _be32(self.buf, at)
        ends = np.append(at[1:], len(self.buf))
        if not np.array_equal(infos + _be32(self.buf, at + 4), ends):
            raise ValueError("damaged term table: its rows do not follow each other")
        buf = self.buf
        last = buf[keys[-1] : infos[-1]]
        if not buf[keys[0] : infos[0]].startswith(prefix) or not last.startswith(prefix):
            raise ValueError("damaged term table: its keys are out of order")
        if end - first > limit:
            self.last = last
        if lengths is not None:
            kept = _may_fit(infos - keys - 2, lengths)
            keys, infos, ends = keys[kept], infos[kept], ends[kept]
        self.info_at, self.info_end = infos.tolist(), ends.tolist()
        self.terms = [buf[a + 2 : b] for a, b in zip(keys.tolist(), self.info_at, strict=True)]
        self.documents = _be32(buf, infos + 5).tolist()
        self.rows = dict(zip(self.terms, range(len(self.terms)), strict=True))

    def covers(self, key: bytes) -> bool:
        """Whether `key` is in the table only if it is among the rows kept."""
        return (
            key.startswith(self.prefix)
            and (self.last is None or key <= self.last)
            and (self.lengths is None or bool(_may_fit(len(key) - 2, self.lengths)))
        )

    def info(self, key: bytes) -> bytes | None:
        row = self.rows.get(key[2:])
        return None if row is None else self.buf[self.info_at[row] : self.info_end[row]]


def _rank(table: OrderedHashReader, read: Read, entry: struct.Struct, key: bytes) -> int:
    """How many keys of the term table sort before `key`: a binary search over its sorted index,
    as `table.closest_key_pos` does with four reads a step. The keys it meets halving ranges of
    more than _WINDOW rows are kept while the table lives (every search starts with the same
    halvings); then one read of the window's index entries, and one read of a row a step."""
    probes = _probes.setdefault(table, {})
    lo, hi = 0, table.indexlen
    while hi - lo > _WINDOW:
        mid = (lo + hi) // 2
        probe = probes.get(mid)
        if probe is None:
            (position,) = entry.unpack(read(table.indexbase + mid * entry.size, entry.size))
            probe = probes[mid] = _row_key(read, position)
        if probe < key:
            lo = mid + 1
        else:
            hi = mid
    if lo == hi:
        return lo
    index = read(table.indexbase + lo * entry.size, (hi - lo) * entry.size)
    positions = [p for (p,) in entry.iter_unpack(index)]
    if sorted(positions) != positions:
        raise ValueError("damaged term table: its rows are out of order")
    # The window's rows follow each other: one read for all.
    base = positions[0]
    rows = read(base, positions[-1] - base + _ROW.size + len(key))
    start, lo, hi = lo, 0, len(positions)
    while lo < hi:
        mid = (lo + hi) // 2
        at = positions[mid] - base
        size = _ROW.unpack_from(rows, at)[0]
        # A row key's first len(key) bytes decide whether it sorts before `key`.
        if rows[at + _ROW.size : at + _ROW.size + min(size, len(key))] < key:
            lo = mid + 1
        else:
            hi = mid
    return start + lo


def _row_key(read: Read, position: int) -> bytes:
    """The key of the term table row at `position`."""
    row = read(position, _ROW.size + _KEY_GUESS)
    size = _ROW.unpack_from(row)[0]
    if size > _KEY_GUESS:
        row = read(position, _ROW.size + size)
    key = row[_ROW.size : _ROW.size + size]
    if len(key) != size:
        raise ValueError("damaged term table: a row is cut short")
    return key


def _successor(prefix: bytes) -> bytes | None:
    """The least byte string after every string starting with `prefix`; None if there is none."""
    stem = prefix.rstrip(b"\xff")
    return stem[:-1] + bytes([stem[-1] + 1]) if stem else None


def _may_fit(size: T, lengths: tuple[int, int]) -> T:
    """Whether a term of `size` bytes (an int or an array of them) may have `lengths[0]` to
    `lengths[1]` characters: a character takes 1 to 4 bytes in UTF-8."""
    return (size >= lengths[0]) & ((size + 3) // 4 <= lengths[1])  # type: ignore[operator, return-value]


def _be32(buf: bytes, at: np.ndarray) -> np.ndarray:
    """The big-endian 32-bit unsigned ints of `buf` at offsets `at`."""
    b = np.frombuffer(buf, dtype=np.uint8)[at[:, None] + np.arange(4)].astype(np.int64)
    return (b[:, 0] << 24) | (b[:, 1] << 16) | (b[:, 2] << 8) | b[:, 3]


class Block(NamedTuple):
    """One block of a term's postings: its ids and weights decoded, the rest kept as read."""

    ids: np.ndarray  # within the segment, deleted documents included
    weights: np.ndarray
    data: bytes  # the pickled (id deltas, weights, values)
    compressed: bool  # `data` is zlib-compressed

    def uncompressed(self) -> bytes:
        """The pickled data, decompressed."""
        return zlib.decompress(self.data) if self.compressed else self.data


def _decode(read: Read, info: bytes) -> Postings:
    """(ids within the segment, weights) from a term's info in the term table."""
    blocks = _blocks(read, info)
    if len(blocks) == 1:
        return blocks[0].ids, blocks[0].weights
    return np.concatenate([b.ids for b in blocks]), np.concatenate([b.weights for b in blocks])


def _blocks(read: Read, info: bytes) -> list[Block]:
    """A term's blocks from its info in the term table."""
    if info[0]:  # Whoosh's own writer inlines the postings of a term found once
        data = info[_TERMINFO.size :]
        ids, weights, _ = pickle.loads(data)
        ids_array = np.array(ids, dtype=np.int64)
        return [Block(ids_array, np.array(weights, dtype=np.float64), data, False)]
    offset, length = _EXTENT.unpack_from(info, _TERMINFO.size)
    buf = read(offset, length)
    if buf[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a postings list")
    stream = io.BytesIO(buf)
    blocks: list[Block] = []
    at = 4
    while at < len(buf):
        size = _BLOCK_LENGTH.unpack_from(buf, at)[0]
        stream.seek(at + _BLOCK_LENGTH.size)
        count, last, _, compressed, _, _ = pickle.load(stream)
        data = buf[stream.tell() : at + _BLOCK_LENGTH.size + abs(size)]
        at += _BLOCK_LENGTH.size + abs(size)
        block = None
        if count > _SMALL_BLOCK:
            head = zlib.decompressobj().decompress(data, _head_size(count)) if compressed else data
            block = _block_head(head, count)
        if block is None:
            block = _block_whole(zlib.decompress(data) if compressed else data, count)
        # The block header gives the last id: a misread shows here.
        if block[0][-1] != last:
            raise ValueError("posting ids disagree with their block header")
        blocks.append(Block(*block, data, bool(compressed)))
        if size < 0:
            break
    return blocks


def _head_size(count: int) -> int:
    """Bytes that hold a block's ids and weights at most: PROTO, MARK, ids of up to 5 bytes,
    TUPLE, BINPUT, MARK, weights of 9 bytes, TUPLE."""
    return 14 * count + 16


def _block_head(data: bytes, count: int) -> Postings | None:
    """(ids, weights) from the start of the pickled data of a block of more than 3 postings (its
    tuples open with a MARK), when the ids are pickled as ints and the weights as floats (or one
    float, or None); else None."""
    try:
        return _read_head(data, count)
    except (IndexError, ValueError):  # data cut short
        return None


def _read_head(data: bytes, count: int) -> Postings | None:
    if data[:3] != _PROTO2 + bytes([_MARK]):
        return None
    # The ids' tuple is the first object pickle memoises (BINPUT 0).
    found = _head_ids(data, 3, count, bytes([_TUPLE, _BINPUT, 0]))
    if found is None:
        return None
    ids, at = found
    at += 3  # TUPLE, BINPUT 0
    op = data[at]
    if op == _NONE:
        return ids, np.ones(count)
    if op == _BINFLOAT:  # one weight for all
        return ids, np.full(count, _FLOAT.unpack_from(data, at + 1)[0])
    floats = data[at + 1 : at + 1 + 9 * count]
    if op != _MARK or floats[::9] != b"G" * count or data[at + 1 + 9 * count] != _TUPLE:
        return None
    return ids, np.frombuffer(floats, _FLOATS)["value"]


def _head_ids(data: bytes, at: int, count: int, end: bytes) -> tuple[np.ndarray, int] | None:
    """The ids of a block's head whose pickled tuple of `count` id deltas starts at `at` and
    ends with `end` (its closing op and memo), and where that closing op is."""
    ids = np.empty(count, dtype=np.int64)
    first = _pickled_ints(data, at, 1)  # absolute: past the first block, rarely below 256
    rest = count - 1
    if first is not None and data[first[1] : first[1] + 2 * rest : 2] == b"K" * rest:
        # A frequent term: every delta below 256.
        (ids[0],), at = first
        ids[1:] = np.frombuffer(data, _SMALL_INTS, rest, at)["value"]
        at += 2 * rest
        if data[at : at + len(end)] != end:
            return None
    else:
        # Ints of 1, 2 or 4 bytes: the C unpickler reads them ~5x faster than a Python loop,
        # given the pickle cut after the tuple. `end` cannot occur inside the ints (its memo
        # byte 0 would be an op, or the third byte of a delta of ~7 million), and a wrong cut
        # would not give `count` items.
        at = data.find(end, at)
        if at < 0:
            return None
        try:
            deltas = pickle.loads(data[: at + 1] + b".")
        except (*_UNEXPECTED, AttributeError, ImportError):
            return None
        if type(deltas) is not tuple or len(deltas) != count:
            return None
        ids[:] = deltas
    np.cumsum(ids, out=ids)  # the first id, then deltas
    return ids, at


def _pickled_ints(data: bytes, at: int, count: int) -> tuple[list[int], int] | None:
    """`count` ints pickled from `at` on as BININT1/BININT2/BININT, and where they end."""
    out: list[int] = []
    for _ in range(count):
        op = data[at]
        if op == _BININT1:
            out.append(data[at + 1])
            at += 2
        elif op == _BININT2:
            out.append(data[at + 1] | data[at + 2] << 8)
            at += 3
        elif op == _BININT:
            out.append(int.from_bytes(data[at + 1 : at + 5], "little", signed=True))
            at += 5
        else:
            return None
    return out, at


def _block_whole(data: bytes, count: int) -> Postings:
    deltas, weights, _ = pickle.loads(data)
    if len(deltas) != count:
        raise ValueError("a block holds another number of postings than its header says")
    ids = np.fromiter(accumulate(deltas), dtype=np.int64, count=count)
    if weights is None:
        return ids, np.ones(count)
    if isinstance(weights, float):
        return ids, np.full(count, weights)
    return ids, np.array(weights, dtype=np.float64)


class SearcherCache:
    """Values worth keeping while an index state lasts (a term's postings, a phrase's matches, a
    prefix's expansion), per searcher; the least recently used go first once their sizes add up
    to more than `max_size` (sizes count postings of 8 bytes, or terms). Typing a query, changing
    its sort or adding a filter reads the same words again: this makes the second time cheap
    (reading costs ~0.2 µs per posting, a phrase's matches far more)."""

    def __init__(self, max_size: int = 4_000_000) -> None:
        self.max_size = max_size
        self._lock = threading.Lock()
        self._per_searcher: weakref.WeakKeyDictionary[Searcher, _Entries] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, searcher: Searcher, key: Hashable, read: Callable[[], V]) -> V:
        """The value cached for `key` on this searcher, else `read()` and keep it."""
        return self.get_many(searcher, [key], lambda _: [read()])[0]

    def get_many(
        self,
        searcher: Searcher,
        keys: Sequence[Hashable],
        read: Callable[[list[Hashable]], Sequence[V]],
    ) -> list[V]:
        """`get` of each key; `read(missing keys)` gives the values of those not cached, in
        their order, at once."""
        found: dict[Hashable, V] = {}
        with self._lock:
            entries = self._per_searcher.get(searcher)
            if entries is None:
                entries = self._per_searcher[searcher] = _Entries()
            for key in keys:
                cached = entries.values.get(key)
                if cached is not None:
                    entries.values.move_to_end(key)
                    found[key] = cached[0]
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if missing:
            values = read(missing)
            with self._lock:
                for key, value in zip(missing, values, strict=True):
                    size = _size(value)
                    replaced = entries.values.pop(key, None)  # read meanwhile by another thread
                    entries.size += size - (replaced[1] if replaced else 0)
                    entries.values[key] = (value, size)
                    found[key] = value
                self._evict()
        return [found[key] for key in keys]

    def _evict(self) -> None:
        # Old searchers vanish from the weak dictionary by themselves; count what remains.
        held = sum(entries.size for entries in self._per_searcher.values())
        while held > self.max_size:
            for entries in self._per_searcher.values():
                if entries.values:
                    size = entries.values.popitem(last=False)[1][1]
                    entries.size -= size
                    held -= size
                    break
            else:
                return


class _Entries:
    """One searcher's cached values, least recently used first, and the sum of their sizes."""

    def __init__(self) -> None:
        self.values: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.size = 0


def _size(value: object) -> int:
    if isinstance(value, tuple):  # (docnums, weights)
        return len(value[0])
    return len(value) if isinstance(value, list) else 1
