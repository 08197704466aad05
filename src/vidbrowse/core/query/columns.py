"""Per-post columns held in memory: filters, sorting and facet counts without touching Whoosh.

Positions 0..n-1 index every array; a query is a boolean mask over positions. Orders and ranks
that only some queries need are computed on first use and cached (the columns never change once
built: the engine builds new ones when the index changes).
"""

from __future__ import annotations

import gc
import os
import pickle
import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from vidbrowse.core.query.packed import Groups, Strings


class ColumnRow(NamedTuple):
    """What the store hands the columns for one post (everything but the body)."""

    rowid: int
    path: str
    vid_id: str
    title: str
    channel: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    posted: int | None  # POSIX seconds
    uploaded: int | None  # POSIX seconds
    duration: int | None  # seconds
    views: int | None
    likes: int | None
    dislikes: int | None


# Bump when what `save` writes changes: files of another version are ignored.
FORMAT_VERSION = 3
NUMERIC_FIELDS = ("posted", "uploaded", "duration", "views", "likes", "dislikes")


# Counts with at most this many values present are ordered by folding their labels alone.
FEW_LABELS = 500


def fold(text: str) -> str:
    """Case- and accent-insensitive key: "Café" and "CAFE" both give "cafe"."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True, slots=True)
class Numeric:
    """One integer column; `known` is False where the post has no value (values there are 0)."""

    values: np.ndarray  # int64
    known: np.ndarray  # bool

    @classmethod
    def build(cls, column: Sequence[int | None] | np.ndarray) -> Numeric:
        # float64 turns None into NaN in one C loop; every value here (seconds, counts) is far
        # below 2**53, so the round trip through float is exact.
        floats = np.array(column, dtype=np.float64)
        known = ~np.isnan(floats)
        values = np.where(known, floats, 0).astype(np.int64)
        return cls(values, known)

    def get(self, position: int) -> int | None:
        return int(self.values[position]) if self.known[position] else None

    def take(self, positions: np.ndarray) -> list[int | None]:
        """`get` of each position, in two numpy calls."""
        values: list[int | None] = self.values[positions].tolist()
        known = self.known[positions]
        if not known.all():
            values = [v if k else None for v, k in zip(values, known.tolist(), strict=True)]
        return values

    def in_range(self, low: int | None, high: int | None) -> np.ndarray:
        mask = self.known.copy()
        if low is not None:
            mask &= self.values >= low
        if high is not None:
            mask &= self.values < high
        return mask


class Facet:
    """A multi-valued text column (tags, categories, channel) as flat entries: entry i says that
    row `rows[i]` holds value `ids[i]`. Values are counted case- and accent-insensitively and shown
    in their most common original spelling."""

    @classmethod
    def multi(cls, per_row: Sequence[Sequence[str]]) -> Facet:
        """From several values per row (tags, categories)."""
        lengths = np.fromiter(map(len, per_row), dtype=np.int64, count=len(per_row))
        rows = np.repeat(np.arange(len(per_row), dtype=np.int32), lengths)
        return cls(list(chain.from_iterable(per_row)), rows)

    @classmethod
    def single(cls, values: Sequence[str]) -> Facet:
        """From one value per row (channel)."""
        return cls(values, np.arange(len(values), dtype=np.int32))

    def __init__(self, flat: Sequence[str], rows: np.ndarray) -> None:
        # Exact spellings first (C-speed dict work over every entry), folding only the distinct
        # spellings afterwards: tags repeat a lot.
        spellings: dict[str, int] = dict.fromkeys(flat)  # type: ignore[arg-type]
        for i, spelling in enumerate(spellings):
            spellings[spelling] = i
        spelling_ids = np.fromiter(map(spellings.__getitem__, flat), np.int64, count=len(flat))
        spelling_counts = np.bincount(spelling_ids, minlength=len(spellings))
        self.index: dict[str, int] = {}  # folded value → id
        self.labels: list[str] = []  # id → display spelling
        best: list[int] = []  # id → count of the display spelling
        key_of_spelling = np.empty(len(spellings), dtype=np.int32)
        for spelling, sid in spellings.items():
            key = fold(spelling.strip())
            kid = self.index.get(key)
            count = int(spelling_counts[sid])
            if kid is None:
                kid = self.index[key] = len(self.labels)
                self.labels.append(spelling.strip())
                best.append(count)
            elif count > best[kid]:
                self.labels[kid], best[kid] = spelling.strip(), count
            key_of_spelling[sid] = kid
        # One entry per (row, value): a post tagged both "Rock" and "rock" counts once. Rows
        # come in order, so sorting the pairs is cheap (~6 ms for 600k entries).
        width = max(len(self.labels), 1)
        pairs = rows.astype(np.int64) * width + key_of_spelling[spelling_ids]
        pairs.sort()
        distinct = np.ones(len(pairs), dtype=bool)
        distinct[1:] = pairs[1:] != pairs[:-1]
        pairs = pairs[distinct]
        self.rows = (pairs // width).astype(np.int32)
        self.ids = (pairs % width).astype(np.int32)
        empty = self.index.get("")  # blank tags and channels are no value
        if empty is not None:
            self.rows, self.ids = self.rows[self.ids != empty], self.ids[self.ids != empty]
        # Every spelling with its value and count, so that `patched` can choose the labels of
        # the values a change touched without counting every row again.
        self.spellings = Strings.pack(spellings)
        self.spelling_ids = key_of_spelling
        self.spelling_counts = spelling_counts
        self._label_rank: np.ndarray | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_label_rank")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._label_rank = None
        self._lock = threading.Lock()

    def patched(
        self,
        moved: np.ndarray,
        dropped: Iterable[Sequence[str]],
        fresh: Sequence[Sequence[str]],
        fresh_rows: np.ndarray,
        values_at: Callable[[int], Sequence[str]],
    ) -> Facet:
        """This facet after a change of rows: `moved` gives each old row's new row (-1: gone),
        `dropped` the values of the old rows gone, `fresh` the values of the new rows at
        `fresh_rows` (rows kept move in the same order), `values_at` any row's values after the
        change. The same counts and labels as a facet built from every row again (value ids
        differ: unused ones stay, new ones come last)."""
        facet = Facet.__new__(Facet)
        facet.index, facet.labels = dict(self.index), list(self.labels)
        spellings = _SpellingTable(self)
        touched: set[int] = set()
        for values in dropped:
            for value in values:
                touched.add(spellings.count(value, -1, facet))
        entries: list[tuple[int, int]] = []
        for row, values in zip(fresh_rows.tolist(), fresh, strict=True):
            ids = {spellings.count(value, 1, facet) for value in values}
            touched |= ids
            entries += [(row, i) for i in sorted(ids)]
        empty = facet.index.get("")
        entries = [entry for entry in entries if entry[1] != empty]
        # Kept entries stay in (row, id) order; the fresh ones are put in their places.
        kept = moved[self.rows] >= 0
        rows, ids = moved[self.rows[kept]], self.ids[kept].astype(np.int64)
        new_rows = np.array([r for r, _ in entries], dtype=np.int64)
        new_ids = np.array([i for _, i in entries], dtype=np.int64)
        width = len(facet.labels)
        slots = np.searchsorted(rows * width + ids, new_rows * width + new_ids)
        facet.rows = np.insert(rows, slots, new_rows).astype(np.int32)
        facet.ids = np.insert(ids, slots, new_ids).astype(np.int32)
        facet.spellings, facet.spelling_ids, facet.spelling_counts = spellings.arrays()
        for vid in touched - {empty}:
            facet.labels[vid] = spellings.label(vid, facet, values_at)
        facet._label_rank = None
        facet._lock = threading.Lock()
        return facet

    def matching(self, value: str, size: int) -> np.ndarray:
        """Mask of the rows holding `value` (case- and accent-insensitive)."""
        mask = np.zeros(size, dtype=bool)
        kid = self.index.get(fold(value.strip()))
        if kid is not None:
            mask[self.rows[self.ids == kid]] = True
        return mask

    def counts(self, mask: np.ndarray, limit: int | None) -> list[tuple[str, int]]:
        """(value, rows in `mask` holding it), most frequent first, then A→Z; at most `limit`."""
        counts = np.bincount(self.ids[mask[self.rows]], minlength=len(self.labels))
        present = np.flatnonzero(counts)
        if limit is not None and len(present) > limit:
            # Only values at least as frequent as the limit-th one can make the cut.
            threshold = np.partition(counts[present], len(present) - limit)[len(present) - limit]
            present = present[counts[present] >= threshold]
        if len(present) <= FEW_LABELS:
            # Folding just these labels beats ranking every label of the facet, which the first
            # count of a process paid (~20 ms for the tags of 30k posts).
            labels = self.labels
            keys = {int(i): (-int(counts[i]), fold(labels[i]), int(i)) for i in present}
            chosen = sorted(keys, key=keys.__getitem__)
        else:
            order = np.lexsort((self.label_rank()[present], -counts[present]))
            chosen = present[order].tolist()
        if limit is not None:
            chosen = chosen[:limit]
        return [(self.labels[i], int(counts[i])) for i in chosen]

    def label_rank(self) -> np.ndarray:
        with self._lock:
            if self._label_rank is None:
                folded = [fold(label) for label in self.labels]
                by_label = sorted(range(len(folded)), key=folded.__getitem__)
                rank = np.empty(len(folded), dtype=np.int64)
                rank[by_label] = np.arange(len(folded))
                self._label_rank = rank
            return self._label_rank


class _SpellingTable:
    """A facet's spellings while `Facet.patched` counts a change. A value is looked up among the
    spellings of its folded value (through the facet's index), so only those are decoded."""

    def __init__(self, facet: Facet) -> None:
        self._facet = facet
        self._old_values = len(facet.labels)
        self._old_spellings = len(facet.spellings)
        order = np.argsort(facet.spelling_ids, kind="stable")
        self._by_value = order
        self._starts = np.searchsorted(
            facet.spelling_ids[order], np.arange(self._old_values + 1)
        ).tolist()
        self._found: dict[str, tuple[int, int]] = {}  # spelling → (spelling id, value id)
        self._new: list[str] = []  # spellings not in the facet, their ids from _old_spellings on
        self._new_values: list[int] = []
        self._delta: dict[int, int] = {}

    def _old_group(self, vid: int) -> list[int]:
        if vid >= self._old_values:
            return []
        return self._by_value[self._starts[vid] : self._starts[vid + 1]].tolist()

    def count(self, spelling: str, step: int, facet: Facet) -> int:
        """Count `spelling` `step` more times (adding it, and its value, to `facet` when new);
        its value's id."""
        found = self._found.get(spelling)
        if found is None:
            key = fold(spelling.strip())
            vid = facet.index.get(key)
            sids = [] if vid is None else self._old_group(vid)
            sid = next((s for s in sids if self._facet.spellings[s] == spelling), None)
            if vid is None:
                vid = facet.index[key] = len(facet.labels)
                facet.labels.append(spelling.strip())
            if sid is None:
                sid = self._old_spellings + len(self._new)
                self._new.append(spelling)
                self._new_values.append(vid)
            found = self._found[spelling] = (sid, vid)
        sid, vid = found
        self._delta[sid] = self._delta.get(sid, 0) + step
        return vid

    def _count_of(self, sid: int) -> int:
        base = int(self._facet.spelling_counts[sid]) if sid < self._old_spellings else 0
        return base + self._delta.get(sid, 0)

    def _spelling(self, sid: int) -> str:
        if sid < self._old_spellings:
            return self._facet.spellings[sid]
        return self._new[sid - self._old_spellings]

    def label(self, vid: int, facet: Facet, values_at: Callable[[int], Sequence[str]]) -> str:
        """The label of value `vid` in `facet` (whose entries are patched): its most common
        spelling, and among equally common ones the first in row order, as `Facet` chooses."""
        first_new = self._old_spellings
        sids = self._old_group(vid) + [
            first_new + i for i, v in enumerate(self._new_values) if v == vid
        ]
        counts = [self._count_of(sid) for sid in sids]
        best = max(counts)
        tied = {self._spelling(sid) for sid, n in zip(sids, counts, strict=True) if n == best}
        if best <= 0:  # in no row any more: never shown
            return facet.labels[vid]
        if len(tied) == 1:
            return tied.pop().strip()
        for row in facet.rows[facet.ids == vid].tolist():
            for value in values_at(row):
                if value in tied:
                    return value.strip()
        raise AssertionError(f"spellings counted in no row: {sorted(tied)}")

    def arrays(self) -> tuple[Strings, np.ndarray, np.ndarray]:
        """(spellings, their value ids, their counts) after the change."""
        facet = self._facet
        counts = np.concatenate([facet.spelling_counts, np.zeros(len(self._new), np.int64)])
        for sid, delta in self._delta.items():
            counts[sid] += delta
        return (
            Strings.concat([facet.spellings, Strings.pack(self._new)]),
            np.concatenate([facet.spelling_ids, np.array(self._new_values, dtype=np.int32)]),
            counts,
        )


class Columns:
    """Every post's non-text fields, column-wise. Build once per index state with `build` or
    `from_source`."""

    def __init__(self, rows: Sequence[ColumnRow]) -> None:
        fields = list(zip(*rows, strict=True)) if rows else [()] * len(ColumnRow._fields)
        self._fill(dict(zip(ColumnRow._fields, fields, strict=True)).__getitem__)

    def _fill(self, column: Callable[[str], Iterable[Any]]) -> None:
        # One field at a time, each packed (strings: one UTF-8 buffer, see packed.py) before the
        # next is asked for: the objects of one column are alive at once, not of every row.
        self.rowids = np.array(column("rowid"), dtype=np.int64)
        self.size = len(self.rowids)
        self.numeric = {name: Numeric.build(column(name)) for name in NUMERIC_FIELDS}
        self.paths: Strings = _strings(column("path"))
        self.vid_ids: Strings = _strings(column("vid_id"))
        self.titles: Strings = _strings(column("title"))
        channels = list(column("channel"))
        self.channels: Strings = Strings.pack(channels)
        self.facets = {"channel": Facet.single(channels)}
        del channels
        tags = list(column("tags"))
        self.tags: Groups = Groups.pack(tags)
        self.facets["tag"] = Facet.multi(tags)
        del tags
        categories = list(column("categories"))
        self.categories: Groups = Groups.pack(categories)
        self.facets["category"] = Facet.multi(categories)
        self._reset_caches()

    def _reset_caches(self) -> None:
        self._lock = threading.Lock()
        self._orders: dict[tuple[str, bool], np.ndarray] = {}
        self._title_rank: np.ndarray | None = None
        self._by_rowid: np.ndarray | None = None  # positions sorted by rowid
        self._docnum_cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def build(cls, rows: Iterable[ColumnRow]) -> Columns:
        with _no_gc():
            return cls(rows if isinstance(rows, Sequence) else list(rows))

    @classmethod
    def from_source(cls, column: Callable[[str], Iterable[Any]]) -> Columns:
        """From `column(field)`, each field's values in row order (fields as in ColumnRow),
        asked for once each; paths, vid_ids and titles may come as UTF-8 bytes. At 100k posts
        this peaks ~60 MB lower than whole rows, and the columns hold ~75 MB less."""
        columns = cls.__new__(cls)
        with _no_gc():
            columns._fill(column)
        return columns

    def patched(self, gone: np.ndarray, fresh: Columns) -> Columns:
        """These columns without the rows whose rowid is in `gone`, with `fresh`'s rows in place
        of the rows of the same rowid or added: the columns `from_source` builds from the store
        after that change (same rows, values, facet counts and labels, orders), at a cost in
        proportion to the change plus a few numpy passes over the rows. Both must be in rowid
        order, as the store gives them."""
        if not (_ascending(self.rowids) and _ascending(fresh.rowids)):
            raise ValueError("only columns in rowid order can be patched")
        size = len(self)
        kept = np.flatnonzero(~np.isin(self.rowids, np.concatenate([gone, fresh.rowids])))
        rowids = np.concatenate([self.rowids[kept], fresh.rowids])
        order = np.argsort(rowids, kind="stable")
        # Row i of the result is row take[i] of self's rows followed by fresh's rows.
        take = np.concatenate([kept, size + np.arange(len(fresh), dtype=np.int64)])[order]
        moved = np.full(size + len(fresh), -1, dtype=np.int64)
        moved[take] = np.arange(len(take))
        columns = Columns.__new__(Columns)
        with _no_gc():
            columns.rowids = rowids[order]
            columns.size = len(take)
            columns.numeric = {
                name: Numeric(
                    np.concatenate([column.values, fresh.numeric[name].values])[take],
                    np.concatenate([column.known, fresh.numeric[name].known])[take],
                )
                for name, column in self.numeric.items()
            }
            for name in ("paths", "vid_ids", "titles", "channels"):
                both = [getattr(self, name), getattr(fresh, name)]
                setattr(columns, name, Strings.concat(both).select(take))
            columns.tags = Groups.concat([self.tags, fresh.tags]).select(take)
            columns.categories = Groups.concat([self.categories, fresh.categories]).select(take)
            gone_rows = np.flatnonzero(moved[:size] < 0).tolist()
            columns.facets = {
                name: facet.patched(
                    moved[:size],
                    (self._facet_values(name, row) for row in gone_rows),
                    [fresh._facet_values(name, row) for row in range(len(fresh))],
                    moved[size:],
                    partial(columns._facet_values, name),
                )
                for name, facet in self.facets.items()
            }
            columns._reset_caches()
            if self._title_rank is not None:
                by_title = np.empty(size, dtype=np.int64)
                by_title[self._title_rank] = np.arange(size)
                by_title = moved[by_title]
                columns._title_rank = columns._title_rank_adding(
                    by_title[by_title >= 0], moved[size:]
                )
        return columns

    def _facet_values(self, facet: str, position: int) -> Sequence[str]:
        """The values that facet `facet` counts in row `position`."""
        if facet == "channel":
            return (self.channels[position],)
        return (self.tags if facet == "tag" else self.categories)[position]

    def _title_key(self, position: int) -> tuple[str, int]:
        return self.titles[position].casefold(), int(self.rowids[position])

    def _title_rank_adding(self, by_title: np.ndarray, added: np.ndarray) -> np.ndarray:
        """`title_rank` from the other positions in title order and positions `added`, each
        put in its place by a binary search (a full sort decodes and casefolds every title)."""
        others = by_title.tolist()
        added = sorted(added.tolist(), key=self._title_key)
        slots = [bisect_left(others, self._title_key(p), key=self._title_key) for p in added]
        by_title = np.insert(by_title, slots, added)
        rank = np.empty(self.size, dtype=np.int64)
        rank[by_title] = np.arange(self.size)
        return rank

    # Saved columns load ~10x faster than they build (100k rows: ~13 ms against ~150 ms, plus
    # reading the rows from the store). The file lives in vidbrowse's own cache folder.
    def save(self, path: Path) -> None:
        """Write the columns to `path` atomically (a crash leaves the old file or none)."""
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as f:
            pickle.dump((FORMAT_VERSION, self), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)

    @classmethod
    def load(cls, path: Path) -> Columns | None:
        """The columns saved at `path`; None when missing, damaged or from another version
        (build them again)."""
        try:
            with _no_gc(), path.open("rb") as f:
                version, columns = pickle.load(f)
        # AttributeError/ImportError: saved by a version whose classes differ.
        except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError,
                pickle.UnpicklingError):  # fmt: skip
            return None
        if version != FORMAT_VERSION or not isinstance(columns, cls):
            return None
        return columns

    def __getstate__(self) -> dict[str, object]:
        # Orders computed so far are saved too: loaded columns sort at once.
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_docnum_cache")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._docnum_cache = None

    def __len__(self) -> int:
        return self.size

    # --- filters ---------------------------------------------------------------------------

    def exact(self, field: str, value: str) -> np.ndarray:
        """Mask for `tag:`/`category:` (folded equality on any value) or `id:` (the vid_id)."""
        if field == "id":
            return np.fromiter((v == value for v in self.vid_ids), dtype=bool, count=self.size)
        return self.facets[field].matching(value, self.size)

    def in_range(self, field: str, low: int | None, high: int | None) -> np.ndarray:
        """Mask of low <= value < high; unknown values never match."""
        return self.numeric[field].in_range(low, high)

    # --- Whoosh documents ↔ positions ------------------------------------------------------

    def docnum_positions(self, docnum_rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position of each docnum or -1, docnum of each position or -1) for the engine's
        docnum → rowid map; cached while the engine keeps handing the same array."""
        with self._lock:
            cached = self._docnum_cache
            if cached is not None and cached[0] is docnum_rowids:
                return cached[1], cached[2]
        by_rowid = self.by_rowid()
        positions = np.full(len(docnum_rowids), -1, dtype=np.int64)
        if self.size:
            sorted_rowids = self.rowids[by_rowid]
            slot = np.minimum(np.searchsorted(sorted_rowids, docnum_rowids), self.size - 1)
            found = (sorted_rowids[slot] == docnum_rowids) & (docnum_rowids >= 0)
            positions[found] = by_rowid[slot[found]]
        docnums = np.full(self.size, -1, dtype=np.int64)
        docnums[positions[positions >= 0]] = np.flatnonzero(positions >= 0)
        with self._lock:
            self._docnum_cache = (docnum_rowids, positions, docnums)
        return positions, docnums

    def by_rowid(self) -> np.ndarray:
        """Positions in rowid order."""
        with self._lock:
            if self._by_rowid is None:
                self._by_rowid = np.argsort(self.rowids, kind="stable")
            return self._by_rowid

    # --- sorting ---------------------------------------------------------------------------

    def title_rank(self) -> np.ndarray:
        """Each position's place in casefolded-title order, rowid breaking ties."""
        by_rowid = self.by_rowid()
        with self._lock:
            if self._title_rank is None:
                folded = [t.casefold() for t in self.titles]
                # A stable sort of positions already in rowid order: ties stay by rowid.
                by_title = sorted(by_rowid.tolist(), key=folded.__getitem__)
                rank = np.empty(self.size, dtype=np.int64)
                rank[by_title] = np.arange(self.size)
                self._title_rank = rank
            return self._title_rank

    def order(self, key: str, reverse: bool) -> np.ndarray:
        """Every position in `key` order: newest/most/longest first (title A→Z) unless
        `reverse`; unknown values last either way; ties by title A→Z, then rowid."""
        with self._lock:
            cached = self._orders.get((key, reverse))
        if cached is not None:
            return cached
        title_rank = self.title_rank()
        if key == "title":
            order = np.argsort(title_rank)
            if reverse:
                order = order[::-1].copy()
        else:
            column = self.numeric[key]
            sign = 1 if reverse else -1
            known = np.flatnonzero(column.known)
            unknown = np.flatnonzero(~column.known)
            known = known[np.lexsort((title_rank[known], sign * column.values[known]))]
            unknown = unknown[np.argsort(title_rank[unknown])]
            order = np.concatenate([known, unknown])
        with self._lock:
            self._orders[(key, reverse)] = order
        return order


def _ascending(values: np.ndarray) -> bool:
    return bool(np.all(values[1:] > values[:-1]))


def _strings(values: Iterable[str | bytes]) -> Strings:
    values = list(values)
    if values and isinstance(values[0], bytes):
        return Strings.join(values)  # type: ignore[arg-type]
    return Strings.pack(values)  # type: ignore[arg-type]


@contextmanager
def _no_gc() -> Iterator[None]:
    """Building or loading allocates many objects that all survive: cyclic GC passes over them
    would only add time (measured: a third of the build at 100k rows)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
