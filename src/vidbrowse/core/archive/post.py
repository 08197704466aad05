"""The records the core hands out: a parsed post, and a post that could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Post:
    """One video post, typed and cleaned. `path` (relative to the archive, POSIX separators) is the
    stable key: real archives repeat `vid_id`s."""

    path: str
    vid_id: str
    title: str
    channel: str = ""
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    posted: datetime | None = None  # front matter `date`, timezone-aware
    uploaded: datetime | None = None  # front matter `vid_date`, timezone-aware
    duration: int | None = None  # seconds; None when absent or unparseable
    views: int | None = None  # None means unknown ("" in the post), never 0
    likes: int | None = None
    dislikes: int | None = None
    image: str = ""
    url: str = ""
    source: str = "youtube"  # "youtube" or "dailymotion"
    text: str = ""  # the clean text of the body
    links: tuple[str, ...] = ()
    # Odd but tolerated things noticed while parsing (e.g. "duration 'PTx' is not ISO 8601").
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Problem:
    """A post that was skipped: where it is and a one-line reason a person understands."""

    path: str
    reason: str


# The reason kept for a file that is not a post (a Jekyll page, a README): remembered with its
# stat like a problem, so it is not read again while unchanged, but never shown as one.
NOT_A_POST = "not a post"
