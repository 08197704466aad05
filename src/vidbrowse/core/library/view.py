"""The read side of a library: a view of its index and columns as of one commit, and searches
on it. A view is never changed: an update opens a new one after each commit and swaps it in
(see home.Home.reload_view)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from vidbrowse.core.engine import index
from vidbrowse.core.library import columncache
from vidbrowse.core.library.store import Store
from vidbrowse.core.query.columns import Columns
from vidbrowse.core.query.search import Results, execute

if TYPE_CHECKING:
    from vidbrowse.core.query.language import ParsedQuery
    from vidbrowse.core.review.marks import Marks

# A commit that wrote or deleted at most this share of the posts patches the columns with those
# rows (read from the store) rather than reading every row again; one that only added posts
# always does (a pipelined build's commits: reading every row at each one made the columns'
# cost grow with the square of the posts).
PATCH_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Change:
    """What one commit did to the store's posts: rowids written (added or rewritten) and
    rowids deleted (rowids the store never held are ignored)."""

    fresh: list[int]
    gone: list[int]

    def patches(self, rowids: np.ndarray) -> bool:
        """Whether columns of the posts `rowids` are patched with this change rather than read
        again: it is small, or it only added posts."""
        if len(self.fresh) + len(self.gone) <= len(rowids) * PATCH_SHARE:
            return True
        return not self.gone and not np.isin(self.fresh, rowids).any()


@dataclass(slots=True)
class View:
    """What searches read; swapped as a whole after each commit."""

    ix: FileIndex
    searcher: Searcher
    columns: Columns
    docnum_rowids: np.ndarray  # -1 for deleted documents and documents the store does not know
    live_rowids: np.ndarray  # rowids with a live Whoosh document, store or not

    def search(
        self,
        query: ParsedQuery,
        *,
        sort: str | None,
        reverse: bool,
        facet_limit: int | None,
        marks: Marks | None,
        text_of: Callable[[int], str] | None = None,
    ) -> Results:
        return execute(
            query,
            self.columns,
            self.searcher,
            self.docnum_rowids,
            sort=sort,
            reverse=reverse,
            facet_limit=facet_limit,
            marks=marks,
            text_of=text_of,
        )


def open_view(
    home: Path, text: Path, store: Store, old: View | None, change: Change | None = None
) -> View:
    """A view of the index in `text` and of `store`, whose columns are cached in `home`. `old`:
    the view it replaces, whose columns `change` may patch (see `_columns`)."""
    # The store first: an update commits the text index, then the store, so the text opened
    # after holds every row read here (its extra documents are masked below). Opened the other
    # way, a commit in between gave rows without words: listed, yet not found by their words.
    columns = _columns(home, store, None if old is None else old.columns, change)
    ix, searcher = index.open_searcher(text)
    mapping = index.docnum_rowids(searcher)
    mapping[index.deleted_docnums(searcher)] = -1
    live_rowids = mapping[mapping >= 0].copy()
    # Documents left by an update that crashed before its SQLite commit are not posts. The
    # columns cache these positions for this very array (the first search needs them): the
    # entries set to -1 here already have no position, so the cache stays right.
    positions, _ = columns.docnum_positions(mapping)
    mapping[positions < 0] = -1
    return View(ix, searcher, columns, mapping, live_rowids)


def _columns(home: Path, store: Store, old: Columns | None, change: Change | None) -> Columns:
    """The columns of the store as it is: loaded from the copy saved beside it when that
    copy is of the store's generation, else `old` patched with `change` when that is all the
    store's rows changed by since (an update's commit: the update lock keeps other writers
    out), else built in full (see columncache)."""
    generation = store.generation()
    columns = Columns.load(columncache.saved_path(home, generation))
    if columns is not None:
        return columns
    if change is not None and old is not None and change.patches(old.rowids):
        gone = np.array(change.gone, dtype=np.int64)
        columns = old.patched(gone, store.columns(change.fresh))
        columncache.save(columns, home, generation)
        # The saved copy, mapped, in place of the patched one in this process's heap (the
        # columns of 1M posts: ~450 MB of private memory each commit of a build left behind).
        return Columns.load(columncache.saved_path(home, generation)) or columns
    return columncache.load(store, home)
