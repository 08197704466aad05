"""The archive's review file (marks, notes, saved searches), opened on first use from any thread.

Without it vidbrowse still works: `is:starred` then finds nothing and the mark keys say why."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from vidbrowse.core.query.search import Row
from vidbrowse.core.review.marks import Mark, Marks
from vidbrowse.core.review.searches import SavedSearches
from vidbrowse.core.review.state import Review, ReviewError


class ReviewFile:
    def __init__(self, archive: Path, warn: Callable[[str], None]) -> None:
        """`warn`: says once, from whichever thread opened it, why the file could not open."""
        self.archive = archive
        self.warn = warn
        self.review: Review | None = None
        self.problem: str | None = None
        self._lock = threading.Lock()

    def open(self) -> Review | None:
        """The review, opened on the first call (a search's, in a worker thread)."""
        with self._lock:
            if self.review is None and self.problem is None:
                try:
                    self.review = Review.open(self.archive)
                except ReviewError as error:
                    self.problem = str(error)
                    self.warn(f"Marks and notes are off: {error}")
            return self.review

    @property
    def marks(self) -> Marks | None:
        """The marks once opened (None before, or when they could not be)."""
        return self.review.marks if self.review is not None else None

    @property
    def saved(self) -> SavedSearches | None:
        return self.review.saved if self.review is not None else None

    def mark(self, row: Row) -> Mark | None:
        marks = self.marks
        return marks.get(row) if marks is not None else None
