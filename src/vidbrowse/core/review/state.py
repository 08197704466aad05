"""One archive's review state — marks, notes and saved searches — opened together.

Typical use: `review = Review.open(library.archive)` (ReviewError, one line, if unusable), then
`review.marks.mark_read(row)` for a search.Row or post.Post, `library.search("is:starred",
marks=review.marks)`, and `review.saved.save("later", "is:unread tag:talk")`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vidbrowse.core.locations import review_path
from vidbrowse.core.review.database import Database, ReviewError

if TYPE_CHECKING:
    from vidbrowse.core.review.marks import Marks
    from vidbrowse.core.review.searches import SavedSearches


class Review:
    def __init__(self, db: Database) -> None:
        # Imported here: a command reading an archive without a review file (open_existing:
        # None) does without them (~2 ms of a search process).
        from vidbrowse.core.review.marks import Marks
        from vidbrowse.core.review.searches import SavedSearches

        self.path = db.path
        self._db = db
        self.marks: Marks = Marks(db)
        self.saved: SavedSearches = SavedSearches(db)

    @classmethod
    def open(cls, archive: Path, *, data_dir: Path | None = None) -> Review:
        """Open (creating it if needed) the review file of `archive` in the data folder."""
        return cls(Database(review_path(archive, data_dir)))

    @classmethod
    def open_existing(cls, archive: Path, *, data_dir: Path | None = None) -> Review | None:
        """Like `open`, but None when the archive has no review file yet (writes nothing): for
        commands that only read marks."""
        path = review_path(archive, data_dir)
        return cls(Database(path)) if path.exists() else None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Review:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


__all__ = ["Review", "ReviewError"]
