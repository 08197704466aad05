"""A whoosh3 segment's term table read in bulk: runs of rows by prefix, term infos by key.

Whoosh hands out one term per generator step (~2 µs each through its file layers). Here a run
of the term table is one byte range parsed row by row, and a term's postings are found from its
term info (see blocks.py) without a second look-up in the table.
"""

from __future__ import annotations

import os
import struct
import weakref
from collections.abc import Iterator, Sequence
from typing import TypeVar

import numpy as np
from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.filedb.compound import SubFile
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.filedb.structfile import StructFile
from whoosh.reading import IndexReader

from vidbrowse.core.engine.whoosh_formats.blocks import Block, decode, term_blocks
from vidbrowse.core.engine.whoosh_formats.common import (
    EXTENT,
    ROW,
    TERMINFO,
    UNEXPECTED,
    Postings,
    Read,
)

T = TypeVar("T", int, np.ndarray)
_DOCUMENTS = struct.Struct("!I")  # in a term info, at byte 5 (see common.TERMINFO)
# The hash index of a term table (whoosh.filedb.filetables.HashReader): slots of (hash of the
# key, where its row is); a key is looked for from its slot on, until an empty slot.
_POINTER = struct.Struct("!Iq")
_SLOTS_READ = 4  # slots read at once: half of them are empty
_INFO_GUESS = 64  # bytes read for a term info with its row: most are shorter
# Keys a term table's binary searches met, per table while its reader lives (~0.5 µs a step
# against ~4 for two reads): at most one per _WINDOW rows, ~0.6 MB for 100k posts (785k terms
# in 20 segments) if every one were met.
_WINDOW = 64
_KEY_GUESS = 48  # bytes read for a key: most are shorter
_probes: weakref.WeakKeyDictionary[OrderedHashReader, dict[int, bytes]] = (
    weakref.WeakKeyDictionary()
)


def term_table(leaf: IndexReader) -> TermTable | None:
    """The leaf's term table, when it is whoosh3's; else None."""
    terms = getattr(leaf, "_terms", None)
    return TermTable(terms) if type(terms) is W3TermsReader else None


class TermTable:
    """One segment's term table and posting file. Its methods raise one of `UNEXPECTED` on
    bytes they do not expect (the caller turns to Whoosh's reader)."""

    def __init__(self, terms: W3TermsReader) -> None:
        self._keycoder = terms._keycoder
        self._table = terms._tindex
        self._read_table = _reader(terms._tindex.dbfile)
        self._read_postings = _reader(terms._postfile)
        self._runs: list[_Run] = []  # what `scan` read of the table

    def scan(
        self,
        fieldname: str,
        start: str,
        limit: int,
        lengths: tuple[int, int] | None,
        *,
        keep: bool = True,
    ) -> list[tuple[bytes, int]]:
        """(term, documents holding it) of the first `limit` terms of `fieldname` that start
        with `start`, in term order; with `lengths`, some terms that do not have `lengths[0]` to
        `lengths[1]` characters may be left out. With `keep`, later look-ups of those terms
        need no read (the rows read are kept while the table lasts)."""
        prefix = self._keycoder(fieldname, start.encode("utf-8"))
        run = _Run(self._table, self._read_table, prefix, limit, lengths)
        if keep:
            self._runs.append(run)
        return list(zip(run.terms, run.documents, strict=True))

    def postings_of(
        self, terms: Sequence[tuple[str, bytes]]
    ) -> Iterator[tuple[int, Postings | None]]:
        """(i, (ids, weights)) for each of the (fieldname, term) the table holds, deleted
        documents included; None for a term whose postings could not be read."""
        by_field: dict[str, list[tuple[int, bytes]]] = {}
        for i, (fieldname, term) in enumerate(terms):
            if (info := self._look_up(self._keycoder(fieldname, term))) is not None:
                by_field.setdefault(fieldname, []).append((i, info))
        for found in by_field.values():
            # A field's terms of one prefix follow each other, and so do their postings.
            read = _read_together(self._read_postings, [info for _, info in found])
            for i, info in found:
                try:
                    yield i, decode(read, info)
                except UNEXPECTED:
                    yield i, None

    def documents_of(self, terms: Sequence[tuple[str, bytes]]) -> Iterator[tuple[int, int]]:
        """(i, documents holding it, deleted ones included) for each of the (fieldname, term)
        the table holds: from its term info, no postings read."""
        for i, (fieldname, term) in enumerate(terms):
            if (info := self._look_up(self._keycoder(fieldname, term))) is not None:
                yield i, _DOCUMENTS.unpack_from(info, 5)[0]

    def blocks(self, fieldname: str, term: bytes) -> list[Block] | None:
        """A term's blocks, deleted documents included; None when the table has no such term."""
        info = self._look_up(self._keycoder(fieldname, term))
        return None if info is None else term_blocks(self._read_postings, info)

    def _look_up(self, key: bytes) -> bytes | None:
        """The term info of a term table key; None when the table has no such key."""
        for run in self._runs:
            if run.covers(key):
                return run.info(key)
        return self._hashed(key)

    def _hashed(self, key: bytes) -> bytes | None:
        """The value of `key` in the table's hash index, as `ranges_for_key` finds it, with
        one read for a few slots and one for the row (~5 µs a key against ~25 through Whoosh's
        file layers, which read each slot, length and key apart)."""
        table, read = self._table, self._read_table
        keyhash = table.hashfn(key)
        start, slots = table.tables[keyhash & 255]
        slot = (keyhash >> 8) % slots if slots else 0
        seen = 0
        while seen < slots:
            # The slots up to the table's end at most (the search then goes on at its start).
            count = min(_SLOTS_READ, slots - slot, slots - seen)
            pointers = read(start + slot * _POINTER.size, count * _POINTER.size)
            for slothash, position in _POINTER.iter_unpack(pointers):
                if not position:
                    return None
                if slothash == keyhash:
                    row = read(position, ROW.size + len(key) + _INFO_GUESS)
                    size, length = ROW.unpack_from(row)
                    at = ROW.size + size
                    if size == len(key) and row[ROW.size : at] == key:
                        value = row[at : at + length]
                        return value if len(value) == length else read(position + at, length)
            seen += count
            slot = (slot + count) % slots
        return None


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
    extents = [EXTENT.unpack_from(info, TERMINFO.size) for info in infos if not info[0]]
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
        keys = at + ROW.size
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
    rows = read(base, positions[-1] - base + ROW.size + len(key))
    start, lo, hi = lo, 0, len(positions)
    while lo < hi:
        mid = (lo + hi) // 2
        at = positions[mid] - base
        size = ROW.unpack_from(rows, at)[0]
        # A row key's first len(key) bytes decide whether it sorts before `key`.
        if rows[at + ROW.size : at + ROW.size + min(size, len(key))] < key:
            lo = mid + 1
        else:
            hi = mid
    return start + lo


def _row_key(read: Read, position: int) -> bytes:
    """The key of the term table row at `position`."""
    row = read(position, ROW.size + _KEY_GUESS)
    size = ROW.unpack_from(row)[0]
    if size > _KEY_GUESS:
        row = read(position, ROW.size + size)
    key = row[ROW.size : ROW.size + size]
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
    return (size >= lengths[0]) & ((size + 3) // 4 <= lengths[1])


def _be32(buf: bytes, at: np.ndarray) -> np.ndarray:
    """The big-endian 32-bit unsigned ints of `buf` at offsets `at`."""
    b = np.frombuffer(buf, dtype=np.uint8)[at[:, None] + np.arange(4)].astype(np.int64)
    return (b[:, 0] << 24) | (b[:, 1] << 16) | (b[:, 2] << 8) | b[:, 3]
