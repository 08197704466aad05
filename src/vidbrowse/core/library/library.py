"""An opened archive: its store, its Whoosh index and its columns, kept up to date.

`Library` is the face callers use; the work is done by three parts:
- home.py: the home folder (create, open, repair, clear), the update lock, the open store/view;
- update.py: the update side (scan, plan, batches, write, commit) and who runs where during one;
- view.py: the read side (a view of one commit's index and columns, searched).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from vidbrowse.core import locations
from vidbrowse.core.archive import freshness
from vidbrowse.core.archive import scan as archive_scan
from vidbrowse.core.archive.post import Post, Problem
from vidbrowse.core.library.home import Home, LibraryError, Progress, ProgressFn
from vidbrowse.core.library.update import Updater, UpdateSummary
from vidbrowse.core.options import RARE_HITS
from vidbrowse.core.query import similar
from vidbrowse.core.query.language import ParsedQuery
from vidbrowse.core.query.search import Results

if TYPE_CHECKING:
    from vidbrowse.core.library.upkeep import Merged
    from vidbrowse.core.review.marks import Marks

__all__ = ["Library", "LibraryError", "Progress", "Stats", "UpdateSummary"]


@dataclass(frozen=True, slots=True)
class Stats:
    posts: int
    problems: int
    updated: float | None  # POSIX time of the last update that changed something


class Library:
    """See the module docstring. All methods are safe to call from a worker thread."""

    def __init__(self, home: Home) -> None:
        self.archive = home.archive
        self._home = home
        self._updater = Updater(home)

    @property
    def home(self) -> Path:
        """The folder holding this archive's store and index."""
        return self._home.path

    @property
    def lock_timeout(self) -> float:
        """Seconds an update waits for another process's update before giving up."""
        return self._home.lock_timeout

    @lock_timeout.setter
    def lock_timeout(self, seconds: float) -> None:
        self._home.lock_timeout = seconds

    @property
    def read_only(self) -> str | None:
        """Why the home cannot be written, when it was opened read-only (else None): it is
        searched as it is, and `update` refuses."""
        return self._home.read_only

    @classmethod
    def open(cls, archive: Path, *, cache_dir: Path | None = None) -> Library:
        archive = Path(archive).expanduser()
        if not archive.exists():
            raise LibraryError(f"archive not found: {archive} (give the folder holding the posts)")
        if not archive.is_dir():
            raise LibraryError(
                f"{archive} is a file, not a folder: give the archive folder holding the posts"
            )
        if not os.access(archive, os.R_OK | os.X_OK):
            raise LibraryError(f"cannot read the archive folder {archive}: check its permissions")
        archive = archive.resolve()
        path = locations.archive_home(archive, cache_dir)
        return cls(Home.open(archive, path, explicit=cache_dir is not None))

    # --- updating -----------------------------------------------------------------------------

    def needs_update(self, fingerprint: str | None = None) -> bool:
        """See Updater.needs_update."""
        return self._updater.needs_update(fingerprint)

    def archive_changed(self) -> bool:
        """Whether the archive's folders changed since its last full scan (freshness.py): a
        few stats, no scan. A file written over in place is not seen: `needs_update` sees it."""
        return freshness.folders_changed(self.home / freshness.CHECK_FILE)

    def update(
        self,
        *,
        rebuild: bool = False,
        progress: Callable[[Progress], None] | None = None,
        scan: archive_scan.Scan | None = None,
    ) -> UpdateSummary:
        """Bring the store and the index up to date with the archive. `scan`: the archive's,
        when the caller has just made one (see cliopen.open_library)."""
        report: ProgressFn = progress or (lambda _: None)
        if self.read_only:
            raise LibraryError(f"cannot update the index in {self.home}: {self.read_only}")
        return self._updater.run(rebuild=rebuild, report=report, scan=scan)

    def optimize(self, progress: Callable[[Progress], None] | None = None) -> Merged:
        """Merge the text index into one segment (see upkeep.py)."""
        from vidbrowse.core.library.upkeep import merge_all  # only `index --optimize` merges

        if self.read_only:
            raise LibraryError(f"cannot merge the index in {self.home}: {self.read_only}")
        return merge_all(self._home, self._updater, progress or (lambda _: None))

    # --- reading ------------------------------------------------------------------------------

    def search(
        self,
        query: str | ParsedQuery,
        *,
        sort: str | None = None,
        reverse: bool = False,
        facet_limit: int | None = 50,
        marks: Marks | None = None,
    ) -> Results:
        """Raises QueryError for a malformed query string. `sort=None`: the query's default
        (ParsedQuery.default_sort). `marks` (the user's, see review.py) answers
        `is:`/`has:`/`note:` terms; without them every post is unread."""
        if isinstance(query, str):
            query = ParsedQuery.parse(query)
        # Held for the whole search: the searcher is closed when an update swaps it out.
        with self._home.lock:
            # `similar:` reads its post's text: the store is used under the same lock.
            text_of = partial(self._home.need_store().text, limit=similar.TEXT_LIMIT)
            return self._home.need_view().search(
                query,
                sort=sort,
                reverse=reverse,
                facet_limit=facet_limit,
                marks=marks,
                text_of=text_of,
            )

    def correction(self, query: ParsedQuery, found: int) -> str | None:
        """The text of `query` (as searched: no second parse) with its typos fixed from the
        archive's own spellings (see spelling.py) when it found almost nothing (`found` posts)
        and the fix finds more; else None."""
        if found > RARE_HITS:
            return None
        from vidbrowse.core.query import spelling  # most searches find enough: no correction

        with self._home.lock:
            columns = self._home.need_view().columns
        return spelling.correct(
            query.text,
            query.tree,
            spelling.vocabulary(columns),
            lambda term: self.search(ParsedQuery.of(term), sort="uploaded", facet_limit=0).total,
            lambda text: self.search(text, sort="uploaded", facet_limit=0).total,
            found,
        )

    # Reads hold the lock: a rebuild closes the store they would otherwise still be using.

    def post(self, path: str) -> Post | None:
        with self._home.lock:
            return self._home.need_store().post(path)

    def find(self, vid_id: str) -> list[Post]:
        with self._home.lock:
            return self._home.need_store().posts_by_vid_id(vid_id)

    def is_empty(self) -> bool:
        """No post indexed yet: a first build is ahead (or the archive holds none)."""
        with self._home.lock:
            return len(self._home.need_view().live_rowids) == 0

    def problems(self) -> list[Problem]:
        with self._home.lock:
            return self._home.need_store().problems()

    def warnings(self) -> list[tuple[str, tuple[str, ...]]]:
        """(path, parser warnings) of the posts that have some (odd values, see Post.warnings)."""
        with self._home.lock:
            return self._home.need_store().warnings()

    def stats(self) -> Stats:
        with self._home.lock:
            store = self._home.need_store()
            updated = store.meta().get("updated")
            return Stats(
                posts=store.count_posts(),
                problems=store.count_problems(),
                updated=float(updated) if updated else None,
            )

    def close(self) -> None:
        self._home.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
