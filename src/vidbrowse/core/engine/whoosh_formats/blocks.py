"""Posting lists read from a whoosh3 posting file in bulk, straight into numpy.

Whoosh hands out one posting per matcher call (~1 µs, ~3 µs when scoring); a common word at 30k
posts has a posting in nearly every document of every field. Here a term's postings are one byte
range parsed block by block, decompressing and decoding only the head of a block, which holds the
document numbers and weights (the positions after them are ~3/4 of its bytes and only phrases
need them: `read_matcher` hands them out, unpickling whole blocks).

A block is a signed length (negative for the last), the pickled header (count, max id, max
weight, compression, min and max length bytes), then the pickled, maybe compressed (ids as
deltas, weights, values): `pickle.dumps((id deltas, weights, values), 2)`.
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from itertools import accumulate
from typing import Any, NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher

from vidbrowse.core.engine.whoosh_formats import public
from vidbrowse.core.engine.whoosh_formats.common import (
    BLOCK_LENGTH,
    BLOCK_MAGIC,
    EXTENT,
    TERMINFO,
    UNEXPECTED,
    Postings,
    Read,
)

Matched = tuple[np.ndarray, np.ndarray, np.ndarray | None]  # (ids, weights, values)
_FLOAT = struct.Struct(">d")
# The pickle opcodes of a block's data: a tuple of more than 3 items is MARK, items, TUPLE;
# every tuple is memoised (BINPUT).
_PROTO2, _MARK, _TUPLE, _NONE = b"\x80\x02", 0x28, 0x74, 0x4E
_BININT1, _BININT2, _BININT, _BINFLOAT = 0x4B, 0x4D, 0x4A, 0x47
_BINPUT = 0x71
_SMALL_INTS = np.dtype([("op", "u1"), ("value", "u1")])  # BININT1 x
_FLOATS = np.dtype([("op", "u1"), ("value", ">f8")])  # BINFLOAT x
# Blocks this small are unpickled whole: cheaper than decoding their head with numpy (and their
# tuples have no MARK).
_SMALL_BLOCK = 3


def read_matcher(matcher: Matcher, values: bool) -> Matched:
    deleted: frozenset[int] | set[int] = frozenset()
    # A segment with deletions wraps its postings in a FilterMatcher excluding them.
    if isinstance(matcher, FilterMatcher) and matcher._exclude:
        deleted = matcher._ids
        matcher = matcher.child
    # Fixed-size values are cut from one string per block: only the per-posting API does that.
    if type(matcher) is W3LeafMatcher and not (values and matcher._fixedsize is not None):
        ids, weights, vs = _read_blocks(matcher, values)
    else:
        ids, weights, vs = public.read_slowly(matcher, values)
    if deleted:
        keep = ~np.isin(ids, np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
        ids, weights = ids[keep], weights[keep]
        vs = None if vs is None else vs[keep]
    return ids, weights, vs


def _read_blocks(m: W3LeafMatcher, values: bool) -> Matched:
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
        (size,) = BLOCK_LENGTH.unpack_from(raw, position)
        last = size < 0
        stream.seek(position + BLOCK_LENGTH.size)
        count, max_id, _, compression, _, _ = pickle.load(stream)
        start, position = stream.tell(), position + BLOCK_LENGTH.size + abs(size)
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
    return ids, np.array(weights, dtype=np.float64), public.objects(vs, values)


class Block(NamedTuple):
    """One block of a term's postings: its ids and weights decoded, the rest kept as read."""

    ids: np.ndarray  # within the segment, deleted documents included
    weights: np.ndarray
    data: bytes  # the pickled (id deltas, weights, values)
    compressed: bool  # `data` is zlib-compressed

    def uncompressed(self) -> bytes:
        """The pickled data, decompressed."""
        return zlib.decompress(self.data) if self.compressed else self.data


def decode(read: Read, info: bytes) -> Postings:
    """(ids within the segment, weights) from a term's info in the term table."""
    found = term_blocks(read, info)
    if len(found) == 1:
        return found[0].ids, found[0].weights
    return np.concatenate([b.ids for b in found]), np.concatenate([b.weights for b in found])


def term_blocks(read: Read, info: bytes) -> list[Block]:
    """A term's blocks from its info in the term table."""
    if info[0]:  # Whoosh's own writer inlines the postings of a term found once
        data = info[TERMINFO.size :]
        ids, weights, _ = pickle.loads(data)
        ids_array = np.array(ids, dtype=np.int64)
        return [Block(ids_array, np.array(weights, dtype=np.float64), data, False)]
    offset, length = EXTENT.unpack_from(info, TERMINFO.size)
    buf = read(offset, length)
    if buf[:4] != BLOCK_MAGIC:
        raise ValueError("not a postings list")
    stream = io.BytesIO(buf)
    blocks: list[Block] = []
    at = 4
    while at < len(buf):
        size = BLOCK_LENGTH.unpack_from(buf, at)[0]
        stream.seek(at + BLOCK_LENGTH.size)
        count, last, _, compressed, _, _ = pickle.load(stream)
        data = buf[stream.tell() : at + BLOCK_LENGTH.size + abs(size)]
        at += BLOCK_LENGTH.size + abs(size)
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
        except (*UNEXPECTED, AttributeError, ImportError):
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
