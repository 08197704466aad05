"""Facet columns (channel, tags, categories): which posts hold a value, and value counts over a
query's matches, case- and accent-insensitive, each value shown in its most common spelling."""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import chain

import numpy as np

from vidbrowse.core.engine.decorations import DELETED
from vidbrowse.core.query.packed import Lookup, Strings

# Counts with at most this many values present are ordered by folding their labels alone.
FEW_LABELS = 500
# Counts over fewer matches than one in _SPARSE of a facet's entries read those rows' entries
# alone: two binary searches a match (~50 ns at 10k posts, ~120 ns at 1M, out of cache) against
# ~2 ns an entry for a pass over every entry (measured on generated posts: tags, channels).
_SPARSE = 48
# Entries of the matches counted in plain Python up to this many (numpy's fixed cost beyond).
_COUNTED = 256
_KEPT = ("_lock", "_label_rank", "_every", "_folds")  # worked out again after loading


def fold(text: str) -> str:
    """Case-, width- and accent-insensitive key: "Café", "CAFE" and "ＣＡＦＥ" all give "cafe".
    Only marks that decorate letters go (engine/decorations.py): an Indic vowel sign or virama
    is part of its letter, so "नमस्ते" and "नमसते" stay two values."""
    if text.isascii():
        return text.casefold()
    return unicodedata.normalize("NFKD", text.casefold()).translate(DELETED)


def value_key(value: str) -> str:
    """What a facet value is counted and matched under (`tag:x`, `channel="x"`): outer spaces
    dropped, folded. The one key for both, so a value's count is what its filter finds."""
    return fold(value.strip())


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
        spellings: dict[str, int] = dict.fromkeys(flat, 0)
        for i, spelling in enumerate(spellings):
            spellings[spelling] = i
        spelling_ids = np.fromiter(map(spellings.__getitem__, flat), np.int64, count=len(flat))
        spelling_counts = np.bincount(spelling_ids, minlength=len(spellings))
        self.index = {}  # folded value → id
        self.labels = []  # id → display spelling
        best: list[int] = []  # id → count of the display spelling
        key_of_spelling = np.empty(len(spellings), dtype=np.int32)
        for spelling, sid in spellings.items():
            key = value_key(spelling)
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
        self._forget()

    def _forget(self) -> None:
        """What is kept of the entries once worked out (never saved: see __getstate__)."""
        self._label_rank: np.ndarray | None = None
        self._every: dict[int | None, list[tuple[str, int]]] = {}  # counts over every row
        self._folds: dict[int, str] = {}  # `_folded`
        self._lock = threading.Lock()

    # Saved, the index and the labels are packed (the keys, their ids, the labels): a facet
    # loaded with the columns decodes them at their first use. Unpickled as a dict and a list
    # they took ~10 ms of every search process at 30k posts (the tags' and channels'), which a
    # search of words or ranges never uses, and a tag filter uses only for the tags: it finds
    # its value among the packed keys by their hashes (saved with them, else made at the first
    # look-up).
    _index: dict[str, int] | None
    _labels: list[str] | None
    _saved_index: tuple[Strings, np.ndarray]
    _saved_labels: Strings
    _key_lookup: Lookup | None

    @property
    def index(self) -> dict[str, int]:
        """Folded value → id."""
        if self._index is None:
            keys, ids = self._saved_index
            self._index = dict(zip(keys, ids.tolist(), strict=True))
        return self._index

    @index.setter
    def index(self, index: dict[str, int]) -> None:
        self._index = index
        self._key_lookup = None

    def _id_of(self, key: str) -> int | None:
        """`index.get(key)`, looked up in the saved keys while the index is not decoded."""
        if self._index is not None:
            return self._index.get(key)
        keys, ids = self._saved_index
        lookup = self._key_lookup
        if lookup is None:
            lookup = self._key_lookup = Lookup.of(keys)
        position = lookup.find(keys, key)
        return None if position < 0 else int(ids[position])

    @property
    def labels(self) -> list[str]:
        """Id → display spelling."""
        if self._labels is None:
            self._labels = list(self._saved_labels)
        return self._labels

    @labels.setter
    def labels(self, labels: list[str]) -> None:
        self._labels = labels

    def _width(self) -> int:
        """How many values (labels) there are, without decoding them."""
        return len(self._saved_labels if self._labels is None else self._labels)

    def _labels_of(self, ids: list[int]) -> list[str]:
        """The labels of `ids`: only those decoded while the labels are not (the first count
        of a tag search decoded every tag's label: ~6 ms at 10k posts)."""
        if self._labels is None:
            return self._saved_labels.take(ids)
        labels = self._labels
        return [labels[i] for i in ids]

    def __getstate__(self) -> dict[str, object]:
        packed = ("_index", "_labels", "_saved_index", "_saved_labels")
        state = {k: v for k, v in self.__dict__.items() if k not in (*_KEPT, *packed)}
        if self._index is None:  # loaded and never decoded: as it was
            state["_saved_index"] = self._saved_index
            keys = self._saved_index[0]
        else:
            ids = np.fromiter(self._index.values(), np.int64, len(self._index))
            keys = Strings.pack(self._index)
            state["_saved_index"] = (keys, ids)
        lookup = self._key_lookup
        state["_key_lookup"] = Lookup.of(keys) if lookup is None else lookup
        labels = self._labels
        state["_saved_labels"] = self._saved_labels if labels is None else Strings.pack(labels)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        # Columns saved before the index and labels were packed hold them as they are.
        state.setdefault("_index", state.pop("index", None))
        state.setdefault("_labels", state.pop("labels", None))
        state.setdefault("_key_lookup", None)  # saved before the look-ups were: made when needed
        self.__dict__.update(state)
        self._forget()

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
            value_ids = {spellings.count(value, 1, facet) for value in values}
            touched |= value_ids
            entries += [(row, i) for i in sorted(value_ids)]
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
        rows_of = _RowsOf(facet)
        for vid in touched - {empty}:
            facet.labels[vid] = spellings.label(vid, facet, values_at, rows_of)
        facet._forget()
        if self._key_lookup is not None:  # the keys added come after the old ones
            old = len(self.index)
            added = Strings.pack(list(facet.index)[old:])
            facet._key_lookup = self._key_lookup.extended(added, old)
        return facet

    def matching(self, value: str, size: int) -> np.ndarray:
        """Mask of the rows holding `value` (case- and accent-insensitive)."""
        mask = np.zeros(size, dtype=bool)
        kid = self._id_of(value_key(value))
        if kid is not None:
            mask[self.rows[self.ids == kid]] = True
        return mask

    def counts(
        self, mask: np.ndarray | None, limit: int | None, few: np.ndarray | None = None
    ) -> list[tuple[str, int]]:
        """(value, rows in `mask` holding it), most frequent first, then A→Z; at most `limit`.
        `mask` None: every row (counted once per facet and limit, then kept: an empty query,
        and a facet's alternatives when the query holds nothing but its selection). `few`: the
        rows `mask` holds, ascending, when the caller has them (a few matches)."""
        if mask is None:
            with self._lock:
                kept = self._every.get(limit)
            if kept is None:
                kept = self._ranked(np.bincount(self.ids, minlength=self._width()), limit)
                with self._lock:
                    self._every[limit] = kept
            return list(kept)
        if few is None and np.count_nonzero(mask) * _SPARSE < len(self.rows):
            few = np.flatnonzero(mask)
        if few is not None and len(few) * _SPARSE < len(self.rows):
            # A few matches: their entries alone (entries are in row order: a binary search
            # finds each row's) cost little next to a pass over every entry (~0.2 ms for the
            # tags of 10k posts). Counted first: listing every match of a dense mask costs
            # ~1 ms a facet at 1M posts.
            rows = few.astype(self.rows.dtype)  # the entries' dtype: searched without a copy
            first = np.searchsorted(self.rows, rows)
            sizes = np.searchsorted(self.rows, rows + 1) - first
            entries = np.repeat(first - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
            if len(entries) <= _COUNTED:
                return self._ranked_few(Counter(self.ids[entries].tolist()), limit)
            values, found = np.unique(self.ids[entries], return_counts=True)
            counts = np.zeros(self._width(), dtype=np.int64)
            counts[values] = found
            return self._ranked(counts, limit, values)
        # take and compress: the same as ids[mask[rows]], in about half the time at 1M posts
        # (numpy's fancy and boolean indexing take a slower, general path).
        counts = np.bincount(self.ids.compress(np.take(mask, self.rows)), minlength=self._width())
        return self._ranked(counts, limit)

    def _ranked_few(self, counted: dict[int, int], limit: int | None) -> list[tuple[str, int]]:
        """`_ranked` of a few values' counts (value → count), where numpy's calls (a count
        array as wide as the facet's values, `np.unique`) cost more. Ordered by the labels'
        ranks when they are worked out (an empty query's counts did), else by folding the
        labels (each once: a search process counting a few matches decodes no other label)."""
        rank = self._label_rank
        if rank is not None:
            held = np.fromiter(counted, dtype=np.int64, count=len(counted))
            counts = np.fromiter(counted.values(), dtype=np.int64, count=len(counted))
            order = np.lexsort((rank[held], -counts))[:limit]
            chosen: list[int] = held[order].tolist()
            return list(zip(self._labels_of(chosen), counts[order].tolist(), strict=True))
        values = list(counted)
        labels = dict(zip(values, self._labels_of(values), strict=True))
        folds = self._folds
        for value in values:
            if value not in folds:
                folds[value] = fold(labels[value])
        chosen = sorted(values, key=lambda i: (-counted[i], folds[i], i))[:limit]
        return [(labels[i], counted[i]) for i in chosen]

    def _ranked(
        self, counts: np.ndarray, limit: int | None, present: np.ndarray | None = None
    ) -> list[tuple[str, int]]:
        """(label, count) of the values counted (`present`: those with a count, when known),
        most frequent first, then A→Z; at most `limit`."""
        if present is None:
            present = np.flatnonzero(counts)
        if limit is not None and len(present) > limit:
            # Only values at least as frequent as the limit-th one can make the cut. Counts
            # repeat a lot (most values are in one or two rows), which makes np.partition
            # slow (~0.9 ms for the tags of 10k posts): counted by count instead.
            held = counts[present]
            at_least = np.cumsum(np.bincount(held)[::-1])[::-1]  # values counted >= c times
            threshold = int(np.flatnonzero(at_least >= limit)[-1])
            present = present[held >= threshold]
        if len(present) <= FEW_LABELS:
            # Folding just these labels beats ranking every label of the facet, which the first
            # count of a process paid (~20 ms for the tags of 30k posts); each is folded once.
            ranks = zip((-counts[present]).tolist(), present.tolist(), strict=True)
            chosen = [i for _, _, i in sorted((n, self._folded(i), i) for n, i in ranks)]
        else:
            order = np.lexsort((self.label_rank()[present], -counts[present]))
            chosen = present[order].tolist()
        if limit is not None:
            chosen = chosen[:limit]
        return list(zip(self._labels_of(chosen), counts[chosen].tolist(), strict=True))

    def _folded(self, value: int) -> str:
        """`fold` of a value's label, kept."""
        folded = self._folds.get(value)
        if folded is None:
            folded = self._folds[value] = fold(self._labels_of([value])[0])
        return folded

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
        self._new_of: dict[int, list[int]] = {}  # value id → its new spellings' ids
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
            key = value_key(spelling)
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
                self._new_of.setdefault(vid, []).append(sid)
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

    def label(
        self,
        vid: int,
        facet: Facet,
        values_at: Callable[[int], Sequence[str]],
        rows_of: _RowsOf,
    ) -> str:
        """The label of value `vid` in `facet` (whose entries are patched): its most common
        spelling, and among equally common ones the first in row order, as `Facet` chooses."""
        sids = self._old_group(vid) + self._new_of.get(vid, [])
        counts = [self._count_of(sid) for sid in sids]
        best = max(counts)
        tied = {self._spelling(sid) for sid, n in zip(sids, counts, strict=True) if n == best}
        if best <= 0:  # in no row any more: never shown
            return facet.labels[vid]
        if len(tied) == 1:
            return tied.pop().strip()
        for row in rows_of(vid):
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


class _RowsOf:
    """The rows holding each value of a facet, in row order: grouped once, when first asked
    (a tie between spellings), since a change of many rows can touch thousands of values."""

    def __init__(self, facet: Facet) -> None:
        self._facet = facet
        self._order: np.ndarray | None = None
        self._starts: np.ndarray | None = None

    def __call__(self, vid: int) -> list[int]:
        facet = self._facet
        if self._order is None or self._starts is None:
            self._order = np.argsort(facet.ids, kind="stable")  # entries are in row order
            self._starts = np.searchsorted(facet.ids[self._order], np.arange(len(facet.labels) + 1))
        entries = self._order[self._starts[vid] : self._starts[vid + 1]]
        rows: list[int] = facet.rows[entries].tolist()
        return rows
