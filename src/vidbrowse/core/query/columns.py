"""Per-post columns held in memory: filters, sorting and facet counts without touching Whoosh.

Positions 0..n-1 index every array; a query is a boolean mask over positions. Orders and ranks
that only some queries need are computed on first use and cached (the columns never change once
built: the engine builds new ones when the index changes).
"""

from __future__ import annotations

import gc
import pickle
import struct
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from vidbrowse.core.links import site_of
from vidbrowse.core.query import mapped
from vidbrowse.core.query.facets import Facet
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
    sites: tuple[str, ...] = ()  # the sites of its links (core/links.py)


# Bump when what `save` writes changes (its facets' value keys included: facets.fold): files of
# another version are ignored.
FORMAT_VERSION = 6
NUMERIC_FIELDS = ("posted", "uploaded", "duration", "views", "likes", "dislikes")
# `patched` keeps the title order (placing the added rows in it) when at most 1/this of the rows
# are added; else the order is sorted again when first needed.
TITLE_RANK_REDO = 16


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



class Columns:
    """Every post's non-text fields, column-wise. Build once per index state with `build` or
    `from_source`."""

    def __init__(self, rows: Sequence[ColumnRow]) -> None:
        fields = list(zip(*rows, strict=True)) if rows else [()] * len(ColumnRow._fields)
        self._fill(dict(zip(ColumnRow._fields, fields, strict=True)).__getitem__)

    def _fill(self, column: Callable[[str], Sequence[Any] | np.ndarray]) -> None:
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
        del categories
        sites = list(column("sites"))
        self.sites: Groups = Groups.pack(sites)
        self.facets["site"] = Facet.multi(sites)
        self._reset_caches()

    def _reset_caches(self) -> None:
        self._lock = threading.Lock()
        self._orders: dict[tuple[str, bool], np.ndarray] = {}
        self._places: dict[tuple[str, bool], np.ndarray] = {}  # `place`: never saved
        self._title_rank: np.ndarray | None = None
        self._by_rowid: np.ndarray | None = None  # positions sorted by rowid
        self._docnum_cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def build(cls, rows: Iterable[ColumnRow]) -> Columns:
        with _no_gc():
            return cls(rows if isinstance(rows, Sequence) else list(rows))

    @classmethod
    def from_source(cls, column: Callable[[str], Sequence[Any] | np.ndarray]) -> Columns:
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
            columns.sites = Groups.concat([self.sites, fresh.sites]).select(take)
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
            # Each added row is placed by a binary search decoding ~log2(size) titles: past a
            # share of the rows, sorting them all again (title_rank, on first use) is cheaper.
            if self._title_rank is not None and len(fresh) * TITLE_RANK_REDO <= size:
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
        groups = {"tag": self.tags, "category": self.categories, "site": self.sites}
        return groups[facet][position]

    def _title_key(self, position: int) -> tuple[str, int]:
        return self.titles[position].casefold(), int(self.rowids[position])

    def _title_rank_adding(self, by_title: np.ndarray, added: np.ndarray) -> np.ndarray:
        """`title_rank` from the other positions in title order and positions `added`, each
        put in its place by a binary search (a full sort decodes and casefolds every title)."""
        others = by_title.tolist()
        placed = sorted(added.tolist(), key=self._title_key)
        slots = [bisect_left(others, self._title_key(p), key=self._title_key) for p in placed]
        by_title = np.insert(by_title, slots, placed)
        rank = np.empty(self.size, dtype=np.int64)
        rank[by_title] = np.arange(self.size)
        return rank

    # Saved columns load far faster than they build, and are mapped, not read (mapped.py): the
    # arrays and strings are views of the file, paged in as searches touch them. The file lives
    # in vidbrowse's own cache folder.
    def save(self, path: Path) -> None:
        """Write the columns to `path` atomically (a crash leaves the old file or none)."""
        mapped.save((FORMAT_VERSION, self), path)

    @classmethod
    def load(cls, path: Path) -> Columns | None:
        """The columns saved at `path`; None when missing, damaged or from another version
        (build them again)."""
        try:
            with _no_gc():
                version, columns = mapped.load(path)
        # AttributeError/ImportError: saved by a version whose classes differ.
        except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError,
                pickle.UnpicklingError, struct.error):  # fmt: skip
            return None
        if version != FORMAT_VERSION or not isinstance(columns, cls):
            return None
        return columns

    def __getstate__(self) -> dict[str, object]:
        # Orders computed so far are saved too: loaded columns sort at once.
        unsaved = ("_lock", "_docnum_cache", "_places")
        return {k: v for k, v in self.__dict__.items() if k not in unsaved}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._docnum_cache = None
        self._places = {}

    def __len__(self) -> int:
        return self.size

    # --- filters ---------------------------------------------------------------------------

    def exact(self, field: str, value: str) -> np.ndarray:
        """Mask for `tag:`/`category:`/`site:` (folded equality on any value) or `id:` (the
        vid_id). A site may be given as a host or a URL (`www.patreon.com/x`)."""
        if field == "id":
            return np.fromiter((v == value for v in self.vid_ids), dtype=bool, count=self.size)
        if field == "site":
            value = site_of(value)
        return self.facets[field].matching(value, self.size)

    def holding(self, field: str) -> np.ndarray:
        """Mask of the rows holding any value of facet `field` (`has:link`: any site)."""
        mask = np.zeros(self.size, dtype=bool)
        mask[self.facets[field].rows] = True
        return mask

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
        `reverse`; unknown values last either way (no upload date: by posting date); ties by
        title A→Z, then rowid."""
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
            if key == "uploaded":  # e.g. Dailymotion posts: then by their posting date
                posted = self.numeric["posted"]
                by_posted = (title_rank[unknown], sign * posted.values[unknown])
                unknown = unknown[np.lexsort((*by_posted, ~posted.known[unknown]))]
            else:
                unknown = unknown[np.argsort(title_rank[unknown])]
            order = np.concatenate([known, unknown])
        with self._lock:
            self._orders[(key, reverse)] = order
        return order

    def place(self, key: str, reverse: bool) -> np.ndarray:
        """Each position's place in `order(key, reverse)`: a few matches are put in that order
        by sorting their places, not by a pass over every position."""
        with self._lock:
            cached = self._places.get((key, reverse))
        if cached is None:
            order = self.order(key, reverse)
            cached = np.empty(self.size, dtype=np.int64)
            cached[order] = np.arange(self.size)
            with self._lock:
                self._places[(key, reverse)] = cached
        return cached

    def in_order(
        self, key: str, reverse: bool, mask: np.ndarray, few: np.ndarray | None
    ) -> np.ndarray:
        """The positions `mask` holds in `order(key, reverse)`; `few`: the same positions in
        position order, when the caller has them (a few matches)."""
        if few is None:
            order = self.order(key, reverse)
            return order.compress(np.take(mask, order))  # order[mask[order]], faster (facets.py)
        return few[np.argsort(self.place(key, reverse)[few])]


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
