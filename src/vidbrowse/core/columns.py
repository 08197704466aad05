"""Per-post columns held in memory: filters, sorting and facet counts without touching Whoosh."""

from __future__ import annotations

from typing import NamedTuple


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
