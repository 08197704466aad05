"""Positions of whoosh3's `Positions` format parsed with numpy: per posting, a 4-byte count then
a protocol-2 pickle of the list of position deltas (`Positions.encode`). Cutting the positions
straight out of a block's pickled bytes was tried: no faster than unpickling whole blocks."""

from __future__ import annotations

import pickle

import numpy as np

from vidbrowse.core.engine.whoosh_formats import public
from vidbrowse.core.engine.whoosh_formats.common import note_fallback

# How the pickle of a list of position deltas starts (see `decode_positions`): protocol 2, an
# empty list, memo 0.
_HEAD = b"\x80\x02]q\x00"
_MARK, _APPEND, _APPENDS, _STOP = b"(ae."  # opcodes, as ints
# Bytes an int opcode takes (K: 1-byte int, M: 2 bytes, J: 4 bytes); 0 for any other opcode.
_WIDTH = np.zeros(256, dtype=np.int64)
_WIDTH[[ord("K"), ord("M"), ord("J")]] = (2, 3, 5)
_SMALLEST = 4 + len(_HEAD) + 2 + 2  # count, head, `K` and a byte, `a.`
_BATCH = 1000  # pickle's APPENDS batch size
_HEAD_BYTES = np.frombuffer(_HEAD, dtype=np.uint8)


def block_values(data: bytes) -> list[bytes]:
    """The values of the postings of a block, from its pickled data (uncompressed)."""
    values = pickle.loads(data)[2]
    if not all(type(v) is bytes for v in values):
        raise ValueError("posting values that are not bytes")
    return list(values)


def decode_positions(joined: bytes, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    if counts.min() < 1:
        return _unpickle(joined, sizes)
    if counts.max() > _BATCH:  # a list pickle cut into batches: expected, if rare
        return _unpickle(joined, sizes, expected=True)
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


def _unpickle(
    joined: bytes, sizes: np.ndarray, *, expected: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    if not expected:
        note_fallback()
    ends = np.cumsum(sizes).tolist()
    values = [joined[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    return public.decode_positions(values)
