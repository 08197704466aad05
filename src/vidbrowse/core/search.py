"""One entry point from a query to results: which posts, in what order, with facet counts."""

from __future__ import annotations

from dataclasses import dataclass, field

SORT_KEYS = ("relevance", "uploaded", "posted", "views", "likes", "duration", "title")
FACET_FIELDS = ("tag", "channel", "category")


@dataclass(frozen=True, slots=True)
class Row:
    """What the results list shows for one post (from the columns; no disk access)."""

    rowid: int
    path: str
    vid_id: str
    title: str
    channel: str
    uploaded: int | None  # POSIX seconds
    posted: int | None
    duration: int | None
    views: int | None
    likes: int | None
    dislikes: int | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    score: float | None = None


@dataclass
class Results:
    """The answer to one query. `rows(start, stop)` materialises only the rows asked for."""

    query: str
    sort: str
    reverse: bool
    total: int
    facets: dict[str, list[tuple[str, int]]]  # field → [(value, count)], most frequent first
    timings: dict[str, float] = field(default_factory=dict)  # stage → seconds

    def rows(self, start: int, stop: int) -> list[Row]:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.total
