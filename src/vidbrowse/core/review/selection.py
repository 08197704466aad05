"""Posts the user picked in the results (mutt's tagged messages, VisiData's selected rows).

Kept as a sorted array of store rowids: they name a post across sorts and index updates, and
selecting all of 100,000 results is one numpy operation, not 100,000 Python objects."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from vidbrowse.core.query.ranking import Listed
from vidbrowse.core.query.search import Results
from vidbrowse.core.review.marks import Key, key_of


class Selection:
    def __init__(self) -> None:
        self.rowids = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.rowids)

    def __contains__(self, rowid: int) -> bool:
        at = int(np.searchsorted(self.rowids, rowid))
        return at < len(self.rowids) and int(self.rowids[at]) == rowid

    def toggle(self, rowid: int) -> bool:
        """Select or unselect one post; True when it is now selected."""
        at = int(np.searchsorted(self.rowids, rowid))
        if at < len(self.rowids) and int(self.rowids[at]) == rowid:
            self.rowids = np.delete(self.rowids, at)
            return False
        self.rowids = np.insert(self.rowids, at, rowid)
        return True

    def add_all(self, results: Results) -> None:
        """Select every result (those selected before stay selected)."""
        if results.columns is not None:
            found = results.columns.rowids[results.positions]
            self.rowids = np.union1d(self.rowids, found.astype(np.int64))

    def keep(self, results: Results) -> None:
        """Unselect the posts no longer among `results` (the same query, searched again after
        a change of marks or of the index): a selection is always of posts shown."""
        if len(self.rowids) and results.columns is not None:
            found = results.columns.rowids[results.positions]
            self.rowids = np.intersect1d(self.rowids, found.astype(np.int64))

    def clear(self) -> int:
        """Unselect everything; returns how many posts were selected."""
        count = len(self.rowids)
        self.rowids = np.empty(0, dtype=np.int64)
        return count

    def of(self, results: Results) -> Results:
        """The selected posts among `results`, in their order (scores kept): what acting on the
        selection acts on, e.g. an export."""
        positions, scores = results.order.all()
        if results.columns is None or not len(self.rowids):
            kept = np.zeros(len(positions), dtype=bool)
        else:
            kept = np.isin(results.columns.rowids[positions], self.rowids)
        order = Picked(positions[kept], None if scores is None else scores[kept])
        return replace(results, total=int(kept.sum()), order=order)


class Picked(Listed):
    """Positions in display order with their scores (a part of a ranked order, still ranked)."""

    def __init__(self, positions: np.ndarray, scores: np.ndarray | None) -> None:
        super().__init__(positions)
        self.scores = scores

    def first(self, count: int) -> tuple[np.ndarray, np.ndarray | None]:
        return self.positions[:count], None if self.scores is None else self.scores[:count]

    def all(self) -> tuple[np.ndarray, np.ndarray | None]:
        return self.positions, self.scores


def keys(results: Results) -> list[Key]:
    """The mark keys (marks.post_key) of all `results`, from the columns (no post is read)."""
    if results.columns is None:
        return []
    at = results.positions.tolist()
    columns = results.columns
    return list(map(key_of, columns.vid_ids.take(at), columns.paths.take(at)))
