"""Saved searches: a query kept under a name, in the archive's review file, in the order saved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vidbrowse.core.query.language import QueryError, parse_query
from vidbrowse.core.review.database import Database, ReviewError

if TYPE_CHECKING:
    from vidbrowse.core.library.library import Library
    from vidbrowse.core.review.marks import Marks

MAX_NAME = 80


@dataclass(frozen=True, slots=True)
class SavedSearch:
    name: str
    query: str


class SavedSearches:
    """Thread-safe; each change is one atomic write. Names are unique, compared exactly after
    trimming spaces. Bad names or queries raise ValueError (QueryError for a query); a file that
    cannot be written raises ReviewError."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list(self) -> list[SavedSearch]:
        return [
            SavedSearch(name, query)
            for name, query in self._db.rows("SELECT name, query FROM saved ORDER BY position")
        ]

    def get(self, name: str) -> SavedSearch | None:
        rows = self._db.rows("SELECT name, query FROM saved WHERE name = ?", (name.strip(),))
        return SavedSearch(*rows[0]) if rows else None

    def save(self, name: str, query: str) -> SavedSearch:
        """Save `query` under `name`; an existing name is overwritten in place (keeps its
        position). The query must parse: a saved search that cannot run helps nobody."""
        name = _check_name(name)
        parse_query(query)
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO saved (name, query, position) "
                "VALUES (?, ?, (SELECT coalesce(max(position), 0) + 1 FROM saved)) "
                "ON CONFLICT (name) DO UPDATE SET query = excluded.query",
                (name, query),
            )
        return SavedSearch(name, query)

    def delete(self, name: str) -> bool:
        """False when there was no such search."""
        with self._db.transaction() as db:
            return db.execute("DELETE FROM saved WHERE name = ?", (name.strip(),)).rowcount > 0

    def rename(self, old: str, new: str) -> SavedSearch:
        new = _check_name(new)
        with self._db.transaction() as db:
            if (
                old.strip() != new
                and db.execute("SELECT 1 FROM saved WHERE name = ?", (new,)).fetchone()
            ):
                raise ValueError(f"a saved search is already named {new!r}")
            cursor = db.execute("UPDATE saved SET name = ? WHERE name = ?", (new, old.strip()))
            if cursor.rowcount == 0:
                raise ValueError(f"no saved search named {old.strip()!r}")
            query = db.execute("SELECT query FROM saved WHERE name = ?", (new,)).fetchone()[0]
        return SavedSearch(new, query)


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValueError("a saved search needs a name")
    if len(name) > MAX_NAME:
        raise ValueError(f"a saved search name has at most {MAX_NAME} characters")
    return name


def counts(
    library: Library, saved: list[SavedSearch], marks: Marks | None = None
) -> dict[str, int | None]:
    """Results per saved search (no facets, no rows: a few ms each). None for a query that no
    longer parses (e.g. saved by a version with other fields)."""
    out: dict[str, int | None] = {}
    for search in saved:
        try:
            out[search.name] = library.search(search.query, facet_limit=0, marks=marks).total
        except QueryError:
            out[search.name] = None
    return out


__all__ = ["ReviewError", "SavedSearch", "SavedSearches", "counts"]
