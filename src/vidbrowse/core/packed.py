"""Columns of strings as the columns cache saves them: one UTF-8 buffer and offsets.

Unpickling a tuple of 100k strings builds 100k objects (~30 ms for the titles, ~45 ms for the
tags as tuples), at every start, when a search then shows twenty rows. Kept packed, a column
loads as two buffers; a value is decoded when asked for (~0.5 µs), and the first full pass
(a filter over every vid_id, say) decodes them all once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, pairwise
from typing import overload

import numpy as np


class Strings(Sequence[str]):
    __slots__ = ("_data", "_offsets", "_values")

    def __init__(self, data: bytes, offsets: np.ndarray) -> None:
        self._data = data
        self._offsets = offsets  # value i is data[offsets[i]:offsets[i + 1]]
        self._values: tuple[str, ...] | None = None

    @classmethod
    def pack(cls, values: Iterable[str]) -> Strings:
        # surrogatepass: a lone surrogate read from a post survives the round trip.
        return cls.join([value.encode("utf-8", "surrogatepass") for value in values])

    @classmethod
    def join(cls, encoded: Sequence[bytes]) -> Strings:
        """From values already encoded as UTF-8."""
        offsets = np.fromiter(accumulate(map(len, encoded), initial=0), np.int64, len(encoded) + 1)
        return cls(b"".join(encoded), offsets)

    def __reduce__(self) -> tuple[type[Strings], tuple[bytes, np.ndarray]]:
        return Strings, (self._data, self._offsets)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if self._values is not None or isinstance(index, slice):
            return self.values()[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("index out of range")
        start, end = self._offsets[index : index + 2].tolist()
        return self._data[start:end].decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        return iter(self.values())

    def values(self) -> tuple[str, ...]:
        """Every value, decoded once and kept."""
        if self._values is None:
            data, bounds = self._data, self._offsets.tolist()
            self._values = tuple(
                data[start:end].decode("utf-8", "surrogatepass") for start, end in pairwise(bounds)
            )
        return self._values


class Groups(Sequence[tuple[str, ...]]):
    """Several strings per row (tags, categories): row i holds flat[bounds[i]:bounds[i + 1]]."""

    __slots__ = ("_bounds", "_flat", "_values")

    def __init__(self, flat: Strings, bounds: np.ndarray) -> None:
        self._flat = flat
        self._bounds = bounds
        self._values: tuple[tuple[str, ...], ...] | None = None

    @classmethod
    def pack(cls, rows: Sequence[Sequence[str]]) -> Groups:
        bounds = np.fromiter(accumulate(map(len, rows), initial=0), np.int64, len(rows) + 1)
        return cls(Strings.pack([value for row in rows for value in row]), bounds)

    def __reduce__(self) -> tuple[type[Groups], tuple[Strings, np.ndarray]]:
        return Groups, (self._flat, self._bounds)

    def __len__(self) -> int:
        return len(self._bounds) - 1

    @overload
    def __getitem__(self, index: int) -> tuple[str, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[tuple[str, ...], ...]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, ...] | tuple[tuple[str, ...], ...]:
        if self._values is not None or isinstance(index, slice):
            return self.values()[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("index out of range")
        start, end = self._bounds[index : index + 2].tolist()
        return tuple(self._flat[i] for i in range(start, end))

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter(self.values())

    def values(self) -> tuple[tuple[str, ...], ...]:
        """Every row, decoded once and kept."""
        if self._values is None:
            flat, bounds = self._flat.values(), self._bounds.tolist()
            self._values = tuple(flat[start:end] for start, end in pairwise(bounds))
        return self._values
