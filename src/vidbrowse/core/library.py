"""An opened archive: its store, its Whoosh index and its columns, kept up to date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vidbrowse.core.post import Post, Problem
from vidbrowse.core.query import Node
from vidbrowse.core.search import Results


class LibraryError(Exception):
    """A condition the user must hear about in one line (missing archive, unwritable cache…)."""


@dataclass(frozen=True, slots=True)
class Progress:
    phase: str  # "scan", "parse", "index", "commit"
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class UpdateSummary:
    posts: int  # posts in the index afterwards
    added: int
    changed: int
    removed: int
    problems: int
    seconds: float
    rebuilt_reason: str | None = None  # set when a damaged/old index was rebuilt


class Library:
    """See the module docstring. All methods are safe to call from a worker thread."""

    archive: Path
    home: Path  # the folder holding this archive's store and index

    @classmethod
    def open(cls, archive: Path, *, cache_dir: Path | None = None) -> Library:
        raise NotImplementedError

    def needs_update(self) -> bool:
        raise NotImplementedError

    def update(
        self,
        *,
        rebuild: bool = False,
        progress: Callable[[Progress], None] | None = None,
    ) -> UpdateSummary:
        raise NotImplementedError

    def search(
        self,
        query: str | Node,
        *,
        sort: str | None = None,
        reverse: bool = False,
        facet_limit: int | None = 50,
    ) -> Results:
        raise NotImplementedError

    def post(self, path: str) -> Post | None:
        raise NotImplementedError

    def find(self, vid_id: str) -> list[Post]:
        raise NotImplementedError

    def problems(self) -> list[Problem]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
