"""Columns of strings as the columns keep them: one UTF-8 buffer and offsets.

Unpickling a tuple of 100k strings builds 100k objects (~30 ms for the titles, ~45 ms for the
tags as tuples), at every start, when a search then shows twenty rows; held as objects, the
columns of 100k posts took ~75 MB more. Kept packed, a column loads as two buffers; a value is
decoded when asked for (~0.5 µs), and the first full pass (a filter over every vid_id, say)
decodes them all once.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, pairwise
from typing import Any, Generic, NamedTuple, SupportsIndex, TypeVar, overload

import numpy as np

V = TypeVar("V")
# A value's hash: its UTF-8 bytes b_j summed as b_j x _PRIME^j, modulo 2^64 (numpy's uint64 wraps
# so). FNV's 64-bit prime: odd, so no power of it is 0 modulo 2^64.
_PRIME = 0x100000001B3
_WORD = 1 << 64


class _Packed(Sequence[V], Generic[V]):
    """Row i is made from bounds[i]:bounds[i + 1] of what the subclass holds."""

    __slots__ = ("_bounds", "_ends", "_values")

    def __init__(self, bounds: np.ndarray) -> None:
        self._bounds = bounds
        # Indexing a memoryview gives a Python int in ~50 ns; slicing the array costs ~1 µs,
        # and a results page reads six such columns for each of its rows.
        self._ends = np.ascontiguousarray(bounds, dtype=np.int64).data.cast("B").cast("q")
        self._values: tuple[V, ...] | None = None

    def _decode(self, start: int, end: int) -> V:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._bounds) - 1

    @overload
    def __getitem__(self, index: int) -> V: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[V, ...]: ...

    def __getitem__(self, index: int | slice) -> V | tuple[V, ...]:
        if self._values is not None or isinstance(index, slice):
            return self.values()[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("index out of range")
        return self._decode(self._ends[index], self._ends[index + 1])

    def __iter__(self) -> Iterator[V]:
        return iter(self.values())

    def take(self, positions: Sequence[int]) -> list[V]:
        """The rows at `positions` (each in range): a results page's, in one call rather than a
        method call and its checks per row."""
        if self._values is not None:
            values = self._values
            return [values[i] for i in positions]
        return self._take(positions)

    def _take(self, positions: Sequence[int]) -> list[V]:
        ends = self._ends
        return [self._decode(ends[i], ends[i + 1]) for i in positions]

    def values(self) -> tuple[V, ...]:
        """Every row, decoded once and kept."""
        if self._values is None:
            self._values = self._decode_all(self._bounds.tolist())
        return self._values

    def _decode_all(self, bounds: list[int]) -> tuple[V, ...]:
        return tuple(self._decode(start, end) for start, end in pairwise(bounds))


def _concat_bounds(parts: Sequence[np.ndarray]) -> np.ndarray:
    """The bounds of parts laid end to end (each part's bounds start at 0)."""
    shifts = np.cumsum([0] + [int(b[-1]) for b in parts[:-1]], dtype=np.int64)
    shifted = [b[1:] + shift for b, shift in zip(parts, shifts, strict=True)]
    return np.concatenate([np.zeros(1, np.int64), *shifted])


def _taken_bounds(bounds: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts of rows `indices`, bounds of those rows laid end to end)."""
    starts = bounds[indices]
    taken = np.zeros(len(indices) + 1, dtype=np.int64)
    np.cumsum(bounds[indices + 1] - starts, out=taken[1:])
    return starts, taken


class Strings(_Packed[str]):
    __slots__ = ("_data",)

    def __init__(self, data: bytes | memoryview, offsets: np.ndarray) -> None:
        super().__init__(offsets)  # value i is data[offsets[i]:offsets[i + 1]]
        self._data = data  # a memoryview when loaded from a mapped file (see mapped.py)

    @classmethod
    def pack(cls, values: Iterable[str]) -> Strings:
        # surrogatepass: a lone surrogate read from a post survives the round trip.
        return cls.join([value.encode("utf-8", "surrogatepass") for value in values])

    @classmethod
    def join(cls, encoded: Sequence[bytes]) -> Strings:
        """From values already encoded as UTF-8."""
        offsets = np.fromiter(accumulate(map(len, encoded), initial=0), np.int64, len(encoded) + 1)
        return cls(b"".join(encoded), offsets)

    @classmethod
    def concat(cls, parts: Sequence[Strings]) -> Strings:
        return cls(b"".join(p._data for p in parts), _concat_bounds([p._bounds for p in parts]))

    def select(self, indices: np.ndarray) -> Strings:
        """Rows `indices` (int64), in that order, packed. A run of consecutive rows is copied as one
        slice: taking all but a few rows costs a few slices, not one per row."""
        starts, bounds = _taken_bounds(self._bounds, indices)
        if not len(indices):
            return Strings(b"", bounds)
        breaks = np.flatnonzero(indices[1:] != indices[:-1] + 1) + 1
        firsts = np.concatenate([np.zeros(1, np.int64), breaks])
        lasts = np.concatenate([breaks, [len(indices)]]) - 1
        data, ends = self._data, self._bounds[indices[lasts] + 1]
        pieces = [data[a:b] for a, b in zip(starts[firsts].tolist(), ends.tolist(), strict=True)]
        return Strings(b"".join(pieces), bounds)

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[type[Strings], tuple[Any, ...]]:
        # Protocol 5 may keep the buffer out of band (mapped.py); in band it is saved as bytes.
        if int(protocol) >= 5:
            return Strings, (pickle.PickleBuffer(self._data), self._bounds)
        return Strings, (bytes(self._data), self._bounds)

    def _decode(self, start: int, end: int) -> str:
        return str(self._data[start:end], "utf-8", "surrogatepass")

    def _take(self, positions: Sequence[int]) -> list[str]:
        data, ends = self._data, self._ends
        return [str(data[ends[i] : ends[i + 1]], "utf-8", "surrogatepass") for i in positions]

    def _decode_all(self, bounds: list[int]) -> tuple[str, ...]:
        data = bytes(self._data)  # one copy: slicing bytes decodes faster than a memoryview
        return tuple(data[a:b].decode("utf-8", "surrogatepass") for a, b in pairwise(bounds))

    def find(self, value: str) -> int:
        """The first row equal to `value`, else -1: the bytes compared where they lie, no row
        decoded (a lookup among 20k tags: ~0.2 ms, where decoding them to a dict takes ~7)."""
        if self._values is not None:
            return self._values.index(value) if value in self._values else -1
        wanted = np.frombuffer(value.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        starts = self._bounds[:-1]
        same = np.flatnonzero(self._bounds[1:] - starts == len(wanted))
        if len(wanted) and len(same):
            data = np.frombuffer(self._data, dtype=np.uint8)
            same = same[(data[starts[same][:, None] + np.arange(len(wanted))] == wanted).all(1)]
        return int(same[0]) if len(same) else -1

    def run(self, start: int, stop: int) -> tuple[str, ...]:
        """Values start..stop-1, decoded without keeping every value (a slice would)."""
        if self._values is not None:
            return self._values[start:stop]
        return tuple(self._take(range(start, stop)))


class Groups(_Packed[tuple[str, ...]]):
    """Several strings per row (tags, categories): row i holds flat[bounds[i]:bounds[i + 1]]."""

    __slots__ = ("_flat",)

    def __init__(self, flat: Strings, bounds: np.ndarray) -> None:
        super().__init__(bounds)
        self._flat = flat

    @classmethod
    def pack(cls, rows: Sequence[Sequence[str]]) -> Groups:
        bounds = np.fromiter(accumulate(map(len, rows), initial=0), np.int64, len(rows) + 1)
        return cls(Strings.pack([value for row in rows for value in row]), bounds)

    @classmethod
    def concat(cls, parts: Sequence[Groups]) -> Groups:
        flat = Strings.concat([p._flat for p in parts])
        return cls(flat, _concat_bounds([p._bounds for p in parts]))

    def select(self, indices: np.ndarray) -> Groups:
        """Rows `indices` (int64), in that order, packed (see Strings.select)."""
        starts, bounds = _taken_bounds(self._bounds, indices)
        # Each taken row's strings: its start in the old flat list, then one step per string.
        flat = np.repeat(starts - bounds[:-1], np.diff(bounds)) + np.arange(bounds[-1])
        return Groups(self._flat.select(flat), bounds)

    def __reduce__(self) -> tuple[type[Groups], tuple[Strings, np.ndarray]]:
        return Groups, (self._flat, self._bounds)

    def _decode(self, start: int, end: int) -> tuple[str, ...]:
        return self._flat.run(start, end)

    def _take(self, positions: Sequence[int]) -> list[tuple[str, ...]]:
        # Inline: calls per row (`run`, a comprehension) cost more than decoding its one to
        # three strings (tags of a page: ~95 -> ~55 µs, categories: ~60 -> ~15 µs).
        ends, flat = self._ends, self._flat
        if flat._values is not None:
            values = flat._values
            return [values[ends[i] : ends[i + 1]] for i in positions]
        data, offsets = flat._data, flat._ends
        out: list[tuple[str, ...]] = []
        for i in positions:
            start, stop = ends[i], ends[i + 1]
            if stop - start == 1:
                out.append((str(data[offsets[start] : offsets[stop]], "utf-8", "surrogatepass"),))
            else:
                out.append(
                    tuple(
                        [
                            str(data[offsets[j] : offsets[j + 1]], "utf-8", "surrogatepass")
                            for j in range(start, stop)
                        ]
                    )
                )
        return out

    def _decode_all(self, bounds: list[int]) -> tuple[tuple[str, ...], ...]:
        flat = self._flat.values()  # decoded once, not row by row
        return tuple(flat[start:end] for start, end in pairwise(bounds))


class Lookup(NamedTuple):
    """The rows of a `Strings` by value in a binary search: each row's hash, sorted, and the
    rows in that order. Made in a few numpy passes over the bytes (no row decoded): a value
    looked up among 8,656 tags took 20–50 µs by `Strings.find`'s pass, ~5 µs here."""

    hashes: np.ndarray  # uint64, ascending
    rows: np.ndarray  # int64: the row of each hash (equal hashes in row order)

    @classmethod
    def of(cls, strings: Strings) -> Lookup:
        bounds = strings._bounds
        lengths = np.diff(bounds)
        data = np.frombuffer(strings._data, dtype=np.uint8)
        powers = np.array(_powers(int(lengths.max(initial=0))), dtype=np.uint64)
        at = np.arange(len(data)) - np.repeat(bounds[:-1], lengths)  # each byte's place in its row
        summed = np.zeros(len(data) + 1, dtype=np.uint64)
        np.cumsum(data.astype(np.uint64) * powers[at], out=summed[1:])
        hashes = summed[bounds[1:]] - summed[bounds[:-1]]
        rows = np.argsort(hashes, kind="stable")
        return cls(hashes[rows], rows)

    def extended(self, added: Strings, start: int) -> Lookup:
        """The look-up of these strings followed by `added` (their rows from `start` on):
        hashing the added strings alone, at each commit of a build, not every string again."""
        more = Lookup.of(added)
        hashes = np.concatenate([self.hashes, more.hashes])
        rows = np.concatenate([self.rows, more.rows + start])
        order = np.argsort(hashes, kind="stable")  # two sorted runs: merged; equal ones by row
        return Lookup(hashes[order], rows[order])

    def find(self, strings: Strings, value: str) -> int:
        """`strings.find(value)`, for the `strings` this was made of."""
        found = 0
        for byte in reversed(value.encode("utf-8", "surrogatepass")):  # Horner's rule
            found = (found * _PRIME + byte) % _WORD
        start = int(np.searchsorted(self.hashes, np.uint64(found)))
        end = int(np.searchsorted(self.hashes, np.uint64(found), side="right"))
        for row in self.rows[start:end].tolist():
            if strings[row] == value:
                return int(row)
        return -1


def _powers(count: int) -> list[int]:
    """_PRIME^0 .. _PRIME^(count - 1), modulo 2^64."""
    powers = [1] * count
    for j in range(1, count):
        powers[j] = powers[j - 1] * _PRIME % _WORD
    return powers
